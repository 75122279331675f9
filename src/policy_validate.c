/*-------------------------------------------------------------------------
 *
 * policy_validate.c
 *	  Policy expressions: parsed with search_path = pg_catalog and refused
 *	  unless every piece of code they can run is trusted.
 *
 * A policy expression runs inside the queries of every reader (and, for
 * conditions, in the planner).  If it could call a function, operator, cast,
 * type input function or domain check written by an ordinary role, that role
 * would run code with the reader's rights and see raw values.  So an
 * expression may only use objects owned by a superuser or belonging to the
 * meshpg extension, may not contain sub-queries, aggregates, window,
 * set-returning or volatile functions (which could change the reader's
 * session) nor built-ins that run SQL text, and is re-checked each time the
 * read hook applies it (an object may have been dropped and re-created since
 * it was bound).
 * Unqualified names resolve in pg_catalog only, whatever the search_path of
 * the policy author or of the reader.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_language.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "meshpg/policy.h"

PG_FUNCTION_INFO_V1(meshpg_validate_policy_expression);

typedef struct ValueRef
{
	Relation	rel;
	AttrNumber	attno;
} ValueRef;

static const char *
kind_name(PolicyExprKind kind)
{
	switch (kind)
	{
		case POLICY_MASK:
			return "mask";
		case POLICY_CONDITION:
			return "unmasked_for condition";
		case POLICY_FILTER:
			return "row filter";
	}
	return "expression";
}

static void
refuse(const char *what, PolicyExprKind kind, const char *problem, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s of %s %s", kind_name(kind), what, problem),
			 errdetail("Policy expressions run inside every reader's queries, so they may only use functions, operators and types owned by a superuser or by meshpg."),
			 errhint("%s", hint)));
}

static bool
raw_has_sublink(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
		return true;
	return raw_expression_tree_walker(node, raw_has_sublink, context);
}

/* the one expression of "SELECT <expression>", or an error */
static Node *
parse_one_expression(const char *expression, const char *what, PolicyExprKind kind)
{
	char	   *sql = psprintf("SELECT %s", expression);
	List	   *raw;
	SelectStmt *select;
	ResTarget  *target;

	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1 || !IsA(((RawStmt *) linitial(raw))->stmt, SelectStmt))
		goto not_one;
	select = (SelectStmt *) ((RawStmt *) linitial(raw))->stmt;
	if (select->op != SETOP_NONE || select->fromClause || select->whereClause ||
		select->groupClause || select->havingClause || select->windowClause ||
		select->sortClause || select->limitCount || select->limitOffset ||
		select->lockingClause || select->withClause || select->valuesLists ||
		select->distinctClause || select->intoClause ||
		list_length(select->targetList) != 1)
		goto not_one;
	target = (ResTarget *) linitial(select->targetList);
	if (target->name != NULL || target->indirection != NIL ||
		(IsA(target->val, ColumnRef) &&
		 IsA(llast(((ColumnRef *) target->val)->fields), A_Star)))
		goto not_one;
	if (raw_has_sublink(target->val, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s of %s cannot contain a sub-query", kind_name(kind), what),
				 errdetail("A sub-query could read other tables with the reader's rights, once per row."),
				 errhint("Use a function owned by a superuser, or a consumer attribute read with mesh.attribute(key).")));
	return target->val;

not_one:
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s of %s must be a single expression", kind_name(kind), what),
			 errdetail("Got: %s", expression),
			 errhint("Write an expression such as mesh.mask_email(value) or region = mesh.attribute('region'), without FROM, WHERE or a semicolon.")));
	return NULL;				/* keep compiler quiet */
}

void
policy_expression_syntax(const char *expression, const char *what)
{
	(void) parse_one_expression(expression, what, POLICY_MASK);
}

/* "value" in a mask is the masked column */
static Node *
value_columnref_hook(ParseState *pstate, ColumnRef *cref)
{
	ValueRef   *ref = (ValueRef *) pstate->p_ref_hook_state;
	Form_pg_attribute att;

	if (list_length(cref->fields) != 1 || !IsA(linitial(cref->fields), String) ||
		strcmp(strVal(linitial(cref->fields)), "value") != 0)
		return NULL;
	if (ref->rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("\"value\" has no type until the policy is bound to a column"),
				 parser_errposition(pstate, cref->location)));
	att = TupleDescAttr(RelationGetDescr(ref->rel), ref->attno - 1);
	return (Node *) makeVar(1, ref->attno, att->atttypid, att->atttypmod,
							att->attcollation, 0);
}

/* --- trust --- */

