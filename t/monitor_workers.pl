# The life cycle of the meshpg background workers, in a throwaway cluster:
# a scheduler per database with meshpg, SIGHUP, kill -9 of a scheduler (its
# interrupted run marked failed), a crash and a clean restart with the
# freshness state kept, freshness breaches detected and resolved by the
# scheduler, retention in batches, DROP EXTENSION and DROP DATABASE while a
# scheduler runs, a new database getting a scheduler at CREATE EXTENSION, and
# the scheduler's usage flush following meshpg.usage_flush_interval.
# Every wait polls with a time limit; no fixed sleeps.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('monitor');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'meshpg'
meshpg.naptime = '200ms'
meshpg.database_scan_interval = '60s'
meshpg.restart_delay = '200ms'
meshpg.retention_interval = '1s'
meshpg.statement_timeout = '60s'
max_worker_processes = 16
restart_after_crash = on
});
$node->start;

# scheduler pid of a database, '' when none runs
sub scheduler_pid
{
	my ($db) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce(pid::text, '') FROM mesh.worker_status WHERE database = '$db' AND role = 'scheduler'"
	);
}

$node->safe_psql('postgres', 'CREATE EXTENSION meshpg');

# --- a scheduler starts per database where meshpg is installed -------------
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mesh.worker_status WHERE role = 'launcher' AND pid IS NOT NULL"),
	'the launcher runs');
ok($node->poll_query_until('postgres',
		"SELECT state IN ('idle', 'running') AND pid IS NOT NULL FROM mesh.worker_status WHERE database = 'postgres'"),
	'a scheduler runs in database postgres');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'meshpg scheduler' AND datname = 'postgres'"),
	'1', 'exactly one scheduler in database postgres');
is($node->safe_psql('postgres',
		"SELECT active FROM mesh.status() WHERE component = 'workers'"),
	't', 'mesh.status() reports the workers active');

# --- a new database gets a scheduler at CREATE EXTENSION (before the 60s scan)
$node->safe_psql('postgres', 'CREATE DATABASE mon_new');
$node->safe_psql('mon_new', 'CREATE EXTENSION meshpg');
ok($node->poll_query_until('postgres',
		"SELECT pid IS NOT NULL FROM mesh.worker_status WHERE database = 'mon_new'", 't'),
	'CREATE EXTENSION in a new database starts its scheduler at once');
ok($node->poll_query_until('mon_new',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'meshpg scheduler' AND datname = 'mon_new'"),
	'the new scheduler is connected to the new database');

# --- DROP EXTENSION while running stops the scheduler ------------------------
$node->safe_psql('mon_new', 'DROP EXTENSION meshpg');
ok($node->poll_query_until('postgres',
		"SELECT state = 'stopped' AND pid IS NULL FROM mesh.worker_status WHERE database = 'mon_new'"),
	'DROP EXTENSION stops the scheduler of that database');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'meshpg scheduler' AND datname = 'mon_new'"),
	'no scheduler is connected to the database any more');

# --- DROP DATABASE works while a scheduler runs -------------------------------
$node->safe_psql('mon_new', 'CREATE EXTENSION meshpg');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'meshpg scheduler' AND datname = 'mon_new'"),
	'CREATE EXTENSION again starts a scheduler again');
my ($rc, $out, $err) = $node->psql('postgres', 'DROP DATABASE mon_new');
is($rc, 0, 'DROP DATABASE succeeds while its scheduler runs') or diag($err);
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM mesh.worker_status WHERE database = 'mon_new'"),
	'the dropped database has no scheduler');
# ALTER DATABASE RENAME too
$node->safe_psql('postgres', 'CREATE DATABASE mon_rename');
$node->safe_psql('mon_rename', 'CREATE EXTENSION meshpg');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'meshpg scheduler' AND datname = 'mon_rename'"),
	'a scheduler runs in mon_rename');
($rc, $out, $err) = $node->psql('postgres', 'ALTER DATABASE mon_rename RENAME TO mon_renamed');
is($rc, 0, 'ALTER DATABASE RENAME succeeds while its scheduler runs') or diag($err);
$node->safe_psql('postgres', 'DROP DATABASE mon_renamed');

# --- SIGHUP changes the naptime ---------------------------------------------
$node->append_conf('postgresql.conf', "meshpg.naptime = '30s'");
$node->reload;
ok($node->poll_query_until('postgres',
		"SELECT next_wakeup > clock_timestamp() + interval '10 seconds' FROM mesh.worker_status WHERE database = 'postgres'"),
	'after SIGHUP the scheduler sleeps the new naptime');
