-- pgTAP: the public API of lineage and discovery (52_lineage.sql,
-- 53_discovery.sql): signatures, argument names and defaults, result columns,
-- dispatcher binding for catalog changes, error codes, and a small graph.
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

SELECT plan(48);

-- 1. Signatures and return types.
SELECT has_function('mesh', 'lineage', ARRAY['text', 'text', 'integer'], 'mesh.lineage(text, text, integer) exists');
SELECT function_returns('mesh', 'lineage', ARRAY['text', 'text', 'integer'], 'setof record', 'mesh.lineage returns setof record');
SELECT has_function('mesh', 'impact', ARRAY['text'], 'mesh.impact(text) exists');
SELECT function_returns('mesh', 'impact', ARRAY['text'], 'setof record', 'mesh.impact returns setof record');
SELECT has_function('mesh', 'column_lineage', ARRAY['regclass'], 'mesh.column_lineage(regclass) exists');
SELECT has_function('mesh', 'add_source', ARRAY['text', 'text', 'text', 'text'], 'mesh.add_source(text, text, text, text) exists');
SELECT function_returns('mesh', 'lineage_dot', ARRAY['text', 'text', 'integer'], 'text', 'mesh.lineage_dot returns text');
SELECT function_returns('mesh', 'lineage_mermaid', ARRAY['text', 'text', 'integer'], 'text', 'mesh.lineage_mermaid returns text');
SELECT function_returns('mesh', 'openlineage_events', ARRAY['text'], 'setof jsonb', 'mesh.openlineage_events returns setof jsonb');
SELECT has_function('mesh', 'define_term', ARRAY['text', 'text', 'text[]', 'regrole'], 'mesh.define_term exists');
SELECT has_function('mesh', 'link_term', ARRAY['text', 'text', 'text'], 'mesh.link_term exists');
SELECT has_function('mesh', 'unlink_term', ARRAY['text', 'text', 'text'], 'mesh.unlink_term exists');
SELECT has_function('mesh', 'drop_term', ARRAY['text'], 'mesh.drop_term exists');
SELECT function_returns('mesh', 'search_terms', ARRAY['text'], 'setof record', 'mesh.search_terms returns setof record');
SELECT has_function('mesh', 'review', ARRAY['text', 'integer', 'text'], 'mesh.review(text, integer, text) exists');
SELECT has_function('mesh', 'delete_review', ARRAY['text'], 'mesh.delete_review exists');
SELECT function_returns('mesh', 'describe_markdown', ARRAY['text'], 'text', 'mesh.describe_markdown returns text');

-- 2. Argument names and defaults callers rely on.
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.lineage(text, text, integer)'::regprocedure),
          ARRAY['product', 'direction', 'depth', 'level', 'side', 'source', 'source_kind', 'source_product',
                'target', 'target_kind', 'target_product', 'columns'],
          'mesh.lineage arguments and result columns');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc WHERE oid = 'mesh.lineage(text, text, integer)'::regprocedure),
          '''both''::text, 5', 'mesh.lineage defaults: both directions, depth 5');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc WHERE oid = 'mesh.lineage_dot(text, text, integer)'::regprocedure),
          '''both''::text, 5', 'mesh.lineage_dot has the same defaults');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.impact(text)'::regprocedure),
          ARRAY['object', 'level', 'relation', 'kind', 'product', 'column_name', 'how', 'consumers'],
          'mesh.impact argument and result columns');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.add_source(text, text, text, text)'::regprocedure),
          ARRAY['product', 'name', 'kind', 'description'], 'mesh.add_source argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.review(text, integer, text)'::regprocedure),
          ARRAY['product', 'stars', 'comment'], 'mesh.review argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.define_term(text, text, text[], regrole)'::regprocedure),
          ARRAY['term', 'definition', 'synonyms', 'steward'], 'mesh.define_term argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.link_term(text, text, text)'::regprocedure),
          ARRAY['term', 'product', 'column_name'], 'mesh.link_term argument names');

-- 3. Catalog changes go through the C dispatcher; reads are plain functions.
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace
              AND p.proname IN ('add_source', 'define_term', 'drop_term', 'link_term', 'unlink_term',
                                'review', 'delete_review')
              AND p.prosrc = 'meshpg_api_dispatch'),
          ARRAY['add_source', 'define_term', 'delete_review', 'drop_term', 'link_term', 'review', 'unlink_term'],
          'every catalog-changing lineage/discovery function is bound to meshpg_api_dispatch');
SELECT is((SELECT count(*)::int FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace
              AND p.proname IN ('lineage', 'impact', 'lineage_dot', 'lineage_mermaid', 'openlineage_events',
                                'column_lineage', 'search_terms', 'describe_markdown')
              AND p.provolatile = 's' AND NOT p.prosecdef),
          8, 'the read functions are STABLE and not SECURITY DEFINER');
