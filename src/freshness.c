/*-------------------------------------------------------------------------
 *
 * freshness.c
 *	  Commit-time tracking of the last change of every product source.
 *
 * A product is fresh when its source relations changed recently.  Polling
 * max(updated_at) costs one query per product; instead, every backend notes
 * which tracked relations its statements modified (executor: result
 * relations with rows affected; utility: COPY FROM, TRUNCATE, REFRESH
 * MATERIALIZED VIEW) and, only when its transaction commits, publishes
 * (database, relation) -> commit time into a shared hash.  Nothing is
 * written on the user's path and an aborted transaction (or subtransaction)
 * publishes nothing.  The scheduler copies new entries into
 * mesh.freshness_state each naptime and loads them back when it starts, so
 * a restart forgets nothing and a crash at most one naptime.
 *
 * The tracked relations are the rows of mesh.freshness_sources (the base
 * relations of each product's port).  Each backend caches them in a local
 * hash, rebuilt after a relcache invalidation of that table (sent by
 * mesh._freshness_invalidate() when the set changes) or of schema mesh.
 *
 * Locking of the shared hash (pg_stat_statements' rule): a shared lock
 * finds an entry, whose timestamps are atomics moved forward with
 * compare-and-swap; an exclusive lock adds an entry.  Entries are removed
 * only when their database has been dropped, so a pointer a backend found
 * under the shared lock stays valid after it is released.  The hash never
 * holds more than meshpg.max_tracked_relations entries (a change that finds
 * it full is dropped and counted in fresh_shared->overflowed).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "meshpg/meshpg.h"
#include "meshpg/worker.h"

PG_FUNCTION_INFO_V1(meshpg_freshness_live);
PG_FUNCTION_INFO_V1(meshpg_freshness_invalidate);

/* GUCs */
static bool track_freshness = true;
static int	max_tracked_relations = 20000;

typedef struct FreshnessKey
{
	Oid			dboid;
	Oid			relid;
} FreshnessKey;

typedef struct FreshnessEntry
{
	FreshnessKey key;
	pg_atomic_uint64 last_change;	/* TimestampTz of the last commit */
	pg_atomic_uint64 flushed;	/* what the scheduler last persisted */
} FreshnessEntry;

typedef struct FreshnessShared
{
	LWLock	   *lock;
	pg_atomic_uint64 overflowed;	/* changes dropped because the hash was full */
} FreshnessShared;

static FreshnessShared *fresh_shared = NULL;
static HTAB *fresh_hash = NULL;

/* per backend: the tracked relations of this database */
static HTAB *tracked = NULL;
static bool tracked_valid = false;
static uint64 tracked_generation = 0;	/* bumped by every invalidation */
static Oid	tracked_table = InvalidOid;

/* per backend: tracked relations changed by the current transaction */
typedef struct PendingChange
{
	Oid			relid;
	int			nestlevel;
} PendingChange;

static PendingChange *pending = NULL;
static int	npending = 0;
static int	maxpending = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static Size
freshness_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(FreshnessShared)),
					hash_estimate_size(max_tracked_relations, sizeof(FreshnessEntry)));
}

static void
freshness_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(freshness_shmem_size());
	RequestNamedLWLockTranche("meshpg_freshness", 1);
}

