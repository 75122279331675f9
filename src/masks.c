/*-------------------------------------------------------------------------
 *
 * masks.c
 *	  The mask library: mesh.mask_* functions that masking policies apply to
 *	  governed columns (the keyed pseudonym lives in masks_pseudonym.c).
 *
 * Masks run once per masked value of every masked read, so they are the cost
 * of governance: they are C, never run SPI, detoast only what they read,
 * allocate their result and little else, and keep per-call-site state in
 * fn_extra.  They are STRICT (a NULL stays NULL) and PARALLEL SAFE, and their
 * volatility is honest: a mask that depends on a setting (TimeZone) is STABLE.
 * Text masks count characters, not bytes, so multibyte text is never cut in
 * the middle of a character.  docs/masks.md is the user's reference.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/int.h"
#include "common/hashfn.h"
#include "common/sha2.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "meshpg/masks.h"

PG_FUNCTION_INFO_V1(meshpg_mask_email);
PG_FUNCTION_INFO_V1(meshpg_mask_partial);
PG_FUNCTION_INFO_V1(meshpg_mask_redact);
PG_FUNCTION_INFO_V1(meshpg_mask_null);
PG_FUNCTION_INFO_V1(meshpg_mask_default);
PG_FUNCTION_INFO_V1(meshpg_mask_sha256);
PG_FUNCTION_INFO_V1(meshpg_mask_date);
PG_FUNCTION_INFO_V1(meshpg_mask_timestamp);
PG_FUNCTION_INFO_V1(meshpg_mask_timestamptz);
PG_FUNCTION_INFO_V1(meshpg_mask_round);
PG_FUNCTION_INFO_V1(meshpg_mask_bucket);
PG_FUNCTION_INFO_V1(meshpg_mask_noise);

/* what a redacted or unparseable value becomes */
#define REDACTED		"[redacted]"
/* the local part of a masked e-mail address */
#define EMAIL_LOCAL		"***"

void
meshpg_hex_encode(const uint8 *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++)
	{
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0x0f];
	}
}

/*
 * mesh.mask_email(text): '***@' and the domain.  The domain is what follows
 * the last '@' (a quoted local part may contain '@').  A value without '@',
 * or with nothing after it, is not an address: it is redacted entirely rather
 * than shown.  '@' is ASCII, which never occurs inside a multibyte character
 * of a server encoding, so a byte search is correct.
 */
Datum
meshpg_mask_email(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	int			len = VARSIZE_ANY_EXHDR(value);
	int			at = -1;
	text	   *result;
	int			domain_len;

	for (int i = len - 1; i >= 0; i--)
		if (s[i] == '@')
		{
			at = i;
			break;
		}
	if (at < 0 || at == len - 1)
		PG_RETURN_TEXT_P(cstring_to_text(REDACTED));

	domain_len = len - at - 1;
	result = (text *) palloc(VARHDRSZ + strlen(EMAIL_LOCAL) + 1 + domain_len);
	SET_VARSIZE(result, VARHDRSZ + strlen(EMAIL_LOCAL) + 1 + domain_len);
	memcpy(VARDATA(result), EMAIL_LOCAL "@", strlen(EMAIL_LOCAL) + 1);
	memcpy(VARDATA(result) + strlen(EMAIL_LOCAL) + 1, s + at + 1, domain_len);
	PG_RETURN_TEXT_P(result);
}

static void
refuse_negative(int32 n, const char *argument)
{
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" of mesh.mask_partial must not be negative", argument),
				 errdetail("It is a number of characters to keep, got %d.", n),
				 errhint("Pass 0 to keep no characters on that side.")));
}

/*
 * mesh.mask_partial(text, keep_first int, keep_last int): the first and last
 * characters kept, every character between them replaced by '*'.  When
 * keep_first + keep_last would keep the whole value, nothing is kept: a mask
 * never returns its input unchanged.
 */
