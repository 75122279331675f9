-- Checks that compare with the past: volume anomaly (median +- k * MAD of
-- past row counts), distribution drift against a stored profile (population
-- stability index), schema drift since the last run; the scheduler entry
-- point, the latest-status view and the quality score.
\set SHOW_CONTEXT never
CREATE ROLE regress_check_hist_owner NOLOGIN;
SELECT mesh.create_domain('check_hist', 'regress_check_hist_owner');
CREATE TABLE check_hist.t (id int, status text, amount numeric);
ALTER TABLE check_hist.t OWNER TO regress_check_hist_owner;
INSERT INTO check_hist.t SELECT i, (ARRAY['new', 'paid', 'shipped'])[1 + i % 3], i FROM generate_series(1, 9) i;
SELECT mesh.create_data_product('check_hist.p', 'check_hist.t', '{"purpose": "history", "checks": [
  {"name": "volume", "kind": "volume_anomaly", "k": 3, "min_history": 5}]}') > 0 AS created;

-- volume: no verdict until 5 runs of history, then median +- 3 * 1.4826 * MAD
CREATE FUNCTION pg_temp.run(only_check text) RETURNS TABLE (status text, observed jsonb, threshold jsonb, message text)
    LANGUAGE sql AS $$ SELECT status, observed, threshold, message FROM mesh.run_checks('check_hist.p') WHERE name = only_check $$;
SELECT * FROM pg_temp.run('volume');
INSERT INTO check_hist.t VALUES (10, 'new', 10);
SELECT status, message FROM pg_temp.run('volume');
INSERT INTO check_hist.t VALUES (11, 'new', 11);
SELECT status, message FROM pg_temp.run('volume');
INSERT INTO check_hist.t VALUES (12, 'paid', 12);
SELECT status, message FROM pg_temp.run('volume');
INSERT INTO check_hist.t VALUES (13, 'shipped', 13);
SELECT status, message FROM pg_temp.run('volume');
INSERT INTO check_hist.t VALUES (14, 'paid', 14);
SELECT * FROM pg_temp.run('volume');
-- a jump far outside the band fails; errors are not part of the history
INSERT INTO check_hist.t SELECT i, 'paid', 20 FROM generate_series(15, 100) i;
SELECT * FROM pg_temp.run('volume');
DELETE FROM check_hist.t WHERE id > 15;
SELECT status, message FROM pg_temp.run('volume');

-- distributions: the first run stores the baseline profile
SELECT mesh.alter_data_product('check_hist.p', '{"checks": [
  {"name": "volume", "kind": "volume_anomaly", "k": 3, "min_history": 5},
  {"name": "status_dist", "kind": "distribution", "column": "status", "fail_above": 0.5, "warn_above": 0.02},
  {"name": "amount_hist", "kind": "distribution", "column": "amount", "bins": 4},
  {"name": "shape", "kind": "schema", "columns": {"id": "integer", "status": "text"}, "severity": "warn"}]}');
-- the unchanged volume check kept its history
SELECT status, message FROM pg_temp.run('volume');
SELECT name, status, message FROM mesh.run_checks('check_hist.p') WHERE kind = 'distribution' ORDER BY name;
SELECT name, state -> 'profile' AS profile FROM mesh.checks WHERE kind = 'distribution'
   AND product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_hist') ORDER BY name;
-- unchanged data: PSI 0
SELECT name, status, observed -> 'psi' AS psi FROM mesh.run_checks('check_hist.p') WHERE kind = 'distribution' ORDER BY name;
-- a small shift warns, a big one fails
UPDATE check_hist.t SET status = 'paid' WHERE id = 3;
SELECT name, status, observed -> 'psi' AS psi, message FROM mesh.run_checks('check_hist.p') WHERE name = 'status_dist';
UPDATE check_hist.t SET status = 'lost', amount = amount + 100 WHERE id <= 8;
SELECT name, status, observed -> 'psi' AS psi, message FROM mesh.run_checks('check_hist.p') WHERE kind = 'distribution' ORDER BY name;
-- too many categories for a profile
SELECT mesh.add_check('check_hist.p', '{"name": "id_dist", "kind": "distribution", "column": "id", "method": "categorical"}') > 0 AS added;
INSERT INTO check_hist.t SELECT i, 'paid', 1 FROM generate_series(1000, 2000) i;
SELECT name, status, message FROM mesh.run_checks('check_hist.p') WHERE name = 'id_dist';
DELETE FROM check_hist.t WHERE id >= 1000;
SELECT mesh.drop_check('check_hist.p', 'id_dist');
-- profile_product stores the current distributions as the new baseline
SELECT mesh.profile_product('check_hist.p') AS profiles;
SELECT name, status, observed -> 'psi' AS psi FROM mesh.run_checks('check_hist.p') WHERE kind = 'distribution' ORDER BY name;

