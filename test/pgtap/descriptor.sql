-- meshpg descriptors: what describe() returns can be fed back unchanged,
-- unknown keys survive, alter_data_product() is an RFC 7396 merge patch,
-- defaults are filled in, versions only go up, and an invalid descriptor is
-- refused once with every problem listed by JSON path.
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

SELECT plan(59);

-- The error of a statement: SQLSTATE, message and DETAIL (NULLs if it succeeds).
CREATE FUNCTION pg_temp.error_of(statement text, OUT state text, OUT message text, OUT detail text)
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
END
$$;

-- A domain, owned by a team role, with a source table the team owns.
CREATE ROLE regress_tap_desc_owner NOLOGIN;
DO $$
BEGIN
    PERFORM mesh.create_domain('tap_desc', 'regress_tap_desc_owner');
END
$$;
CREATE TABLE tap_desc.src_customers (
    id      integer PRIMARY KEY,
    email   text NOT NULL,
    country text
);
ALTER TABLE tap_desc.src_customers OWNER TO regress_tap_desc_owner;

-- A product with a rich descriptor, including keys meshpg does not know.
SELECT lives_ok($$SELECT mesh.create_data_product('tap_desc.customers', 'tap_desc.src_customers', '{
    "purpose": "Billing customers",
    "description": "One row per customer.",
    "tags": ["crm", "customers"],
    "support": [{"channel": "#crm-data", "email": "crm@example.com"}],
    "sla": {"freshness": "1 hour",
            "delivery_window": {"start": "06:00", "end": "08:00", "timezone": "UTC", "days": ["mon", "tue"]}},
    "sources": [{"name": "crm.customers", "kind": "table"}],
    "columns": {"email": {"description": "Contact address", "classification": "pii.email",
                          "x_masking": "hash"}},
    "x_team": {"reviewed": true, "reviewers": ["ann", "bob"]}
}')$$, 'create tap_desc.customers with a rich descriptor');
-- ... and one with only the required key.
SELECT lives_ok($$SELECT mesh.create_data_product('tap_desc.countries',
                                                  'SELECT DISTINCT country FROM tap_desc.src_customers',
                                                  '{"purpose": "Countries we bill in"}')$$,
                'create tap_desc.countries with only a purpose');

-- 1. Defaults are filled in: version 0.1.0, owner = the domain owner,
--    access_level internal, tags [], and the given purpose.
SELECT is(mesh.describe('tap_desc.countries') -> 'version', '"0.1.0"', 'default version is "0.1.0"');
SELECT is(mesh.describe('tap_desc.countries') -> 'owner', '"regress_tap_desc_owner"',
          'default owner is the domain owner');
SELECT is(mesh.describe('tap_desc.countries') -> 'access_level', '"internal"', 'default access_level is "internal"');
SELECT is(mesh.describe('tap_desc.countries') -> 'tags', '[]', 'default tags is []');
SELECT is(mesh.describe('tap_desc.countries') -> 'purpose', '"Countries we bill in"', 'purpose is kept');
SELECT is((SELECT freshness FROM mesh.products WHERE product = 'tap_desc.countries'), NULL,
          'no sla.freshness: mesh.products.freshness is NULL');

-- 2. describe() returns the managed facts and every column of the port.
SELECT is(mesh.describe('tap_desc.customers') ->> 'product', 'tap_desc.customers', 'describe: product');
SELECT is(mesh.describe('tap_desc.customers') ->> 'status', 'draft', 'describe: status');
SELECT is(mesh.describe('tap_desc.customers') ->> 'port', 'tap_desc.customers', 'describe: port');
SELECT is((SELECT jsonb_agg(c -> 'name') FROM jsonb_array_elements(mesh.describe('tap_desc.customers') -> 'columns') c),
          '["id", "email", "country"]',
          'describe: columns is an array of the port''s columns, in order');
SELECT is((SELECT c FROM jsonb_array_elements(mesh.describe('tap_desc.customers') -> 'columns') c
            WHERE c ->> 'name' = 'id') - 'name',
          '{"type": "integer", "nullable": false, "primary_key": true}',
          'describe: the id column has its type, nullability and key from the server');

-- 3. sla.freshness ends up in mesh.products.freshness, as an interval.
SELECT is((SELECT freshness FROM mesh.products WHERE product = 'tap_desc.customers'), interval '1 hour',
          'sla.freshness "1 hour" is mesh.products.freshness = interval ''1 hour''');

-- 4. Unknown keys are kept and returned, at the top level and in a column.
SELECT is(mesh.describe('tap_desc.customers') -> 'x_team', '{"reviewed": true, "reviewers": ["ann", "bob"]}',
          'an unknown top-level key is returned by describe');
SELECT is((SELECT c ->> 'x_masking' FROM jsonb_array_elements(mesh.describe('tap_desc.customers') -> 'columns') c
            WHERE c ->> 'name' = 'email'),
          'hash',
          'an unknown key inside a column is returned by describe');

-- 5. Round trip: feeding describe() back to alter_data_product() is accepted
--    and changes nothing but updated_at.
CREATE TEMP TABLE before_round_trip ON COMMIT DROP AS SELECT mesh.describe('tap_desc.customers') AS d;
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers', mesh.describe('tap_desc.customers'))$$,
                'alter_data_product(p, describe(p)) is accepted');
