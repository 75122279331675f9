/*-------------------------------------------------------------------------
 *
 * column_origin.c
 *	  Where each column of an output port comes from.
 *
 * The catalog records a port column's nullability, primary key and
 * references from the relations it reads, not from guesses.  This module
 * walks the port's view query and follows each output column through
 * subqueries, joins and CTEs to a column of a base relation, noting whether
 * an outer join, grouping sets or a set operation can make it NULL on the
 * way.  mesh._column_origins() returns that; the SQL side combines it with
 * pg_attribute and pg_constraint.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

PG_FUNCTION_INFO_V1(meshpg_column_origins);

typedef struct ColumnOrigin
{
	Oid			relid;			/* base relation, or InvalidOid if unknown */
	AttrNumber	attnum;			/* its column */
	bool		may_be_null;	/* the path can turn the value into NULL */
	bool		keyed;			/* each output row is one row of relid */
} ColumnOrigin;

static bool rows_are_source_rows(Query *query);

/* add every range table index under jtnode to *nullable when it is nullable */
static void
collect_nullable_rels(Node *jtnode, bool nullable, Bitmapset **out)
{
	if (jtnode == NULL)
		return;
	if (IsA(jtnode, RangeTblRef))
	{
		if (nullable)
			*out = bms_add_member(*out, ((RangeTblRef *) jtnode)->rtindex);
	}
	else if (IsA(jtnode, FromExpr))
	{
		ListCell   *lc;

		foreach(lc, ((FromExpr *) jtnode)->fromlist)
			collect_nullable_rels(lfirst(lc), nullable, out);
	}
	else if (IsA(jtnode, JoinExpr))
	{
		JoinExpr   *join = (JoinExpr *) jtnode;
		bool		left_nullable = nullable ||
			join->jointype == JOIN_RIGHT || join->jointype == JOIN_FULL;
		bool		right_nullable = nullable ||
			join->jointype == JOIN_LEFT || join->jointype == JOIN_FULL;

		collect_nullable_rels(join->larg, left_nullable, out);
		collect_nullable_rels(join->rarg, right_nullable, out);
		if (nullable)
			*out = bms_add_member(*out, join->rtindex);
	}
}

static ColumnOrigin trace_expr(Query *query, Expr *expr);

/* follow output column "attnum" of a query */
static ColumnOrigin
trace_output_column(Query *query, AttrNumber attnum)
{
	TargetEntry *tle = get_tle_by_resno(query->targetList, attnum);
	ColumnOrigin unknown = {InvalidOid, InvalidAttrNumber, true, false};

	if (tle == NULL || query->setOperations != NULL)
		return unknown;
	return trace_expr(query, tle->expr);
}

static ColumnOrigin
trace_expr(Query *query, Expr *expr)
{
	ColumnOrigin origin = {InvalidOid, InvalidAttrNumber, true, false};
	Var		   *var;
	RangeTblEntry *rte;
	Bitmapset  *nullable = NULL;

	check_stack_depth();

	if (expr == NULL || !IsA(expr, Var))
		return origin;
	var = (Var *) expr;
	if (var->varlevelsup != 0 || var->varattno <= 0)
		return origin;

	rte = rt_fetch(var->varno, query->rtable);
	switch (rte->rtekind)
	{
		case RTE_RELATION:
			if (rte->relkind == RELKIND_VIEW)
			{
				/* a view is followed to the relations it reads */
				Relation	view = table_open(rte->relid, AccessShareLock);

				origin = trace_output_column(get_view_query(view), var->varattno);
				table_close(view, AccessShareLock);
			}
			else
			{
				origin.relid = rte->relid;
				origin.attnum = var->varattno;
				origin.may_be_null = false;
				origin.keyed = true;
			}
			break;
		case RTE_SUBQUERY:
			origin = trace_output_column(rte->subquery, var->varattno);
			break;
		case RTE_JOIN:
			if (var->varattno <= list_length(rte->joinaliasvars))
				origin = trace_expr(query, list_nth(rte->joinaliasvars,
													var->varattno - 1));
			break;
		case RTE_CTE:
			if (rte->ctelevelsup == 0 && !rte->self_reference)
			{
				ListCell   *lc;

				foreach(lc, query->cteList)
				{
					CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

					if (strcmp(cte->ctename, rte->ctename) == 0 &&
						!cte->cterecursive && IsA(cte->ctequery, Query))
						origin = trace_output_column((Query *) cte->ctequery,
													 var->varattno);
				}
			}
			break;
		default:
			break;
	}

	/* what this query level does to the value */
	collect_nullable_rels((Node *) query->jointree, false, &nullable);
	if (bms_is_member(var->varno, nullable) || query->groupingSets != NIL)
		origin.may_be_null = true;
	origin.keyed = origin.keyed && rows_are_source_rows(query);
	return origin;
}

/*
 * Does every row of the query stand for exactly one row of a single base
 * relation?  Then that relation's primary key identifies the query's rows.
 */
static bool
rows_are_source_rows(Query *query)
{
	int			relations = 0;
	ListCell   *lc;

	if (query->setOperations != NULL || query->groupClause != NIL ||
		query->groupingSets != NIL || query->hasAggs ||
		query->hasTargetSRFs || query->cteList != NIL)
		return false;
	if (list_length(query->jointree->fromlist) != 1 ||
		!IsA(linitial(query->jointree->fromlist), RangeTblRef))
		return false;
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		/* a subquery is one source here; its own level is checked on the way down */
		if ((rte->rtekind == RTE_RELATION || rte->rtekind == RTE_SUBQUERY) && rte->inFromCl)
			relations++;
	}
	return relations == 1;
}

/*
 * mesh._column_origins(port regclass)
 *	 RETURNS TABLE(attnum int2, source_relation regclass, source_attnum int2,
 *				   may_be_null bool, keyed bool)
 *
 * keyed: every row of the port is one row of source_relation, so that
 * relation's primary key columns identify the port's rows too.
 */
Datum
meshpg_column_origins(PG_FUNCTION_ARGS)
{
	Oid			port = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	Query	   *query;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);

	rel = table_open(port, AccessShareLock);
	if (rel->rd_rel->relkind != RELKIND_VIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a view", RelationGetRelationName(rel)),
				 errhint("Output ports are views.")));
	query = get_view_query(rel);

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		ColumnOrigin origin;
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		if (tle->resjunk)
			continue;
		origin = trace_output_column(query, tle->resno);
		values[0] = Int16GetDatum(tle->resno);
		values[1] = ObjectIdGetDatum(origin.relid);
		values[2] = Int16GetDatum(origin.attnum);
		nulls[1] = nulls[2] = !OidIsValid(origin.relid);
		values[3] = BoolGetDatum(origin.may_be_null);
		values[4] = BoolGetDatum(origin.keyed);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	table_close(rel, AccessShareLock);
	return (Datum) 0;
}
