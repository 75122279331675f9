/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The meshpg launcher and per-database schedulers: GUCs, shared state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_WORKER_H
#define MESHPG_WORKER_H

#include "datatype/timestamp.h"
#include "storage/lwlock.h"

/* GUCs */
extern bool meshpg_enabled;
extern int	meshpg_naptime;			/* milliseconds */
extern int	meshpg_max_schedulers;
extern int	meshpg_database_scan_interval;	/* milliseconds */
extern int	meshpg_restart_delay;	/* milliseconds */
extern int	meshpg_statement_timeout;	/* milliseconds */
extern int	meshpg_retention_interval;	/* seconds */
extern int	meshpg_retention_max_batches;
extern int	meshpg_retention_lock_timeout;	/* milliseconds */
extern int	meshpg_usage_flush_interval;	/* seconds; 0: the scheduler never flushes */

/* what a scheduler slot is doing */
typedef enum SchedulerState
{
	SCHED_FREE = 0,				/* slot unused */
	SCHED_STARTING,				/* registered, not yet running */
	SCHED_IDLE,					/* waiting on its latch */
	SCHED_RUNNING,				/* doing a unit of work */
	SCHED_NO_EXTENSION,			/* exited: meshpg is not installed there */
	SCHED_STOPPED,				/* exited on request (extension dropped, database going away) */
	SCHED_FAILED				/* exited abnormally */
} SchedulerState;

typedef struct SchedulerSlot
{
	Oid			dboid;
	SchedulerState state;
	int			pid;
	bool		exited_cleanly; /* set by the scheduler just before exiting */
	bool		wake_requested;	/* a contract changed: evaluate at once */
	bool		start_requested;	/* CREATE EXTENSION committed: start now */
	TimestampTz started_at;
	TimestampTz last_run;
	TimestampTz next_wakeup;
	TimestampTz retry_at;		/* launcher: do not start before this */
	int64		runs;
	int64		errors;
	TimestampTz last_error_at;
	char		last_error[256];
} SchedulerSlot;

typedef struct WorkerShared
{
	LWLock	   *lock;
	int			launcher_pid;
	TimestampTz launcher_started_at;
	bool		rescan;			/* CREATE EXTENSION: scan pg_database now */
	int			nslots;
	SchedulerSlot slots[FLEXIBLE_ARRAY_MEMBER];
} WorkerShared;

extern WorkerShared *meshpg_worker_shared;

extern void meshpg_worker_init(void);
extern void meshpg_freshness_init(void);

/* entry points of the background workers (bgw_function_name) */
extern PGDLLEXPORT void meshpg_launcher_main(Datum arg);
extern PGDLLEXPORT void meshpg_scheduler_main(Datum arg);

/* wake the launcher; ask the scheduler of a database to stop; find a slot */
extern void meshpg_wake_launcher(void);
extern SchedulerSlot *meshpg_find_slot(Oid dboid);

/* freshness: called by the scheduler */
typedef struct FreshnessChange
{
	Oid			relid;
	TimestampTz last_change;
} FreshnessChange;

extern int	meshpg_freshness_collect_dirty(Oid dboid, FreshnessChange **changes);
extern void meshpg_freshness_mark_flushed(Oid dboid, FreshnessChange *changes, int n);
extern void meshpg_freshness_merge(Oid dboid, Oid relid, TimestampTz last_change);
extern bool meshpg_freshness_active(void);
extern void meshpg_freshness_forget_dropped(void);

#endif							/* MESHPG_WORKER_H */
