/*-------------------------------------------------------------------------
 *
 * descriptor.c
 *	  Validation of data product descriptors, with jansson.
 *
 * A descriptor is the JSON document a domain team writes for a product:
 * purpose, owner, version, access level, tags, support, SLA, sources,
 * examples and column documentation (docs/descriptor.md).  The validator
 * walks it once and reports every problem, each with its JSON path, so a
 * team fixes a descriptor in one round instead of one error at a time.
 * Keys it does not know are left alone: they are kept and returned.
 *
 * This is the only translation unit that includes jansson.h.  jansson's
 * allocations are routed to a memory context of our own for the duration of
 * a validation, so an ERROR thrown meanwhile (out of memory, a cancel)
 * cannot leak them, and the previous allocator is restored afterwards for
 * any other library in the process that uses jansson.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>
#include <jansson.h>

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "meshpg/descriptor.h"

typedef struct Validation
{
	List	   *problems;
	int			dropped;		/* problems beyond DESCRIPTOR_MAX_PROBLEMS */
	json_t	   *columns;		/* the port's columns, from the context */
	json_t	   *managed;		/* keys meshpg sets itself, with their values */
} Validation;

static MemoryContext jansson_context = NULL;

static void *
jansson_alloc(size_t size)
{
	return MemoryContextAlloc(jansson_context, size);
}

static void
jansson_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

static void
problem(Validation *v, const char *path, const char *fmt,...)
	pg_attribute_printf(3, 4);

static void
problem(Validation *v, const char *path, const char *fmt,...)
{
	StringInfoData buf;
	va_list		args;

	if (list_length(v->problems) >= DESCRIPTOR_MAX_PROBLEMS)
	{
		v->dropped++;
		return;
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s: ", path);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	v->problems = lappend(v->problems, buf.data);
}

/* $.key, or $["odd key"] when the key is not a plain word */
static char *
child_path(const char *parent, const char *key)
{
	bool		plain = (*key != '\0' && !isdigit((unsigned char) *key));

	for (const char *p = key; *p && plain; p++)
		if (!(isalnum((unsigned char) *p) || *p == '_'))
			plain = false;
	if (plain)
		return psprintf("%s.%s", parent, key);
	else
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "%s[\"", parent);
		for (const char *p = key; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, *p);
		}
		appendStringInfoString(&buf, "\"]");
		return buf.data;
	}
}

static char *
index_path(const char *parent, size_t index)
{
	return psprintf("%s[%zu]", parent, index);
}

static const char *
type_name(const json_t *value)
{
	switch (json_typeof(value))
	{
		case JSON_OBJECT:
			return "an object";
		case JSON_ARRAY:
			return "an array";
		case JSON_STRING:
			return "a string";
		case JSON_INTEGER:
		case JSON_REAL:
			return "a number";
		case JSON_TRUE:
		case JSON_FALSE:
			return "a boolean";
		case JSON_NULL:
			return "null";
	}
	return "a value";
}

static bool
is_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char) *s))
			return false;
	return true;
}

/* a string that is not blank; reports and returns NULL otherwise */
static const char *
expect_text(Validation *v, const char *path, const json_t *value)
{
	if (!json_is_string(value))
	{
		problem(v, path, "expected a string, not %s", type_name(value));
		return NULL;
	}
	if (is_blank(json_string_value(value)))
	{
		problem(v, path, "must not be empty");
		return NULL;
	}
	return json_string_value(value);
}

static bool
expect_type(Validation *v, const char *path, const json_t *value,
			json_type type, const char *expected)
{
	if (json_typeof(value) == type)
		return true;
	problem(v, path, "expected %s, not %s", expected, type_name(value));
	return false;
}

static bool
expect_boolean(Validation *v, const char *path, const json_t *value)
{
	if (json_is_boolean(value))
		return true;
	problem(v, path, "expected true or false, not %s", type_name(value));
	return false;
}

static bool
one_of(const char *value, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(value, *allowed) == 0)
			return true;
	return false;
}

static char *
list_allowed(const char *const *allowed)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const char *const *a = allowed; *a; a++)
		appendStringInfo(&buf, "%s%s", a == allowed ? "" : ", ", *a);
	return buf.data;
}

static void
expect_one_of(Validation *v, const char *path, const json_t *value,
			  const char *const *allowed)
{
	const char *text = expect_text(v, path, value);

	if (text != NULL && !one_of(text, allowed))
		problem(v, path, "expected one of %s, not \"%s\"", list_allowed(allowed), text);
}

