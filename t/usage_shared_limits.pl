# The shared state of the read path keeps its limits and survives the
# events around it:
#   1. meshpg.usage_max_entries is a hard limit (a shared hash otherwise
#      grows into the spare shared memory the lock table needs);
#   2. counters and access history records of a dropped database are
#      discarded by the next flush elsewhere, instead of holding their place
#      for good (a stuck ring made every later read of every database spill
#      to a file);
#   3. a flush cannot be prepared for two-phase commit (COMMIT PREPARED
#      runs in another session, and the next flush wrote everything again);
#   4. a spill append cut short (file size limit, disk full) leaves no
#      partial record behind, so later flushes can still read the file;
#   5. the flush never renames the active spill file over a spill file left
#      by an earlier flush.
# The scheduler is off: only the test flushes.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('usage_limits');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'meshpg'
meshpg.enabled = off
meshpg.usage_max_entries = 100
meshpg.access_history_buffer = 8
meshpg.access_history_merge = off
max_prepared_transactions = 2
});
$node->start;

$node->safe_psql('postgres', q{
CREATE ROLE usage_lim_owner NOLOGIN;
CREATE ROLE usage_lim_readers NOLOGIN;
CREATE ROLE usage_lim_reader LOGIN IN ROLE usage_lim_readers;
DO $$ BEGIN
  FOR i IN 1..120 LOOP
    EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE usage_lim_readers', 'usage_lim_r' || i);
  END LOOP;
END $$;
CREATE DATABASE usage_lim_gone;
});

for my $db ('postgres', 'usage_lim_gone')
{
	$node->safe_psql($db, q{
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
SELECT mesh.create_domain('lim_d', 'usage_lim_owner');
CREATE TABLE lim_d.items_src AS SELECT g AS id, 'item ' || g AS label FROM generate_series(1, 10) g;
ALTER TABLE lim_d.items_src OWNER TO usage_lim_owner;
SELECT mesh.create_data_product('lim_d.items', 'lim_d.items_src',
    '{"purpose": "limits test items", "access_level": "restricted"}');
GRANT USAGE ON SCHEMA lim_d TO usage_lim_readers;
GRANT SELECT ON lim_d.items TO usage_lim_readers;
});
}
my $gone_oid = $node->safe_psql('postgres',
	q{SELECT oid FROM pg_database WHERE datname = 'usage_lim_gone'});
my $db_oid = $node->safe_psql('postgres',
	q{SELECT oid FROM pg_database WHERE datname = 'postgres'});
my $history_dir = $node->data_dir . '/meshpg_history';

sub files_of
{
	my ($oid) = @_;
	opendir(my $dh, $history_dir) or return 0;
	my @files = grep { /^$oid\./ } readdir($dh);
	closedir($dh);
	return scalar @files;
}

sub read_as_reader
{
	my ($n) = @_;
	$node->safe_psql('postgres', 'SELECT count(*) FROM lim_d.items;' x $n,
		extra_params => [ '-U', 'usage_lim_reader' ]);
}

sub reads_of_reader
{
	return $node->safe_psql('postgres', q{
SELECT coalesce(sum(reads), 0) FROM mesh.usage_daily WHERE role = 'usage_lim_reader'::regrole});
}

# 1. 120 roles read in one session: 120 counters, of which 100 fit.
$node->safe_psql('usage_lim_gone', q{
DO $$ BEGIN
  FOR i IN 1..120 LOOP
    EXECUTE format('SET ROLE %I', 'usage_lim_r' || i);
    PERFORM count(*) FROM lim_d.items;
    RESET ROLE;
  END LOOP;
END $$;
});
is($node->safe_psql('usage_lim_gone',
		'BEGIN; SELECT count(*) FROM mesh._usage_take(); ROLLBACK;'),
	'100', 'the shared counters stop at meshpg.usage_max_entries');
ok(files_of($gone_oid) > 0, 'the dropped database-to-be spilled history records');

# 2. The database goes away with its unflushed counters and records.
$node->safe_psql('postgres', 'DROP DATABASE usage_lim_gone WITH (FORCE)');
is($node->safe_psql('postgres', 'SELECT mesh.flush_usage()'), '0',
	'a flush elsewhere writes nothing of the dropped database');
