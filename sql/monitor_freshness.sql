-- Freshness: commit-time tracking (commit publishes, abort and rolled-back
-- savepoints do not), SLA deadlines at a controlled clock (maximum age,
-- cadence, delivery windows across midnight and time zones), the
-- mesh.freshness view and the descriptor keys of the monitoring module.
\set SHOW_CONTEXT never
SET timezone = 'UTC';
CREATE ROLE regress_monitor_fresh_owner NOLOGIN;
SELECT mesh.create_domain('monitor_fresh', 'regress_monitor_fresh_owner');
CREATE TABLE monitor_fresh.events (id integer PRIMARY KEY, happened_at timestamptz NOT NULL);
CREATE TABLE monitor_fresh.other (id integer);
CREATE VIEW monitor_fresh.events_v AS SELECT e.id, e.happened_at FROM monitor_fresh.events e;
ALTER TABLE monitor_fresh.events OWNER TO regress_monitor_fresh_owner;
ALTER VIEW monitor_fresh.events_v OWNER TO regress_monitor_fresh_owner;
SELECT mesh.create_data_product('monitor_fresh.events_p', 'monitor_fresh.events_v',
       '{"purpose": "freshness tests", "sla": {"freshness": "1 hour"}}') > 0 AS created;
-- the tracked relations are the base tables behind the port, through views
SELECT relation FROM mesh.freshness_sources s JOIN mesh.data_products p ON p.id = s.product_id
 WHERE p.domain = 'monitor_fresh';
-- nothing committed yet
SELECT product, last_change IS NULL AS unknown, breached, rule FROM mesh.freshness WHERE product = 'monitor_fresh.events_p';

-- an aborted transaction publishes nothing
BEGIN;
INSERT INTO monitor_fresh.events VALUES (1, now());
ROLLBACK;
SELECT last_change IS NULL AS still_unknown FROM mesh.freshness WHERE product = 'monitor_fresh.events_p';
-- nor does a rolled-back savepoint
BEGIN;
INSERT INTO monitor_fresh.other VALUES (1);
SAVEPOINT s;
INSERT INTO monitor_fresh.events VALUES (1, now());
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT last_change IS NULL AS still_unknown FROM mesh.freshness WHERE product = 'monitor_fresh.events_p';
-- an UPDATE that touches no row is not a change
UPDATE monitor_fresh.events SET id = id WHERE false;
SELECT last_change IS NULL AS still_unknown FROM mesh.freshness WHERE product = 'monitor_fresh.events_p';
-- a committed change is published with the commit time; a released savepoint counts
BEGIN;
SAVEPOINT s;
INSERT INTO monitor_fresh.events VALUES (1, now() - interval '2 hours');
RELEASE SAVEPOINT s;
SELECT last_change IS NULL AS invisible_before_commit FROM mesh.freshness WHERE product = 'monitor_fresh.events_p';
COMMIT;
SELECT last_change BETWEEN now() - interval '1 minute' AND clock_timestamp() AS published,
       breached, rule, deadline = last_change + interval '1 hour' AS deadline_ok
  FROM mesh.freshness WHERE product = 'monitor_fresh.events_p';
-- COPY FROM and TRUNCATE are changes too
SELECT last_change AS before_copy FROM mesh.freshness WHERE product = 'monitor_fresh.events_p' \gset
COPY monitor_fresh.events FROM stdin;
2	2026-01-01 00:00:00+00
\.
SELECT last_change > :'before_copy' AS copy_counted FROM mesh.freshness WHERE product = 'monitor_fresh.events_p';
SELECT last_change AS before_truncate FROM mesh.freshness WHERE product = 'monitor_fresh.events_p' \gset
TRUNCATE monitor_fresh.events;
SELECT last_change > :'before_truncate' AS truncate_counted FROM mesh.freshness WHERE product = 'monitor_fresh.events_p';

-- SLA rules at a controlled clock
SELECT rule, deadline, measured FROM mesh._sla_deadlines(
    '{"freshness": "1 hour", "cadence": "1 day"}', '2026-03-10 08:00+00', NULL, '2026-03-10 08:30+00');
-- a declared freshness column measures the data's own time
SELECT rule, deadline FROM mesh._sla_deadlines(
    '{"freshness": "1 hour", "freshness_column": "happened_at"}', '2026-03-10 08:00+00', '2026-03-10 06:00+00', '2026-03-10 08:30+00');
-- never changed: nothing to measure yet
SELECT rule, deadline FROM mesh._sla_deadlines('{"freshness": "1 hour"}', NULL, NULL, '2026-03-10 08:30+00');

-- delivery window 06:00-08:00 Europe/Berlin (UTC+1 in winter, +2 in summer)
SELECT window_start, window_end FROM mesh._delivery_windows(
    '{"start": "06:00", "end": "08:00", "timezone": "Europe/Berlin"}', '2026-03-27 00:00+00', '2026-03-30 00:00+00');
-- across midnight: 22:00-02:00 in New York, weekdays only
SELECT window_start, window_end, to_char(timezone('America/New_York', window_start), 'Dy') AS starts_on
  FROM mesh._delivery_windows('{"start": "22:00", "end": "02:00", "timezone": "America/New_York", "days": ["mon", "fri"]}',
                              '2026-03-09 00:00+00', '2026-03-17 00:00+00');
