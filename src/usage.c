/*-------------------------------------------------------------------------
 *
 * usage.c
 *	  Usage counting in the read path: reads per product, per role, per day.
 *
 * A read is one execution of a statement whose plan reads an output port.
 * PostgreSQL 15 keeps the view's permission-checking RTE (RTE_RELATION,
 * relkind 'v', requiredPerms ACL_SELECT) in the PlannedStmt's flat range
 * table after the rewriter has expanded the view, so an ExecutorStart hook
 * sees every port a statement reads, also inside functions, through nested
 * views, in cursors and in cached plans executed many times.
 *
 * The read path never writes a table and never runs SPI:
 *   - ports are looked up in a per-backend hash of port oids, rebuilt from
 *     mesh.data_products and mesh.access_history_settings after a relcache
 *     invalidation of either (statement triggers on both send one);
 *   - a read adds one to a per-backend batch (a small local hash); the batch
 *     is folded into the shared hash at transaction end (commit or abort);
 *   - the shared hash follows pg_stat_statements: entries are found under
 *     the LWLock held in shared mode and updated under their spinlock; only
 *     a new entry takes the lock in exclusive mode.
 *
 * mesh.flush_usage() (SQL, 50_usage.sql) reads the shared counters with
 * mesh._usage_take() and adds them to mesh.usage_daily.  The amounts it took
 * are subtracted from the shared entries when its transaction commits, so a
 * flush that fails loses nothing and flushing twice never counts twice
 * (flushes are serialised by a table lock on mesh.usage_daily).
 *
 * Locking: usage_lock (shared) protects the hash structure; per-entry
 * spinlocks protect reads/last_read.  Exclusive usage_lock to add or remove
 * entries.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryjumble.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "meshpg/usage.h"

PG_FUNCTION_INFO_V1(meshpg_usage_take);
PG_FUNCTION_INFO_V1(meshpg_usage_catalog_changed);

bool		meshpg_usage_active = false;

/* ---- shared counters ---------------------------------------------------- */

typedef struct UsageKey
{
	Oid			dbid;
	Oid			role;
	int64		product_id;
	int32		day;			/* DateADT, UTC */
	int32		pad;			/* always zero: the key is hashed as bytes */
} UsageKey;

typedef struct UsageEntry
{
	UsageKey	key;
	slock_t		mutex;			/* protects reads and last_read */
	int64		reads;
	TimestampTz last_read;
} UsageEntry;

/* a per-backend batch entry, and a counter taken by a flush */
typedef struct UsageCount
{
	UsageKey	key;
	int64		reads;
	TimestampTz last_read;
} UsageCount;

static int	usage_max_entries = 10000;
static LWLock *usage_lock = NULL;
static HTAB *usage_hash = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/* ---- per-backend state ---------------------------------------------------- */

/*
 * The per-backend batch: reads not yet folded into shared memory, in a few
 * slots that stay assigned to their key across transactions (a backend reads
 * the same few products as the same role all day).  Each slot caches the
 * key's hash value and the shared entry it was last folded into, valid while
 * usage_state->generation (bumped whenever entries are removed) is unchanged,
 * so a fold is usually one shared LWLock acquisition and one spinlock per
 * slot, with no hashing.  Allocation-free.
 */
#define USAGE_LOCAL_SLOTS 8

typedef struct UsageSlot
{
	UsageKey	key;
	uint32		hashvalue;
	int64		reads;			/* not yet folded */
	TimestampTz last_read;
	UsageEntry *entry;			/* shared entry, if generation matches */
	uint64		generation;
} UsageSlot;

typedef struct UsageSharedState
{
	uint64		generation;		/* bumped when entries are removed (exclusive lock) */
} UsageSharedState;

static UsageSharedState *usage_state = NULL;
static UsageSlot local_slots[USAGE_LOCAL_SLOTS];
static int	local_nslots = 0;
static int	local_next_victim = 0;
static bool local_pending = false;	/* some slot has reads > 0 */
static bool warned_full = false;
static bool warned_dropped = false;

/* a port of this database, as the read path needs it */
typedef struct PortCacheEntry
{
	Oid			port;			/* hash key */
	int64		product_id;
	bool		history;		/* keeps an access history */
} PortCacheEntry;

static HTAB *port_cache = NULL;
static bool port_cache_valid = false;
static uint64 port_cache_generation = 0;
static Oid	data_products_relid = InvalidOid;
static Oid	history_settings_relid = InvalidOid;

