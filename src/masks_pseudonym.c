/*-------------------------------------------------------------------------
 *
 * masks_pseudonym.c
 *	  mesh.mask_pseudonym(text): a keyed HMAC-SHA256 pseudonym whose key no
 *	  reader can see, and the key's generation and rotation.
 *
 * The key lives in mesh.pseudonym_keys, a table that only the extension owner
 * can read (dumped with pg_extension_config_dump, so pseudonyms survive a dump
 * and restore).  A masked reader must still be able to compute pseudonyms, so
 * the key is read here directly, with a heap scan that makes no permission
 * check and runs no SQL as the caller, and cached per backend.  The cache is
 * dropped by a relcache invalidation of the key table, which
 * mesh.rotate_pseudonym_key() sends.  Because the result depends on a table,
 * the function is STABLE, not IMMUTABLE.
 *
 * Which row is the key: the highest generation wins; within a generation the
 * oldest row wins.  A restore runs CREATE EXTENSION (which inserts a fresh
 * generation-0 key) before it copies the dumped rows back, so the original
 * key, older, wins over the fresh one and pseudonyms stay the same.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/tuptable.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "meshpg/masks.h"

PG_FUNCTION_INFO_V1(meshpg_mask_pseudonym);
PG_FUNCTION_INFO_V1(meshpg_random_key);
PG_FUNCTION_INFO_V1(meshpg_invalidate_relation);

#define KEY_TABLE		"pseudonym_keys"
#define KEY_MIN_BYTES	32
#define KEY_MAX_BYTES	64

/* the backend's copy of the key; valid until the key table is invalidated */
static uint8 cached_key[KEY_MAX_BYTES];
static int	cached_key_len = 0;
static bool cached_key_valid = false;
static Oid	key_table_oid = InvalidOid;
static bool callback_registered = false;

static void
key_table_changed(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == key_table_oid)
	{
		cached_key_valid = false;
		explicit_bzero(cached_key, sizeof(cached_key));
	}
}

static void
missing_key(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("pseudonym key of meshpg is missing or invalid"),
			 errdetail("%s", detail),
			 errhint("A superuser can create a new key with SELECT mesh.rotate_pseudonym_key(); pseudonyms will change.")));
}

/* read the current key from mesh.pseudonym_keys, without a permission check */
static void
load_key(void)
{
	Oid			nsp = get_namespace_oid("mesh", false);
	Relation	rel;
	TupleDesc	desc;
	TableScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	snapshot;
	bool		found = false;
	int32		best_generation = 0;
	TimestampTz best_created = 0;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(key_table_changed, (Datum) 0);
		callback_registered = true;
	}

	key_table_oid = get_relname_relid(KEY_TABLE, nsp);
	if (!OidIsValid(key_table_oid))
		missing_key("Table mesh.pseudonym_keys does not exist.");
	/* only meshpg's own table holds the key, never one a role made in its place */
	if (!OidIsValid(get_extension_oid("meshpg", true)) ||
		getExtensionOfObject(RelationRelationId, key_table_oid) != get_extension_oid("meshpg", true))
		missing_key("Table mesh.pseudonym_keys is not a member of extension meshpg.");

	rel = table_open(key_table_oid, AccessShareLock);
	desc = RelationGetDescr(rel);
	/* (generation int4, key bytea, created_at timestamptz): refuse anything else */
	if (rel->rd_rel->relkind != RELKIND_RELATION || desc->natts != 3 ||
		TupleDescAttr(desc, 0)->atttypid != INT4OID ||
		TupleDescAttr(desc, 1)->atttypid != BYTEAOID ||
		TupleDescAttr(desc, 2)->atttypid != TIMESTAMPTZOID)
	{
		table_close(rel, AccessShareLock);
		missing_key("Table mesh.pseudonym_keys does not have the expected columns.");
	}

	/*
	 * A fresh snapshot, as a catalog cache uses: the cached key outlives this
	 * transaction, so it must be the key of every rotation whose invalidation
	 * has been received, not the (possibly older) key of the running query's
	 * snapshot, which would otherwise stay cached until the next rotation.
	 */
	snapshot = RegisterSnapshot(GetCatalogSnapshot(key_table_oid));
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, snapshot, 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool	   *isnull;
		Datum	   *values;
		bytea	   *key;
		int			len;

		slot_getallattrs(slot);
		values = slot->tts_values;
		isnull = slot->tts_isnull;
		if (isnull[0] || isnull[1] || isnull[2])
			continue;
		if (found &&
			(DatumGetInt32(values[0]) < best_generation ||
			 (DatumGetInt32(values[0]) == best_generation &&
			  DatumGetTimestampTz(values[2]) >= best_created)))
			continue;
		key = DatumGetByteaPP(values[1]);
		len = VARSIZE_ANY_EXHDR(key);
		if (len < KEY_MIN_BYTES || len > KEY_MAX_BYTES)
			continue;
		memcpy(cached_key, VARDATA_ANY(key), len);
		cached_key_len = len;
		best_generation = DatumGetInt32(values[0]);
		best_created = DatumGetTimestampTz(values[2]);
		found = true;
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);

	if (!found)
		missing_key("Table mesh.pseudonym_keys holds no key of 32 to 64 bytes.");
	cached_key_valid = true;
}

/* mesh.mask_pseudonym(text): hex HMAC-SHA256 of the value under the key */
Datum
meshpg_mask_pseudonym(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	pg_hmac_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	text	   *result;

	if (!cached_key_valid)
		load_key();

	ctx = pg_hmac_create(PG_SHA256);
	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_hmac_init(ctx, cached_key, cached_key_len) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)) < 0 ||
		pg_hmac_final(ctx, digest, sizeof(digest)) < 0)
	{
		const char *why = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute an HMAC-SHA256 pseudonym: %s", why)));
	}
	pg_hmac_free(ctx);

	result = (text *) palloc(VARHDRSZ + 2 * PG_SHA256_DIGEST_LENGTH);
	SET_VARSIZE(result, VARHDRSZ + 2 * PG_SHA256_DIGEST_LENGTH);
	meshpg_hex_encode(digest, sizeof(digest), VARDATA(result));
	PG_RETURN_TEXT_P(result);
}

/* mesh._random_key(): 32 bytes from the operating system's strong random source */
Datum
meshpg_random_key(PG_FUNCTION_ARGS)
{
	bytea	   *result = (bytea *) palloc(VARHDRSZ + KEY_MIN_BYTES);

	SET_VARSIZE(result, VARHDRSZ + KEY_MIN_BYTES);
	if (!pg_strong_random(VARDATA(result), KEY_MIN_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes for the pseudonym key"),
				 errhint("Check that the operating system's random source is available.")));
	PG_RETURN_BYTEA_P(result);
}

/*
 * mesh._invalidate_relation(regclass): a relcache invalidation of the
 * relation, sent at commit (and applied locally at the next command), so
 * that per-backend caches built from it (the pseudonym key, governed columns,
 * time-limited grants) are rebuilt.
 */
Datum
meshpg_invalidate_relation(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);

	if (get_rel_name(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	CacheInvalidateRelcacheByRelid(relid);
	PG_RETURN_VOID();
}