-- delivered in today's window: the next deadline is tomorrow's window end
SELECT rule, deadline FROM mesh._sla_deadlines(
    '{"delivery_window": {"start": "06:00", "end": "08:00", "timezone": "UTC"}}',
    '2026-03-10 07:00+00', NULL, '2026-03-10 09:00+00');
-- not delivered since the window opened: breached since its end
SELECT rule, deadline, deadline <= '2026-03-10 09:00+00' AS breached FROM mesh._sla_deadlines(
    '{"delivery_window": {"start": "06:00", "end": "08:00", "timezone": "UTC"}}',
    '2026-03-10 05:59+00', NULL, '2026-03-10 09:00+00');
-- during the window, before any delivery: due at the window end
SELECT rule, deadline FROM mesh._sla_deadlines(
    '{"delivery_window": {"start": "06:00", "end": "08:00", "timezone": "UTC"}}',
    '2026-03-09 07:00+00', NULL, '2026-03-10 07:00+00');
-- across midnight in Tokyo: window 23:00-01:00 JST = 14:00-16:00 UTC
SELECT rule, deadline FROM mesh._sla_deadlines(
    '{"delivery_window": {"start": "23:00", "end": "01:00", "timezone": "Asia/Tokyo"}}',
    '2026-03-10 14:30+00', NULL, '2026-03-10 15:30+00');
SELECT rule, deadline FROM mesh._sla_deadlines(
    '{"delivery_window": {"start": "23:00", "end": "01:00", "timezone": "Asia/Tokyo"}}',
    '2026-03-10 13:59+00', NULL, '2026-03-10 16:30+00');

-- the evaluation opens and resolves incidents (as the scheduler does, at a chosen time)
SELECT id AS pid FROM mesh.data_products WHERE domain = 'monitor_fresh' AND name = 'events_p' \gset
-- (in one transaction, so that the running scheduler cannot interleave)
BEGIN;
SELECT mesh._evaluate_freshness(now() + interval '2 hours') IS NULL AS no_future_deadline;
SELECT kind, subject, status, severity,
       opened_at = least((details ->> 'deadline')::timestamptz, detected_at) AS opened_at_deadline
  FROM mesh.incidents WHERE product_id = :pid;
SELECT mesh._evaluate_freshness(now()) > now() AS next_deadline_in_future;
SELECT kind, subject, status, time_to_recover IS NOT NULL AS ttr_known FROM mesh.incidents WHERE product_id = :pid;
COMMIT;

-- descriptor keys: sla.cadence, sla.severity, sla.freshness_column, retention
SELECT mesh.alter_data_product('monitor_fresh.events_p', '{"sla": {"cadence": "soon"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_p', '{"sla": {"cadence": "-1 day"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_p', '{"sla": {"severity": "fatal"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_p', '{"sla": {"freshness_column": "id"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_p', '{"sla": {"freshness": null, "freshness_column": "happened_at"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_p', '{"sla": {"freshness_column": "happened_at", "cadence": "1 day", "severity": "warn"}}');
SELECT sla FROM mesh.data_products WHERE id = :pid;
SELECT mesh.alter_data_product('monitor_fresh.events_p', '{"retention": {"period": "30 days", "column": "happened_at"}}');
SELECT mesh.create_data_product('monitor_fresh.events_t', 'monitor_fresh.events', '{"purpose": "retention tests"}') > 0 AS created;
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": "forever"}');
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": {"period": "soon", "column": "happened_at"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": {"period": "30 days", "column": "id"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": {"period": "30 days", "column": "happened_at", "action": "shred"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": {"period": "30 days", "column": "happened_at", "action": "archive", "archive_table": "monitor_fresh.nowhere"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": {"period": "30 days", "column": "happened_at", "action": "archive", "archive_table": "monitor_fresh.other"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": {"period": "30 days", "column": "happened_at", "batch_size": 0}}');
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": {"period": "30 days", "column": "happened_at", "colour": "red"}}');
SELECT mesh.alter_data_product('monitor_fresh.events_t', '{"retention": {"period": "30 days", "column": "happened_at", "batch_size": 500}}');
-- the statement retention runs (as the product owner): batches of ctids, locked rows skipped
SELECT run_id, owner, batch_size, regexp_replace(statement, '''[^'']*''::pg_catalog.timestamptz', 'CUTOFF') AS statement
  FROM mesh._retention_start((SELECT id FROM mesh.data_products WHERE domain = 'monitor_fresh' AND name = 'events_t')) \gset
SELECT :'owner' AS owner, :batch_size AS batch_size, :'statement' AS statement;
SELECT r.status, r.action FROM mesh.retention_runs r WHERE r.id = :run_id;
-- a crash while it runs: the next scheduler marks it failed
SELECT mesh._scheduler_startup() >= 1 AS marked;
SELECT r.status, r.message FROM mesh.retention_runs r WHERE r.id = :run_id;

-- the KPI view
SELECT domain, products, pct_with_owner, pct_with_sla, pct_with_checks, incidents_last_30_days, shipped_this_quarter
  FROM mesh.domain_kpis WHERE domain = 'monitor_fresh';

-- clean up
SELECT mesh.drop_data_product('monitor_fresh.events_p', force => true);
SELECT mesh.drop_data_product('monitor_fresh.events_t', force => true);
DROP VIEW monitor_fresh.events_v;
DROP TABLE monitor_fresh.events, monitor_fresh.other;
SELECT mesh.drop_domain('monitor_fresh');
DROP ROLE regress_monitor_fresh_owner;
