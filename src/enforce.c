/*-------------------------------------------------------------------------
 *
 * enforce.c
 *	  Masks and row policies applied in the server, on every read path.
 *
 * A planner_hook (chained; our work runs before the previous hook or
 * standard_planner) walks the whole rewritten query: range tables,
 * subqueries, CTEs and sublinks.  Each range-table entry that reads a governed
 * relation -- a table, partition or inheritance child, materialized view, or
 * an output port (a view, which the rewriter has already turned into a
 * subquery) -- is replaced by a security_barrier subquery
 *
 *		SELECT <every column in attnum order, masked where a policy applies>
 *		  FROM <the original entry> WHERE <row policies>
 *
 * so the masks and filters are applied before any qual, join or function of
 * the reader sees a value.  The original entry, with its permission fields
 * and row-security quals, is kept inside.  Nothing is changed when every role
 * whose rights are in play is exempt (see exempt_for()).
 *
 * Which roles are in play: the role outside any SECURITY DEFINER function
 * (GetOuterUserId), the current role (GetUserId), the roles of the definer
 * functions being run (kept by an fmgr_hook, so that a masked role's
 * function calling an exempt owner's gets no raw data) and, for relations
 * read through a view, the view owner (checkAsUser).  Data is left raw only if all
 * of them may see it, so neither a definer function nor a view of an exempt
 * owner unmasks data for a masked reader, and a masked role's function or view
 * cannot harvest raw data from an exempt reader.
 *
 * The decision is taken once, when the query is planned.  Plans therefore
 * depend on the role (dependsOnRole), on the policy catalog (its oid is in
 * every plan's relationOids and the API sends a relcache invalidation for it
 * on every change), on role memberships (a change resets the plan cache), and
 * on the session role: a plan that reads governed data and was made with the
 * session role equal to the current role is refused at executor start when it
 * runs inside a SECURITY DEFINER function for another session role; a plan
 * made inside such a function carries a one-time filter
 * mesh._enforcement_reader_is(<session role>).  Plans also record the
 * definer roles they were made for and are refused at executor start under
 * other ones.  Either way the plan cache is reset, so the next run plans for
 * the right reader.
 *
 * Policies live in a per-backend cache (relation -> column masks, row
 * filters), built with SPI as the bootstrap superuser and invalidated by a
 * relcache callback.  Plans of exempt roles and of queries touching no
 * governed relation only pay the walk and one hash lookup per relation.
 *
 * SQL set-returning functions are not inlined while a non-superuser's query
 * is planned (a needs_fmgr_hook claims them): the planner would pull their
 * body into the query after this hook has walked it.  Run as functions,
 * their queries come through this hook on their own.
 *
 * DML that could reveal raw values through its WHERE or RETURNING (UPDATE,
 * DELETE, MERGE, INSERT ... ON CONFLICT DO UPDATE, SELECT ... FOR UPDATE) on a
 * governed relation is refused to non-exempt roles.  COPY <table> TO is
 * turned into COPY (SELECT ...) TO, which goes through the planner.
 *
 * Fail closed: governed tables carry a restrictive row-security policy
 * USING ((SELECT mesh._enforcement_guard(<table>))), with row security
 * forced, that raises an error when the hooks are not active in the backend
 * (library not preloaded, or the superuser-only meshpg.enforcement is off).
 * While the hooks run, the guard is true by definition and is dropped from
 * the plan.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "utils/resowner.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "commands/copy.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "meshpg/enforce.h"
#include "meshpg/meshpg.h"
#include "meshpg/policy.h"

PG_FUNCTION_INFO_V1(meshpg_enforcement_guard);
PG_FUNCTION_INFO_V1(meshpg_enforcement_reader_is);
PG_FUNCTION_INFO_V1(meshpg_invalidate_enforcement);
PG_FUNCTION_INFO_V1(meshpg_statistic_visible);

/* GUCs */
static bool enforcement_enabled = true;

static bool hooks_installed = false;
static planner_hook_type prev_planner_hook = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/* marks (in PlannedStmt.invalItems) a plan made for its current role as reader */
#define READER_MARK 0x6d657368	/* "mesh" */

static void reader_mismatch(Oid planned_for, Oid reader) pg_attribute_noreturn();
static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;

/*
 * The roles of the SECURITY DEFINER functions being run in this backend,
 * outermost first (kept by an fmgr_hook; functions with SET clauses count
 * too, as their caller's role).  They are in play as well: a masked role's
 * definer function that calls an exempt owner's definer function must not
 * get raw data through it.
 */
static Oid *definer_roles = NULL;
static int	definer_depth = 0;
static int	definer_capacity = 0;

/* marks (in PlannedStmt.invalItems) the definer roles a plan was made for */
#define DEFINERS_MARK 0x64656673	/* "defs" */

/*
 * While a query of a non-superuser is planned, SQL set-returning functions
 * are not inlined: the planner would pull their body into the query after
 * this hook has walked it, so the relations it reads would escape the masks.
 * Run as functions, their queries are planned (and masked) on their own.
 */
static bool block_sql_srf_inlining = false;

/* --- the per-backend policy cache --- */

typedef struct MaskRule
{
	AttrNumber	attnum;
	char	   *policy;
	char	   *mask;
	char	   *unmasked_for;	/* NULL: nobody is unmasked */
	Node	   *expr;			/* the checked mask, once first applied */
} MaskRule;

typedef struct FilterRule
{
	char	   *product;
	char	   *policy;
	char	   *filter;
	Node	   *expr;			/* the checked filter, once first applied */
} FilterRule;

typedef struct GovernedRel
{
	Oid			relid;			/* hash key */
	List	   *masks;			/* MaskRule, by attnum */
	List	   *filters;		/* FilterRule */
} GovernedRel;

/*
 * A relation that is not governed but has governed partitions or inheritance
 * children: read with its children, their rows would bypass their rules.
 */
typedef struct GovernedAncestor
{
	Oid			relid;			/* hash key */
	List	   *descendants;	/* governed relations below it (oids) */
} GovernedAncestor;

typedef struct EnforceCache
{
	MemoryContext cxt;
	HTAB	   *rels;			/* NULL when meshpg is not installed here */
	HTAB	   *ancestors;		/* GovernedAncestor, when rels is set */
	Oid			token;			/* mesh.masking_policies: plans depend on it */
	Oid			attribute_fn;	/* mesh.attribute(text) */
	Oid			reader_is_fn;	/* mesh._enforcement_reader_is(oid) */
	Oid			statistic_fn;	/* mesh._statistic_visible(oid, int2) */
	Oid			guard_fn;		/* mesh._enforcement_guard(regclass) */
	List	   *conditions;		/* unmasked_for results per policy and role */
	int			pins;			/* planner runs using it */
	bool		stale;
	char	   *broken;			/* why the rules could not be read, or NULL */
} EnforceCache;