typedef struct TrustContext
{
	Oid			meshpg;			/* extension oid, or InvalidOid */
	const char *what;
	PolicyExprKind kind;
	Oid			bad_function;
} TrustContext;

static bool
owner_is_trusted(Oid owner, Oid classid, Oid objid, Oid meshpg)
{
	if (superuser_arg(owner))
		return true;
	return OidIsValid(meshpg) && getExtensionOfObject(classid, objid) == meshpg;
}

/*
 * Built-in functions that run SQL given as text or read whole relations by
 * name (through views, whose security_invoker functions then run): owned by
 * the bootstrap superuser, yet they would let a policy author run any code
 * with the reader's rights.  Matched by their C symbol, so aliases count too.
 */
static const char *const sql_running_builtins[] = {
	"query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
	"cursor_to_xml", "cursor_to_xmlschema",
	"table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
	"schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema",
	"database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema",
	"tsquery_rewrite_query", "ts_stat1", "ts_stat2",
	NULL
};

static bool
runs_sql_text(HeapTuple tuple)
{
	Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tuple);
	Datum		src;
	char	   *symbol;
	bool		isnull;
	bool		found = false;

	if (proc->prolang != INTERNALlanguageId)
		return false;
	src = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_prosrc, &isnull);
	if (isnull)
		return false;
	symbol = TextDatumGetCString(src);
	for (int i = 0; sql_running_builtins[i] != NULL; i++)
		if (strcmp(symbol, sql_running_builtins[i]) == 0)
			found = true;
	pfree(symbol);
	return found;
}

static bool
function_is_untrusted(Oid funcid, void *context)
{
	TrustContext *ctx = (TrustContext *) context;
	HeapTuple	tuple;
	Form_pg_proc proc;
	bool		bad;

	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for function %u", funcid);
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	bad = !owner_is_trusted(proc->proowner, ProcedureRelationId, funcid, ctx->meshpg) ||
		proc->proretset || runs_sql_text(tuple);
	ReleaseSysCache(tuple);
	if (bad)
		ctx->bad_function = funcid;
	return bad;
}

static void
check_operator(Oid opno, TrustContext *ctx)
{
	HeapTuple	tuple;
	Oid			owner;

	tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	owner = ((Form_pg_operator) GETSTRUCT(tuple))->oprowner;
	ReleaseSysCache(tuple);
	if (!owner_is_trusted(owner, OperatorRelationId, opno, ctx->meshpg))
		refuse(ctx->what, ctx->kind,
			   psprintf("uses operator %s, which is not trusted", format_operator(opno)),
			   "Use an operator owned by a superuser, or ask a superuser to provide one.");
}

static void
check_type(Oid typid, TrustContext *ctx)
{
	HeapTuple	tuple;
	Oid			owner;

	if (!OidIsValid(typid))
		return;
	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for type %u", typid);
	owner = ((Form_pg_type) GETSTRUCT(tuple))->typowner;
	ReleaseSysCache(tuple);
	if (!owner_is_trusted(owner, TypeRelationId, typid, ctx->meshpg))
		refuse(ctx->what, ctx->kind,
			   psprintf("uses type %s, which is not trusted", format_type_be(typid)),
			   "Use types and domains owned by a superuser.");
}

/*
 * Functions whose answer depends on the role running them or on settings the
 * reader controls.  A mask or row filter runs as the current role, which
 * inside a SECURITY DEFINER function is the definer, not the reader: a mask
 * "CASE WHEN pg_has_role('hr', 'MEMBER') THEN value ..." in an HR member's
 * definer function unmasked for every caller.  Conditions on the reader
 * belong in unmasked_for (checked for every role in play); row filters may
 * use mesh.attribute() and CURRENT_USER, which are replaced by the reader's.
 */
static const char *const role_dependent_builtins[] = {
	"pg_has_role", "has_any_column_privilege", "has_column_privilege",
	"has_database_privilege", "has_foreign_data_wrapper_privilege",
	"has_function_privilege", "has_language_privilege", "has_parameter_privilege",
	"has_schema_privilege", "has_sequence_privilege", "has_server_privilege",
	"has_table_privilege", "has_tablespace_privilege", "has_type_privilege",
	"row_security_active", "current_schema", "current_schemas",
	NULL
};

