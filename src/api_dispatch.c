/*-------------------------------------------------------------------------
 *
 * api_dispatch.c
 *	  The one entry point of every catalog-changing mesh.* function.
 *
 * Public API functions such as mesh.create_data_product are C functions bound
 * to meshpg_api_dispatch.  They are not SECURITY DEFINER, so when they start,
 * GetUserId() is the genuine caller, even inside another role's SECURITY
 * DEFINER function.  The dispatcher records that caller and its search_path,
 * switches to the extension owner and calls the implementation
 *
 *		mesh._<name>(caller regrole, <the same arguments>)
 *
 * Implementations are revoked from PUBLIC, pin their search_path and check
 * the caller's privileges themselves (pg_cron's rule: check explicitly, write
 * catalog rows as the extension owner).  Nobody but the extension owner can
 * call an implementation, so nobody can claim to be another caller.
 * Implementations never call the public API: a call made while running as the
 * extension owner would be recorded as the owner's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "meshpg/api_dispatch.h"

PG_FUNCTION_INFO_V1(meshpg_api_dispatch);

/* what one call site needs, cached in fn_extra for the life of the query */
typedef struct DispatchTarget
{
	FmgrInfo	impl;			/* mesh._<name> */
	char	   *public_name;	/* <name> */
} DispatchTarget;

static MeshApiCall *current_call = NULL;

const MeshApiCall *
meshpg_current_api_call(const char *helper)
{
	if (current_call == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s can only run inside the mesh API", helper),
				 errhint("Call the public mesh.* functions instead.")));
	return current_call;
}

/* owner of the meshpg extension: the role that implementations run as */
static Oid
extension_owner(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			owner;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("meshpg"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"meshpg\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION meshpg.")));
	owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

/* find mesh._<name>(regrole, <arguments of fn_oid>) */
static DispatchTarget *
lookup_target(Oid fn_oid, MemoryContext cxt)
{
	HeapTuple	proctup;
	Form_pg_proc proc;
	Oid			argtypes[FUNC_MAX_ARGS];
	Oid			impl_oid;
	Oid			mesh_nsp;
	char	   *impl_name;
	DispatchTarget *target;

	proctup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(proctup))
		elog(ERROR, "cache lookup failed for function %u", fn_oid);
	proc = (Form_pg_proc) GETSTRUCT(proctup);

	mesh_nsp = get_namespace_oid("mesh", false);
	if (proc->pronamespace != mesh_nsp || proc->pronargs + 1 > FUNC_MAX_ARGS)
		elog(ERROR, "function %u is not a mesh API function", fn_oid);

	argtypes[0] = REGROLEOID;
	memcpy(&argtypes[1], proc->proargtypes.values, proc->pronargs * sizeof(Oid));
	impl_name = psprintf("_%s", NameStr(proc->proname));
	impl_oid = LookupFuncName(list_make2(makeString("mesh"), makeString(impl_name)),
							  proc->pronargs + 1, argtypes, true);
	if (!OidIsValid(impl_oid) || get_func_rettype(impl_oid) != proc->prorettype)
		elog(ERROR, "implementation mesh.%s of mesh.%s is missing",
			 impl_name, NameStr(proc->proname));

	target = MemoryContextAlloc(cxt, sizeof(DispatchTarget));
	fmgr_info_cxt(impl_oid, &target->impl, cxt);
	target->public_name = MemoryContextStrdup(cxt, NameStr(proc->proname));
	ReleaseSysCache(proctup);
	return target;
}

Datum
meshpg_api_dispatch(PG_FUNCTION_ARGS)
{
	DispatchTarget *target = (DispatchTarget *) fcinfo->flinfo->fn_extra;
	LOCAL_FCINFO(impl_fcinfo, FUNC_MAX_ARGS);
	MeshApiCall call;
	Oid			save_userid;
	int			save_sec_context;
	Datum		result;

	if (target == NULL)
	{
		target = lookup_target(fcinfo->flinfo->fn_oid, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = target;
	}

	call.caller = GetUserId();
	call.search_path = pstrdup(namespace_search_path);
	call.function = target->public_name;
	call.outer = current_call;

	InitFunctionCallInfoData(*impl_fcinfo, &target->impl, fcinfo->nargs + 1,
							 fcinfo->fncollation, NULL, NULL);
	impl_fcinfo->args[0].value = ObjectIdGetDatum(call.caller);
	impl_fcinfo->args[0].isnull = false;
	for (int i = 0; i < fcinfo->nargs; i++)
		impl_fcinfo->args[i + 1] = fcinfo->args[i];

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	current_call = &call;
	PG_TRY();
	{
		SetUserIdAndSecContext(extension_owner(),
							   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		result = FunctionCallInvoke(impl_fcinfo);
	}
	PG_FINALLY();
	{
		current_call = call.outer;
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();

	fcinfo->isnull = impl_fcinfo->isnull;
	return result;
}