static EnforceCache *cache = NULL;
static bool building = false;

static void
cache_free(EnforceCache *c)
{
	MemoryContextDelete(c->cxt);
}

static void
enforce_relcache_callback(Datum arg, Oid relid)
{
	if (cache == NULL)
		return;
	/*
	 * Absent extension: any relcache event may be its creation.  A governed
	 * relation changed (a column's type, say): its checked expressions are
	 * stale.
	 */
	if (!OidIsValid(relid) || relid == cache->token || cache->rels == NULL ||
		hash_search(cache->rels, &relid, HASH_FIND, NULL) != NULL)
		cache->stale = true;
}

/*
 * Membership or role attribute changes: unmasked_for results and the
 * decisions in cached plans are stale.
 */
static void
enforce_role_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	if (cache != NULL)
		cache->stale = true;
	ResetPlanCache();
}

/*
 * A function, operator, type, cast or schema changed: the checked policy
 * expressions kept in the cache must be parsed and checked again (an object
 * may have been replaced by one an ordinary role owns).
 */
static void
enforce_object_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	if (cache != NULL)
		cache->stale = true;
}

static Node *
copyObjectCxt(MemoryContext cxt, Node *node)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Node	   *copy = copyObject(node);

	MemoryContextSwitchTo(old);
	return copy;
}

/* mesh.<name>(<arguments>), or InvalidOid when it is missing (older versions) */
static Oid
lookup_function(const char *name, int nargs, Oid arg1, Oid arg2)
{
	Oid			argtypes[2] = {arg1, arg2};

	return LookupFuncName(list_make2(makeString("mesh"), makeString(pstrdup(name))),
						  nargs, argtypes, true);
}

/* the cache entry of a governed relation, created empty on first use */
static GovernedRel *
governed_rel_entry(EnforceCache *c, Oid relid)
{
	bool		found;
	GovernedRel *g = hash_search(c->rels, &relid, HASH_ENTER, &found);

	if (!found)
	{
		g->masks = NIL;
		g->filters = NIL;
	}
	return g;
}