/* counters taken by mesh._usage_take() in this transaction */
static UsageCount *pending_take = NULL;
static long pending_take_count = 0;
static SubTransactionId pending_take_subid = InvalidSubTransactionId;
static bool pending_take_active = false;

#define USAGE_DUMP_FILE "meshpg_usage.counters"
#define USAGE_DUMP_MAGIC 0x6d736875	/* "mshu" */

static void usage_shmem_request(void);
static void usage_shmem_startup(void);
static void usage_shmem_shutdown(int code, Datum arg);
static void usage_load_counters(void);
static void usage_ExecutorStart(QueryDesc *queryDesc, int eflags);
static void usage_xact_callback(XactEvent event, void *arg);
static void usage_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								   SubTransactionId parentSubid, void *arg);
static void usage_relcache_callback(Datum arg, Oid relid);

void
meshpg_usage_init(void)
{
	DefineCustomIntVariable("meshpg.usage_max_entries",
							"Maximum number of (database, product, role, day) usage counters kept in shared memory between flushes.",
							"Reads of a counter that does not fit wait in their backend until a flush makes room.",
							&usage_max_entries,
							10000, 100, INT_MAX / 2,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	meshpg_access_history_define_gucs();

	/* the access history records the query id of each read */
	EnableQueryId();

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = usage_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = usage_shmem_startup;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = usage_ExecutorStart;

	RegisterXactCallback(usage_xact_callback, NULL);
	RegisterSubXactCallback(usage_subxact_callback, NULL);
	CacheRegisterRelcacheCallback(usage_relcache_callback, (Datum) 0);

	meshpg_usage_active = true;
}

static Size
usage_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(UsageSharedState)),
					hash_estimate_size(usage_max_entries, sizeof(UsageEntry)));
}

static void
usage_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(usage_shmem_size());
	RequestNamedLWLockTranche("meshpg_usage", 1);
	meshpg_access_history_shmem_request();
}

static void
usage_shmem_startup(void)
{
	HASHCTL		info;
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	usage_lock = &(GetNamedLWLockTranche("meshpg_usage"))->lock;
	usage_state = ShmemInitStruct("meshpg usage state", sizeof(UsageSharedState), &found);
	if (!found)
		usage_state->generation = 0;
	info.keysize = sizeof(UsageKey);
	info.entrysize = sizeof(UsageEntry);
	usage_hash = ShmemInitHash("meshpg usage counters",
							   usage_max_entries, usage_max_entries,
							   &info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);

	/* in the postmaster: counters kept by a clean shutdown come back */
	if (!IsUnderPostmaster)
	{
		usage_load_counters();
		on_shmem_exit(usage_shmem_shutdown, (Datum) 0);
	}

	meshpg_access_history_shmem_startup();
}

/*
 * At a clean shutdown the unflushed counters are written to
 * $PGDATA/meshpg_usage.counters (pg_stat_statements' way); the next start
 * loads and removes it.  After a crash they are lost, like the statistics.
 */
static void
usage_shmem_shutdown(int code, Datum arg)
{
	FILE	   *file;
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;
	uint32		header[2];

	if (code != 0 || usage_hash == NULL)
		return;
	file = AllocateFile(USAGE_DUMP_FILE ".tmp", PG_BINARY_W);
	if (file == NULL)
		goto error;
	header[0] = USAGE_DUMP_MAGIC;
	header[1] = (uint32) hash_get_num_entries(usage_hash);
	if (fwrite(header, sizeof(header), 1, file) != 1)
		goto error;
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		UsageCount	count;

		count.key = entry->key;
		count.reads = entry->reads;
		count.last_read = entry->last_read;
		if (fwrite(&count, sizeof(count), 1, file) != 1)
		{
			hash_seq_term(&seq);
			goto error;
		}
	}
	if (FreeFile(file) != 0)
	{
		file = NULL;
		goto error;
	}
	(void) durable_rename(USAGE_DUMP_FILE ".tmp", USAGE_DUMP_FILE, LOG);
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write meshpg usage counters file \"%s\": %m", USAGE_DUMP_FILE ".tmp")));
	if (file)
		FreeFile(file);
	unlink(USAGE_DUMP_FILE ".tmp");
}

