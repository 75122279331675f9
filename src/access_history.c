/*-------------------------------------------------------------------------
 *
 * access_history.c
 *	  The access history's shared ring buffer: who read which columns of
 *	  which product, and when, recorded without a write on the read path.
 *
 * A read of a port whose product keeps an access history (see usage.c)
 * appends one fixed-size record to a ring in shared memory under the ring's
 * spinlock (a short, I/O-free critical section); history_lock, an LWLock,
 * serialises only the slow paths: spill file appends and the flush's rename
 * of the active spill file.  mesh.flush_usage() copies this database's unconsumed
 * records out with mesh._access_history_take(), inserts them into
 * mesh.access_history_log and, when its transaction commits, marks them
 * consumed; the ring's tail then advances over consumed records.  A flush
 * that fails consumes nothing.
 *
 * Identical reads are merged: a read by the same roles, of the same columns,
 * with the same query id, in the same second as one of the last
 * HISTORY_MERGE_WINDOW unflushed records adds one to that record's count
 * (meshpg.access_history_merge, on by default).  A busy port then costs one
 * row per query and second rather than one per read, which is what keeps the
 * flush cheap at tens of thousands of reads a second.
 *
 * No record is ever lost.  When the ring is full, the reader appends its
 * record to the spill file $PGDATA/meshpg_history/<dboid>.active (under the
 * same lock, so appends never interleave); an I/O error there fails the read
 * rather than let it go unrecorded.  A flush renames the active file to
 * <dboid>.<n>.spill under the lock, reads every <dboid>.*.spill file and
 * removes them when its transaction commits (an aborted flush leaves them
 * for the next).  At a clean shutdown the postmaster writes the ring's
 * unconsumed records to spill files, so they survive a restart too.  Spill
 * files are not fsync'd: like the ring, they can be lost in an operating
 * system crash.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/file_perm.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "meshpg/usage.h"

PG_FUNCTION_INFO_V1(meshpg_access_history_take);
PG_FUNCTION_INFO_V1(meshpg_access_history_auditor);

#define HISTORY_DIR "meshpg_history"
#define HISTORY_COL_BYTES ((MaxHeapAttributeNumber + 7) / 8)

/* one read; also the on-disk format of spill files */
typedef struct HistoryRecord
{
	Oid			dbid;
	Oid			port;
	Oid			role;
	Oid			user_role;		/* current user of the statement */
	Oid			login_role;		/* session user */
	bool		consumed;		/* taken by a committed flush */
	bool		taken;			/* copied by a flush in progress: no merging */
	bool		all_columns;	/* whole-row reference */
	int64		product_id;
	int64		reads;			/* identical reads merged into this record */
	TimestampTz read_at;		/* first of them */
	TimestampTz last_read_at;	/* last of them */
	uint64		query_id;
	uint8		cols[HISTORY_COL_BYTES];	/* bit n-1 = attnum n */
} HistoryRecord;

typedef struct HistoryRing
{
	slock_t		mutex;			/* protects everything below but spill_seq, spilled */
	uint64		head;			/* next slot to write (monotonic) */
	uint64		tail;			/* oldest unconsumed slot (monotonic) */
	uint64		spill_seq;		/* names renamed spill files (history_lock) */
	uint64		spilled;		/* records written to spill files (history_lock) */
	HistoryRecord records[FLEXIBLE_ARRAY_MEMBER];
} HistoryRing;

/* how many of the newest records a read may be merged into */
#define HISTORY_MERGE_WINDOW 8

static int	history_buffer = 4096;
static bool history_merge = true;
static char *history_auditor = NULL;
static LWLock *history_lock = NULL;
static HistoryRing *ring = NULL;

/* what mesh._access_history_take() took in this transaction */
static uint64 *pending_positions = NULL;
static long pending_count = 0;
static List *pending_files = NIL;
static SubTransactionId pending_subid = InvalidSubTransactionId;
static bool pending_active = false;

static void history_xact_callback(XactEvent event, void *arg);
static void history_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									 SubTransactionId parentSubid, void *arg);

