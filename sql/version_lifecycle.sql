-- Life cycle of versions: active -> deprecated (with a notice period) -> retired
-- after the sunset; every invalid move refused; mesh._retire_due_versions()
-- drops the ports of kept majors past their sunset.
\set SHOW_CONTEXT never
CREATE ROLE regress_versions_lc_owner NOLOGIN;
CREATE ROLE regress_versions_lc_reader NOLOGIN;
CREATE ROLE regress_versions_lc_stranger NOLOGIN;
SELECT mesh.create_domain('verlc', 'regress_versions_lc_owner');
CREATE TABLE verlc.t (id integer PRIMARY KEY, a text, b text);
ALTER TABLE verlc.t OWNER TO regress_versions_lc_owner;
SELECT mesh.create_data_product('verlc.p', 'SELECT id, a, b FROM verlc.t', '{"purpose": "life cycle"}') > 0 AS created;
SELECT mesh.set_status('verlc.p', 'active');
GRANT SELECT ON verlc.p TO regress_versions_lc_reader;
-- two majors side by side: 0.1.0 kept as verlc.p_v0
SELECT mesh.publish_version('verlc.p', '1.0.0', '{"purpose": "life cycle", "source": "SELECT id, a FROM verlc.t"}') ->> 'class' AS class;
SELECT v.version, v.status, v.port_name FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
 WHERE p.domain = 'verlc' ORDER BY v.version;

-- sunsets in the test are fixed, so that messages are stable
UPDATE mesh.product_versions v SET sunset_at = '2100-01-01 00:00:00+00'
  FROM mesh.data_products p WHERE p.id = v.product_id AND p.domain = 'verlc' AND v.version = '0.1.0';
-- deprecated -> retired before the sunset: refused
SELECT mesh.retire_version('verlc.p', '0.1.0');
-- active -> retired without deprecation: refused
SELECT mesh.retire_version('verlc.p', '1.0.0');
-- deprecated -> deprecated: refused
SELECT mesh.deprecate_version('verlc.p', '0.1.0');
-- a sunset inside the notice period: refused
\set VERBOSITY terse
SELECT mesh.deprecate_version('verlc.p', '1.0.0', now() + interval '1 day');
\set VERBOSITY default
-- unknown versions, bad arguments
SELECT mesh.deprecate_version('verlc.p', '9.9.9');
SELECT mesh.deprecate_version('verlc.p', NULL);
SELECT mesh.retire_version('verlc.nope', '1.0.0');
-- strangers cannot move versions
SET ROLE regress_versions_lc_stranger;
SELECT mesh.deprecate_version('verlc.p', '1.0.0');
SELECT mesh.retire_version('verlc.p', '0.1.0');
SELECT mesh._retire_due_versions();
RESET ROLE;

-- the scheduler's retirement skips versions before their sunset
SELECT mesh._retire_due_versions() AS retired;
-- the sunset passes (here: moved into the past by hand, in the transaction
-- that retires it, so that the scheduler, which also calls
-- mesh._retire_due_versions(), does not retire it first)
BEGIN;
UPDATE mesh.product_versions v SET sunset_at = now() - interval '1 second'
  FROM mesh.data_products p WHERE p.id = v.product_id AND p.domain = 'verlc' AND v.version = '0.1.0';
SELECT mesh._retire_due_versions() AS retired;
COMMIT;
SELECT v.version, v.status, v.port, v.retired_at IS NOT NULL AS retired FROM mesh.product_versions v
  JOIN mesh.data_products p ON p.id = v.product_id WHERE p.domain = 'verlc' ORDER BY v.version;
SELECT to_regclass('verlc.p_v0') AS old_port;
-- retired -> anything: refused
SELECT mesh.retire_version('verlc.p', '0.1.0');
SELECT mesh.deprecate_version('verlc.p', '0.1.0');
-- a superseded version has no port of its own
SELECT mesh.publish_version('verlc.p', '1.0.1', '{"purpose": "life cycle, patched"}') ->> 'class' AS class;
SELECT mesh.deprecate_version('verlc.p', '1.0.0');

-- deprecating the current version deprecates the product; a view on a kept major blocks its retirement
SELECT mesh.publish_version('verlc.p', '2.0.0', '{"purpose": "life cycle", "source": "SELECT id FROM verlc.t"}') ->> 'class' AS class;
CREATE VIEW verlc.reader_view AS SELECT * FROM verlc.p_v1;
UPDATE mesh.product_versions v SET sunset_at = now() - interval '1 second'
  FROM mesh.data_products p WHERE p.id = v.product_id AND p.domain = 'verlc' AND v.version = '1.0.1';
