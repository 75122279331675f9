/*-------------------------------------------------------------------------
 *
 * worker_launcher.c
 *	  The meshpg launcher: one scheduler per database that has meshpg.
 *
 * The launcher is a static background worker connected to no database: it
 * reads only the shared catalog pg_database.  It cannot see pg_extension of
 * other databases, so it starts a scheduler in each database; a scheduler
 * that finds no meshpg exits at once with state "no extension" and is
 * retried only every meshpg.database_scan_interval (CREATE EXTENSION meshpg
 * wakes the launcher, which then starts it at once).  A scheduler that
 * failed is restarted after meshpg.restart_delay.  Template databases and
 * databases that do not allow connections are left alone.
 *
 * The launcher sleeps on its latch; it is woken by SIGUSR1 (a worker it
 * started stopped or started, CREATE EXTENSION) and by SIGHUP.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "meshpg/worker.h"

/* per slot: the handle of the dynamic worker the launcher registered */
static BackgroundWorkerHandle **handles = NULL;

static void
launcher_exit(int code, Datum arg)
{
	if (meshpg_worker_shared == NULL)
		return;
	/*
	 * An error may have ended the launcher while it held the workers' lock;
	 * before_shmem_exit callbacks run before the usual LWLock cleanup, so
	 * release everything first instead of waiting on ourselves.
	 */
	LWLockReleaseAll();
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	if (meshpg_worker_shared->launcher_pid == MyProcPid)
		meshpg_worker_shared->launcher_pid = 0;
	LWLockRelease(meshpg_worker_shared->lock);
}

typedef struct DatabaseEntry
{
	Oid			oid;
	char		name[NAMEDATALEN];
} DatabaseEntry;

/* the databases a scheduler may connect to */
static List *
list_databases(void)
{
	List	   *result = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;
	MemoryContext outer = CurrentMemoryContext;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tuple = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		DatabaseEntry *entry;
		MemoryContext txn;

		if (!db->datallowconn || db->datistemplate || db->datconnlimit == -2)
			continue;
		txn = MemoryContextSwitchTo(outer);
		entry = palloc(sizeof(DatabaseEntry));
		entry->oid = db->oid;
		strlcpy(entry->name, NameStr(db->datname), NAMEDATALEN);
		result = lappend(result, entry);
		(void) MemoryContextSwitchTo(txn);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	(void) MemoryContextSwitchTo(outer);
	return result;
}

static bool
start_scheduler(int index, const DatabaseEntry *db)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	MemoryContext old;
	bool		registered;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "meshpg", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "meshpg_scheduler_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "meshpg scheduler %s", db->name);
	strlcpy(worker.bgw_type, "meshpg scheduler", BGW_MAXLEN);
	worker.bgw_main_arg = ObjectIdGetDatum(db->oid);
	worker.bgw_notify_pid = MyProcPid;

	old = MemoryContextSwitchTo(TopMemoryContext);
	registered = RegisterDynamicBackgroundWorker(&worker, &handle);

	(void) MemoryContextSwitchTo(old);
	if (!registered)
		return false;
	if (handles[index] != NULL)
		pfree(handles[index]);
	handles[index] = handle;
	return true;
}

