# Usage counts and the access history are complete under concurrent readers:
# with a ring buffer of 4 records, pgbench clients read a restricted product
# while another client flushes; every read is counted and recorded exactly
# once.  Readers that find the ring full spill to files that the flush
# collects; a clean restart keeps what was not flushed.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('usage_history');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'meshpg'
meshpg.access_history_buffer = 4
meshpg.access_history_merge = off
max_connections = 40
# the flushes are the test's own: a scheduler flush at the moment of one of
# them would make it write nothing (it does not wait) before counts() reads
meshpg.usage_flush_interval = 0
});
$node->start;

$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
CREATE ROLE usage_tap_owner NOLOGIN;
CREATE ROLE usage_tap_reader LOGIN;
SELECT mesh.create_domain('tap_d', 'usage_tap_owner');
CREATE TABLE tap_d.items_src AS SELECT g AS id, 'item ' || g AS label FROM generate_series(1, 100) g;
ALTER TABLE tap_d.items_src OWNER TO usage_tap_owner;
SELECT mesh.create_data_product('tap_d.items', 'tap_d.items_src',
    '{"purpose": "tap test items", "access_level": "restricted"}');
GRANT USAGE ON SCHEMA tap_d TO usage_tap_reader;
GRANT SELECT ON tap_d.items TO usage_tap_reader;
});

sub counts
{
	return $node->safe_psql('postgres', q{
SELECT (SELECT coalesce(sum(reads), 0) FROM mesh.usage_daily u JOIN mesh.data_products p ON p.id = u.product_id
         WHERE p.domain = 'tap_d' AND u.role = 'usage_tap_reader'::regrole)
       || ' ' ||
       (SELECT coalesce(sum(reads), 0) FROM mesh.access_history_log WHERE product = 'tap_d.items'
           AND role = 'usage_tap_reader'::regrole AND columns = '{id,label}')});
}

sub spill_files
{
	my $dir = $node->data_dir . '/meshpg_history';
	opendir(my $dh, $dir) or return 0;
	my @files = grep { /\.(active|spill)$/ } readdir($dh);
	closedir($dh);
	return scalar @files;
}

# 1. The ring holds 4 records and identical reads are not merged (set
#    above): 50 reads with no flush spill 46 of them.
$node->pgbench('-n -c 2 -j 2 -t 25 -U usage_tap_reader', 0,
	[qr{processed: 50/50}], [qr{^$}], 'readers without a flush',
	{ 'usage_read_1' => "\\set id random(1, 100)\nSELECT id, label FROM tap_d.items WHERE id = :id;\n" });
ok(spill_files() > 0, 'a full ring spills records to a file in the data directory');
like($node->safe_psql('postgres', 'SELECT mesh.flush_usage()'), qr/^[0-9]+$/, 'the flush succeeds');
is(counts(), '50 50', 'every read is counted and recorded once, spilled ones included');
is(spill_files(), 0, 'the flush removes the spill files it wrote out');
is($node->safe_psql('postgres', 'SELECT mesh.flush_usage()'), '0', 'a second flush finds nothing');

# 2. Concurrent readers and a concurrent flusher.
my $flush_script = $node->basedir . '/flush.sql';
append_to_file($flush_script, "SELECT mesh.flush_usage();\n\\sleep 20 ms\n");
my ($fout, $ferr) = ('', '');
my $flusher = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '1', '-T', '4', '-f', $flush_script,
	  '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$fout, '2>', \$ferr);
$node->pgbench('-n -c 6 -j 2 -t 300 -U usage_tap_reader', 0,
	[qr{processed: 1800/1800}], [qr{^$}], 'concurrent readers during flushes',
	{ 'usage_read_2' => "\\set id random(1, 100)\nSELECT id, label FROM tap_d.items WHERE id = :id;\n" });
ok($flusher->finish, 'the concurrent flusher ran without error') or diag($ferr);
like($fout, qr{processed: [1-9]}, 'the flusher flushed while readers read');
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
is(counts(), '1850 1850', 'after the last flush: 1850 reads counted and recorded, none lost, none twice');

# 2b. The same with merging on: reads merge into records that concurrent
#     flushes are taking (a taken record is never merged into).
$node->append_conf('postgresql.conf', "meshpg.access_history_merge = on\n");
$node->reload;
$flusher = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '1', '-T', '4', '-f', $flush_script,
	  '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$fout, '2>', \$ferr);
$node->pgbench('-n -c 6 -j 2 -t 300 -U usage_tap_reader', 0,
	[qr{processed: 1800/1800}], [qr{^$}], 'concurrent readers during flushes, merging',
	{ 'usage_read_2b' => "\\set id random(1, 100)\nSELECT id, label FROM tap_d.items WHERE id = :id;\n" });
ok($flusher->finish, 'the concurrent flusher ran without error') or diag($ferr);
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
is(counts(), '3650 3650', 'merged: 3650 reads counted and recorded, none lost, none twice');
ok($node->safe_psql('postgres', q{SELECT count(*) FROM mesh.access_history_log WHERE reads > 1}) > 0,
	'identical reads were merged into records with a count');

# 3. A clean restart keeps what was not flushed (ring, spill files, counters).
$node->pgbench('-n -c 2 -j 2 -t 20 -U usage_tap_reader', 0,
	[qr{processed: 40/40}], [qr{^$}], 'readers before a restart',
	{ 'usage_read_3' => "SELECT id, label FROM tap_d.items WHERE id = 1;\n" });
$node->restart;
ok(-e $node->data_dir . '/meshpg_usage.counters' ? 0 : 1, 'the counters file is consumed at start');
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
is(counts(), '3690 3690', 'reads before a clean restart are flushed after it');

# 4. Reads that fail the permission check are neither counted nor recorded.
$node->safe_psql('postgres', 'CREATE ROLE usage_tap_stranger LOGIN');
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT * FROM tap_d.items',
	extra_params => [ '-U', 'usage_tap_stranger' ]);
like($err, qr{permission denied}, 'a stranger is refused');
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mesh.access_history_log
	WHERE role = 'usage_tap_stranger'::regrole}), '0', 'a refused read leaves no record');

$node->stop;
done_testing();
