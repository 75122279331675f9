/*-------------------------------------------------------------------------
 *
 * lineage.c
 *	  Column lineage of a view or materialized view, read from its query tree.
 *
 * mesh._column_lineage(rel) returns, for every output column of a view or
 * materialized view, each column of a relation named in its definition that
 * the value is computed from, and how: copied as is ("direct"), through an
 * expression ("expression") or through an aggregate or window function
 * ("aggregate").  Columns that decide which rows there are, rather than what
 * a value is, are returned once for the whole relation (output attnum NULL):
 * WHERE and HAVING ("filter"), JOIN ... ON ("join") and GROUP BY ("group_by").
 * Every relation the definition reads is also returned once with how
 * "reads" (a count(*) reads a table without reading any of its columns).
 *
 * Lineage stops at the relations the definition names: a view read by the
 * view is a source, not expanded; the SQL side (mesh.lineage) walks relation
 * by relation, so nested views appear as nodes of the graph.  Subqueries,
 * joins, CTEs (recursive ones too: the self reference is skipped), set
 * operations, sublinks and LATERAL function arguments are followed inside the
 * one definition.  This is the same walk as column_origin.c, which traces
 * port columns to base columns for nullability and keys; here every Var of an
 * expression is followed, not only plain column references.
 *
 * What this reveals is what pg_rewrite and pg_get_viewdef() already show
 * the caller: the function refuses callers without SELECT on pg_rewrite, so
 * a database that hides view definitions from PUBLIC hides lineage too.
 * The rule is read from the syscache without locking the relation (see
 * relation_query), so asking for lineage never holds up DDL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_rewrite.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "nodes/readfuncs.h"
#include "rewrite/prs2lock.h"
#include "rewrite/rewriteSupport.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(meshpg_column_lineage);

/* how a source column reaches the output; the larger value wins on the way */
typedef enum LineageHow
{
	HOW_DIRECT = 0,
	HOW_EXPRESSION,
	HOW_AGGREGATE,
	/* indirect: the column decides which rows there are */
	HOW_JOIN,
	HOW_FILTER,
	HOW_GROUP_BY,
	HOW_READS
} LineageHow;

static const char *const how_names[] = {
	"direct", "expression", "aggregate", "join", "filter", "group_by", "reads"
};

/* a guard against pathological nesting, on top of check_stack_depth() */
#define MAX_LINEAGE_DEPTH 1000
/*
 * and against pathological size: a CTE is traced once per reference, so a
 * chain of CTEs that each read the previous one twice doubles the work per
 * link; real definitions take a few thousand steps
 */
#define MAX_LINEAGE_STEPS 1000000

/*
 * Every level copies the stack of enclosing queries it passes down, and frees
 * the copy on the way back up: memory stays proportional to the nesting, not
 * to the (up to MAX_LINEAGE_STEPS) steps, which any role can make a view take.
 */
typedef struct LineageState
{
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	Oid			self;			/* the view itself (its OLD/NEW entries) */
	AttrNumber	output_attnum;	/* output column being traced, or 0 */
	int			depth;
	long		steps;			/* nodes visited so far */
} LineageState;

typedef struct ExprWalkContext
{
	LineageState *state;
	List	   *stack;			/* queries, innermost first */
	LineageHow	how;
} ExprWalkContext;

static void trace_query_column(LineageState *state, Query *query, List *outer,
							   AttrNumber attno, LineageHow how);
static void trace_expr(LineageState *state, Node *expr, List *stack, LineageHow how);
static void collect_indirect(LineageState *state, Query *query, List *outer);

/* an outer indirect kind stays what it is; otherwise the stronger one wins */
static LineageHow
combine_how(LineageHow outer, LineageHow inner)
{
	if (outer >= HOW_JOIN)
		return outer;
	return Max(outer, inner);
}

static void
enter(LineageState *state)
{
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (++state->depth > MAX_LINEAGE_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("view definition is nested too deeply to trace its lineage"),
				 errdetail("Lineage follows at most %d nested subqueries, CTEs and expressions.",
						   MAX_LINEAGE_DEPTH),
				 errhint("Split the definition into several views.")));
	if (++state->steps > MAX_LINEAGE_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("view definition is too large to trace its lineage"),
				 errdetail("Tracing its columns took more than %d steps; CTEs are traced once per reference.",
						   MAX_LINEAGE_STEPS),
				 errhint("Split the definition into several views, or reference each CTE fewer times.")));
}

static void
leave(LineageState *state)
{
	state->depth--;
}

