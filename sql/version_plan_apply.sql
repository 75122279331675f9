-- Products as code: mesh.plan() says what mesh.apply() would do with a
-- contract file and changes nothing; apply() creates, publishes or does
-- nothing, and applying the same file twice changes nothing at all.
\set SHOW_CONTEXT never
CREATE ROLE regress_versions_pa_owner NOLOGIN;
CREATE ROLE regress_versions_pa_stranger NOLOGIN;
SELECT mesh.create_domain('verpa', 'regress_versions_pa_owner');
CREATE TABLE verpa.t (id integer PRIMARY KEY, a text, b integer);
ALTER TABLE verpa.t OWNER TO regress_versions_pa_owner;
\set file1 '{"product": "verpa.p", "source": "SELECT id, a FROM verpa.t", "purpose": "as code", "sla": {"freshness": "1 hour"}, "columns": {"id": {"description": "key"}}}'

-- a new product: plan says create, and creates nothing
SELECT mesh.plan(:'file1');
SELECT count(*) AS products, to_regclass('verpa.p') AS port FROM mesh.data_products WHERE domain = 'verpa';
-- apply creates it (as a draft, like create_data_product)
SELECT mesh.apply(:'file1');
SELECT product, version, status FROM mesh.products WHERE domain = 'verpa';
SELECT updated_at AS first_update, descriptor AS first_descriptor FROM mesh.data_products WHERE domain = 'verpa' \gset
-- the same file again: nothing to do, nothing changes, not even updated_at
SELECT mesh.plan(:'file1');
SELECT mesh.apply(:'file1');
SELECT updated_at = :'first_update' AS same_updated_at, descriptor = :'first_descriptor' AS same_descriptor,
       (SELECT count(*) FROM mesh.product_versions v WHERE v.product_id = p.id) AS versions
  FROM mesh.data_products p WHERE domain = 'verpa';
-- describe() output with the product name is a contract file too
SELECT mesh.apply(mesh.describe('verpa.p')) ->> 'action' AS action;

-- a change without a new version: plan refuses it, apply raises
SELECT mesh.plan((:'file1')::jsonb || '{"purpose": "as code, edited"}');
SELECT mesh.apply((:'file1')::jsonb || '{"purpose": "as code, edited"}');
-- an understated version
SELECT mesh.plan((:'file1')::jsonb || '{"version": "0.1.1", "source": "SELECT id, a, b FROM verpa.t"}') - 'changes';
SELECT mesh.apply((:'file1')::jsonb || '{"version": "0.1.1", "source": "SELECT id, a, b FROM verpa.t"}');
-- a version going back
SELECT mesh.plan((:'file1')::jsonb || '{"version": "0.0.1"}');
-- the right version: plan shows the class, apply publishes
\set file2 '{"product": "verpa.p", "version": "0.2.0", "source": "SELECT id, a, b FROM verpa.t", "purpose": "as code", "sla": {"freshness": "1 hour"}, "columns": {"id": {"description": "key"}}}'
SELECT mesh.plan(:'file2');
SELECT version, to_regclass('verpa.p') IS NOT NULL AS port, (SELECT count(*) FROM pg_class WHERE relname LIKE '\_meshpg\_next\_%') AS staging
  FROM mesh.data_products WHERE domain = 'verpa';
SELECT mesh.apply(:'file2') -> 'published' ->> 'class' AS class;
SELECT version, source FROM mesh.data_products WHERE domain = 'verpa';
SELECT updated_at AS second_update FROM mesh.data_products WHERE domain = 'verpa' \gset
SELECT mesh.apply(:'file2') ->> 'action' AS action;
SELECT updated_at = :'second_update' AS same_updated_at FROM mesh.data_products WHERE domain = 'verpa';

-- plan lists the policy violations a file would have, apply is refused by them
SELECT mesh.create_policy('verpa_support', '{"kind": "required", "fields": ["support"], "domains": ["verpa"]}', 'error');
SELECT mesh.plan(:'file2'::jsonb || '{"version": "0.2.1", "purpose": "with policies"}');
SELECT mesh.plan('{"product": "verpa.q", "source": "verpa.t", "purpose": "new"}');
SELECT mesh.apply('{"product": "verpa.q", "source": "verpa.t", "purpose": "new"}');
SELECT mesh.drop_policy('verpa_support');

-- bad files
SELECT mesh.plan('{"source": "verpa.t", "purpose": "no name"}');
SELECT mesh.plan('{"product": "verpa", "source": "verpa.t", "purpose": "bad name"}');
SELECT mesh.plan('{"product": "verpa.r", "purpose": "no source"}');
SELECT mesh.plan('{"product": "verpa.r", "source": "verpa.t", "purpose": "bad version", "version": 2}');
SELECT mesh.plan('{"product": "verpa.r", "source": "verpa.t"}');
SELECT mesh.plan('[]');
SELECT mesh.apply(NULL);
-- only members of the domain owner plan and apply
SET ROLE regress_versions_pa_stranger;
SELECT mesh.plan(:'file1');
SELECT mesh.apply('{"product": "verpa.s", "source": "verpa.t", "purpose": "stranger"}');
RESET ROLE;

-- clean up
SELECT mesh.drop_data_product('verpa.p');
DROP TABLE verpa.t;
SELECT mesh.drop_domain('verpa');
DROP ROLE regress_versions_pa_owner, regress_versions_pa_stranger;
