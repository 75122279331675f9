/*-------------------------------------------------------------------------
 *
 * policy.h
 *	  Parsing and validation of policy expressions (masks, conditions,
 *	  row filters), shared by the API (when a policy is stored or bound) and
 *	  the read hook (each time a policy is applied).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_POLICY_H
#define MESHPG_POLICY_H

#include "nodes/primnodes.h"
#include "utils/relcache.h"

typedef enum PolicyExprKind
{
	POLICY_MASK,				/* over "value" and the relation's columns */
	POLICY_CONDITION,			/* boolean, over no column (the reader) */
	POLICY_FILTER				/* boolean, over the relation's columns */
} PolicyExprKind;

/*
 * Parse and analyse a policy expression with search_path = pg_catalog.
 * Column references resolve to Vars with varno 1 over rel (may be NULL for a
 * condition); for a mask, "value" is column value_attno of rel and the result
 * is coerced to that column's type.  Sub-queries, aggregates, window and
 * set-returning functions, and any function, operator or type that is not
 * owned by a superuser or part of meshpg are refused with an error naming
 * them (and naming "what", e.g. 'masking policy "email"').
 */
extern Node *policy_expression(PolicyExprKind kind, const char *expression,
							   const char *what, Relation rel,
							   AttrNumber value_attno);

/* check only that the text is one expression without a sub-query */
extern void policy_expression_syntax(const char *expression, const char *what);

#endif							/* MESHPG_POLICY_H */
