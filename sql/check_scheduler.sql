-- The monitoring scheduler (a background worker, when meshpg is preloaded)
-- calls mesh._run_due_checks() every naptime: a check with a schedule runs
-- on its own, again once its period has passed, and its results are marked
-- triggered_by 'schedule'.  Polls for at most 60 seconds.
\set SHOW_CONTEXT never
CREATE ROLE regress_check_sched_owner NOLOGIN;
SELECT mesh.create_domain('check_sched', 'regress_check_sched_owner');
CREATE TABLE check_sched.t AS SELECT 1 AS id;
ALTER TABLE check_sched.t OWNER TO regress_check_sched_owner;
SELECT mesh.create_data_product('check_sched.p', 'check_sched.t', '{"purpose": "scheduled checks", "checks": [
  {"name": "every_second", "kind": "row_count", "schedule": "1 second"},
  {"name": "on_demand", "kind": "row_count"}]}') > 0 AS created;
CREATE FUNCTION pg_temp.scheduled_runs(check_name text) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM mesh.check_runs r JOIN mesh.checks c ON c.id = r.check_id
     WHERE c.name = check_name AND r.triggered_by = 'schedule'
       AND c.product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_sched') $$;
DO $$
BEGIN
    FOR i IN 1 .. 300 LOOP
        EXIT WHEN pg_temp.scheduled_runs('every_second') >= 2;
        PERFORM pg_sleep(0.2);   -- each statement takes a new snapshot: new runs are seen
    END LOOP;
END
$$;
SELECT pg_temp.scheduled_runs('every_second') >= 2 AS ran_twice,
       pg_temp.scheduled_runs('on_demand') AS on_demand_runs;
SELECT status, message FROM mesh.check_status WHERE product = 'check_sched.p' AND check_name = 'every_second';

-- a custom query that takes a session advisory lock does not leave it held
-- by the scheduler (it would block whoever needs that lock, for ever)
SELECT mesh.add_check('check_sched.p', '{"name": "locks", "kind": "failed_rows", "schedule": "1 second",
    "sql": "SELECT l FROM (SELECT pg_advisory_lock(20261123) AS l) s WHERE l IS NULL"}') > 0 AS added;
DO $$
BEGIN
    FOR i IN 1 .. 300 LOOP
        EXIT WHEN pg_temp.scheduled_runs('locks') >= 2;
        PERFORM pg_sleep(0.2);
    END LOOP;
END
$$;
SELECT pg_temp.scheduled_runs('locks') >= 2 AS lock_check_ran;
DO $$
DECLARE
    got boolean := false;
BEGIN
    -- the lock is free between runs: a few tries, in case one lands during a run
    FOR i IN 1 .. 50 LOOP
        got := pg_try_advisory_lock(20261123);
        EXIT WHEN got;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RAISE NOTICE 'advisory lock free after scheduled runs: %', got;
    IF got THEN
        PERFORM pg_advisory_unlock(20261123);
    END IF;
END
$$;
-- nor when the query fails after taking the lock (the check ends in 'error';
-- runs once: its period is an hour, and no other custom check is scheduled)
SELECT mesh.drop_check('check_sched.p', 'locks');
SELECT mesh.add_check('check_sched.p', '{"name": "locks_then_fails", "kind": "failed_rows", "schedule": "1 hour",
    "sql": "SELECT (l || ''x'')::int FROM (SELECT pg_advisory_lock(20261124)::text AS l) s"}') > 0 AS added;
DO $$
BEGIN
    FOR i IN 1 .. 300 LOOP
        EXIT WHEN pg_temp.scheduled_runs('locks_then_fails') >= 1;
        PERFORM pg_sleep(0.2);
    END LOOP;
END
$$;
SELECT status, message FROM mesh.check_status WHERE product = 'check_sched.p' AND check_name = 'locks_then_fails';
-- the run was committed after the lock was released: nobody holds it
SELECT count(*) AS advisory_locks_held FROM pg_locks WHERE locktype = 'advisory' AND objid = 20261124;
SELECT mesh.drop_data_product('check_sched.p');
DROP TABLE check_sched.t;
SELECT mesh.drop_domain('check_sched');
DROP ROLE regress_check_sched_owner;
