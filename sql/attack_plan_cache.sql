-- attack_plan_cache: prepared statements, cursors and cached plans follow the
-- reader: a plan made before SET ROLE is made again; a plan cached inside a
-- SECURITY DEFINER function is not reused for another session role; policy
-- and attribute changes invalidate cached plans.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_plc_owner NOLOGIN;
CREATE ROLE regress_enforce_plc_reader LOGIN;
CREATE SCHEMA enforce_plc_raw AUTHORIZATION regress_enforce_plc_owner;
SET ROLE regress_enforce_plc_owner;
CREATE TABLE enforce_plc_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_plc_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_plc_raw TO regress_enforce_plc_reader;
GRANT SELECT ON enforce_plc_raw.people TO regress_enforce_plc_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_plc', 'regress_enforce_plc_owner');
SELECT mesh.create_data_product('enforce_plc.people', 'enforce_plc_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_plc.email"}, "salary": {"classification": "enforce_plc.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_plc TO regress_enforce_plc_reader;
GRANT SELECT ON enforce_plc.people TO regress_enforce_plc_reader;
SELECT mesh.create_masking_policy('enforce_plc_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_plc_email', 'enforce_plc.email');
SELECT mesh.create_masking_policy('enforce_plc_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_plc_money', 'enforce_plc.money');
SELECT mesh.set_consumer_attribute('regress_enforce_plc_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_plc.people', 'by_region', 'region = mesh.attribute(''region'')');
CREATE ROLE regress_enforce_plc_other LOGIN;
GRANT USAGE ON SCHEMA enforce_plc_raw, enforce_plc TO regress_enforce_plc_other;
GRANT SELECT ON enforce_plc_raw.people, enforce_plc.people TO regress_enforce_plc_other;
SELECT mesh.set_consumer_attribute('regress_enforce_plc_other', 'region', 'us');
-- prepared by a superuser, executed after SET ROLE (forced generic plans)
SET plan_cache_mode = force_generic_plan;
PREPARE q AS SELECT id, email, salary FROM enforce_plc_raw.people ORDER BY id;
EXECUTE q;
SET ROLE regress_enforce_plc_reader;
EXECUTE q;
SET ROLE regress_enforce_plc_other;
EXECUTE q;
RESET ROLE;
EXECUTE q;
-- prepared by the reader, then the policy changes
SET ROLE regress_enforce_plc_reader;
PREPARE r AS SELECT id, email FROM enforce_plc.people;
EXECUTE r;
RESET ROLE;
SELECT mesh.create_masking_policy('enforce_plc_redact', 'mesh.mask_redact(value)');
SELECT mesh.bind_masking_policy('enforce_plc_redact', 'enforce_plc.people', 'email');
SET ROLE regress_enforce_plc_reader;
EXECUTE r;
RESET ROLE;
SELECT mesh.set_consumer_attribute('regress_enforce_plc_reader', 'region', 'apac');
SET ROLE regress_enforce_plc_reader;
EXECUTE r;
RESET ROLE;
RESET plan_cache_mode;
-- cursors
SET ROLE regress_enforce_plc_reader;
BEGIN;
DECLARE c CURSOR FOR SELECT email, salary FROM enforce_plc_raw.people;
FETCH ALL FROM c;
COMMIT;
RESET ROLE;
BEGIN;
DECLARE c2 SCROLL CURSOR WITH HOLD FOR SELECT email FROM enforce_plc_raw.people ORDER BY id;
COMMIT;
SET ROLE regress_enforce_plc_reader;
-- a cursor opened by a superuser was made for the superuser: it stays its own
FETCH FIRST FROM c2;
RESET ROLE;
CLOSE c2;
-- a plan cached in a SECURITY DEFINER function of an exempt owner
SET ROLE regress_enforce_plc_owner;
CREATE FUNCTION enforce_plc_raw.emails() RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog AS $$ BEGIN RETURN QUERY SELECT email FROM enforce_plc_raw.people ORDER BY id; END $$;
GRANT EXECUTE ON FUNCTION enforce_plc_raw.emails() TO regress_enforce_plc_reader;
SELECT enforce_plc_raw.emails();
SET ROLE regress_enforce_plc_reader;
-- the owner's cached plan is not reused for the reader
SELECT enforce_plc_raw.emails();
SELECT enforce_plc_raw.emails();
RESET ROLE;
-- a plan cached in a definer function for an exempt caller (not the owner
-- itself) is not reused for a masked caller, whatever the statement: an
-- INSERT ... SELECT ... RETURNING returned raw values to the reader
CREATE ROLE regress_enforce_plc_exempt IN ROLE regress_enforce_plc_owner;
SET ROLE regress_enforce_plc_owner;
CREATE TABLE enforce_plc_raw.sink (email text);
CREATE FUNCTION enforce_plc_raw.copy_emails() RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog AS $$
DECLARE v text;
BEGIN
    FOR v IN INSERT INTO enforce_plc_raw.sink SELECT email FROM enforce_plc_raw.people ORDER BY id RETURNING email LOOP
        RETURN NEXT v;
    END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION enforce_plc_raw.copy_emails() TO regress_enforce_plc_reader, regress_enforce_plc_exempt;
RESET ROLE;
SET ROLE regress_enforce_plc_exempt;
SELECT enforce_plc_raw.copy_emails();
RESET ROLE;
SET ROLE regress_enforce_plc_reader;
SELECT enforce_plc_raw.copy_emails();
SELECT enforce_plc_raw.copy_emails();
RESET ROLE;
DROP OWNED BY regress_enforce_plc_exempt;
DROP ROLE regress_enforce_plc_exempt;
DROP OWNED BY regress_enforce_plc_other;
DROP ROLE regress_enforce_plc_other;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_plc%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_plc' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_plc');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_plc%';
DROP SCHEMA enforce_plc_raw CASCADE;
DROP OWNED BY regress_enforce_plc_reader;
DROP ROLE regress_enforce_plc_owner, regress_enforce_plc_reader;
