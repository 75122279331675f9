-- meshpg privileges: everyone reads the catalog, nobody writes it except
-- through the mesh.* API, and nobody calls the internal mesh._* functions
-- that take a caller or change anything.
--
-- Relations and functions are enumerated from pg_class / pg_proc, so a table
-- or helper added later is tested without editing this file; the plan is
-- computed from the same enumeration.
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

-- What is enumerated.  Kept in temp tables so that the plan and the tests use
-- exactly the same lists (read as the superuser, before switching roles).
CREATE TEMP TABLE tap_tables ON COMMIT DROP AS
    SELECT c.oid::regclass AS rel, c.oid::regclass::text AS name,
           (SELECT quote_ident(a.attname) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum LIMIT 1) AS first_column
      FROM pg_class c
     WHERE c.relnamespace = 'mesh'::regnamespace AND c.relkind IN ('r', 'p');
-- Tables nobody but the extension owner reads (their view filters the rows;
-- govcat: the pseudonym key).  A review gate, like the reader helpers below.
CREATE TEMP TABLE tap_private ON COMMIT DROP AS
    SELECT to_regclass(t) AS rel, t AS name
      FROM unnest(ARRAY['mesh.access_history_log', 'mesh.pseudonym_keys']) AS t;
-- Tables PUBLIC reads only some columns of (checks: what a check saw is
-- port data).  Counted and read like the others; no table-wide SELECT.
CREATE TEMP TABLE tap_columns_only ON COMMIT DROP AS
    SELECT to_regclass(t) AS rel, t AS name
      FROM unnest(ARRAY['mesh.checks', 'mesh.check_runs']) AS t;
CREATE TEMP TABLE tap_readable ON COMMIT DROP AS
    SELECT c.oid::regclass AS rel, c.oid::regclass::text AS name
      FROM pg_class c
     WHERE c.relnamespace = 'mesh'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
       AND c.oid NOT IN (SELECT rel FROM tap_private WHERE rel IS NOT NULL);
-- Public functions only superusers may call (revoked from PUBLIC on purpose).
CREATE TEMP TABLE tap_superuser_only ON COMMIT DROP AS
    SELECT to_regprocedure(f) AS fn, f AS name FROM unnest(ARRAY['mesh.rotate_pseudonym_key()',
                                                                  'mesh.set_internal_consumer_role(regrole)']) AS f;
CREATE TEMP TABLE tap_sequences ON COMMIT DROP AS
    SELECT c.oid::regclass AS rel, c.oid::regclass::text AS name
      FROM pg_class c
     WHERE c.relnamespace = 'mesh'::regnamespace AND c.relkind = 'S';
