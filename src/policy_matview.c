/*-------------------------------------------------------------------------
 *
 * policy_matview.c
 *	  Which columns of a materialized view copy a column of another relation.
 *
 * A materialized view stores what its query returned when it was last
 * refreshed (by its owner, who may see raw data).  The rules of the columns
 * it copies unchanged apply to the materialized view's own columns, so that
 * masked readers of the materialized view see masked values
 * (mesh._enforcement_masks).  Only plain column references of the top-level
 * query are followed; computed columns are not (docs/security.md).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "funcapi.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "rewrite/prs2lock.h"
#include "utils/builtins.h"
#include "utils/rel.h"

PG_FUNCTION_INFO_V1(meshpg_matview_origins);

/* mesh._matview_origins(regclass) -> (attnum, source_relation, source_attnum) */
Datum
meshpg_matview_origins(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	RewriteRule *rule;
	Query	   *query;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);

	rel = table_open(relid, AccessShareLock);
	if (rel->rd_rel->relkind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a materialized view", RelationGetRelationName(rel))));
	if (rel->rd_rules == NULL || rel->rd_rules->numLocks != 1)
	{
		table_close(rel, AccessShareLock);
		return (Datum) 0;
	}
	rule = rel->rd_rules->rules[0];
	if (rule->event != CMD_SELECT || list_length(rule->actions) != 1)
	{
		table_close(rel, AccessShareLock);
		return (Datum) 0;
	}
	query = linitial_node(Query, rule->actions);

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Expr	   *expr = tle->expr;
		Var		   *var;
		RangeTblEntry *rte;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		while (expr && IsA(expr, RelabelType))
			expr = ((RelabelType *) expr)->arg;
		if (tle->resjunk || expr == NULL || !IsA(expr, Var))
			continue;
		var = (Var *) expr;
		if (var->varlevelsup != 0 || var->varattno <= 0 ||
			var->varno < 1 || var->varno > list_length(query->rtable))
			continue;
		rte = rt_fetch(var->varno, query->rtable);
		if (rte->rtekind != RTE_RELATION)
			continue;
		values[0] = Int16GetDatum(tle->resno);
		values[1] = ObjectIdGetDatum(rte->relid);
		values[2] = Int16GetDatum(var->varattno);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	table_close(rel, AccessShareLock);
	return (Datum) 0;
}