/* an interval; a zero one only where "none" makes sense (allow_zero) */
static void
expect_interval(Validation *v, const char *path, const json_t *value, bool allow_zero)
{
	const char *text = expect_text(v, path, value);
	bool		positive;
	bool		negative;

	if (text == NULL)
		return;
	if (!descriptor_value_is_interval(text, &positive, &negative))
		problem(v, path, "expected an interval like \"1 hour\", not \"%s\"", text);
	else if (negative || (!positive && !allow_zero))
		problem(v, path, "must be a %s interval, not \"%s\"",
				allow_zero ? "non-negative" : "positive", text);
}

/* semantic versioning 2.0.0: MAJOR.MINOR.PATCH[-prerelease][+build] */
static bool
is_numeric_identifier(const char *s, size_t len)
{
	if (len == 0 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char) s[i]))
			return false;
	return true;
}

static bool
is_dot_separated_identifiers(const char *s, size_t len, bool numeric_no_leading_zero)
{
	size_t		start = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i <= len; i++)
	{
		if (i == len || s[i] == '.')
		{
			size_t		part = i - start;
			bool		all_digits = true;

			if (part == 0)
				return false;
			for (size_t j = start; j < i; j++)
			{
				if (!isalnum((unsigned char) s[j]) && s[j] != '-')
					return false;
				if (!isdigit((unsigned char) s[j]))
					all_digits = false;
			}
			if (numeric_no_leading_zero && all_digits && part > 1 && s[start] == '0')
				return false;
			start = i + 1;
		}
	}
	return true;
}

static bool
is_semver(const char *s)
{
	const char *p = s;

	for (int part = 0; part < 3; part++)
	{
		size_t		len = strspn(p, "0123456789");

		if (!is_numeric_identifier(p, len))
			return false;
		p += len;
		if (part < 2)
		{
			if (*p != '.')
				return false;
			p++;
		}
	}
	if (*p == '-')
	{
		size_t		len = strcspn(p + 1, "+");

		if (!is_dot_separated_identifiers(p + 1, len, true))
			return false;
		p += 1 + len;
	}
	if (*p == '+')
	{
		if (!is_dot_separated_identifiers(p + 1, strlen(p + 1), false))
			return false;
		p += 1 + strlen(p + 1);
	}
	return *p == '\0';
}

/* HH:MM, 00:00 to 24:00 */
static bool
is_time_of_day(const char *s)
{
	int			hours,
				minutes;

	if (strlen(s) != 5 || !isdigit((unsigned char) s[0]) || !isdigit((unsigned char) s[1]) ||
		s[2] != ':' || !isdigit((unsigned char) s[3]) || !isdigit((unsigned char) s[4]))
		return false;
	hours = (s[0] - '0') * 10 + (s[1] - '0');
	minutes = (s[3] - '0') * 10 + (s[4] - '0');
	return (hours < 24 && minutes < 60) || (hours == 24 && minutes == 0);
}

/* a tag or classification: lower-case words joined by . _ - : */
static bool
is_tag(const char *s)
{
	size_t		len = strlen(s);

	if (len == 0 || len > 63 || !(islower((unsigned char) s[0]) || isdigit((unsigned char) s[0])))
		return false;
	for (const char *p = s; *p; p++)
		if (!(islower((unsigned char) *p) || isdigit((unsigned char) *p) ||
			  *p == '.' || *p == '_' || *p == '-' || *p == ':'))
			return false;
	return true;
}

static bool
is_email(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && strchr(at + 1, '@') == NULL &&
		strchr(at + 1, '.') != NULL && at[1] != '.' &&
		s[strlen(s) - 1] != '.' && strpbrk(s, " \t\r\n<>,;") == NULL;
}

static bool
is_url(const char *s)
{
	return (strncmp(s, "https://", 8) == 0 && s[8] != '\0') ||
		(strncmp(s, "http://", 7) == 0 && s[7] != '\0') ||
		(strncmp(s, "mailto:", 7) == 0 && s[7] != '\0');
}

static void
check_tag_list(Validation *v, const char *path, const json_t *value, const char *what)
{
	size_t		i;
	json_t	   *item;

	if (!expect_type(v, path, value, JSON_ARRAY, "an array of strings"))
		return;
	json_array_foreach(value, i, item)
	{
		char	   *item_path = index_path(path, i);
		const char *tag = expect_text(v, item_path, item);

		if (tag == NULL)
			continue;
		if (!is_tag(tag))
			problem(v, item_path, "%s \"%s\" must be lower-case letters, digits and . _ - : (at most 63 characters)",
					what, tag);
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(value, j), item))
			{
				problem(v, item_path, "%s \"%s\" is listed twice", what, tag);
				break;
			}
	}
}