static void
emit(LineageState *state, bool per_column, Oid relid, AttrNumber attnum, LineageHow how)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	values[0] = Int16GetDatum(state->output_attnum);
	nulls[0] = !per_column || state->output_attnum == 0;
	values[1] = ObjectIdGetDatum(relid);
	values[2] = Int16GetDatum(attnum);
	nulls[2] = attnum <= 0;		/* whole row, or the relation as such */
	values[3] = CStringGetTextDatum(how_names[how]);
	tuplestore_putvalues(state->tupstore, state->tupdesc, values, nulls);
}

/*
 * The SELECT rule's query of a view or materialized view, read from
 * pg_rewrite like pg_get_viewdef() does.  No lock is taken on the relation:
 * every role may ask for lineage, and a lock held by a role without any
 * privilege on the relation would let it hold up DDL on it.  A relation
 * dropped concurrently has no rule, hence no lineage.
 */
static Query *
relation_query(Oid relid)
{
	HeapTuple	tuple;
	Datum		action;
	bool		isnull;
	char	   *action_text;
	List	   *actions;
	Query	   *query = NULL;

	tuple = SearchSysCache2(RULERELNAME, ObjectIdGetDatum(relid),
							PointerGetDatum(ViewSelectRuleName));
	if (!HeapTupleIsValid(tuple))
		return NULL;
	if (((Form_pg_rewrite) GETSTRUCT(tuple))->ev_type == '0' + CMD_SELECT)
	{
		action = SysCacheGetAttr(RULERELNAME, tuple, Anum_pg_rewrite_ev_action, &isnull);
		if (!isnull)
		{
			action_text = TextDatumGetCString(action);
			actions = (List *) stringToNode(action_text);
			if (list_length(actions) == 1 && IsA(linitial(actions), Query))
				query = linitial_node(Query, actions);
		}
	}
	ReleaseSysCache(tuple);
	return query;
}

/* the CTE "name" visible at levelsup levels above the first query of stack */
static CommonTableExpr *
find_cte(List *stack, Index levelsup, const char *name, List **cte_stack)
{
	ListCell   *lc;
	Query	   *owner;

	if (levelsup >= list_length(stack))
		return NULL;
	owner = list_nth_node(Query, stack, levelsup);
	foreach(lc, owner->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (strcmp(cte->ctename, name) == 0 && IsA(cte->ctequery, Query))
		{
			*cte_stack = list_copy_tail(stack, levelsup);
			return cte;
		}
	}
	return NULL;
}

/* follow one column reference to the relations it is read from */
static void
trace_var(LineageState *state, Var *var, List *stack, LineageHow how)
{
	Query	   *query;
	List	   *level;
	RangeTblEntry *rte;

	if (var->varlevelsup >= list_length(stack))
		return;
	level = list_copy_tail(stack, var->varlevelsup);
	query = linitial_node(Query, level);
	if (var->varno < 1 || var->varno > list_length(query->rtable))
		return;
	rte = rt_fetch(var->varno, query->rtable);

	enter(state);
	switch (rte->rtekind)
	{
		case RTE_RELATION:
			if (var->varattno >= 0)
				emit(state, true, rte->relid, var->varattno, how);
			break;
		case RTE_SUBQUERY:
			if (var->varattno > 0)
				trace_query_column(state, rte->subquery, level, var->varattno, how);
			else if (var->varattno == 0)
			{
				ListCell   *lc;

				foreach(lc, rte->subquery->targetList)
				{
					TargetEntry *tle = lfirst_node(TargetEntry, lc);

					if (!tle->resjunk)
						trace_query_column(state, rte->subquery, level, tle->resno,
										   combine_how(how, HOW_EXPRESSION));
				}
			}
			break;
		case RTE_JOIN:
			if (var->varattno > 0 && var->varattno <= list_length(rte->joinaliasvars))
			{
				Node	   *alias = list_nth(rte->joinaliasvars, var->varattno - 1);

				/* a USING column of a FULL JOIN is COALESCE(l, r): an expression */
				if (alias != NULL)
					trace_expr(state, alias, level, how);
			}
			else if (var->varattno == 0)
			{
				ListCell   *lc;

				foreach(lc, rte->joinaliasvars)
					if (lfirst(lc) != NULL)
						trace_expr(state, lfirst(lc), level,
								   combine_how(how, HOW_EXPRESSION));
			}
			break;
		case RTE_CTE:
			if (!rte->self_reference)
			{
				List	   *cte_stack = NIL;
				CommonTableExpr *cte = find_cte(level, rte->ctelevelsup,
												rte->ctename, &cte_stack);

				/* the CTE's query is nested in the query that owns the WITH */
				if (cte != NULL && var->varattno > 0)
					trace_query_column(state, (Query *) cte->ctequery, cte_stack,
									   var->varattno, how);
				list_free(cte_stack);
			}
			break;
		case RTE_FUNCTION:
			{
				ListCell   *lc;

				/* arguments of a LATERAL function: the result is computed from them */
				foreach(lc, rte->functions)
					trace_expr(state, lfirst_node(RangeTblFunction, lc)->funcexpr,
							   level, combine_how(how, HOW_EXPRESSION));
			}
			break;
		case RTE_VALUES:
			if (var->varattno > 0)
			{
				ListCell   *lc;

				foreach(lc, rte->values_lists)
				{
					List	   *row = (List *) lfirst(lc);

					if (var->varattno <= list_length(row))
						trace_expr(state, list_nth(row, var->varattno - 1), level,
								   combine_how(how, HOW_EXPRESSION));
				}
			}
			break;
		default:
			break;
	}
	list_free(level);
	leave(state);
}

