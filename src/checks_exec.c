/*-------------------------------------------------------------------------
 *
 * checks_exec.c
 *	  Runs the SQL of data quality checks as the product owner, read-only,
 *	  under a time limit.
 *
 * The checks engine (58_checks.sql) builds one aggregate query per product
 * for all its column checks, and a few queries of its own (distribution,
 * referential integrity); users may also write a custom metric or a
 * failed-rows query.  Whatever the query, it is run here the way REFRESH
 * MATERIALIZED VIEW runs a view's query: as the owner of the data product,
 * with SECURITY_RESTRICTED_OPERATION (no SET ROLE, no temporary objects), in
 * a read-only transaction state (transaction_read_only, and SPI's read-only
 * mode) and with a time limit, meshpg.check_statement_timeout.  Never as a
 * superuser: a product owned by a superuser cannot run checks.
 *
 * User-written SQL is parsed first and must be exactly one SELECT without
 * INTO, row locks or data-modifying WITH; it is executed as given, never
 * pasted into another statement.  Values the engine needs in its own queries
 * (accepted values, regexes, bounds) are always parameters ($n, typed text).
 *
 * Errors are not caught here: the caller (a PL/pgSQL block with an
 * EXCEPTION clause, i.e. a subtransaction) records them as the status
 * 'error' of one check and goes on with the others.  A timeout is reported
 * as its own error with ERRCODE_PROGRAM_LIMIT_EXCEEDED, not as a cancel:
 * PL/pgSQL's WHEN OTHERS rightly does not catch cancels, and a real cancel
 * (the user's, or statement_timeout) must still stop the whole run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timeout.h"

#include "meshpg/read_only_select.h"
#include "meshpg/meshpg.h"

PG_FUNCTION_INFO_V1(meshpg_check_query);
PG_FUNCTION_INFO_V1(meshpg_check_sql_is_select);

/* meshpg.check_statement_timeout, in milliseconds; 0 means no limit */
static int	check_statement_timeout = 60000;

/* our own timer, so the caller's statement_timeout is left alone */
static TimeoutId check_timeout_id = MAX_TIMEOUTS;
static volatile sig_atomic_t check_timed_out = false;

void
meshpg_checks_init(void)
{
	DefineCustomIntVariable("meshpg.check_statement_timeout",
							"Time limit of each query run by a data quality check.",
							"0 means no limit.  A check that runs longer ends with status 'error'.",
							&check_statement_timeout,
							60000, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
}

static void
check_timeout_handler(void)
{
	check_timed_out = true;
	InterruptPending = true;
	QueryCancelPending = true;
	SetLatch(MyLatch);
}

/*
 * A custom query may take a session-level advisory lock (pg_advisory_lock),
 * which read-only mode allows and which would outlive the check.  In the
 * scheduler, a background worker that lives for days, such a lock would be
 * held forever (a product team could block the mesh API's own advisory
 * locks), so there every session-level advisory lock is released before and
 * after each custom query, whether it ends or fails: the scheduler takes
 * none of its own.  In a user's
 * session the lock stays with that session, whose user ran the checks.
 */
static void
release_scheduler_advisory_locks(const char *mode)
{
	if (IsBackgroundWorker && strcmp(mode, "aggregate") != 0)
		LockReleaseSession(USER_LOCKMETHOD);
}

static void
not_one_select(const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be one read-only SELECT query", what),
			 errdetail_internal("%s", detail),
			 errhint("Write a single SELECT without INTO, FOR UPDATE/FOR SHARE or data-modifying WITH.")));
}

/* point syntax errors at the check's SQL, not at the statement around it */
static void
check_sql_error_callback(void *arg)
{
	const char *query = (const char *) arg;
	int			position = geterrposition();

	if (position > 0)
	{
		errposition(0);
		internalerrposition(position);
		internalerrquery(query);
	}
	errcontext("custom SQL of a check");
}