static void
check_support(Validation *v, const char *path, const json_t *value)
{
	size_t		i;
	json_t	   *entry;

	if (!expect_type(v, path, value, JSON_ARRAY, "an array of support channels"))
		return;
	json_array_foreach(value, i, entry)
	{
		char	   *entry_path = index_path(path, i);
		json_t	   *field;
		const char *text;

		if (!expect_type(v, entry_path, entry, JSON_OBJECT, "an object with a \"channel\""))
			continue;
		field = json_object_get(entry, "channel");
		if (field == NULL)
			problem(v, child_path(entry_path, "channel"),
					"is required (where to ask for help, e.g. \"#marketing-data\")");
		else
			(void) expect_text(v, child_path(entry_path, "channel"), field);
		if ((field = json_object_get(entry, "url")) != NULL &&
			(text = expect_text(v, child_path(entry_path, "url"), field)) != NULL &&
			!is_url(text))
			problem(v, child_path(entry_path, "url"),
					"expected an http://, https:// or mailto: address, not \"%s\"", text);
		if ((field = json_object_get(entry, "email")) != NULL &&
			(text = expect_text(v, child_path(entry_path, "email"), field)) != NULL &&
			!is_email(text))
			problem(v, child_path(entry_path, "email"),
					"expected an e-mail address, not \"%s\"", text);
		if ((field = json_object_get(entry, "description")) != NULL)
			(void) expect_text(v, child_path(entry_path, "description"), field);
	}
}

static void
check_delivery_window(Validation *v, const char *path, const json_t *value)
{
	static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};
	const char *const bounds[] = {"start", "end"};
	json_t	   *field;
	const char *text;

	if (!expect_type(v, path, value, JSON_OBJECT, "an object with \"start\", \"end\" and \"timezone\""))
		return;
	for (int i = 0; i < 2; i++)
	{
		char	   *bound_path = child_path(path, bounds[i]);

		field = json_object_get(value, bounds[i]);
		if (field == NULL)
			problem(v, bound_path, "is required (a time of day like \"06:00\")");
		else if ((text = expect_text(v, bound_path, field)) != NULL && !is_time_of_day(text))
			problem(v, bound_path, "expected a time of day like \"06:00\", not \"%s\"", text);
	}
	field = json_object_get(value, "timezone");
	if (field == NULL)
		problem(v, child_path(path, "timezone"), "is required (a time zone like \"Europe/Berlin\" or \"UTC\")");
	else if ((text = expect_text(v, child_path(path, "timezone"), field)) != NULL &&
			 !descriptor_value_is_timezone(text))
		problem(v, child_path(path, "timezone"), "unknown time zone \"%s\"", text);
	if ((field = json_object_get(value, "days")) != NULL)
	{
		char	   *days_path = child_path(path, "days");
		size_t		i;
		json_t	   *day;

		if (expect_type(v, days_path, field, JSON_ARRAY, "an array of days like [\"mon\", \"tue\"]"))
			json_array_foreach(field, i, day)
				expect_one_of(v, index_path(days_path, i), day, days);
	}
}

static void
check_sla(Validation *v, const char *path, const json_t *value)
{
	json_t	   *field;

	if (!expect_type(v, path, value, JSON_OBJECT, "an object"))
		return;
	if ((field = json_object_get(value, "freshness")) != NULL)
		expect_interval(v, child_path(path, "freshness"), field, false);
	if ((field = json_object_get(value, "delivery_window")) != NULL)
		check_delivery_window(v, child_path(path, "delivery_window"), field);
	if ((field = json_object_get(value, "backfill")) != NULL)
	{
		char	   *backfill_path = child_path(path, "backfill");
		json_t	   *rule;

		if (expect_type(v, backfill_path, field, JSON_OBJECT, "an object"))
		{
			if ((rule = json_object_get(field, "max_lookback")) != NULL)
				expect_interval(v, child_path(backfill_path, "max_lookback"), rule, true);
			if ((rule = json_object_get(field, "notice")) != NULL)
				expect_interval(v, child_path(backfill_path, "notice"), rule, true);
			if ((rule = json_object_get(field, "description")) != NULL)
				(void) expect_text(v, child_path(backfill_path, "description"), rule);
		}
	}
}

