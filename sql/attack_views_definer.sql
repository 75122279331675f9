-- attack_views_definer: views and SECURITY DEFINER functions owned by others.
-- Masks follow every role whose rights are in play: the session role, the
-- current role and the view owner; data is raw only if all of them may see it.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_vd_owner NOLOGIN;
CREATE ROLE regress_enforce_vd_reader LOGIN;
CREATE SCHEMA enforce_vd_raw AUTHORIZATION regress_enforce_vd_owner;
SET ROLE regress_enforce_vd_owner;
CREATE TABLE enforce_vd_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_vd_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_vd_raw TO regress_enforce_vd_reader;
GRANT SELECT ON enforce_vd_raw.people TO regress_enforce_vd_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_vd', 'regress_enforce_vd_owner');
SELECT mesh.create_data_product('enforce_vd.people', 'enforce_vd_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_vd.email"}, "salary": {"classification": "enforce_vd.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_vd TO regress_enforce_vd_reader;
GRANT SELECT ON enforce_vd.people TO regress_enforce_vd_reader;
SELECT mesh.create_masking_policy('enforce_vd_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_vd_email', 'enforce_vd.email');
SELECT mesh.create_masking_policy('enforce_vd_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_vd_money', 'enforce_vd.money');
SELECT mesh.set_consumer_attribute('regress_enforce_vd_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_vd.people', 'by_region', 'region = mesh.attribute(''region'')');
CREATE ROLE regress_enforce_vd_exempt LOGIN IN ROLE regress_enforce_vd_owner;
GRANT CREATE ON SCHEMA enforce_vd_raw TO regress_enforce_vd_reader;
-- a view of the (exempt) owner does not unmask for the reader
SET ROLE regress_enforce_vd_owner;
CREATE VIEW enforce_vd_raw.owner_view AS SELECT id, email, salary FROM enforce_vd_raw.people;
CREATE VIEW enforce_vd_raw.owner_barrier WITH (security_barrier) AS SELECT id, email FROM enforce_vd_raw.people;
GRANT SELECT ON enforce_vd_raw.owner_view, enforce_vd_raw.owner_barrier TO regress_enforce_vd_reader;
CREATE FUNCTION enforce_vd_raw.owner_emails() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog AS $$ SELECT email FROM enforce_vd_raw.people ORDER BY id $$;
GRANT EXECUTE ON FUNCTION enforce_vd_raw.owner_emails() TO regress_enforce_vd_reader;
RESET ROLE;
SET ROLE regress_enforce_vd_reader;
SELECT * FROM enforce_vd_raw.owner_view;
SELECT * FROM enforce_vd_raw.owner_barrier;
SELECT enforce_vd_raw.owner_emails();
RESET ROLE;
-- CURRENT_USER in a row filter is the reader, even inside the owner's definer function
SELECT mesh.create_row_policy('enforce_vd.people', 'not_the_owner', 'CURRENT_USER <> ''regress_enforce_vd_owner''');
SET ROLE regress_enforce_vd_reader;
SELECT enforce_vd_raw.owner_emails();
RESET ROLE;
SELECT mesh.drop_row_policy('enforce_vd.people', 'not_the_owner');
-- a trojan view or definer function of the reader does not harvest raw data
-- from an exempt role that reads it
SET ROLE regress_enforce_vd_reader;
CREATE VIEW enforce_vd_raw.trojan AS SELECT id, email, salary FROM enforce_vd_raw.people;
GRANT SELECT ON enforce_vd_raw.trojan TO regress_enforce_vd_exempt;
CREATE TABLE enforce_vd_raw.loot (v text);
GRANT INSERT ON enforce_vd_raw.loot TO regress_enforce_vd_exempt;
CREATE FUNCTION enforce_vd_raw.harvest() RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog AS $$ INSERT INTO enforce_vd_raw.loot SELECT email FROM enforce_vd_raw.people $$;
GRANT EXECUTE ON FUNCTION enforce_vd_raw.harvest() TO regress_enforce_vd_exempt;
RESET ROLE;
SET ROLE regress_enforce_vd_exempt;
-- the exempt role itself reads raw data
SELECT id, email FROM enforce_vd_raw.people ORDER BY id;
-- but through the reader's view, or the reader's definer function, it is masked
SELECT * FROM enforce_vd_raw.trojan ORDER BY id;
SELECT enforce_vd_raw.harvest();
RESET ROLE;
SELECT * FROM enforce_vd_raw.loot;
-- ... nor through a definer function of the owner that its definer function
-- calls: the owners of the definer functions being run are in play too
SET ROLE regress_enforce_vd_owner;
CREATE FUNCTION enforce_vd_raw.email_of(int) RETURNS text LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog AS $$ SELECT email FROM enforce_vd_raw.people WHERE id = $1 $$;
GRANT EXECUTE ON FUNCTION enforce_vd_raw.email_of(int) TO regress_enforce_vd_reader, regress_enforce_vd_exempt;
CREATE FUNCTION enforce_vd_raw.emails_cached() RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog AS $$ BEGIN RETURN QUERY SELECT email FROM enforce_vd_raw.people ORDER BY id; END $$;
GRANT EXECUTE ON FUNCTION enforce_vd_raw.emails_cached() TO regress_enforce_vd_reader, regress_enforce_vd_exempt;
RESET ROLE;
SET ROLE regress_enforce_vd_reader;
CREATE FUNCTION enforce_vd_raw.launder() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO enforce_vd_raw.loot SELECT enforce_vd_raw.email_of(i) FROM generate_series(1, 3) i;
    INSERT INTO enforce_vd_raw.loot SELECT enforce_vd_raw.emails_cached();
END $$;
GRANT EXECUTE ON FUNCTION enforce_vd_raw.launder() TO regress_enforce_vd_exempt;
RESET ROLE;
TRUNCATE enforce_vd_raw.loot;
SET ROLE regress_enforce_vd_exempt;
-- the owner's plpgsql function first caches its plan for the exempt role alone
SELECT enforce_vd_raw.emails_cached();
SELECT enforce_vd_raw.launder();
SELECT enforce_vd_raw.launder();
-- called directly again, it reads raw data
SELECT enforce_vd_raw.emails_cached();
SELECT enforce_vd_raw.emails_cached();
RESET ROLE;
SELECT * FROM enforce_vd_raw.loot;
-- a SECURITY INVOKER function reads as its caller
SET ROLE regress_enforce_vd_reader;
CREATE FUNCTION enforce_vd_raw.invoker_emails() RETURNS SETOF text LANGUAGE sql
    AS $$ SELECT email FROM enforce_vd_raw.people ORDER BY id $$;
RESET ROLE;
SET ROLE regress_enforce_vd_exempt;
SELECT enforce_vd_raw.invoker_emails();
RESET ROLE;
DROP OWNED BY regress_enforce_vd_exempt;
DROP ROLE regress_enforce_vd_exempt;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_vd%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_vd' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_vd');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_vd%';
DROP SCHEMA enforce_vd_raw CASCADE;
DROP OWNED BY regress_enforce_vd_reader;
DROP ROLE regress_enforce_vd_owner, regress_enforce_vd_reader;
