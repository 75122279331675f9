-- Guard rails: ports and domain schemas change only through the API.
\set SHOW_CONTEXT never
CREATE ROLE regress_guard_owner NOLOGIN;
CREATE SCHEMA guard_raw AUTHORIZATION regress_guard_owner;
CREATE TABLE guard_raw.t (id int PRIMARY KEY, v text);
ALTER TABLE guard_raw.t OWNER TO regress_guard_owner;
SELECT mesh.create_domain('grd', 'regress_guard_owner');
SELECT mesh.create_data_product('grd.p', 'guard_raw.t', '{"purpose": "guarded"}') > 0 AS created;
SELECT mesh.set_status('grd.p', 'active');

-- refused on the port, for its owner and for a superuser alike
SET ROLE regress_guard_owner;
DROP VIEW grd.p;
ALTER VIEW grd.p RENAME TO q;
ALTER VIEW grd.p SET (security_barrier = false);
CREATE OR REPLACE VIEW grd.p AS SELECT id, v, 'extra'::text AS x FROM guard_raw.t;
RESET ROLE;
DROP VIEW grd.p;
ALTER VIEW grd.p OWNER TO postgres;
ALTER TABLE grd.p RENAME COLUMN v TO w;
ALTER VIEW grd.p SET SCHEMA public;
DROP TABLE guard_raw.t CASCADE;
DROP SCHEMA grd CASCADE;
ALTER SCHEMA grd RENAME TO grd2;
ALTER SCHEMA grd OWNER TO postgres;
DROP OWNED BY regress_guard_owner;
-- all of it is still there, unchanged
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, c.reloptions
  FROM pg_class c WHERE c.relnamespace = 'grd'::regnamespace;
SELECT * FROM grd.p;

-- allowed: granting access to the port, comments, other objects in the domain
GRANT SELECT ON grd.p TO PUBLIC;
COMMENT ON VIEW grd.p IS 'the guarded port';
CREATE VIEW grd.helper AS SELECT 1 AS one;
ALTER VIEW grd.helper RENAME TO helper2;
DROP VIEW grd.helper2;
-- the superuser's escape hatch: event triggers are off in replica mode
SET session_replication_role = replica;
ALTER VIEW grd.p RESET (security_barrier);
ALTER VIEW grd.p SET (security_barrier = true);
RESET session_replication_role;

-- the API still drops what it created
SELECT mesh.drop_data_product('grd.p', force => true);
SELECT mesh.drop_domain('grd');
DROP SCHEMA guard_raw CASCADE;
DROP ROLE regress_guard_owner;
-- dropping the extension leaves no guard behind
BEGIN;
CREATE SCHEMA after_drop;
DROP EXTENSION meshpg;
SELECT count(*) AS meshpg_event_triggers FROM pg_event_trigger WHERE evtname LIKE 'meshpg%';
DROP SCHEMA after_drop;
ROLLBACK;
