/*-------------------------------------------------------------------------
 *
 * install_guard.c
 *	  CREATE EXTENSION meshpg refuses a schema mesh that a role other than a
 *	  superuser controls, before anything of the install script runs in it.
 *
 * CREATE EXTENSION installs into a schema mesh that already exists, whoever
 * made it, with mesh first in search_path.  The owner of that schema, or a
 * role it lets CREATE there, could plant operators and overloads that the
 * install script and later the API resolve to (an operator = (oid,
 * regnamespace) beats pg_catalog's; mesh._require(text, text) beats
 * mesh._require(anyelement, text)), and they would run as the installing
 * superuser.  The first statement of the install script that runs code is
 * SELECT mesh._warn_if_not_preloaded(), a call without arguments that no
 * overload can take over, so the check is made there, in C, before any SQL
 * of the script is evaluated.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "meshpg/meshpg.h"

void
meshpg_check_extension_schema(void)
{
	Oid			nsp = get_namespace_oid("mesh", true);
	HeapTuple	tuple;
	Oid			owner;
	Datum		acl_datum;
	bool		isnull;
	StringInfoData creators;

	if (!OidIsValid(nsp))
		return;
	tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (!HeapTupleIsValid(tuple))
		return;
	owner = ((Form_pg_namespace) GETSTRUCT(tuple))->nspowner;
	if (owner != GetUserId() && !superuser_arg(owner))
	{
		ReleaseSysCache(tuple);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("schema mesh is owned by role %s, which is not a superuser",
						quote_identifier(GetUserNameFromId(owner, false))),
				 errdetail("Its owner could place functions and operators there that meshpg would run with superuser rights."),
				 errhint("Drop the schema mesh (or ALTER SCHEMA mesh OWNER TO a superuser) and create the extension again.")));
	}

	initStringInfo(&creators);
	acl_datum = SysCacheGetAttr(NAMESPACEOID, tuple, Anum_pg_namespace_nspacl, &isnull);
	if (!isnull)
	{
		Acl		   *acl = DatumGetAclPCopy(acl_datum);
		AclItem    *items = ACL_DAT(acl);

		for (int i = 0; i < ACL_NUM(acl); i++)
		{
			Oid			grantee = items[i].ai_grantee;

			if (!(ACLITEM_GET_PRIVS(items[i]) & ACL_CREATE) || grantee == owner ||
				(grantee != ACL_ID_PUBLIC && superuser_arg(grantee)))
				continue;
			appendStringInfo(&creators, "%s%s", creators.len > 0 ? ", " : "",
							 grantee == ACL_ID_PUBLIC ? "PUBLIC" :
							 quote_identifier(GetUserNameFromId(grantee, false)));
		}
	}
	ReleaseSysCache(tuple);
	if (creators.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("roles that are not superusers may create objects in schema mesh: %s", creators.data),
				 errdetail("They could place functions and operators there that meshpg would run with superuser rights."),
				 errhint("REVOKE CREATE ON SCHEMA mesh FROM those roles and create the extension again.")));
	pfree(creators.data);
}