void
meshpg_access_history_define_gucs(void)
{
	DefineCustomIntVariable("meshpg.access_history_buffer",
							"Number of access history records kept in shared memory between flushes.",
							"When it is full, readers append their records to spill files in the data directory.",
							&history_buffer,
							4096, 1, 1024 * 1024,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("meshpg.access_history_merge",
							 "Merges identical reads (same role, columns and query id within one second) into one access history record with a count.",
							 NULL,
							 &history_merge,
							 true,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("meshpg.access_history_auditor",
							   "Role whose members may read the whole access history.",
							   "Product owners see the history of their own products.",
							   &history_auditor,
							   "",
							   PGC_SUSET, 0,
							   NULL, NULL, NULL);
	RegisterXactCallback(history_xact_callback, NULL);
	RegisterSubXactCallback(history_subxact_callback, NULL);
}

static Size
history_shmem_size(void)
{
	return add_size(offsetof(HistoryRing, records),
					mul_size(history_buffer, sizeof(HistoryRecord)));
}

void
meshpg_access_history_shmem_request(void)
{
	RequestAddinShmemSpace(history_shmem_size());
	RequestNamedLWLockTranche("meshpg_access_history", 1);
}

/* plain write(2): callable from the postmaster at exit; false on failure */
static bool
spill_write(const char *path, const HistoryRecord *records, long n)
{
	int			fd;
	size_t		len = sizeof(HistoryRecord) * n;
	ssize_t		written;
	struct stat st;

	if (n == 0)
		return true;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | PG_BINARY, pg_file_create_mode);
	if (fd < 0 && errno == ENOENT)
	{
		(void) MakePGDirectory(HISTORY_DIR);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | PG_BINARY, pg_file_create_mode);
	}
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0)
	{
		int			save_errno = errno;

		close(fd);
		errno = save_errno;
		return false;
	}
	errno = 0;
	written = write(fd, records, len);
	if (written < 0 || (size_t) written != len)
	{
		int			save_errno = errno ? errno : ENOSPC;	/* short write: disk full */

		/*
		 * Cut off what was written of the record, or every later append
		 * would be misaligned and the file unreadable for every flush.  The
		 * caller refuses the read, so the record is rightly gone.
		 */
		if (written > 0 && ftruncate(fd, st.st_size) != 0)
			elog(LOG, "could not truncate meshpg access history file \"%s\" after a failed write: %m", path);
		close(fd);
		errno = save_errno;
		return false;
	}
	if (close(fd) != 0)
		return false;
	return true;
}

/* at a clean shutdown, keep the unconsumed records in spill files */
static void
history_shmem_shutdown(int code, Datum arg)
{
	if (code != 0 || ring == NULL)
		return;
	for (uint64 pos = ring->tail; pos < ring->head; pos++)
	{
		HistoryRecord *rec = &ring->records[pos % history_buffer];
		char		path[MAXPGPATH];

		if (rec->consumed)
			continue;
		snprintf(path, sizeof(path), "%s/%u.shutdown.spill", HISTORY_DIR, rec->dbid);
		if (!spill_write(path, rec, 1))
			elog(LOG, "could not write meshpg access history record to \"%s\": %m", path);
	}
}

void
meshpg_access_history_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	history_lock = &(GetNamedLWLockTranche("meshpg_access_history"))->lock;
	ring = ShmemInitStruct("meshpg access history", history_shmem_size(), &found);
	if (!found)
	{
		SpinLockInit(&ring->mutex);
		ring->head = 0;
		ring->tail = 0;
		ring->spill_seq = (uint64) time(NULL) * 1000;
		ring->spilled = 0;
	}
	LWLockRelease(AddinShmemInitLock);

	if (!IsUnderPostmaster)
	{
		(void) MakePGDirectory(HISTORY_DIR);
		on_shmem_exit(history_shmem_shutdown, (Datum) 0);
	}
}

static void
advance_tail(void)
{
	while (ring->tail < ring->head &&
		   ring->records[ring->tail % history_buffer].consumed)
		ring->tail++;
}

/* adds rec to an identical recent record; caller holds ring->mutex */
static bool
merge_into_recent(const HistoryRecord *rec)
{
	int64		second = rec->read_at / USECS_PER_SEC;

	for (uint64 pos = ring->head; pos > ring->tail && ring->head - pos < HISTORY_MERGE_WINDOW; pos--)
	{
		HistoryRecord *old = &ring->records[(pos - 1) % history_buffer];

		if (old->consumed || old->taken || old->dbid != rec->dbid ||
			old->port != rec->port || old->role != rec->role || old->user_role != rec->user_role ||
			old->login_role != rec->login_role ||
			old->product_id != rec->product_id || old->query_id != rec->query_id ||
			old->all_columns != rec->all_columns ||
			old->read_at / USECS_PER_SEC != second ||
			memcmp(old->cols, rec->cols, HISTORY_COL_BYTES) != 0)
			continue;
		old->reads++;
		if (rec->read_at > old->last_read_at)
			old->last_read_at = rec->read_at;
		return true;
	}
	return false;
}

