/*-------------------------------------------------------------------------
 *
 * access_expiry.c
 *	  Time-limited access to output ports is refused at read time once it
 *	  has ended, even before mesh._expire_access() revokes the grant.
 *
 * mesh.approve_access() grants SELECT on a port and records the grant, with
 * its end ("until"), in mesh.access_grants.  Revoking it is the scheduler's
 * job (mesh._expire_access), which runs every naptime at best; between the
 * end and the revocation the grant still works as far as PostgreSQL knows.
 * This ExecutorCheckPerms_hook closes that window: for a port that has a
 * time-limited grant, a role whose every meshpg grant on the port (directly
 * or through a role it has the privileges of) has ended is refused.  A role
 * that reads through a grant meshpg did not make is left to PostgreSQL.
 *
 * The hook runs for every query, so it is cheap: a per-backend hash of the
 * ports that have time-limited grants, rebuilt from mesh.access_grants (a
 * direct heap scan, no SPI) after a relcache invalidation of that table,
 * which a statement trigger sends on every change.  A query that reads no
 * such port costs one hash probe per relation.  It runs after PostgreSQL's
 * own permission checks (ExecCheckRTPerms calls hooks last) and chains to
 * the previous hook first.  Parallel workers are skipped: the leader checked.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "meshpg/meshpg.h"

#define GRANTS_TABLE "access_grants"

/* one meshpg grant on a port: grantee InvalidOid is PUBLIC */
typedef struct PortGrant
{
	Oid			grantee;
	TimestampTz until;			/* DT_NOEND when not time-limited */
} PortGrant;

/* a port with at least one time-limited grant, and all of its meshpg grants */
typedef struct PortGrants
{
	Oid			port;			/* hash key */
	int			ngrants;
	PortGrant  *grants;
} PortGrants;

static ExecutorCheckPerms_hook_type prev_check_perms_hook = NULL;
static HTAB *port_grants = NULL;
static MemoryContext cache_context = NULL;
static bool cache_valid = false;
static Oid	grants_table = InvalidOid;

static void
grants_changed(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == grants_table)
		cache_valid = false;
}

/* attribute number of a column of the expected type, or InvalidAttrNumber */
static AttrNumber
column_of_type(Relation rel, const char *name, Oid type)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->atttypid == type ? att->attnum : InvalidAttrNumber;
	}
	return InvalidAttrNumber;
}

/*
 * meshpg's table mesh.<name>, or InvalidOid when meshpg is not installed in
 * this database.  The hook runs in every database of the cluster, and where
 * meshpg is not installed any role with CREATE on the database can make a
 * schema "mesh" with a relation of that name: only a plain table that is a
 * member of the extension is read (a view scanned as a table would crash the
 * server; a table of the role's would refuse reads to other roles).
 */
static Oid
extension_table(const char *name)
{
	Oid			nsp = get_namespace_oid("mesh", true);
	Oid			relid;
	Oid			extension;

	if (!OidIsValid(nsp))
		return InvalidOid;
	relid = get_relname_relid(name, nsp);
	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION)
		return InvalidOid;
	extension = get_extension_oid("meshpg", true);
	if (!OidIsValid(extension) || getExtensionOfObject(RelationRelationId, relid) != extension)
		return InvalidOid;
	return relid;
}

typedef struct GrantRow
{
	Oid			port;
	PortGrant	grant;
} GrantRow;

/*
 * Rebuild the hash from mesh.access_grants.  When meshpg is not installed in
 * this database there is nothing to enforce; the cache stays invalid so that
 * a later CREATE EXTENSION is noticed at the next query.
 */
