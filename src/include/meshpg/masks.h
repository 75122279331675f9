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

/* writes 2 * len lower-case hex digits (no terminator) to out */
extern void meshpg_hex_encode(const uint8 *bytes, size_t len, char *out);

/* 10^0 .. 10^18 */
extern const int64 meshpg_pow10[19];

/*
 * A finite short-format numeric whose value times 10^dscale fits in an int64:
 * that product and dscale.  False for anything else (use the generic path).
 */
extern bool meshpg_numeric_to_scaled(Datum datum, int64 *unscaled, int *scale);

#endif							/* MESHPG_MASKS_H */