void
meshpg_access_history_record(int64 product_id, Oid port, Oid role, Oid user_role,
							 Oid login_role,
							 TimestampTz read_at, uint64 query_id,
							 const Bitmapset *cols)
{
	HistoryRecord rec;
	int			member = -1;

	if (ring == NULL)
		return;

	memset(&rec, 0, sizeof(rec));
	rec.dbid = MyDatabaseId;
	rec.port = port;
	rec.role = role;
	rec.user_role = user_role;
	rec.login_role = login_role;
	rec.product_id = product_id;
	rec.reads = 1;
	rec.read_at = read_at;
	rec.last_read_at = read_at;
	rec.query_id = query_id;
	while ((member = bms_next_member(cols, member)) >= 0)
	{
		int			attnum = member + FirstLowInvalidHeapAttributeNumber;

		if (attnum == 0)
			rec.all_columns = true;
		else if (attnum > 0 && attnum <= MaxHeapAttributeNumber)
			rec.cols[(attnum - 1) / 8] |= (uint8) (1 << ((attnum - 1) % 8));
	}

	/* the common case: merge or append under the spinlock */
	SpinLockAcquire(&ring->mutex);
	advance_tail();
	if (history_merge && merge_into_recent(&rec))
	{
		SpinLockRelease(&ring->mutex);
		return;
	}
	if (ring->head - ring->tail < (uint64) history_buffer)
	{
		ring->records[ring->head % history_buffer] = rec;
		ring->head++;
		SpinLockRelease(&ring->mutex);
		return;
	}
	SpinLockRelease(&ring->mutex);

	/* the ring is full: append to the spill file, one writer at a time */
	LWLockAcquire(history_lock, LW_EXCLUSIVE);
	{
		char		path[MAXPGPATH];

		snprintf(path, sizeof(path), "%s/%u.active", HISTORY_DIR, MyDatabaseId);
		if (!spill_write(path, &rec, 1))
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not record access history in \"%s\": %m", path),
					 errdetail("The access history buffer is full and its spill file cannot be written; the read is refused so that no read goes unrecorded."),
					 errhint("Call mesh.flush_usage(), check the free space of the data directory, or raise meshpg.access_history_buffer.")));
		ring->spilled++;
	}
	LWLockRelease(history_lock);
}

/* ---- the flush side --------------------------------------------------- */

static void
clear_pending(void)
{
	pending_positions = NULL;	/* in TopTransactionContext */
	pending_count = 0;
	pending_files = NIL;
	pending_active = false;
}

/* a flush that did not commit: its records may be merged into again */
static void
release_taken(void)
{
	SpinLockAcquire(&ring->mutex);
	for (long i = 0; i < pending_count; i++)
	{
		uint64		pos = pending_positions[i];

		if (pos >= ring->tail && pos < ring->head)
			ring->records[pos % history_buffer].taken = false;
	}
	SpinLockRelease(&ring->mutex);
}

static void
history_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (!pending_active)
		return;
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:

			/*
			 * COMMIT PREPARED runs in another session, which cannot mark the
			 * records consumed: the next flush would write them again.
			 */
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot prepare a transaction that flushed the access history"),
					 errdetail("The records a flush takes are marked written only when its own session commits."),
					 errhint("Call mesh.flush_usage() outside of transactions that are prepared for two-phase commit.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			SpinLockAcquire(&ring->mutex);
			for (long i = 0; i < pending_count; i++)
			{
				uint64		pos = pending_positions[i];

				if (pos >= ring->tail && pos < ring->head)
					ring->records[pos % history_buffer].consumed = true;
			}
			advance_tail();
			SpinLockRelease(&ring->mutex);
			foreach(lc, pending_files)
			{
				const char *path = lfirst(lc);

				if (unlink(path) != 0)
					ereport(LOG,
							(errcode_for_file_access(),
							 errmsg("could not remove flushed access history file \"%s\": %m", path),
							 errhint("Remove it by hand, or its records are flushed again.")));
			}
			clear_pending();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			release_taken();
			clear_pending();
			break;
		default:
			break;
	}
}

static void
history_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	if (!pending_active || mySubid != pending_subid)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		pending_subid = parentSubid;
	else if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		release_taken();
		clear_pending();
	}
}