static void
check_reader_dependence(Node *node, TrustContext *ctx)
{
	if (IsA(node, SQLValueFunction))
	{
		SQLValueFunctionOp op = ((SQLValueFunction *) node)->op;
		bool		user = (op == SVFOP_CURRENT_USER || op == SVFOP_CURRENT_ROLE || op == SVFOP_USER);

		if (op == SVFOP_SESSION_USER || (user && ctx->kind == POLICY_MASK))
			refuse(ctx->what, ctx->kind,
				   "depends on the role that runs it",
				   "Inside a SECURITY DEFINER function that is the definer, not the reader: put conditions on the reader in unmasked_for (a row filter may use CURRENT_USER).");
	}
	else if (IsA(node, FuncExpr))
	{
		Oid			funcid = ((FuncExpr *) node)->funcid;
		HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
		Form_pg_proc proc;
		const char *name;
		bool		bad = false;
		bool		setting = false;

		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "cache lookup failed for function %u", funcid);
		proc = (Form_pg_proc) GETSTRUCT(tuple);
		name = NameStr(proc->proname);
		if (proc->pronamespace == PG_CATALOG_NAMESPACE)
		{
			setting = (strcmp(name, "current_setting") == 0);
			for (int i = 0; !setting && ctx->kind != POLICY_CONDITION &&
				 role_dependent_builtins[i] != NULL; i++)
				bad = (strcmp(name, role_dependent_builtins[i]) == 0) || bad;
		}
		else if (ctx->kind == POLICY_MASK && strcmp(name, "attribute") == 0 &&
				 OidIsValid(ctx->meshpg) &&
				 getExtensionOfObject(ProcedureRelationId, funcid) == ctx->meshpg)
			bad = true;
		ReleaseSysCache(tuple);
		if (setting)
			refuse(ctx->what, ctx->kind,
				   psprintf("calls function %s, which reads a setting the reader can change",
							format_procedure(funcid)),
				   "Use a consumer attribute read with mesh.attribute(key) in unmasked_for or a row filter.");
		if (bad)
			refuse(ctx->what, ctx->kind,
				   psprintf("calls function %s, whose answer depends on the role that runs it",
							format_procedure(funcid)),
				   "Inside a SECURITY DEFINER function that is the definer, not the reader: put conditions on the reader in unmasked_for (a row filter may use mesh.attribute(key) and CURRENT_USER).");
	}
}

static bool
trust_walker(Node *node, TrustContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
		refuse(ctx->what, ctx->kind, "contains a sub-query",
			   "Remove the sub-query.");
	if (IsA(node, Aggref) || IsA(node, WindowFunc) || IsA(node, GroupingFunc))
		refuse(ctx->what, ctx->kind, "contains an aggregate or window function",
			   "A policy expression works on one row at a time.");
	if (IsA(node, Param))
		refuse(ctx->what, ctx->kind, "contains a parameter",
			   "Write the value itself.");
	check_reader_dependence(node, ctx);

	if (IsA(node, OpExpr) || IsA(node, DistinctExpr) || IsA(node, NullIfExpr))
		check_operator(((OpExpr *) node)->opno, ctx);
	else if (IsA(node, ScalarArrayOpExpr))
		check_operator(((ScalarArrayOpExpr *) node)->opno, ctx);
	else if (IsA(node, RowCompareExpr))
	{
		ListCell   *lc;

		foreach(lc, ((RowCompareExpr *) node)->opnos)
			check_operator(lfirst_oid(lc), ctx);
	}

	if (check_functions_in_node(node, function_is_untrusted, ctx))
		refuse(ctx->what, ctx->kind,
			   psprintf("calls function %s, which is not trusted",
						format_procedure(ctx->bad_function)),
			   "Use functions owned by a superuser or provided by meshpg (mesh.mask_*), schema-qualified; set-returning functions and functions that run SQL text or read tables by name (query_to_xml, table_to_xml, ts_rewrite with a query) are not allowed.");

	switch (nodeTag(node))
	{
		case T_Const:
		case T_Var:
		case T_FuncExpr:
		case T_OpExpr:
		case T_RelabelType:
		case T_CoerceViaIO:
		case T_ArrayCoerceExpr:
		case T_ConvertRowtypeExpr:
		case T_CoerceToDomain:
		case T_CaseExpr:
		case T_CoalesceExpr:
		case T_MinMaxExpr:
		case T_ArrayExpr:
		case T_RowExpr:
		case T_FieldSelect:
		case T_SubscriptingRef:
			check_type(exprType(node), ctx);
			break;
		default:
			break;
	}
	return expression_tree_walker(node, trust_walker, (void *) ctx);
}

