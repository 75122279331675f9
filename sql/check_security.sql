-- Attacks on the checks engine: custom SQL that writes or tries to become
-- another role, checks of a product owned by a superuser, a check that runs
-- too long, hostile column names and regexes (injection), and callers who do
-- not own the product.
\set SHOW_CONTEXT never
CREATE ROLE regress_check_sec_owner NOLOGIN;
CREATE ROLE regress_check_sec_other NOLOGIN;
CREATE ROLE regress_check_sec_super NOLOGIN SUPERUSER;
SELECT mesh.create_domain('check_sec', 'regress_check_sec_owner');
CREATE TABLE check_sec.t (id int, "x""); DROP TABLE check_sec.t; --" text, note text);
ALTER TABLE check_sec.t OWNER TO regress_check_sec_owner;
INSERT INTO check_sec.t VALUES (1, 'a', 'it''s'), (2, NULL, '$1'), (3, ''');DROP TABLE check_sec.t;--', 'x');
-- functions a malicious custom check calls
CREATE FUNCTION check_sec.wipe() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM check_sec.t; RETURN 0; END $$;
CREATE FUNCTION check_sec.become_super() RETURNS int LANGUAGE plpgsql
    AS $$ BEGIN PERFORM set_config('role', 'regress_check_sec_super', false); RETURN 0; END $$;
CREATE FUNCTION check_sec.set_role() RETURNS int LANGUAGE plpgsql
    AS $$ BEGIN EXECUTE 'SET ROLE regress_check_sec_super'; RETURN 0; END $$;
CREATE FUNCTION check_sec.read_write() RETURNS int LANGUAGE plpgsql
    AS $$ BEGIN PERFORM set_config('transaction_read_only', 'off', false); RETURN 0; END $$;
CREATE FUNCTION check_sec.make_table() RETURNS int LANGUAGE plpgsql
    AS $$ BEGIN CREATE TEMP TABLE sneaky (a int); RETURN 0; END $$;
ALTER FUNCTION check_sec.wipe() OWNER TO regress_check_sec_owner;

SELECT mesh.create_data_product('check_sec.p', 'check_sec.t', $$
{"purpose": "attacks", "checks": [
  {"name": "hostile_column_null", "kind": "null", "column": "x\"); DROP TABLE check_sec.t; --"},
  {"name": "hostile_column_unique", "kind": "duplicate", "columns": ["id", "x\"); DROP TABLE check_sec.t; --"]},
  {"name": "hostile_regex", "kind": "invalid", "column": "note", "regex": "^[^;]*'; DROP TABLE check_sec.t; --$"},
  {"name": "hostile_values", "kind": "invalid", "column": "note", "accepted_values": ["it's", "$1", "'); DROP TABLE check_sec.t; --"]},
  {"name": "hostile_length", "kind": "invalid", "column": "x\"); DROP TABLE check_sec.t; --", "max_length": 1},
  {"name": "writes_through_function", "kind": "custom_metric", "sql": "SELECT check_sec.wipe()", "value": 0, "operator": "="},
  {"name": "becomes_superuser", "kind": "custom_metric", "sql": "SELECT check_sec.become_super()", "value": 0, "operator": "="},
  {"name": "sets_role", "kind": "failed_rows", "sql": "SELECT check_sec.set_role()"},
  {"name": "turns_read_write", "kind": "custom_metric", "sql": "SELECT check_sec.read_write()", "value": 0, "operator": "="},
  {"name": "creates_objects", "kind": "custom_metric", "sql": "SELECT check_sec.make_table()", "value": 0, "operator": "="},
  {"name": "runs_as_owner", "kind": "custom_metric",
   "sql": "SELECT (current_user = 'regress_check_sec_owner' AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))::int",
   "value": 1, "operator": "="},
  {"name": "reads_as_owner", "kind": "failed_rows", "sql": "SELECT * FROM pg_authid"},
  {"name": "leaves_settings", "kind": "failed_rows",
   "sql": "SELECT set_config('search_path', 'check_sec', false), set_config('work_mem', '1234kB', false)"}
]}$$) > 0 AS created;
-- the definitions keep the hostile text as data
SELECT name, definition ->> 'column' AS col, definition -> 'columns' AS cols, definition ->> 'regex' AS regex
  FROM mesh.checks WHERE name LIKE 'hostile%' ORDER BY name;
SELECT name, status, observed, message FROM mesh.run_checks('check_sec.p') ORDER BY name;
-- nothing was written, dropped or created, and we are who we were
SELECT count(*) AS rows_left FROM check_sec.t;
SELECT to_regclass('pg_temp.sneaky') AS sneaky, current_user, current_setting('transaction_read_only') AS read_only;
-- settings changed by a check's query do not outlive it
SELECT current_setting('search_path') AS search_path, current_setting('work_mem') = '1234kB' AS work_mem_leaked;

-- a check that runs too long ends with status error; the others still run
SET meshpg.check_statement_timeout = 500;
SELECT mesh.add_check('check_sec.p', '{"name": "sleeps", "kind": "custom_metric", "sql": "SELECT 1 FROM pg_sleep(10)", "value": 1, "operator": "="}') > 0 AS added;
SELECT name, status, message FROM mesh.run_checks('check_sec.p') WHERE name IN ('sleeps', 'hostile_column_null', 'runs_as_owner') ORDER BY name;
RESET meshpg.check_statement_timeout;
-- the time limit is for superusers to set
SET ROLE regress_check_sec_owner;
SET meshpg.check_statement_timeout = 0;
RESET ROLE;
SELECT mesh.drop_check('check_sec.p', 'sleeps');

-- callers who are not members of the product or domain owner
SET ROLE regress_check_sec_other;
SELECT * FROM mesh.run_checks('check_sec.p');
SELECT mesh.add_check('check_sec.p', '{"name": "mine", "kind": "row_count"}');
SELECT mesh.profile_product('check_sec.p');
SELECT mesh.drop_check('check_sec.p', 'runs_as_owner');
-- the engine's internals are not callable
SELECT mesh._check_query('regress_check_sec_other', 'SELECT 1', '{}', 'aggregate', 'pg_catalog');
SELECT mesh._run_due_checks();
SELECT mesh._execute_checks('regress_check_sec_owner', 'check_sec.p');
-- but everyone reads the results and the score
SELECT count(*) > 0 AS sees_status FROM mesh.check_status WHERE product = 'check_sec.p';
SELECT mesh.quality_score('check_sec.p') IS NOT NULL AS has_score;
SELECT count(*) > 0 AS sees_runs FROM mesh.check_runs WHERE product_id = (SELECT id FROM mesh.data_products
                                                                          WHERE domain = 'check_sec');
-- but not what the checks saw, read as the owner: observed values, messages
-- and stored profiles hold the port's data (a categorical profile lists its
-- values), and this role may not read the port
SELECT has_table_privilege('check_sec.p', 'SELECT') AS may_read_port;
SELECT count(*) FILTER (WHERE observed IS NOT NULL OR message IS NOT NULL) AS runs_with_data
  FROM mesh.check_status WHERE product = 'check_sec.p';
SELECT observed FROM mesh.check_runs LIMIT 1;
SELECT message FROM mesh.check_runs LIMIT 1;
SELECT state FROM mesh.checks LIMIT 1;
SELECT count(*) AS incidents_with_data FROM mesh.incidents WHERE details ?| ARRAY['observed', 'message'];
RESET ROLE;
-- the owner may run them, and sees what they saw
SET ROLE regress_check_sec_owner;
SELECT count(*) FILTER (WHERE message IS NOT NULL) > 0 AS owner_sees_messages
  FROM mesh.check_status WHERE product = 'check_sec.p';
SELECT count(*) AS results FROM mesh.run_checks('check_sec.p');
RESET ROLE;

-- checks read as the product owner, whoever calls: an owner without SELECT
-- on the port gets errors, even when a superuser runs the checks
SELECT mesh.alter_data_product('check_sec.p', '{"owner": "regress_check_sec_other"}');
SELECT name, status, message FROM mesh.run_checks('check_sec.p')
 WHERE name IN ('hostile_column_null', 'runs_as_owner') ORDER BY name;
SELECT mesh.alter_data_product('check_sec.p', '{"owner": "regress_check_sec_owner"}');

-- custom SQL and referential checks run as the product owner: a member of
-- the domain owner who is not a member of the product owner cannot write one
CREATE ROLE regress_check_sec_member NOLOGIN IN ROLE regress_check_sec_owner;
CREATE ROLE regress_check_sec_team NOLOGIN;
SELECT mesh.alter_data_product('check_sec.p', '{"owner": "regress_check_sec_team"}');
SET ROLE regress_check_sec_member;
SELECT mesh.add_check('check_sec.p', '{"name": "peek", "kind": "custom_metric", "sql": "SELECT 1", "value": 1, "operator": "="}');
SELECT mesh.add_check('check_sec.p', '{"name": "peek_ref", "kind": "referential", "column": "id",
                                       "references": {"relation": "check_sec.t", "column": "id"}}');
SELECT mesh.alter_data_product('check_sec.p', '{"checks": [{"name": "peek_rows", "kind": "failed_rows", "sql": "SELECT 1"}]}');
-- other kinds are fine, and unchanged custom checks do not stop other changes
SELECT mesh.add_check('check_sec.p', '{"name": "plain", "kind": "row_count"}') > 0 AS plain_added;
SELECT mesh.alter_data_product('check_sec.p', '{"purpose": "attacks, again"}');
RESET ROLE;
SELECT mesh.drop_check('check_sec.p', 'plain');
SELECT mesh.alter_data_product('check_sec.p', '{"owner": "regress_check_sec_owner"}');

-- a custom check runs only while its author is a member of the owner: a
-- member of the old owner wrote it, the owner changed to a role its author
-- cannot use, and the query does not run as that role
SET ROLE regress_check_sec_member;
SELECT mesh.add_check('check_sec.p', '{"name": "by_member", "kind": "custom_metric",
                                       "sql": "SELECT 1", "operator": "=", "value": 1}') > 0 AS added;
RESET ROLE;
SELECT created_by FROM mesh.checks WHERE name = 'by_member';
SELECT name, status FROM mesh.run_checks('check_sec.p') WHERE name = 'by_member';
SELECT mesh.alter_data_product('check_sec.p', '{"owner": "regress_check_sec_team"}');
SELECT name, status, message FROM mesh.run_checks('check_sec.p') WHERE name = 'by_member';
-- once the author may use the new owner, it runs again
GRANT regress_check_sec_team TO regress_check_sec_member;
SELECT name, status FROM mesh.run_checks('check_sec.p') WHERE name = 'by_member';
REVOKE regress_check_sec_team FROM regress_check_sec_member;
SELECT mesh.alter_data_product('check_sec.p', '{"owner": "regress_check_sec_owner"}');
SELECT mesh.drop_check('check_sec.p', 'by_member');

-- a product owned by a superuser: its checks never run
SELECT mesh.create_domain('check_sec_su', 'regress_check_sec_super');
CREATE TABLE check_sec_su.t AS SELECT 1 AS id;
ALTER TABLE check_sec_su.t OWNER TO regress_check_sec_super;
SELECT mesh.create_data_product('check_sec_su.p', 'check_sec_su.t', '{"purpose": "superuser owned", "checks": [
  {"name": "rows", "kind": "row_count"},
  {"name": "custom", "kind": "custom_metric", "sql": "SELECT 1", "operator": "=", "value": 1}]}') > 0 AS created;
SELECT name, status, message FROM mesh.run_checks('check_sec_su.p') ORDER BY name;

SELECT mesh.drop_data_product('check_sec_su.p');
DROP TABLE check_sec_su.t;
SELECT mesh.drop_domain('check_sec_su');
SELECT mesh.drop_data_product('check_sec.p');
DROP TABLE check_sec.t;
DROP FUNCTION check_sec.wipe(), check_sec.become_super(), check_sec.set_role(), check_sec.read_write(), check_sec.make_table();
SELECT mesh.drop_domain('check_sec');
DROP ROLE regress_check_sec_member, regress_check_sec_team, regress_check_sec_owner, regress_check_sec_other, regress_check_sec_super;