static void
put_record(ReturnSetInfo *rsinfo, const HistoryRecord *rec)
{
	Datum		values[11];
	bool		nulls[11] = {false, false, false, false, false, false, false, false, false, false, false};
	Datum	   *attnums;
	int			n = 0;
	ArrayType  *arr;

	attnums = palloc(sizeof(Datum) * MaxHeapAttributeNumber);
	for (int a = 1; a <= MaxHeapAttributeNumber; a++)
		if (rec->cols[(a - 1) / 8] & (1 << ((a - 1) % 8)))
			attnums[n++] = Int16GetDatum((int16) a);
	arr = construct_array(attnums, n, INT2OID, sizeof(int16), true, TYPALIGN_SHORT);

	values[0] = Int64GetDatum(rec->product_id);
	values[1] = ObjectIdGetDatum(rec->port);
	values[2] = ObjectIdGetDatum(rec->role);
	values[3] = TimestampTzGetDatum(rec->read_at);
	values[4] = Int64GetDatum((int64) rec->query_id);
	values[5] = BoolGetDatum(rec->all_columns);
	values[6] = PointerGetDatum(arr);
	values[7] = Int64GetDatum(rec->reads);
	values[8] = TimestampTzGetDatum(rec->last_read_at);
	values[9] = ObjectIdGetDatum(rec->user_role);
	values[10] = ObjectIdGetDatum(rec->login_role);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	pfree(attnums);
	pfree(arr);
}

/* reads a spill file; false if it vanished */
static bool
read_spill_file(ReturnSetInfo *rsinfo, const char *path)
{
	int			fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	HistoryRecord rec;
	ssize_t		got;

	if (fd < 0)
	{
		if (errno == ENOENT)
			return false;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open access history file \"%s\": %m", path),
				 errhint("Check the permissions of the directory %s in the data directory.", HISTORY_DIR)));
	}
	while ((got = read(fd, &rec, sizeof(rec))) == (ssize_t) sizeof(rec))
	{
		if (rec.dbid == MyDatabaseId)
			put_record(rsinfo, &rec);
	}
	if (got != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("access history file \"%s\" is truncated", path),
				 errdetail("Its size is not a multiple of the record size %zu.", sizeof(rec)),
				 errhint("Move the file out of %s; it was written by another build of meshpg or damaged.", HISTORY_DIR)));
	CloseTransientFile(fd);
	return true;
}

/* does the database still exist? (needs a transaction) */
static bool
database_exists(Oid dbid)
{
	return SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(dbid));
}

/*
 * Records of a dropped database are never flushed: marked consumed, or the
 * ring's tail would stop behind them for good and every later read of every
 * database would spill to a file.  At most a few databases per flush.
 */
static void
discard_dropped_databases(void)
{
	Oid			others[8];
	int			nothers = 0;
	Oid			gone[8];
	int			ngone = 0;

	SpinLockAcquire(&ring->mutex);
	advance_tail();
	for (uint64 pos = ring->tail; pos < ring->head && nothers < lengthof(others); pos++)
	{
		HistoryRecord *rec = &ring->records[pos % history_buffer];
		bool		seen = false;

		if (rec->consumed || rec->dbid == MyDatabaseId)
			continue;
		for (int i = 0; i < nothers; i++)
			seen |= others[i] == rec->dbid;
		if (!seen)
			others[nothers++] = rec->dbid;
	}
	SpinLockRelease(&ring->mutex);

	for (int i = 0; i < nothers; i++)
		if (!database_exists(others[i]))
			gone[ngone++] = others[i];
	if (ngone == 0)
		return;

	SpinLockAcquire(&ring->mutex);
	for (uint64 pos = ring->tail; pos < ring->head; pos++)
	{
		HistoryRecord *rec = &ring->records[pos % history_buffer];

		for (int i = 0; i < ngone; i++)
			if (rec->dbid == gone[i])
				rec->consumed = true;
	}
	advance_tail();
	SpinLockRelease(&ring->mutex);
}

/* a spill file "<dboid>.*" of a dropped database is removed */
static void
remove_file_of_dropped_database(const char *name)
{
	char	   *end;
	unsigned long dbid;
	char		path[MAXPGPATH];

	if (name[0] < '0' || name[0] > '9')
		return;
	errno = 0;
	dbid = strtoul(name, &end, 10);
	if (errno != 0 || *end != '.' || dbid == 0 || dbid > PG_UINT32_MAX ||
		database_exists((Oid) dbid))
		return;
	snprintf(path, sizeof(path), "%s/%s", HISTORY_DIR, name);
	if (unlink(path) != 0 && errno != ENOENT)
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not remove access history file \"%s\" of a dropped database: %m", path)));
}

/*
 * mesh._access_history_take(): this database's unflushed access history
 * records (product_id, port, role, read_at, query_id, all_columns, attnums,
 * reads, last_read_at, user_role, login_role).
 * They are consumed when the calling transaction commits; once per
 * transaction.
 */
