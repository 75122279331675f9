-- ODCS import and export: YAML and JSON imports, the mapping onto the catalog,
-- round trips (import -> export -> import gives the same catalog), updates by
-- import, contradictions with the server, unsupported parts, permissions.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE ROLE regress_odcs_team NOLOGIN;
CREATE ROLE regress_odcs_member LOGIN IN ROLE regress_odcs_team;
CREATE ROLE regress_odcs_outsider LOGIN;
CREATE SCHEMA odcs_src AUTHORIZATION regress_odcs_team;
SET ROLE regress_odcs_team;
CREATE TABLE odcs_src.orders (
    order_id       integer PRIMARY KEY,
    customer_email text NOT NULL,
    amount         numeric(12,2),
    placed_at      timestamptz NOT NULL,
    code           varchar(2) UNIQUE
);
CREATE TABLE odcs_src.lines (
    order_id integer,
    line_no  smallint,
    sku      text NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
RESET ROLE;
SELECT mesh.create_domain('odcs_sales', 'regress_odcs_team', 'Sales data for the ODCS tests');
RESET client_min_messages;

-- a YAML contract with every part meshpg maps
\set orders_yaml `cat test/odcs/orders.odcs.yaml`
SET ROLE regress_odcs_member;
SELECT mesh.import_contract(:'orders_yaml');
RESET ROLE;

-- what the catalog holds now
SELECT p.version, p.status, p.owner, p.access_level, p.purpose, p.description, p.tags, p.freshness
  FROM mesh.data_products p WHERE p.name = 'orders';
SELECT d -> 'support' AS support, d -> 'sla' AS sla, d -> 'checks' AS checks, d -> 'sources' AS sources
  FROM mesh.describe('odcs_sales.orders') AS d;
SELECT jsonb_pretty(d -> 'odcs') AS kept FROM mesh.describe('odcs_sales.orders') AS d;
SELECT c.name, c.type, c.nullable, c.primary_key, c.classification, c.description, c.declared
  FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
 WHERE p.name = 'orders' ORDER BY c.position;
SELECT created_by FROM mesh.data_products WHERE name = 'orders';

-- the export, as JSON and as YAML
SELECT jsonb_pretty(mesh.export_contract('odcs_sales.orders'));
SELECT mesh.export_contract_yaml('odcs_sales.orders');
-- YAML and JSON exports are the same document
SELECT mesh._odcs_parse(mesh.export_contract_yaml('odcs_sales.orders'))
       = mesh.export_contract('odcs_sales.orders') AS yaml_equals_json;

-- import -> export -> import gives the same catalog, through JSON and through YAML
CREATE TEMP TABLE catalog_before AS
SELECT mesh.describe('odcs_sales.orders') - ARRAY['updated_at', 'updated_by'] AS described,
       (SELECT jsonb_agg(to_jsonb(c) - 'product_id' ORDER BY c.position)
          FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
         WHERE p.name = 'orders') AS columns,
       mesh.export_contract('odcs_sales.orders') AS exported;
SELECT mesh.import_contract(mesh.export_contract('odcs_sales.orders')::text);
SELECT b.described = mesh.describe('odcs_sales.orders') - ARRAY['updated_at', 'updated_by'] AS same_describe,
       b.columns = (SELECT jsonb_agg(to_jsonb(c) - 'product_id' ORDER BY c.position)
                      FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
                     WHERE p.name = 'orders') AS same_columns
  FROM catalog_before b;
SELECT mesh.import_contract(mesh.export_contract_yaml('odcs_sales.orders'));
SELECT b.described = mesh.describe('odcs_sales.orders') - ARRAY['updated_at', 'updated_by'] AS same_describe,
       b.columns = (SELECT jsonb_agg(to_jsonb(c) - 'product_id' ORDER BY c.position)
                      FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
                     WHERE p.name = 'orders') AS same_columns
  FROM catalog_before b;
-- and the export of the re-imported product is the same contract
SELECT exported = mesh.export_contract('odcs_sales.orders') AS same_export FROM catalog_before;

-- a JSON contract: a query source, a composite primary key, the deprecated dataProduct
SET ROLE regress_odcs_member;
SELECT mesh.import_contract($${
  "apiVersion": "v3.0.2", "kind": "DataContract", "id": "lines-1", "version": "0.2.0",
  "status": "draft", "domain": "odcs_sales", "name": "Order lines", "dataProduct": "order_lines",
  "description": {"purpose": "Order lines with their SKU"},
  "schema": [{"name": "lines", "physicalType": "query",
              "customProperties": [{"property": "meshpg.sourceQuery",
                                    "value": "SELECT order_id, line_no, sku FROM odcs_src.lines"}],
              "properties": [
                {"name": "order_id", "primaryKey": true, "primaryKeyPosition": 1, "required": true},
                {"name": "line_no", "physicalType": "int2", "primaryKey": true, "primaryKeyPosition": 2},
                {"name": "sku", "logicalType": "string", "required": true, "tags": ["sku"]}]}],
  "slaProperties": [{"property": "freshness", "value": "90", "unit": "minutes"}]
}$$);
RESET ROLE;
SELECT source_kind, source, freshness FROM mesh.data_products WHERE name = 'order_lines';
SELECT jsonb_pretty(mesh.export_contract('odcs_sales.order_lines'));
CREATE TEMP TABLE lines_before AS
SELECT mesh.describe('odcs_sales.order_lines') - ARRAY['updated_at', 'updated_by'] AS described;
SELECT mesh.import_contract(mesh.export_contract_yaml('odcs_sales.order_lines'));
SELECT b.described = mesh.describe('odcs_sales.order_lines') - ARRAY['updated_at', 'updated_by'] AS same_describe
  FROM lines_before b;

-- a product made with the API exports a valid contract and imports back unchanged
SELECT mesh.create_data_product('odcs_sales.big_orders', 'SELECT order_id, amount FROM odcs_src.orders WHERE amount > 1000',
    '{"purpose": "Large orders", "sla": {"freshness": "1 day", "delivery_window": {"start": "06:00", "end": "08:00", "timezone": "UTC"}},
      "support": [{"channel": "e-mail", "email": "sales@example.com"}],
      "sources": [{"name": "odcs_src.orders", "kind": "table"}],
      "columns": {"amount": {"description": "Amount in EUR", "references": "fx.rates(amount)", "x_unit": "EUR"}},
      "checks": [{"name": "has_rows", "kind": "row_count"},
                 {"name": "some_rows", "kind": "row_count", "operator": "between", "min": 1, "max": 100},
                 {"name": "amount_filled", "kind": "null", "column": "amount", "unit": "percent",
                  "fail_above": 5, "warn_above": 1, "schedule": "1 hour"},
                 {"name": "unique_orders", "kind": "duplicate", "column": "order_id", "fail_above": 0,
                  "severity": "warn", "description": "One row per order"},
                 {"name": "avg_amount", "kind": "metric", "column": "amount", "metric": "avg",
                  "operator": ">", "value": 1000}],
      "review": {"approved_by": "jane"}}') IS NOT NULL AS created;
-- checks ODCS can express become library rules, the others travel as meshpg's own
SELECT jsonb_pretty(r) FROM jsonb_array_elements(mesh.export_contract('odcs_sales.big_orders') -> 'schema' -> 0 -> 'quality') r;
SELECT p ->> 'name' AS property, jsonb_pretty(p -> 'quality') AS quality
  FROM jsonb_array_elements(mesh.export_contract('odcs_sales.big_orders') -> 'schema' -> 0 -> 'properties') p
 WHERE p ? 'quality';
SELECT jsonb_pretty(mesh.export_contract('odcs_sales.big_orders'));
CREATE TEMP TABLE big_before AS
SELECT mesh.describe('odcs_sales.big_orders') - ARRAY['updated_at', 'updated_by'] AS described;
SELECT mesh.import_contract(mesh.export_contract('odcs_sales.big_orders')::text);
-- the same, but for the order of the checks (an import stores them in name order)
SELECT b.described - 'checks' = mesh.describe('odcs_sales.big_orders') - ARRAY['updated_at', 'updated_by', 'checks']
           AS same_describe,
       (SELECT jsonb_agg(c ORDER BY c ->> 'name') FROM jsonb_array_elements(b.described -> 'checks') c)
           = mesh.describe('odcs_sales.big_orders') -> 'checks' AS same_checks
  FROM big_before b;
-- and from there on, exactly the same
CREATE TEMP TABLE big_after AS
SELECT mesh.describe('odcs_sales.big_orders') - ARRAY['updated_at', 'updated_by'] AS described;
SELECT mesh.import_contract(mesh.export_contract_yaml('odcs_sales.big_orders'));
SELECT b.described = mesh.describe('odcs_sales.big_orders') - ARRAY['updated_at', 'updated_by'] AS same_describe
  FROM big_after b;

-- an import updates a product: the contract replaces the whole descriptor
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: orders-contract
version: 1.1.0
status: active
domain: odcs_sales
name: orders
description: {purpose: Every order of the web shop}
schema:
  - name: orders
    physicalName: odcs_src.orders
    properties:
      - {name: order_id, description: Order number (never reused)}
$$);
SELECT p.version, p.purpose, p.tags, p.freshness, p.access_level FROM mesh.data_products p WHERE p.name = 'orders';
SELECT d -> 'odcs' AS odcs, d -> 'checks' AS checks, d -> 'support' AS support
  FROM mesh.describe('odcs_sales.orders') d;
