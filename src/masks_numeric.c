/*-------------------------------------------------------------------------
 *
 * masks_numeric.c
 *	  Reads a small numeric as a scaled int64, so that mask_round and
 *	  mask_bucket can work in integer arithmetic instead of going through the
 *	  generic numeric functions (a detoasted copy, a NumericVar, a division and
 *	  a multiplication per row).
 *
 * PostgreSQL does not export a way to read a numeric's digits, so this file
 * reads its stored format, which is fixed by pg_upgrade compatibility (short
 * format since 9.1, special values since 14; see numeric.c).  It only reads,
 * and only the common case: a finite value in the short format with at most
 * 16 significant decimal digits.  For anything else (NaN, infinities, the
 * long format, toasted or compressed values, more digits, or a value whose
 * scaled form would overflow) it returns false and the caller takes the
 * generic path, so every result is the one the numeric functions give; the
 * regression test mask_fast_paths compares both paths value by value.
 * Results are built in the short format exactly as numeric.c's make_result
 * builds them (the test also compares stored sizes, which tell the formats
 * apart).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "common/int.h"
#include "utils/numeric.h"

#include "meshpg/masks.h"

/* the stored format of numeric (src/backend/utils/adt/numeric.c) */
#define NUMERIC_FLAG_MASK			0xC000	/* top two bits of the first uint16 */
#define NUMERIC_FLAG_SHORT			0x8000	/* 10: short format; 11 is NaN/inf */
#define NUMERIC_SHORT_SIGN_MASK		0x2000
#define NUMERIC_SHORT_DSCALE_MASK	0x1F80
#define NUMERIC_SHORT_DSCALE_SHIFT	7
#define NUMERIC_SHORT_WEIGHT_SIGN	0x0040
#define NUMERIC_SHORT_WEIGHT_MASK	0x003F
#define NUMERIC_NBASE				10000
#define NUMERIC_DEC_DIGITS			4

/* at most this many base-10000 digits: a value below 10^16 */
#define MAX_FAST_DIGITS				4

const int64 meshpg_pow10[19] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000),
	INT64CONST(10000), INT64CONST(100000), INT64CONST(1000000),
	INT64CONST(10000000), INT64CONST(100000000), INT64CONST(1000000000),
	INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000),
	INT64CONST(100000000000000), INT64CONST(1000000000000000),
	INT64CONST(10000000000000000), INT64CONST(100000000000000000),
	INT64CONST(1000000000000000000)
};

/*
 * If the numeric datum is finite, stored in the short format, and its value
 * times 10^dscale fits in an int64, set *unscaled to that product and *scale
 * to dscale and return true; otherwise return false.  The datum is read in
 * place (a 1-byte varlena header is fine: digits are copied out, never read
 * through an aligned pointer).
 */
bool
meshpg_numeric_to_scaled(Datum datum, int64 *unscaled, int *scale)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(datum);
	const char *data;
	int			len;
	int			ndigits;
	uint16		header;
	int			weight;
	int			dscale;
	int			exponent;
	int64		m = 0;
	int			last = 0;

	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		return false;
	data = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	if (len < (int) sizeof(uint16) || (len - sizeof(uint16)) % sizeof(int16) != 0)
		return false;
	memcpy(&header, data, sizeof(uint16));
	if ((header & NUMERIC_FLAG_MASK) != NUMERIC_FLAG_SHORT)
		return false;			/* long format, NaN or an infinity */
	ndigits = (len - sizeof(uint16)) / sizeof(int16);
	if (ndigits > MAX_FAST_DIGITS)
		return false;
	dscale = (header & NUMERIC_SHORT_DSCALE_MASK) >> NUMERIC_SHORT_DSCALE_SHIFT;
	weight = (header & NUMERIC_SHORT_WEIGHT_SIGN) ?
		(~NUMERIC_SHORT_WEIGHT_MASK | (header & NUMERIC_SHORT_WEIGHT_MASK)) :
		(header & NUMERIC_SHORT_WEIGHT_MASK);

	if (ndigits == 0)
	{
		*unscaled = 0;
		*scale = dscale;
		return true;
	}
	for (int i = 0; i < ndigits; i++)
	{
		int16		digit;

		memcpy(&digit, data + sizeof(uint16) + i * sizeof(int16), sizeof(int16));
		if (digit < 0 || digit >= NUMERIC_NBASE)
			return false;		/* not a value numeric.c wrote */
		last = digit;
		if (i < ndigits - 1)
			m = m * NUMERIC_NBASE + digit;
	}

	/*
	 * value = (m * 10000 + last) * 10^(4 * (weight - ndigits + 1)); we want
	 * value * 10^dscale.  When the display scale ends inside the last base-10000
	 * digit, its lower 1 to 3 decimal digits are zeros (numeric.c rounds to
	 * dscale): drop them, checking rather than trusting.
	 */
	exponent = NUMERIC_DEC_DIGITS * (weight - ndigits + 1) + dscale;
	if (exponent < 0)
	{
		int			drop = -exponent;
		int			dropped;

		/* constant divisors: multiplications, not divisions */
		switch (drop)
		{
			case 1:
				dropped = last % 10;
				last /= 10;
				break;
			case 2:
				dropped = last % 100;
				last /= 100;
				break;
			case 3:
				dropped = last % 1000;
				last /= 1000;
				break;
			default:
				return false;
		}
		if (dropped != 0)
			return false;
		m = m * meshpg_pow10[NUMERIC_DEC_DIGITS - drop] + last;
	}
	else
	{
		m = m * NUMERIC_NBASE + last;
		if (exponent > 18 || pg_mul_s64_overflow(m, meshpg_pow10[exponent], &m))
			return false;
	}
	*unscaled = (header & NUMERIC_SHORT_SIGN_MASK) ? -m : m;
	*scale = dscale;
	return true;
}

