# Commit-time freshness tracking in the shared hash:
#   1. a backend whose cache of tracked relations could not be built (its
#      read of mesh.freshness_sources failed: lock timeout, cancel) builds
#      it again at its next change, instead of keeping an empty cache and
#      missing every change of the session;
#   2. meshpg.max_tracked_relations is a hard limit (a shared hash otherwise
#      grows into the spare shared memory the lock table needs), and the
#      entries of a dropped database are forgotten by the schedulers so that
#      they do not hold their place for good.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('freshness_tracking');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'meshpg'
meshpg.naptime = '200ms'
meshpg.max_tracked_relations = 100
});
$node->start;

$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
CREATE ROLE fresh_trk_owner NOLOGIN;
SELECT mesh.create_domain('trk_d', 'fresh_trk_owner');
CREATE TABLE trk_d.src (id int);
INSERT INTO trk_d.src VALUES (1);
ALTER TABLE trk_d.src OWNER TO fresh_trk_owner;
SELECT mesh.create_data_product('trk_d.p', 'trk_d.src', '{"purpose": "freshness tracking"}');
});

sub live_changes
{
	my ($db, $rel) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) FROM mesh._freshness_live() WHERE relation = '$rel'::regclass");
}

# 1. Another session holds mesh.freshness_sources locked while this session's
#    first change builds its cache: the change fails on the lock timeout.
#    Once the lock is gone, the session's next change is tracked.
my ($in, $out, $err) = ('', '', '');
my $holder = IPC::Run::start(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'),
	  '-c', "SET application_name = 'fresh_trk_holder'",
	  '-c', 'BEGIN', '-c', 'LOCK TABLE mesh.freshness_sources IN ACCESS EXCLUSIVE MODE',
	  '-c', 'SELECT pg_sleep(120)' ],
	'<', \$in, '>', \$out, '2>', \$err);
ok($node->poll_query_until('postgres', q{
SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE a.application_name = 'fresh_trk_holder' AND l.relation = 'mesh.freshness_sources'::regclass
   AND l.mode = 'AccessExclusiveLock' AND l.granted)}), 'another session locks mesh.freshness_sources');
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
SET lock_timeout = '200ms';
UPDATE trk_d.src SET id = id;
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fresh_trk_holder';
SELECT pg_sleep(0.2);
UPDATE trk_d.src SET id = id;
}, on_error_stop => 0);
like($stderr, qr/lock timeout/, 'the first change waited for the lock and failed');
$holder->finish;
is(live_changes('postgres', 'trk_d.src'), '1', 'the next change of the same session is tracked');

# 2. The limit: 120 tracked relations changed, at most 100 entries.
$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE DATABASE fresh_trk_gone;
});
$node->safe_psql('fresh_trk_gone', q{
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
SELECT mesh.create_domain('many_d', 'fresh_trk_owner');
DO $$ BEGIN
  FOR i IN 1..120 LOOP
    EXECUTE format('CREATE TABLE many_d.%I (id int)', 's' || i);
    EXECUTE format('ALTER TABLE many_d.%I OWNER TO fresh_trk_owner', 's' || i);
  END LOOP;
END $$;
CREATE VIEW many_d.all_sources AS
SELECT id FROM many_d.s1
} . join('', map { "UNION ALL SELECT id FROM many_d.s$_\n" } 2 .. 120) . q{;
ALTER VIEW many_d.all_sources OWNER TO fresh_trk_owner;
SELECT mesh.create_data_product('many_d.p', 'many_d.all_sources', '{"purpose": "many sources"}');
});
is($node->safe_psql('fresh_trk_gone', q{
SELECT count(*) FROM mesh.freshness_sources s JOIN mesh.data_products p ON p.id = s.product_id
 WHERE p.domain = 'many_d'}), '120', 'one product with 120 tracked sources');
$node->safe_psql('fresh_trk_gone', q{
DO $$ BEGIN
  FOR i IN 1..120 LOOP
    EXECUTE format('INSERT INTO many_d.%I VALUES (1)', 's' || i);
  END LOOP;
END $$;
});
ok($node->safe_psql('fresh_trk_gone', 'SELECT count(*) FROM mesh._freshness_live()') <= 100,
	'the shared hash keeps at most meshpg.max_tracked_relations entries');

# The database is dropped: its entries make room for changes elsewhere.
$node->safe_psql('postgres', 'DROP DATABASE fresh_trk_gone WITH (FORCE)');
$node->safe_psql('postgres', q{
CREATE TABLE trk_d.src2 (id int);
ALTER TABLE trk_d.src2 OWNER TO fresh_trk_owner;
SELECT mesh.create_data_product('trk_d.p2', 'trk_d.src2', '{"purpose": "after the drop"}');
});
# the scheduler (naptime 200 ms) forgets the dropped database within a few rounds
my $tracked = 0;
for my $try (1 .. 50)
{
	$tracked = $node->safe_psql('postgres', q{
INSERT INTO trk_d.src2 VALUES (1);
SELECT count(*) FROM mesh._freshness_live() WHERE relation = 'trk_d.src2'::regclass});
	last if $tracked eq '1';
	usleep(200_000);
}
is($tracked, '1', 'a change after the drop finds room in the shared hash');

$node->stop;
done_testing();