-- The read-only helpers that mesh.describe() and mesh.search() call as the
-- reader (90_privileges.sql grants them to PUBLIC on purpose; docs/api.md,
-- "Internal functions", lists the same nine).
-- Any other internal function must stay out of reach.  This list is a review
-- gate: granting another internal function to PUBLIC fails this file until
-- the function is added here (and must pass the "harmless" check below).
CREATE TEMP TABLE tap_reader_helpers ON COMMIT DROP AS
    SELECT to_regprocedure(f) AS fn, f AS name
      FROM unnest(ARRAY['mesh._require(anyelement,text)', 'mesh._check_name(text,text)',
                        'mesh._split_product(text)', 'mesh._find_product(text)', 'mesh._role_name(oid)',
                        'mesh._relation_name(regclass)', 'mesh._managed_keys()', 'mesh._lexemes_any(text)',
                        'mesh._declared_descriptor(mesh.data_products)',
                        'mesh._source_json(mesh.data_products)',
                        -- mesh.export_contract(_yaml) runs as the reader (40_odcs.sql)
                        'mesh._column_origins(regclass)', 'mesh._odcs_to_yaml(jsonb)',
                        'mesh._odcs_logical_type(text)', 'mesh._odcs_sla_value(text)',
                        'mesh._odcs_key_facts(regclass)', 'mesh._odcs_known_keys(text)',
                        'mesh._odcs_custom(jsonb)', 'mesh._odcs_rule(jsonb,jsonb)',
                        'mesh._odcs_check(jsonb,text,text,integer)', 'mesh._odcs_operators()',
                        'mesh._odcs_source_type(mesh.data_products)',
                        -- lineage (52_lineage.sql): read the catalogs as the reader
                        'mesh._column_lineage(regclass)', 'mesh._relation_kind(regclass)',
                        'mesh._port_product(regclass)', 'mesh._attname(regclass,smallint)',
                        'mesh._dependent_relations(regclass)', 'mesh._column_edges(regclass,regclass)',
                        'mesh._source_relations(regclass)', 'mesh._validate_lineage_args(text,integer)',
                        'mesh._resolve_lineage_object(text)', 'mesh._readers(regclass)',
                        'mesh._declared_relation(text)', 'mesh._regclass_of(text[])',
                        'mesh._upstream_relations(regclass)', 'mesh._dot_quote(text)',
                        'mesh._mermaid_quote(text)', 'mesh._lineage_graph(text,text,integer)',
                        'mesh._openlineage_namespace()', 'mesh._openlineage_dataset(regclass)',
                        'mesh._openlineage_transformation(text)',
                        -- discovery (53_discovery.sql): describe_markdown and search_terms
                        'mesh._find_term(text)', 'mesh._md(text)', 'mesh._md_block(text)',
                        'mesh._md_code(text,text)', 'mesh._markdown_checks(bigint)',
                        'mesh._markdown_usage(bigint)',
                        -- mesh.products and mesh.access_history (50_usage.sql)
                        'mesh._popularity(bigint)', 'mesh._access_history_auditor()',
                        -- govcat: mesh.suggest_classifications runs them as the reader
                        'mesh._name_hint(text)', 'mesh._value_kind(text)',
                        -- monitoring: what mesh.freshness, mesh.worker_status and mesh.domain_kpis read
                        'mesh._freshness_at(timestamp with time zone,bigint[])', 'mesh._product_last_change(bigint[])',
                        'mesh._freshness_live()', 'mesh._sla_deadlines(jsonb,timestamp with time zone,timestamp with time zone,timestamp with time zone)',
                        'mesh._delivery_windows(jsonb,timestamp with time zone,timestamp with time zone)', 'mesh._worker_status()',
                        'mesh._products_with_checks()',
                        -- enforce: evaluated inside every reader's queries (the
                        -- fail-closed guard, the plan's reader check, pg_statistic filter)
                        'mesh._enforcement_guard(regclass)', 'mesh._enforcement_reader_is(oid)',
                        'mesh._statistic_visible(oid,smallint)',
                        -- the port guards run as the DDL's issuer (41_versions.sql)
                        'mesh._port_ddl_sanctioned()']) AS f;
CREATE TEMP TABLE tap_internal ON COMMIT DROP AS
    SELECT p.oid::regprocedure AS fn, p.oid::regprocedure::text AS name
      FROM pg_proc p
     WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname LIKE '\_%'
       AND p.oid NOT IN (SELECT fn FROM tap_reader_helpers WHERE fn IS NOT NULL);
GRANT SELECT ON tap_tables, tap_private, tap_superuser_only, tap_readable, tap_sequences, tap_reader_helpers,
    tap_internal TO PUBLIC;

SELECT plan(27
    + (SELECT count(*)::int FROM tap_readable)          -- SELECT works
    + (SELECT count(*)::int FROM tap_private)           -- SELECT refused
    + (SELECT count(*)::int FROM tap_superuser_only)    -- EXECUTE refused
    + (SELECT count(*)::int FROM tap_tables) * 5        -- 4 writes refused + table_privs_are
    + (SELECT count(*)::int FROM tap_sequences) * 2     -- nextval / setval refused
    + (SELECT count(*)::int FROM tap_internal));        -- EXECUTE refused

-- Roles: an ordinary role with no grants but PUBLIC's; a domain owner.
CREATE ROLE regress_tap_user LOGIN;
CREATE ROLE regress_tap_priv_owner NOLOGIN;

-- A product to read, so that reads return real rows.
DO $$
BEGIN
    PERFORM mesh.create_domain('tap_priv', 'regress_tap_priv_owner', 'privileges test domain');
    CREATE TABLE tap_priv.src (id integer PRIMARY KEY, label text);
    ALTER TABLE tap_priv.src OWNER TO regress_tap_priv_owner;
    PERFORM mesh.create_data_product('tap_priv.items', 'tap_priv.src',
        '{"purpose": "privileges test product", "sources": [{"name": "erp.items"}]}');
END
$$;

-- 1. The enumeration found the catalog (so the loops below are not vacuous).
SELECT ok((SELECT array_agg(name ORDER BY name) FROM tap_tables)
              @> ARRAY['mesh.data_product_columns', 'mesh.data_product_sources',
                       'mesh.data_products', 'mesh.domains'],
          'the four catalog tables are among the enumerated tables');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tap_reader_helpers WHERE fn IS NULL),
          NULL,
          'every allow-listed reader helper exists with that signature');
SELECT is((SELECT array_agg(name ORDER BY name) FROM tap_private WHERE rel IS NULL)
          || (SELECT array_agg(name ORDER BY name) FROM tap_superuser_only WHERE fn IS NULL),
          NULL,
          'every listed private table and superuser-only function exists');