static void
load_rules(EnforceCache *c)
{
	uint64		i;

	if (SPI_execute("SELECT relid, attnum, policy, mask, unmasked_for FROM mesh._enforcement_masks()",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read masking rules");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		GovernedRel *g;
		MaskRule   *rule;
		MemoryContext old;

		g = governed_rel_entry(c, relid);
		old = MemoryContextSwitchTo(c->cxt);
		rule = palloc(sizeof(MaskRule));
		rule->attnum = DatumGetInt16(SPI_getbinval(tup, desc, 2, &isnull));
		rule->policy = SPI_getvalue(tup, desc, 3);
		rule->mask = SPI_getvalue(tup, desc, 4);
		rule->unmasked_for = SPI_getvalue(tup, desc, 5);
		rule->expr = NULL;
		g->masks = lappend(g->masks, rule);
		MemoryContextSwitchTo(old);
	}

	if (SPI_execute("SELECT relid, product, policy, filter FROM mesh._enforcement_filters()",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read row policies");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		GovernedRel *g;
		FilterRule *rule;
		MemoryContext old;

		g = governed_rel_entry(c, relid);
		old = MemoryContextSwitchTo(c->cxt);
		rule = palloc(sizeof(FilterRule));
		rule->product = SPI_getvalue(tup, desc, 2);
		rule->policy = SPI_getvalue(tup, desc, 3);
		rule->filter = SPI_getvalue(tup, desc, 4);
		rule->expr = NULL;
		g->filters = lappend(g->filters, rule);
		MemoryContextSwitchTo(old);
	}
}

/* the ancestors of governed relations that are not governed themselves */
static void
load_ancestors(EnforceCache *c)
{
	HASH_SEQ_STATUS seq;
	GovernedRel *g;
	Datum	   *oids;
	int			n = 0;
	long		count = hash_get_num_entries(c->rels);
	Oid			argtypes[1] = {OIDARRAYOID};
	Datum		values[1];
	uint64		i;

	if (count == 0)
		return;
	oids = palloc(sizeof(Datum) * count);
	hash_seq_init(&seq, c->rels);
	while ((g = hash_seq_search(&seq)) != NULL)
		oids[n++] = ObjectIdGetDatum(g->relid);
	values[0] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	if (SPI_execute_with_args("WITH RECURSIVE up(parent, child) AS ("
							  " SELECT i.inhparent, i.inhrelid FROM pg_catalog.pg_inherits i"
							  "  WHERE i.inhrelid OPERATOR(pg_catalog.=) ANY ($1)"
							  " UNION"
							  " SELECT i.inhparent, up.child FROM up JOIN pg_catalog.pg_inherits i"
							  "  ON i.inhrelid OPERATOR(pg_catalog.=) up.parent)"
							  " SELECT parent, child FROM up",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the ancestors of governed relations");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			parent = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		Oid			child = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		GovernedAncestor *a;
		bool		found;
		MemoryContext old;

		/* a governed parent is wrapped itself, children included */
		if (hash_search(c->rels, &parent, HASH_FIND, NULL) != NULL)
			continue;
		a = hash_search(c->ancestors, &parent, HASH_ENTER, &found);
		if (!found)
			a->descendants = NIL;
		old = MemoryContextSwitchTo(c->cxt);
		a->descendants = list_append_unique_oid(a->descendants, child);
		MemoryContextSwitchTo(old);
	}
}

static EnforceCache *
cache_build(void)
{
	EnforceCache *c;
	MemoryContext cxt;
	Oid			nsp;
	Oid			save_userid;
	int			save_sec;
	MemoryContext oldcxt;
	ResourceOwner oldowner;

	cxt = AllocSetContextCreate(TopMemoryContext, "meshpg enforcement cache",
								ALLOCSET_DEFAULT_SIZES);
	c = MemoryContextAllocZero(cxt, sizeof(EnforceCache));
	c->cxt = cxt;

	nsp = get_namespace_oid("mesh", true);
	if (OidIsValid(nsp))
		c->token = get_relname_relid("masking_policies", nsp);
	if (!OidIsValid(c->token) || creating_extension ||
		!OidIsValid(get_extension_oid("meshpg", true)))
	{
		c->token = InvalidOid;
		return c;				/* not installed (yet): nothing to enforce */
	}

	c->attribute_fn = lookup_function("attribute", 1, TEXTOID, InvalidOid);
	c->reader_is_fn = lookup_function("_enforcement_reader_is", 1, OIDOID, InvalidOid);
	c->statistic_fn = lookup_function("_statistic_visible", 2, OIDOID, INT2OID);
	c->guard_fn = lookup_function("_enforcement_guard", 1, REGCLASSOID, InvalidOid);
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(GovernedRel);
		ctl.hcxt = cxt;
		c->rels = hash_create("meshpg governed relations", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		ctl.entrysize = sizeof(GovernedAncestor);
		c->ancestors = hash_create("meshpg ancestors of governed relations", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	/*
	 * Read the rules in a subtransaction: when that fails (for instance while
	 * a DROP ... CASCADE has removed a port that the catalog still names),
	 * the error must not break the statement that happened to trigger the
	 * rebuild.  The cache is then marked broken: superusers go on (they are
	 * exempt anyway), every other reader gets an error naming the cause, and
	 * the next query tries again.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	oldcxt = CurrentMemoryContext;
	oldowner = CurrentResourceOwner;
	building = true;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
							   save_sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "could not connect to SPI");
		load_rules(c);
		load_ancestors(c);
		SPI_finish();
		SetUserIdAndSecContext(save_userid, save_sec);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		SetUserIdAndSecContext(save_userid, save_sec);
		hash_destroy(c->rels);
		c->rels = NULL;
		hash_destroy(c->ancestors);
		c->ancestors = NULL;
		c->broken = MemoryContextStrdup(cxt, edata->message ? edata->message : "unknown error");
		c->stale = true;
		FreeErrorData(edata);
	}
	PG_END_TRY();
	building = false;
	return c;
}

static EnforceCache *
cache_acquire(void)
{
	if (cache == NULL || cache->stale)
	{
		EnforceCache *old = cache;
		EnforceCache *fresh = cache_build();

		cache = fresh;
		if (old != NULL && old->pins == 0)
			cache_free(old);
	}
	cache->pins++;
	return cache;
}

static void
cache_release(EnforceCache *c)
{
	c->pins--;
	if (c->pins == 0 && c != cache)
		cache_free(c);
}

static GovernedRel *
governed(EnforceCache *c, Oid relid)
{
	if (c->rels == NULL)
		return NULL;
	return hash_search(c->rels, &relid, HASH_FIND, NULL);
}

static bool
hooks_active(void)
{
	return hooks_installed && enforcement_enabled;
}

/* --- roles --- */

#define MAX_READERS 16

typedef struct Readers
{
	Oid			roles[MAX_READERS];
	bool		exempt[MAX_READERS];	/* may see the relation's raw data */
	int			n;
} Readers;

static void
readers_add(Readers *r, Oid role)
{
	if (!OidIsValid(role))
		return;
	for (int i = 0; i < r->n; i++)
		if (r->roles[i] == role)
			return;
	if (r->n >= MAX_READERS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many roles in play to read governed data"),
				 errdetail("The session role, the current role, the view owner and the owners of the SECURITY DEFINER functions being run make more than %d roles.",
						   MAX_READERS),
				 errhint("Nest fewer SECURITY DEFINER functions of different owners.")));
	r->roles[r->n++] = role;
}

/* may role see the raw data of a relation owned by owner? */
static bool
exempt_for(Oid role, Oid owner)
{
	return superuser_arg(role) || has_bypassrls_privilege(role) ||
		has_privs_of_role(role, owner);
}

typedef struct EnforceContext
{
	EnforceCache *cache;
	Oid			outer;
	Oid			current;
	Oid		   *definers;		/* definer roles other than outer and current */
	int			ndefiners;
} EnforceContext;

/* the definer roles being run, other than outer and current, once each */
static int
definers_in_play(Oid outer, Oid current, Oid **roles)
{
	int			n = 0;

	*roles = palloc(sizeof(Oid) * Max(definer_depth, 1));
	for (int i = 0; i < definer_depth; i++)
	{
		Oid			role = definer_roles[i];
		bool		seen = (role == outer || role == current);

		for (int j = 0; j < n && !seen; j++)
			seen = ((*roles)[j] == role);
		if (!seen)
			(*roles)[n++] = role;
	}
	return n;
}

typedef struct ConditionResult
{
	const char *policy;
	Oid			role;
	bool		result;
} ConditionResult;

static Datum
evaluate_as(Expr *expr, Oid role, Oid type, bool *isnull)
{
	Oid			save_userid;
	int			save_sec;
	Const	   *result;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	PG_TRY();
	{
		SetUserIdAndSecContext(role, save_sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
		result = (Const *) evaluate_expr(expr, type, -1, InvalidOid);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	PG_END_TRY();
	*isnull = result->constisnull;
	return result->constvalue;
}

/* does the policy's unmasked_for hold for every reader? */
static bool
unmasked(EnforceContext *ctx, MaskRule *rule, Readers *readers)
{
	if (rule->unmasked_for == NULL)
		return false;
	for (int i = 0; i < readers->n; i++)
	{
		ListCell   *lc;
		ConditionResult *cr = NULL;

		if (readers->exempt[i])
			continue;

		foreach(lc, ctx->cache->conditions)
		{
			ConditionResult *c = lfirst(lc);

			if (c->role == readers->roles[i] && strcmp(c->policy, rule->policy) == 0)
				cr = c;
		}
		if (cr == NULL)
		{
			Node	   *cond;
			bool		isnull;
			Datum		d;
			MemoryContext old;

			cond = policy_expression(POLICY_CONDITION, rule->unmasked_for,
									 psprintf("masking policy \"%s\"", rule->policy),
									 NULL, 0);
			d = evaluate_as((Expr *) cond, readers->roles[i], BOOLOID, &isnull);
			old = MemoryContextSwitchTo(ctx->cache->cxt);
			cr = palloc(sizeof(ConditionResult));
			cr->policy = rule->policy;
			cr->role = readers->roles[i];
			cr->result = !isnull && DatumGetBool(d);
			ctx->cache->conditions = lappend(ctx->cache->conditions, cr);
			MemoryContextSwitchTo(old);
		}
		if (!cr->result)
			return false;
	}
	return true;
}

/*
 * mesh.attribute('key') and CURRENT_USER in a row filter become the reader's
 * values (one copy of the filter per masked reader in play)
 */
typedef struct AttributeContext
{
	Oid			attribute_fn;
	Oid			role;
} AttributeContext;

static Node *
attribute_mutator(Node *node, AttributeContext *actx)
{
	if (node == NULL)
		return NULL;
	/* CURRENT_USER in a filter is the reader, even inside a definer function */
	if (IsA(node, SQLValueFunction) &&
		(((SQLValueFunction *) node)->op == SVFOP_CURRENT_USER ||
		 ((SQLValueFunction *) node)->op == SVFOP_CURRENT_ROLE ||
		 ((SQLValueFunction *) node)->op == SVFOP_USER))
	{
		Name		name = (Name) palloc0(NAMEDATALEN);

		namestrcpy(name, GetUserNameFromId(actx->role, false));
		return (Node *) makeConst(NAMEOID, -1, C_COLLATION_OID, NAMEDATALEN,
								  NameGetDatum(name), false, false);
	}
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == actx->attribute_fn &&
		IsA(linitial(((FuncExpr *) node)->args), Const))
	{
		FuncExpr   *f = (FuncExpr *) node;
		bool		isnull;
		Datum		d = evaluate_as((Expr *) f, actx->role, TEXTOID, &isnull);

		return (Node *) makeConst(TEXTOID, -1, f->funccollid, -1, d, isnull, false);
	}
	return expression_tree_mutator(node, attribute_mutator, (void *) actx);
}

/* a NULL constant laid out like a dropped column, so whole-row Vars still fit */
static Node *
dropped_column_placeholder(Form_pg_attribute att)
{
	Oid			type;

	if (att->attlen == -1)
		type = (att->attalign == TYPALIGN_DOUBLE) ? FLOAT8ARRAYOID : TEXTOID;
	else if (att->attlen == 1)
		type = BOOLOID;
	else if (att->attlen == 2)
		type = INT2OID;
	else if (att->attlen == 8)
		type = INT8OID;
	else if (att->attlen == 16)
		type = UUIDOID;
	else if (att->attlen == NAMEDATALEN)
		type = NAMEOID;
	else
		type = INT4OID;
	return (Node *) makeNullConst(type, -1, InvalidOid);
}

/*
 * Replace the entry rte (a relation, or a view turned into a subquery) by a
 * security_barrier subquery over it with the masks and filters that apply to
 * these readers.  rel is the governed relation (the view, for a view).
 * Returns false when nothing applies (the data is read raw).
 */
static bool
wrap_entry(EnforceContext *ctx, RangeTblEntry *rte, Index rti, Relation rel,
		   GovernedRel *g, Readers *readers)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *tlist = NIL;
	List	   *quals = NIL;
	bool		changed = false;
	Query	   *sub;
	RangeTblEntry *inner;
	RangeTblRef *rtr;
	ListCell   *lc;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		AttrNumber	attno = i + 1;
		Node	   *expr;

		if (att->attisdropped)
			expr = dropped_column_placeholder(att);
		else
		{
			MaskRule   *rule = NULL;

			foreach(lc, g->masks)
				if (((MaskRule *) lfirst(lc))->attnum == attno)
					rule = lfirst(lc);
			if (rule != NULL && !unmasked(ctx, rule, readers))
			{
				if (rule->expr == NULL)
				{
					Node	   *checked;

					checked = policy_expression(POLICY_MASK, rule->mask,
												psprintf("masking policy \"%s\"", rule->policy),
												rel, attno);
					rule->expr = copyObjectCxt(ctx->cache->cxt, checked);
				}
				expr = copyObject(rule->expr);
				changed = true;
			}
			else
				expr = (Node *) makeVar(1, attno, att->atttypid, att->atttypmod,
										att->attcollation, 0);
		}
		tlist = lappend(tlist, makeTargetEntry((Expr *) expr, attno,
											   att->attisdropped ? NULL : pstrdup(NameStr(att->attname)),
											   false));
	}

	foreach(lc, g->filters)
	{
		FilterRule *rule = lfirst(lc);
		Node	   *filter;

		if (rule->expr == NULL)
		{
			Node	   *checked;

			checked = policy_expression(POLICY_FILTER, rule->filter,
										psprintf("row policy \"%s\" of data product \"%s\"",
												 rule->policy, rule->product),
										rel, 0);
			rule->expr = copyObjectCxt(ctx->cache->cxt, checked);
		}
		filter = rule->expr;
		/* each masked reader's attributes: every one must pass */
		for (int i = 0; i < readers->n; i++)
		{
			AttributeContext actx = {ctx->cache->attribute_fn, readers->roles[i]};

			if (readers->exempt[i])
				continue;
			quals = lappend(quals, attribute_mutator(copyObject(filter), &actx));
		}
		changed = true;
	}

	if (!changed)
		return false;

	/*
	 * System columns (ctid, xmin, tableoid, ...) have no place in the
	 * subquery's target list; a reference to one would read past it.
	 */
	if (rte->rtekind == RTE_RELATION)
	{
		int			col = bms_next_member(rte->selectedCols, -1);

		if (col >= 0 && col + FirstLowInvalidHeapAttributeNumber < InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot read system columns of governed relation \"%s\"",
							RelationGetRelationName(rel)),
					 errdetail("Its columns are masked or its rows filtered for you, and system columns cannot be read through the masks."),
					 errhint("Remove ctid, xmin, xmax, cmin, cmax and tableoid from the query.")));
	}

	inner = copyObject(rte);
	/* the entry's own row-security quals now refer to entry 1 of the subquery */
	if (rti != 1)
		ChangeVarNodes((Node *) inner->securityQuals, rti, 1, 0);
	sub = makeNode(Query);
	sub->commandType = CMD_SELECT;
	sub->querySource = QSRC_ORIGINAL;
	sub->canSetTag = true;
	/* the entry's row-security quals may hold sub-selects (the guard's initplan) */
	sub->hasSubLinks = (inner->securityQuals != NIL);
	sub->hasRowSecurity = (inner->securityQuals != NIL);
	sub->rtable = list_make1(inner);
	rtr = makeNode(RangeTblRef);
	rtr->rtindex = 1;
	sub->jointree = makeFromExpr(list_make1(rtr),
								 quals == NIL ? NULL : (Node *) make_ands_explicit(quals));
	sub->targetList = tlist;

	rte->rtekind = RTE_SUBQUERY;
	rte->subquery = sub;
	rte->security_barrier = true;
	rte->relid = InvalidOid;
	rte->relkind = 0;
	rte->rellockmode = 0;
	rte->tablesample = NULL;
	rte->inh = false;
	rte->requiredPerms = 0;
	rte->checkAsUser = InvalidOid;
	rte->selectedCols = NULL;
	rte->insertedCols = NULL;
	rte->updatedCols = NULL;
	rte->extraUpdatedCols = NULL;
	rte->securityQuals = NIL;
	return true;
}

/*
 * pg_statistic read by a role that is not a superuser (through pg_stats,
 * which is owned by a superuser): the rows of masked columns are filtered out
 * with mesh._statistic_visible(), so histograms and most common values of
 * raw data stay hidden (governed tables also hide them by their row security;
 * this covers materialized views, which cannot have it).
 */
static void
wrap_statistic(EnforceContext *ctx, RangeTblEntry *rte)
{
	Relation	rel = relation_open(StatisticRelationId, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *tlist = NIL;
	Query	   *sub;
	RangeTblRef *rtr;
	Node	   *visible;
	Form_pg_attribute relid_att = TupleDescAttr(desc, Anum_pg_statistic_starelid - 1);
	Form_pg_attribute attnum_att = TupleDescAttr(desc, Anum_pg_statistic_staattnum - 1);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		tlist = lappend(tlist,
						makeTargetEntry((Expr *) makeVar(1, i + 1, att->atttypid, att->atttypmod,
														 att->attcollation, 0),
										i + 1, pstrdup(NameStr(att->attname)), false));
	}
	visible = (Node *) makeFuncExpr(ctx->cache->statistic_fn, BOOLOID,
									list_make2(makeVar(1, Anum_pg_statistic_starelid, relid_att->atttypid,
													   -1, InvalidOid, 0),
											   makeVar(1, Anum_pg_statistic_staattnum, attnum_att->atttypid,
													   -1, InvalidOid, 0)),
									InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	relation_close(rel, NoLock);

	sub = makeNode(Query);
	sub->commandType = CMD_SELECT;
	sub->querySource = QSRC_ORIGINAL;
	sub->canSetTag = true;
	sub->rtable = list_make1(copyObject(rte));
	rtr = makeNode(RangeTblRef);
	rtr->rtindex = 1;
	sub->jointree = makeFromExpr(list_make1(rtr), visible);
	sub->targetList = tlist;

	rte->rtekind = RTE_SUBQUERY;
	rte->subquery = sub;
	rte->security_barrier = true;
	rte->relid = InvalidOid;
	rte->relkind = 0;
	rte->rellockmode = 0;
	rte->tablesample = NULL;
	rte->inh = false;
	rte->requiredPerms = 0;
	rte->checkAsUser = InvalidOid;
	rte->selectedCols = NULL;
	rte->securityQuals = NIL;
}

static void
refuse_dml(Relation rel, const char *action)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot %s governed relation \"%s\"", action, RelationGetRelationName(rel)),
			 errdetail("Its columns are masked or its rows filtered for you, and this statement could reveal raw values through its conditions or RETURNING."),
			 errhint("Ask the owner of the data product to make the change, or read it with SELECT.")));
}

