/*-------------------------------------------------------------------------
 *
 * yaml_read.c
 *	  Reads a YAML data contract with libyaml and turns it into JSON text.
 *
 * Contracts are written by hand, mostly in YAML.  The document is read
 * event by event (libyaml's parser, never its document loader) and written
 * out as JSON, which jsonb_in then reads.  Plain scalars are resolved with
 * the YAML 1.2 core schema (null, booleans, integers, floats; everything
 * else, dates included, is a string); quoted and block scalars are strings.
 *
 * A hostile document is bounded (odcs.h): nesting depth, number of values
 * with aliases expanded (an alias counts every value of its anchor, so an
 * "billion laughs" document stops after ODCS_MAX_NODES values, not after
 * memory runs out), and output size.  An alias may only refer to an anchor
 * that is complete, so a node cannot contain itself.  Keys must be scalars,
 * a key given twice in one mapping is refused, merge keys ("<<") and tags
 * other than the standard ones are refused: each with the line and column.
 *
 * libyaml allocates with malloc.  The parser and the current event are
 * released in PG_FINALLY, so an ERROR raised while reading leaks nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <yaml.h>

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "meshpg/odcs.h"

/* JSON text longer than this is refused (aliases can multiply the input) */
#define ODCS_MAX_JSON_BYTES		(4 * ODCS_MAX_DOCUMENT_BYTES)

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

typedef enum ScalarKind
{
	SCALAR_STRING,
	SCALAR_NULL,
	SCALAR_BOOL,
	SCALAR_INT,
	SCALAR_FLOAT
} ScalarKind;

typedef struct Frame
{
	bool		is_map;
	bool		expect_key;		/* mappings: the next scalar is a key */
	int			count;			/* members completed */
	uint64		serial;			/* identifies a mapping in the key table */
	char	   *anchor;			/* anchor of this collection, or NULL */
	int			anchor_start;	/* its first byte in the output */
	long		anchor_nodes;	/* values counted before it started */
} Frame;

typedef struct Anchor
{
	char	   *name;
	char	   *json;
	long		nodes;
} Anchor;

typedef struct KeyTag
{
	uint64		serial;
	uint32		hash;
	uint32		unused;			/* zeroed: the tag is hashed as bytes */
} KeyTag;

typedef struct KeyEntry
{
	KeyTag		tag;
	List	   *names;			/* keys of this mapping with this hash */
} KeyEntry;

/*
 * Anchors by the hash of their name, so that an alias is found in constant
 * time: a list searched from the start would make a document of many anchors
 * and aliases cost their product (minutes of CPU for one 1 MB document).
 */
typedef struct AnchorEntry
{
	uint32		hash;
	List	   *anchors;		/* Anchor *, newest first */
} AnchorEntry;

typedef struct Reader
{
	const char *document;
	StringInfoData out;
	Frame		frames[ODCS_MAX_DEPTH];
	int			depth;
	long		nodes;
	long		anchor_bytes;
	uint64		next_serial;
	HTAB	   *anchors;
	HTAB	   *keys;
	bool		seen_document;
	bool		done_root;
} Reader;

/*
 * Document text quoted in an error message: at most 100 bytes, cut at a
 * character boundary, in the server encoding.
 */
static const char *
quoted(const char *s)
{
	int			len = pg_encoding_mbcliplen(PG_UTF8, s, strlen(s), 100);

	return pg_any_to_server(pnstrdup(s, len), len, PG_UTF8);
}

static void reader_error(yaml_mark_t mark, int code, const char *fmt,...)
			pg_attribute_printf(3, 4) pg_attribute_noreturn();

static void
reader_error(yaml_mark_t mark, int code, const char *fmt,...)
{
	char		buf[1024];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	ereport(ERROR,
			(errcode(code),
			 errmsg("could not read the contract as YAML: line %zu, column %zu: %s",
					mark.line + 1, mark.column + 1, buf),
			 errhint("Fix the document at that line and column; docs/odcs.md lists what meshpg reads.")));
}