SELECT is(mesh.describe('tap_desc.customers') - 'updated_at', (SELECT d FROM before_round_trip) - 'updated_at',
          'describe() is unchanged by the round trip, except updated_at');
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.countries', mesh.describe('tap_desc.countries'))$$,
                'the round trip is accepted for a query-based product with defaults only');
SELECT is((SELECT d FROM before_round_trip) -> 'x_team', mesh.describe('tap_desc.customers') -> 'x_team',
          'the unknown key survives the round trip');
SELECT is(mesh.describe('tap_desc.customers') -> 'column_count', '3', 'describe: column_count');

-- 6. Merge patch: a nested key changes and its siblings stay.
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers', '{"sla": {"freshness": "2 hours"}}')$$,
                'patch sla.freshness');
SELECT is(mesh.describe('tap_desc.customers') -> 'sla',
          '{"freshness": "2 hours",
            "delivery_window": {"start": "06:00", "end": "08:00", "timezone": "UTC", "days": ["mon", "tue"]}}',
          'merge patch: sla.freshness changed, sla.delivery_window kept');
SELECT is((SELECT freshness FROM mesh.products WHERE product = 'tap_desc.customers'), interval '2 hours',
          'mesh.products.freshness follows the patched sla.freshness');
SELECT is(mesh.describe('tap_desc.customers') ->> 'purpose', 'Billing customers',
          'merge patch: keys not in the patch are kept');
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers',
                                                 '{"columns": {"email": {"description": "Billing e-mail address"}}}')$$,
                'patch one column''s description');
SELECT is((SELECT c - 'name' - 'type' - 'nullable' - 'primary_key'
             FROM jsonb_array_elements(mesh.describe('tap_desc.customers') -> 'columns') c
            WHERE c ->> 'name' = 'email'),
          '{"description": "Billing e-mail address", "classification": "pii.email", "x_masking": "hash"}',
          'merge patch inside a column: description changed, classification and x_masking kept');

-- 7. Merge patch: null removes a key (top level, nested, inside a column).
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers',
                  '{"description": null, "x_team": null, "sla": {"delivery_window": null},
                    "columns": {"email": {"x_masking": null}}}')$$,
                'patch with nulls');
SELECT ok(NOT mesh.describe('tap_desc.customers') ? 'description', 'null removed description');
SELECT is((SELECT description FROM mesh.data_products WHERE domain = 'tap_desc' AND name = 'customers'), NULL,
          'null removed description from the catalog row too');
SELECT ok(NOT mesh.describe('tap_desc.customers') ? 'x_team', 'null removed the unknown key x_team');
SELECT is(mesh.describe('tap_desc.customers') -> 'sla', '{"freshness": "2 hours"}',
          'null removed sla.delivery_window and kept sla.freshness');
SELECT ok((SELECT NOT c ? 'x_masking' AND c ->> 'classification' = 'pii.email'
             FROM jsonb_array_elements(mesh.describe('tap_desc.customers') -> 'columns') c
            WHERE c ->> 'name' = 'email'),
          'null removed x_masking from the email column and kept its classification');
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers', '{"sla": {"freshness": null}}')$$,
                'patch sla.freshness to null');
SELECT is((SELECT freshness FROM mesh.products WHERE product = 'tap_desc.customers'), NULL,
          'removing sla.freshness clears mesh.products.freshness');

-- 8. Merge patch: arrays are replaced, never merged.
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers', '{"tags": ["billing"]}')$$,
                'patch tags');
SELECT is(mesh.describe('tap_desc.customers') -> 'tags', '["billing"]', 'merge patch replaced the tags array');
SELECT is((SELECT tags FROM mesh.products WHERE product = 'tap_desc.customers'), ARRAY['billing'],
          'mesh.products.tags is the replaced array');
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers', '{"tags": null}')$$,
                'patch tags to null');