static void enforce_query(Query *q, EnforceContext *ctx, bool *touched);

static Oid
relation_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner = InvalidOid;

	if (HeapTupleIsValid(tuple))
	{
		owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
		ReleaseSysCache(tuple);
	}
	return owner;
}

/* the first governed descendant of relid that one of the roles may not see raw */
static Oid
hidden_descendant(EnforceCache *c, Oid relid, const Oid *roles, int nroles)
{
	GovernedAncestor *a;
	ListCell   *lc;

	if (c->ancestors == NULL ||
		(a = hash_search(c->ancestors, &relid, HASH_FIND, NULL)) == NULL)
		return InvalidOid;
	foreach(lc, a->descendants)
	{
		Oid			owner = relation_owner(lfirst_oid(lc));

		for (int i = 0; i < nroles; i++)
			if (OidIsValid(roles[i]) && (!OidIsValid(owner) || !exempt_for(roles[i], owner)))
				return lfirst_oid(lc);
	}
	return InvalidOid;
}

/*
 * A relation read with its partitions or inheritance children, some of them
 * governed while it is not: their rows would come out of the parent's scan
 * without their rules.  Refused to readers who may not see them raw (a plain
 * INSERT, which routes rows down and reads nothing, is left alone).
 */
static void
check_governed_descendants(EnforceContext *ctx, Query *q, Index rti, RangeTblEntry *rte,
						   bool *touched)
{
	Oid		   *roles = palloc(sizeof(Oid) * (3 + ctx->ndefiners));
	Oid			child;

	if (ctx->cache->ancestors == NULL ||
		hash_search(ctx->cache->ancestors, &rte->relid, HASH_FIND, NULL) == NULL)
		return;
	*touched = true;			/* the answer depends on the roles in play */
	if (rti == q->resultRelation && q->commandType == CMD_INSERT &&
		(q->onConflict == NULL || q->onConflict->action != ONCONFLICT_UPDATE))
		return;
	roles[0] = ctx->outer;
	roles[1] = ctx->current;
	roles[2] = rte->checkAsUser;
	for (int i = 0; i < ctx->ndefiners; i++)
		roles[3 + i] = ctx->definers[i];
	child = hidden_descendant(ctx->cache, rte->relid, roles, 3 + ctx->ndefiners);
	if (OidIsValid(child))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot read \"%s\" with its partitions or children: \"%s\" among them is governed",
						get_rel_name(rte->relid), get_rel_name(child)),
				 errdetail("Rows of a governed relation read through a parent that is not governed would escape its masks and row policies."),
				 errhint("Read the governed relation or its data product directly, or the parent alone with ONLY.")));
}