$node->append_conf('postgresql.conf', "meshpg.naptime = '200ms'");
$node->reload;
# a contract change wakes the scheduler: the next wake-up comes soon again
$node->safe_psql('postgres', q{
	CREATE ROLE mon_owner NOLOGIN;
	SELECT mesh.create_domain('mon', 'mon_owner');
	CREATE TABLE mon.orders (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
	ALTER TABLE mon.orders OWNER TO mon_owner;
	SELECT mesh.create_data_product('mon.orders_p', 'mon.orders',
	    '{"purpose": "orders", "sla": {"freshness": "2 seconds"}}');
});
ok($node->poll_query_until('postgres',
		"SELECT next_wakeup < clock_timestamp() + interval '5 seconds' FROM mesh.worker_status WHERE database = 'postgres'"),
	'after SIGHUP back to 200ms the scheduler wakes often again');

# --- a freshness breach is detected and resolved by the scheduler -----------
$node->safe_psql('postgres', 'INSERT INTO mon.orders VALUES (1)');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mesh.freshness_state s WHERE s.relation = 'mon.orders'::regclass"),
	'the commit time is persisted by the scheduler');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mesh.incidents WHERE kind = 'freshness' AND status = 'open'"),
	'a freshness breach opens an incident');
my $ttd = $node->safe_psql('postgres',
	"SELECT extract(epoch FROM time_to_detect) FROM mesh.incidents WHERE kind = 'freshness'");
cmp_ok($ttd, '<', 1.0, "the breach was detected within 1s of its deadline ($ttd s, naptime 200ms)");
$node->safe_psql('postgres', 'INSERT INTO mon.orders VALUES (2)');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mesh.incidents WHERE kind = 'freshness' AND status = 'resolved' AND time_to_recover IS NOT NULL"),
	'a new change resolves the incident');
$node->safe_psql('postgres',
	q{SELECT mesh.alter_data_product('mon.orders_p', '{"sla": {"freshness": "1 day"}}')});

# --- freshness state survives a clean restart and a crash -------------------
$node->safe_psql('postgres', 'INSERT INTO mon.orders VALUES (3)');
my $live = $node->safe_psql('postgres',
	"SELECT last_change FROM mesh.freshness WHERE product = 'mon.orders_p'");
ok($node->poll_query_until('postgres',
		"SELECT last_change = '$live' FROM mesh.freshness_state WHERE relation = 'mon.orders'::regclass"),
	'the latest commit time is persisted');
$node->restart;
is($node->safe_psql('postgres',
		"SELECT last_change FROM mesh.freshness WHERE product = 'mon.orders_p'"),
	$live, 'after a restart mesh.freshness shows the same last change');

# a crash: kill -9 of a backend makes the postmaster reinitialise shared memory
my $victim = $node->background_psql('postgres');
my $victim_pid = $victim->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $victim_pid;
eval { $victim->quit };
ok($node->poll_query_until('postgres', 'SELECT true', 't'), 'the server is back after the crash');
is($node->safe_psql('postgres',
		"SELECT last_change FROM mesh.freshness WHERE product = 'mon.orders_p'"),
	$live, 'after a crash mesh.freshness shows the same last change');
ok($node->poll_query_until('postgres',
		"SELECT pid IS NOT NULL FROM mesh.worker_status WHERE database = 'postgres'"),
	'the scheduler is back after the crash');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mesh._freshness_live() WHERE relation = 'mon.orders'::regclass"),
	'the restarted scheduler reloaded the commit times into shared memory');

# --- kill -9 of a scheduler: restarted, its interrupted run marked failed ----
$node->safe_psql('postgres', q{
	CREATE TABLE mon.slow_src (id int, at timestamptz NOT NULL DEFAULT now());
	INSERT INTO mon.slow_src VALUES (1);
	CREATE VIEW mon.slow AS SELECT s.id, s.at FROM mon.slow_src s WHERE (SELECT true FROM pg_sleep(120));
	ALTER TABLE mon.slow_src OWNER TO mon_owner;
	ALTER VIEW mon.slow OWNER TO mon_owner;
	SELECT mesh.create_data_product('mon.slow_p', 'mon.slow',
	    '{"purpose": "slow", "sla": {"freshness": "1 day", "freshness_column": "at"}}');
});
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mesh.worker_runs WHERE status = 'running' AND task LIKE 'freshness column%'"),
	'the scheduler is measuring the slow freshness column');
my $run_id = $node->safe_psql('postgres',
	"SELECT id FROM mesh.worker_runs WHERE status = 'running' AND task LIKE 'freshness column%'");
