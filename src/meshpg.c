/*-------------------------------------------------------------------------
 *
 * meshpg.c
 *	  Library entry point: wires meshpg into the server and nothing else.
 *
 * meshpg works without shared_preload_libraries for catalog use; loaded at
 * server start it can (in later versions) install its read hooks, shared
 * memory and background workers.  _PG_init only records how it was loaded
 * and reserves the "meshpg." GUC prefix; every module that needs start-up
 * wiring adds it here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "meshpg/enforce.h"
#include "meshpg/meshpg.h"
#include "meshpg/version_guard.h"
#include "meshpg/usage.h"

PG_MODULE_MAGIC;

bool		meshpg_preloaded = false;

void		_PG_init(void);

void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;

	meshpg_preloaded = process_shared_preload_libraries_in_progress;

	meshpg_enforce_init();
	meshpg_version_guard_init();
	meshpg_checks_init();
	if (meshpg_preloaded)
		meshpg_usage_init();
	meshpg_monitoring_init();

	meshpg_access_init();

	MarkGUCPrefixReserved("meshpg");
}