/* is this row-security qual our fail-closed guard, (SELECT mesh._enforcement_guard(..))? */
static bool
is_enforcement_guard(Node *qual, Oid guard_fn)
{
	SubLink    *sublink;
	Query	   *sub;
	TargetEntry *tle;

	if (!IsA(qual, SubLink))
		return false;
	sublink = (SubLink *) qual;
	if (sublink->subLinkType != EXPR_SUBLINK || !IsA(sublink->subselect, Query))
		return false;
	sub = (Query *) sublink->subselect;
	if (list_length(sub->targetList) != 1 || sub->rtable != NIL)
		return false;
	tle = linitial(sub->targetList);
	return IsA(tle->expr, FuncExpr) && ((FuncExpr *) tle->expr)->funcid == guard_fn;
}

/*
 * The guard only matters when these hooks do not run; while they do, it is
 * true by definition, so it is dropped rather than evaluated on every row.
 */
static void
strip_enforcement_guard(RangeTblEntry *rte, Oid guard_fn)
{
	List	   *kept = NIL;
	ListCell   *lc;

	if (rte->securityQuals == NIL || !OidIsValid(guard_fn))
		return;
	foreach(lc, rte->securityQuals)
		if (!is_enforcement_guard(lfirst(lc), guard_fn))
			kept = lappend(kept, lfirst(lc));
	rte->securityQuals = kept;
}

