/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Start-up wiring of the background workers: GUCs, shared state, the
 *	  launcher's registration, the hooks that stop a scheduler before its
 *	  database is dropped, and the SQL functions that wake or report them.
 *
 * One launcher (worker_launcher.c), connected to no database, starts one
 * scheduler (worker_scheduler.c) per database where meshpg is installed.
 * Their state lives in one shared array of slots, one per database, under
 * one LWLock: the launcher assigns slots, each scheduler updates its own,
 * mesh.worker_status reads them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "meshpg/meshpg.h"
#include "meshpg/worker.h"

PG_FUNCTION_INFO_V1(meshpg_worker_status);
PG_FUNCTION_INFO_V1(meshpg_launcher_wakeup);
PG_FUNCTION_INFO_V1(meshpg_scheduler_wakeup);

bool		meshpg_enabled = true;
int			meshpg_naptime = 1000;
int			meshpg_max_schedulers = 8;
int			meshpg_database_scan_interval = 60000;
int			meshpg_restart_delay = 5000;
int			meshpg_statement_timeout = 60000;
int			meshpg_retention_interval = 3600;
int			meshpg_retention_max_batches = 100;
int			meshpg_retention_lock_timeout = 1000;
int			meshpg_usage_flush_interval = 10;

WorkerShared *meshpg_worker_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static Size
worker_shmem_size(void)
{
	return add_size(offsetof(WorkerShared, slots),
					mul_size(meshpg_max_schedulers, sizeof(SchedulerSlot)));
}

static void
worker_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(worker_shmem_size());
	RequestNamedLWLockTranche("meshpg_workers", 1);
}

static void
worker_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	meshpg_worker_shared = ShmemInitStruct("meshpg workers", worker_shmem_size(), &found);
	if (!found)
	{
		memset(meshpg_worker_shared, 0, worker_shmem_size());
		meshpg_worker_shared->lock = &(GetNamedLWLockTranche("meshpg_workers"))->lock;
		meshpg_worker_shared->nslots = meshpg_max_schedulers;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* the slot of a database; caller holds the lock */
SchedulerSlot *
meshpg_find_slot(Oid dboid)
{
	if (meshpg_worker_shared == NULL)
		return NULL;
	for (int i = 0; i < meshpg_worker_shared->nslots; i++)
	{
		SchedulerSlot *slot = &meshpg_worker_shared->slots[i];

		if (slot->state != SCHED_FREE && slot->dboid == dboid)
			return slot;
	}
	return NULL;
}

void
meshpg_wake_launcher(void)
{
	int			pid;

	if (meshpg_worker_shared == NULL)
		return;
	LWLockAcquire(meshpg_worker_shared->lock, LW_SHARED);
	pid = meshpg_worker_shared->launcher_pid;
	LWLockRelease(meshpg_worker_shared->lock);
	if (pid != 0)
		kill(pid, SIGUSR1);
}

/*
 * Stop the scheduler of a database that is about to be dropped, renamed or
 * copied (those commands fail while another session is connected; they wait
 * up to 5 seconds for other sessions to leave).  The launcher leaves the
 * database alone for a while, then starts a scheduler again if it still
 * has meshpg.
 */
static void
stop_scheduler_of(const char *dbname)
{
	Oid			dboid;
	SchedulerSlot *slot;
	int			pid = 0;

	if (meshpg_worker_shared == NULL || dbname == NULL)
		return;
	dboid = get_database_oid(dbname, true);
	if (!OidIsValid(dboid))
		return;
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	slot = meshpg_find_slot(dboid);
	if (slot != NULL)
	{
		slot->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													 Max(meshpg_restart_delay, 10000));
		pid = slot->pid;
	}
	LWLockRelease(meshpg_worker_shared->lock);
	if (pid != 0)
		kill(pid, SIGTERM);
}

/* before DROP DATABASE, ALTER DATABASE RENAME and CREATE DATABASE ... TEMPLATE */
static void
worker_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					  bool readOnlyTree, ProcessUtilityContext context,
					  ParamListInfo params, QueryEnvironment *queryEnv,
					  DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (IsA(parsetree, DropdbStmt))
		stop_scheduler_of(((DropdbStmt *) parsetree)->dbname);
	else if (IsA(parsetree, RenameStmt) &&
			 ((RenameStmt *) parsetree)->renameType == OBJECT_DATABASE)
		stop_scheduler_of(((RenameStmt *) parsetree)->subname);
	else if (IsA(parsetree, CreatedbStmt))
	{
		ListCell   *lc;

		foreach(lc, ((CreatedbStmt *) parsetree)->options)
		{
			DefElem    *opt = lfirst_node(DefElem, lc);

			if (strcmp(opt->defname, "template") == 0 && opt->arg != NULL)
				stop_scheduler_of(defGetString(opt));
		}
	}

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

