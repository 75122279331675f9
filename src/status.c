/*-------------------------------------------------------------------------
 *
 * status.c
 *	  mesh.status(): what parts of meshpg are active in this server.
 *
 * The catalog and the API work in any session; what needs the library
 * loaded at server start is reported as inactive, with the reason, so a DBA
 * never has to guess.  CREATE EXTENSION calls mesh._warn_if_not_preloaded()
 * to say the same thing once, as a WARNING.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "meshpg/enforce.h"
#include "meshpg/meshpg.h"
#include "meshpg/usage.h"

PG_FUNCTION_INFO_V1(meshpg_status);
PG_FUNCTION_INFO_V1(meshpg_warn_if_not_preloaded);

/* one component of meshpg, and what it needs to be active */
typedef struct StatusComponent
{
	const char *name;
	bool		needs_preload;
	const char *detail;			/* what it is, when active */
	const char *inactive;		/* why not and what to do, when inactive */
	bool		(*is_active) (void);	/* when set, decides instead of needs_preload */
} StatusComponent;

static const StatusComponent components[] = {
	{"catalog", false,
		"domains, data products and columns in schema mesh", NULL},
	{"api", false,
		"mesh.create_domain, mesh.create_data_product and the other catalog functions", NULL},
	{"output ports", false,
		"security_barrier views <domain>.<product> owned by the domain owner", NULL},
	{"search", false,
		"weighted full-text search over the catalog", NULL},
	{"access expiry", true,
		"time-limited access to output ports is refused at read time once it has ended",
		"meshpg is not preloaded: time-limited access to output ports ends only when mesh._expire_access() revokes it; add meshpg to shared_preload_libraries"},
	{"workers", true,
		"a launcher and one scheduler per database with meshpg: freshness SLAs, incidents, retention (SELECT * FROM mesh.worker_status)",
		"background workers need meshpg in shared_preload_libraries; SLAs are not evaluated and retention does not run"},
	{"freshness tracking", true,
		"commit times of changes to product sources are kept in shared memory (mesh.freshness)",
		"changes to product sources are not tracked without meshpg in shared_preload_libraries; only declared freshness columns can be measured"},
	{"shared_preload_libraries", true,
		"meshpg is loaded at server start",
		"meshpg is not loaded at server start; add it to shared_preload_libraries and restart the server before using read-path governance, workers or freshness tracking"},
	{"read-path enforcement", true,
		"masking and row policies applied to every read by the planner hook",
		"masking and row policies cannot be applied (meshpg not preloaded, or meshpg.enforcement off): governed tables refuse masked readers with an error",
	meshpg_enforcement_active},
	{"usage counters", true,
		"reads of output ports are counted per product, role and day in shared memory; mesh.flush_usage() writes them to mesh.usage_daily",
		"reads are not counted: add meshpg to shared_preload_libraries and restart the server"},
	{"access history", true,
		"reads of products with an access history are recorded in shared memory; mesh.flush_usage() writes them to mesh.access_history",
		"reads are not recorded in the access history: add meshpg to shared_preload_libraries and restart the server"},
};

Datum
meshpg_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);

	for (size_t i = 0; i < lengthof(components); i++)
	{
		const StatusComponent *c = &components[i];
		bool		active = c->is_active ? c->is_active() :
			(!c->needs_preload || meshpg_preloaded);
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		char	   *detail;

		detail = pstrdup(active ? c->detail : c->inactive);

		values[0] = CStringGetTextDatum(c->name);
		values[1] = BoolGetDatum(active);
		values[2] = CStringGetTextDatum(detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	return (Datum) 0;
}

Datum
meshpg_warn_if_not_preloaded(PG_FUNCTION_ARGS)
{
	/* the first code the install script runs: refuse an untrusted schema mesh */
	meshpg_check_extension_schema();
	if (!meshpg_preloaded)
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("meshpg is not loaded through shared_preload_libraries"),
				 errdetail("The catalog, the API and output ports work; server-side parts that need the library at start-up are inactive."),
				 errhint("Add meshpg to shared_preload_libraries in postgresql.conf and restart the server; SELECT * FROM mesh.status() shows what is active.")));
	PG_RETURN_VOID();
}