SELECT c.name, c.description, c.declared FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
 WHERE p.name = 'orders' ORDER BY c.position;

-- the source of an existing product cannot change by import
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: orders-contract
version: 1.1.0
status: active
domain: odcs_sales
name: orders
description: {purpose: Every order}
schema: [{name: orders, physicalName: odcs_src.lines}]
$$);
-- nor can its version go back
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: orders-contract
version: 1.0.0
status: active
domain: odcs_sales
name: orders
description: {purpose: Every order}
schema: [{name: orders, physicalName: odcs_src.orders}]
$$);

-- permissions: the caller must belong to the domain owner, also through import
SET ROLE regress_odcs_outsider;
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: x
version: 1.2.0
status: active
domain: odcs_sales
name: orders
description: {purpose: Taken over}
schema: [{name: orders, physicalName: odcs_src.orders}]
$$);
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: x
version: 1.0.0
status: draft
domain: odcs_sales
name: stolen
description: {purpose: Planted}
schema: [{name: orders, physicalName: odcs_src.orders}]
$$);
-- the implementation is not callable directly, so nobody can name another caller
SELECT mesh._import_contract('regress_odcs_team', '{}');
-- reading contracts is open to everyone
SELECT (mesh.export_contract('odcs_sales.orders') ->> 'id') AS exported_by_outsider;
RESET ROLE;
-- the owner named by a contract must be a role of the caller
SET ROLE regress_odcs_member;
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: orders-contract
version: 1.2.0
status: active
domain: odcs_sales
name: orders
description: {purpose: Every order}
schema: [{name: orders, physicalName: odcs_src.orders}]
customProperties:
  - {property: meshpg.owner, value: postgres}