/* line and column of a byte offset, for reader errors that carry only that */
static yaml_mark_t
mark_of_offset(const char *document, size_t offset)
{
	yaml_mark_t mark = {offset, 0, 0};

	for (size_t i = 0; i < offset && document[i] != '\0'; i++)
	{
		if (document[i] == '\n')
		{
			mark.line++;
			mark.column = 0;
		}
		else if ((document[i] & 0xC0) != 0x80)
			mark.column++;
	}
	return mark;
}

static void
parser_error(Reader *r, yaml_parser_t *parser)
{
	yaml_mark_t mark = parser->problem_mark;
	const char *problem = parser->problem ? parser->problem : "unknown error";

	if (parser->error == YAML_MEMORY_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while reading the contract as YAML")));
	if (parser->error == YAML_READER_ERROR)
	{
		mark = mark_of_offset(r->document, parser->problem_offset);
		reader_error(mark, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, "%s", problem);
	}
	if (parser->context)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("could not read the contract as YAML: line %zu, column %zu: %s",
						mark.line + 1, mark.column + 1, problem),
				 errdetail("The problem is %s, which starts at line %zu, column %zu.",
						   parser->context, parser->context_mark.line + 1,
						   parser->context_mark.column + 1),
				 errhint("Fix the document at that line and column; docs/odcs.md lists what meshpg reads.")));
	reader_error(mark, ERRCODE_INVALID_TEXT_REPRESENTATION, "%s", problem);
}

static bool
all_digits(const char *s, const char *digits)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (strchr(digits, *s) == NULL)
			return false;
	return true;
}

static bool
is_one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

/* a decimal float of the core schema, e.g. 1.5, -.5, 2e10, 3. */
static bool
is_core_float(const char *s)
{
	bool		digits = false;

	if (*s == '-' || *s == '+')
		s++;
	while (isdigit((unsigned char) *s))
		s++, digits = true;
	if (*s == '.')
	{
		s++;
		while (isdigit((unsigned char) *s))
			s++, digits = true;
	}
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E')
	{
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char) *s))
			return false;
		while (isdigit((unsigned char) *s))
			s++;
	}
	return *s == '\0';
}

/* the YAML 1.2 core schema's reading of a plain scalar */
static ScalarKind
resolve_plain(const char *s)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
	const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;

	if (is_one_of(s, nulls))
		return SCALAR_NULL;
	if (is_one_of(s, bools))
		return SCALAR_BOOL;
	if (all_digits(digits, "0123456789"))
		return SCALAR_INT;
	if (strncmp(s, "0o", 2) == 0 && all_digits(s + 2, "01234567"))
		return SCALAR_INT;
	if (strncmp(s, "0x", 2) == 0 && all_digits(s + 2, "0123456789abcdefABCDEF"))
		return SCALAR_INT;
	if (is_core_float(s))
		return SCALAR_FLOAT;
	return SCALAR_STRING;
}