Datum
meshpg_mask_partial(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	int32		keep_first = PG_GETARG_INT32(1);
	int32		keep_last = PG_GETARG_INT32(2);
	const char *s = VARDATA_ANY(value);
	int			len = VARSIZE_ANY_EXHDR(value);
	int			nchars;
	int			head_bytes = 0;
	int			tail_start;
	int			masked;
	text	   *result;
	char	   *out;

	refuse_negative(keep_first, "keep_first");
	refuse_negative(keep_last, "keep_last");

	if (GetDatabaseEncoding() == PG_UTF8)
	{
		int			i = 0;

		/*
		 * UTF-8: a character starts at every byte that is not 10xxxxxx.
		 * ASCII runs are counted 8 bytes at a time (no byte has its high bit).
		 */
		nchars = 0;
		for (; i + 8 <= len; i += 8)
		{
			uint64		chunk;

			memcpy(&chunk, s + i, sizeof(chunk));
			if (chunk & UINT64CONST(0x8080808080808080))
				break;
			nchars += 8;
		}
		for (; i < len; i++)
			nchars += ((unsigned char) s[i] & 0xC0) != 0x80;
		if ((int64) keep_first + keep_last >= nchars)
			keep_first = keep_last = 0;
		masked = nchars - keep_first - keep_last;
		if (nchars == len)
		{
			/* one byte per character (ASCII): offsets are counts */
			head_bytes = keep_first;
			tail_start = len - keep_last;
		}
		else
		{
			/* end of the kept head: the start of character keep_first */
			for (int seen = 0; head_bytes < len; head_bytes++)
				if (((unsigned char) s[head_bytes] & 0xC0) != 0x80 && seen++ == keep_first)
					break;
			/* start of the kept tail: the start of character nchars - keep_last */
			tail_start = len;
			for (int seen = 0; keep_last > 0 && tail_start > 0;)
				if (((unsigned char) s[--tail_start] & 0xC0) != 0x80 && ++seen == keep_last)
					break;
		}
	}
	else
	{
		nchars = pg_mbstrlen_with_len(s, len);
		if ((int64) keep_first + keep_last >= nchars)
			keep_first = keep_last = 0;
		/* byte offset of the end of the kept head */
		for (int i = 0; i < keep_first; i++)
			head_bytes += pg_mblen(s + head_bytes);
		/* byte offset of the start of the kept tail */
		tail_start = head_bytes;
		for (int i = 0; i < nchars - keep_first - keep_last; i++)
			tail_start += pg_mblen(s + tail_start);
		masked = nchars - keep_first - keep_last;
	}

	result = (text *) palloc(VARHDRSZ + head_bytes + masked + (len - tail_start));
	SET_VARSIZE(result, VARHDRSZ + head_bytes + masked + (len - tail_start));
	out = VARDATA(result);
	memcpy(out, s, head_bytes);
	memset(out + head_bytes, '*', masked);
	memcpy(out + head_bytes + masked, s + tail_start, len - tail_start);
	PG_RETURN_TEXT_P(result);
}

/* mesh.mask_redact(text): a constant; the value is never even detoasted */
Datum
meshpg_mask_redact(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(REDACTED));
}

/* mesh.mask_null(anyelement): NULL of the value's type */
Datum
meshpg_mask_null(PG_FUNCTION_ARGS)
{
	PG_RETURN_NULL();
}

/*
 * The neutral value of a type, as the literal its input function reads, or
 * NULL for types without an obvious one (mask_default then returns NULL).
 */
static const char *
default_literal(Oid type)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
		case MONEYOID:
		case OIDOID:
			return "0";
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
		case BYTEAOID:
			return "";
		case BOOLOID:
			return "false";
		case DATEOID:
			return "1970-01-01";
		case TIMESTAMPOID:
			return "1970-01-01 00:00:00";
		case TIMESTAMPTZOID:
			return "1970-01-01 00:00:00+00";
		case TIMEOID:
			return "00:00:00";
		case TIMETZOID:
			return "00:00:00+00";
		case INTERVALOID:
			return "0";
		case UUIDOID:
			return "00000000-0000-0000-0000-000000000000";
		case JSONOID:
		case JSONBOID:
			return "{}";
		case INETOID:
			return "0.0.0.0";
		default:
			return NULL;
	}
}

typedef struct DefaultCache
{
	Oid			type;
	bool		isnull;
	Datum		value;
} DefaultCache;

