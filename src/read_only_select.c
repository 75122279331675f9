/*-------------------------------------------------------------------------
 *
 * read_only_select.c
 *	  The one definition of "a read-only SELECT" for every SQL text meshpg
 *	  accepts from users (port sources, custom check SQL): no SELECT INTO,
 *	  no row locks, no data-modifying WITH, anywhere in the tree.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <string.h>

#include "miscadmin.h"
#include "tcop/utility.h"

#include "meshpg/read_only_select.h"

char *
meshpg_describe_statement(Node *stmt)
{
	const char *command = CreateCommandName(stmt);

	return psprintf("%s %s statement",
					strchr("AEIOU", command[0]) != NULL ? "an" : "a", command);
}

char *
meshpg_read_only_select_problem(SelectStmt *select, const char *noun)
{
	ListCell   *lc;
	char	   *problem;

	check_stack_depth();

	if (select->intoClause != NULL)
		return psprintf("The %s is a SELECT ... INTO, which creates a table.", noun);
	if (select->lockingClause != NIL)
		return psprintf("The %s locks rows (FOR UPDATE or FOR SHARE).", noun);
	if (select->withClause != NULL)
	{
		foreach(lc, select->withClause->ctes)
		{
			CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

			if (!IsA(cte->ctequery, SelectStmt))
				return psprintf("WITH query \"%s\" is %s.", cte->ctename,
								meshpg_describe_statement(cte->ctequery));
			problem = meshpg_read_only_select_problem((SelectStmt *) cte->ctequery, noun);
			if (problem != NULL)
				return problem;
		}
	}
	if (select->larg != NULL &&
		(problem = meshpg_read_only_select_problem(select->larg, noun)) != NULL)
		return problem;
	if (select->rarg != NULL &&
		(problem = meshpg_read_only_select_problem(select->rarg, noun)) != NULL)
		return problem;
	return NULL;
}