/* the query must parse as exactly one read-only SELECT */
static void
require_one_select(const char *query, const char *what)
{
	List	   *statements;
	RawStmt    *raw;
	char	   *problem;
	ErrorContextCallback errcallback;

	errcallback.callback = check_sql_error_callback;
	errcallback.arg = (void *) query;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	statements = raw_parser(query, RAW_PARSE_DEFAULT);
	error_context_stack = errcallback.previous;
	if (statements == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is empty", what),
				 errhint("Write one SELECT query.")));
	if (list_length(statements) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be one read-only SELECT query", what),
				 errdetail("The query holds %d statements.", list_length(statements)),
				 errhint("Remove every statement but the SELECT.")));
	raw = linitial_node(RawStmt, statements);
	if (!IsA(raw->stmt, SelectStmt))
		not_one_select(what, psprintf("The query is %s.", meshpg_describe_statement(raw->stmt)));
	problem = meshpg_read_only_select_problem((SelectStmt *) raw->stmt, "query");
	if (problem != NULL)
		not_one_select(what, problem);
}

/*
 * mesh._check_sql_is_select(query text, what text) RETURNS void
 *
 * Validation of custom SQL when a check is declared; "what" names it in the
 * error ('$.checks[2].sql').
 */
Datum
meshpg_check_sql_is_select(PG_FUNCTION_ARGS)
{
	char	   *query;
	char	   *what;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("custom SQL of a check must not be null"),
				 errhint("Write one SELECT query.")));
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	what = text_to_cstring(PG_GETARG_TEXT_PP(1));
	require_one_select(query, what);
	PG_RETURN_VOID();
}

/* run the query through SPI; the values of its one row, or the row count */
static ArrayType *
execute_check_query(const char *query, const char *mode, int nargs,
					Oid *argtypes, Datum *argvalues, const char *argnulls,
					MemoryContext result_cxt)
{
	Datum	   *values;
	bool	   *nulls;
	int			nvalues;
	int			dims[1];
	int			lbs[1] = {1};
	ArrayType  *result;
	MemoryContext oldcxt;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (strcmp(mode, "failed_rows") == 0)
	{
		Portal		portal;
		int64		failed = 0;

		portal = SPI_cursor_open_with_args(NULL, query, nargs, argtypes,
										   argvalues, argnulls, true, 0);
		for (;;)
		{
			SPI_cursor_fetch(portal, true, 1000);
			if (SPI_processed == 0)
				break;
			failed += SPI_processed;
			SPI_freetuptable(SPI_tuptable);
			CHECK_FOR_INTERRUPTS();
		}
		SPI_cursor_close(portal);
		oldcxt = MemoryContextSwitchTo(result_cxt);
		values = palloc(sizeof(Datum));
		nulls = palloc(sizeof(bool));
		values[0] = CStringGetTextDatum(psprintf(INT64_FORMAT, failed));
		nulls[0] = false;
		nvalues = 1;
	}
	else
	{
		int			ret;
		TupleDesc	tupdesc;

		/*
		 * The engine's own queries return one row: no row limit, so that the
		 * executor may use a parallel plan.  A user's metric query is cut
		 * after two rows, enough to refuse it.
		 */
		ret = SPI_execute_with_args(query, nargs, argtypes, argvalues, argnulls,
									true, strcmp(mode, "metric") == 0 ? 2 : 0);
		if (ret != SPI_OK_SELECT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the query of the check did not return rows"),
					 errhint("Write one SELECT query.")));
		if (SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg(SPI_processed == 0 ?
							"the query of the check returned no row" :
							"the query of the check returned more than one row"),
					 errhint("A metric query returns exactly one row, e.g. SELECT count(*) FROM ...")));
		tupdesc = SPI_tuptable->tupdesc;
		if (strcmp(mode, "metric") == 0 && tupdesc->natts != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the query of the check returned %d columns instead of one",
							tupdesc->natts),
					 errhint("A metric query returns exactly one number.")));
		nvalues = tupdesc->natts;
		oldcxt = MemoryContextSwitchTo(result_cxt);
		values = palloc(sizeof(Datum) * nvalues);
		nulls = palloc(sizeof(bool) * nvalues);
		for (int i = 0; i < nvalues; i++)
		{
			char	   *value = SPI_getvalue(SPI_tuptable->vals[0], tupdesc, i + 1);

			nulls[i] = (value == NULL);
			values[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(value);
		}
	}
	dims[0] = nvalues;
	result = construct_md_array(values, nulls, 1, dims, lbs,
								TEXTOID, -1, false, TYPALIGN_INT);
	MemoryContextSwitchTo(oldcxt);
	SPI_finish();
	return result;
}