/*
 * mesh.mask_default(anyelement): the neutral value of the value's type (0,
 * '', false, 1970-01-01, an empty array, ...), computed once per call site.
 * The value itself is never read.
 */
Datum
meshpg_mask_default(PG_FUNCTION_ARGS)
{
	DefaultCache *cache = (DefaultCache *) fcinfo->flinfo->fn_extra;
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 0);

	if (!OidIsValid(type))
		ereport(ERROR,
				(errcode(ERRCODE_INDETERMINATE_DATATYPE),
				 errmsg("could not determine the type of the value to mask"),
				 errhint("Cast the argument of mesh.mask_default to its type.")));

	if (cache == NULL || cache->type != type)
	{
		Oid			base = getBaseType(type);
		const char *literal = default_literal(base);
		MemoryContext old;

		if (cache == NULL)
			cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(DefaultCache));
		cache->type = type;
		cache->isnull = true;
		if (literal == NULL && OidIsValid(get_element_type(base)))
			literal = "{}";
		if (literal != NULL)
		{
			Oid			input;
			Oid			ioparam;
			int16		typlen;
			bool		typbyval;

			getTypeInputInfo(base, &input, &ioparam);
			get_typlenbyval(base, &typlen, &typbyval);
			old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
			cache->value = OidInputFunctionCall(input, (char *) literal, ioparam, -1);
			MemoryContextSwitchTo(old);
			cache->isnull = false;
		}
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->isnull)
		PG_RETURN_NULL();
	return cache->value;
}

/* SHA-256 of some bytes, as 64 lower-case hex digits */
static text *
sha256_hex(const char *data, size_t len)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	text	   *result;

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
	{
		const char *why = pg_cryptohash_error(ctx);

		pg_cryptohash_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute a SHA-256 hash: %s", why)));
	}
	pg_cryptohash_free(ctx);

	result = (text *) palloc(VARHDRSZ + 2 * PG_SHA256_DIGEST_LENGTH);
	SET_VARSIZE(result, VARHDRSZ + 2 * PG_SHA256_DIGEST_LENGTH);
	meshpg_hex_encode(digest, sizeof(digest), VARDATA(result));
	return result;
}

/* mesh.mask_sha256(text): SHA-256 of the value's bytes, in hex */
Datum
meshpg_mask_sha256(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(sha256_hex(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)));
}

/* the generalisation units of mesh.mask_date */
typedef enum DateUnit
{
	UNIT_YEAR,
	UNIT_MONTH,
	UNIT_DAY
} DateUnit;

static DateUnit
parse_unit(text *unit)
{
	const char *s = VARDATA_ANY(unit);
	int			len = VARSIZE_ANY_EXHDR(unit);

	if (len == 4 && pg_strncasecmp(s, "year", 4) == 0)
		return UNIT_YEAR;
	if (len == 5 && pg_strncasecmp(s, "month", 5) == 0)
		return UNIT_MONTH;
	if (len == 3 && pg_strncasecmp(s, "day", 3) == 0)
		return UNIT_DAY;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unit \"%s\" of mesh.mask_date is not supported", text_to_cstring(unit)),
			 errhint("Use 'year', 'month' or 'day'.")));
	pg_unreachable();
}

#define TABLE_FIRST_YEAR	1900
#define TABLE_YEARS			256

/*
 * The unit argument of a mask_date call.  It is nearly always a constant: then
 * it is parsed once per call site and kept in fn_extra; a unit that can change
 * between rows (a column, an expression) is parsed on every call.
 */
typedef struct DateUnitCache
{
	bool		constant;
	DateUnit	unit;
	/*
	 * First days (DateADT) of the years TABLE_FIRST_YEAR.., built on the first
	 * truncation to a year or month: most dates fall in that range and then
	 * cost a multiplication and a comparison or two instead of a calendar
	 * conversion.  Dates outside it use j2date/date2j.
	 */
	bool		have_table;
	int32		year_start[TABLE_YEARS + 1];
} DateUnitCache;

