-- The mask library's contract: every mask is STRICT and PARALLEL SAFE, and
-- IMMUTABLE exactly when its result depends on its arguments alone (the
-- pseudonym reads the key table; timestamptz truncation reads TimeZone).
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

CREATE TEMP TABLE tap_masks (fn regprocedure, volatility "char") ON COMMIT DROP;
INSERT INTO tap_masks VALUES
    ('mesh.mask_email(text)', 'i'),
    ('mesh.mask_partial(text, integer, integer)', 'i'),
    ('mesh.mask_redact(text)', 'i'),
    ('mesh.mask_null(anyelement)', 'i'),
    ('mesh.mask_default(anyelement)', 'i'),
    ('mesh.mask_sha256(text)', 'i'),
    ('mesh.mask_pseudonym(text)', 's'),
    ('mesh.mask_date(date, text)', 'i'),
    ('mesh.mask_date(timestamp, text)', 'i'),
    ('mesh.mask_date(timestamptz, text)', 's'),
    ('mesh.mask_round(numeric, integer)', 'i'),
    ('mesh.mask_bucket(numeric, numeric)', 'i'),
    ('mesh.mask_noise(numeric, float8, text)', 'i');

SELECT plan(5 * 13 + 4);

SELECT is(p.provolatile, m.volatility,
          format('%s is %s', m.fn, CASE m.volatility WHEN 'i' THEN 'IMMUTABLE' ELSE 'STABLE' END))
  FROM tap_masks m JOIN pg_proc p ON p.oid = m.fn ORDER BY m.fn::text;
SELECT ok(p.proisstrict, format('%s is STRICT', m.fn))
  FROM tap_masks m JOIN pg_proc p ON p.oid = m.fn ORDER BY m.fn::text;
SELECT is(p.proparallel, 's', format('%s is PARALLEL SAFE', m.fn))
  FROM tap_masks m JOIN pg_proc p ON p.oid = m.fn ORDER BY m.fn::text;
SELECT is(l.lanname::text, 'c', format('%s is written in C', m.fn))
  FROM tap_masks m JOIN pg_proc p ON p.oid = m.fn JOIN pg_language l ON l.oid = p.prolang ORDER BY m.fn::text;
SELECT ok(has_function_privilege('public', m.fn, 'EXECUTE'), format('PUBLIC may EXECUTE %s', m.fn))
  FROM tap_masks m ORDER BY m.fn::text;

SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname LIKE 'mask\_%'
              AND p.oid NOT IN (SELECT fn FROM tap_masks)),
          NULL, 'every mask function is listed above');
SELECT ok(NOT has_table_privilege('public', 'mesh.pseudonym_keys', 'SELECT'),
          'PUBLIC cannot read the pseudonym keys');
SELECT ok(NOT has_function_privilege('public', 'mesh.rotate_pseudonym_key()', 'EXECUTE'),
          'PUBLIC cannot rotate the pseudonym key');
SELECT ok('mesh.pseudonym_keys'::regclass::oid = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'meshpg')::oid[]),
          'the pseudonym keys are dumped, so pseudonyms survive a dump and restore');

SELECT * FROM finish();
ROLLBACK;