/*
 * mesh._check_query(owner regrole, query text, params text[], mode text,
 *					 search_path text) RETURNS text[]
 *
 * mode 'aggregate': the engine's own query; the values of its single row.
 * mode 'metric': user SQL returning one row of one value; that value.
 * mode 'failed_rows': user SQL whose rows are failures; their count.
 * Parameters are all of type text ($1::int8 etc. in the query).
 */
Datum
meshpg_check_query(PG_FUNCTION_ARGS)
{
	Oid			owner;
	char	   *query;
	char	   *mode;
	char	   *search_path;
	int			nargs = 0;
	Oid		   *argtypes = NULL;
	Datum	   *argvalues = NULL;
	char	   *argnulls = NULL;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	int			timeout_ms = check_statement_timeout;
	ArrayType  *result = NULL;
	MemoryContext result_cxt = CurrentMemoryContext;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("owner, query, mode and search_path of a check query must not be null"),
				 errhint("This is an internal function of the checks engine.")));
	owner = PG_GETARG_OID(0);
	query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	mode = text_to_cstring(PG_GETARG_TEXT_PP(3));
	search_path = text_to_cstring(PG_GETARG_TEXT_PP(4));

	if (strcmp(mode, "aggregate") != 0 && strcmp(mode, "metric") != 0 &&
		strcmp(mode, "failed_rows") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown check query mode \"%s\"", mode),
				 errhint("Use 'aggregate', 'metric' or 'failed_rows'.")));

	if (superuser_arg(owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot run checks as superuser \"%s\"",
						GetUserNameFromId(owner, false)),
				 errdetail("Checks run as the owner of the data product, and a superuser owns this one."),
				 errhint("Make a role without superuser rights the owner of the data product.")));

	if (strcmp(mode, "aggregate") != 0)
		require_one_select(query, "custom SQL of a check");

	if (!PG_ARGISNULL(2))
	{
		ArrayType  *params = PG_GETARG_ARRAYTYPE_P(2);
		bool	   *elem_nulls;

		if (ARR_NDIM(params) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("parameters of a check query must be a one-dimensional array")));
		deconstruct_array(params, TEXTOID, -1, false, TYPALIGN_INT,
						  &argvalues, &elem_nulls, &nargs);
		argtypes = palloc(sizeof(Oid) * Max(nargs, 1));
		argnulls = palloc(sizeof(char) * Max(nargs, 1));
		for (int i = 0; i < nargs; i++)
		{
			argtypes[i] = TEXTOID;
			argnulls[i] = elem_nulls[i] ? 'n' : ' ';
		}
	}

	if (check_timeout_id == MAX_TIMEOUTS)
		check_timeout_id = RegisterTimeout(USER_TIMEOUT, check_timeout_handler);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	save_nestlevel = NewGUCNestLevel();
	check_timed_out = false;
	PG_TRY();
	{
		SetUserIdAndSecContext(owner, save_sec_context |
							   SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
		(void) set_config_option("transaction_read_only", "on",
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		(void) set_config_option("search_path", search_path,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		release_scheduler_advisory_locks(mode);
		if (timeout_ms > 0)
			enable_timeout_after(check_timeout_id, timeout_ms);

		result = execute_check_query(query, mode, nargs, argtypes, argvalues,
									 argnulls, result_cxt);

		if (timeout_ms > 0)
			disable_timeout(check_timeout_id, false);
		release_scheduler_advisory_locks(mode);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		if (timeout_ms > 0)
			disable_timeout(check_timeout_id, false);
		SetUserIdAndSecContext(save_userid, save_sec_context);
		/* a query that failed after taking a lock must not leave it held either */
		release_scheduler_advisory_locks(mode);
		MemoryContextSwitchTo(result_cxt);
		edata = CopyErrorData();
		if (!check_timed_out || edata->sqlerrcode != ERRCODE_QUERY_CANCELED)
			PG_RE_THROW();
		/* our timer cancelled the query: say so */
		check_timed_out = false;
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("check query timed out after %d ms", timeout_ms),
				 errhint("Make the check cheaper, or ask a superuser to raise meshpg.check_statement_timeout.")));
	}
	PG_END_TRY();

	/* the timer may have fired after the query ended: that cancel is ours */
	if (check_timed_out)
	{
		check_timed_out = false;
		QueryCancelPending = false;
	}
	/* roll back every setting the query changed, as REFRESH MATERIALIZED VIEW does */
	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);

	PG_RETURN_ARRAYTYPE_P(result);
}