-- schema: drift since the last run warns once, a missing expected column fails
SELECT status, message FROM pg_temp.run('shape');
-- (a superuser bypassing the guard on ports, as docs/architecture.md allows)
SET session_replication_role = replica;
CREATE OR REPLACE VIEW check_hist.p WITH (security_barrier) AS SELECT t.id, t.status, t.amount, 1 AS extra FROM check_hist.t;
RESET session_replication_role;
SELECT status, observed -> 'drift' AS drift, message FROM pg_temp.run('shape');
SELECT status, message FROM pg_temp.run('shape');
SELECT mesh.alter_data_product('check_hist.p', '{"checks": [
  {"name": "shape", "kind": "schema", "columns": {"id": "bigint", "gone": "text", "status": "text"}, "exact": true}]}');
SELECT status, message FROM pg_temp.run('shape');

-- the scheduler runs checks whose schedule is due, each once per period
SELECT mesh.alter_data_product('check_hist.p', '{"checks": [
  {"name": "hourly_rows", "kind": "row_count", "schedule": "1 hour"},
  {"name": "daily_nulls", "kind": "null", "column": "status", "schedule": "1 day", "severity": "warn"},
  {"name": "paused", "kind": "row_count", "schedule": "1 hour", "enabled": false},
  {"name": "on_demand", "kind": "row_count", "operator": "<", "value": 1}]}');
-- (the monitoring scheduler may get there first in this cluster: counts are
-- taken from the history, which is the same whoever called _run_due_checks)
SELECT mesh._run_due_checks() <= 2 AS ran;
SELECT mesh._run_due_checks() AS ran_again;
-- a scheduler run still in progress has not set last_run_at yet: wait for it,
-- or the hour moved back below would be moved back from nothing
DO $$
BEGIN
    FOR i IN 1 .. 300 LOOP
        EXIT WHEN (SELECT last_run_at IS NOT NULL FROM mesh.checks WHERE name = 'hourly_rows'
                      AND product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_hist'));
        PERFORM pg_sleep(0.2);
    END LOOP;
END
$$;
UPDATE mesh.checks SET last_run_at = last_run_at - interval '2 hours' WHERE name = 'hourly_rows'
   AND product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_hist');
SELECT mesh._run_due_checks() <= 1 AS ran_hourly;
SELECT c.name, count(r.*) AS runs, string_agg(DISTINCT r.triggered_by, ',') AS triggered_by
  FROM mesh.checks c LEFT JOIN mesh.check_runs r ON r.check_id = c.id
 WHERE c.product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_hist') GROUP BY c.name ORDER BY c.name;

-- latest status per check, and the quality score:
-- weights error 2, warn 1; credit pass 1, warn 0.5, fail/error 0; disabled checks ignored
SELECT check_name, kind, severity, enabled, status FROM mesh.check_status WHERE product = 'check_hist.p' ORDER BY check_name;
SELECT mesh.quality_score('check_hist.p');
SELECT count(*) AS checks_run FROM mesh.run_checks('check_hist.p');
SELECT check_name, status FROM mesh.check_status WHERE product = 'check_hist.p' ORDER BY check_name;
-- hourly_rows pass (2), daily_nulls pass (1), on_demand fail (2): 100 * 3 / 5
SELECT mesh.quality_score('check_hist.p');
SELECT mesh.quality_score('no_such.product');

-- incidents (monitoring module): a failed check opens one of kind 'check'
-- named after the check, a later failure keeps it, a pass resolves it
SELECT kind, subject, severity, status, details ->> 'status' AS check_status
  FROM mesh.incidents WHERE product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_hist')
 ORDER BY subject, id;
SELECT count(*) AS runs FROM mesh.run_checks('check_hist.p');
SELECT count(*) AS open_incidents FROM mesh.incidents
 WHERE product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_hist') AND status <> 'resolved';
DELETE FROM check_hist.t;
SELECT name, status FROM mesh.run_checks('check_hist.p') WHERE name = 'on_demand';
SELECT kind, subject, status, resolved_at IS NOT NULL AS resolved
  FROM mesh.incidents WHERE product_id = (SELECT id FROM mesh.data_products WHERE domain = 'check_hist')
 ORDER BY subject, id;

SELECT mesh.drop_data_product('check_hist.p');
DROP TABLE check_hist.t;
SELECT mesh.drop_domain('check_hist');
DROP ROLE regress_check_hist_owner;
