-- pgTAP: the API contract of ODCS import/export (docs/odcs.md): signatures,
-- the dispatcher binding of import_contract (it runs with the caller's
-- rights, recorded as the caller), exports readable by everyone, errcodes.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;
BEGIN;
SELECT plan(27);

-- 1. Signatures and return types.
SELECT has_function('mesh', 'import_contract', ARRAY['text'], 'mesh.import_contract(text) exists');
SELECT function_returns('mesh', 'import_contract', ARRAY['text'], 'text',
                        'mesh.import_contract returns text (the product name)');
SELECT has_function('mesh', 'export_contract', ARRAY['text'], 'mesh.export_contract(text) exists');
SELECT function_returns('mesh', 'export_contract', ARRAY['text'], 'jsonb', 'mesh.export_contract returns jsonb');
SELECT has_function('mesh', 'export_contract_yaml', ARRAY['text'], 'mesh.export_contract_yaml(text) exists');
SELECT function_returns('mesh', 'export_contract_yaml', ARRAY['text'], 'text',
                        'mesh.export_contract_yaml returns text');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.import_contract(text)'::regprocedure),
          ARRAY['document'], 'mesh.import_contract argument is named document');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.export_contract(text)'::regprocedure),
          ARRAY['product'], 'mesh.export_contract argument is named product');

-- 2. import_contract is bound to the C dispatcher, its implementation takes the caller.
SELECT is((SELECT l.lanname || ':' || p.prosrc FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = 'mesh.import_contract(text)'::regprocedure),
          'c:meshpg_api_dispatch', 'mesh.import_contract is the C dispatcher');
SELECT has_function('mesh', '_import_contract', ARRAY['regrole', 'text'],
                    'its implementation is mesh._import_contract(caller regrole, document text)');
SELECT isnt_definer('mesh', 'import_contract', ARRAY['text'], 'mesh.import_contract is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'export_contract', ARRAY['text'], 'mesh.export_contract is not SECURITY DEFINER');
SELECT volatility_is('mesh', 'export_contract', ARRAY['text'], 'stable', 'mesh.export_contract is STABLE');
SELECT ok(NOT has_function_privilege('public', 'mesh._import_contract(regrole, text)', 'EXECUTE'),
          'PUBLIC may not call mesh._import_contract');

-- A domain, its team, a member and an outsider.
CREATE ROLE regress_tap_odcs_team NOLOGIN;
CREATE ROLE regress_tap_odcs_dev LOGIN IN ROLE regress_tap_odcs_team;
CREATE ROLE regress_tap_odcs_reader LOGIN;
CREATE SCHEMA tap_odcs_src AUTHORIZATION regress_tap_odcs_team;
CREATE TABLE tap_odcs_src.items (id integer PRIMARY KEY, label text NOT NULL);
ALTER TABLE tap_odcs_src.items OWNER TO regress_tap_odcs_team;
SELECT mesh.create_domain('tap_odcs', 'regress_tap_odcs_team', 'pgTAP ODCS domain') \g /dev/null

-- 3. Import runs as the caller: recorded as such, and checked as such.
SET LOCAL ROLE regress_tap_odcs_dev;
SELECT is(mesh.import_contract($${"apiVersion": "v3.1.0", "kind": "DataContract", "id": "items",
    "version": "1.0.0", "status": "draft", "domain": "tap_odcs", "name": "items",
    "description": {"purpose": "Items for the pgTAP test"},
    "schema": [{"name": "items", "physicalName": "tap_odcs_src.items",
                "properties": [{"name": "id", "primaryKey": true, "required": true}]}]}$$),
    'tap_odcs.items', 'a member of the domain team imports a contract; the product name is returned');
RESET ROLE;
SELECT is((SELECT created_by FROM mesh.data_products WHERE domain = 'tap_odcs' AND name = 'items'),
          'regress_tap_odcs_dev', 'the product is recorded as created by the caller, not the extension owner');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'tap_odcs.items'::regclass),
          'regress_tap_odcs_team', 'the port is owned by the domain owner');
SET LOCAL ROLE regress_tap_odcs_reader;
SELECT throws_ok($$SELECT mesh.import_contract(mesh.export_contract('tap_odcs.items')::text)$$, '42501', NULL,
                 'an outsider cannot import into the domain: 42501');
SELECT throws_ok($$SELECT mesh._import_contract('regress_tap_odcs_team', '{}')$$, '42501',
                 'permission denied for function _import_contract',
                 'an outsider cannot call the implementation claiming another caller');
-- 4. Export is for everyone, and YAML and JSON exports are the same contract.
SELECT is(mesh.export_contract('tap_odcs.items') ->> 'apiVersion', 'v3.1.0',
          'an outsider exports a contract (v3.1.0)');
SELECT ok(mesh.export_contract_yaml('tap_odcs.items') LIKE E'apiVersion: v3.1.0\nkind: DataContract\n%',
          'the YAML export starts with apiVersion and kind');
RESET ROLE;
SELECT is(mesh._odcs_parse(mesh.export_contract_yaml('tap_odcs.items')), mesh.export_contract('tap_odcs.items'),
          'the YAML export reads back as the JSON export');

-- 5. Errcodes.
SELECT throws_ok($$SELECT mesh.import_contract('a: [')$$, '22P02', NULL, 'a YAML syntax error: 22P02');
SELECT throws_ok($$SELECT mesh.import_contract('{"a": }')$$, '22P02', NULL, 'a JSON syntax error: 22P02');
SELECT throws_ok($$SELECT mesh.import_contract(E'apiVersion: v2.2.2\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: draft\ndomain: tap_odcs\nname: x\ndescription: {purpose: x}\nschema: [{name: t, physicalName: tap_odcs_src.items}]')$$,
                 '0A000', NULL, 'only unsupported parts: 0A000 (feature_not_supported)');
SELECT throws_ok($$SELECT mesh.import_contract(E'apiVersion: v3.1.0\nkind: DataContract\nid: items\nversion: 1.0.0\nstatus: draft\ndomain: tap_odcs\nname: items\ndescription: {purpose: x}\nschema: [{name: t, physicalName: tap_odcs_src.items, properties: [{name: label, physicalType: int}]}]')$$,
                 '22023', NULL, 'a contradiction with the server: 22023');
SELECT throws_ok($$SELECT mesh.import_contract(repeat('[', 70) || repeat(']', 70))$$, '54000', NULL,
                 'a document nested too deeply: 54000 (program_limit_exceeded)');

SELECT * FROM finish();
ROLLBACK;
