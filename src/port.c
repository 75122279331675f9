/*-------------------------------------------------------------------------
 *
 * port.c
 *	  Creation of a data product's output port.
 *
 * The output port of product <domain>.<name> is a security_barrier view of
 * that name, owned by the domain owner.  Its source is either a relation
 * name, resolved with the caller's search_path, or one read-only SELECT.
 * The source text is parsed exactly once, checked, and the same parse tree
 * becomes the view: no user text is ever pasted into SQL.
 *
 * The view is defined while running as the domain owner, so it is owned by
 * that role and every name is resolved with that role's rights; it is then
 * read once with LIMIT 0 as that role, so a source the domain owner cannot
 * read is refused now rather than failing for every consumer later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/view.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parser.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/varlena.h"

#include "meshpg/read_only_select.h"
#include "meshpg/api_dispatch.h"

PG_FUNCTION_INFO_V1(meshpg_create_port);

/* what the error context callbacks need to know */
typedef struct PortErrorContext
{
	const char *product;		/* "domain.name" */
	const char *source;			/* the source text, for syntax errors */
	const char *owner;			/* the domain owner, while checking access */
} PortErrorContext;

/*
 * Point syntax errors at the source text, not at the mesh.* call around it,
 * the way SQL functions report errors in their bodies.
 */
static void
port_source_error_callback(void *arg)
{
	PortErrorContext *ctx = (PortErrorContext *) arg;
	int			position = geterrposition();

	if (position > 0)
	{
		errposition(0);
		internalerrposition(position);
		internalerrquery(ctx->source);
	}
	errcontext("source of data product \"%s\"", ctx->product);
}

static void
port_access_error_callback(void *arg)
{
	PortErrorContext *ctx = (PortErrorContext *) arg;

	errcontext("checking that domain owner \"%s\" can read the source of data product \"%s\"",
			   ctx->owner, ctx->product);
}

/* only identifier characters, dots, blanks and double-quoted parts */
static bool
looks_like_qualified_name(const char *source)
{
	bool		quoted = false;

	for (const char *p = source; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c == '"')
			quoted = !quoted;
		else if (!quoted && !(isalnum(c) || c == '_' || c == '$' || c == '.' ||
							  c == ' ' || c == '\t' || c == '\n' || c == '\r' || IS_HIGHBIT_SET(c)))
			return false;
	}
	return !quoted;
}

/*
 * Is the source a relation name?  A dotted chain of identifiers is; anything
 * else (SELECT ..., WITH ..., VALUES ...) is treated as a query.
 */
static List *
source_as_relation_name(const char *source)
{
	char	   *copy = pstrdup(source);
	List	   *parts = NIL;
	List	   *names = NIL;
	ListCell   *lc;

	if (!looks_like_qualified_name(source) ||
		!SplitIdentifierString(copy, '.', &parts) ||
		list_length(parts) < 1 || list_length(parts) > 3)
		return NIL;
	/* SplitIdentifierString gives C strings; name lists hold String nodes */
	foreach(lc, parts)
		names = lappend(names, makeString((char *) lfirst(lc)));
	return names;
}

static void
source_not_select(const char *product, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("source of data product \"%s\" must be one read-only SELECT query or a relation name",
					product),
			 errdetail_internal("%s", detail),
			 errhint("Give a relation name such as \"raw.orders\", or a single SELECT without INTO, FOR UPDATE or data-modifying WITH.")));
}

/* parse a query source into the SelectStmt that becomes the view */
static SelectStmt *
parse_source_query(const char *source, const char *product)
{
	List	   *statements;
	RawStmt    *raw;
	char	   *problem;

	statements = raw_parser(source, RAW_PARSE_DEFAULT);
	if (statements == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source of data product \"%s\" is empty", product),
				 errhint("Give a relation name or a SELECT query.")));
	if (list_length(statements) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("source of data product \"%s\" must be one read-only SELECT query or a relation name",
						product),
				 errdetail("The source holds %d statements.", list_length(statements)),
				 errhint("Remove every statement but the SELECT.")));

	raw = linitial_node(RawStmt, statements);
	if (!IsA(raw->stmt, SelectStmt))
		source_not_select(product,
						  psprintf("The source is %s.",
								   meshpg_describe_statement(raw->stmt)));
	problem = meshpg_read_only_select_problem((SelectStmt *) raw->stmt, "source");
	if (problem != NULL)
		source_not_select(product, problem);
	return (SelectStmt *) raw->stmt;
}

/* SELECT * FROM <relation>, as a parse tree */
static SelectStmt *
select_all_from(Oid relid)
{
	SelectStmt *select = makeNode(SelectStmt);
	ResTarget  *target = makeNode(ResTarget);
	ColumnRef  *star = makeNode(ColumnRef);

	star->fields = list_make1(makeNode(A_Star));
	star->location = -1;
	target->val = (Node *) star;
	target->location = -1;
	select->targetList = list_make1(target);
	select->fromClause = list_make1(makeRangeVar(get_namespace_name(get_rel_namespace(relid)),
												 get_rel_name(relid), -1));
	return select;
}

