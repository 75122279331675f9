-- The monitoring scheduler (a background worker, when meshpg is preloaded)
-- calls mesh._retire_due_versions() every round: a kept major whose sunset
-- has passed is retired and its side-by-side port dropped without anyone
-- calling retire_version.  Polls for at most 60 seconds.
\set SHOW_CONTEXT never
CREATE ROLE regress_version_sr_owner NOLOGIN;
SELECT mesh.create_domain('version_sr', 'regress_version_sr_owner');
CREATE TABLE version_sr.t (id integer PRIMARY KEY, a text);
ALTER TABLE version_sr.t OWNER TO regress_version_sr_owner;
SELECT mesh.create_data_product('version_sr.p', 'SELECT id, a FROM version_sr.t', '{"purpose": "scheduled retirement"}') > 0 AS created;
SELECT mesh.set_status('version_sr.p', 'active');
SET client_min_messages = warning;
SELECT mesh.publish_version('version_sr.p', '1.0.0', '{"purpose": "scheduled retirement", "source": "SELECT id FROM version_sr.t"}') ->> 'class' AS class;
RESET client_min_messages;
CREATE FUNCTION pg_temp.old_status() RETURNS text LANGUAGE sql AS $$
    SELECT v.status FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
     WHERE p.domain = 'version_sr' AND v.version = '0.1.0' $$;
-- in its notice period: kept
SELECT pg_temp.old_status() AS status, to_regclass('version_sr.p_v0') IS NOT NULL AS has_port;
-- the sunset passes (moved into the past by hand); the scheduler retires it
UPDATE mesh.product_versions v SET sunset_at = now() - interval '1 second'
  FROM mesh.data_products p WHERE p.id = v.product_id AND p.domain = 'version_sr' AND v.version = '0.1.0';
DO $$
BEGIN
    FOR i IN 1 .. 300 LOOP
        EXIT WHEN pg_temp.old_status() = 'retired';
        PERFORM pg_sleep(0.2);   -- each statement takes a new snapshot
    END LOOP;
END
$$;
SELECT v.version, v.status, v.port, v.retired_at IS NOT NULL AS retired FROM mesh.product_versions v
  JOIN mesh.data_products p ON p.id = v.product_id WHERE p.domain = 'version_sr' ORDER BY v.version;
SELECT to_regclass('version_sr.p_v0') AS old_port;
-- the current version is left alone
SELECT status FROM mesh.data_products WHERE domain = 'version_sr';

-- clean up
SELECT mesh.drop_data_product('version_sr.p', force => true);
DROP TABLE version_sr.t;
SELECT mesh.drop_domain('version_sr');
DROP ROLE regress_version_sr_owner;
