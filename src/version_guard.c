/*-------------------------------------------------------------------------
 *
 * version_guard.c
 *	  Contract versions: the schema-drift guard and the GUCs of versioning.
 *
 * The drift guard is an event trigger on ddl_command_start.  At that point
 * nothing has been changed yet, so a DDL statement that would break the
 * contract of an active data product (ALTER COLUMN TYPE, DROP COLUMN, DROP
 * NOT NULL, RENAME of a column or relation, SET SCHEMA, DROP TABLE ...) is
 * refused before it does any damage, and so is DROP CONSTRAINT of a primary
 * or foreign key the contract promises, and renaming or moving a type (or
 * renaming a value of an enum, or dropping, altering or renaming an attribute
 * of a composite) that a port column has.  A statement that recurses (ALTER TABLE
 * or RENAME COLUMN without ONLY) is checked on every child and partition it
 * reaches, and ALTER INDEX ... RENAME, which PostgreSQL accepts for tables,
 * counts as a rename.  This file only reads the raw parse
 * tree and resolves the relations and columns it names (without locking:
 * the statement itself takes its locks right after us); the decision, the
 * error naming the product, column and consumers, and the owner's override
 * are in SQL, mesh._drift_check() (src/sql/0.1.0--0.2.0/41_versions.sql),
 * called directly through fmgr.
 *
 * Being an event trigger rather than a ProcessUtility hook, the guard works
 * whether or not meshpg is in shared_preload_libraries.
 *
 * GUCs:
 *	meshpg.allow_breaking_change (USERSET): a product name; its owner may
 *		then run a breaking DDL statement on its sources (checked and
 *		recorded in SQL).
 *	meshpg.deprecation_notice (SUSET): minimum notice between deprecating a
 *		version and its sunset.
 *	meshpg.sanctioned_port_ddl (SUSET, hidden): set locally by the mesh API
 *		while it renames, replaces or drops output ports itself; the guards
 *		let such DDL through.  Only superusers (the extension owner) can set it.
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
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "meshpg/version_guard.h"

PG_FUNCTION_INFO_V1(meshpg_drift_guard);
PG_FUNCTION_INFO_V1(meshpg_port_ddl_sanctioned);

static char *allow_breaking_change = NULL;
static int	deprecation_notice_minutes = 30 * 24 * 60;
static bool sanctioned_port_ddl = false;

void
meshpg_version_guard_init(void)
{
	DefineCustomStringVariable("meshpg.allow_breaking_change",
							   "Data product whose owner may run a breaking DDL statement on its sources.",
							   "Set it with SET LOCAL to \"domain.product\"; the change is recorded as an incident "
							   "and the next version of the product must be a major one.",
							   &allow_breaking_change,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("meshpg.deprecation_notice",
							"Minimum notice between deprecating a data product version and its sunset.",
							NULL,
							&deprecation_notice_minutes,
							30 * 24 * 60,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("meshpg.sanctioned_port_ddl",
							 "Set by the mesh API while it changes output ports itself.",
							 NULL,
							 &sanctioned_port_ddl,
							 false,
							 PGC_SUSET,
							 GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							 NULL, NULL, NULL);
}

/*
 * mesh._port_ddl_sanctioned(): whether the mesh API is changing ports itself.
 * The SQL port guards ask this instead of reading the setting as text:
 * calling it loads the library, which defines meshpg.sanctioned_port_ddl as
 * superuser-only and throws away a placeholder value that a role without
 * that right set before the library was loaded (no shared_preload_libraries).
 */
Datum
meshpg_port_ddl_sanctioned(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(sanctioned_port_ddl);
}