$$);
RESET ROLE;

-- contradictions with the server, all reported at once with their paths
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: orders-contract
version: 1.2.0
status: active
domain: odcs_sales
name: orders
description: {purpose: Every order}
schema:
  - name: orders
    physicalName: odcs_src.orders
    physicalType: view
    properties:
      - {name: order_id, physicalType: bigint, primaryKeyPosition: 2}
      - {name: amount, required: true, unique: true, logicalType: integer}
      - {name: placed_at, physicalType: double, primaryKey: true}
      - {name: code, physicalType: "varchar(3)"}
      - {name: customer_email, physicalType: "text", logicalType: string, required: true,
         logicalTypeOptions: {maxLength: 320}}
      - {name: discount, physicalType: numeric}
$$);
-- nothing was changed by the refused import
SELECT p.version, p.purpose FROM mesh.data_products p WHERE p.name = 'orders';
-- a new product whose contract contradicts the server is not created
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: n
version: 1.0.0
status: draft
domain: odcs_sales
name: wrong_orders
description: {purpose: Wrong}
schema:
  - name: orders
    physicalName: odcs_src.orders
    properties: [{name: amount, required: true}]
$$);
SELECT count(*) AS wrong_orders FROM mesh.data_products WHERE name = 'wrong_orders';
SELECT to_regclass('odcs_sales.wrong_orders') AS wrong_orders_port;