Datum
meshpg_access_history_take(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char		active[MAXPGPATH];
	char		renamed[MAXPGPATH];
	char		prefix[32];
	uint64	   *positions;
	HistoryRecord *copies;
	long		n = 0,
				capacity = 0;
	DIR		   *dir;
	struct dirent *de;
	MemoryContext oldcxt;

	InitMaterializedSRF(fcinfo, 0);
	if (ring == NULL)
		return (Datum) 0;
	if (pending_active)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the access history was already flushed in this transaction"),
				 errdetail("The records a flush takes are released when its transaction commits."),
				 errhint("Commit, then call mesh.flush_usage() again.")));

	snprintf(active, sizeof(active), "%s/%u.active", HISTORY_DIR, MyDatabaseId);

	discard_dropped_databases();

	/* history_lock: no spill file append while the active file is renamed */
	LWLockAcquire(history_lock, LW_EXCLUSIVE);

	/* count, allocate outside the spinlock, then copy at most that many */
	SpinLockAcquire(&ring->mutex);
	advance_tail();
	for (uint64 pos = ring->tail; pos < ring->head; pos++)
	{
		HistoryRecord *rec = &ring->records[pos % history_buffer];

		if (rec->dbid == MyDatabaseId && !rec->consumed)
			capacity++;
	}
	SpinLockRelease(&ring->mutex);
	positions = MemoryContextAlloc(TopTransactionContext, sizeof(uint64) * Max(capacity, 1));
	copies = palloc(sizeof(HistoryRecord) * Max(capacity, 1));
	SpinLockAcquire(&ring->mutex);
	for (uint64 pos = ring->tail; pos < ring->head && n < capacity; pos++)
	{
		HistoryRecord *rec = &ring->records[pos % history_buffer];

		if (rec->dbid != MyDatabaseId || rec->consumed)
			continue;
		rec->taken = true;
		positions[n] = pos;
		copies[n] = *rec;
		n++;
	}
	SpinLockRelease(&ring->mutex);

	/* from here an error releases the taken records (abort callbacks) */
	pending_positions = positions;
	pending_count = n;
	pending_files = NIL;
	pending_subid = GetCurrentSubTransactionId();
	pending_active = true;

	/*
	 * A fresh name: spill_seq restarts from the clock at each server start,
	 * and a spill file an earlier flush could not write out may still bear
	 * the name it gives; renaming over it would lose its records.
	 */
	do
		snprintf(renamed, sizeof(renamed), "%s/%u.%llu.spill", HISTORY_DIR, MyDatabaseId,
				 (unsigned long long) ring->spill_seq++);
	while (access(renamed, F_OK) == 0);
	if (rename(active, renamed) != 0 && errno != ENOENT)
	{
		int			save_errno = errno;

		LWLockRelease(history_lock);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rename access history file \"%s\" to \"%s\": %m", active, renamed),
				 errhint("Check the permissions of the directory %s in the data directory.", HISTORY_DIR)));
	}
	LWLockRelease(history_lock);

	for (long i = 0; i < n; i++)
		put_record(rsinfo, &copies[i]);
	pfree(copies);

	/* every spill file of this database: this one and any left by earlier flushes */
	snprintf(prefix, sizeof(prefix), "%u.", MyDatabaseId);
	dir = AllocateDir(HISTORY_DIR);
	while ((de = ReadDir(dir, HISTORY_DIR)) != NULL)
	{
		size_t		len = strlen(de->d_name);
		char		path[MAXPGPATH];

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
		{
			remove_file_of_dropped_database(de->d_name);
			continue;
		}
		if (len < 6 ||
			strcmp(de->d_name + len - 6, ".spill") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", HISTORY_DIR, de->d_name);
		if (read_spill_file(rsinfo, path))
		{
			oldcxt = MemoryContextSwitchTo(TopTransactionContext);
			pending_files = lappend(pending_files, pstrdup(path));
			MemoryContextSwitchTo(oldcxt);
		}
	}
	FreeDir(dir);
	return (Datum) 0;
}

/* mesh._access_history_auditor(): the role named by meshpg.access_history_auditor */
Datum
meshpg_access_history_auditor(PG_FUNCTION_ARGS)
{
	Oid			role;

	if (history_auditor == NULL || history_auditor[0] == '\0')
		PG_RETURN_NULL();
	role = get_role_oid(history_auditor, true);
	if (!OidIsValid(role))
		PG_RETURN_NULL();
	PG_RETURN_OID(role);
}