/* owner of the meshpg extension, InvalidOid while it is not installed */
static Oid
extension_owner(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("meshpg"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

/*
 * mesh._drift_check(caller, relation, attnum, action), run as the extension
 * owner (it records overrides in the catalog), the way the API dispatcher
 * runs implementations: the caller is passed explicitly.
 */
static void
call_drift_check(Oid relid, AttrNumber attnum, const char *action)
{
	Oid			argtypes[4] = {REGROLEOID, REGCLASSOID, INT2OID, TEXTOID};
	Oid			drift_check_oid;
	Oid			owner;
	Oid			caller;
	Oid			save_userid;
	int			save_sec_context;

	if (!OidIsValid(relid))
		return;
	/* function oids change when the extension is re-created: look up each time */
	drift_check_oid = LookupFuncName(list_make2(makeString("mesh"), makeString("_drift_check")),
									 4, argtypes, true);
	owner = extension_owner();
	if (!OidIsValid(drift_check_oid) || !OidIsValid(owner))
		return;					/* the extension is being created or dropped */

	caller = GetUserId();
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	PG_TRY();
	{
		SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		OidFunctionCall4(drift_check_oid,
						 ObjectIdGetDatum(caller),
						 ObjectIdGetDatum(relid),
						 Int16GetDatum(attnum),
						 CStringGetTextDatum(action));
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
}

/*
 * mesh._drift_check_type(caller, type, action): DDL on a type (enum, domain,
 * composite) that port columns have, run as the extension owner like
 * mesh._drift_check.
 */
static void
call_drift_check_type(Oid typid, const char *action)
{
	Oid			argtypes[3] = {REGROLEOID, REGTYPEOID, TEXTOID};
	Oid			check_oid;
	Oid			owner;
	Oid			caller;
	Oid			save_userid;
	int			save_sec_context;

	if (!OidIsValid(typid))
		return;
	check_oid = LookupFuncName(list_make2(makeString("mesh"), makeString("_drift_check_type")),
							   3, argtypes, true);
	owner = extension_owner();
	if (!OidIsValid(check_oid) || !OidIsValid(owner))
		return;
	caller = GetUserId();
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	PG_TRY();
	{
		SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		OidFunctionCall3(check_oid,
						 ObjectIdGetDatum(caller),
						 ObjectIdGetDatum(typid),
						 CStringGetTextDatum(action));
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
}

/* the type a qualified name list names, InvalidOid when there is none */
static Oid
type_of(Node *names)
{
	if (names == NULL || !IsA(names, List))
		return InvalidOid;
	return LookupTypeNameOid(NULL, makeTypeNameFromNameList((List *) names), true);
}

static Oid
relation_of(RangeVar *rv)
{
	if (rv == NULL)
		return InvalidOid;
	/* no lock: the statement locks it next; a missing relation is its error */
	return RangeVarGetRelid(rv, NoLock, true);
}

static AttrNumber
column_of(Oid relid, const char *column)
{
	AttrNumber	attnum;

	if (!OidIsValid(relid) || column == NULL)
		return InvalidAttrNumber;
	attnum = get_attnum(relid, column);
	return attnum > 0 ? attnum : InvalidAttrNumber;
}

/*
 * The relation a statement names and, unless it says ONLY, every table that
 * inherits from it: ALTER TABLE and RENAME COLUMN recurse to children and
 * partitions, which a product may read directly.
 */
static List *
relations_reached(RangeVar *rv)
{
	Oid			relid = relation_of(rv);

	if (!OidIsValid(relid))
		return NIL;
	if (!rv->inh)
		return list_make1_oid(relid);
	/* no locks, as above; a child dropped meanwhile has no columns left */
	return find_all_inheritors(relid, NoLock, NULL);
}

/* the column, by name, in the relation named and every relation reached */
static void
check_column(List *relids, const char *column, const char *action)
{
	ListCell   *lc;

	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		AttrNumber	attnum = column_of(relid, column);

		if (attnum > 0)
			call_drift_check(relid, attnum, action);
	}
}

/*
 * DROP CONSTRAINT of a primary or foreign key: each of its columns, so that
 * mesh._drift_check can refuse it when the contract promises that key.
 */
static void
check_drop_constraint(List *relids, const char *name)
{
	ListCell   *lc;

	if (name == NULL)
		return;
	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		Oid			conoid = get_relation_constraint_oid(relid, name, true);
		HeapTuple	tuple;
		char		contype;
		Datum		conkey;
		bool		isnull;
		ArrayType  *keys;
		int16	   *attnums;
		int			nkeys;
		int			i;
		const char *action;

		if (!OidIsValid(conoid))
			continue;			/* IF EXISTS, or PostgreSQL's own error next */
		tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
		if (!HeapTupleIsValid(tuple))
			continue;
		contype = ((Form_pg_constraint) GETSTRUCT(tuple))->contype;
		if (contype != CONSTRAINT_PRIMARY && contype != CONSTRAINT_FOREIGN)
		{
			ReleaseSysCache(tuple);
			continue;
		}
		action = contype == CONSTRAINT_PRIMARY ? "drop primary key of" : "drop foreign key of";
		conkey = SysCacheGetAttr(CONSTROID, tuple, Anum_pg_constraint_conkey, &isnull);
		if (isnull)
		{
			ReleaseSysCache(tuple);
			continue;
		}
		/* a copy: the cache entry is released before calling out */
		keys = DatumGetArrayTypePCopy(conkey);
		ReleaseSysCache(tuple);
		if (ARR_NDIM(keys) != 1 || ARR_HASNULL(keys) || ARR_ELEMTYPE(keys) != INT2OID)
			continue;
		nkeys = ARR_DIMS(keys)[0];
		attnums = (int16 *) ARR_DATA_PTR(keys);
		for (i = 0; i < nkeys; i++)
		{
			if (attnums[i] > 0)
				call_drift_check(relid, attnums[i], action);
		}
	}
}

static void
check_alter_table(AlterTableStmt *stmt)
{
	List	   *relids = relations_reached(stmt->relation);
	ListCell   *lc;

	if (relids == NIL)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		if (!IsA(cmd, AlterTableCmd))
			continue;
		if (stmt->objtype == OBJECT_TYPE)
		{
			/* ALTER TYPE of a composite: its attributes are part of a port column's values */
			if (cmd->subtype == AT_DropColumn)
				call_drift_check_type(get_rel_type_id(linitial_oid(relids)), "drop an attribute of type");
			else if (cmd->subtype == AT_AlterColumnType)
				call_drift_check_type(get_rel_type_id(linitial_oid(relids)), "alter an attribute of type");
			continue;
		}
		switch (cmd->subtype)
		{
			case AT_AlterColumnType:
				check_column(relids, cmd->name, "alter type of");
				break;
			case AT_DropColumn:
				check_column(relids, cmd->name, "drop");
				break;
			case AT_DropNotNull:
				check_column(relids, cmd->name, "drop not null of");
				break;
			case AT_DropConstraint:
				check_drop_constraint(relids, cmd->name);
				break;
			default:
				break;
		}
	}
}

static void
check_rename(RenameStmt *stmt)
{
	switch (stmt->renameType)
	{
		case OBJECT_COLUMN:
			if (stmt->relation != NULL)
				check_column(relations_reached(stmt->relation), stmt->subname, "rename");
			break;
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
			call_drift_check_type(type_of(stmt->object), "rename type");
			break;
		case OBJECT_ATTRIBUTE:
			{
				Oid			typrelid = relation_of(stmt->relation);

				if (OidIsValid(typrelid))
					call_drift_check_type(get_rel_type_id(typrelid), "rename an attribute of type");
			}
			break;
		case OBJECT_TABLE:
		case OBJECT_INDEX:		/* ALTER INDEX ... RENAME accepts a table too */
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			call_drift_check(relation_of(stmt->relation), 0, "rename");
			break;
		default:
			break;
	}
}

static void
check_set_schema(AlterObjectSchemaStmt *stmt)
{
	switch (stmt->objectType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			call_drift_check(relation_of(stmt->relation), 0, "move");
			break;
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
			call_drift_check_type(type_of(stmt->object), "move type");
			break;
		default:
			break;
	}
}

static void
check_drop(DropStmt *stmt)
{
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			break;
		default:
			return;
	}
	foreach(lc, stmt->objects)
	{
		List	   *names = (List *) lfirst(lc);

		call_drift_check(relation_of(makeRangeVarFromNameList(names)), 0, "drop");
	}
}