static bool
enforce_walker(Node *node, void *context)
{
	void	  **args = (void **) context;

	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		enforce_query((Query *) node, (EnforceContext *) args[0], (bool *) args[1]);
		return false;
	}
	return expression_tree_walker(node, enforce_walker, context);
}

/* is this subquery a view expanded by the rewriter?  Returns the view's oid */
static Oid
expanded_view(RangeTblEntry *rte)
{
	RangeTblEntry *old;

	if (rte->subquery == NULL || list_length(rte->subquery->rtable) < 1)
		return InvalidOid;
	old = linitial(rte->subquery->rtable);
	if (old->rtekind == RTE_RELATION && old->relkind == RELKIND_VIEW && !old->inFromCl)
		return old->relid;
	return InvalidOid;
}

static void
enforce_query(Query *q, EnforceContext *ctx, bool *touched)
{
	Index		rti = 0;
	ListCell   *lc;
	void	   *args[2] = {ctx, touched};

	foreach(lc, q->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);
		Oid			relid = InvalidOid;
		Oid			checker = InvalidOid;
		GovernedRel *g;
		Relation	rel;
		Readers		readers = {{0}, {0}, 0};
		bool		all_exempt = true;

		rti++;
		if (rte->rtekind == RTE_SUBQUERY)
		{
			enforce_query(rte->subquery, ctx, touched);
			relid = expanded_view(rte);
			if (OidIsValid(relid))
				checker = ((RangeTblEntry *) linitial(rte->subquery->rtable))->checkAsUser;
		}
		else if (rte->rtekind == RTE_RELATION && rte->relid == StatisticRelationId)
		{
			if (OidIsValid(ctx->cache->statistic_fn) &&
				!(superuser_arg(ctx->outer) && superuser_arg(ctx->current)) &&
				q->resultRelation != rti)
				wrap_statistic(ctx, rte);
			continue;
		}
		else if (rte->rtekind == RTE_RELATION && rte->relkind != RELKIND_VIEW)
		{
			strip_enforcement_guard(rte, ctx->cache->guard_fn);
			relid = rte->relid;
			checker = rte->checkAsUser;
			if (rte->inh && governed(ctx->cache, relid) == NULL)
				check_governed_descendants(ctx, q, rti, rte, touched);
		}
		if (!OidIsValid(relid) || (g = governed(ctx->cache, relid)) == NULL)
			continue;

		*touched = true;
		readers_add(&readers, ctx->outer);
		readers_add(&readers, ctx->current);
		readers_add(&readers, checker);
		for (int i = 0; i < ctx->ndefiners; i++)
			readers_add(&readers, ctx->definers[i]);
		rel = relation_open(relid, NoLock);
		for (int i = 0; i < readers.n; i++)
		{
			readers.exempt[i] = exempt_for(readers.roles[i], rel->rd_rel->relowner);
			if (!readers.exempt[i])
				all_exempt = false;
		}

		if (!all_exempt && rte->rtekind == RTE_RELATION)
		{
			if (rti == q->resultRelation)
			{
				if (q->commandType == CMD_UPDATE)
					refuse_dml(rel, "update");
				if (q->commandType == CMD_DELETE)
					refuse_dml(rel, "delete from");
				if (q->commandType == CMD_MERGE)
					refuse_dml(rel, "merge into");
				if (q->commandType == CMD_INSERT && q->onConflict &&
					q->onConflict->action == ONCONFLICT_UPDATE)
					refuse_dml(rel, "insert with ON CONFLICT DO UPDATE into");
				/* a plain INSERT reads nothing */
				relation_close(rel, NoLock);
				continue;
			}
			if (get_parse_rowmark(q, rti) != NULL)
				refuse_dml(rel, "lock rows of");
		}
		if (!all_exempt)
			(void) wrap_entry(ctx, rte, rti, rel, g, &readers);
		relation_close(rel, NoLock);
	}

	/* CTEs, sublinks in every expression, function and VALUES entries */
	(void) query_tree_walker(q, enforce_walker, (void *) args,
							 QTW_IGNORE_RT_SUBQUERIES | QTW_IGNORE_JOINALIASES);
}

/* a one-time filter: this plan runs only for the reader it was made for */
static void
add_reader_guard(Query *q, EnforceCache *c, Oid outer)
{
	FuncExpr   *guard;

	if (q->jointree == NULL || !OidIsValid(c->reader_is_fn))
		return;
	guard = makeFuncExpr(c->reader_is_fn, BOOLOID,
						 list_make1(makeConst(OIDOID, -1, InvalidOid, sizeof(Oid),
											  ObjectIdGetDatum(outer), false, true)),
						 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	if (q->jointree->quals == NULL)
		q->jointree->quals = (Node *) guard;
	else
		q->jointree->quals = (Node *) make_and_qual(q->jointree->quals, (Node *) guard);
}

static PlannedStmt *
enforce_planner(Query *parse, const char *query_string, int cursorOptions,
				ParamListInfo boundParams)
{
	EnforceCache *c = NULL;
	PlannedStmt *result;
	Oid			token = InvalidOid;
	bool		mark_for_reader = false;
	bool		mark_definers = false;
	Oid		   *definers = NULL;
	int			ndefiners = 0;

	/*
	 * Referential-integrity checks (the only SECURITY_NOFORCE_RLS operation)
	 * read the referenced table as its owner and reveal only whether a key
	 * exists, like a unique index: they are left alone (docs/security.md).
	 */
	if (hooks_active() && !building && IsTransactionState() && !InNoForceRLSOperation())
	{
		c = cache_acquire();
		token = c->token;
		PG_TRY();
		{
			if (c->broken != NULL &&
				!(superuser_arg(GetOuterUserId()) && superuser_arg(GetUserId())))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("meshpg could not read its masking and row policies"),
						 errdetail("%s", c->broken),
						 errhint("Run the statement again; if the error stays, ask the DBA to look at mesh.data_products and mesh.governed_columns.")));
			if (c->rels != NULL)
			{
				EnforceContext ctx = {c, GetOuterUserId(), GetUserId(), NULL, 0};
				bool		touched = false;

				ctx.ndefiners = definers_in_play(ctx.outer, ctx.current, &ctx.definers);
				enforce_query(parse, &ctx, &touched);
				if (touched)
				{
					definers = ctx.definers;
					ndefiners = ctx.ndefiners;
					mark_definers = true;
				}
				/* every command: INSERT ... SELECT ... RETURNING returns what it read */
				if (touched && ctx.outer != ctx.current)
					add_reader_guard(parse, c, ctx.outer);
				mark_for_reader = touched && ctx.outer == ctx.current;
			}
		}
		PG_FINALLY();
		{
			cache_release(c);
		}
		PG_END_TRY();
	}

	{
		bool		save_blocked = block_sql_srf_inlining;

		block_sql_srf_inlining = (c != NULL &&
								  !(superuser_arg(GetOuterUserId()) && superuser_arg(GetUserId())));
		PG_TRY();
		{
			if (prev_planner_hook)
				result = prev_planner_hook(parse, query_string, cursorOptions, boundParams);
			else
				result = standard_planner(parse, query_string, cursorOptions, boundParams);
		}
		PG_FINALLY();
		{
			block_sql_srf_inlining = save_blocked;
		}
		PG_END_TRY();
	}

	if (OidIsValid(token))
	{
		result->dependsOnRole = true;
		result->relationOids = lappend_oid(result->relationOids, token);
	}
	if (mark_for_reader)
	{
		PlanInvalItem *marker = makeNode(PlanInvalItem);

		marker->cacheId = AUTHOID;
		marker->hashValue = READER_MARK;
		result->invalItems = lappend(result->invalItems, marker);
	}
	if (mark_definers)
	{
		/* the mark, then one item per definer role in play (inert for plancache) */
		PlanInvalItem *marker = makeNode(PlanInvalItem);

		marker->cacheId = AUTHOID;
		marker->hashValue = DEFINERS_MARK;
		result->invalItems = lappend(result->invalItems, marker);
		for (int i = 0; i < ndefiners; i++)
		{
			PlanInvalItem *role = makeNode(PlanInvalItem);

			role->cacheId = AUTHMEMROLEMEM;
			role->hashValue = definers[i];
			result->invalItems = lappend(result->invalItems, role);
		}
	}
	return result;
}

