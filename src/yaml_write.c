/*-------------------------------------------------------------------------
 *
 * yaml_write.c
 *	  Writes a jsonb document (an exported contract) as YAML with libyaml.
 *
 * jsonb sorts object keys by length, which makes a poor contract to read, so
 * the keys of ODCS documents are written in the order the standard lists them
 * (apiVersion, kind, id, name, ...), unknown keys after them in jsonb order.
 * A string that a YAML reader would take for another type ("true", "1.0",
 * "2024-01-01", "null") is quoted, so the document reads back as written.
 *
 * libyaml allocates with malloc: the emitter is released in PG_FINALLY.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <yaml.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "meshpg/odcs.h"

/* ODCS keys in the order of the standard; others follow */
static const char *const key_order[] = {
	"apiVersion", "kind", "id", "name", "version", "status", "domain", "dataProduct", "tenant",
	"description", "usage", "purpose", "limitations",
	"physicalName", "physicalType", "logicalType", "businessName",
	"primaryKey", "primaryKeyPosition", "required", "unique", "classification",
	"property", "value", "unit", "channel", "url", "metric", "type", "query",
	"schema", "properties", "quality", "tags", "examples",
	"support", "team", "roles", "slaProperties", "servers", "price",
	"authoritativeDefinitions", "customProperties", "contractCreatedTs", NULL
};

typedef struct Member
{
	char	   *key;
	JsonbValue	value;
	int			rank;
	int			index;
} Member;

static int
rank_of(const char *key)
{
	for (int i = 0; key_order[i]; i++)
		if (strcmp(key, key_order[i]) == 0)
			return i;
	return lengthof(key_order);
}

static int
member_cmp(const void *a, const void *b)
{
	const Member *x = a;
	const Member *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index);
}

/* the result of a yaml_*_event_initialize call (they fail only without memory) */
static void
prepare(int initialized)
{
	if (!initialized)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while writing the contract as YAML")));
}

static void
emit(yaml_emitter_t *emitter, yaml_event_t *event)
{
	if (!yaml_emitter_emit(emitter, event))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write the contract as YAML: %s",
						emitter->problem ? emitter->problem : "unknown error")));
}

/* a scalar, from text in the server encoding (libyaml writes UTF-8 only) */
static void
emit_string(yaml_emitter_t *emitter, const char *s, int len, bool is_string)
{
	yaml_event_t event;
	char	   *utf8 = pg_server_to_any(s, len, PG_UTF8);
	int			utf8_len = strlen(utf8);
	bool		plain = !is_string || odcs_yaml_plain_is_string(utf8);
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	if (is_string && memchr(utf8, '\n', utf8_len) != NULL)
		style = YAML_LITERAL_SCALAR_STYLE;
	if (!yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *) utf8, utf8_len,
									  plain, !plain || is_string, style))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("could not write the contract as YAML: a value is not valid UTF-8")));
	emit(emitter, &event);
}

static void emit_container(yaml_emitter_t *emitter, JsonbContainer *container);

static void
emit_value(yaml_emitter_t *emitter, JsonbValue *v)
{
	char	   *text;

	switch (v->type)
	{
		case jbvNull:
			emit_string(emitter, "null", 4, false);
			break;
		case jbvBool:
			emit_string(emitter, v->val.boolean ? "true" : "false", v->val.boolean ? 4 : 5, false);
			break;
		case jbvNumeric:
			text = DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
			emit_string(emitter, text, strlen(text), false);
			break;
		case jbvString:
			text = pnstrdup(v->val.string.val, v->val.string.len);
			emit_string(emitter, text, v->val.string.len, true);
			break;
		case jbvBinary:
			emit_container(emitter, v->val.binary.data);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

static void
emit_container(yaml_emitter_t *emitter, JsonbContainer *container)
{
	JsonbIterator *it = JsonbIteratorInit(container);
	JsonbValue	v;
	JsonbIteratorToken token;
	yaml_event_t event;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	token = JsonbIteratorNext(&it, &v, true);
	if (token == WJB_BEGIN_ARRAY && v.val.array.rawScalar)
	{
		token = JsonbIteratorNext(&it, &v, true);
		emit_value(emitter, &v);
		return;
	}
	if (token == WJB_BEGIN_ARRAY)
	{
		prepare(yaml_sequence_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE));
		emit(emitter, &event);
		while ((token = JsonbIteratorNext(&it, &v, true)) == WJB_ELEM)
			emit_value(emitter, &v);
		prepare(yaml_sequence_end_event_initialize(&event));
		emit(emitter, &event);
	}
	else
	{
		int			n = JsonContainerSize(container);
		Member	   *members = palloc(sizeof(Member) * Max(n, 1));
		int			count = 0;

		while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_END_OBJECT)
		{
			if (token == WJB_KEY)
			{
				members[count].key = pnstrdup(v.val.string.val, v.val.string.len);
				members[count].rank = rank_of(members[count].key);
				members[count].index = count;
			}
			else if (token == WJB_VALUE)
				members[count++].value = v;
		}
		qsort(members, count, sizeof(Member), member_cmp);
		prepare(yaml_mapping_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
		emit(emitter, &event);
		for (int i = 0; i < count; i++)
		{
			emit_string(emitter, members[i].key, strlen(members[i].key), true);
			emit_value(emitter, &members[i].value);
		}
		prepare(yaml_mapping_end_event_initialize(&event));
		emit(emitter, &event);
	}
}

static int
write_to_stringinfo(void *data, unsigned char *buffer, size_t size)
{
	appendBinaryStringInfo((StringInfo) data, (const char *) buffer, size);
	return 1;
}

char *
odcs_jsonb_to_yaml(JsonbContainer *document)
{
	StringInfoData out;
	yaml_emitter_t emitter;
	yaml_event_t event;

	initStringInfo(&out);
	if (!yaml_emitter_initialize(&emitter))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while writing the contract as YAML")));
	PG_TRY();
	{
		yaml_emitter_set_output(&emitter, write_to_stringinfo, &out);
		yaml_emitter_set_unicode(&emitter, 1);
		yaml_emitter_set_width(&emitter, -1);
		yaml_emitter_set_indent(&emitter, 2);
		prepare(yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING));
		emit(&emitter, &event);
		prepare(yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1));
		emit(&emitter, &event);
		emit_container(&emitter, document);
		prepare(yaml_document_end_event_initialize(&event, 1));
		emit(&emitter, &event);
		prepare(yaml_stream_end_event_initialize(&event));
		emit(&emitter, &event);
		yaml_emitter_flush(&emitter);
	}
	PG_FINALLY();
	{
		yaml_emitter_delete(&emitter);
	}
	PG_END_TRY();
	return out.data;
}