Node *
policy_expression(PolicyExprKind kind, const char *expression, const char *what,
				  Relation rel, AttrNumber value_attno)
{
	Node	   *raw = parse_one_expression(expression, what, kind);
	ParseState *pstate = make_parsestate(NULL);
	OverrideSearchPath *path = palloc0(sizeof(OverrideSearchPath));
	ValueRef	ref = {(kind == POLICY_MASK) ? rel : NULL, value_attno};
	TrustContext tctx;
	Node	   *expr;

	/* no p_sourcetext: a cursor position would point into the caller's query */
	pstate->p_sourcetext = NULL;
	if (rel != NULL && kind != POLICY_CONDITION)
	{
		ParseNamespaceItem *nsitem;

		nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock,
											   NULL, false, false);
		addNSItemToQuery(pstate, nsitem, false, true, true);
	}
	if (kind == POLICY_MASK)
	{
		pstate->p_pre_columnref_hook = value_columnref_hook;
		pstate->p_ref_hook_state = &ref;
	}

	/* unqualified names are pg_catalog's, whoever wrote or reads the policy */
	path->schemas = NIL;
	path->addCatalog = true;
	path->addTemp = false;
	PushOverrideSearchPath(path);
	PG_TRY();
	{
		expr = transformExpr(pstate, raw, EXPR_KIND_SELECT_TARGET);
		if (pstate->p_hasAggs || pstate->p_hasWindowFuncs || pstate->p_hasTargetSRFs)
			refuse(what, kind, "contains an aggregate, window or set-returning function",
				   "A policy expression works on one row at a time.");
		if (kind == POLICY_MASK)
		{
			Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), value_attno - 1);
			Node	   *coerced;

			coerced = coerce_to_target_type(pstate, expr, exprType(expr),
											att->atttypid, att->atttypmod,
											COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
			if (coerced == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("mask of %s returns type %s, which does not fit column \"%s\" of type %s",
								what, format_type_be(exprType(expr)),
								NameStr(att->attname), format_type_be(att->atttypid)),
						 errhint("A mask must return the type of the column (or one assignable to it), e.g. mesh.mask_default(value) for non-text columns.")));
			expr = coerced;
		}
		else
			expr = coerce_to_boolean(pstate, expr,
									 kind == POLICY_FILTER ? "row filter" : "unmasked_for condition");
		assign_expr_collations(pstate, expr);
	}
	PG_FINALLY();
	{
		PopOverrideSearchPath();
	}
	PG_END_TRY();

	tctx.meshpg = get_extension_oid("meshpg", true);
	tctx.what = what;
	tctx.kind = kind;
	tctx.bad_function = InvalidOid;
	fix_opfuncids(expr);
	(void) trust_walker(expr, &tctx);

	if (kind == POLICY_FILTER && contain_volatile_functions(expr))
		refuse(what, kind, "calls a volatile function",
			   "A row filter must give the same answer for a row within one query; use stable or immutable functions.");
	/* set_config, nextval, pg_notify, ...: they could change the reader's session */
	if (kind != POLICY_FILTER && contain_volatile_functions(expr))
		refuse(what, kind, "calls a volatile function",
			   "Policy expressions must not change anything in the reader's session (set_config could change its search_path); use stable or immutable functions.");
	free_parsestate(pstate);
	return expr;
}

/*
 * mesh._validate_policy_expression(kind, expression, relation, column):
 * kind 'mask' (with relation and column: fully; without: syntax only),
 * 'condition', or 'filter' (over relation).
 */
Datum
meshpg_validate_policy_expression(PG_FUNCTION_ARGS)
{
	char	   *kind;
	char	   *expression;
	Oid			relid = PG_ARGISNULL(2) ? InvalidOid : PG_GETARG_OID(2);
	char	   *column = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	Relation	rel = NULL;
	const char *what;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("policy kind and expression must not be null")));
	kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	expression = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (OidIsValid(relid))
		rel = relation_open(relid, AccessShareLock);
	what = rel ? psprintf("the policy on %s", RelationGetRelationName(rel)) : "the policy";

	if (strcmp(kind, "mask") == 0)
	{
		if (rel == NULL || column == NULL)
			policy_expression_syntax(expression, "the policy");
		else
		{
			AttrNumber	attno = get_attnum(relid, column);

			if (attno <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of relation \"%s\" does not exist",
								column, RelationGetRelationName(rel))));
			(void) policy_expression(POLICY_MASK, expression,
									 psprintf("the policy on column \"%s\"", column),
									 rel, attno);
		}
	}
	else if (strcmp(kind, "condition") == 0)
		(void) policy_expression(POLICY_CONDITION, expression, "the policy", NULL, 0);
	else if (strcmp(kind, "filter") == 0 && rel != NULL)
		(void) policy_expression(POLICY_FILTER, expression, what, rel, 0);
	else
		elog(ERROR, "unknown policy expression kind \"%s\"", kind);

	if (rel)
		relation_close(rel, AccessShareLock);
	PG_RETURN_VOID();
}