SET LOCAL ROLE regress_tap_user;

-- 2. Consumers read the catalog: SELECT on every table and view in mesh works.
SELECT lives_ok(format('SELECT count(*) FROM %s', name), 'regress_tap_user can SELECT from ' || name)
  FROM tap_readable ORDER BY name;
SELECT throws_ok(format('SELECT count(*) FROM %s', name), '42501', NULL,
                 'regress_tap_user cannot SELECT from ' || name)
  FROM tap_private ORDER BY name;
SELECT is((SELECT count(*)::int FROM mesh.products WHERE product = 'tap_priv.items'), 1,
          'regress_tap_user sees the product in mesh.products');
SELECT is((SELECT count(*)::int FROM mesh.data_product_columns c
             JOIN mesh.data_products p ON p.id = c.product_id
            WHERE p.domain = 'tap_priv' AND p.name = 'items'), 2,
          'regress_tap_user sees the product''s columns in mesh.data_product_columns');
-- ... and the read functions, which run as the reader.
SELECT is(mesh.describe('tap_priv.items') ->> 'purpose', 'privileges test product',
          'regress_tap_user can call mesh.describe()');
SELECT is((SELECT array_agg(product) FROM mesh.search('privileges')), ARRAY['tap_priv.items'],
          'regress_tap_user can call mesh.search()');

-- 3. Nobody writes the catalog directly: INSERT, UPDATE, DELETE and TRUNCATE
--    on every mesh table fail with 42501, whatever the rows.
SELECT throws_ok(format('INSERT INTO %s DEFAULT VALUES', name), '42501', NULL,
                 'regress_tap_user cannot INSERT into ' || name)
  FROM tap_tables ORDER BY name;
SELECT throws_ok(format('UPDATE %s SET %s = %2$s', name, first_column), '42501', NULL,
                 'regress_tap_user cannot UPDATE ' || name)
  FROM tap_tables ORDER BY name;
SELECT throws_ok(format('DELETE FROM %s', name), '42501', NULL,
                 'regress_tap_user cannot DELETE from ' || name)
  FROM tap_tables ORDER BY name;
SELECT throws_ok(format('TRUNCATE %s', name), '42501', NULL,
                 'regress_tap_user cannot TRUNCATE ' || name)
  FROM tap_tables ORDER BY name;
-- mesh.products is a simple (auto-updatable) view: writes through it are
-- refused as well.
SELECT throws_ok($$UPDATE mesh.products SET status = 'active'$$, '42501', NULL,
                 'regress_tap_user cannot UPDATE through mesh.products');
SELECT throws_ok($$DELETE FROM mesh.products$$, '42501', NULL,
                 'regress_tap_user cannot DELETE through mesh.products');
-- ... and cannot draw or reset product ids.
SELECT throws_ok(format('SELECT nextval(%L)', name), '42501', NULL,
                 'regress_tap_user cannot nextval(' || name || ')')
  FROM tap_sequences ORDER BY name;
SELECT throws_ok(format('SELECT setval(%L, 1000)', name), '42501', NULL,
                 'regress_tap_user cannot setval(' || name || ')')
  FROM tap_sequences ORDER BY name;

-- 4. The API is callable by everyone (it checks domain membership itself) ...
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname !~ '^_'
              AND p.oid NOT IN (SELECT fn FROM tap_superuser_only WHERE fn IS NOT NULL)
              AND NOT has_function_privilege('regress_tap_user', p.oid, 'EXECUTE')),
          NULL,
          'regress_tap_user may EXECUTE every public mesh function but the superuser-only ones');
SELECT ok(NOT has_function_privilege('regress_tap_user', fn, 'EXECUTE'),
          'regress_tap_user may not EXECUTE superuser-only ' || name)
  FROM tap_superuser_only ORDER BY name;

-- 5. ... but not the internal functions: every mesh._* function except the
--    read-only reader helpers is refused, for PUBLIC and for this role.
SELECT ok(NOT has_function_privilege('regress_tap_user', fn, 'EXECUTE'),
          'regress_tap_user may not EXECUTE ' || name)
  FROM tap_internal ORDER BY name;
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname LIKE '\_%'
              AND has_function_privilege('public', p.oid, 'EXECUTE')),
          (SELECT array_agg(name ORDER BY name) FROM tap_reader_helpers),
          'PUBLIC may EXECUTE no internal function but the allow-listed reader helpers');