/* one round: reconcile the slots with the databases; returns ms until the next retry */
static long
launcher_round(bool scan, List **databases)
{
	TimestampTz now = GetCurrentTimestamp();
	long		sleep_ms = meshpg_database_scan_interval;
	int			running = 0;
	WorkerShared *ws = meshpg_worker_shared;

	if (scan)
	{
		ListCell   *lc;

		list_free_deep(*databases);
		*databases = list_databases();

		LWLockAcquire(ws->lock, LW_EXCLUSIVE);
		/* forget databases that are gone */
		for (int i = 0; i < ws->nslots; i++)
		{
			SchedulerSlot *slot = &ws->slots[i];
			bool		present = false;

			if (slot->state == SCHED_FREE || slot->pid != 0 || slot->state == SCHED_STARTING)
				continue;
			foreach(lc, *databases)
				if (((DatabaseEntry *) lfirst(lc))->oid == slot->dboid)
					present = true;
			if (!present)
				memset(slot, 0, sizeof(SchedulerSlot));
		}
		/* give every database a slot */
		foreach(lc, *databases)
		{
			DatabaseEntry *db = lfirst(lc);

			if (meshpg_find_slot(db->oid) != NULL)
				continue;
			for (int i = 0; i < ws->nslots; i++)
			{
				SchedulerSlot *slot = &ws->slots[i];

				if (slot->state == SCHED_FREE)
				{
					memset(slot, 0, sizeof(SchedulerSlot));
					slot->dboid = db->oid;
					slot->state = SCHED_STOPPED;
					slot->retry_at = 0;
					slot->start_requested = true;
					break;
				}
			}
		}
		LWLockRelease(ws->lock);
	}

	LWLockAcquire(ws->lock, LW_EXCLUSIVE);
	for (int i = 0; i < ws->nslots; i++)
	{
		SchedulerSlot *slot = &ws->slots[i];

		if (slot->state == SCHED_STARTING && slot->pid == 0)
		{
			pid_t		pid;

			if (handles[i] == NULL ||
				GetBackgroundWorkerPid(handles[i], &pid) == BGWH_STOPPED)
			{
				/* it never got as far as registering itself */
				slot->state = SCHED_FAILED;
				slot->retry_at = TimestampTzPlusMilliseconds(now, meshpg_restart_delay);
			}
		}
		if (slot->pid != 0 || slot->state == SCHED_STARTING)
			running++;
	}
	for (int i = 0; i < ws->nslots; i++)
	{
		SchedulerSlot *slot = &ws->slots[i];
		ListCell   *lc;
		DatabaseEntry *db = NULL;

		if (slot->state == SCHED_FREE || slot->pid != 0 || slot->state == SCHED_STARTING)
			continue;
		if (!meshpg_enabled)
			continue;
		if (slot->retry_at > now && !slot->start_requested)
		{
			long		secs;
			int			usecs;

			TimestampDifference(now, slot->retry_at, &secs, &usecs);
			sleep_ms = Min(sleep_ms, secs * 1000 + usecs / 1000 + 1);
			continue;
		}
		foreach(lc, *databases)
			if (((DatabaseEntry *) lfirst(lc))->oid == slot->dboid)
				db = lfirst(lc);
		if (db == NULL)
			continue;
		if (running >= meshpg_max_schedulers)
		{
			ereport(LOG,
					(errmsg("meshpg launcher: no scheduler for database \"%s\": meshpg.max_schedulers (%d) are running",
							db->name, meshpg_max_schedulers),
					 errhint("Raise meshpg.max_schedulers and max_worker_processes.")));
			slot->retry_at = TimestampTzPlusMilliseconds(now, meshpg_database_scan_interval);
			continue;
		}
		if (start_scheduler(i, db))
		{
			slot->start_requested = false;
			slot->state = SCHED_STARTING;
			slot->exited_cleanly = false;
			running++;
		}
		else
		{
			ereport(LOG,
					(errmsg("meshpg launcher: could not start a scheduler for database \"%s\"", db->name),
					 errhint("Raise max_worker_processes.")));
			slot->retry_at = TimestampTzPlusMilliseconds(now, Max(meshpg_restart_delay, 1000));
		}
	}
	/* meshpg.enabled = off: stop the schedulers */
	if (!meshpg_enabled)
		for (int i = 0; i < ws->nslots; i++)
			if (ws->slots[i].pid != 0)
				kill(ws->slots[i].pid, SIGTERM);
	LWLockRelease(ws->lock);
	return Max(sleep_ms, 10);
}

void
meshpg_launcher_main(Datum arg)
{
	TimestampTz next_scan = 0;
	List	   *databases = NIL;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("meshpg launcher");

	if (meshpg_worker_shared == NULL)
		proc_exit(0);
	handles = MemoryContextAllocZero(TopMemoryContext,
									 meshpg_worker_shared->nslots * sizeof(BackgroundWorkerHandle *));
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	meshpg_worker_shared->launcher_pid = MyProcPid;
	meshpg_worker_shared->launcher_started_at = GetCurrentTimestamp();
	LWLockRelease(meshpg_worker_shared->lock);
	before_shmem_exit(launcher_exit, (Datum) 0);

	for (;;)
	{
		TimestampTz now;
		long		sleep_ms;
		bool		scan;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		now = GetCurrentTimestamp();
		LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
		scan = now >= next_scan || meshpg_worker_shared->rescan;
		meshpg_worker_shared->rescan = false;
		LWLockRelease(meshpg_worker_shared->lock);
		if (scan)
			next_scan = TimestampTzPlusMilliseconds(now, meshpg_database_scan_interval);
		sleep_ms = launcher_round(scan, &databases);
		{
			long		secs;
			int			usecs;

			TimestampDifference(GetCurrentTimestamp(), next_scan, &secs, &usecs);
			sleep_ms = Min(sleep_ms, secs * 1000 + usecs / 1000 + 1);
		}

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Max(sleep_ms, 10), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