static void
check_sources(Validation *v, const char *path, const json_t *value)
{
	static const char *const kinds[] = {"table", "view", "database", "api", "file",
	"stream", "application", "other", NULL};
	size_t		i;
	json_t	   *source;

	if (!expect_type(v, path, value, JSON_ARRAY, "an array of sources"))
		return;
	json_array_foreach(value, i, source)
	{
		char	   *source_path = index_path(path, i);
		json_t	   *field;

		if (!expect_type(v, source_path, source, JSON_OBJECT, "an object with a \"name\""))
			continue;
		if ((field = json_object_get(source, "name")) == NULL)
			problem(v, child_path(source_path, "name"), "is required");
		else if (expect_text(v, child_path(source_path, "name"), field) != NULL)
		{
			for (size_t j = 0; j < i; j++)
				if (json_equal(json_object_get(json_array_get(value, j), "name"), field))
				{
					problem(v, child_path(source_path, "name"), "source \"%s\" is listed twice",
							json_string_value(field));
					break;
				}
		}
		if ((field = json_object_get(source, "kind")) != NULL)
			expect_one_of(v, child_path(source_path, "kind"), field, kinds);
		if ((field = json_object_get(source, "description")) != NULL)
			(void) expect_text(v, child_path(source_path, "description"), field);
	}
}

/* the port column called name, or NULL */
static json_t *
port_column(Validation *v, const char *name)
{
	size_t		i;
	json_t	   *column;

	json_array_foreach(v->columns, i, column)
	{
		const char *column_name = json_string_value(json_object_get(column, "name"));

		if (column_name != NULL && strcmp(column_name, name) == 0)
			return column;
	}
	return NULL;
}

static char *
port_column_names(Validation *v)
{
	StringInfoData buf;
	size_t		i;
	json_t	   *column;

	initStringInfo(&buf);
	json_array_foreach(v->columns, i, column)
		appendStringInfo(&buf, "%s%s", i == 0 ? "" : ", ",
						 json_string_value(json_object_get(column, "name")));
	return buf.data;
}

/* a JSON scalar as the text a type's input function reads */
static char *
sample_value_text(const json_t *value)
{
	if (json_is_string(value))
		return pstrdup(json_string_value(value));
	if (json_is_boolean(value))
		return pstrdup(json_is_true(value) ? "true" : "false");
	/* numbers were read as doubles: integral ones are written without ".0" */
	if (json_number_value(value) == floor(json_number_value(value)) &&
		fabs(json_number_value(value)) < 1e15)
		return psprintf("%.0f", json_number_value(value));
	return psprintf("%.15g", json_number_value(value));
}

/* a value of a sample record must fit its column */
static void
check_sample_value(Validation *v, const char *path, const char *column_name, json_t *value)
{
	json_t	   *column = port_column(v, column_name);
	const char *type;
	char	   *text;
	char	   *message;

	if (column == NULL)
	{
		problem(v, path, "the output port has no column \"%s\" (it has: %s)",
				column_name, port_column_names(v));
		return;
	}
	type = json_string_value(json_object_get(column, "type"));
	if (json_is_null(value))
	{
		if (json_is_false(json_object_get(column, "nullable")))
			problem(v, path, "column \"%s\" is NOT NULL, so a sample cannot be null", column_name);
		return;
	}
	if (json_is_object(value) || json_is_array(value) || type == NULL ||
		strcmp(type, "json") == 0 || strcmp(type, "jsonb") == 0)
		return;
	text = sample_value_text(value);
	if (!descriptor_value_fits_type(text, type, &message))
		problem(v, path, "%s is not a valid %s: %s", json_is_string(value) ? psprintf("\"%s\"", text) : text,
				type, message);
}

