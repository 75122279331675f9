/*-------------------------------------------------------------------------
 *
 * enforce.h
 *	  Read-path enforcement of masking and row policies (src/enforce.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_ENFORCE_H
#define MESHPG_ENFORCE_H

/* GUCs and, when preloaded, the planner and utility hooks */
extern void meshpg_enforce_init(void);

/* are masks and row policies applied in this backend? */
extern bool meshpg_enforcement_active(void);

#endif							/* MESHPG_ENFORCE_H */