static void
usage_load_counters(void)
{
	FILE	   *file = AllocateFile(USAGE_DUMP_FILE, PG_BINARY_R);
	uint32		header[2];

	if (file == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read meshpg usage counters file \"%s\": %m", USAGE_DUMP_FILE)));
		return;
	}
	if (fread(header, sizeof(header), 1, file) == 1 && header[0] == USAGE_DUMP_MAGIC)
	{
		for (uint32 i = 0; i < header[1]; i++)
		{
			UsageCount	count;
			UsageEntry *entry;
			bool		found;

			if (fread(&count, sizeof(count), 1, file) != 1)
				break;
			entry = hash_search(usage_hash, &count.key, HASH_FIND, &found);
			if (entry == NULL && hash_get_num_entries(usage_hash) < usage_max_entries)
				entry = hash_search(usage_hash, &count.key, HASH_ENTER_NULL, &found);
			if (entry == NULL)
				break;
			if (!found)
			{
				SpinLockInit(&entry->mutex);
				entry->reads = 0;
				entry->last_read = count.last_read;
			}
			entry->reads += count.reads;
			if (count.last_read > entry->last_read)
				entry->last_read = count.last_read;
		}
	}
	else
		ereport(LOG,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ignoring meshpg usage counters file \"%s\" with a bad header", USAGE_DUMP_FILE)));
	FreeFile(file);
	unlink(USAGE_DUMP_FILE);
}

/* ---- the port cache ------------------------------------------------------ */

static void
usage_relcache_callback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == data_products_relid ||
		relid == history_settings_relid || !OidIsValid(data_products_relid))
	{
		port_cache_valid = false;
		port_cache_generation++;
	}
}

/* meshpg's own table mesh.<name> in this database, or InvalidOid */
static Oid
mesh_table(const char *name)
{
	Oid			nsp;

	/* the extension's schema is always mesh (relocatable = false) */
	if (!OidIsValid(get_extension_oid("meshpg", true)))
		return InvalidOid;
	nsp = get_namespace_oid("mesh", true);
	if (!OidIsValid(nsp))
		return InvalidOid;
	return get_relname_relid(name, nsp);
}

static AttrNumber
required_attnum(Relation rel, const char *name)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), name);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("meshpg catalog table \"%s\" has no column \"%s\"",
						RelationGetRelationName(rel), name),
				 errhint("Update the extension to the version of the installed library: ALTER EXTENSION meshpg UPDATE.")));
	return attnum;
}