/*
 * mesh._drift_guard() RETURNS event_trigger, on ddl_command_start
 */
Datum
meshpg_drift_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	Node	   *parsetree;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mesh._drift_guard() can only be called as an event trigger"),
				 errhint("It is installed by meshpg as the event trigger meshpg_drift_guard.")));
	if (sanctioned_port_ddl)
		PG_RETURN_VOID();

	trigdata = (EventTriggerData *) fcinfo->context;
	parsetree = trigdata->parsetree;
	if (parsetree == NULL)
		PG_RETURN_VOID();

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			check_alter_table((AlterTableStmt *) parsetree);
			break;
		case T_RenameStmt:
			check_rename((RenameStmt *) parsetree);
			break;
		case T_AlterObjectSchemaStmt:
			check_set_schema((AlterObjectSchemaStmt *) parsetree);
			break;
		case T_DropStmt:
			check_drop((DropStmt *) parsetree);
			break;
		case T_AlterEnumStmt:
			/* RENAME VALUE changes values consumers compare with; ADD VALUE does not */
			if (((AlterEnumStmt *) parsetree)->oldVal != NULL)
				call_drift_check_type(type_of((Node *) ((AlterEnumStmt *) parsetree)->typeName),
									  "rename a value of type");
			break;
		default:
			break;
	}
	PG_RETURN_VOID();
}