/* set operations: output column attno of every leaf query */
static void
trace_setop(LineageState *state, Query *query, List *stack, Node *node,
			AttrNumber attno, LineageHow how)
{
	enter(state);
	if (IsA(node, RangeTblRef))
	{
		RangeTblEntry *rte = rt_fetch(((RangeTblRef *) node)->rtindex, query->rtable);

		if (rte->rtekind == RTE_SUBQUERY)
			trace_query_column(state, rte->subquery, stack, attno, how);
	}
	else if (IsA(node, SetOperationStmt))
	{
		SetOperationStmt *op = (SetOperationStmt *) node;

		trace_setop(state, query, stack, op->larg, attno, how);
		trace_setop(state, query, stack, op->rarg, attno, how);
	}
	leave(state);
}

/* output column attno of query, whose enclosing queries are outer */
static void
trace_query_column(LineageState *state, Query *query, List *outer,
				   AttrNumber attno, LineageHow how)
{
	List	   *stack = lcons(query, list_copy(outer));

	enter(state);
	if (query->setOperations != NULL)
		trace_setop(state, query, stack, query->setOperations, attno, how);
	else
	{
		TargetEntry *tle = get_tle_by_resno(query->targetList, attno);

		if (tle != NULL)
			trace_expr(state, (Node *) tle->expr, stack, how);
	}
	list_free(stack);
	leave(state);
}

static bool
expr_walker(Node *node, ExprWalkContext *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		trace_var(context->state, (Var *) node, context->stack, context->how);
		return false;
	}
	if (IsA(node, Aggref) || IsA(node, WindowFunc) || IsA(node, GroupingFunc))
	{
		ExprWalkContext inner = *context;

		inner.how = combine_how(context->how, HOW_AGGREGATE);
		/* rank() OVER (PARTITION BY a ORDER BY b) is computed from a and b */
		if (IsA(node, WindowFunc) && context->stack != NIL)
		{
			Query	   *query = linitial_node(Query, context->stack);
			ListCell   *lc;

			foreach(lc, query->windowClause)
			{
				WindowClause *window = lfirst_node(WindowClause, lc);
				ListCell   *kc;
				List	   *keys;

				if (window->winref != ((WindowFunc *) node)->winref)
					continue;
				keys = list_concat_copy(window->partitionClause, window->orderClause);
				foreach(kc, keys)
				{
					TargetEntry *tle = get_sortgroupclause_tle(lfirst_node(SortGroupClause, kc),
															   query->targetList);

					(void) expr_walker((Node *) tle->expr, &inner);
				}
				list_free(keys);
			}
		}
		return expression_tree_walker(node, expr_walker, &inner);
	}
	if (IsA(node, SubLink))
	{
		SubLink    *sublink = (SubLink *) node;
		Query	   *sub = castNode(Query, sublink->subselect);
		ListCell   *lc;

		/* the sublink's result is computed from its output columns */
		foreach(lc, sub->targetList)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc);

			if (!tle->resjunk)
				trace_query_column(context->state, sub, context->stack, tle->resno,
								   context->how);
		}
		return expr_walker(sublink->testexpr, context);
	}
	if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, expr_walker, context);
}

/* every column referenced in expr, with how (made at least "expression") */
static void
trace_expr(LineageState *state, Node *expr, List *stack, LineageHow how)
{
	ExprWalkContext context;
	Node	   *bare = expr;

	enter(state);
	/* a binary-compatible cast keeps the value as it is */
	while (bare != NULL && IsA(bare, RelabelType))
		bare = (Node *) ((RelabelType *) bare)->arg;
	context.state = state;
	context.stack = stack;
	if (bare != NULL && IsA(bare, Var))
		trace_var(state, (Var *) bare, stack, how);
	else
	{
		context.how = combine_how(how, HOW_EXPRESSION);
		expr_walker(expr, &context);
	}
	leave(state);
}