/* days before the first of each month (and of the next year), common and leap */
static const int16 days_before_month[2][MONTHS_PER_YEAR + 1] = {
	{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
	{0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366}
};

static DateUnit
unit_argument(FunctionCallInfo fcinfo, DateUnitCache **cache_out)
{
	DateUnitCache *cache = (DateUnitCache *) fcinfo->flinfo->fn_extra;
	DateUnit	unit;

	if (cache != NULL && cache->constant)
	{
		*cache_out = cache;
		return cache->unit;
	}
	unit = parse_unit(PG_GETARG_TEXT_PP(1));
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(DateUnitCache));
		cache->constant = get_fn_expr_arg_stable(fcinfo->flinfo, 1);
		cache->unit = unit;
		fcinfo->flinfo->fn_extra = cache;
	}
	*cache_out = cache;
	return unit;
}

/*
 * The day number (days since 2000-01-01, as DateADT) of the first day of the
 * unit that contains the given day number.  May be before the first valid
 * date; callers check.
 */
static int
truncate_day(int day, DateUnit unit, DateUnitCache *cache)
{
	int			year,
				month,
				mday;

	if (unit == UNIT_DAY)
		return day;
	if (!cache->have_table)
	{
		for (int y = 0; y <= TABLE_YEARS; y++)
			cache->year_start[y] = date2j(TABLE_FIRST_YEAR + y, 1, 1) - POSTGRES_EPOCH_JDATE;
		cache->have_table = true;
	}
	if (day >= cache->year_start[0] && day < cache->year_start[TABLE_YEARS])
	{
		/* estimate the year from the mean Gregorian year, then correct it */
		int			y = (int) (((int64) (day - cache->year_start[0]) * 400) / 146097);
		int			offset;
		const int16 *before;
		int			m;

		if (y >= TABLE_YEARS)
			y = TABLE_YEARS - 1;
		while (day < cache->year_start[y])
			y--;
		while (day >= cache->year_start[y + 1])
			y++;
		if (unit == UNIT_YEAR)
			return cache->year_start[y];
		offset = day - cache->year_start[y];
		before = days_before_month[cache->year_start[y + 1] - cache->year_start[y] == 366];
		/* months have at most 31 days: offset / 31 is never past the month */
		m = offset / 31;
		while (offset >= before[m + 1])
			m++;
		return cache->year_start[y] + before[m];
	}
	j2date(day + POSTGRES_EPOCH_JDATE, &year, &month, &mday);
	if (unit == UNIT_YEAR)
		month = 1;
	return date2j(year, month, 1) - POSTGRES_EPOCH_JDATE;
}

/* mesh.mask_date(date, unit): the first day of the year, month (or the day) */
Datum
meshpg_mask_date(PG_FUNCTION_ARGS)
{
	DateADT		value = PG_GETARG_DATEADT(0);
	DateUnitCache *cache;
	DateUnit	unit = unit_argument(fcinfo, &cache);
	DateADT		result;

	if (DATE_NOT_FINITE(value))
		PG_RETURN_DATEADT(value);
	result = truncate_day(value, unit, cache);
	/* the first days of the date range (4714 BC) have no first of the month in range */
	if (!IS_VALID_DATE(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range"),
				 errdetail("The first day of the %s of %s is before the earliest date.",
						   unit == UNIT_YEAR ? "year" : "month",
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(value)))),
				 errhint("Use unit 'day' for dates at the start of the date range.")));
	PG_RETURN_DATEADT(result);
}

/*
 * mesh.mask_date(timestamp, unit): IMMUTABLE, no time zone involved, so it is
 * day arithmetic on the microsecond count: midnight of the truncated day.
 */
