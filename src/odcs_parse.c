/*-------------------------------------------------------------------------
 *
 * odcs_parse.c
 *	  SQL entry points that read and write contract documents.
 *
 *	  mesh._odcs_parse(document text) RETURNS jsonb
 *		a contract as JSON (first character "{" or "[") or YAML, as jsonb
 *	  mesh._odcs_to_yaml(document jsonb) RETURNS text
 *		an exported contract as YAML
 *	  mesh._odcs_format_type(type text) RETURNS text
 *		a type name as format_type() prints it ("varchar(2)" -> "character
 *		varying(2)"), or NULL when no such type exists
 *
 * The mapping between ODCS and meshpg descriptors is SQL (40_odcs.sql); this
 * file only deals with syntax.  Both readers work on UTF-8: a database in
 * another encoding has the text converted on the way in and out.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "meshpg/odcs.h"

PG_FUNCTION_INFO_V1(meshpg_odcs_parse);
PG_FUNCTION_INFO_V1(meshpg_odcs_to_yaml);
PG_FUNCTION_INFO_V1(meshpg_odcs_format_type);

/* JSON when the first character that is not blank opens an object or array */
static bool
looks_like_json(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == '{' || *s == '[';
}

Datum
meshpg_odcs_parse(PG_FUNCTION_ARGS)
{
	text	   *document = PG_GETARG_TEXT_PP(0);
	int			len = VARSIZE_ANY_EXHDR(document);
	char	   *server_text;
	char	   *utf8;
	char	   *json;

	if (len > ODCS_MAX_DOCUMENT_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the contract is %d bytes, more than the limit of %d bytes",
						len, ODCS_MAX_DOCUMENT_BYTES),
				 errhint("A data contract describes a product; it does not carry data.")));
	server_text = text_to_cstring(document);
	if (strlen(server_text) != (size_t) len)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("the contract contains a zero byte")));
	/*
	 * text input was verified in the server encoding; the readers need UTF-8.
	 * The converted text is verified as UTF-8, never in the server encoding:
	 * UTF-8 bytes are not valid EUC_JP, for instance.
	 */
	utf8 = (char *) pg_server_to_any(server_text, len, PG_UTF8);
	pg_verify_mbstr(PG_UTF8, utf8, strlen(utf8), false);
	/* a byte order mark is not part of the document (editors on Windows write one) */
	if ((unsigned char) utf8[0] == 0xEF && (unsigned char) utf8[1] == 0xBB && (unsigned char) utf8[2] == 0xBF)
		utf8 += 3;

	if (looks_like_json(utf8))
	{
		odcs_json_check(utf8);
		json = utf8;
	}
	else
		json = odcs_yaml_to_json(utf8, strlen(utf8));

	json = (char *) pg_any_to_server(json, strlen(json), PG_UTF8);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}

Datum
meshpg_odcs_to_yaml(PG_FUNCTION_ARGS)
{
	Jsonb	   *document = PG_GETARG_JSONB_P(0);
	/* strings are converted to UTF-8 one by one as they are written */
	char	   *yaml = odcs_jsonb_to_yaml(&document->root);

	PG_RETURN_TEXT_P(cstring_to_text(pg_any_to_server(yaml, strlen(yaml), PG_UTF8)));
}

Datum
meshpg_odcs_format_type(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			type_oid;
	int32		typmod;

	parseTypeString(name, &type_oid, &typmod, true);
	if (!OidIsValid(type_oid))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(format_type_with_typemod(type_oid, typmod)));
}