/*
 * A plan that reads governed data applied the rules of the definer roles in
 * play when it was made; run under other definer functions (a masked role's
 * function calling an exempt owner's, or the reverse), it is refused and the
 * plan cache reset, like a plan made for another reader.
 */
static void
check_definers(PlannedStmt *plan)
{
	ListCell   *lc;
	bool		marked = false;
	List	   *planned = NIL;
	Oid		   *now;
	int			nnow;
	bool		same;

	foreach(lc, plan->invalItems)
	{
		PlanInvalItem *item = lfirst(lc);

		if (item->cacheId == AUTHOID && item->hashValue == DEFINERS_MARK)
			marked = true;
		else if (marked && item->cacheId == AUTHMEMROLEMEM)
			planned = lappend_oid(planned, (Oid) item->hashValue);
	}
	if (!marked)
		return;
	nnow = definers_in_play(GetOuterUserId(), GetUserId(), &now);
	same = (nnow == list_length(planned));
	for (int i = 0; same && i < nnow; i++)
		same = (list_nth_oid(planned, i) == now[i]);
	pfree(now);
	list_free(planned);
	if (!same)
	{
		ResetPlanCache();
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("cached plan was made for other SECURITY DEFINER callers"),
				 errdetail("The masks and row policies of governed data depend on the owners of the definer functions being run; the cached plan has been discarded."),
				 errhint("Run the statement again.")));
	}
}

/*
 * A plan that reads governed data and was made with the session role equal
 * to the current role is only valid for that role (dependsOnRole makes sure
 * the current role matches).  Run inside a SECURITY DEFINER function for
 * another session role, it would apply the wrong reader's rules: refuse, and
 * discard cached plans so that the next run plans for the right reader.
 * (Plans made inside a definer function carry an exact check of their own.)
 */
static void
enforce_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (hooks_active() && GetOuterUserId() != GetUserId())
	{
		ListCell   *lc;

		foreach(lc, queryDesc->plannedstmt->invalItems)
		{
			PlanInvalItem *item = lfirst(lc);

			if (item->cacheId == AUTHOID && item->hashValue == READER_MARK)
				reader_mismatch(GetUserId(), GetOuterUserId());
		}
	}
	/* workers run the leader's plan without its definer functions on their stack */
	if (hooks_active() && !IsParallelWorker())
		check_definers(queryDesc->plannedstmt);
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* keeps definer_roles: the role each definer function (or SET function) runs as */
static void
enforce_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START)
	{
		if (definer_depth == definer_capacity)
		{
			int			capacity = (definer_capacity == 0) ? 16 : definer_capacity * 2;

			definer_roles = (definer_roles == NULL)
				? MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * capacity)
				: repalloc(definer_roles, sizeof(Oid) * capacity);
			definer_capacity = capacity;
		}
		definer_roles[definer_depth++] = GetUserId();
	}
	else if (definer_depth > 0)
		definer_depth--;		/* FHET_END, FHET_ABORT */
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
}

/* no function runs across a transaction's end: a safety net for the stack */
static void
enforce_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		definer_depth = 0;
}

/*
 * The planner inlines a SQL function only when no fmgr hook is needed for
 * it: claim one for SQL set-returning functions while a reader's query is
 * planned (see block_sql_srf_inlining).  fmgr_security_definer, which then
 * runs such a function if it is called during planning, only calls
 * fmgr_hook when one is set.
 */
static bool
enforce_needs_fmgr_hook(Oid fn_oid)
{
	HeapTuple	tuple;
	bool		needed = false;

	if (prev_needs_fmgr_hook && prev_needs_fmgr_hook(fn_oid))
		return true;
	if (!block_sql_srf_inlining)
		return false;
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (HeapTupleIsValid(tuple))
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tuple);

		needed = proc->prolang == SQLlanguageId && proc->proretset;
		ReleaseSysCache(tuple);
	}
	return needed;
}

