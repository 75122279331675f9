/*-------------------------------------------------------------------------
 *
 * usage.h
 *	  Usage counting and access history: what the read path records.
 *
 * usage.c owns the executor hooks, the per-backend cache of output ports and
 * the shared usage counters; access_history.c owns the shared ring buffer of
 * access history records (and its spill files) that usage.c fills.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MESHPG_USAGE_H
#define MESHPG_USAGE_H

#include "datatype/timestamp.h"
#include "nodes/bitmapset.h"

/* wire-up from _PG_init (preloaded only) */
extern void meshpg_usage_init(void);

/* true once the read-path hooks are installed (mesh.status()) */
extern bool meshpg_usage_active;

/* access_history.c: shared ring buffer, sized by meshpg.access_history_buffer */
extern void meshpg_access_history_define_gucs(void);
extern void meshpg_access_history_shmem_request(void);
extern void meshpg_access_history_shmem_startup(void);

/*
 * Records one read of a port whose product keeps an access history.  cols
 * are the port's selected columns as in RangeTblEntry.selectedCols (offset by
 * FirstLowInvalidHeapAttributeNumber).  Never loses a record: when the ring is
 * full the record is appended to a spill file, and an I/O failure there is an
 * ERROR (the read fails rather than go unrecorded).
 */
extern void meshpg_access_history_record(int64 product_id, Oid port, Oid role,
										 TimestampTz read_at, uint64 query_id,
										 const Bitmapset *cols);

#endif							/* MESHPG_USAGE_H */
