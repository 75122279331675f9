/*-------------------------------------------------------------------------
 *
 * version_guard.h
 *	  Contract versions: GUCs and the schema-drift guard (version_guard.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_VERSION_GUARD_H
#define MESHPG_VERSION_GUARD_H

extern void meshpg_version_guard_init(void);

#endif							/* MESHPG_VERSION_GUARD_H */