Datum
meshpg_mask_timestamp(PG_FUNCTION_ARGS)
{
	Timestamp	value = PG_GETARG_TIMESTAMP(0);
	DateUnitCache *cache;
	DateUnit	unit = unit_argument(fcinfo, &cache);
	int64		day;
	Timestamp	result;

	if (TIMESTAMP_NOT_FINITE(value))
		PG_RETURN_TIMESTAMP(value);
	if (!IS_VALID_TIMESTAMP(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	/* floor division: a time before 2000-01-01 belongs to the day it starts */
	day = value / USECS_PER_DAY;
	if (value % USECS_PER_DAY < 0)
		day--;
	result = (Timestamp) truncate_day((int) day, unit, cache) * USECS_PER_DAY;
	if (!IS_VALID_TIMESTAMP(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	PG_RETURN_TIMESTAMP(result);
}

/* truncate broken-down time fields to the unit */
static void
truncate_tm(struct pg_tm *tm, fsec_t *fsec, DateUnit unit)
{
	if (unit == UNIT_YEAR)
		tm->tm_mon = 1;
	if (unit == UNIT_YEAR || unit == UNIT_MONTH)
		tm->tm_mday = 1;
	tm->tm_hour = 0;
	tm->tm_min = 0;
	tm->tm_sec = 0;
	*fsec = 0;
}

/*
 * mesh.mask_date(timestamptz, unit): midnight of the first day of the year or
 * month in the session's TimeZone, hence STABLE (as date_trunc is).
 */
Datum
meshpg_mask_timestamptz(PG_FUNCTION_ARGS)
{
	TimestampTz value = PG_GETARG_TIMESTAMPTZ(0);
	DateUnitCache *cache;
	DateUnit	unit = unit_argument(fcinfo, &cache);
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	TimestampTz result;

	if (TIMESTAMP_NOT_FINITE(value))
		PG_RETURN_TIMESTAMPTZ(value);
	if (timestamp2tm(value, &tz, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	truncate_tm(&tm, &fsec, unit);
	tz = DetermineTimeZoneOffset(&tm, session_timezone);
	if (tm2timestamp(&tm, fsec, &tz, &result) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	PG_RETURN_TIMESTAMPTZ(result);
}

/*
 * mesh.mask_round(numeric, digits): round(value, digits); digits may be
 * negative.  A value that fits in an int64 at its scale (nearly every stored
 * amount) is rounded in integer arithmetic, half away from zero as numeric
 * rounds, and the result built at scale max(digits, 0) as round() builds it;
 * anything else goes through numeric_round.
 */
Datum
meshpg_mask_round(PG_FUNCTION_ARGS)
{
	int32		digits = PG_GETARG_INT32(1);
	int64		unscaled;
	int			scale;

	if (digits >= -18 && digits <= 18 &&
		meshpg_numeric_to_scaled(PG_GETARG_DATUM(0), &unscaled, &scale))
	{
		int64		units;		/* the result in units of 10^-digits */

		if (digits >= scale)
		{
			/* nothing to round: the same value, shown with digits decimals */
			if (!pg_mul_s64_overflow(unscaled, meshpg_pow10[digits - scale], &units))
				PG_RETURN_NUMERIC(meshpg_scaled_to_numeric(units, digits));
		}
		else if (scale - digits <= 18)
		{
			int64		unit = meshpg_pow10[scale - digits];
			int64		rest;

			units = meshpg_div_pow10(unscaled, scale - digits);
			rest = unscaled - units * unit;
			if (rest >= unit / 2)
				units++;
			else if (rest <= -(unit / 2))
				units--;
			if (digits >= 0)
				PG_RETURN_NUMERIC(meshpg_scaled_to_numeric(units, digits));
			/* rounded to tens, hundreds...: an integer, display scale 0 */
			if (!pg_mul_s64_overflow(units, meshpg_pow10[-digits], &units))
				PG_RETURN_NUMERIC(meshpg_scaled_to_numeric(units, 0));
		}
	}
	return DirectFunctionCall2(numeric_round, PG_GETARG_DATUM(0), PG_GETARG_DATUM(1));
}

static bool
numeric_is_special(Numeric n)
{
	return numeric_is_nan(n) || numeric_is_inf(n);
}

/*
 * mesh.mask_bucket(numeric, width): the lower bound of the value's bucket,
 * floor(value / width) * width, shown with the width's scale.  When both fit
 * in an int64 at their scale it is computed in integer arithmetic; otherwise
 * exactly with numerics: trunc(value / width) * width, one width lower for a
 * negative value that is not on a bound.  NaN and infinities are returned as
 * they are.  Zero is cached per call site.
 */
Datum
meshpg_mask_bucket(PG_FUNCTION_ARGS)
{
	Numeric		value;
	Numeric		width;
	Datum	   *zero;
	Datum		bound;
	int64		value_unscaled;
	int			value_scale;
	int64		width_unscaled;
	int			width_scale;

	if (meshpg_numeric_to_scaled(PG_GETARG_DATUM(1), &width_unscaled, &width_scale) &&
		width_unscaled > 0 &&
		meshpg_numeric_to_scaled(PG_GETARG_DATUM(0), &value_unscaled, &value_scale))
	{
		int			common = Max(value_scale, width_scale);
		int64		a;
		int64		b;
		int64		buckets;
		int64		lower;

		if (common - value_scale <= 18 && common - width_scale <= 18 &&
			!pg_mul_s64_overflow(value_unscaled, meshpg_pow10[common - value_scale], &a) &&
			!pg_mul_s64_overflow(width_unscaled, meshpg_pow10[common - width_scale], &b))
		{
			buckets = a / b;	/* truncated toward zero: floor it */
			if (a % b != 0 && a < 0)
				buckets--;
			if (!pg_mul_s64_overflow(buckets, width_unscaled, &lower))
				PG_RETURN_NUMERIC(meshpg_scaled_to_numeric(lower, width_scale));
		}
	}

	value = PG_GETARG_NUMERIC(0);
	width = PG_GETARG_NUMERIC(1);
	zero = (Datum *) fcinfo->flinfo->fn_extra;
	if (zero == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		zero = palloc(sizeof(Datum));
		*zero = NumericGetDatum(int64_to_numeric(0));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = zero;
	}
	if (numeric_is_special(width) ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(width), *zero)) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bucket width of mesh.mask_bucket must be a positive number"),
				 errhint("Pass the width of the buckets, e.g. 1000 for salaries in thousands.")));
	if (numeric_is_special(value))
		PG_RETURN_NUMERIC(value);

	bound = DirectFunctionCall2(numeric_mul,
								DirectFunctionCall2(numeric_div_trunc, NumericGetDatum(value),
													NumericGetDatum(width)),
								NumericGetDatum(width));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(value), *zero)) < 0 &&
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, bound, NumericGetDatum(value))) != 0)
		bound = DirectFunctionCall2(numeric_sub, bound, NumericGetDatum(width));
	return bound;
}