-- descriptor rules, reported at the contract's paths
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: orders-contract
version: 1.2.0
status: active
domain: odcs_sales
name: orders
description: {purpose: Every order}
tags: [ok, Not A Tag]
schema:
  - name: orders
    physicalName: odcs_src.orders
    properties:
      - {name: order_id}
      - {name: customer_email, classification: PII}
support:
  - {channel: "#sales", url: "ftp://files.example.com"}
customProperties:
  - {property: meshpg.access_level, value: secret}
$$);
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: orders-contract
version: 1.2.0
status: active
domain: odcs_sales
name: orders
description: {purpose: Every order}
schema: [{name: orders, physicalName: odcs_src.orders}]
slaProperties:
  - {property: latency, value: 0, unit: d}
$$);

-- problems the checks engine finds in a check are reported at the quality rule
SELECT mesh._odcs_check_message(msg, '["$.schema[0].quality[0]", "$.schema[0].properties[2].quality[1]",
                                       "$.schema[0].quality[3].implementation"]')
  FROM unnest(ARRAY['invalid check: $.checks[1].regex: invalid regular expression: brackets [] not balanced',
                    'invalid check: $.checks[0].sql: custom SQL must be one SELECT',
                    'invalid check: $.checks[1]: an invalid check needs a rule',
                    'invalid check: $.checks[2].max_age: expected an interval',
                    'invalid check: $.checks[7].x: out of range',
                    'something else']) AS msg;

-- what "odcs" keeps is checked on every create and alter, so an export can place it
SELECT mesh.alter_data_product('odcs_sales.orders', '{"odcs": "text"}');
SELECT mesh.alter_data_product('odcs_sales.orders',
    '{"odcs": {"quality": [{"rule": 1}, {"column": 7, "rule": {}}], "schema": [], "checks": "x"},
      "columns": {"code": {"odcs": []}}}');

-- contracts meshpg cannot read, with every problem named
SELECT mesh.import_contract('[1, 2]');
SELECT mesh.import_contract('{}');
SELECT mesh.import_contract($$
apiVersion: v2.2.2
kind: DataContract
id: old
version: 1.0.0
status: active
domain: odcs_sales
name: old
description: {purpose: Old}
schema: [{name: orders, physicalName: odcs_src.orders}]
$$);
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: DataContract
id: two
version: 1.0.0
status: active
domain: odcs_sales
name: two
description: {purpose: Two objects}
schema:
  - {name: orders, physicalType: topic}
  - {name: lines}