SELECT is(mesh.describe('tap_desc.customers') -> 'tags', '[]', 'removing tags restores the default []');

-- 9. Versions only go up (22023 otherwise, and nothing changes).
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers', '{"version": "1.2.0"}')$$,
                'version 0.1.0 -> 1.2.0');
SELECT throws_ok($$SELECT mesh.alter_data_product('tap_desc.customers', '{"version": "1.1.9"}')$$,
                 '22023', NULL, 'version 1.2.0 -> 1.1.9 is refused (22023)');
SELECT throws_ok($$SELECT mesh.alter_data_product('tap_desc.customers', '{"version": "1.2.0-rc.1"}')$$,
                 '22023', NULL, 'version 1.2.0 -> 1.2.0-rc.1 is refused (22023): a pre-release is lower');
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.customers', '{"version": "1.10.0"}')$$,
                'version 1.2.0 -> 1.10.0 (numeric, not text, comparison)');
SELECT is((SELECT version FROM mesh.products WHERE product = 'tap_desc.customers'), '1.10.0',
          'the version is 1.10.0');

-- 10. A descriptor with several problems is refused once (22023) and the
--     DETAIL lists every problem, one per line, with its JSON path.
CREATE TEMP TABLE bad ON COMMIT DROP AS
SELECT * FROM pg_temp.error_of($$SELECT mesh.alter_data_product('tap_desc.customers', '{
    "purpose": "",
    "version": "one",
    "access_level": "secret",
    "sla": {"freshness": "soon"},
    "columns": {"nope": {"description": "no such column"}}
}')$$);
SELECT is((SELECT state FROM bad), '22023', 'an invalid descriptor raises 22023');
SELECT matches((SELECT message FROM bad), '5 problems', 'the message counts the 5 problems');
SELECT matches((SELECT detail FROM bad), '(?n)^\$\.purpose: ', 'DETAIL lists $.purpose');
SELECT matches((SELECT detail FROM bad), '(?n)^\$\.version: .*"one"', 'DETAIL lists $.version');
SELECT matches((SELECT detail FROM bad), '(?n)^\$\.access_level: .*"secret"', 'DETAIL lists $.access_level');
SELECT matches((SELECT detail FROM bad), '(?n)^\$\.sla\.freshness: expected an interval like "1 hour"',
               'DETAIL lists $.sla.freshness with the documented wording');
SELECT matches((SELECT detail FROM bad), '(?n)^\$\.columns\.nope: .*"nope"', 'DETAIL lists $.columns.nope');
SELECT is(array_length(string_to_array((SELECT detail FROM bad), E'\n'), 1), 5,
          'DETAIL has exactly one line per problem');
SELECT is((SELECT version || ' ' || purpose FROM mesh.products WHERE product = 'tap_desc.customers'),
          '1.10.0 Billing customers',
          'the refused descriptor changed nothing');

-- 11. Declared sources, as docs/descriptor.md describes them: entries keep
--     name, kind and description (other keys are accepted, not stored), names
--     are unique per product (a repeated name keeps one entry), and describe
--     returns them ordered by name.
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_desc.countries', '{"sources": [
                    {"name": "web.signups", "kind": "api", "description": "sign-up form"},
                    {"name": "crm.customers", "kind": "table", "x_contact": "crm-oncall@example.com"}]}')$$,
                'sources with an extra key in an entry are accepted');
SELECT ok(mesh.describe('tap_desc.countries') -> 'sources'
              @> '[{"name": "crm.customers", "kind": "table"},
                   {"name": "web.signups", "kind": "api", "description": "sign-up form"}]',
          'describe returns each source''s name, kind and description');
SELECT is((SELECT jsonb_agg(s -> 'name') FROM jsonb_array_elements(mesh.describe('tap_desc.countries') -> 'sources') s),
          '["crm.customers", "web.signups"]',
          'describe returns the sources ordered by name');
SELECT throws_ok($$SELECT mesh.alter_data_product('tap_desc.countries', '{"sources": [
                    {"name": "erp.accounts", "kind": "table"},
                    {"name": "erp.accounts", "kind": "api"}]}')$$,
                 '22023', NULL, 'two sources with the same name are refused');
SELECT matches((pg_temp.error_of($$SELECT mesh.alter_data_product('tap_desc.countries', '{"sources": [
                    {"name": "erp.accounts", "kind": "table"},
                    {"name": "erp.accounts", "kind": "api"}]}')$$)).detail,
               '\$\.sources\[1\]\.name: source "erp\.accounts" is listed twice',
               'the repeated source is named with its path');

SELECT * FROM finish();
ROLLBACK;
