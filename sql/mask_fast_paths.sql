-- The masks' fast paths (integer arithmetic for numeric and date masks, the
-- unit parsed once per call site) give exactly what the generic functions
-- give: each comparison below counts the values where they differ.
\pset null '<null>'
SET TimeZone = 'UTC';
-- mask_round against round(), byte for byte (numeric_send shows digits,
-- weight, sign and display scale; pg_column_size tells the short stored
-- format from the long one), over signs, scales from -5 to 20,
-- halves, 16-digit values (the largest the fast path reads), longer ones and
-- values in the long format (scale > 63) that take the generic path
CREATE TEMP TABLE mask_fast_numbers AS
SELECT round(sign * i * 7919.1234567891234 / 10::numeric ^ (i % 11), i % 26 - 5) AS x
  FROM generate_series(1, 3000) AS i, (VALUES (1), (-1)) AS s(sign)
UNION ALL
SELECT unnest('{0, 0.000, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.05, -0.05, 0.049, 499.5, -499.5,
                500, -500, 1500, -1500, 999.999, -999.999, 9999999999999999, -9999999999999999,
                9999999999999999.5, 99999999999999999, 999999999999999.9, 0.0000000000000001,
                0.00000000000000000001, 123456789012345678, -123456789012345678.99,
                9223372036854775807, -9223372036854775808, 1e30, -1e-30, 1e100,
                NaN, Infinity, -Infinity}'::numeric[])
UNION ALL
SELECT round(1.5, 70) UNION ALL SELECT round(-123.45, 64) UNION ALL SELECT 1e-70 UNION ALL SELECT 1e260;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE numeric_send(mesh.mask_round(x, d)) IS DISTINCT FROM numeric_send(round(x, d))
                         OR pg_column_size(mesh.mask_round(x, d)) IS DISTINCT FROM pg_column_size(round(x, d))) AS differ
  FROM mask_fast_numbers, generate_series(-20, 20) AS d;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE numeric_send(mesh.mask_round(x, d)) IS DISTINCT FROM numeric_send(round(x, d))
                         OR pg_column_size(mesh.mask_round(x, d)) IS DISTINCT FROM pg_column_size(round(x, d))) AS differ
  FROM mask_fast_numbers, unnest('{-2147483648, -1000, -19, 19, 63, 64, 1000, 2147483647}'::int[]) AS d;
-- what a reader sees, at the boundaries
SELECT x, mesh.mask_round(x, -3) AS thousands, mesh.mask_round(x, 0) AS units, mesh.mask_round(x, 2) AS cents
  FROM (VALUES (0::numeric), (-0.4), (499.99), (500), (-500), (1499.5), (-1499.5), (123456.78),
               (9999999999999999), (-9999999999999999.9), ('NaN'), ('Infinity'), ('-Infinity')) AS t(x);
-- mask_bucket against floor(value / width) * width computed exactly with mod,
-- shown with the width's scale
SELECT count(*) AS compared,
       count(*) FILTER (WHERE numeric_send(b) IS DISTINCT FROM numeric_send(round(expected, scale(w)))
                        OR pg_column_size(b) IS DISTINCT FROM pg_column_size(round(expected, scale(w)))) AS differ
  FROM (SELECT x, w, mesh.mask_bucket(x, w) AS b,
               x - mod(x, w) - CASE WHEN mod(x, w) < 0 THEN w ELSE 0 END AS expected
          FROM mask_fast_numbers,
               unnest('{1, 1000, 0.01, 0.5, 3, 7.25, 1e15, 0.0000000001, 12345678901234567890, 0.001, 5000.00}'::numeric[]) AS w
         WHERE x NOT IN ('NaN', 'Infinity', '-Infinity')) AS t;
SELECT x, w, mesh.mask_bucket(x, w) AS bucket
  FROM (VALUES (0::numeric, 1000::numeric), (0, 0.01), (-0.001, 1000), (-1000, 1000), (-1000.01, 1000),
               (999.99, 1000.00), (-7, 2.5), (7, 2.5), (9223372036854775807, 3), (-9223372036854775808, 3),
               (-9999999999999999, 1000000000000000), ('NaN', 10), ('Infinity', 10), ('-Infinity', 0.5)) AS t(x, w);
