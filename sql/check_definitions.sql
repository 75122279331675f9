-- Bad check definitions: every validation error, with the JSON path of the
-- offending key, from the descriptor ($.checks[i]...) and from add_check ($...).
\set SHOW_CONTEXT never
CREATE ROLE regress_check_def_owner NOLOGIN;
SELECT mesh.create_domain('check_def', 'regress_check_def_owner');
CREATE TABLE check_def.t (id int, name text, at timestamptz, amount numeric);
ALTER TABLE check_def.t OWNER TO regress_check_def_owner;
CREATE TABLE check_def.ref (id int);
ALTER TABLE check_def.ref OWNER TO regress_check_def_owner;
SELECT mesh.create_data_product('check_def.p', 'check_def.t', '{"purpose": "definitions"}') > 0 AS created;

-- descriptor: checks must be an array; paths name the element
SELECT mesh.alter_data_product('check_def.p', '{"checks": {"name": "x"}}');
SELECT mesh.alter_data_product('check_def.p', '{"checks": [{"name": "ok", "kind": "row_count"}, 42]}');
SELECT mesh.alter_data_product('check_def.p', '{"checks": [{"name": "a", "kind": "row_count"}, {"name": "a", "kind": "row_count"}]}');
SELECT mesh.alter_data_product('check_def.p', '{"checks": [{"name": "a", "kind": "null", "column": "nope"}]}');
-- nothing was stored by the refused changes
SELECT count(*) AS checks FROM mesh.checks c JOIN mesh.data_products p ON p.id = c.product_id WHERE p.domain = 'check_def';

-- add_check: one error per rule
\set VERBOSITY default
SELECT mesh.add_check('check_def.p', NULL);
SELECT mesh.add_check('check_def.p', '[]');
SELECT mesh.add_check('check_def.p', '{"kind": "row_count"}');
SELECT mesh.add_check('check_def.p', '{"name": "Bad Name", "kind": "row_count"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "nonsense"}');
SELECT mesh.add_check('check_def.p', '{"name": "a"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "column": "id"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "severity": "fatal"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "enabled": "yes"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "description": 1}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "schedule": "often"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "schedule": "-1 hour"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "operator": "~"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "value": "ten"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "operator": "between"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count", "min": 5, "max": 1}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "null"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "null", "column": "nope"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "null", "column": "id", "unit": "lines"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "null", "column": "id", "unit": "percent", "fail_above": 101}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "null", "column": "id", "fail_above": -1}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "null", "column": "id", "fail_above": 5, "warn_above": 5}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "invalid", "column": "id"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "invalid", "column": "name", "accepted_values": []}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "invalid", "column": "name", "accepted_values": [{"a": 1}]}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "invalid", "column": "name", "regex": "(unclosed"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "invalid", "column": "name", "regex": 5}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "invalid", "column": "id", "min": [1]}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "invalid", "column": "name", "min_length": 5, "max_length": 2}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "duplicate"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "duplicate", "column": "id", "columns": ["id"]}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "duplicate", "columns": ["id", "id"]}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "duplicate", "columns": ["id", "nope"]}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "referential", "column": "id", "references": "check_def.ref"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "referential", "column": "id", "references": {"relation": "check_def.nope", "column": "id"}}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "referential", "column": "id", "references": {"relation": "ref", "column": "id"}}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "referential", "column": "id", "references": {"relation": "check_def.ref", "column": "nope"}}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "freshness", "column": "name", "max_age": "1 day"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "freshness", "column": "at"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "retention", "column": "at", "period": 7}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "schema", "columns": ["id"]}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "schema", "columns": {"id": "no_such_type"}}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "schema", "exact": "yes"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "metric", "column": "amount", "metric": "median", "value": 1}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "metric", "column": "name", "metric": "avg", "operator": "<", "value": 1}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "metric", "column": "amount", "metric": "avg", "operator": "<"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "volume_anomaly", "k": 0}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "volume_anomaly", "min_history": 10, "window": 5}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "distribution", "column": "name", "method": "histogram"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "distribution", "column": "amount", "method": "kde"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "distribution", "column": "amount", "bins": 2.5}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "distribution", "column": "amount", "fail_above": 0.1, "warn_above": 0.2}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "custom_metric", "operator": ">", "value": 0}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "custom_metric", "sql": "", "operator": ">", "value": 0}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "custom_metric", "sql": "SELECT 1; SELECT 2", "operator": ">", "value": 0}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "custom_metric", "sql": "SELECT 1 FROM", "operator": ">", "value": 0}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "failed_rows", "sql": "UPDATE check_def.t SET id = 0"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "failed_rows", "sql": "SELECT * INTO check_def.copy FROM check_def.t"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "failed_rows", "sql": "SELECT * FROM check_def.t FOR UPDATE"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "failed_rows", "sql": "WITH d AS (DELETE FROM check_def.t RETURNING *) SELECT * FROM d"}');
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "failed_rows", "sql": "SELECT 1", "unit": "percent"}');
SELECT mesh.add_check('no_such.product', '{"name": "a", "kind": "row_count"}');

-- a good one, then its name again: from add_check and from the descriptor
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count"}') > 0 AS added;
SELECT mesh.add_check('check_def.p', '{"name": "a", "kind": "row_count"}');
SELECT mesh.alter_data_product('check_def.p', '{"checks": [{"name": "a", "kind": "row_count"}]}');
-- drop_check: unknown names, and checks declared in the descriptor
SELECT mesh.drop_check('check_def.p', 'nope');
SELECT mesh.drop_check('check_def.p', NULL);
SELECT mesh.alter_data_product('check_def.p', '{"checks": [{"name": "b", "kind": "row_count"}]}');
SELECT mesh.drop_check('check_def.p', 'b');
SELECT mesh.drop_check('check_def.p', 'a');
SELECT c.name, c.declared_in FROM mesh.checks c JOIN mesh.data_products p ON p.id = c.product_id
 WHERE p.domain = 'check_def' ORDER BY c.name;

-- the descriptor is the source of its checks: altered, removed, state kept while unchanged
UPDATE mesh.checks SET state = '{"kept": true}' WHERE name = 'b'
   AND product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_def');
SELECT mesh.alter_data_product('check_def.p', '{"purpose": "unrelated change"}');
SELECT name, state FROM mesh.checks WHERE product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_def');
SELECT mesh.alter_data_product('check_def.p', '{"checks": [{"name": "b", "kind": "row_count", "value": 5, "schedule": "1 hour"}]}');
SELECT name, definition, schedule, state FROM mesh.checks WHERE product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_def');
SELECT mesh.alter_data_product('check_def.p', '{"checks": null}');
SELECT count(*) AS checks FROM mesh.checks WHERE product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_def');

SELECT mesh.drop_data_product('check_def.p');
DROP TABLE check_def.t, check_def.ref;
SELECT mesh.drop_domain('check_def');
DROP ROLE regress_check_def_owner;