/* resolve a relation source, with a helpful error when it is missing */
static Oid
resolve_source_relation(List *names, const char *source, const char *product)
{
	RangeVar   *rv = makeRangeVarFromNameList(names);
	Oid			relid;
	char		relkind;

	relid = RangeVarGetRelid(rv, AccessShareLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" does not exist", source),
				 errdetail("It is named as the source of data product \"%s\".", product),
				 errhint("Create the relation first, schema-qualify its name, or give a SELECT query as the source.")));

	relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_VIEW &&
		relkind != RELKIND_MATVIEW && relkind != RELKIND_FOREIGN_TABLE &&
		relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" cannot be the source of data product \"%s\"", source, product),
				 errdetail("Only tables, partitioned tables, views, materialized views and foreign tables can be read."),
				 errhint("Give a relation that holds rows, or a SELECT query.")));
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("temporary relation \"%s\" cannot be the source of data product \"%s\"",
						source, product),
				 errdetail("A temporary relation disappears at the end of the session, and the output port with it."),
				 errhint("Publish a permanent table or view.")));
	return relid;
}

/* read the new port once with LIMIT 0 as the domain owner */
static void
check_owner_can_read(Oid port, PortErrorContext *ectx)
{
	MemoryContext caller_context = CurrentMemoryContext;
	ErrorContextCallback callback;
	char	   *query;

	callback.callback = port_access_error_callback;
	callback.arg = ectx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	query = psprintf("SELECT * FROM %s LIMIT 0",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(port)),
												get_rel_name(port)));
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read output port");
		SPI_finish();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller_context);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_INSUFFICIENT_PRIVILEGE)
			PG_RE_THROW();
		FlushErrorState();
		/* the transaction is aborted by this error, which cleans up SPI */
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("domain owner \"%s\" cannot read the source of data product \"%s\"",
						ectx->owner, ectx->product),
				 errdetail("The output port reads its source with the rights of the domain owner, and for it: %s.",
						   edata->message),
				 errhint("GRANT SELECT on the source to \"%s\", or publish from a relation it can read.",
						 ectx->owner)));
	}
	PG_END_TRY();

	error_context_stack = callback.previous;
}

/*
 * mesh._create_port(domain text, name text, source text, owner regrole,
 *					 OUT port regclass, OUT source_kind text,
 *					 OUT source_relation regclass)
 */
Datum
meshpg_create_port(PG_FUNCTION_ARGS)
{
	const MeshApiCall *call = meshpg_current_api_call("mesh._create_port()");
	char	   *domain = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *source = text_to_cstring(PG_GETARG_TEXT_PP(2));
	Oid			owner = PG_GETARG_OID(3);
	PortErrorContext ectx;
	ErrorContextCallback callback;
	List	   *relation_names;
	SelectStmt *select;
	Oid			source_relid = InvalidOid;
	ViewStmt   *view;
	ObjectAddress address;
	Oid			save_userid;
	int			save_sec_context;
	int			guc_nest_level;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	ectx.product = psprintf("%s.%s", domain, name);
	ectx.source = source;
	ectx.owner = GetUserNameFromId(owner, false);

	/* names in the source are resolved as the caller would resolve them */
	guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", call->search_path,
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	/* everything from here on is done with the domain owner's rights */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);

	callback.callback = port_source_error_callback;
	callback.arg = &ectx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	relation_names = source_as_relation_name(source);
	if (relation_names != NIL)
	{
		source_relid = resolve_source_relation(relation_names, source, ectx.product);
		select = select_all_from(source_relid);
	}
	else
		select = parse_source_query(source, ectx.product);

	view = makeNode(ViewStmt);
	view->view = makeRangeVar(domain, name, -1);
	view->query = (Node *) select;
	view->replace = false;
	view->options = list_make1(makeDefElem("security_barrier",
										   (Node *) makeString("true"), -1));
	view->withCheckOption = NO_CHECK_OPTION;

	/*
	 * A query over temporary relations would make a temporary view, which
	 * DefineView refuses to create in the domain's (permanent) schema.
	 */
	address = DefineView(view, source, 0, 0);
	CommandCounterIncrement();

	error_context_stack = callback.previous;
	check_owner_can_read(address.objectId, &ectx);

	SetUserIdAndSecContext(save_userid, save_sec_context);
	AtEOXact_GUC(true, guc_nest_level);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = ObjectIdGetDatum(address.objectId);
	values[1] = CStringGetTextDatum(OidIsValid(source_relid) ? "relation" : "query");
	values[2] = ObjectIdGetDatum(source_relid);
	nulls[2] = !OidIsValid(source_relid);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
