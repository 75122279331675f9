/*-------------------------------------------------------------------------
 *
 * odcs.h
 *	  Reading and writing ODCS data contracts (JSON and YAML documents).
 *
 * The limits below apply to every contract document, JSON or YAML, so that a
 * hostile document cannot make the server spend unbounded memory or time.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_ODCS_H
#define MESHPG_ODCS_H

/* largest contract document accepted, in bytes */
#define ODCS_MAX_DOCUMENT_BYTES		(4 * 1024 * 1024)
/* deepest nesting of objects and arrays */
#define ODCS_MAX_DEPTH				64
/* most values (scalars, objects, arrays) in a document, YAML aliases expanded */
#define ODCS_MAX_NODES				200000

/*
 * Checks a JSON contract with jansson: syntax, duplicate keys, nesting and
 * size.  Raises an error with the line and column of the first problem.
 */
extern void odcs_json_check(const char *document);

/*
 * Reads a YAML contract with libyaml and returns it as JSON text (palloc'd).
 * Errors carry the line and column of the problem.
 */
extern char *odcs_yaml_to_json(const char *document, size_t length);

/* true when a string written as a plain YAML scalar reads back as that string */
extern bool odcs_yaml_plain_is_string(const char *s);

/* Writes a jsonb document as YAML text (palloc'd). */
struct JsonbContainer;
extern char *odcs_jsonb_to_yaml(struct JsonbContainer *document);

#endif							/* MESHPG_ODCS_H */