my $old_pid = scheduler_pid('postgres');
kill 'KILL', $old_pid;
ok($node->poll_query_until('postgres',
		"SELECT pid IS NOT NULL AND pid <> $old_pid FROM mesh.worker_status WHERE database = 'postgres'"),
	'a scheduler killed with -9 is started again');
ok($node->poll_query_until('postgres',
		"SELECT status = 'failed' AND message LIKE 'interrupted%' FROM mesh.worker_runs WHERE id = $run_id"),
	'its interrupted run is marked failed');
# the new scheduler measures again; stop that measure for good
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mesh.worker_runs WHERE status = 'running' AND id > $run_id"),
	'the new scheduler measures the column again');
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM mesh.worker_status WHERE database = 'postgres'");
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM mesh.worker_runs WHERE status = 'running'"),
	'a cancelled measure is recorded as failed, not left running');
is($node->safe_psql('postgres',
		"SELECT error FROM mesh.freshness_observations o JOIN mesh.data_products p ON p.id = o.product_id WHERE p.name = 'slow_p'"),
	'canceling statement due to user request', 'the failed measure is recorded with its error');
$node->safe_psql('postgres', "SELECT mesh.drop_data_product('mon.slow_p', force => true)");

# --- retention deletes and archives expired rows in batches -----------------
$node->safe_psql('postgres', q{
	CREATE TABLE mon.events (id int PRIMARY KEY, at timestamptz NOT NULL);
	CREATE TABLE mon.events_archive (LIKE mon.events);
	ALTER TABLE mon.events OWNER TO mon_owner;
	ALTER TABLE mon.events_archive OWNER TO mon_owner;
	INSERT INTO mon.events SELECT g, now() - interval '100 days' FROM generate_series(1, 2500) g;
	INSERT INTO mon.events SELECT g, now() FROM generate_series(2501, 2600) g;
	SELECT mesh.create_data_product('mon.events_p', 'mon.events',
	    '{"purpose": "events", "retention": {"period": "90 days", "column": "at", "batch_size": 1000}}');
});
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mesh.retention_runs WHERE status = 'succeeded' AND rows = 2500"),
	'retention deleted the 2500 expired rows');
is($node->safe_psql('postgres',
		"SELECT batches || ' ' || action FROM mesh.retention_runs WHERE status = 'succeeded' AND rows = 2500"),
	'3 delete', 'in batches of 1000');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mon.events'), '100', 'recent rows are kept');
$node->safe_psql('postgres', q{
	INSERT INTO mon.events SELECT g, now() - interval '100 days' FROM generate_series(5001, 5010) g;
	SELECT mesh.alter_data_product('mon.events_p',
	    '{"retention": {"action": "archive", "archive_table": "mon.events_archive"}}');
});
ok($node->poll_query_until('postgres', 'SELECT count(*) = 10 FROM mon.events_archive'),
	'retention archived the expired rows');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mon.events'), '100', 'and removed them from the source');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM mesh.worker_status WHERE database = 'postgres' AND errors > 0 AND last_error LIKE 'retention%'"),
	'0', 'retention ran without errors');

# --- retention never waits on a locked row: it skips it, the next run takes it
$node->safe_psql('postgres', q{
	CREATE TABLE mon.locked (id int PRIMARY KEY, at timestamptz NOT NULL);
	ALTER TABLE mon.locked OWNER TO mon_owner;
	INSERT INTO mon.locked SELECT g, now() - interval '100 days' FROM generate_series(1, 50) g;
});
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN');
$holder->query_safe('SELECT id FROM mon.locked WHERE id = 7 FOR UPDATE');
$node->safe_psql('postgres', q{
	SELECT mesh.create_data_product('mon.locked_p', 'mon.locked',
	    '{"purpose": "locked", "retention": {"period": "90 days", "column": "at", "batch_size": 20}}');
});
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM mon.locked"),
	'retention deleted every expired row but the one another session holds');
is($node->safe_psql('postgres', 'SELECT id FROM mon.locked'), '7', 'the locked row is skipped, not waited for');
$holder->query_safe('COMMIT');
$holder->quit;
ok($node->poll_query_until('postgres', 'SELECT count(*) = 0 FROM mon.locked'),
	'a later run takes the row once it is released');

