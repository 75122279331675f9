-- mesh.publish_version(): the version number must increase and must not
-- understate the changes; the changelog; minor changes replace the port in
-- place, majors keep the previous major side by side as <product>_v<N>.
\set SHOW_CONTEXT never
CREATE ROLE regress_versions_pub_owner NOLOGIN;
CREATE ROLE regress_versions_pub_member NOLOGIN IN ROLE regress_versions_pub_owner;
CREATE ROLE regress_versions_pub_reader NOLOGIN;
CREATE ROLE regress_versions_pub_stranger NOLOGIN;
SELECT mesh.create_domain('verpub', 'regress_versions_pub_owner');
CREATE TABLE verpub.orders (id integer PRIMARY KEY, amount numeric(10,2) NOT NULL, note varchar(20), email text, qty smallint);
INSERT INTO verpub.orders VALUES (1, 9.50, 'first', 'a@example.com', 3);
ALTER TABLE verpub.orders OWNER TO regress_versions_pub_owner;
SELECT mesh.create_data_product('verpub.orders_p', 'SELECT id, amount, note FROM verpub.orders',
    '{"purpose": "orders", "sla": {"freshness": "1 hour"}}') > 0 AS created;
SELECT mesh.set_status('verpub.orders_p', 'active');
GRANT SELECT ON verpub.orders_p TO regress_versions_pub_reader;

-- the version must increase
SELECT mesh.publish_version('verpub.orders_p', '0.1.0', '{"purpose": "orders", "sla": {"freshness": "1 hour"}}');
SELECT mesh.publish_version('verpub.orders_p', '0.0.9', '{"purpose": "orders", "sla": {"freshness": "1 hour"}}');
SELECT mesh.publish_version('verpub.orders_p', 'v1', '{"purpose": "orders"}');
SELECT mesh.publish_version('verpub.orders_p', NULL, '{"purpose": "orders"}');
-- a patch-level version for minor changes is refused, with every change above patch and the version needed
SELECT mesh.publish_version('verpub.orders_p', '0.1.1',
    '{"purpose": "orders", "sla": {"freshness": "1 hour"}, "source": "SELECT id, amount, note::text AS note, email FROM verpub.orders"}');
-- a minor-level version for a major change is refused
SELECT mesh.publish_version('verpub.orders_p', '0.2.0', '{"purpose": "orders", "sla": {"freshness": "1 day"}}');
-- only members of the domain owner publish
SET ROLE regress_versions_pub_stranger;
SELECT mesh.publish_version('verpub.orders_p', '0.1.1', '{"purpose": "orders again", "sla": {"freshness": "1 hour"}}');
RESET ROLE;
-- nothing was published by the refusals
SELECT version FROM mesh.data_products WHERE domain = 'verpub';
SELECT count(*) FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id WHERE p.domain = 'verpub';

-- a patch: documentation only, the port is untouched
SET ROLE regress_versions_pub_member;
SELECT p ->> 'class' AS class, p ->> 'previous' AS previous, p -> 'kept' AS kept
  FROM mesh.publish_version('verpub.orders_p', '0.1.1', '{"purpose": "orders, one row each", "sla": {"freshness": "1 hour"}}') AS p;
RESET ROLE;
SELECT purpose, version, updated_by FROM mesh.data_products WHERE domain = 'verpub';

-- a minor version: a widened type and a new nullable column; the port is replaced in place
-- (a new column cannot be added by CREATE OR REPLACE when a type changes: a new view, same grants)
SELECT p ->> 'class' AS class, p -> 'kept' AS kept, jsonb_array_length(p -> 'changes') AS changes
  FROM mesh.publish_version('verpub.orders_p', '0.2.0',
    '{"purpose": "orders, one row each", "sla": {"freshness": "1 hour"},
      "source": "SELECT id, amount, note::text AS note, email FROM verpub.orders"}') AS p;
\d verpub.orders_p
SELECT mesh._port_consumers('verpub.orders_p'::regclass) AS consumers;
SELECT source FROM mesh.data_products WHERE domain = 'verpub';
-- a minor version that only appends a column keeps the very same view (CREATE OR REPLACE)
SELECT port::oid AS port_oid FROM mesh.data_products WHERE domain = 'verpub' \gset
SELECT p ->> 'class' AS class
  FROM mesh.publish_version('verpub.orders_p', '0.3.0',
    '{"purpose": "orders, one row each", "sla": {"freshness": "1 hour"},
      "source": "SELECT id, amount, note::text AS note, email, id AS order_no, qty FROM verpub.orders"}') AS p;
SELECT port::oid = :port_oid AS same_view FROM mesh.data_products WHERE domain = 'verpub';

-- a dependent view blocks replacing the port when its columns change within a major
CREATE VIEW verpub.dependent AS SELECT id, note FROM verpub.orders_p;
SELECT mesh.publish_version('verpub.orders_p', '0.4.0',
    '{"purpose": "orders, one row each", "sla": {"freshness": "1 hour"},
      "source": "SELECT id, amount, note::text AS note, email, id AS order_no, qty::integer AS qty FROM verpub.orders"}');