SELECT mesh.mask_bucket(1, 0.000);
SELECT mesh.mask_bucket(1, -0.01);
SELECT mesh.mask_bucket(1, 'NaN');
SELECT mesh.mask_bucket(1, 'Infinity');
-- mask_date (date and timestamp) against date_trunc over 16,000 years, days
-- on both sides of 2000-01-01 and times before it (floor, not truncation)
SELECT count(*) AS compared,
       count(*) FILTER (WHERE mesh.mask_date(v, unit) IS DISTINCT FROM date_trunc(unit, v)::date) AS differ
  FROM generate_series(-2451000, 3000000, 1009) AS i,
       LATERAL (SELECT date '2000-01-01' + i AS v) AS d,
       unnest('{day, month, year, YEAR}'::text[]) AS unit;
-- every day of the years 1900 to 2155 (a per-call-site table of year starts)
-- and a month either side of them (the calendar conversion)
SELECT count(*) AS compared,
       count(*) FILTER (WHERE mesh.mask_date(v, unit) IS DISTINCT FROM date_trunc(unit, v)::date) AS differ
  FROM generate_series(date '1899-12-01' - date '2000-01-01', date '2156-01-31' - date '2000-01-01') AS i,
       LATERAL (SELECT date '2000-01-01' + i AS v) AS d,
       unnest('{month, year}'::text[]) AS unit;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE mesh.mask_date(t, unit) IS DISTINCT FROM date_trunc(unit, t)) AS differ
  FROM generate_series(timestamp '1899-12-01 23:59:59.999999', timestamp '2156-01-31', interval '1 day') AS t,
       unnest('{month, year}'::text[]) AS unit;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE mesh.mask_date(t, unit) IS DISTINCT FROM date_trunc(unit, t)) AS differ
  FROM generate_series(-300000, 300000, 97) AS i,
       LATERAL (SELECT timestamp '2000-01-01' + i * interval '71 hours 13 minutes 1.123457 seconds' AS t) AS s,
       unnest('{day, month, year}'::text[]) AS unit;
SELECT t, mesh.mask_date(t, 'day') AS day, mesh.mask_date(t, 'month') AS month, mesh.mask_date(t, 'year') AS year
  FROM unnest('{1999-12-31 23:59:59.999999, 2000-01-01 00:00, 0001-01-01 00:00:00.000001 BC,
                294276-12-31 23:59:59.999999, infinity, -infinity}'::timestamp[]) AS t;
SELECT mesh.mask_date(timestamp '4714-11-24 23:59:59.999999 BC', 'day') AS first_day;
SELECT mesh.mask_date(timestamp '4714-11-30 12:00 BC', 'month');
SELECT d, mesh.mask_date(d, 'month') AS month, mesh.mask_date(d, 'year') AS year
  FROM unnest('{5874897-12-31, 2000-02-29, 1900-03-01, 0001-12-31 BC, infinity, -infinity}'::date[]) AS d;
-- a unit that changes from row to row is parsed on every row, not cached
SELECT u, mesh.mask_date(date '1980-05-17', u) AS d, mesh.mask_date(timestamp '1980-05-17 13:14', u) AS ts,
       mesh.mask_date(timestamptz '1980-05-17 13:14+00', u) AS tstz
  FROM (VALUES ('year'), ('month'), ('day'), ('Month')) AS t(u);
SELECT mesh.mask_date(date '1980-05-17', u) FROM (VALUES ('year'), ('week')) AS t(u);
DROP TABLE mask_fast_numbers;
-- mask_partial: ASCII values take offsets as counts, others walk characters;
-- both against the same mask written in SQL
SELECT count(*) AS compared,
       count(*) FILTER (WHERE mesh.mask_partial(v, k1, k2) IS DISTINCT FROM
           CASE WHEN k1 + k2 >= length(v) THEN repeat('*', length(v))
                ELSE left(v, k1) || repeat('*', length(v) - k1 - k2) || right(v, k2) END) AS differ
  FROM unnest('{"", a, ab, abc, "+33 6 12345678", é, aé, éa, "Ünïcødé", "ab😀cd", "😀😁😂🤣", "x y z"}'::text[]) AS v,
       generate_series(0, 5) AS k1, generate_series(0, 5) AS k2;