SELECT is((SELECT count(*)::int FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace
              AND p.proname IN ('_add_source', '_define_term', '_drop_term', '_link_term', '_unlink_term',
                                '_review', '_delete_review')
              AND p.proargtypes[0] = 'regrole'::regtype),
          7, 'each implementation takes the caller first');

-- 4. Tables: keys, one review per role and product, stars 1 to 5.
SELECT col_is_pk('mesh', 'reviews', ARRAY['product_id', 'reviewer'], 'one review per product and role');
SELECT col_is_pk('mesh', 'glossary_links', ARRAY['term', 'product_id', 'column_name'], 'a link is a term, product and column');
SELECT col_type_is('mesh', 'reviews', 'reviewer', 'regrole', 'reviewers are roles');
SELECT has_view('mesh', 'product_ratings', 'mesh.product_ratings exists');
SELECT has_view('mesh', 'glossary', 'mesh.glossary exists');

-- 5. A small graph, and the error codes.
CREATE ROLE tap_lineage_team NOLOGIN;
CREATE ROLE tap_lineage_reader NOLOGIN;
CREATE SCHEMA tap_lineage_raw AUTHORIZATION tap_lineage_team;
CREATE TABLE tap_lineage_raw.t (id int PRIMARY KEY, v numeric);
ALTER TABLE tap_lineage_raw.t OWNER TO tap_lineage_team;
SELECT mesh.create_domain('tap_lineage', 'tap_lineage_team');
SELECT mesh.create_data_product('tap_lineage.base', 'SELECT id AS key, v * 2 AS doubled FROM tap_lineage_raw.t',
                                '{"purpose": "base"}');
GRANT SELECT ON tap_lineage.base TO tap_lineage_reader;
SELECT mesh.create_data_product('tap_lineage.top', 'SELECT max(doubled) AS top FROM tap_lineage.base', '{"purpose": "top"}');

SELECT results_eq(
    $$SELECT level, side, source, target FROM mesh.lineage('tap_lineage.base') ORDER BY side, level$$,
    $$VALUES (1, 'downstream', 'tap_lineage.base', 'tap_lineage.top'), (1, 'upstream', 'tap_lineage_raw.t', 'tap_lineage.base')$$,
    'lineage of the middle product: one edge each way');
SELECT results_eq(
    $$SELECT column_name, source_column, how FROM mesh.column_lineage('tap_lineage.top') WHERE column_name IS NOT NULL$$,
    $$VALUES ('top', 'doubled', 'aggregate')$$,
    'column lineage follows the renamed column into the aggregate');
SELECT results_eq(
    $$SELECT relation, column_name, consumers FROM mesh.impact('tap_lineage_raw.t.v') WHERE level = 1$$,
    $$VALUES ('tap_lineage.base', 'doubled', ARRAY['tap_lineage_reader'])$$,
    'impact of a column names the downstream column and its readers');
SELECT ok(mesh.lineage_dot('tap_lineage.base') ~ '"tap_lineage_raw.t" -> "tap_lineage.base";', 'DOT has the edge');
SELECT ok(mesh.lineage_mermaid('tap_lineage.base') ~ '^flowchart LR', 'Mermaid is a flowchart');
SELECT is((SELECT count(*)::int FROM mesh.openlineage_events('tap_lineage.top')), 2,
          'one OpenLineage event per view upstream of the product, the port included');
SELECT throws_ok($$SELECT * FROM mesh.lineage('tap_lineage.base', 'up')$$, '22023', NULL, 'bad direction: 22023');
SELECT throws_ok($$SELECT * FROM mesh.lineage('tap_lineage.nope')$$, '42704', NULL, 'unknown product: 42704');
SELECT throws_ok($$SELECT * FROM mesh.impact('tap_lineage_raw.t.nope')$$, '42703', NULL, 'unknown column: 42703');
SELECT throws_ok($$SELECT * FROM mesh.impact('tap_lineage_raw.nope')$$, '42P01', NULL, 'unknown relation: 42P01');
SELECT throws_ok($$SELECT mesh.review('tap_lineage.base', 9, NULL)$$, '22023', NULL, 'stars out of range: 22023');
SELECT throws_ok($$SELECT mesh.add_source('tap_lineage.base', NULL)$$, '22004', NULL, 'NULL source name: 22004');

SET LOCAL ROLE tap_lineage_reader;
SELECT lives_ok($$SELECT mesh.review('tap_lineage.base', 4, 'fine')$$, 'a reader of the port may review it');
SELECT throws_ok($$SELECT mesh.review('tap_lineage.top', 4, 'fine')$$, '42501', NULL,
                 'a role that cannot read the port may not review it: 42501');
RESET ROLE;
SELECT is((SELECT average_stars FROM mesh.product_ratings WHERE product = 'tap_lineage.base'), 4.00::numeric,
          'the average rating is visible');

SELECT * FROM finish();
ROLLBACK;
