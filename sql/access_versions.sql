-- Access follows a product to the port of a new version (41_versions.sql
-- replaces or renames ports and copies their grants): level grants are made on
-- the new port, approved requests still end there, and a dropped or kept old
-- port does not break a later change of access level or the expiry.
\set SHOW_CONTEXT never
CREATE ROLE govcat_accv_owner NOLOGIN;
CREATE ROLE govcat_accv_steward LOGIN IN ROLE govcat_accv_owner;
CREATE ROLE govcat_accv_analyst LOGIN;
SELECT mesh.create_domain('govaccv', 'govcat_accv_owner');
CREATE TABLE govaccv.orders (id integer PRIMARY KEY, amount integer, note varchar(10));
INSERT INTO govaccv.orders VALUES (1, 10, 'a'), (2, 20, 'b');
ALTER TABLE govaccv.orders OWNER TO govcat_accv_owner;
SELECT mesh.create_data_product('govaccv.orders_p', 'govaccv.orders',
    '{"purpose": "orders", "access_level": "restricted"}') > 0 AS created;
SELECT mesh.set_status('govaccv.orders_p', 'active');
-- a time-limited approved request
SET ROLE govcat_accv_analyst;
SELECT mesh.request_access('govaccv.orders_p', 'quarterly review', now() + interval '7 days') > 0 AS requested;
RESET ROLE;
SELECT max(id) AS req FROM mesh.access_requests \gset
SET ROLE govcat_accv_steward;
SELECT mesh.approve_access(:req);
RESET ROLE;
CREATE FUNCTION pg_temp.grants() RETURNS TABLE (port text, grantee text, kind text, port_exists boolean)
    LANGUAGE sql AS $$
    SELECT CASE WHEN c.oid IS NULL THEN '(dropped)' ELSE c.oid::regclass::text END, g.grantee::text, g.kind,
           c.oid IS NOT NULL
      FROM mesh.access_grants g LEFT JOIN pg_class c ON c.oid = g.port
     WHERE g.product_id = (SELECT id FROM mesh.data_products WHERE domain = 'govaccv')
     ORDER BY 1, 2, 3 $$;

-- a minor version whose column type changes: a new view replaces the port (the old one is dropped)
SELECT p ->> 'class' AS class FROM mesh.publish_version('govaccv.orders_p', '0.2.0',
    '{"purpose": "orders", "access_level": "restricted",
      "source": "SELECT id, amount, note::text AS note FROM govaccv.orders"}') AS p;
SELECT * FROM pg_temp.grants();
SET ROLE govcat_accv_analyst;
SELECT count(*) AS analyst_reads_new_port FROM govaccv.orders_p;
RESET ROLE;

-- a major version: the previous major is kept side by side (govaccv.orders_p_v0)
SELECT p ->> 'class' AS class, p -> 'kept' ->> 'port' AS kept FROM mesh.publish_version('govaccv.orders_p', '1.0.0',
    '{"purpose": "orders", "access_level": "restricted",
      "source": "SELECT id, note::text AS remark, amount FROM govaccv.orders"}') AS p;
SELECT * FROM pg_temp.grants();

-- the end of the request is refused on both ports before anything revokes it
UPDATE mesh.access_grants SET until = now() - interval '1 second' WHERE request_id = :req;
UPDATE mesh.access_requests SET until = now() - interval '1 second' WHERE id = :req;
\set VERBOSITY terse
SET ROLE govcat_accv_analyst;
SELECT count(*) FROM govaccv.orders_p;
SELECT count(*) FROM govaccv.orders_p_v0;
RESET ROLE;
\set VERBOSITY default
-- and the expiry revokes it on both (the scheduler calls mesh._expire_access()
-- each round too: whichever runs first ends the request, once; a scheduler
-- run in progress is waited for)
SELECT mesh._expire_access() >= 0 AS expiry_ran;
DO $$
BEGIN
    FOR i IN 1 .. 300 LOOP
        EXIT WHEN NOT EXISTS (SELECT FROM mesh.access_requests r
                               WHERE r.role = 'govcat_accv_analyst'::regrole AND r.status = 'approved');
        PERFORM pg_sleep(0.2);
    END LOOP;
END
$$;
SELECT status FROM mesh.access_requests WHERE id = :req;
SELECT has_table_privilege('govcat_accv_analyst', 'govaccv.orders_p', 'SELECT') AS new_port,
       has_table_privilege('govcat_accv_analyst', 'govaccv.orders_p_v0', 'SELECT') AS kept_port;
SELECT * FROM pg_temp.grants();

-- a level change after the port moved works on the current port
SELECT mesh.alter_data_product('govaccv.orders_p', '{"access_level": "public"}');
SELECT * FROM pg_temp.grants();
SELECT has_table_privilege('public', 'govaccv.orders_p', 'SELECT') AS public_reads;
-- a public product whose port is replaced by a new view: the level grant is made on the new one
SELECT p ->> 'class' AS class FROM mesh.publish_version('govaccv.orders_p', '1.1.0',
    '{"purpose": "orders", "access_level": "public",
      "source": "SELECT id, note::text AS remark, amount::bigint AS amount FROM govaccv.orders"}') AS p;
SELECT * FROM pg_temp.grants();
SELECT has_table_privilege('public', 'govaccv.orders_p', 'SELECT') AS public_reads_new_port;
SELECT mesh.alter_data_product('govaccv.orders_p', '{"access_level": "restricted"}');
SELECT * FROM pg_temp.grants();
SELECT has_table_privilege('public', 'govaccv.orders_p', 'SELECT') AS public_after_restricted;

SELECT mesh.drop_data_product('govaccv.orders_p', force => true);
DROP VIEW IF EXISTS govaccv.orders_p_v0;
DROP TABLE govaccv.orders;
SELECT mesh.drop_domain('govaccv');
DROP ROLE govcat_accv_owner, govcat_accv_steward, govcat_accv_analyst;