# --- attack: code a product owner controls runs as that owner, never as superuser
$node->safe_psql('postgres', q{
	CREATE ROLE mon_attacker LOGIN;
	GRANT mon_owner TO mon_attacker;
	CREATE TABLE mon.evil_src (id int, at timestamptz NOT NULL DEFAULT now());
	INSERT INTO mon.evil_src VALUES (1);
	ALTER TABLE mon.evil_src OWNER TO mon_owner;
	CREATE TABLE mon.evil_log (who text, superuser boolean, escalated text);
	ALTER TABLE mon.evil_log OWNER TO mon_owner;
});
$node->safe_psql('postgres', q{
	SET ROLE mon_owner;
	CREATE FUNCTION mon.escalate(ts timestamptz) RETURNS timestamptz LANGUAGE plpgsql AS $$
	DECLARE outcome text := 'blocked';
	BEGIN
	    BEGIN
	        ALTER ROLE mon_attacker SUPERUSER;
	        outcome := 'escalated';
	    EXCEPTION WHEN OTHERS THEN outcome := SQLERRM;
	    END;
	    INSERT INTO mon.evil_log SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), outcome;
	    RETURN ts;
	END $$;
	CREATE VIEW mon.evil AS SELECT e.id, mon.escalate(e.at) AS at FROM mon.evil_src e;
	RESET ROLE;
	SET ROLE mon_attacker;
	SELECT mesh.create_data_product('mon.evil_p', 'mon.evil',
	    '{"purpose": "evil", "sla": {"freshness": "1 day", "freshness_column": "at"}}');
});
ok($node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM mesh.freshness_observations o JOIN mesh.data_products p ON p.id = o.product_id WHERE p.name = 'evil_p'"),
	'the scheduler measured the freshness column of the attacker\'s product');
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'mon_attacker'"),
	'f', 'elevation_via_freshness_column: the attacker did not become superuser');
is($node->safe_psql('postgres',
		"SELECT o.error FROM mesh.freshness_observations o JOIN mesh.data_products p ON p.id = o.product_id WHERE p.name = 'evil_p'"),
	'cannot execute INSERT in a read-only transaction',
	'the measure runs in a read-only transaction: the owner\'s code could not even write its log');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mon.evil_log'), '0', 'nothing was written');
# the same code, run by the owner itself, shows what the scheduler would have been refused
$node->safe_psql('postgres', 'SET ROLE mon_owner; SELECT count(*) FROM mon.evil');
like($node->safe_psql('postgres', "SELECT who || ' ' || superuser || ' ' || escalated FROM mon.evil_log LIMIT 1"),
	qr/^mon_owner false (permission denied|must be superuser)/,
	'as its owner the escalation is refused: the scheduler lends no privilege');

# --- the scheduler's usage flush follows meshpg.usage_flush_interval --------
# 0: the scheduler never flushes; a reload to 1s makes it flush within rounds
sub scheduler_runs
{
	return $node->safe_psql('postgres',
		"SELECT runs FROM mesh.worker_status WHERE database = 'postgres' AND role = 'scheduler'");
}
$node->append_conf('postgresql.conf', 'meshpg.usage_flush_interval = 0');
$node->reload;
$node->safe_psql('postgres', q{
	SET client_min_messages = warning;
	CREATE TABLE mon.used_src AS SELECT 1 AS id;
	ALTER TABLE mon.used_src OWNER TO mon_owner;
	SELECT mesh.create_data_product('mon.used', 'mon.used_src', '{"purpose": "usage flush interval"}');
});
my $runs = scheduler_runs();
$node->safe_psql('postgres', 'SELECT count(*) FROM mon.used');
# ten rounds (2 s at a 200 ms naptime) after the read: the reload is long applied
ok($node->poll_query_until('postgres',
		"SELECT runs >= $runs + 10 FROM mesh.worker_status WHERE database = 'postgres' AND role = 'scheduler'"),
	'the scheduler ran ten rounds after the read');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mesh.usage_daily u
		JOIN mesh.data_products p ON p.id = u.product_id WHERE p.domain = 'mon' AND p.name = 'used'}),
	'0', 'meshpg.usage_flush_interval = 0: the scheduler did not flush the read');
$node->append_conf('postgresql.conf', "meshpg.usage_flush_interval = '1s'");
$node->reload;
ok($node->poll_query_until('postgres', q{SELECT coalesce(sum(u.reads), 0) = 1 FROM mesh.usage_daily u
		JOIN mesh.data_products p ON p.id = u.product_id WHERE p.domain = 'mon' AND p.name = 'used'}),
	'meshpg.usage_flush_interval = 1s: the scheduler flushed the read');

# --- meshpg.enabled = off stops the schedulers --------------------------------
$node->append_conf('postgresql.conf', 'meshpg.enabled = off');
$node->reload;
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'meshpg scheduler'"),
	'meshpg.enabled = off stops every scheduler');

$node->stop;
done_testing();