/* true when a string may be written plain without being read back as another type */
bool
odcs_yaml_plain_is_string(const char *s)
{
	static const char *const yaml11[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF", ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF",
	"+.inf", ".nan", ".NaN", ".NAN", "<<", "=", NULL};

	if (resolve_plain(s) != SCALAR_STRING || is_one_of(s, yaml11))
		return false;
	/* dates, times and sexagesimal numbers of YAML 1.1 readers */
	if (isdigit((unsigned char) s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.')
		return false;
	return true;
}

/* JSON spelling of a core-schema number */
static void
append_number(Reader *r, const char *s, ScalarKind kind, yaml_mark_t mark)
{
	StringInfo	out = &r->out;
	const char *p = s;

	if (kind == SCALAR_INT && (strncmp(s, "0o", 2) == 0 || strncmp(s, "0x", 2) == 0))
	{
		unsigned long long value;
		char	   *end;

		errno = 0;
		value = strtoull(s + 2, &end, s[1] == 'o' ? 8 : 16);
		if (errno != 0 || *end != '\0')
			reader_error(mark, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
						 "integer %s is out of range", quoted(s));
		appendStringInfo(out, "%llu", value);
		return;
	}
	if (*p == '-')
		appendStringInfoChar(out, '-');
	if (*p == '-' || *p == '+')
		p++;
	/* integer part without leading zeros, "0" when empty */
	while (*p == '0' && isdigit((unsigned char) p[1]))
		p++;
	if (!isdigit((unsigned char) *p))
		appendStringInfoChar(out, '0');
	while (isdigit((unsigned char) *p))
		appendStringInfoChar(out, *p++);
	if (*p == '.')
	{
		p++;
		if (isdigit((unsigned char) *p))
		{
			appendStringInfoChar(out, '.');
			while (isdigit((unsigned char) *p))
				appendStringInfoChar(out, *p++);
		}
	}
	if (*p == 'e' || *p == 'E')
		appendStringInfoString(out, p);
}

static void
count_node(Reader *r, long n, yaml_mark_t mark)
{
	r->nodes += n;
	if (r->nodes > ODCS_MAX_NODES)
		reader_error(mark, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
					 "the contract has more than %d values (aliases count every value of their anchor)",
					 ODCS_MAX_NODES);
	if (r->out.len > ODCS_MAX_JSON_BYTES)
		reader_error(mark, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
					 "the contract is larger than %d bytes once its aliases are expanded",
					 ODCS_MAX_JSON_BYTES);
}

/* records an anchored value: its JSON text and how many values it holds */
static void
remember_anchor(Reader *r, const char *name, const char *json, int len, long nodes,
				yaml_mark_t mark)
{
	Anchor	   *anchor = palloc(sizeof(Anchor));
	uint32		hash = hash_bytes((const unsigned char *) name, strlen(name));
	AnchorEntry *entry;
	bool		found;

	r->anchor_bytes += len;
	if (r->anchor_bytes > ODCS_MAX_JSON_BYTES)
		reader_error(mark, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
					 "the anchors of the contract hold more than %d bytes", ODCS_MAX_JSON_BYTES);
	anchor->name = pstrdup(name);
	anchor->json = pnstrdup(json, len);
	anchor->nodes = nodes;
	/* newest first: a redefined anchor hides the older one */
	entry = hash_search(r->anchors, &hash, HASH_ENTER, &found);
	if (!found)
		entry->anchors = NIL;
	entry->anchors = lcons(anchor, entry->anchors);
}

static Frame *
top(Reader *r)
{
	return r->depth > 0 ? &r->frames[r->depth - 1] : NULL;
}

static bool
expecting_key(Reader *r)
{
	Frame	   *f = top(r);

	return f != NULL && f->is_map && f->expect_key;
}

/* writes what separates a value from the one before it */
static void
begin_value(Reader *r, yaml_mark_t mark)
{
	Frame	   *f = top(r);

	if (f == NULL)
	{
		if (r->done_root)
			reader_error(mark, ERRCODE_INVALID_TEXT_REPRESENTATION,
						 "the document has more than one top-level value");
		return;
	}
	if (!f->is_map && f->count > 0)
		appendStringInfoChar(&r->out, ',');
}

static void
end_value(Reader *r)
{
	Frame	   *f = top(r);

	if (f == NULL)
	{
		r->done_root = true;
		return;
	}
	f->count++;
	if (f->is_map)
		f->expect_key = true;
}

static void
add_key(Reader *r, const char *key, yaml_mark_t mark)
{
	Frame	   *f = top(r);
	KeyTag		tag;
	KeyEntry   *entry;
	bool		found;
	ListCell   *lc;

	memset(&tag, 0, sizeof(tag));
	tag.serial = f->serial;
	tag.hash = hash_bytes((const unsigned char *) key, strlen(key));
	entry = hash_search(r->keys, &tag, HASH_ENTER, &found);
	if (!found)
		entry->names = NIL;
	foreach(lc, entry->names)
	{
		if (strcmp(lfirst(lc), key) == 0)
			reader_error(mark, ERRCODE_INVALID_TEXT_REPRESENTATION,
						 "key \"%s\" appears twice in the same mapping", quoted(key));
	}
	entry->names = lappend(entry->names, pstrdup(key));

	if (f->count > 0)
		appendStringInfoChar(&r->out, ',');
	escape_json(&r->out, key);
	appendStringInfoChar(&r->out, ':');
	f->expect_key = false;
}

static void
check_tag(const char *tag, const char *const *allowed, yaml_mark_t mark)
{
	if (tag == NULL || strcmp(tag, "!") == 0)
		return;
	if (strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) == 0 &&
		is_one_of(tag + strlen(YAML_TAG_PREFIX), allowed))
		return;
	reader_error(mark, ERRCODE_FEATURE_NOT_SUPPORTED, "YAML tag \"%s\" is not supported here", quoted(tag));
}

static void
on_scalar(Reader *r, yaml_event_t *event)
{
	static const char *const scalar_tags[] = {"str", "null", "bool", "int", "float", NULL};
	const char *value = (const char *) event->data.scalar.value;
	const char *tag = (const char *) event->data.scalar.tag;
	const char *anchor = (const char *) event->data.scalar.anchor;
	yaml_mark_t mark = event->start_mark;
	ScalarKind	kind = SCALAR_STRING;
	int			start;

	if (strlen(value) != event->data.scalar.length)
		reader_error(mark, ERRCODE_UNTRANSLATABLE_CHARACTER,
					 "a value contains the character U+0000, which PostgreSQL cannot store");
	check_tag(tag, scalar_tags, mark);
	if (tag == NULL && event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		kind = resolve_plain(value);
	else if (tag != NULL && strcmp(tag, "!") != 0 && strcmp(tag, YAML_TAG_PREFIX "str") != 0)
	{
		const char *wanted = tag + strlen(YAML_TAG_PREFIX);
		static const char *const names[] = {"str", "null", "bool", "int", "float"};

		kind = resolve_plain(value);
		if (kind == SCALAR_INT && strcmp(wanted, "float") == 0)
			kind = SCALAR_FLOAT;
		if (strcmp(names[kind], wanted) != 0)
			reader_error(mark, ERRCODE_INVALID_TEXT_REPRESENTATION,
						 "\"%s\" is not a valid !!%s", quoted(value), wanted);
	}

	count_node(r, 1, mark);
	if (expecting_key(r))
	{
		if (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(value, "<<") == 0)
			reader_error(mark, ERRCODE_FEATURE_NOT_SUPPORTED,
						 "merge keys (\"<<\") are not supported; write the keys out");
		add_key(r, value, mark);
		if (anchor)
		{
			/* an anchored key is a string value wherever its alias appears */
			StringInfoData key;

			initStringInfo(&key);
			escape_json(&key, value);
			remember_anchor(r, anchor, key.data, key.len, 1, mark);
		}
		return;
	}

	begin_value(r, mark);
	start = r->out.len;
	switch (kind)
	{
		case SCALAR_NULL:
			appendStringInfoString(&r->out, "null");
			break;
		case SCALAR_BOOL:
			appendStringInfoString(&r->out, (value[0] == 't' || value[0] == 'T') ? "true" : "false");
			break;
		case SCALAR_INT:
		case SCALAR_FLOAT:
			append_number(r, value, kind, mark);
			break;
		case SCALAR_STRING:
			escape_json(&r->out, value);
			break;
	}
	if (anchor)
		remember_anchor(r, anchor, r->out.data + start, r->out.len - start, 1, mark);
	end_value(r);
}

static void
on_collection_start(Reader *r, yaml_event_t *event, bool is_map)
{
	static const char *const map_tags[] = {"map", NULL};
	static const char *const seq_tags[] = {"seq", NULL};
	yaml_mark_t mark = event->start_mark;
	const char *tag = (const char *) (is_map ? event->data.mapping_start.tag
									  : event->data.sequence_start.tag);
	const char *anchor = (const char *) (is_map ? event->data.mapping_start.anchor
										 : event->data.sequence_start.anchor);
	Frame	   *f;

	check_tag(tag, is_map ? map_tags : seq_tags, mark);
	if (expecting_key(r))
		reader_error(mark, ERRCODE_FEATURE_NOT_SUPPORTED,
					 "a mapping key must be a plain value, not a %s", is_map ? "mapping" : "sequence");
	if (r->depth >= ODCS_MAX_DEPTH)
		reader_error(mark, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
					 "the contract nests mappings and sequences more than %d levels deep",
					 ODCS_MAX_DEPTH);
	count_node(r, 1, mark);
	begin_value(r, mark);

	f = &r->frames[r->depth++];
	f->is_map = is_map;
	f->expect_key = is_map;
	f->count = 0;
	f->serial = r->next_serial++;
	f->anchor = anchor ? pstrdup(anchor) : NULL;
	f->anchor_start = r->out.len;
	f->anchor_nodes = r->nodes - 1;
	appendStringInfoChar(&r->out, is_map ? '{' : '[');
}

static void
on_collection_end(Reader *r, yaml_event_t *event)
{
	Frame	   *f = top(r);

	appendStringInfoChar(&r->out, f->is_map ? '}' : ']');
	r->depth--;
	if (f->anchor)
		remember_anchor(r, f->anchor, r->out.data + f->anchor_start, r->out.len - f->anchor_start,
						r->nodes - f->anchor_nodes, event->start_mark);
	end_value(r);
}

static void
on_alias(Reader *r, yaml_event_t *event)
{
	const char *name = (const char *) event->data.alias.anchor;
	yaml_mark_t mark = event->start_mark;
	uint32		hash = hash_bytes((const unsigned char *) name, strlen(name));
	AnchorEntry *entry;
	ListCell   *lc;

	if (expecting_key(r))
		reader_error(mark, ERRCODE_FEATURE_NOT_SUPPORTED,
					 "an alias (*%s) cannot be a mapping key", quoted(name));
	entry = hash_search(r->anchors, &hash, HASH_FIND, NULL);
	foreach(lc, entry ? entry->anchors : NIL)
	{
		Anchor	   *anchor = lfirst(lc);

		if (strcmp(anchor->name, name) == 0)
		{
			begin_value(r, mark);
			count_node(r, anchor->nodes, mark);
			appendStringInfoString(&r->out, anchor->json);
			count_node(r, 0, mark);
			end_value(r);
			return;
		}
	}
	reader_error(mark, ERRCODE_INVALID_TEXT_REPRESENTATION,
				 "alias *%s does not refer to a complete anchor defined before it", quoted(name));
}

static void
on_event(Reader *r, yaml_event_t *event)
{
	CHECK_FOR_INTERRUPTS();
	switch (event->type)
	{
		case YAML_DOCUMENT_START_EVENT:
			if (r->seen_document)
				reader_error(event->start_mark, ERRCODE_FEATURE_NOT_SUPPORTED,
							 "the contract has more than one YAML document");
			r->seen_document = true;
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(r, event);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_collection_start(r, event, false);
			break;
		case YAML_MAPPING_START_EVENT:
			on_collection_start(r, event, true);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_collection_end(r, event);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(r, event);
			break;
		default:
			break;
	}
}

char *
odcs_yaml_to_json(const char *document, size_t length)
{
	Reader		r;
	HASHCTL		ctl;
	yaml_parser_t parser;
	yaml_event_t event;
	volatile bool have_event = false;

	memset(&r, 0, sizeof(r));
	r.document = document;
	initStringInfo(&r.out);
	ctl.keysize = sizeof(KeyTag);
	ctl.entrysize = sizeof(KeyEntry);
	ctl.hcxt = CurrentMemoryContext;
	r.keys = hash_create("meshpg YAML keys", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(uint32);
	ctl.entrysize = sizeof(AnchorEntry);
	r.anchors = hash_create("meshpg YAML anchors", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	if (!yaml_parser_initialize(&parser))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while reading the contract as YAML")));
	PG_TRY();
	{
		yaml_parser_set_input_string(&parser, (const unsigned char *) document, length);
		yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
		for (;;)
		{
			bool		end;

			if (!yaml_parser_parse(&parser, &event))
				parser_error(&r, &parser);
			have_event = true;
			on_event(&r, &event);
			end = (event.type == YAML_STREAM_END_EVENT);
			yaml_event_delete(&event);
			have_event = false;
			if (end)
				break;
		}
	}
	PG_FINALLY();
	{
		if (have_event)
			yaml_event_delete(&event);
		yaml_parser_delete(&parser);
	}
	PG_END_TRY();

	if (!r.done_root)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("the contract is empty"),
				 errhint("Give an ODCS document: apiVersion, kind, id, version, status, ...")));
	hash_destroy(r.keys);
	hash_destroy(r.anchors);
	return r.out.data;
}
