/*-------------------------------------------------------------------------
 *
 * masks.h
 *	  Helpers shared by the mask library's files (masks.c, masks_pseudonym.c,
 *	  masks_numeric.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_MASKS_H
#define MESHPG_MASKS_H

#include "utils/numeric.h"

/* writes 2 * len lower-case hex digits (no terminator) to out */
extern void meshpg_hex_encode(const uint8 *bytes, size_t len, char *out);

/* 10^0 .. 10^18 */
extern const int64 meshpg_pow10[19];

/*
 * x / 10^k (truncated toward zero) for 0 <= k <= 18.  A switch over constant
 * divisors, which compilers turn into multiplications: a 64-bit division by a
 * variable costs tens of cycles, more than the rest of a mask.
 */
static inline int64
meshpg_div_pow10(int64 x, int k)
{
	switch (k)
	{
		case 0: return x;
		case 1: return x / INT64CONST(10);
		case 2: return x / INT64CONST(100);
		case 3: return x / INT64CONST(1000);
		case 4: return x / INT64CONST(10000);
		case 5: return x / INT64CONST(100000);
		case 6: return x / INT64CONST(1000000);
		case 7: return x / INT64CONST(10000000);
		case 8: return x / INT64CONST(100000000);
		case 9: return x / INT64CONST(1000000000);
		case 10: return x / INT64CONST(10000000000);
		case 11: return x / INT64CONST(100000000000);
		case 12: return x / INT64CONST(1000000000000);
		case 13: return x / INT64CONST(10000000000000);
		case 14: return x / INT64CONST(100000000000000);
		case 15: return x / INT64CONST(1000000000000000);
		case 16: return x / INT64CONST(10000000000000000);
		case 17: return x / INT64CONST(100000000000000000);
		default: return x / INT64CONST(1000000000000000000);
	}
}

/*
 * A finite short-format numeric whose value times 10^dscale fits in an int64:
 * that product and dscale.  False for anything else (use the generic path).
 */
extern bool meshpg_numeric_to_scaled(Datum datum, int64 *unscaled, int *scale);

/* unscaled / 10^scale as a numeric of display scale scale (0 to 63) */
extern Numeric meshpg_scaled_to_numeric(int64 unscaled, int scale);

#endif							/* MESHPG_MASKS_H */