static void
check_examples(Validation *v, const char *path, const json_t *value)
{
	json_t	   *field;
	size_t		i;
	json_t	   *item;

	if (!expect_type(v, path, value, JSON_OBJECT, "an object with \"queries\" and \"records\""))
		return;
	if ((field = json_object_get(value, "queries")) != NULL)
	{
		char	   *queries_path = child_path(path, "queries");

		if (expect_type(v, queries_path, field, JSON_ARRAY, "an array of queries"))
			json_array_foreach(field, i, item)
			{
				char	   *item_path = index_path(queries_path, i);
				json_t	   *sql;
				json_t	   *title;

				if (!expect_type(v, item_path, item, JSON_OBJECT, "an object with \"sql\""))
					continue;
				if ((sql = json_object_get(item, "sql")) == NULL)
					problem(v, child_path(item_path, "sql"), "is required (the example query)");
				else if (expect_text(v, child_path(item_path, "sql"), sql) != NULL)
				{
					char	   *message;

					if (!descriptor_value_is_sql(json_string_value(sql), &message))
						problem(v, child_path(item_path, "sql"), "is not valid SQL: %s", message);
				}
				if ((title = json_object_get(item, "title")) != NULL)
					(void) expect_text(v, child_path(item_path, "title"), title);
			}
	}
	if ((field = json_object_get(value, "records")) != NULL)
	{
		char	   *records_path = child_path(path, "records");

		if (expect_type(v, records_path, field, JSON_ARRAY, "an array of sample records"))
			json_array_foreach(field, i, item)
			{
				char	   *item_path = index_path(records_path, i);
				const char *key;
				json_t	   *cell;

				if (!expect_type(v, item_path, item, JSON_OBJECT, "an object of column values"))
					continue;
				json_object_foreach(item, key, cell)
					check_sample_value(v, child_path(item_path, key), key, cell);
			}
	}
}

/* the documentation of one column, whose name has been checked */
static void
check_column(Validation *v, const char *path, const char *name, const json_t *doc)
{
	json_t	   *column = port_column(v, name);
	json_t	   *field;
	const char *text;

	if (!expect_type(v, path, doc, JSON_OBJECT, "an object describing the column"))
		return;
	if ((field = json_object_get(doc, "description")) != NULL)
		(void) expect_text(v, child_path(path, "description"), field);
	if ((field = json_object_get(doc, "classification")) != NULL &&
		(text = expect_text(v, child_path(path, "classification"), field)) != NULL &&
		!is_tag(text))
		problem(v, child_path(path, "classification"),
				"classification \"%s\" must be lower-case letters, digits and . _ - : like \"pii.email\"", text);
	if ((field = json_object_get(doc, "tags")) != NULL)
		check_tag_list(v, child_path(path, "tags"), field, "tag");
	if ((field = json_object_get(doc, "primary_key")) != NULL)
		(void) expect_boolean(v, child_path(path, "primary_key"), field);
	if ((field = json_object_get(doc, "references")) != NULL)
		(void) expect_text(v, child_path(path, "references"), field);
	if ((field = json_object_get(doc, "type")) != NULL &&
		(text = expect_text(v, child_path(path, "type"), field)) != NULL)
	{
		const char *actual = json_string_value(json_object_get(column, "type"));

		if (actual != NULL && strcmp(text, actual) != 0)
			problem(v, child_path(path, "type"),
					"declared \"%s\", but the output port's column is \"%s\"", text, actual);
	}
	if ((field = json_object_get(doc, "nullable")) != NULL &&
		expect_boolean(v, child_path(path, "nullable"), field) &&
		json_is_false(field) && json_is_true(json_object_get(column, "nullable")))
		problem(v, child_path(path, "nullable"),
				"declared NOT NULL, but the source does not guarantee it (add NOT NULL to the source column or filter NULLs in the source query)");
}

static void
check_column_name(Validation *v, const char *path, const char *name)
{
	if (port_column(v, name) == NULL)
		problem(v, path, "the output port has no column \"%s\" (it has: %s)",
				name, port_column_names(v));
}

static void
check_columns(Validation *v, const char *path, const json_t *value)
{
	if (json_is_object(value))
	{
		const char *name;
		json_t	   *doc;

		json_object_foreach((json_t *) value, name, doc)
		{
			char	   *column_path = child_path(path, name);

			check_column_name(v, column_path, name);
			if (port_column(v, name) != NULL)
				check_column(v, column_path, name, doc);
		}
	}
	else if (json_is_array(value))
	{
		size_t		i;
		json_t	   *doc;

		json_array_foreach(value, i, doc)
		{
			char	   *column_path = index_path(path, i);
			const char *name;

			if (!expect_type(v, column_path, doc, JSON_OBJECT, "an object with a \"name\""))
				continue;
			if (json_object_get(doc, "name") == NULL)
			{
				problem(v, child_path(column_path, "name"), "is required");
				continue;
			}
			if ((name = expect_text(v, child_path(column_path, "name"), json_object_get(doc, "name"))) == NULL)
				continue;
			check_column_name(v, child_path(column_path, "name"), name);
			for (size_t j = 0; j < i; j++)
				if (json_equal(json_object_get(json_array_get(value, j), "name"),
							   json_object_get(doc, "name")))
				{
					problem(v, child_path(column_path, "name"), "column \"%s\" is described twice", name);
					break;
				}
			if (port_column(v, name) != NULL)
				check_column(v, column_path, name, doc);
		}
	}
	else
		problem(v, path, "expected an object keyed by column name or an array of columns, not %s",
				type_name(value));
}

