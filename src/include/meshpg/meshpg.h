/*-------------------------------------------------------------------------
 *
 * meshpg.h
 *	  Process-wide facts every meshpg module may ask about.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_MESHPG_H
#define MESHPG_MESHPG_H

/* true when the library was loaded through shared_preload_libraries */
extern bool meshpg_preloaded;

/* checks engine GUCs (src/checks_exec.c) */
extern void meshpg_checks_init(void);
/* access_expiry.c: refuse time-limited port grants past their end at read time */
extern void meshpg_access_init(void);
/* background workers and freshness tracking (src/worker.c); only when preloaded */
extern void meshpg_monitoring_init(void);
/* src/install_guard.c: errors unless schema mesh is controlled by superusers only */
extern void meshpg_check_extension_schema(void);

#endif							/* MESHPG_MESHPG_H */