/*
 * The numeric unscaled / 10^scale with display scale `scale` (0 to 63), built
 * directly in the short format exactly as make_result() in numeric.c builds
 * it: base-10000 digits aligned on the decimal point, leading and trailing
 * zero digits stripped, zero as no digits with weight 0 and a positive sign.
 * One palloc, where int64_div_fast_to_numeric makes a NumericVar (two
 * allocations and a free) to get the same bytes.
 */
Numeric
meshpg_scaled_to_numeric(int64 unscaled, int scale)
{
	uint64		magnitude;
	int16		digits[8];		/* least significant first; an int64 needs 6 */
	int			n = 0;
	int			low = 0;
	int			fraction_digits;
	int			weight;
	uint16		header;
	Numeric		result;
	char	   *out;

	Assert(scale >= 0 && scale <= (NUMERIC_SHORT_DSCALE_MASK >> NUMERIC_SHORT_DSCALE_SHIFT));
	magnitude = unscaled < 0 ? -((uint64) unscaled) : (uint64) unscaled;
	fraction_digits = (scale + NUMERIC_DEC_DIGITS - 1) / NUMERIC_DEC_DIGITS;

	/* the lowest digit is padded with decimal zeros up to a digit boundary */
	switch (fraction_digits * NUMERIC_DEC_DIGITS - scale)
	{
		case 1:
			digits[n++] = (int16) (magnitude % 1000) * 10;
			magnitude /= 1000;
			break;
		case 2:
			digits[n++] = (int16) (magnitude % 100) * 100;
			magnitude /= 100;
			break;
		case 3:
			digits[n++] = (int16) (magnitude % 10) * 1000;
			magnitude /= 10;
			break;
		default:
			break;
	}
	while (magnitude > 0)
	{
		digits[n++] = (int16) (magnitude % NUMERIC_NBASE);
		magnitude /= NUMERIC_NBASE;
	}
	while (n > 0 && digits[n - 1] == 0)
		n--;					/* leading zeros */
	while (low < n && digits[low] == 0)
		low++;					/* trailing zeros */

	if (low == n)
	{
		/* zero: no digits, weight 0, positive */
		weight = 0;
		header = NUMERIC_FLAG_SHORT | (scale << NUMERIC_SHORT_DSCALE_SHIFT);
		n = low = 0;
	}
	else
	{
		weight = n - 1 - fraction_digits;
		header = NUMERIC_FLAG_SHORT |
			(unscaled < 0 ? NUMERIC_SHORT_SIGN_MASK : 0) |
			(scale << NUMERIC_SHORT_DSCALE_SHIFT) |
			(weight < 0 ? NUMERIC_SHORT_WEIGHT_SIGN : 0) |
			(weight & NUMERIC_SHORT_WEIGHT_MASK);
	}

	result = (Numeric) palloc(VARHDRSZ + sizeof(uint16) + (n - low) * sizeof(int16));
	SET_VARSIZE(result, VARHDRSZ + sizeof(uint16) + (n - low) * sizeof(int16));
	out = VARDATA(result);
	memcpy(out, &header, sizeof(uint16));
	out += sizeof(uint16);
	for (int i = n - 1; i >= low; i--)
	{
		memcpy(out, &digits[i], sizeof(int16));
		out += sizeof(int16);
	}
	return result;
}
