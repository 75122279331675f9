/*-------------------------------------------------------------------------
 *
 * odcs_json.c
 *	  Checks a JSON data contract with jansson before it becomes jsonb.
 *
 * PostgreSQL's jsonb input keeps the last of duplicate keys and reports a
 * syntax error without a line and column.  A contract is a document a team
 * edits by hand, so it is read with jansson first: a syntax error names its
 * line and column, a key given twice is refused, and nesting and size are
 * bounded (odcs.h).  The text itself is then read by jsonb_in, so numbers
 * keep their exact spelling.  jansson itself would refuse a valid number
 * beyond int64 or double ("too big integer", "real number overflow"), so it
 * reads a copy in which every valid number is written as 0: it checks the
 * structure, jsonb_in the numbers.
 *
 * jansson's allocations go to a memory context of our own while it runs, as
 * in descriptor.c, so an ERROR cannot leak them and the allocator other users
 * of jansson installed is restored afterwards.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <jansson.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "meshpg/odcs.h"

static MemoryContext odcs_jansson_context = NULL;

static void *
odcs_jansson_alloc(size_t size)
{
	return MemoryContextAlloc(odcs_jansson_context, size);
}

static void
odcs_jansson_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

/* characters that continue a number or a literal (true, null, ...) */
static bool
is_token_char(char c)
{
	return isalnum((unsigned char) c) || c == '.' || c == '+' || c == '-';
}

/* end of the JSON number starting at s[i], or i when there is none */
static size_t
number_end(const char *s, size_t i)
{
	size_t		start = i;

	if (s[i] == '-')
		i++;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (isdigit((unsigned char) s[i]))
			i++;
	else
		return start;
	if (s[i] == '.')
	{
		if (!isdigit((unsigned char) s[i + 1]))
			return start;
		i++;
		while (isdigit((unsigned char) s[i]))
			i++;
	}
	if (s[i] == 'e' || s[i] == 'E')
	{
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		if (!isdigit((unsigned char) s[i]))
			return start;
		while (isdigit((unsigned char) s[i]))
			i++;
	}
	/* "01", "1.2.3": not a number, left for jansson to report */
	return is_token_char(s[i]) ? start : i;
}

/*
 * A copy of the document with every valid number outside strings written as
 * "0" and spaces: same length, so lines and columns of errors are unchanged.
 */
static char *
numbers_as_zero(const char *document)
{
	char	   *copy = pstrdup(document);
	bool		in_string = false;

	for (size_t i = 0; copy[i] != '\0'; i++)
	{
		size_t		end;

		if (in_string)
		{
			if (copy[i] == '\\' && copy[i + 1] != '\0')
				i++;
			else if (copy[i] == '"')
				in_string = false;
			continue;
		}
		if (copy[i] == '"')
		{
			in_string = true;
			continue;
		}
		if (!is_token_char(copy[i]))
			continue;
		end = number_end(copy, i);
		if (end > i)
		{
			copy[i] = '0';
			memset(copy + i + 1, ' ', end - i - 1);
		}
		else
			for (end = i; is_token_char(copy[end]); end++)
				;
		i = end - 1;
	}
	return copy;
}

/* counts the values of a parsed document; false when it nests too deeply */
static bool
count_nodes(json_t *value, int depth, long *nodes)
{
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	(*nodes)++;
	if (json_is_object(value) || json_is_array(value))
	{
		if (depth > ODCS_MAX_DEPTH)
			return false;
		if (json_is_object(value))
		{
			const char *key;
			json_t	   *member;

			json_object_foreach(value, key, member)
			{
				if (!count_nodes(member, depth + 1, nodes))
					return false;
			}
		}
		else
		{
			size_t		i;
			json_t	   *member;

			json_array_foreach(value, i, member)
			{
				if (!count_nodes(member, depth + 1, nodes))
					return false;
			}
		}
	}
	return true;
}

/*
 * jansson's message quotes the document near the error and may cut it in the
 * middle of a character: keep the valid part, in the server encoding.
 */
static const char *
error_text(const char *text)
{
	int			valid = pg_encoding_verifymbstr(PG_UTF8, text, strlen(text));

	return pg_any_to_server(pnstrdup(text, valid), valid, PG_UTF8);
}

void
odcs_json_check(const char *document)
{
	MemoryContext old_context = CurrentMemoryContext;
	json_malloc_t saved_malloc;
	json_free_t saved_free;
	json_error_t error;
	json_t	   *volatile parsed = NULL;
	volatile bool shallow = true;
	long		nodes = 0;
	char	   *structure = numbers_as_zero(document);

	json_get_alloc_funcs(&saved_malloc, &saved_free);
	odcs_jansson_context = AllocSetContextCreate(CurrentMemoryContext,
												 "meshpg ODCS JSON check",
												 ALLOCSET_DEFAULT_SIZES);
	json_set_alloc_funcs(odcs_jansson_alloc, odcs_jansson_free);
	PG_TRY();
	{
		parsed = json_loads(structure, JSON_REJECT_DUPLICATES, &error);
		if (parsed != NULL)
			shallow = count_nodes((json_t *) parsed, 1, &nodes);
	}
	PG_FINALLY();
	{
		json_set_alloc_funcs(saved_malloc, saved_free);
		MemoryContextSwitchTo(old_context);
		MemoryContextDelete(odcs_jansson_context);
		odcs_jansson_context = NULL;
	}
	PG_END_TRY();

	if (parsed == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("could not parse the contract as JSON: line %d, column %d: %s",
						error.line, error.column, error_text(error.text)),
				 errhint("Fix the document at that line and column; a contract is one JSON object (or YAML).")));
	if (!shallow)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the contract nests objects and arrays more than %d levels deep",
						ODCS_MAX_DEPTH),
				 errhint("An ODCS contract needs only a few levels; flatten the document.")));
	if (nodes > ODCS_MAX_NODES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the contract has more than %d values", ODCS_MAX_NODES),
				 errhint("Split the contract, or remove data that does not belong in a contract.")));
}
