-- attack_reads: plain and whole-row reads, CTEs, subqueries, joins, set
-- operations, LATERAL, sublinks and functions all see masked, filtered rows.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_rd_owner NOLOGIN;
CREATE ROLE regress_enforce_rd_reader LOGIN;
CREATE SCHEMA enforce_rd_raw AUTHORIZATION regress_enforce_rd_owner;
SET ROLE regress_enforce_rd_owner;
CREATE TABLE enforce_rd_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_rd_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_rd_raw TO regress_enforce_rd_reader;
GRANT SELECT ON enforce_rd_raw.people TO regress_enforce_rd_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_rd', 'regress_enforce_rd_owner');
SELECT mesh.create_data_product('enforce_rd.people', 'enforce_rd_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_rd.email"}, "salary": {"classification": "enforce_rd.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_rd TO regress_enforce_rd_reader;
GRANT SELECT ON enforce_rd.people TO regress_enforce_rd_reader;
SELECT mesh.create_masking_policy('enforce_rd_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_rd_email', 'enforce_rd.email');
SELECT mesh.create_masking_policy('enforce_rd_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_rd_money', 'enforce_rd.money');
SELECT mesh.set_consumer_attribute('regress_enforce_rd_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_rd.people', 'by_region', 'region = mesh.attribute(''region'')');
SET ROLE regress_enforce_rd_reader;
SELECT * FROM enforce_rd_raw.people;
SELECT p FROM enforce_rd_raw.people p;
SELECT row_to_json(p) FROM enforce_rd.people p;
SELECT (p).email FROM (SELECT p FROM enforce_rd_raw.people p) s;
WITH c AS MATERIALIZED (SELECT * FROM enforce_rd_raw.people) SELECT email, salary FROM c;
WITH RECURSIVE r(n, e) AS (SELECT 1, (SELECT min(email) FROM enforce_rd_raw.people) UNION ALL SELECT n + 1, e FROM r WHERE n < 2) SELECT * FROM r;
SELECT email FROM (SELECT * FROM (SELECT * FROM enforce_rd_raw.people) a) b;
SELECT a.email, b.salary FROM enforce_rd_raw.people a JOIN enforce_rd.people b USING (id);
SELECT email FROM enforce_rd_raw.people UNION ALL SELECT email FROM enforce_rd.people;
SELECT email FROM enforce_rd_raw.people INTERSECT SELECT email FROM enforce_rd.people;
SELECT x.e FROM (VALUES (1)) v(i), LATERAL (SELECT email AS e FROM enforce_rd_raw.people WHERE id >= v.i) x;
SELECT (SELECT max(salary) FROM enforce_rd_raw.people) AS max_salary;
SELECT EXISTS (SELECT FROM enforce_rd_raw.people WHERE email = 'ann@example.org') AS guessed_email_found;
SELECT count(*) AS other_regions FROM enforce_rd_raw.people WHERE region <> 'emea';
SELECT 1 FROM enforce_rd_raw.people WHERE salary = 51234;
-- functions written by the reader read through the same rules
CREATE FUNCTION pg_temp.all_emails() RETURNS SETOF text LANGUAGE sql AS $$ SELECT email FROM enforce_rd_raw.people $$;
SELECT pg_temp.all_emails();
CREATE FUNCTION pg_temp.max_salary() RETURNS numeric LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT max(salary) FROM enforce_rd_raw.people); END $$;
SELECT pg_temp.max_salary();
DO $$ DECLARE r record; BEGIN FOR r IN EXECUTE 'SELECT email FROM enforce_rd_raw.people' LOOP RAISE NOTICE 'dynamic: %', r.email; END LOOP; END $$;
-- a STABLE SQL set-returning function is inlined by the planner: its body
-- reads through the same rules (it used to be planned unmasked)
CREATE FUNCTION pg_temp.people_rows() RETURNS SETOF enforce_rd_raw.people LANGUAGE sql STABLE
    AS $$ SELECT * FROM enforce_rd_raw.people $$;
SELECT * FROM pg_temp.people_rows();
CREATE FUNCTION pg_temp.port_rows() RETURNS TABLE (e text, s numeric) LANGUAGE sql IMMUTABLE
    AS $$ SELECT email, salary FROM enforce_rd.people $$;
SELECT * FROM pg_temp.port_rows();
SELECT p.e FROM (VALUES (1)) v(i), LATERAL pg_temp.port_rows() p;
DROP FUNCTION pg_temp.people_rows(), pg_temp.port_rows();
-- system columns of a masked relation are refused (they crashed the server)
SELECT ctid FROM enforce_rd_raw.people;
SELECT xmin, email FROM enforce_rd_raw.people;
SELECT p.tableoid::regclass FROM (VALUES (1)) v(i), enforce_rd_raw.people p;
-- leaky functions in WHERE, JOIN and ORDER BY only ever see masked values
CREATE FUNCTION pg_temp.leak(v anyelement) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$ BEGIN RAISE NOTICE 'leak: %', v; RETURN true; END $$;
SELECT id FROM enforce_rd_raw.people WHERE pg_temp.leak(email) AND pg_temp.leak(salary);
SELECT a.id FROM enforce_rd_raw.people a JOIN enforce_rd_raw.people b ON pg_temp.leak(b.email) AND a.id = b.id;
SELECT id FROM enforce_rd.people ORDER BY pg_temp.leak(email);
SELECT id FROM enforce_rd_raw.people WHERE pg_temp.leak(region);
RESET ROLE;
-- a governed table with row-security policies of its own, read after another
-- entry of the FROM list (its policy quals pointed at the wrong entry)
SET ROLE regress_enforce_rd_owner;
CREATE POLICY not_bob ON enforce_rd_raw.people AS RESTRICTIVE USING (email <> 'bob@example.com');
RESET ROLE;
SET ROLE regress_enforce_rd_reader;
SELECT v.i, p.* FROM (VALUES (1), (2)) v(i), enforce_rd_raw.people p ORDER BY v.i;
SELECT v.i, p.* FROM (VALUES (1)) v(i), enforce_rd.people p;
RESET ROLE;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_rd%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_rd' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_rd');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_rd%';
DROP SCHEMA enforce_rd_raw CASCADE;
DROP OWNED BY regress_enforce_rd_reader;
DROP ROLE regress_enforce_rd_owner, regress_enforce_rd_reader;