static void
freshness_shmem_startup(void)
{
	bool		found;
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	fresh_shared = ShmemInitStruct("meshpg freshness", sizeof(FreshnessShared), &found);
	if (!found)
	{
		fresh_shared->lock = &(GetNamedLWLockTranche("meshpg_freshness"))->lock;
		pg_atomic_init_u64(&fresh_shared->overflowed, 0);
	}
	info.keysize = sizeof(FreshnessKey);
	info.entrysize = sizeof(FreshnessEntry);
	fresh_hash = ShmemInitHash("meshpg freshness hash", max_tracked_relations,
							   max_tracked_relations, &info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

bool
meshpg_freshness_active(void)
{
	return fresh_shared != NULL && fresh_hash != NULL;
}

/* move an atomic timestamp forward, never back */
static void
atomic_advance(pg_atomic_uint64 *ts, TimestampTz value)
{
	uint64		old = pg_atomic_read_u64(ts);

	while ((int64) old < value)
	{
		if (pg_atomic_compare_exchange_u64(ts, &old, (uint64) value))
			break;
	}
}

/* ---- the per-backend set of tracked relations ---- */

static void
invalidate_tracked(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == tracked_table)
	{
		tracked_valid = false;
		tracked_generation++;
	}
}

static void
invalidate_tracked_syscache(Datum arg, int cacheid, uint32 hashvalue)
{
	tracked_valid = false;
	tracked_generation++;
}

/* (re)build the set from mesh.freshness_sources; needs a transaction */
static void
build_tracked(void)
{
	HASHCTL		info;
	Oid			nsp;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;

	if (tracked == NULL)
	{
		info.keysize = sizeof(Oid);
		info.entrysize = sizeof(Oid);
		info.hcxt = TopMemoryContext;
		tracked = hash_create("meshpg tracked relations", 256, &info,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(invalidate_tracked, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, invalidate_tracked_syscache, (Datum) 0);
	}
	else
	{
		HASH_SEQ_STATUS status;
		Oid		   *entry;

		hash_seq_init(&status, tracked);
		while ((entry = hash_seq_search(&status)) != NULL)
			hash_search(tracked, entry, HASH_REMOVE, NULL);
	}

	tracked_table = InvalidOid;
	nsp = get_namespace_oid("mesh", true);
	if (!OidIsValid(nsp))
		return;
	tracked_table = get_relname_relid("freshness_sources", nsp);
	if (!OidIsValid(tracked_table))
		return;

	rel = table_open(tracked_table, AccessShareLock);
	if (RelationGetDescr(rel)->natts < 2 ||
		TupleDescAttr(RelationGetDescr(rel), 1)->atttypid != REGCLASSOID)
	{
		table_close(rel, AccessShareLock);
		return;
	}
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		relid = heap_getattr(tuple, 2, RelationGetDescr(rel), &isnull);

		if (!isnull)
		{
			Oid			key = DatumGetObjectId(relid);

			hash_search(tracked, &key, HASH_ENTER, NULL);
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

static bool
is_tracked(Oid relid)
{
	/*
	 * Valid only once a build completed with no invalidation arriving during
	 * it: a build cut short by an error (lock timeout, cancel) is redone.
	 */
	while (!tracked_valid)
	{
		uint64		generation = tracked_generation;

		if (!IsTransactionState())
			return false;
		build_tracked();
		if (generation == tracked_generation)
			tracked_valid = true;
	}
	return hash_search(tracked, &relid, HASH_FIND, NULL) != NULL;
}

/* ---- changes of the current transaction ---- */

static void
note_change(Oid relid)
{
	int			level = GetCurrentTransactionNestLevel();

	if (!OidIsValid(relid) || !is_tracked(relid))
		return;
	for (int i = 0; i < npending; i++)
		if (pending[i].relid == relid && pending[i].nestlevel <= level)
			return;
	if (npending == maxpending)
	{
		int			newmax = maxpending == 0 ? 16 : maxpending * 2;

		if (pending == NULL)
			pending = MemoryContextAlloc(TopMemoryContext, newmax * sizeof(PendingChange));
		else
			pending = repalloc(pending, newmax * sizeof(PendingChange));
		maxpending = newmax;
	}
	pending[npending].relid = relid;
	pending[npending].nestlevel = level;
	npending++;
}

static void
publish_changes(void)
{
	TimestampTz committed = GetCurrentTransactionStopTimestamp();

	for (int i = 0; i < npending; i++)
	{
		FreshnessKey key;
		FreshnessEntry *entry;
		bool		found;

		key.dboid = MyDatabaseId;
		key.relid = pending[i].relid;
		LWLockAcquire(fresh_shared->lock, LW_SHARED);
		entry = hash_search(fresh_hash, &key, HASH_FIND, NULL);
		LWLockRelease(fresh_shared->lock);
		if (entry == NULL)
		{
			LWLockAcquire(fresh_shared->lock, LW_EXCLUSIVE);
			entry = hash_search(fresh_hash, &key, HASH_FIND, &found);
			/* past its nominal size the hash would eat the lock table's spare shared memory */
			if (entry == NULL && hash_get_num_entries(fresh_hash) < max_tracked_relations)
				entry = hash_search(fresh_hash, &key, HASH_ENTER_NULL, &found);
			if (entry != NULL && !found)
			{
				pg_atomic_init_u64(&entry->last_change, 0);
				pg_atomic_init_u64(&entry->flushed, 0);
			}
			LWLockRelease(fresh_shared->lock);
		}
		if (entry == NULL)
			pg_atomic_fetch_add_u64(&fresh_shared->overflowed, 1);
		else
			atomic_advance(&entry->last_change, committed);
	}
}

static void
freshness_xact_callback(XactEvent event, void *arg)
{
	if (npending == 0)
		return;
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			publish_changes();
			npending = 0;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* a prepared transaction commits elsewhere: see docs/monitoring.md */
			npending = 0;
			break;
		default:
			break;
	}
}

static void
freshness_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						   SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	int			kept = 0;

	if (npending == 0)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		for (int i = 0; i < npending; i++)
			if (pending[i].nestlevel < level)
				pending[kept++] = pending[i];
		npending = kept;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (int i = 0; i < npending; i++)
			if (pending[i].nestlevel >= level)
				pending[i].nestlevel = level - 1;
	}
}

/* ---- hooks: where changes are seen ---- */

/*
 * Before the executor's end: the result relations of a statement that
 * affected rows (a data-modifying CTE under a SELECT counts when it opened
 * a result relation: its row count is not kept separately).
 */
static void
freshness_ExecutorEnd(QueryDesc *queryDesc)
{
	EState	   *estate = queryDesc->estate;

	if (track_freshness && !IsParallelWorker() && estate != NULL &&
		estate->es_opened_result_relations != NIL &&
		(estate->es_processed > 0 || queryDesc->operation == CMD_SELECT))
	{
		ListCell   *lc;

		foreach(lc, estate->es_opened_result_relations)
		{
			ResultRelInfo *rri = lfirst(lc);

			note_change(RelationGetRelid(rri->ri_RelationDesc));
		}
		foreach(lc, estate->es_tuple_routing_result_relations)
		{
			ResultRelInfo *rri = lfirst(lc);

			note_change(RelationGetRelid(rri->ri_RelationDesc));
		}
	}

	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

/* After the utility statement succeeded: COPY FROM, TRUNCATE, REFRESH */
static void
freshness_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						 bool readOnlyTree, ProcessUtilityContext context,
						 ParamListInfo params, QueryEnvironment *queryEnv,
						 DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);

	if (!track_freshness || IsParallelWorker() || !IsTransactionState())
		return;
	if (IsA(parsetree, CopyStmt))
	{
		CopyStmt   *stmt = (CopyStmt *) parsetree;

		if (stmt->is_from && stmt->relation != NULL && qc != NULL && qc->nprocessed > 0)
			note_change(RangeVarGetRelid(stmt->relation, NoLock, true));
	}
	else if (IsA(parsetree, TruncateStmt))
	{
		ListCell   *lc;

		foreach(lc, ((TruncateStmt *) parsetree)->relations)
			note_change(RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true));
	}
	else if (IsA(parsetree, RefreshMatViewStmt))
		note_change(RangeVarGetRelid(((RefreshMatViewStmt *) parsetree)->relation, NoLock, true));
}

