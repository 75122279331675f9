/*-------------------------------------------------------------------------
 *
 * worker_scheduler.c
 *	  The scheduler of one database: freshness, SLAs, retention, and the
 *	  other modules' periodic work.
 *
 * Each round (at most meshpg.naptime apart, sooner when the next SLA
 * deadline is nearer) the scheduler:
 *	 1. checks that meshpg is still installed (DROP EXTENSION stops it);
 *	 2. copies the commit times that changed in shared memory into
 *		mesh.freshness_state (nothing to do, no SQL);
 *	 3. when something changed, a deadline passed or a contract changed,
 *		measures the declared freshness columns that are due (as the product
 *		owner, with meshpg.statement_timeout) and evaluates every SLA in one
 *		SQL call, which opens and resolves incidents and returns the next
 *		deadline; an idle mesh of 10,000 products costs no query per round;
 *	 4. calls mesh._run_due_checks(), mesh._expire_access() and
 *		mesh._retire_due_versions() when they exist (other modules), and
 *		mesh.flush_usage() every meshpg.usage_flush_interval (not every
 *		round: a flush is a write to mesh.usage_daily, and a caller's own
 *		flush then seldom meets the scheduler's), one transaction each, so
 *		that one failing does not stop the others;
 *	 5. runs retention for the products that are due, in short batches.
 * Every unit of work is one transaction; an error is logged, counted in
 * mesh.worker_status and the round goes on.  Long units (declared column
 * measures, retention) write a 'running' row first, committed on its own,
 * so that a run cut short by a crash is found and marked failed when the
 * next scheduler starts (mesh._scheduler_startup()).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "meshpg/worker.h"

static SchedulerSlot *my_slot = NULL;
static MemoryContext scratch = NULL;

/* what the current round knows */
static TimestampTz next_deadline = 0;	/* 0: none known */
static TimestampTz next_retention = 0;
static TimestampTz next_full_evaluation = 0;
static TimestampTz next_usage_flush = 0;

static void
set_state(SchedulerState state)
{
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	my_slot->state = state;
	if (state == SCHED_RUNNING)
		my_slot->last_run = GetCurrentTimestamp();
	LWLockRelease(meshpg_worker_shared->lock);
}

static void
record_error(const char *what, const char *message)
{
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	my_slot->errors++;
	my_slot->last_error_at = GetCurrentTimestamp();
	snprintf(my_slot->last_error, sizeof(my_slot->last_error), "%s: %s", what, message);
	LWLockRelease(meshpg_worker_shared->lock);
}

static void
scheduler_exit(int code, Datum arg)
{
	if (my_slot == NULL)
		return;
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	if (my_slot->pid == MyProcPid)
	{
		my_slot->pid = 0;
		if (!my_slot->exited_cleanly)
		{
			my_slot->state = SCHED_FAILED;
			my_slot->retry_at = Max(my_slot->retry_at,
									TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
																meshpg_restart_delay));
		}
	}
	LWLockRelease(meshpg_worker_shared->lock);
	meshpg_wake_launcher();
}

/* leave with a state the launcher understands, not to be restarted before retry_ms */
static void
exit_cleanly(SchedulerState state, int retry_ms)
{
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	my_slot->state = state;
	my_slot->exited_cleanly = true;
	my_slot->retry_at = Max(my_slot->retry_at,
							TimestampTzPlusMilliseconds(GetCurrentTimestamp(), retry_ms));
	LWLockRelease(meshpg_worker_shared->lock);
	proc_exit(0);
}

/* ---- units of work ---- */

typedef void (*UnitFunction) (void *arg);

/*
 * Run fn in its own transaction with SPI connected and a snapshot; on error,
 * log it, count it and return false with the message in *error (scratch).
 */
static bool
run_unit(const char *what, UnitFunction fn, void *arg, char **error)
{
	MemoryContext outer = CurrentMemoryContext;
	volatile bool ok = true;

	if (error)
		*error = NULL;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, what);
		fn(arg);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		disable_timeout(STATEMENT_TIMEOUT, false);
		(void) MemoryContextSwitchTo(scratch);
		edata = CopyErrorData();
		errcontext("meshpg scheduler: %s", what);
		EmitErrorReport();
		AbortCurrentTransaction();
		FlushErrorState();
		RESUME_INTERRUPTS();
		record_error(what, edata->message);
		if (error)
			*error = pstrdup(edata->message);
		ok = false;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	(void) MemoryContextSwitchTo(outer);
	return ok;
}