/* Ids of the products whose access history is enabled (palloc'd list). */
static List *
history_enabled_products(Snapshot snapshot)
{
	List	   *ids = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;
	AttrNumber	att_product,
				att_enabled;

	if (!OidIsValid(history_settings_relid))
		return NIL;
	rel = table_open(history_settings_relid, AccessShareLock);
	att_product = required_attnum(rel, "product_id");
	att_enabled = required_attnum(rel, "enabled");
	scan = table_beginscan(rel, snapshot, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull_p,
					isnull_e;
		Datum		product = heap_getattr(tuple, att_product, RelationGetDescr(rel), &isnull_p);
		Datum		enabled = heap_getattr(tuple, att_enabled, RelationGetDescr(rel), &isnull_e);

		if (!isnull_p && !isnull_e && DatumGetBool(enabled))
		{
			int64	   *id = palloc(sizeof(int64));

			*id = DatumGetInt64(product);
			ids = lappend(ids, id);
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return ids;
}

static bool
id_in_list(List *ids, int64 id)
{
	ListCell   *lc;

	foreach(lc, ids)
	{
		if (*(int64 *) lfirst(lc) == id)
			return true;
	}
	return false;
}

static void
port_cache_build_once(void)
{
	HASHCTL		info;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;
	AttrNumber	att_id,
				att_port;
	Snapshot	snapshot;
	List	   *history_ids;

	if (port_cache)
		hash_destroy(port_cache);
	info.keysize = sizeof(Oid);
	info.entrysize = sizeof(PortCacheEntry);
	info.hcxt = TopMemoryContext;
	port_cache = hash_create("meshpg port cache", 64, &info,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	data_products_relid = mesh_table("data_products");
	history_settings_relid = mesh_table("access_history_settings");
	if (!OidIsValid(data_products_relid))
		return;

	snapshot = RegisterSnapshot(GetLatestSnapshot());
	history_ids = history_enabled_products(snapshot);

	rel = table_open(data_products_relid, AccessShareLock);
	att_id = required_attnum(rel, "id");
	att_port = required_attnum(rel, "port");
	scan = table_beginscan(rel, snapshot, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull_id,
					isnull_port;
		Datum		id = heap_getattr(tuple, att_id, RelationGetDescr(rel), &isnull_id);
		Datum		port = heap_getattr(tuple, att_port, RelationGetDescr(rel), &isnull_port);
		Oid			port_oid;
		PortCacheEntry *entry;
		bool		found;

		if (isnull_id || isnull_port)
			continue;
		port_oid = DatumGetObjectId(port);
		entry = hash_search(port_cache, &port_oid, HASH_ENTER, &found);
		entry->product_id = DatumGetInt64(id);
		entry->history = id_in_list(history_ids, entry->product_id);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snapshot);
	list_free_deep(history_ids);
}

/*
 * Rebuilds the cache until no invalidation arrived while building it (the
 * table_open calls above accept invalidation messages).
 */
static void
port_cache_ensure(void)
{
	while (!port_cache_valid)
	{
		uint64		generation = port_cache_generation;

		port_cache_build_once();
		if (generation == port_cache_generation)
			port_cache_valid = true;
	}
}

/* ---- counting ------------------------------------------------------------- */

static int32
utc_day(TimestampTz ts)
{
	int64		days = ts / USECS_PER_DAY;

	if (ts < 0 && ts % USECS_PER_DAY != 0)
		days--;
	return (int32) days;
}

static void fold_local_batch(void);

static void
local_batch_add(int64 product_id, Oid role, TimestampTz now)
{
	UsageKey	key;
	UsageSlot  *slot = NULL;

	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.role = role;
	key.product_id = product_id;
	key.day = utc_day(now);

	for (int i = 0; i < local_nslots; i++)
	{
		if (memcmp(&local_slots[i].key, &key, sizeof(key)) == 0)
		{
			slot = &local_slots[i];
			break;
		}
	}
	if (slot == NULL)
	{
		if (local_nslots < USAGE_LOCAL_SLOTS)
			slot = &local_slots[local_nslots++];
		else
		{
			/* all slots taken: fold them now, then reuse one */
			fold_local_batch();
			if (local_pending)
			{
				/*
				 * The shared hash is full and every slot holds reads waiting
				 * for room: this read cannot be kept.  Only when
				 * meshpg.usage_max_entries is too small for the flush interval.
				 */
				if (!warned_dropped)
				{
					warned_dropped = true;
					ereport(LOG,
							(errmsg("meshpg usage counters are full; reads of more products are not counted"),
							 errhint("Raise meshpg.usage_max_entries or call mesh.flush_usage() more often.")));
				}
				return;
			}
			slot = &local_slots[local_next_victim];
			local_next_victim = (local_next_victim + 1) % USAGE_LOCAL_SLOTS;
		}
		slot->key = key;
		slot->hashvalue = get_hash_value(usage_hash, &key);
		slot->reads = 0;
		slot->last_read = now;
		slot->entry = NULL;
	}
	slot->reads++;
	if (now > slot->last_read)
		slot->last_read = now;
	local_pending = true;
}

/* (product, role) pairs already counted for this statement: a self-join counts once */
#define MAX_COUNTED_PER_STATEMENT 16

static void
count_port_reads(PlannedStmt *pstmt)
{
	ListCell   *lc;
	int64		counted[MAX_COUNTED_PER_STATEMENT];
	Oid			counted_role[MAX_COUNTED_PER_STATEMENT];
	int			ncounted = 0;
	TimestampTz now = 0;

	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		PortCacheEntry *port;
		Oid			role;
		bool		seen = false;

		if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_VIEW ||
			(rte->requiredPerms & ACL_SELECT) == 0)
			continue;

		port_cache_ensure();
		port = hash_search(port_cache, &rte->relid, HASH_FIND, NULL);
		if (port == NULL)
			continue;

		if (now == 0)
			now = GetCurrentStatementStartTimestamp();
		/* through another view, the read is that view owner's */
		role = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();

		for (int i = 0; i < ncounted; i++)
			if (counted[i] == port->product_id && counted_role[i] == role)
				seen = true;
		if (!seen)
		{
			local_batch_add(port->product_id, role, now);
			if (ncounted < MAX_COUNTED_PER_STATEMENT)
			{
				counted[ncounted] = port->product_id;
				counted_role[ncounted] = role;
				ncounted++;
			}
		}

		if (port->history)
			meshpg_access_history_record(port->product_id, rte->relid, role, GetUserId(),
										 GetSessionUserId(), now,
										 pstmt->queryId, rte->selectedCols);
	}
}

/*
 * Counts after standard_ExecutorStart, so a read refused by the permission
 * check is not counted; a read that starts and fails later is.
 */
static void
usage_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 && !IsParallelWorker() &&
		usage_hash != NULL)
		count_port_reads(queryDesc->plannedstmt);
}