static void
load_port_grants(void)
{
	Relation	rel;
	AttrNumber	port_att,
				grantee_att,
				until_att;
	Snapshot	snapshot;
	TableScanDesc scan;
	TupleTableSlot *slot;
	List	   *rows = NIL;
	ListCell   *lc;
	HASHCTL		ctl;
	MemoryContext old;

	if (cache_context == NULL)
		cache_context = AllocSetContextCreate(CacheMemoryContext, "meshpg access expiry",
											  ALLOCSET_SMALL_SIZES);
	MemoryContextReset(cache_context);
	port_grants = NULL;

	grants_table = extension_table(GRANTS_TABLE);
	if (!OidIsValid(grants_table))
		return;

	rel = table_open(grants_table, AccessShareLock);
	port_att = column_of_type(rel, "port", REGCLASSOID);
	grantee_att = column_of_type(rel, "grantee", REGROLEOID);
	until_att = column_of_type(rel, "until", TIMESTAMPTZOID);
	if (port_att == InvalidAttrNumber || grantee_att == InvalidAttrNumber || until_att == InvalidAttrNumber)
	{
		table_close(rel, AccessShareLock);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table mesh.access_grants does not have the columns meshpg expects"),
				 errhint("Reinstall meshpg, or restore the table's definition.")));
	}

	/*
	 * A fresh snapshot, as a catalog cache uses: the cache outlives this
	 * transaction, so it must hold every change whose invalidation has been
	 * received, not the (possibly older) snapshot of the running query.
	 */
	snapshot = RegisterSnapshot(GetCatalogSnapshot(grants_table));
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, snapshot, 0, NULL);
	old = MemoryContextSwitchTo(cache_context);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		port = slot_getattr(slot, port_att, &isnull);
		GrantRow   *row;

		if (isnull)
			continue;
		row = palloc(sizeof(GrantRow));
		row->port = DatumGetObjectId(port);
		row->grant.grantee = DatumGetObjectId(slot_getattr(slot, grantee_att, &isnull));
		if (isnull)
			row->grant.grantee = InvalidOid;
		row->grant.until = DatumGetTimestampTz(slot_getattr(slot, until_att, &isnull));
		if (isnull)
			row->grant.until = DT_NOEND;
		rows = lappend(rows, row);
	}
	MemoryContextSwitchTo(old);
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(PortGrants);
	ctl.hcxt = cache_context;
	port_grants = hash_create("meshpg time-limited port grants", 16, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	/* ports with a time-limited grant, then all grants of those ports */
	foreach(lc, rows)
	{
		GrantRow   *row = lfirst(lc);
		PortGrants *entry;
		bool		found;

		if (row->grant.until == DT_NOEND)
			continue;
		entry = hash_search(port_grants, &row->port, HASH_ENTER, &found);
		if (!found)
		{
			entry->ngrants = 0;
			entry->grants = NULL;
		}
	}
	/* count, allocate, fill */
	foreach(lc, rows)
	{
		GrantRow   *row = lfirst(lc);
		PortGrants *entry = hash_search(port_grants, &row->port, HASH_FIND, NULL);

		if (entry != NULL)
			entry->ngrants++;
	}
	foreach(lc, rows)
	{
		GrantRow   *row = lfirst(lc);
		PortGrants *entry = hash_search(port_grants, &row->port, HASH_FIND, NULL);

		if (entry == NULL)
			continue;
		if (entry->grants == NULL)
		{
			entry->grants = MemoryContextAlloc(cache_context, sizeof(PortGrant) * entry->ngrants);
			entry->ngrants = 0;
		}
		entry->grants[entry->ngrants++] = row->grant;
	}
	cache_valid = true;
}

/* false (or an error) when userid reads port only through meshpg grants that ended */
static bool
check_port(Oid port, Oid userid, const PortGrants *entry, bool ereport_on_violation)
{
	TimestampTz now = GetCurrentTimestamp();
	bool		matched = false;
	TimestampTz last_end = DT_NOBEGIN;
	Oid			last_grantee = InvalidOid;
	HeapTuple	tuple;
	Oid			owner;

	for (int i = 0; i < entry->ngrants; i++)
	{
		const PortGrant *g = &entry->grants[i];

		if (OidIsValid(g->grantee) && !has_privs_of_role(userid, g->grantee))
			continue;
		if (g->until > now)
			return true;		/* a grant that still holds */
		matched = true;
		if (g->until > last_end)
		{
			last_end = g->until;
			last_grantee = g->grantee;
		}
	}
	if (!matched)
		return true;			/* not read through meshpg's grants */

	/* the port's owner and superusers read without any grant */
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(port));
	if (!HeapTupleIsValid(tuple))
		return true;
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	if (superuser_arg(userid) || has_privs_of_role(userid, owner))
		return true;

	if (ereport_on_violation)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("access of role %s to %s has ended",
						GetUserNameFromId(userid, false),
						quote_qualified_identifier(get_namespace_name(get_rel_namespace(port)),
												   get_rel_name(port))),
				 errdetail("The access was granted to role %s through mesh.approve_access() until %s.",
						   OidIsValid(last_grantee) ? GetUserNameFromId(last_grantee, false) : "PUBLIC",
						   timestamptz_to_str(last_end)),
				 errhint("Ask for access again with mesh.request_access().")));
	return false;
}

static bool
access_check_perms(List *range_table, bool ereport_on_violation)
{
	ListCell   *lc;

	if (prev_check_perms_hook && !prev_check_perms_hook(range_table, ereport_on_violation))
		return false;
	if (IsParallelWorker() || !IsTransactionState())
		return true;

	if (!cache_valid)
		load_port_grants();
	if (port_grants == NULL || hash_get_num_entries(port_grants) == 0)
		return true;

	foreach(lc, range_table)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		PortGrants *entry;
		Oid			userid;

		if (rte->rtekind != RTE_RELATION || !(rte->requiredPerms & ACL_SELECT))
			continue;
		entry = hash_search(port_grants, &rte->relid, HASH_FIND, NULL);
		if (entry == NULL)
			continue;
		userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
		if (!check_port(rte->relid, userid, entry, ereport_on_violation))
			return false;
	}
	return true;
}

void
meshpg_access_init(void)
{
	prev_check_perms_hook = ExecutorCheckPerms_hook;
	ExecutorCheckPerms_hook = access_check_perms;
	CacheRegisterRelcacheCallback(grants_changed, (Datum) 0);
}