$$);
SELECT mesh.import_contract($$
apiVersion: v3.1.0
kind: Contract
id: 7
version: 1.0.0
status: active
domain: odcs_sales
name: bad
description: Just text
schema:
  - name: orders
    logicalType: array
    properties:
      - {name: order_id, required: "yes"}
      - {description: no name}
      - {name: order_id}
      - 42
    quality: {type: sql}
slaProperties:
  - {property: latency, value: soon, unit: d}
  - {property: latency, value: 1, unit: fortnight}
support: {channel: x}
customProperties:
  - {property: meshpg.columns, value: {}}
$$);
SELECT mesh.import_contract(E'apiVersion: v3.1.0\nkind: DataContract\nid: q\nversion: 1.0.0\nstatus: draft\ndomain: odcs_sales\nname: q\ndescription: {purpose: q}\nschema: [{name: orders, physicalName: odcs_src.orders, quality: [1, null], properties: [{name: code, quality: ["x"]}]}]');
SELECT mesh.import_contract(NULL);
-- hostile: lists beyond what a contract needs are refused before any work on them
SELECT mesh.import_contract(jsonb_build_object('apiVersion', 'v3.1.0', 'kind', 'DataContract', 'id', 'x',
    'version', '1.0.0', 'status', 'draft', 'domain', 'odcs_sales', 'name', 'wide',
    'description', jsonb_build_object('purpose', 'Wide'),
    'schema', jsonb_build_array(jsonb_build_object('name', 'orders', 'physicalName', 'odcs_src.orders',
        'properties', (SELECT jsonb_agg(jsonb_build_object('name', 'c' || i)) FROM generate_series(1, 1601) i)))
    )::text);
SELECT mesh.import_contract(jsonb_build_object('apiVersion', 'v3.1.0', 'kind', 'DataContract', 'id', 'x',
    'version', '1.0.0', 'status', 'draft', 'domain', 'odcs_sales', 'name', 'wide',
    'description', jsonb_build_object('purpose', 'Wide'),
    'slaProperties', (SELECT jsonb_agg(jsonb_build_object('property', 'p' || i, 'value', i)) FROM generate_series(1, 1001) i),
    'schema', jsonb_build_array(jsonb_build_object('name', 'orders', 'physicalName', 'odcs_src.orders')))::text);
-- 1600 properties are examined, each one reported
DO $$
DECLARE
    m text;
    d text;
BEGIN
    PERFORM mesh.import_contract(jsonb_build_object('apiVersion', 'v3.1.0', 'kind', 'DataContract', 'id', 'x',
        'version', '1.0.0', 'status', 'draft', 'domain', 'odcs_sales', 'name', 'wide',
        'description', jsonb_build_object('purpose', 'Wide'),
        'schema', jsonb_build_array(jsonb_build_object('name', 'orders', 'physicalName', 'odcs_src.orders',
            'properties', (SELECT jsonb_agg(jsonb_build_object('name', 'c' || i)) FROM generate_series(1, 1600) i)))
        )::text);
EXCEPTION WHEN invalid_parameter_value THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
    RAISE NOTICE '% / % detail lines / first: %', m, array_length(string_to_array(d, E'\n'), 1),
                 split_part(d, E'\n', 1);
END
$$;

-- life cycle: a contract status that is a meshpg status moves the product
SELECT mesh.import_contract(replace(mesh.export_contract('odcs_sales.order_lines')::text, '"draft"', '"active"'));
SELECT status FROM mesh.data_products WHERE name = 'order_lines';
SELECT mesh.import_contract(replace(mesh.export_contract('odcs_sales.order_lines')::text, '"active"', '"retired"'));
-- another status is kept as given and exported
SELECT mesh.import_contract(replace(mesh.export_contract('odcs_sales.order_lines')::text, '"active"', '"production"'));
SELECT status, mesh.export_contract('odcs_sales.order_lines') ->> 'status' AS exported
  FROM mesh.data_products WHERE name = 'order_lines';
SELECT mesh.export_contract('odcs_sales.nope');

-- cleanup
SELECT mesh.drop_data_product(product, force => true)
  FROM (SELECT product FROM mesh.products WHERE domain = 'odcs_sales' ORDER BY 1) p;
SELECT mesh.drop_domain('odcs_sales');
DROP SCHEMA odcs_src CASCADE;
DROP ROLE regress_odcs_member, regress_odcs_outsider, regress_odcs_team;