/* ---- the scheduler's side ---- */

int
meshpg_freshness_collect_dirty(Oid dboid, FreshnessChange **changes)
{
	HASH_SEQ_STATUS status;
	FreshnessEntry *entry;
	int			n = 0;
	int			max = 64;

	*changes = palloc(max * sizeof(FreshnessChange));
	if (!meshpg_freshness_active())
		return 0;
	LWLockAcquire(fresh_shared->lock, LW_SHARED);
	hash_seq_init(&status, fresh_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		uint64		last = pg_atomic_read_u64(&entry->last_change);

		if (entry->key.dboid != dboid || last <= pg_atomic_read_u64(&entry->flushed))
			continue;
		if (n == max)
		{
			max *= 2;
			*changes = repalloc(*changes, max * sizeof(FreshnessChange));
		}
		(*changes)[n].relid = entry->key.relid;
		(*changes)[n].last_change = (TimestampTz) last;
		n++;
	}
	LWLockRelease(fresh_shared->lock);
	return n;
}

void
meshpg_freshness_mark_flushed(Oid dboid, FreshnessChange *changes, int n)
{
	if (!meshpg_freshness_active())
		return;
	LWLockAcquire(fresh_shared->lock, LW_SHARED);
	for (int i = 0; i < n; i++)
	{
		FreshnessKey key = {dboid, changes[i].relid};
		FreshnessEntry *entry = hash_search(fresh_hash, &key, HASH_FIND, NULL);

		if (entry != NULL)
			atomic_advance(&entry->flushed, changes[i].last_change);
	}
	LWLockRelease(fresh_shared->lock);
}

/*
 * Entries of databases dropped since are removed (by any scheduler), or they
 * would hold their place in the hash for good.  Safe with the rule above: a
 * pointer to an entry is only kept by a backend of the entry's database,
 * and no backend of a dropped database is left.  Needs a transaction.
 */