/* COPY <governed table> TO ... becomes COPY (SELECT ... FROM ONLY <table>) TO ... */
static void
enforce_ProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					   ProcessUtilityContext context, ParamListInfo params,
					   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	if (hooks_active() && IsA(stmt, CopyStmt) && !((CopyStmt *) stmt)->is_from &&
		((CopyStmt *) stmt)->relation != NULL && IsTransactionState())
	{
		CopyStmt   *copy = (CopyStmt *) stmt;
		Oid			relid = RangeVarGetRelid(copy->relation, NoLock, true);
		EnforceCache *c = cache_acquire();
		/* COPY refuses partitioned tables, views and materialized views itself */
		bool		is_governed = OidIsValid(relid) && governed(c, relid) != NULL &&
			get_rel_relkind(relid) == RELKIND_RELATION;

		cache_release(c);
		if (is_governed)
		{
			SelectStmt *select = makeNode(SelectStmt);
			RangeVar   *from = copyObject(copy->relation);
			CopyStmt   *rewritten = copyObject(copy);
			PlannedStmt *copied = copyObject(pstmt);
			List	   *columns = copy->attlist;
			ListCell   *lc;

			if (columns == NIL)
			{
				Relation	rel = relation_open(relid, AccessShareLock);
				TupleDesc	desc = RelationGetDescr(rel);

				for (int i = 0; i < desc->natts; i++)
					if (!TupleDescAttr(desc, i)->attisdropped)
						columns = lappend(columns,
										  makeString(pstrdup(NameStr(TupleDescAttr(desc, i)->attname))));
				relation_close(rel, AccessShareLock);
			}
			foreach(lc, columns)
			{
				ResTarget  *target = makeNode(ResTarget);
				ColumnRef  *ref = makeNode(ColumnRef);

				ref->fields = list_make1(makeString(strVal(lfirst(lc))));
				ref->location = -1;
				target->val = (Node *) ref;
				target->location = -1;
				select->targetList = lappend(select->targetList, target);
			}
			from->inh = false;	/* COPY <table> TO copies the table's own rows */
			select->fromClause = list_make1(from);
			rewritten->relation = NULL;
			rewritten->attlist = NIL;
			rewritten->query = (Node *) select;
			copied->utilityStmt = (Node *) rewritten;
			pstmt = copied;
			readOnlyTree = false;
		}
	}

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

void
meshpg_enforce_init(void)
{
	DefineCustomBoolVariable("meshpg.enforcement",
							 "Applies masking and row policies on every read (superusers only).",
							 "When off, governed tables refuse to be read by masked roles instead of returning raw data.",
							 &enforcement_enabled, true, PGC_SUSET, 0,
							 NULL, NULL, NULL);

	/* the read hooks only count when installed at server start */
	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_planner_hook = planner_hook;
	planner_hook = enforce_planner;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = enforce_ExecutorStart;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = enforce_ProcessUtility;
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = enforce_needs_fmgr_hook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = enforce_fmgr_hook;
	RegisterXactCallback(enforce_xact_callback, NULL);
	CacheRegisterRelcacheCallback(enforce_relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, enforce_role_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, enforce_role_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, enforce_object_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(OPEROID, enforce_object_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(TYPEOID, enforce_object_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(CASTSOURCETARGET, enforce_object_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, enforce_object_callback, (Datum) 0);
	hooks_installed = true;
}

bool
meshpg_enforcement_active(void)
{
	return hooks_active();
}

/* --- SQL-callable --- */

Datum
meshpg_enforcement_guard(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	HeapTuple	tuple;
	Oid			owner = InvalidOid;

	if (hooks_active())
		PG_RETURN_BOOL(true);
	/* inactive: only roles that may see the raw data read on */
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (HeapTupleIsValid(tuple))
	{
		owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
		ReleaseSysCache(tuple);
	}
	if (OidIsValid(owner) && exempt_for(GetOuterUserId(), owner) &&
		exempt_for(GetUserId(), owner))
		PG_RETURN_BOOL(true);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("governed relation \"%s\" cannot be read while meshpg enforcement is inactive",
					get_rel_name(relid) ? get_rel_name(relid) : "?"),
			 errdetail(hooks_installed
					   ? "The superuser-only setting meshpg.enforcement is off, so masks and row policies are not applied."
					   : "meshpg is not loaded through shared_preload_libraries, so masks and row policies cannot be applied."),
			 errhint("Ask the DBA to add meshpg to shared_preload_libraries and restart, or to turn meshpg.enforcement back on.")));
	PG_RETURN_BOOL(false);
}

Datum
meshpg_enforcement_reader_is(PG_FUNCTION_ARGS)
{
	Oid			planned_for = PG_GETARG_OID(0);
	Oid			reader = GetOuterUserId();

	if (planned_for == reader)
		PG_RETURN_BOOL(true);
	reader_mismatch(planned_for, reader);
	PG_RETURN_BOOL(false);
}

static void
reader_mismatch(Oid planned_for, Oid reader)
{
	/* the next execution plans again, for the right reader */
	ResetPlanCache();
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("cached plan was made for role \"%s\", not for role \"%s\"",
					GetUserNameFromId(planned_for, true) ? GetUserNameFromId(planned_for, true) : "?",
					GetUserNameFromId(reader, true) ? GetUserNameFromId(reader, true) : "?"),
			 errdetail("The masks and row policies of governed data depend on the reader; the cached plan has been discarded."),
			 errhint("Run the statement again.")));
}

Datum
meshpg_invalidate_enforcement(PG_FUNCTION_ARGS)
{
	Oid			nsp = get_namespace_oid("mesh", false);
	Oid			token = get_relname_relid("masking_policies", nsp);

	if (OidIsValid(token))
		CacheInvalidateRelcacheByRelid(token);
	PG_RETURN_VOID();
}

/* may the reader see the statistics of this column? */
Datum
meshpg_statistic_visible(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	AttrNumber	attnum = PG_GETARG_INT16(1);
	EnforceCache *c;
	GovernedRel *g;
	bool		visible = true;
	Oid			owner;

	if (!hooks_active() || building)
		PG_RETURN_BOOL(true);
	c = cache_acquire();
	g = governed(c, relid);
	if (g != NULL)
	{
		ListCell   *lc;
		bool		masked = (g->filters != NIL);

		foreach(lc, g->masks)
			if (((MaskRule *) lfirst(lc))->attnum == attnum)
				masked = true;
		{
			HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));

			owner = InvalidOid;
			if (HeapTupleIsValid(tuple))
			{
				owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
				ReleaseSysCache(tuple);
			}
		}
		if (masked && OidIsValid(owner) &&
			(!exempt_for(GetOuterUserId(), owner) || !exempt_for(GetUserId(), owner)))
			visible = false;
		if (masked && OidIsValid(owner) && visible)
		{
			Oid		   *definers;
			int			n = definers_in_play(GetOuterUserId(), GetUserId(), &definers);

			for (int i = 0; i < n; i++)
				if (!exempt_for(definers[i], owner))
					visible = false;
		}
	}
	else if (c->rels != NULL)
	{
		/* a parent's statistics cover the rows of its governed children */
		Oid		   *definers;
		int			n = definers_in_play(GetOuterUserId(), GetUserId(), &definers);
		Oid		   *roles = palloc(sizeof(Oid) * (n + 2));

		roles[0] = GetOuterUserId();
		roles[1] = GetUserId();
		memcpy(roles + 2, definers, sizeof(Oid) * n);
		if (OidIsValid(hidden_descendant(c, relid, roles, n + 2)))
			visible = false;
	}
	cache_release(c);
	PG_RETURN_BOOL(visible);
}