/* keys that meshpg sets itself may be repeated (as describe returns them), never changed */
static void
check_managed(Validation *v, const char *key, const json_t *value)
{
	json_t	   *actual = json_object_get(v->managed, key);

	if (actual != NULL && !json_equal(actual, (json_t *) value))
	{
		if (strcmp(key, "status") == 0)
			problem(v, "$.status", "is managed by meshpg; change it with mesh.set_status()");
		else
			problem(v, child_path("$", key), "is set by meshpg and cannot be changed in a descriptor");
	}
}

static void
check_descriptor(Validation *v, json_t *root)
{
	static const char *const access_levels[] = {"public", "internal", "restricted",
	"confidential", NULL};
	const char *key;
	json_t	   *value;
	const char *text;

	if (!json_is_object(root))
	{
		problem(v, "$", "expected an object, not %s", type_name(root));
		return;
	}
	if (json_object_get(root, "purpose") == NULL)
		problem(v, "$.purpose", "is required (what the product is for, in a sentence or two)");

	json_object_foreach(root, key, value)
	{
		char	   *path = child_path("$", key);

		if (json_object_get(v->managed, key) != NULL)
			check_managed(v, key, value);
		else if (strcmp(key, "purpose") == 0 || strcmp(key, "description") == 0)
			(void) expect_text(v, path, value);
		else if (strcmp(key, "owner") == 0)
		{
			if ((text = expect_text(v, path, value)) != NULL && !descriptor_value_is_role(text))
				problem(v, path, "role \"%s\" does not exist", text);
		}
		else if (strcmp(key, "version") == 0)
		{
			if ((text = expect_text(v, path, value)) != NULL && !is_semver(text))
				problem(v, path, "expected a semantic version like \"1.2.0\", not \"%s\"", text);
		}
		else if (strcmp(key, "access_level") == 0)
			expect_one_of(v, path, value, access_levels);
		else if (strcmp(key, "tags") == 0)
			check_tag_list(v, path, value, "tag");
		else if (strcmp(key, "support") == 0)
			check_support(v, path, value);
		else if (strcmp(key, "sla") == 0)
			check_sla(v, path, value);
		else if (strcmp(key, "sources") == 0)
			check_sources(v, path, value);
		else if (strcmp(key, "examples") == 0)
			check_examples(v, path, value);
		else if (strcmp(key, "columns") == 0)
			check_columns(v, path, value);
	}
}

List *
descriptor_validate(const char *descriptor_json, const char *context_json, int *total)
{
	MemoryContext old_context = CurrentMemoryContext;
	json_malloc_t saved_malloc;
	json_free_t saved_free;
	Validation	v = {NIL, 0, NULL, NULL};
	List	   *problems;

	json_get_alloc_funcs(&saved_malloc, &saved_free);
	jansson_context = AllocSetContextCreate(CurrentMemoryContext,
											"meshpg descriptor validation",
											ALLOCSET_DEFAULT_SIZES);
	json_set_alloc_funcs(jansson_alloc, jansson_free);
	PG_TRY();
	{
		json_error_t error;
		json_error_t context_error;

		/* numbers are never checked, only kept: read them all as doubles */
		json_t	   *descriptor = json_loads(descriptor_json,
											JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &error);
		json_t	   *context = json_loads(context_json, JSON_DECODE_INT_AS_REAL, &context_error);

		if (context == NULL)
			elog(ERROR, "invalid descriptor context: %s", context_error.text);
		v.columns = json_object_get(context, "columns");
		v.managed = json_object_get(context, "managed");

		/* problems are allocated outside the context that is deleted below */
		MemoryContextSwitchTo(old_context);
		if (descriptor == NULL)
			problem(&v, "$", "could not be read: %s", error.text);
		else
			check_descriptor(&v, descriptor);
	}
	PG_FINALLY();
	{
		json_set_alloc_funcs(saved_malloc, saved_free);
		MemoryContextSwitchTo(old_context);
		MemoryContextDelete(jansson_context);
		jansson_context = NULL;
	}
	PG_END_TRY();

	problems = v.problems;
	*total = list_length(problems) + v.dropped;
	return problems;
}