/* ---- folding the batch into shared memory ------------------------------- */

static void
add_slot_to_entry(UsageEntry *entry, UsageSlot *slot)
{
	SpinLockAcquire(&entry->mutex);
	entry->reads += slot->reads;
	if (slot->last_read > entry->last_read)
		entry->last_read = slot->last_read;
	SpinLockRelease(&entry->mutex);
	slot->reads = 0;
}

/*
 * Runs at transaction end, also in abort processing: takes no lock but
 * usage_lock, allocates nothing but new shared entries, and never raises an
 * error.  Reads that find the shared hash full stay in their slot until a
 * later fold (logged once).
 */
static void
fold_local_batch(void)
{
	bool		missing = false;
	uint64		generation;

	if (!local_pending || usage_hash == NULL)
		return;

	LWLockAcquire(usage_lock, LW_SHARED);
	generation = usage_state->generation;
	for (int i = 0; i < local_nslots; i++)
	{
		UsageSlot  *slot = &local_slots[i];
		UsageEntry *entry;

		if (slot->reads == 0)
			continue;
		if (slot->entry != NULL && slot->generation == generation)
			entry = slot->entry;
		else
			entry = hash_search_with_hash_value(usage_hash, &slot->key, slot->hashvalue,
												HASH_FIND, NULL);
		if (entry == NULL)
		{
			missing = true;
			continue;
		}
		slot->entry = entry;
		slot->generation = generation;
		add_slot_to_entry(entry, slot);
	}
	LWLockRelease(usage_lock);

	if (missing)
	{
		LWLockAcquire(usage_lock, LW_EXCLUSIVE);
		generation = usage_state->generation;
		for (int i = 0; i < local_nslots; i++)
		{
			UsageSlot  *slot = &local_slots[i];
			UsageEntry *entry;
			bool		found;

			if (slot->reads == 0)
				continue;
			entry = hash_search_with_hash_value(usage_hash, &slot->key, slot->hashvalue,
												HASH_FIND, &found);
			/*
			 * A shared hash grows past its nominal size into the server's
			 * spare shared memory (which the lock table needs): the limit is
			 * ours to keep.
			 */
			if (entry == NULL && hash_get_num_entries(usage_hash) < usage_max_entries)
				entry = hash_search_with_hash_value(usage_hash, &slot->key, slot->hashvalue,
													HASH_ENTER_NULL, &found);
			if (entry == NULL)
				continue;		/* full: stays in the slot */
			if (!found)
			{
				SpinLockInit(&entry->mutex);
				entry->reads = 0;
				entry->last_read = slot->last_read;
			}
			slot->entry = entry;
			slot->generation = generation;
			add_slot_to_entry(entry, slot);
		}
		LWLockRelease(usage_lock);
	}

	local_pending = false;
	for (int i = 0; i < local_nslots; i++)
		if (local_slots[i].reads > 0)
			local_pending = true;

	if (local_pending && !warned_full)
	{
		warned_full = true;
		ereport(LOG,
				(errmsg("meshpg usage counters are full; reads wait in their backend until the next flush"),
				 errhint("Call mesh.flush_usage() more often or raise meshpg.usage_max_entries.")));
	}
}

/* subtracts what a committed flush wrote from the shared counters */
static void
apply_pending_take(void)
{
	LWLockAcquire(usage_lock, LW_EXCLUSIVE);
	for (long i = 0; i < pending_take_count; i++)
	{
		UsageCount *taken = &pending_take[i];
		UsageEntry *entry = hash_search(usage_hash, &taken->key, HASH_FIND, NULL);

		if (entry == NULL)
			continue;
		entry->reads -= taken->reads;
		if (entry->reads <= 0)
		{
			hash_search(usage_hash, &taken->key, HASH_REMOVE, NULL);
			usage_state->generation++;	/* slots may point at it */
		}
	}
	LWLockRelease(usage_lock);
}

