/*-------------------------------------------------------------------------
 *
 * masks.h
 *	  Helpers shared by the mask library's files (masks.c, masks_pseudonym.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_MASKS_H
#define MESHPG_MASKS_H

/* writes 2 * len lower-case hex digits (no terminator) to out */
extern void meshpg_hex_encode(const uint8 *bytes, size_t len, char *out);

#endif							/* MESHPG_MASKS_H */