/* indirect lineage: join keys under a join tree node */
static void
collect_join_quals(LineageState *state, Node *jtnode, List *stack)
{
	if (jtnode == NULL)
		return;
	if (IsA(jtnode, FromExpr))
	{
		ListCell   *lc;

		foreach(lc, ((FromExpr *) jtnode)->fromlist)
			collect_join_quals(state, lfirst(lc), stack);
	}
	else if (IsA(jtnode, JoinExpr))
	{
		JoinExpr   *join = (JoinExpr *) jtnode;

		collect_join_quals(state, join->larg, stack);
		collect_join_quals(state, join->rarg, stack);
		if (join->quals != NULL)
			trace_expr(state, join->quals, stack, HOW_JOIN);
	}
}

/* sublinks anywhere in an expression: their own filters count too */
typedef struct SublinkCollect
{
	LineageState *state;
	List	   *stack;
} SublinkCollect;

static bool
collect_sublinks_walker(Node *node, SublinkCollect *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
	{
		SubLink    *sublink = (SubLink *) node;

		collect_indirect(context->state, castNode(Query, sublink->subselect),
						 context->stack);
		return collect_sublinks_walker(sublink->testexpr, context);
	}
	if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, collect_sublinks_walker, context);
}

/*
 * Indirect lineage of one query level and every query nested in it: the
 * relations it reads, its filters, join keys and grouping keys.
 */
static void
collect_indirect(LineageState *state, Query *query, List *outer)
{
	List	   *stack = lcons(query, list_copy(outer));
	ListCell   *lc;
	SublinkCollect sub = {state, stack};

	enter(state);
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION && rte->relid != state->self)
			emit(state, false, rte->relid, 0, HOW_READS);
		else if (rte->rtekind == RTE_SUBQUERY && rte->subquery != NULL)
			collect_indirect(state, rte->subquery, stack);
		else if (rte->rtekind == RTE_FUNCTION)
		{
			ListCell   *fc;

			foreach(fc, rte->functions)
				collect_sublinks_walker(lfirst_node(RangeTblFunction, fc)->funcexpr, &sub);
		}
	}
	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (IsA(cte->ctequery, Query))
			collect_indirect(state, (Query *) cte->ctequery, stack);
	}

	if (query->jointree != NULL)
	{
		if (query->jointree->quals != NULL)
			trace_expr(state, query->jointree->quals, stack, HOW_FILTER);
		collect_join_quals(state, (Node *) query->jointree, stack);
		collect_sublinks_walker(query->jointree->quals, &sub);
	}
	if (query->havingQual != NULL)
	{
		trace_expr(state, query->havingQual, stack, HOW_FILTER);
		collect_sublinks_walker(query->havingQual, &sub);
	}
	foreach(lc, query->groupClause)
	{
		SortGroupClause *group = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(group, query->targetList);

		trace_expr(state, (Node *) tle->expr, stack, HOW_GROUP_BY);
	}
	collect_sublinks_walker((Node *) query->targetList, &sub);
	list_free(stack);
	leave(state);
}

/*
 * mesh._column_lineage(rel regclass)
 *	 RETURNS TABLE(attnum int2, source_relation regclass, source_attnum int2, how text)
 *
 * attnum NULL: the row applies to the relation as a whole (how is join,
 * filter, group_by or reads).  source_attnum NULL: the whole source row
 * (a whole-row reference, or "reads").  A table has no lineage: no rows.
 */
Datum
meshpg_column_lineage(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LineageState state;
	char		relkind;
	Query	   *query;
	ListCell   *lc;

	if (pg_class_aclcheck(RewriteRelationId, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read view definitions"),
				 errdetail("Lineage is read from view definitions in pg_catalog.pg_rewrite, which this role cannot read."),
				 errhint("Ask the database administrator for SELECT on pg_catalog.pg_rewrite.")));

	InitMaterializedSRF(fcinfo, 0);
	state.tupstore = rsinfo->setResult;
	state.tupdesc = rsinfo->setDesc;
	state.self = relid;
	state.output_attnum = 0;
	state.depth = 0;
	state.steps = 0;

	/* a table has no lineage of its own; a dropped relation none at all */
	relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW)
		return (Datum) 0;
	query = relation_query(relid);
	if (query == NULL)
		return (Datum) 0;

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		state.output_attnum = tle->resno;
		trace_query_column(&state, query, NIL, tle->resno, HOW_DIRECT);
	}
	state.output_attnum = 0;
	collect_indirect(&state, query, NIL);
	return (Datum) 0;
}
