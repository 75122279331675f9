-- The ODCS standard's own examples (test/odcs/examples, copied from
-- bitol-io/open-data-contract-standard): each one imports, or fails with an
-- error that names exactly the part meshpg does not support.  First as given
-- (none names a meshpg domain), then with "domain: odcs_ex" added and source
-- tables that match what the example declares, spelled as PostgreSQL does.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE ROLE regress_odcs_ex_team NOLOGIN;
CREATE SCHEMA odcs_ex_src AUTHORIZATION regress_odcs_ex_team;
SET ROLE regress_odcs_ex_team;
CREATE TABLE odcs_ex_src.tbl (
    txn_ref_dt date,
    rcvr_id varchar(18) PRIMARY KEY,
    rcvr_cntry_code varchar(2)
);
CREATE TABLE odcs_ex_src.air_quality (
    "UniqueID"  integer PRIMARY KEY,
    "DataValue" numeric(3,2)
);
RESET ROLE;
SELECT mesh.create_domain('odcs_ex', 'regress_odcs_ex_team', 'The ODCS standard''s examples');
RESET client_min_messages;
-- the examples name their tables without a schema
SET search_path = odcs_ex_src, public;


-- fundamentals-table-column-description.odcs.yaml
\set contract `cat test/odcs/examples/fundamentals-table-column-description.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/fundamentals-table-column-description.odcs.yaml)`
SELECT mesh.import_contract(:'contract');
-- imported: the export imports back to the same catalog
CREATE TEMP TABLE example_before AS
SELECT product, mesh.describe(product) - ARRAY['updated_at', 'updated_by'] AS described
  FROM mesh.products WHERE domain = 'odcs_ex';
SELECT e.product, mesh.import_contract(mesh.export_contract(e.product)::text) = e.product AS reimported,
       e.described = mesh.describe(e.product) - ARRAY['updated_at', 'updated_by'] AS same_catalog,
       jsonb_array_length(e.described -> 'columns') AS columns,
       (SELECT count(*) FROM jsonb_array_elements(e.described -> 'checks')) AS checks,
       (SELECT count(*) FROM jsonb_array_elements(e.described -> 'odcs' -> 'quality')) AS kept_rules,
       e.described -> 'source' ->> 'definition' AS source,
       mesh.export_contract(e.product) -> 'schema' -> 0 ->> 'physicalName' AS exported_physical_name
  FROM example_before e;
DROP TABLE example_before;
SELECT mesh.drop_data_product(product, force => true) FROM mesh.products WHERE domain = 'odcs_ex';

-- quality-column-accuracy.odcs.yaml
\set contract `cat test/odcs/examples/quality-column-accuracy.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/quality-column-accuracy.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- quality-column-completeness.odcs.yaml
\set contract `cat test/odcs/examples/quality-column-completeness.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/quality-column-completeness.odcs.yaml)`
SELECT mesh.import_contract(:'contract');
-- imported: the export imports back to the same catalog
CREATE TEMP TABLE example_before AS
SELECT product, mesh.describe(product) - ARRAY['updated_at', 'updated_by'] AS described
  FROM mesh.products WHERE domain = 'odcs_ex';
SELECT e.product, mesh.import_contract(mesh.export_contract(e.product)::text) = e.product AS reimported,
       e.described = mesh.describe(e.product) - ARRAY['updated_at', 'updated_by'] AS same_catalog,
       jsonb_array_length(e.described -> 'columns') AS columns,
       (SELECT count(*) FROM jsonb_array_elements(e.described -> 'checks')) AS checks,
       (SELECT count(*) FROM jsonb_array_elements(e.described -> 'odcs' -> 'quality')) AS kept_rules,
       e.described -> 'source' ->> 'definition' AS source,
       mesh.export_contract(e.product) -> 'schema' -> 0 ->> 'physicalName' AS exported_physical_name
  FROM example_before e;
DROP TABLE example_before;
SELECT mesh.drop_data_product(product, force => true) FROM mesh.products WHERE domain = 'odcs_ex';

-- quality-column-custom.odcs.yaml
\set contract `cat test/odcs/examples/quality-column-custom.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/quality-column-custom.odcs.yaml)`
SELECT mesh.import_contract(:'contract');
-- imported: the export imports back to the same catalog
CREATE TEMP TABLE example_before AS
SELECT product, mesh.describe(product) - ARRAY['updated_at', 'updated_by'] AS described
  FROM mesh.products WHERE domain = 'odcs_ex';
SELECT e.product, mesh.import_contract(mesh.export_contract(e.product)::text) = e.product AS reimported,
       e.described = mesh.describe(e.product) - ARRAY['updated_at', 'updated_by'] AS same_catalog,
       jsonb_array_length(e.described -> 'columns') AS columns,
       (SELECT count(*) FROM jsonb_array_elements(e.described -> 'checks')) AS checks,
       (SELECT count(*) FROM jsonb_array_elements(e.described -> 'odcs' -> 'quality')) AS kept_rules,
       e.described -> 'source' ->> 'definition' AS source,
       mesh.export_contract(e.product) -> 'schema' -> 0 ->> 'physicalName' AS exported_physical_name
  FROM example_before e;
DROP TABLE example_before;
SELECT mesh.drop_data_product(product, force => true) FROM mesh.products WHERE domain = 'odcs_ex';

-- roles-service-and-operational-roles.odcs.yaml
\set contract `cat test/odcs/examples/roles-service-and-operational-roles.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/roles-service-and-operational-roles.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- schema-all-schema-types.odcs.yaml
\set contract `cat test/odcs/examples/schema-all-schema-types.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/schema-all-schema-types.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- schema-kafka-schema.odcs.yaml
\set contract `cat test/odcs/examples/schema-kafka-schema.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/schema-kafka-schema.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- schema-kafka-schemaregistry.odcs.yaml
\set contract `cat test/odcs/examples/schema-kafka-schemaregistry.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/schema-kafka-schemaregistry.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- schema-table-column.odcs.yaml
\set contract `cat test/odcs/examples/schema-table-column.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/schema-table-column.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- schema-table-columns-with-partition.odcs.yaml
\set contract `cat test/odcs/examples/schema-table-columns-with-partition.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/schema-table-columns-with-partition.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- server-azure-server.odcs.yaml
\set contract `cat test/odcs/examples/server-azure-server.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/server-azure-server.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- server-kafka-server.odcs.yaml
\set contract `cat test/odcs/examples/server-kafka-server.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/server-kafka-server.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- sla-database-table-sla.odcs.yaml
\set contract `cat test/odcs/examples/sla-database-table-sla.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/sla-database-table-sla.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- stakeholders-basic-four-dpo.odcs.yaml
\set contract `cat test/odcs/examples/stakeholders-basic-four-dpo.odcs.yaml`
SELECT mesh.import_contract(:'contract');
\set contract `(echo 'domain: odcs_ex'; cat test/odcs/examples/stakeholders-basic-four-dpo.odcs.yaml)`
SELECT mesh.import_contract(:'contract');

-- cleanup
RESET search_path;
SELECT mesh.drop_domain('odcs_ex');
DROP SCHEMA odcs_ex_src CASCADE;
DROP ROLE regress_odcs_ex_team;