void
meshpg_freshness_forget_dropped(void)
{
	HASH_SEQ_STATUS status;
	FreshnessEntry *entry;
	Oid			others[8];
	int			nothers = 0;
	Oid			gone[8];
	int			ngone = 0;

	if (!meshpg_freshness_active())
		return;
	LWLockAcquire(fresh_shared->lock, LW_SHARED);
	hash_seq_init(&status, fresh_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		bool		seen = false;

		if (entry->key.dboid == MyDatabaseId)
			continue;
		for (int i = 0; i < nothers; i++)
			seen |= others[i] == entry->key.dboid;
		if (!seen && nothers < lengthof(others))
			others[nothers++] = entry->key.dboid;
	}
	LWLockRelease(fresh_shared->lock);

	for (int i = 0; i < nothers; i++)
		if (!SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(others[i])))
			gone[ngone++] = others[i];
	if (ngone == 0)
		return;

	LWLockAcquire(fresh_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&status, fresh_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		for (int i = 0; i < ngone; i++)
			if (entry->key.dboid == gone[i])
			{
				hash_search(fresh_hash, &entry->key, HASH_REMOVE, NULL);
				break;
			}
	}
	LWLockRelease(fresh_shared->lock);
}

/* a persisted commit time, loaded at scheduler start: already flushed */
void
meshpg_freshness_merge(Oid dboid, Oid relid, TimestampTz last_change)
{
	FreshnessKey key = {dboid, relid};
	FreshnessEntry *entry;
	bool		found;

	if (!meshpg_freshness_active())
		return;
	LWLockAcquire(fresh_shared->lock, LW_EXCLUSIVE);
	entry = hash_search(fresh_hash, &key, HASH_FIND, &found);
	if (entry == NULL && hash_get_num_entries(fresh_hash) < max_tracked_relations)
		entry = hash_search(fresh_hash, &key, HASH_ENTER_NULL, &found);
	if (entry != NULL && !found)
	{
		pg_atomic_init_u64(&entry->last_change, 0);
		pg_atomic_init_u64(&entry->flushed, 0);
	}
	LWLockRelease(fresh_shared->lock);
	if (entry == NULL)
	{
		pg_atomic_fetch_add_u64(&fresh_shared->overflowed, 1);
		return;
	}
	atomic_advance(&entry->last_change, last_change);
	atomic_advance(&entry->flushed, last_change);
}

/* ---- SQL functions ---- */

/* mesh._freshness_live(): (relation, last_change) of this database */
Datum
meshpg_freshness_live(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS status;
	FreshnessEntry *entry;

	InitMaterializedSRF(fcinfo, 0);
	if (!meshpg_freshness_active())
		return (Datum) 0;
	LWLockAcquire(fresh_shared->lock, LW_SHARED);
	hash_seq_init(&status, fresh_hash);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};
		uint64		last = pg_atomic_read_u64(&entry->last_change);

		if (entry->key.dboid != MyDatabaseId || last == 0)
			continue;
		values[0] = ObjectIdGetDatum(entry->key.relid);
		values[1] = TimestampTzGetDatum((TimestampTz) last);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	LWLockRelease(fresh_shared->lock);
	return (Datum) 0;
}

/* mesh._freshness_invalidate(): the tracked set changed; backends rebuild at commit */
Datum
meshpg_freshness_invalidate(PG_FUNCTION_ARGS)
{
	Oid			nsp = get_namespace_oid("mesh", false);
	Oid			relid = get_relname_relid("freshness_sources", nsp);

	if (OidIsValid(relid))
		CacheInvalidateRelcacheByRelid(relid);
	PG_RETURN_VOID();
}

/* ---- start-up wiring ---- */

void
meshpg_freshness_init(void)
{
	DefineCustomBoolVariable("meshpg.track_freshness",
							 "Records the commit time of changes to the sources of data products.",
							 "Turning it off hides changes from freshness SLAs, so only superusers may.",
							 &track_freshness, true, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.max_tracked_relations",
							"Number of relations whose last commit time is kept in shared memory.",
							NULL, &max_tracked_relations, 20000, 100, INT_MAX / 2,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = freshness_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = freshness_shmem_startup;
	/* our work runs before the executor frees the EState */
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = freshness_ExecutorEnd;
	/* our work runs after the utility statement succeeded */
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = freshness_ProcessUtility;
	RegisterXactCallback(freshness_xact_callback, NULL);
	RegisterSubXactCallback(freshness_subxact_callback, NULL);
}

/* changes dropped because the shared hash was full (for mesh.status()) */
uint64 meshpg_freshness_overflowed(void);
uint64
meshpg_freshness_overflowed(void)
{
	return meshpg_freshness_active() ? pg_atomic_read_u64(&fresh_shared->overflowed) : 0;
}
