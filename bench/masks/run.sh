#!/usr/bin/env bash
# bench/masks/run.sh: what the mask library costs, measured side by side in
# one run.  For each mask, the same aggregate over the same rows is timed
# raw, through the meshpg mask (C), and, where one exists, through the
# equivalent written in SQL; the script prints medians and ratios, so the
# figures mean something on a busy machine too.
#
#   ROWS=2000000 REPS=5 bash bench/masks/run.sh      (defaults: 2000000, 5)
#
# Runs against the cluster named by the PG* environment, in a database of its
# own (created and dropped).  Parallel query is off so that both sides of a
# ratio use one core.
set -euo pipefail
rows="${ROWS:-2000000}"
reps="${REPS:-5}"
db="${BENCH_DB:-meshpg_bench_masks}"
psql=(psql -X -q -v ON_ERROR_STOP=1)

"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap '"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

"${psql[@]}" -d "$db" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
CREATE TABLE people AS
SELECT i AS id,
       'user' || i || '@example' || (i % 100) || '.org' AS email,
       '+33 6 ' || lpad((i % 100000000)::text, 8, '0') AS phone,
       CASE WHEN i % 10 = 0 THEN 'Ünïcødé Ñame ' || i ELSE 'Some Name ' || i END AS name,
       date '1940-01-01' + (i % 25000) AS birth,
       (20000 + (i::bigint * 7919) % 180000)::numeric(12, 2) AS salary
  FROM generate_series(1, $rows) AS i;
VACUUM ANALYZE people;

-- median wall time in ms of reps executions of q, measured in the server
CREATE FUNCTION bench_ms(q text, reps int) RETURNS numeric LANGUAGE plpgsql AS \$\$
DECLARE
    t timestamptz;
    times numeric[] := '{}';
BEGIN
    EXECUTE q;  -- warm-up (caches, the key, hint bits)
    FOR i IN 1 .. reps LOOP
        t := clock_timestamp();
        EXECUTE q;
        times := times || (extract(epoch FROM clock_timestamp() - t) * 1000)::numeric;
    END LOOP;
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) AS x);
END
\$\$;
SQL

"${psql[@]}" -d "$db" -P pager=off <<SQL
SET max_parallel_workers_per_gather = 0;
\echo 'meshpg mask library: $rows rows, median of $reps runs (ms); ratios to the raw aggregate'
WITH cases(n, what, raw, c_mask, sql_equivalent) AS (VALUES
  (1, 'mask_email',
      'SELECT sum(length(email)) FROM people',
      'SELECT sum(length(mesh.mask_email(email))) FROM people',
      \$q\$SELECT sum(length(regexp_replace(email, '^.*@', '***@'))) FROM people\$q\$),
  (2, 'mask_partial (multibyte)',
      'SELECT sum(length(name)) FROM people',
      'SELECT sum(length(mesh.mask_partial(name, 1, 2))) FROM people',
      \$q\$SELECT sum(length(left(name, 1) || repeat('*', greatest(length(name) - 3, 0)) || right(name, 2))) FROM people\$q\$),
  (3, 'mask_redact',
      'SELECT sum(length(phone)) FROM people',
      'SELECT sum(length(mesh.mask_redact(phone))) FROM people',
      NULL),
  (4, 'mask_sha256',
      'SELECT sum(length(email)) FROM people',
      'SELECT sum(length(mesh.mask_sha256(email))) FROM people',
      \$q\$SELECT sum(length(encode(sha256(convert_to(email, 'UTF8')), 'hex'))) FROM people\$q\$),
  (5, 'mask_pseudonym (HMAC)',
      'SELECT sum(length(email)) FROM people',
      'SELECT sum(length(mesh.mask_pseudonym(email))) FROM people',
      NULL),
  (6, 'mask_date (year)',
      'SELECT max(birth) FROM people',
      \$q\$SELECT max(mesh.mask_date(birth, 'year')) FROM people\$q\$,
      \$q\$SELECT max(date_trunc('year', birth)::date) FROM people\$q\$),
  (7, 'mask_bucket',
      'SELECT sum(salary) FROM people',
      'SELECT sum(mesh.mask_bucket(salary, 1000)) FROM people',
      'SELECT sum(floor(salary / 1000) * 1000) FROM people'),
  (8, 'mask_round',
      'SELECT sum(salary) FROM people',
      'SELECT sum(mesh.mask_round(salary, -3)) FROM people',
      'SELECT sum(round(salary, -3)) FROM people'),
  (9, 'mask_noise',
      'SELECT sum(salary) FROM people',
      \$q\$SELECT sum(mesh.mask_noise(salary, 0.1, 'seed')) FROM people\$q\$,
      NULL),
  (10, 'mask_default',
      'SELECT sum(salary) FROM people',
      'SELECT sum(mesh.mask_default(salary)) FROM people',
      NULL),
  (11, '4 masks, one aggregate',
      'SELECT sum(length(email)), sum(length(phone)), max(birth), sum(salary) FROM people',
      \$q\$SELECT sum(length(mesh.mask_email(email))), sum(length(mesh.mask_partial(phone, 0, 4))),
               max(mesh.mask_date(birth, 'year')), sum(mesh.mask_bucket(salary, 1000)) FROM people\$q\$,
      NULL)
), timed AS (
  SELECT n, what, bench_ms(raw, $reps) AS raw_ms, bench_ms(c_mask, $reps) AS mask_ms,
         CASE WHEN sql_equivalent IS NOT NULL THEN bench_ms(sql_equivalent, $reps) END AS sql_ms
    FROM cases
)
SELECT what AS mask, round(raw_ms) AS raw_ms, round(mask_ms) AS mask_ms,
       round(mask_ms / raw_ms, 2) AS "mask/raw",
       round(sql_ms) AS sql_ms, round(sql_ms / mask_ms, 2) AS "sql/mask"
  FROM timed ORDER BY n;
SQL