is(files_of($gone_oid), 0, 'and removes its spill files');
read_as_reader(1);
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
is(reads_of_reader(), '1', 'a read after the drop finds room in the shared counters');
read_as_reader(8);
is(files_of($db_oid), 0, 'the ring is not stuck behind the dropped database: 8 reads fit in 8 slots');
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
is(reads_of_reader(), '9', 'and are counted');

# 3. A flush in a transaction prepared for two-phase commit is refused.
read_as_reader(3);
my ($ret, $out, $err) = $node->psql('postgres',
	"BEGIN; SELECT mesh.flush_usage(); PREPARE TRANSACTION 'usage_lim_2pc';");
like($err, qr/cannot prepare a transaction that flushed/, 'PREPARE TRANSACTION after a flush is refused');
$node->psql('postgres', "COMMIT PREPARED 'usage_lim_2pc'");
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
is(reads_of_reader(), '12', 'the reads are counted once');
is($node->safe_psql('postgres', q{
SELECT sum(reads) FROM mesh.access_history_log WHERE role = 'usage_lim_reader'::regrole}),
	'12', 'and recorded once');

# 4. A spill append cut short by the file size limit.  Measure the record
#    size: a ninth read spills exactly one record.
read_as_reader(9);
my $active = "$history_dir/$db_oid.active";
my $record_size = -s $active;
ok($record_size > 0, "one spilled record is $record_size bytes");
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
read_as_reader(8);    # the ring is full again

# Fill the active spill file with ignored records (database 0) up to just
# below a size limit that is not a multiple of the record size, and above
# the size of a WAL segment.
my $limit = 17 * 1024 * 1024;
$limit += 100 if $limit % $record_size == 0;
my $filler = int($limit / $record_size);
open(my $fh, '>', $active) or die "could not create $active: $!";
binmode $fh;
print $fh "\0" x ($filler * $record_size);
close($fh);

my $postmaster_pid = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
system('prlimit', '--pid', $postmaster_pid, "--fsize=$limit:") == 0
  or die 'prlimit failed';
($ret, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM lim_d.items',
	extra_params => [ '-U', 'usage_lim_reader' ]);
system('prlimit', '--pid', $postmaster_pid, '--fsize=unlimited:') == 0
  or die 'prlimit failed';
like($err, qr/could not record access history/, 'a read whose record cannot be spilled is refused');
is((-s $active) % $record_size, 0, 'no partial record is left in the spill file');

read_as_reader(1);
($ret, $out, $err) = $node->psql('postgres', 'SELECT mesh.flush_usage()');
is($ret, 0, 'the next flush reads the spill file') or diag($err);
is($node->safe_psql('postgres', q{
SELECT sum(reads) FROM mesh.access_history_log WHERE role = 'usage_lim_reader'::regrole}),
	'30', 'every read that was not refused is recorded');

# 5. The flush renames the active spill file to a fresh name: the sequence
#    of names restarts from the clock at each server start, and a spill file
#    an earlier flush did not write out may bear the name it gives.  Spill
#    files for every name of the seconds around the start (each holding one
#    copy of a real record) must all be read, none overwritten.
my $recorded_before = $node->safe_psql('postgres', q{
SELECT sum(reads) FROM mesh.access_history_log WHERE role = 'usage_lim_reader'::regrole});
read_as_reader(9);
my $template = slurp_file($active);
is(length($template), $record_size, 'one record spilled');
my $started = $node->safe_psql('postgres',
	'SELECT floor(extract(epoch FROM pg_postmaster_start_time()))::bigint');
my $leftovers = 0;
for my $seq (($started - 2) * 1000 .. ($started + 2) * 1000 - 1)
{
	my $path = "$history_dir/$db_oid.$seq.spill";
	open(my $sfh, '>', $path) or die "could not create $path: $!";
	binmode $sfh;
	print $sfh $template;
	close($sfh);
	$leftovers++;
}
$node->safe_psql('postgres', 'SELECT mesh.flush_usage()');
is($node->safe_psql('postgres', q{
SELECT sum(reads) FROM mesh.access_history_log WHERE role = 'usage_lim_reader'::regrole}),
	$recorded_before + 9 + $leftovers, 'no leftover spill file is overwritten by the flush');
is(files_of($db_oid), 0, 'and every spill file is removed once written out');

$node->stop;
done_testing();