/* does mesh.<name>() exist (with no argument)? needs a transaction */
static bool
function_exists(const char *schema, const char *name)
{
	return OidIsValid(LookupFuncName(list_make2(makeString(pstrdup(schema)),
												makeString(pstrdup(name))),
									 0, NULL, true));
}

static void
execute_or_error(const char *sql, bool read_only, int expected)
{
	int			rc = SPI_execute(sql, read_only, 0);

	if (rc != expected)
		elog(ERROR, "meshpg scheduler: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

/* run SQL as role owner, pinned search_path, with a statement timeout */
static int
execute_as(Oid owner, const char *sql, bool read_only, int timeout_ms)
{
	Oid			save_user;
	int			save_sec;
	int			rc;

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (timeout_ms > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, timeout_ms);
	rc = SPI_execute(sql, read_only, 0);
	if (timeout_ms > 0)
		disable_timeout(STATEMENT_TIMEOUT, false);
	SetUserIdAndSecContext(save_user, save_sec);
	return rc;
}

/* ---- 1-3: extension present, persist, evaluate ---- */

typedef struct RoundState
{
	bool		extension_present;
	bool		evaluate;		/* in: evaluate every product */
	bool		due;			/* in: a deadline has come */
	int			persisted;
	FreshnessChange *changes;	/* persisted: mark flushed once committed */
	List	   *columns_due;	/* product ids whose declared column is due */
} RoundState;

static bool
extension_ready(void)
{
	return OidIsValid(get_extension_oid("meshpg", true)) &&
		OidIsValid(LookupFuncName(list_make2(makeString("mesh"), makeString("_evaluate_freshness")),
								  2, (Oid[]) {TIMESTAMPTZOID, OIDARRAYOID}, true));
}

static void
persist_unit(void *arg)
{
	RoundState *rs = arg;
	FreshnessChange *changes;
	int			n;
	MemoryContext old;

	rs->extension_present = extension_ready();
	if (!rs->extension_present)
		return;
	meshpg_freshness_forget_dropped();
	old = MemoryContextSwitchTo(scratch);
	n = meshpg_freshness_collect_dirty(MyDatabaseId, &changes);
	(void) MemoryContextSwitchTo(old);
	rs->persisted = n;
	rs->changes = changes;
	if (n > 0)
	{
		Datum	   *relids = palloc(n * sizeof(Datum));
		Datum	   *stamps = palloc(n * sizeof(Datum));
		Datum		args[2];
		Oid			types[2] = {OIDARRAYOID, TIMESTAMPTZARRAYOID};
		int			rc;

		for (int i = 0; i < n; i++)
		{
			relids[i] = ObjectIdGetDatum(changes[i].relid);
			stamps[i] = TimestampTzGetDatum(changes[i].last_change);
		}
		args[0] = PointerGetDatum(construct_array(relids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
		args[1] = PointerGetDatum(construct_array(stamps, n, TIMESTAMPTZOID, sizeof(TimestampTz),
												  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		rc = SPI_execute_with_args("SELECT mesh._freshness_persist($1, $2)", 2, types, args,
								   NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not persist freshness: %s", SPI_result_code_string(rc));
	}
	if (rs->evaluate || rs->due || n > 0)
	{
		int			rc = SPI_execute("SELECT id FROM mesh._freshness_columns_due(pg_catalog.now()) AS id",
									 true, 0);

		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not list freshness columns: %s", SPI_result_code_string(rc));
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
			MemoryContext old = MemoryContextSwitchTo(scratch);

			rs->columns_due = lappend(rs->columns_due, (void *) (intptr_t) DatumGetInt64(d));
			(void) MemoryContextSwitchTo(old);
		}
	}
}

typedef struct ColumnRun
{
	int64		product_id;
	int64		run_id;
	Oid			owner;
	char	   *statement;
	bool		isnull;			/* the measure: max(column), NULL when empty */
	TimestampTz data_time;
} ColumnRun;

static void
column_start_unit(void *arg)
{
	ColumnRun  *cr = arg;
	Datum		args[1] = {Int64GetDatum(cr->product_id)};
	Oid			types[1] = {INT8OID};
	bool		isnull;
	MemoryContext old;

	if (SPI_execute_with_args("SELECT s.owner, s.statement, mesh._worker_run_start("
							  "'freshness column of product ' || $1) "
							  "FROM mesh._freshness_column_statement($1) s",
							  1, types, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not start a freshness measure");
	if (SPI_processed != 1)
	{
		cr->run_id = 0;
		return;
	}
	cr->owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	old = MemoryContextSwitchTo(scratch);
	cr->statement = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	(void) MemoryContextSwitchTo(old);
	cr->run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
}

/* the measure itself: its own read-only transaction, as the product owner */
static void
column_measure_unit(void *arg)
{
	ColumnRun  *cr = arg;
	int			rc;
	Datum		d;

	(void) set_config_option("transaction_read_only", "on", PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	rc = execute_as(cr->owner, cr->statement, true, meshpg_statement_timeout);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "freshness column query failed: %s", SPI_result_code_string(rc));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &cr->isnull);
	cr->data_time = cr->isnull ? 0 : DatumGetTimestampTz(d);
}

static void
column_record_unit(void *arg)
{
	ColumnRun  *cr = arg;

	if (SPI_execute_with_args("SELECT mesh._record_freshness_observation($1, $2, NULL), "
							  "mesh._worker_run_finish($3, NULL)",
							  3, (Oid[]) {INT8OID, TIMESTAMPTZOID, INT8OID},
							  (Datum[]) {Int64GetDatum(cr->product_id), TimestampTzGetDatum(cr->data_time),
								  Int64GetDatum(cr->run_id)},
							  (char[]) {' ', cr->isnull ? 'n' : ' ', ' '}, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not record a freshness measure");
}

typedef struct FailureRecord
{
	const char *sql;
	int64		id;
	int64		product_id;
	const char *message;
} FailureRecord;

static void
failure_unit(void *arg)
{
	FailureRecord *fr = arg;

	if (SPI_execute_with_args(fr->sql, 3, (Oid[]) {INT8OID, TEXTOID, INT8OID},
							  (Datum[]) {Int64GetDatum(fr->id), CStringGetTextDatum(fr->message),
								  Int64GetDatum(fr->product_id)},
							  NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not record a failure");
}

static void
measure_column(int64 product_id)
{
	ColumnRun	cr = {product_id, 0, InvalidOid, NULL, true, 0};
	char	   *error;

	if (!run_unit("freshness column: start", column_start_unit, &cr, NULL) || cr.run_id == 0)
		return;
	if (!run_unit("freshness column: measure", column_measure_unit, &cr, &error) ||
		!run_unit("freshness column: record", column_record_unit, &cr, &error))
	{
		FailureRecord fr = {"SELECT mesh._worker_run_finish($1, $2), $3", cr.run_id, product_id, error};
		FailureRecord fo = {"SELECT $1, mesh._record_freshness_observation($3, NULL, $2)",
		cr.run_id, product_id, error};

		/* separately: the product may have been dropped meanwhile */
		(void) run_unit("freshness column: record failure", failure_unit, &fr, NULL);
		(void) run_unit("freshness column: record failure", failure_unit, &fo, NULL);
	}
}

/* evaluate all products (rs->evaluate) or those whose sources changed or deadline came */
static void
evaluate_unit(void *arg)
{
	RoundState *rs = arg;
	bool		isnull;
	Datum		d;
	Datum	   *relids = palloc((rs->persisted + 1) * sizeof(Datum));
	Datum		args[1];
	char		nulls[1] = {' '};

	for (int i = 0; i < rs->persisted; i++)
		relids[i] = ObjectIdGetDatum(rs->changes[i].relid);
	args[0] = PointerGetDatum(construct_array(relids, rs->persisted, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	if (rs->evaluate)
		nulls[0] = 'n';
	if (SPI_execute_with_args("SELECT mesh._evaluate_freshness(pg_catalog.now(), $1)", 1,
							  (Oid[]) {OIDARRAYOID}, args, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not evaluate freshness");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	next_deadline = isnull ? 0 : DatumGetTimestampTz(d);
}

/* ---- 4: the other modules' periodic functions ---- */

typedef struct OptionalCall
{
	const char *schema;
	const char *name;
	const int  *interval_s;		/* NULL: every round; else seconds, 0 = never */
	TimestampTz *next_run;		/* with interval_s: when it is due again */
} OptionalCall;

static const OptionalCall optional_calls[] = {
	{"mesh", "_run_due_checks", NULL, NULL},
	{"mesh", "_expire_access", NULL, NULL},
	{"mesh", "_retire_due_versions", NULL, NULL},
	{"mesh", "flush_usage", &meshpg_usage_flush_interval, &next_usage_flush},
};

/* is this call due in this round? (a changed interval takes effect at once when shorter) */
static bool
optional_call_due(const OptionalCall *call, TimestampTz now)
{
	TimestampTz earliest;

	if (call->interval_s == NULL)
		return true;
	if (*call->interval_s <= 0)
		return false;
	earliest = TimestampTzPlusMilliseconds(now, (int64) *call->interval_s * 1000);
	if (*call->next_run > earliest)
		*call->next_run = earliest;
	if (now < *call->next_run)
		return false;
	*call->next_run = earliest;
	return true;
}

static void
optional_unit(void *arg)
{
	const OptionalCall *call = arg;
	char	   *sql;

	if (!function_exists(call->schema, call->name))
		return;
	sql = psprintf("SELECT %s.%s()", quote_identifier(call->schema), quote_identifier(call->name));
	execute_or_error(sql, false, SPI_OK_SELECT);
}

/* ---- 5: retention ---- */

typedef struct RetentionRun
{
	int64		product_id;
	int64		run_id;
	Oid			owner;
	char	   *statement;
	int			batch_size;
	uint64		rows;
} RetentionRun;

static void
retention_due_unit(void *arg)
{
	List	  **due = arg;
	Datum		a[1] = {Float8GetDatum((double) meshpg_retention_interval)};

	if (SPI_execute_with_args("SELECT id FROM mesh._retention_due(pg_catalog.make_interval(secs => $1)) AS id",
							  1, (Oid[]) {FLOAT8OID}, a, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list retention work");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(scratch);

		*due = lappend(*due, (void *) (intptr_t) DatumGetInt64(d));
		(void) MemoryContextSwitchTo(old);
	}
}

static void
retention_start_unit(void *arg)
{
	RetentionRun *rr = arg;
	bool		isnull;
	MemoryContext old;

	if (SPI_execute_with_args("SELECT run_id, owner, statement, batch_size FROM mesh._retention_start($1)",
							  1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(rr->product_id)},
							  NULL, false, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not start retention of product %lld", (long long) rr->product_id);
	rr->run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	rr->owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	old = MemoryContextSwitchTo(scratch);
	rr->statement = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	(void) MemoryContextSwitchTo(old);
	rr->batch_size = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
}

static void
retention_batch_unit(void *arg)
{
	RetentionRun *rr = arg;
	char		timeout[32];
	int			rc;

	snprintf(timeout, sizeof(timeout), "%d", meshpg_retention_lock_timeout);
	(void) set_config_option("lock_timeout", timeout, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	rc = execute_as(rr->owner, rr->statement, false, meshpg_statement_timeout);
	if (rc != SPI_OK_DELETE && rc != SPI_OK_INSERT)
		elog(ERROR, "retention batch failed: %s", SPI_result_code_string(rc));
	rr->rows = SPI_processed;
	if (SPI_execute_with_args("SELECT mesh._retention_progress($1, $2)", 2,
							  (Oid[]) {INT8OID, INT8OID},
							  (Datum[]) {Int64GetDatum(rr->run_id), Int64GetDatum((int64) rr->rows)},
							  NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not record retention progress");
}

static void
run_retention(int64 product_id)
{
	RetentionRun rr = {product_id, 0, InvalidOid, NULL, 0, 0};
	char	   *error = NULL;
	uint64		total = 0;
	int			batches = 0;
	FailureRecord fr = {"SELECT mesh._retention_finish($1, $2), $3", 0, product_id, NULL};

	if (!run_unit("retention: start", retention_start_unit, &rr, NULL))
		return;
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (!run_unit("retention: batch", retention_batch_unit, &rr, &error))
			break;
		total += rr.rows;
		batches++;
		if (rr.rows < (uint64) rr.batch_size || batches >= meshpg_retention_max_batches)
			break;
	}
	fr.id = rr.run_id;
	fr.message = error;
	if (error == NULL)
	{
		fr.sql = "SELECT mesh._retention_finish($1, NULL), $2, $3";
		fr.message = "";
	}
	(void) run_unit("retention: finish", failure_unit, &fr, NULL);
	if (total > 0 || error != NULL)
		ereport(LOG,
				(errmsg("meshpg retention of product %lld: %llu rows in %d batches%s%s",
						(long long) product_id, (unsigned long long) total, batches,
						error ? ", failed: " : "", error ? error : "")));
}

/* ---- the round ---- */

static void
startup_unit(void *arg)
{
	if (!extension_ready())
		exit_cleanly(SCHED_NO_EXTENSION, meshpg_database_scan_interval);
	execute_or_error("SELECT mesh._scheduler_startup()", false, SPI_OK_SELECT);
	execute_or_error("SELECT relation, last_change FROM mesh._freshness_saved()", true, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		n1,
					n2;
		Datum		relid = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &n1);
		Datum		ts = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &n2);

		if (!n1 && !n2)
			meshpg_freshness_merge(MyDatabaseId, DatumGetObjectId(relid), DatumGetTimestampTz(ts));
	}
}

static void
scheduler_round(void)
{
	RoundState	rs = {false, false, false, 0, NULL, NIL};
	TimestampTz now = GetCurrentTimestamp();
	bool		wake;
	bool		due;
	ListCell   *lc;

	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	wake = my_slot->wake_requested;
	my_slot->wake_requested = false;
	my_slot->runs++;
	LWLockRelease(meshpg_worker_shared->lock);

	/* a full evaluation at start, when a contract changed, and every 10 minutes as a safety net */
	rs.evaluate = wake || now >= next_full_evaluation;
	due = next_deadline != 0 && now >= next_deadline;
	rs.due = due;
	if (!run_unit("freshness: persist", persist_unit, &rs, NULL))
		return;
	if (!rs.extension_present)
		exit_cleanly(SCHED_STOPPED, meshpg_database_scan_interval);
	/* flushed only once committed */
	if (rs.persisted > 0)
		meshpg_freshness_mark_flushed(MyDatabaseId, rs.changes, rs.persisted);

	if (rs.evaluate || due || rs.persisted > 0)
	{
		set_state(SCHED_RUNNING);
		foreach(lc, rs.columns_due)
			measure_column((int64) (intptr_t) lfirst(lc));
		if (!run_unit("freshness: evaluate", evaluate_unit, &rs, NULL))
		{
			/* do not retry every naptime: the error is logged and shown in mesh.worker_status */
			next_deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														Max(meshpg_naptime, 10000));
		}
		else if (rs.evaluate)
			next_full_evaluation = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 600 * 1000);
	}

	for (int i = 0; i < lengthof(optional_calls); i++)
		if (optional_call_due(&optional_calls[i], now))
			(void) run_unit(optional_calls[i].name, optional_unit, (void *) &optional_calls[i], NULL);

	if (now >= next_retention)
	{
		List	   *due = NIL;

		set_state(SCHED_RUNNING);
		if (run_unit("retention: due", retention_due_unit, &due, NULL))
			foreach(lc, due)
				run_retention((int64) (intptr_t) lfirst(lc));
		/* look again in a minute: products get due one by one */
		next_retention = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													 Min(60000, meshpg_retention_interval * 1000));
	}
}

void
meshpg_scheduler_main(Datum arg)
{
	Oid			dboid = DatumGetObjectId(arg);

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	if (meshpg_worker_shared == NULL)
		proc_exit(0);
	LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
	my_slot = meshpg_find_slot(dboid);
	if (my_slot != NULL && my_slot->pid == 0)
	{
		my_slot->pid = MyProcPid;
		my_slot->state = SCHED_RUNNING;
		my_slot->started_at = GetCurrentTimestamp();
		my_slot->exited_cleanly = false;
		my_slot->wake_requested = false;
	}
	else
		my_slot = NULL;
	LWLockRelease(meshpg_worker_shared->lock);
	if (my_slot == NULL)
		proc_exit(0);			/* another scheduler has this database */
	before_shmem_exit(scheduler_exit, (Datum) 0);

	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pgstat_report_appname("meshpg scheduler");
	scratch = AllocSetContextCreate(TopMemoryContext, "meshpg scheduler",
									ALLOCSET_DEFAULT_SIZES);
	(void) MemoryContextSwitchTo(scratch);

	if (!run_unit("start-up", startup_unit, NULL, NULL))
		exit_cleanly(SCHED_FAILED, meshpg_restart_delay);
	MemoryContextReset(scratch);

	for (;;)
	{
		TimestampTz now;
		long		timeout = meshpg_naptime;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (!meshpg_enabled)
			exit_cleanly(SCHED_STOPPED, 0);

		scheduler_round();
		MemoryContextReset(scratch);

		now = GetCurrentTimestamp();
		if (next_deadline != 0)
		{
			long		secs;
			int			usecs;

			TimestampDifference(now, next_deadline, &secs, &usecs);
			timeout = Min(timeout, secs * 1000 + (usecs + 999) / 1000);
		}
		timeout = Max(timeout, 1);
		LWLockAcquire(meshpg_worker_shared->lock, LW_EXCLUSIVE);
		my_slot->state = SCHED_IDLE;
		my_slot->next_wakeup = TimestampTzPlusMilliseconds(now, timeout);
		LWLockRelease(meshpg_worker_shared->lock);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 timeout, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