static const char *
state_name(SchedulerState state)
{
	switch (state)
	{
		case SCHED_FREE:
			return "free";
		case SCHED_STARTING:
			return "starting";
		case SCHED_IDLE:
			return "idle";
		case SCHED_RUNNING:
			return "running";
		case SCHED_NO_EXTENSION:
			return "no extension";
		case SCHED_STOPPED:
			return "stopped";
		case SCHED_FAILED:
			return "failed";
	}
	return "unknown";
}

/* mesh._worker_status(): the launcher, then one row per database slot */
Datum
meshpg_worker_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SchedulerSlot *copy;
	int			nslots;
	int			launcher_pid;
	TimestampTz launcher_started_at;

	InitMaterializedSRF(fcinfo, 0);
	if (meshpg_worker_shared == NULL)
		return (Datum) 0;

	LWLockAcquire(meshpg_worker_shared->lock, LW_SHARED);
	nslots = meshpg_worker_shared->nslots;
	copy = palloc(nslots * sizeof(SchedulerSlot));
	memcpy(copy, meshpg_worker_shared->slots, nslots * sizeof(SchedulerSlot));
	launcher_pid = meshpg_worker_shared->launcher_pid;
	launcher_started_at = meshpg_worker_shared->launcher_started_at;
	LWLockRelease(meshpg_worker_shared->lock);

	{
		Datum		values[11];
		bool		nulls[11];

		memset(nulls, true, sizeof(nulls));
		values[0] = Int32GetDatum(launcher_pid);
		nulls[0] = launcher_pid == 0;
		values[2] = CStringGetTextDatum("launcher");
		nulls[2] = false;
		values[3] = CStringGetTextDatum(launcher_pid != 0 ? "running" :
										(meshpg_enabled ? "starting" : "disabled"));
		nulls[3] = false;
		values[4] = TimestampTzGetDatum(launcher_started_at);
		nulls[4] = launcher_started_at == 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	for (int i = 0; i < nslots; i++)
	{
		SchedulerSlot *slot = &copy[i];
		Datum		values[11];
		bool		nulls[11];
		char	   *dbname;

		if (slot->state == SCHED_FREE)
			continue;
		memset(nulls, false, sizeof(nulls));
		values[0] = Int32GetDatum(slot->pid);
		nulls[0] = slot->pid == 0;
		dbname = get_database_name(slot->dboid);
		if (dbname != NULL)
		{
			Name		name = palloc0(NAMEDATALEN);

			strlcpy(NameStr(*name), dbname, NAMEDATALEN);
			values[1] = NameGetDatum(name);
		}
		else
			nulls[1] = true;
		values[2] = CStringGetTextDatum("scheduler");
		values[3] = CStringGetTextDatum(state_name(slot->state));
		values[4] = TimestampTzGetDatum(slot->started_at);
		nulls[4] = slot->started_at == 0;
		values[5] = TimestampTzGetDatum(slot->last_run);
		nulls[5] = slot->last_run == 0;
		values[6] = TimestampTzGetDatum(slot->next_wakeup);
		nulls[6] = slot->next_wakeup == 0 || slot->pid == 0;
		values[7] = Int64GetDatum(slot->runs);
		values[8] = Int64GetDatum(slot->errors);
		slot->last_error[sizeof(slot->last_error) - 1] = '\0';
		values[9] = CStringGetTextDatum(slot->last_error);
		nulls[9] = slot->last_error[0] == '\0';
		values[10] = TimestampTzGetDatum(slot->last_error_at);
		nulls[10] = slot->last_error_at == 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* mesh._launcher_wakeup(): start this database's scheduler once CREATE EXTENSION commits */
static bool wake_launcher_at_commit = false;

Datum
meshpg_launcher_wakeup(PG_FUNCTION_ARGS)
{
	if (meshpg_worker_shared != NULL)
		wake_launcher_at_commit = true;
	PG_RETURN_VOID();
}

/*
 * At commit, so that the scheduler started finds the extension: mark this
 * database's slot (the launcher starts it even if a scheduler that looked
 * too early has just exited with "no extension") and make the launcher scan.
 */
static void
launcher_wakeup_at_commit(void)
{
	SchedulerSlot *slot;

	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	slot = meshpg_find_slot(MyDatabaseId);
	if (slot != NULL)
		slot->start_requested = true;
	meshpg_worker_shared->rescan = true;
	LWLockRelease(meshpg_worker_shared->lock);
	meshpg_wake_launcher();
}

/* set by mesh._scheduler_wakeup(), acted on when the transaction commits */
static bool wake_scheduler_at_commit = false;

static void
worker_xact_callback(XactEvent event, void *arg)
{
	SchedulerSlot *slot;
	int			pid = 0;

	if (!wake_scheduler_at_commit && !wake_launcher_at_commit)
		return;
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	if (event == XACT_EVENT_COMMIT && wake_launcher_at_commit && meshpg_worker_shared != NULL)
		launcher_wakeup_at_commit();
	wake_launcher_at_commit = false;
	if (!wake_scheduler_at_commit)
		return;
	wake_scheduler_at_commit = false;
	if (event != XACT_EVENT_COMMIT || meshpg_worker_shared == NULL)
		return;
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	slot = meshpg_find_slot(MyDatabaseId);
	if (slot != NULL)
	{
		slot->wake_requested = true;
		pid = slot->pid;
	}
	LWLockRelease(meshpg_worker_shared->lock);
	/* the scheduler's SIGUSR1 handler sets its latch */
	if (pid != 0 && pid != MyProcPid)
		kill(pid, SIGUSR1);
}

/* mesh._scheduler_wakeup(): evaluate this database's contracts again once this transaction commits */
Datum
meshpg_scheduler_wakeup(PG_FUNCTION_ARGS)
{
	if (meshpg_worker_shared != NULL)
		wake_scheduler_at_commit = true;
	PG_RETURN_VOID();
}

void
meshpg_worker_init(void)
{
	BackgroundWorker worker;

	DefineCustomBoolVariable("meshpg.enabled",
							 "Runs the meshpg schedulers (freshness, checks, retention).",
							 NULL, &meshpg_enabled, true, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.naptime",
							"Longest time a scheduler sleeps between two rounds.",
							"A freshness breach is detected within one naptime of its deadline.",
							&meshpg_naptime, 1000, 10, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.max_schedulers",
							"Most databases that get a meshpg scheduler at once.",
							"Each scheduler is a background worker: raise max_worker_processes with it.",
							&meshpg_max_schedulers, 8, 1, 1024,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.database_scan_interval",
							"How often the launcher looks for databases that have meshpg.",
							"CREATE EXTENSION meshpg starts a scheduler at once; this is the fallback.",
							&meshpg_database_scan_interval, 60000, 100, 24 * 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.restart_delay",
							"How long the launcher waits before restarting a scheduler that failed.",
							NULL, &meshpg_restart_delay, 5000, 0, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.statement_timeout",
							"Statement timeout of the queries a scheduler runs for products.",
							NULL, &meshpg_statement_timeout, 60000, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.retention_interval",
							"How often retention runs for each product.",
							NULL, &meshpg_retention_interval, 3600, 1, 7 * 24 * 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.retention_max_batches",
							"Most batches of one retention run before it yields to the next round.",
							NULL, &meshpg_retention_max_batches, 100, 1, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.retention_lock_timeout",
							"Lock timeout of each retention batch: retention never waits long for a lock.",
							NULL, &meshpg_retention_lock_timeout, 1000, 1, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.usage_flush_interval",
							"How often a scheduler writes the usage counters and access history (mesh.flush_usage()).",
							"0 turns the scheduler's flush off: the counters are then written only by explicit calls of mesh.flush_usage().",
							&meshpg_usage_flush_interval, 10, 0, 24 * 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = worker_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = worker_shmem_startup;
	/* our work (stopping the scheduler) runs before the statement */
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = worker_ProcessUtility;
	RegisterXactCallback(worker_xact_callback, NULL);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	strlcpy(worker.bgw_library_name, "meshpg", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "meshpg_launcher_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "meshpg launcher", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "meshpg launcher", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

/* start-up wiring of the monitoring module: workers and freshness tracking */
void
meshpg_monitoring_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	meshpg_worker_init();
	meshpg_freshness_init();
}
