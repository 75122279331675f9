/*-------------------------------------------------------------------------
 *
 * descriptor_sql.c
 *	  The PostgreSQL side of descriptor validation.
 *
 * mesh._validate_descriptor() hands a descriptor and its context to the
 * jansson validator (descriptor.c) and turns the problems it finds into one
 * ERROR that lists them all.  The value checks the validator needs from the
 * server live here too, because they need headers that jansson.h clashes
 * with: intervals, time zones, roles, SQL syntax and values of column types.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "pgtime.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "meshpg/descriptor.h"

PG_FUNCTION_INFO_V1(meshpg_validate_descriptor);

/*
 * Run work(arg) and report whether it raised an ERROR, with the message in
 * *message when it did.  The work runs in a subtransaction: the one safe way
 * to recover from an ERROR in the backend.
 */
static bool
attempt(void (*work) (void *), void *arg, char **message)
{
	MemoryContext old_context = CurrentMemoryContext;
	ResourceOwner old_owner = CurrentResourceOwner;
	volatile bool succeeded = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(old_context);
	PG_TRY();
	{
		work(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(old_context);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		if (message != NULL)
			*message = edata->message;
		succeeded = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old_context);
	CurrentResourceOwner = old_owner;
	return succeeded;
}

typedef struct IntervalCheck
{
	const char *value;
	bool		positive;
	bool		negative;
} IntervalCheck;

static void
check_interval(void *arg)
{
	IntervalCheck *check = (IntervalCheck *) arg;
	Datum		interval = DirectFunctionCall3(interval_in,
											   CStringGetDatum(check->value),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1));
	Interval	zero = {0, 0, 0};

	check->positive = DatumGetBool(DirectFunctionCall2(interval_gt, interval,
													   IntervalPGetDatum(&zero)));
	check->negative = DatumGetBool(DirectFunctionCall2(interval_lt, interval,
													   IntervalPGetDatum(&zero)));
}

bool
descriptor_value_is_interval(const char *value, bool *positive, bool *negative)
{
	IntervalCheck check = {value, false, false};
	bool		valid = attempt(check_interval, &check, NULL);

	*positive = check.positive;
	*negative = check.negative;
	return valid;
}

static void
parse_sql(void *arg)
{
	(void) raw_parser((const char *) arg, RAW_PARSE_DEFAULT);
}

bool
descriptor_value_is_sql(const char *value, char **message)
{
	return attempt(parse_sql, (void *) value, message);
}

typedef struct TypeCheck
{
	const char *value;
	const char *type_name;
} TypeCheck;

/*
 * Only the input functions of base and enum types are run: they are C
 * functions of the server or of extensions a superuser installed.  A domain
 * (whose CHECK may call any SQL function), an array or a composite, which
 * may contain domains, is not checked: its input could run code of the
 * domain team with the rights of the extension owner.
 */
static void
read_as_type(void *arg)
{
	TypeCheck  *check = (TypeCheck *) arg;
	Oid			type;
	int32		typmod;
	char		typtype;
	Oid			input;
	Oid			ioparam;

	parseTypeString(check->type_name, &type, &typmod, false);
	typtype = get_typtype(type);
	if ((typtype != TYPTYPE_BASE && typtype != TYPTYPE_ENUM) || type_is_array(type))
		return;
	getTypeInputInfo(type, &input, &ioparam);
	(void) OidInputFunctionCall(input, (char *) check->value, ioparam, typmod);
}

bool
descriptor_value_fits_type(const char *value, const char *type_name, char **message)
{
	TypeCheck	check = {value, type_name};

	return attempt(read_as_type, &check, message);
}

bool
descriptor_value_is_timezone(const char *value)
{
	return pg_tzset(value) != NULL;
}

bool
descriptor_value_is_role(const char *value)
{
	return OidIsValid(get_role_oid(value, true));
}

/*
 * Problems are listed by path, numbers in their numeric order ($.tags[2]
 * before $.tags[10]), so the same descriptor always reads the same.
 */
static int
compare_problems(const ListCell *a, const ListCell *b)
{
	const char *x = (const char *) lfirst(a);
	const char *y = (const char *) lfirst(b);

	while (*x && *y)
	{
		if (isdigit((unsigned char) *x) && isdigit((unsigned char) *y))
		{
			size_t		x_len = strspn(x, "0123456789");
			size_t		y_len = strspn(y, "0123456789");
			int			cmp;

			/* without leading zeros, a longer run of digits is a larger number */
			if (x_len != y_len)
				return x_len < y_len ? -1 : 1;
			if ((cmp = strncmp(x, y, x_len)) != 0)
				return cmp;
			x += x_len;
			y += y_len;
		}
		else if (*x != *y)
			return (unsigned char) *x < (unsigned char) *y ? -1 : 1;
		else
			x++, y++;
	}
	return (unsigned char) *x - (unsigned char) *y;
}

/* mesh._validate_descriptor(product text, descriptor jsonb, context jsonb) */
Datum
meshpg_validate_descriptor(PG_FUNCTION_ARGS)
{
	char	   *product = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *descriptor = PG_GETARG_JSONB_P(1);
	Jsonb	   *context = PG_GETARG_JSONB_P(2);
	List	   *problems;
	int			total;
	StringInfoData detail;
	ListCell   *lc;

	problems = descriptor_validate(JsonbToCString(NULL, &descriptor->root, VARSIZE(descriptor)),
								   JsonbToCString(NULL, &context->root, VARSIZE(context)),
								   &total);
	if (problems == NIL)
		PG_RETURN_VOID();
	list_sort(problems, compare_problems);

	initStringInfo(&detail);
	foreach(lc, problems)
		appendStringInfo(&detail, "%s%s", detail.len > 0 ? "\n" : "", (char *) lfirst(lc));
	if (total > list_length(problems))
		appendStringInfo(&detail, "\n... and %d more problems", total - list_length(problems));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg_plural("invalid descriptor for data product \"%s\": %d problem",
						   "invalid descriptor for data product \"%s\": %d problems",
						   total, product, total),
			 errdetail_internal("%s", detail.data),
			 errhint("Fix every problem listed; docs/descriptor.md describes each key.")));
	PG_RETURN_VOID();
}