-- The helpers PUBLIC may call are harmless: none takes a caller, none is VOLATILE.
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname LIKE '\_%'
              AND has_function_privilege('public', p.oid, 'EXECUTE')
              AND (p.provolatile = 'v' OR 'regrole'::regtype = ANY (p.proargtypes::oid[]))),
          NULL,
          'no internal function executable by PUBLIC is VOLATILE or takes a caller regrole');
-- Calling an implementation directly, claiming to be another caller, is refused
-- by the EXECUTE privilege itself (not by a check inside the function).
SELECT throws_ok($$SELECT mesh._create_domain('regress_tap_priv_owner', 'tap_evil',
                                              'regress_tap_user', NULL, NULL)$$,
                 '42501', 'permission denied for function _create_domain',
                 'regress_tap_user cannot call mesh._create_domain directly');
SELECT throws_ok($$SELECT mesh._set_status('regress_tap_priv_owner', 'tap_priv.items', 'active')$$,
                 '42501', 'permission denied for function _set_status',
                 'regress_tap_user cannot call mesh._set_status directly');
SELECT throws_ok($$SELECT mesh._create_port('tap_priv', 'evil', 'tap_priv.src', 'regress_tap_priv_owner')$$,
                 '42501', 'permission denied for function _create_port',
                 'regress_tap_user cannot call mesh._create_port directly');
-- Through the API, the role is refused in a domain it does not belong to.
SELECT throws_ok($$SELECT mesh.set_status('tap_priv.items', 'active')$$, '42501', NULL,
                 'regress_tap_user cannot set_status in domain tap_priv through the API');

RESET ROLE;

-- 6. Nothing happened while the role was trying: the catalog is unchanged.
SELECT is((SELECT status FROM mesh.products WHERE product = 'tap_priv.items'), 'draft',
          'the product is still draft after the refused attempts');
SELECT is((SELECT array_agg(name ORDER BY name) FROM mesh.domains WHERE name LIKE 'tap\_%'),
          ARRAY['tap_priv'],
          'no domain was created by the refused attempts');

-- 7. Creating a domain needs CREATE on the database and membership in the
--    owner role, like CREATE SCHEMA AUTHORIZATION.
SET LOCAL ROLE regress_tap_user;
SELECT throws_ok($$SELECT mesh.create_domain('tap_mine', 'regress_tap_user')$$, '42501', NULL,
                 'without CREATE on the database, regress_tap_user cannot create a domain (42501)');
RESET ROLE;
DO $$
BEGIN
    EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_tap_user', current_database());
END
$$;
SET LOCAL ROLE regress_tap_user;
SELECT throws_ok($$SELECT mesh.create_domain('tap_theirs', 'regress_tap_priv_owner')$$, '42501', NULL,
                 'regress_tap_user cannot create a domain owned by a role it is not a member of (42501)');
SELECT lives_ok($$SELECT mesh.create_domain('tap_mine', 'regress_tap_user')$$,
                'with CREATE on the database, regress_tap_user creates a domain it owns');
SELECT is((SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'tap_mine'), 'regress_tap_user',
          'the domain''s schema is owned by regress_tap_user');
SELECT throws_ok($$SELECT mesh.drop_domain('tap_priv')$$, '42501', NULL,
                 'regress_tap_user cannot drop a domain it does not own (42501)');
SELECT lives_ok($$SELECT mesh.drop_domain('tap_mine')$$, 'regress_tap_user drops its own empty domain');
SELECT is((SELECT count(*)::int FROM pg_namespace WHERE nspname = 'tap_mine'), 0,
          'dropping the empty domain dropped its schema');
RESET ROLE;

-- 8. The declared privileges of PUBLIC on each catalog table: SELECT only.
SELECT table_privs_are(split_part(name, '.', 1), split_part(name, '.', 2), 'public',
                       CASE WHEN rel IN (SELECT rel FROM tap_private UNION ALL SELECT rel FROM tap_columns_only)
                            THEN ARRAY[]::name[] ELSE ARRAY['SELECT'] END,
                       'PUBLIC has exactly ' || CASE WHEN rel IN (SELECT rel FROM tap_private) THEN 'no privilege'
                                                     WHEN rel IN (SELECT rel FROM tap_columns_only)
                                                     THEN 'no table-wide privilege (SELECT on some columns)'
                                                     ELSE 'SELECT' END || ' on ' || name)
  FROM tap_tables ORDER BY name;
SELECT table_privs_are('mesh', 'products', 'public', ARRAY['SELECT'],
                       'PUBLIC has exactly SELECT on mesh.products');
SELECT sequence_privs_are('mesh', 'data_product_id_seq', 'public', ARRAY[]::name[],
                          'PUBLIC has no privilege on mesh.data_product_id_seq');

SELECT * FROM finish();
ROLLBACK;