-- a major version: the previous major stays as verpub.orders_p_v0 until its sunset,
-- with its grants and dependent views; the new port gets the same grants
SET meshpg.deprecation_notice = '7d';
SELECT p ->> 'class' AS class, p -> 'kept' ->> 'port' AS kept_port, p -> 'kept' ->> 'version' AS kept_version,
       (p -> 'kept' ->> 'sunset_at')::timestamptz - now() BETWEEN interval '6 days 23 hours' AND interval '7 days' AS sunset_in_7_days
  FROM mesh.publish_version('verpub.orders_p', '1.0.0',
    '{"purpose": "orders, one row each", "sla": {"freshness": "1 hour"},
      "source": "SELECT id, note::text AS note, email FROM verpub.orders"}') AS p;
RESET meshpg.deprecation_notice;
SELECT relname, relkind FROM pg_class WHERE relnamespace = 'verpub'::regnamespace AND relkind = 'v' ORDER BY relname;
SELECT * FROM verpub.orders_p;
SELECT * FROM verpub.orders_p_v0;
SELECT pg_get_viewdef('verpub.dependent'::regclass) LIKE '%orders_p_v0%' AS dependent_follows_v0;
SELECT product, version, status, port, consumer FROM mesh.version_consumers WHERE product = 'verpub.orders_p' ORDER BY version;
SELECT v.version, v.status, v.port_name, v.class, v.previous, v.sunset_at IS NOT NULL AS has_sunset
  FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
 WHERE p.domain = 'verpub' ORDER BY v.published_at, v.version;
SELECT c.version, c.previous, c.path, c.kind, c.class FROM mesh.changelog c JOIN mesh.data_products p ON p.id = c.product_id
 WHERE p.domain = 'verpub' ORDER BY c.id;
-- describe() shows the new contract, the old major's port is refused to direct DDL
SELECT mesh.describe('verpub.orders_p') ->> 'version' AS version, mesh.describe('verpub.orders_p') -> 'source' ->> 'definition' AS source;
DROP VIEW verpub.orders_p_v0 CASCADE;
ALTER VIEW verpub.orders_p_v0 RENAME TO stolen;
ALTER VIEW verpub.orders_p RENAME TO stolen;

-- a major whose columns stay the same (a weaker SLA): the old major is a copy of the same query
SELECT p ->> 'class' AS class, p -> 'kept' ->> 'port' AS kept_port
  FROM mesh.publish_version('verpub.orders_p', '2.0.0',
    '{"purpose": "orders, one row each", "sla": {"freshness": "1 day"}}') AS p;
SELECT * FROM verpub.orders_p_v1;
SELECT mesh._port_consumers('verpub.orders_p_v1'::regclass) AS v1_consumers,
       mesh._port_consumers('verpub.orders_p'::regclass) AS current_consumers;
-- the next kept name is taken: refused before anything changes
CREATE TABLE verpub.orders_p_v2 (x integer);
SELECT mesh.publish_version('verpub.orders_p', '3.0.0', '{"purpose": "orders, one row each", "sla": {"freshness": "2 days"}}');
DROP TABLE verpub.orders_p_v2;

-- a draft has no consumers: a major replaces its port in place
SELECT mesh.create_data_product('verpub.draft_p', 'SELECT id, amount FROM verpub.orders', '{"purpose": "draft"}') > 0 AS created;
SELECT p ->> 'class' AS class, p -> 'kept' AS kept
  FROM mesh.publish_version('verpub.draft_p', '1.0.0', '{"purpose": "draft", "source": "SELECT id FROM verpub.orders"}') AS p;
SELECT relname FROM pg_class WHERE relnamespace = 'verpub'::regnamespace AND relname LIKE 'draft%' ORDER BY 1;

-- a full descriptor replaces the declared one: keys left out are removed
SELECT mesh.publish_version('verpub.draft_p', '1.0.1', '{"purpose": "draft", "description": "with a description", "tags": ["x"]}') ->> 'class' AS class;
SELECT mesh.publish_version('verpub.draft_p', '2.0.0', '{"purpose": "draft"}') ->> 'class' AS class;
SELECT mesh.describe('verpub.draft_p') ? 'description' AS has_description, mesh.describe('verpub.draft_p') -> 'tags' AS tags;
-- a retired product takes no new version
SELECT mesh.set_status('verpub.draft_p', 'retired');
SELECT mesh.publish_version('verpub.draft_p', '3.0.0', '{"purpose": "draft"}');
-- managed keys as describe() returns them are ignored
SELECT mesh.publish_version('verpub.orders_p', '2.0.1',
    (mesh.describe('verpub.orders_p') - 'version') || '{"description": "described"}') ->> 'class' AS class;

-- clean up
SELECT mesh.drop_data_product('verpub.draft_p', force => true);
DROP VIEW verpub.dependent;
SELECT mesh.drop_data_product('verpub.orders_p', force => true);
SELECT to_regclass('verpub.orders_p_v0') AS kept_v0, to_regclass('verpub.orders_p_v1') AS kept_v1;
DROP TABLE verpub.orders;
SELECT mesh.drop_domain('verpub');
DROP ROLE regress_versions_pub_owner, regress_versions_pub_member, regress_versions_pub_reader, regress_versions_pub_stranger;