static void
usage_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			/* COMMIT PREPARED runs elsewhere and could not clear what was taken */
			if (pending_take_active)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that flushed usage counters"),
						 errdetail("The counters a flush takes are cleared only when its own session commits; after COMMIT PREPARED they would be counted again."),
						 errhint("Call mesh.flush_usage() outside of transactions that are prepared for two-phase commit.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (pending_take_active && usage_hash != NULL)
				apply_pending_take();
			/* FALLTHROUGH */
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			pending_take = NULL;	/* in TopTransactionContext */
			pending_take_count = 0;
			pending_take_active = false;
			fold_local_batch();
			break;
		default:
			break;
	}
}

static void
usage_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (!pending_take_active || mySubid != pending_take_subid)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		pending_take_subid = parentSubid;
	else if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		pending_take = NULL;
		pending_take_count = 0;
		pending_take_active = false;
	}
}

/* ---- SQL-callable ---------------------------------------------------------- */

/*
 * Counters of a dropped database are never flushed: removed here, or they
 * would hold their place in the shared hash for good (and be saved and
 * loaded at every restart).  At most a few databases per flush.
 */
static void
remove_dropped_databases(void)
{
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;
	Oid			others[8];
	int			nothers = 0;
	Oid			gone[8];
	int			ngone = 0;

	LWLockAcquire(usage_lock, LW_SHARED);
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		bool		seen = false;

		if (entry->key.dbid == MyDatabaseId)
			continue;
		for (int i = 0; i < nothers; i++)
			seen |= others[i] == entry->key.dbid;
		if (!seen && nothers < lengthof(others))
			others[nothers++] = entry->key.dbid;
	}
	LWLockRelease(usage_lock);

	for (int i = 0; i < nothers; i++)
		if (!SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(others[i])))
			gone[ngone++] = others[i];
	if (ngone == 0)
		return;

	LWLockAcquire(usage_lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		for (int i = 0; i < ngone; i++)
			if (entry->key.dbid == gone[i])
			{
				hash_search(usage_hash, &entry->key, HASH_REMOVE, NULL);
				break;
			}
	}
	usage_state->generation++;	/* slots may point at them */
	LWLockRelease(usage_lock);
}

/*
 * mesh._usage_take(): this database's shared counters (product_id, role, day,
 * reads, last_read).  What it returns is subtracted from the shared counters
 * when the calling transaction commits; once per transaction.
 */
Datum
meshpg_usage_take(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;
	long		capacity,
				n = 0;
	UsageCount *taken;

	InitMaterializedSRF(fcinfo, 0);
	if (usage_hash == NULL)
		return (Datum) 0;
	if (pending_take_active)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("usage counters were already flushed in this transaction"),
				 errdetail("The counters a flush takes are cleared when its transaction commits."),
				 errhint("Commit, then call mesh.flush_usage() again.")));

	remove_dropped_databases();

	LWLockAcquire(usage_lock, LW_SHARED);
	capacity = hash_get_num_entries(usage_hash);
	taken = MemoryContextAlloc(TopTransactionContext,
							   sizeof(UsageCount) * Max(capacity, 1));
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (entry->key.dbid != MyDatabaseId || n >= capacity)
			continue;
		taken[n].key = entry->key;
		SpinLockAcquire(&entry->mutex);
		taken[n].reads = entry->reads;
		taken[n].last_read = entry->last_read;
		SpinLockRelease(&entry->mutex);
		if (taken[n].reads > 0)
			n++;
	}
	LWLockRelease(usage_lock);

	pending_take = taken;
	pending_take_count = n;
	pending_take_subid = GetCurrentSubTransactionId();
	pending_take_active = true;

	for (long i = 0; i < n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int64GetDatum(taken[i].key.product_id);
		values[1] = ObjectIdGetDatum(taken[i].key.role);
		values[2] = DateADTGetDatum(taken[i].key.day);
		values[3] = Int64GetDatum(taken[i].reads);
		values[4] = TimestampTzGetDatum(taken[i].last_read);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * Statement trigger on mesh.data_products and mesh.access_history_settings:
 * row changes send no relcache invalidation by themselves, so this one tells
 * every backend to rebuild its port cache (pg_cron does the same).
 */
Datum
meshpg_usage_catalog_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mesh._usage_catalog_changed() can only be called as a trigger"),
				 errhint("It is attached to meshpg's catalog tables; do not call it directly.")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