/*
 * mesh.mask_noise(numeric, ratio float8, seed text): value * (1 + ratio * u),
 * u in [-1, 1) drawn from a 64-bit hash of the value (numerically: 1.0 and
 * 1.00 draw the same u) seeded by the seed, so the same value and seed always
 * get the same noise (repeating a query cannot average it away), and rounded
 * to the value's own scale.
 */
Datum
meshpg_mask_noise(PG_FUNCTION_ARGS)
{
	Numeric		value = PG_GETARG_NUMERIC(0);
	float8		ratio = PG_GETARG_FLOAT8(1);
	text	   *seed = PG_GETARG_TEXT_PP(2);
	uint64		seed_hash;
	uint64		h;
	float8		u;
	Datum		factor;
	Datum		result;

	if (isnan(ratio) || isinf(ratio) || ratio < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("noise ratio of mesh.mask_noise must be a finite number of at least 0"),
				 errhint("Pass e.g. 0.1 for noise of up to 10%% of the value.")));
	if (numeric_is_special(value))
		PG_RETURN_NUMERIC(value);

	seed_hash = hash_bytes_extended((const unsigned char *) VARDATA_ANY(seed),
									VARSIZE_ANY_EXHDR(seed), 0x6d657368);
	h = DatumGetUInt64(DirectFunctionCall2(hash_numeric_extended, NumericGetDatum(value),
										   UInt64GetDatum(seed_hash)));
	/* 53 high bits -> [0, 1) -> [-1, 1) */
	u = ((float8) (h >> 11) / (float8) (UINT64CONST(1) << 53)) * 2.0 - 1.0;

	factor = DirectFunctionCall1(float8_numeric, Float8GetDatum(1.0 + ratio * u));
	result = DirectFunctionCall2(numeric_mul, NumericGetDatum(value), factor);
	return DirectFunctionCall2(numeric_round, result,
							   DirectFunctionCall1(numeric_scale, NumericGetDatum(value)));
}
