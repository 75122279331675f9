-- The mask library: every mask, its edge cases and its errors.
\pset null '<null>'
-- e-mail: the domain is kept, the local part hidden; not an address: redacted
SELECT v, mesh.mask_email(v)
  FROM (VALUES ('alice@example.com'), ('"odd@local"@example.org'), ('Ünïcødé@exämple.de'),
               ('no-at-sign'), ('trailing@'), ('@only-domain.org'), (''), (NULL)) AS t(v);
-- partial: characters, not bytes
SELECT v, k1, k2, mesh.mask_partial(v, k1, k2)
  FROM (VALUES ('4111111111111111', 0, 4), ('Ünïcødé', 2, 1), ('😀😁😂🤣', 1, 1),
               ('abc', 1, 1), ('abc', 5, 0), ('abc', 0, 3), ('ab', 1, 1), ('', 1, 1),
               ('abc', 0, 0)) AS t(v, k1, k2);
SELECT octet_length(mesh.mask_partial('Ünïcødé', 2, 1)) AS bytes,
       length(mesh.mask_partial('Ünïcødé', 2, 1)) AS characters;
SELECT mesh.mask_partial('abc', -1, 0);
SELECT mesh.mask_partial('abc', 0, -2);
SELECT mesh.mask_partial(NULL, 1, 1) AS strict_null, mesh.mask_partial('abc', NULL, 1) AS strict_null;
-- redact and nullify
SELECT mesh.mask_redact('secret'), mesh.mask_redact(''), mesh.mask_redact(NULL);
SELECT mesh.mask_null(42), mesh.mask_null('x'::text), pg_typeof(mesh.mask_null(now()));
-- type defaults
SELECT mesh.mask_default(42) AS int, mesh.mask_default(4.2) AS num, mesh.mask_default('x'::text) = '' AS text_empty,
       mesh.mask_default(true) AS bool, mesh.mask_default(date '2001-02-03') AS date,
       mesh.mask_default(timestamp '2001-02-03 04:05') AS ts, mesh.mask_default(ARRAY['a']) AS arr,
       mesh.mask_default('{"a": 1}'::jsonb) AS jsonb,
       mesh.mask_default('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid) AS uuid,
       mesh.mask_default(point(1, 2)) AS no_default;
CREATE DOMAIN govcat_positive AS integer CHECK (VALUE > 0);
SELECT mesh.mask_default(7::govcat_positive) AS domain_base_default;
DROP DOMAIN govcat_positive;
SELECT mesh.mask_default(NULL::integer) AS strict_null;
-- SHA-256: the FIPS 180-2 test vectors
SELECT mesh.mask_sha256('abc'), mesh.mask_sha256(''), mesh.mask_sha256('Ünïcødé') = encode(sha256(convert_to('Ünïcødé', 'UTF8')), 'hex') AS same_as_core;
-- dates: year, month, day
SELECT mesh.mask_date(date '1980-05-17', 'year') AS y, mesh.mask_date(date '1980-05-17', 'MONTH') AS m,
       mesh.mask_date(date '1980-05-17', 'day') AS d, mesh.mask_date(date 'infinity', 'year') AS inf;
SELECT mesh.mask_date(timestamp '1980-05-17 13:14:15.5', 'year') AS y,
       mesh.mask_date(timestamp '1980-05-17 13:14:15.5', 'month') AS m,
       mesh.mask_date(timestamp '1980-05-17 13:14:15.5', 'day') AS d;
SET TimeZone = 'Europe/Paris';
SELECT mesh.mask_date(timestamptz '1980-05-17 00:30:00+00', 'month') AS paris_month,
       mesh.mask_date(timestamptz '1980-05-31 23:30:00+00', 'month') AS next_month_in_paris;
RESET TimeZone;
SELECT mesh.mask_date(date '1980-05-17', 'week');
-- the start of the date range: a first of the year or month before it is refused,
-- as for timestamps, never returned as a date outside the range
SELECT mesh.mask_date(date '4714-11-24 BC', 'day') AS first_day, mesh.mask_date(date '4714-12-05 BC', 'month') AS first_full_month;
SELECT mesh.mask_date(date '4714-11-24 BC', 'year');
SELECT mesh.mask_date(date '4714-11-30 BC', 'month');
SELECT mesh.mask_date(timestamp '4714-11-24 00:00 BC', 'year');
-- numbers
SELECT mesh.mask_round(1234.567, 1) AS r1, mesh.mask_round(1234.567, -2) AS r_100, mesh.mask_round(-0.5, 0) AS r_neg;
SELECT v, mesh.mask_bucket(v, 1000) AS bucket
  FROM (VALUES (0), (999.99), (1000), (1234.5), (-1), (-1000), (-1000.5), ('NaN'::numeric)) AS t(v);
SELECT mesh.mask_bucket(12, 0);
SELECT mesh.mask_bucket(12, -5);
-- noise: deterministic per value and seed, bounded by the ratio, scale kept
SELECT mesh.mask_noise(1000, 0.1, 'seed') = mesh.mask_noise(1000, 0.1, 'seed') AS deterministic,
       mesh.mask_noise(1000, 0.1, 'seed') = round(mesh.mask_noise(1000.000, 0.1, 'seed')) AS same_draw_for_equal_numbers,
       mesh.mask_noise(12.5, 0, 'seed') AS no_noise;
SELECT count(DISTINCT mesh.mask_noise(1000, 0.1, 's' || i)) > 40 AS seeds_differ,
       bool_and(mesh.mask_noise(1000, 0.1, 's' || i) BETWEEN 900 AND 1100) AS within_ratio,
       bool_and(scale(mesh.mask_noise(1000.25, 0.1, 's' || i)) = 2) AS scale_kept
  FROM generate_series(1, 50) AS i;
SELECT mesh.mask_noise(1, -0.1, 's');
SELECT mesh.mask_noise(1, 'NaN', 's');
