/*-------------------------------------------------------------------------
 *
 * descriptor.h
 *	  Validation of data product descriptors.
 *
 * descriptor.c is the only translation unit that includes jansson.h (its
 * json_object clashes with utils/builtins.h), so this interface speaks in
 * JSON text and PostgreSQL Lists, never in jansson types.  The checks of
 * values that need the server (intervals, time zones, roles) are implemented
 * on the PostgreSQL side, in descriptor_sql.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_DESCRIPTOR_H
#define MESHPG_DESCRIPTOR_H

#include "nodes/pg_list.h"

/*
 * Check a descriptor (JSON text) against its context (JSON text):
 *   {"columns": [{"name": .., "type": .., "nullable": ..}, ...],
 *    "managed": {"status": .., "product": .., ...}}
 * Returns the problems found, as palloc'd strings "$.path: message", at
 * most DESCRIPTOR_MAX_PROBLEMS of them, and sets *total to how many there
 * were; NIL when the descriptor is valid.
 */
#define DESCRIPTOR_MAX_PROBLEMS 100

extern List *descriptor_validate(const char *descriptor_json,
								 const char *context_json, int *total);

/* server-side value checks used by the validator (descriptor_sql.c) */
extern bool descriptor_value_is_interval(const char *value, bool *positive,
										 bool *negative);
extern bool descriptor_value_is_timezone(const char *value);
extern bool descriptor_value_is_role(const char *value);
extern bool descriptor_value_is_sql(const char *value, char **message);
extern bool descriptor_value_fits_type(const char *value, const char *type_name,
									   char **message);

#endif							/* MESHPG_DESCRIPTOR_H */
