/*-------------------------------------------------------------------------
 *
 * read_only_select.h
 *	  Is a raw-parsed SELECT read-only?  Shared by output ports (src/port.c)
 *	  and custom check SQL (src/checks_exec.c), which word their errors
 *	  differently but refuse exactly the same statements.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_READ_ONLY_SELECT_H
#define MESHPG_READ_ONLY_SELECT_H

#include "nodes/parsenodes.h"

/* "a DELETE statement", "an INSERT statement" */
extern char *meshpg_describe_statement(Node *stmt);

/*
 * NULL when the SELECT (its CTEs and set-operation arms included) neither
 * creates a table (INTO), locks rows nor modifies data in a WITH query;
 * otherwise a detail sentence naming the first problem, about "the <noun>".
 */
extern char *meshpg_read_only_select_problem(SelectStmt *select, const char *noun);

#endif							/* MESHPG_READ_ONLY_SELECT_H */