SET client_min_messages = error;
SELECT mesh._retire_due_versions() AS retired;
RESET client_min_messages;
SELECT mesh.retire_version('verlc.p', '1.0.1');
-- (in one transaction: once the view is gone the scheduler could retire it first)
BEGIN;
DROP VIEW verlc.reader_view;
SELECT mesh.retire_version('verlc.p', '1.0.1');
COMMIT;
SELECT to_regclass('verlc.p_v1') AS old_port;
SET client_min_messages = warning;
SELECT mesh.deprecate_version('verlc.p', '2.0.0', '2100-01-01 00:00:00+00') AS sunset;
RESET client_min_messages;
SELECT status FROM mesh.data_products WHERE domain = 'verlc';
SELECT product, version, status, sunset_at, consumer FROM mesh.version_consumers WHERE product = 'verlc.p';
-- the current version past its sunset retires the product (its port stays until drop_data_product)
BEGIN;
UPDATE mesh.product_versions v SET sunset_at = now() - interval '1 second'
  FROM mesh.data_products p WHERE p.id = v.product_id AND p.domain = 'verlc' AND v.version = '2.0.0';
SELECT mesh.retire_version('verlc.p', '2.0.0');
COMMIT;
SELECT status FROM mesh.data_products WHERE domain = 'verlc';
SELECT v.version, v.status FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
 WHERE p.domain = 'verlc' ORDER BY v.version;
-- a deprecated draft cannot be: drafts have no consumers
SELECT mesh.create_data_product('verlc.d', 'verlc.t', '{"purpose": "draft"}') > 0 AS created;
SELECT mesh.deprecate_version('verlc.d', '0.1.0');

-- a deprecated current version keeps its promised sunset, whatever else moves
SELECT mesh.create_data_product('verlc.q', 'SELECT id, a, b FROM verlc.t', '{"purpose": "kept promise"}') > 0 AS created;
SELECT mesh.set_status('verlc.q', 'active');
SET client_min_messages = warning;
SELECT mesh.deprecate_version('verlc.q', '0.1.0', '2100-01-01 00:00:00+00') AS sunset;
RESET client_min_messages;
-- set_status cannot retire it before its sunset
SELECT mesh.set_status('verlc.q', 'retired');
-- a patch published in the notice period stays deprecated, with the same sunset
SELECT mesh.publish_version('verlc.q', '0.1.1', '{"purpose": "kept promise, patched"}') ->> 'class' AS class;
SELECT v.version, v.status, v.sunset_at FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
 WHERE p.domain = 'verlc' AND p.name = 'q' ORDER BY v.version;
SELECT status FROM mesh.data_products WHERE domain = 'verlc' AND name = 'q';
-- a new major keeps the old one until its promised sunset, not a shorter one, and is active
SET client_min_messages = warning;
SELECT mesh.publish_version('verlc.q', '1.0.0', '{"purpose": "kept promise", "source": "SELECT id, a FROM verlc.t"}') ->> 'class' AS class;
RESET client_min_messages;
SELECT v.version, v.status, v.sunset_at, v.port_name FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
 WHERE p.domain = 'verlc' AND p.name = 'q' ORDER BY v.version;
SELECT status FROM mesh.data_products WHERE domain = 'verlc' AND name = 'q';
SET client_min_messages = warning;
SELECT mesh.deprecate_version('verlc.q', '1.0.0', '2100-01-01 00:00:00+00') AS sunset;
RESET client_min_messages;
-- made active again, the scheduler does not retire it at the old sunset
SELECT mesh.set_status('verlc.q', 'active');
UPDATE mesh.product_versions v SET sunset_at = now() - interval '1 second'
  FROM mesh.data_products p WHERE p.id = v.product_id AND p.domain = 'verlc' AND p.name = 'q' AND v.version = '1.0.0' AND v.status = 'deprecated';
SELECT mesh._retire_due_versions() >= 0 AS ran;
SELECT v.version, v.status, v.sunset_at FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
 WHERE p.domain = 'verlc' AND p.name = 'q' AND v.version = '1.0.0';
SELECT status FROM mesh.data_products WHERE domain = 'verlc' AND name = 'q';
-- after the sunset, set_status retires it like retire_version
SET client_min_messages = warning;
SELECT mesh.deprecate_version('verlc.q', '1.0.0', '2100-01-01 00:00:00+00') AS sunset;
RESET client_min_messages;
BEGIN;
UPDATE mesh.product_versions v SET sunset_at = now() - interval '1 second'
  FROM mesh.data_products p WHERE p.id = v.product_id AND p.domain = 'verlc' AND p.name = 'q' AND v.version = '1.0.0';
SELECT mesh.set_status('verlc.q', 'retired');
COMMIT;
SELECT v.version, v.status FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
 WHERE p.domain = 'verlc' AND p.name = 'q' ORDER BY v.version;
SELECT status FROM mesh.data_products WHERE domain = 'verlc' AND name = 'q';
-- retired, but its kept major is in its notice period: not dropped without force,
-- and with force its kept port goes too (no ungoverned view is left behind)
SELECT mesh.drop_data_product('verlc.q');
SELECT to_regclass('verlc.q') AS port, to_regclass('verlc.q_v0') AS kept_port;
SELECT mesh.drop_data_product('verlc.q', force => true);
SELECT to_regclass('verlc.q') AS port, to_regclass('verlc.q_v0') AS kept_port;

-- clean up
SELECT mesh.drop_data_product('verlc.d');
SELECT mesh.drop_data_product('verlc.p');
DROP TABLE verlc.t;
SELECT mesh.drop_domain('verlc');
DROP ROLE regress_versions_lc_owner, regress_versions_lc_reader, regress_versions_lc_stranger;
