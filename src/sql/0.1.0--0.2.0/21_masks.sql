-- The mask library (src/masks.c, src/masks_pseudonym.c; reference in docs/masks.md).
-- Masking policies (enforce area) apply these to governed columns, so they are
-- C, STRICT (NULL stays NULL), PARALLEL SAFE and honest about volatility:
-- IMMUTABLE only when the result depends on the arguments alone.

CREATE FUNCTION mesh.mask_email(value text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_email';
COMMENT ON FUNCTION mesh.mask_email(text) IS
    'e-mail address with the local part hidden: ***@domain; anything that is not an address is redacted';

CREATE FUNCTION mesh.mask_partial(value text, keep_first integer, keep_last integer) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_partial';
COMMENT ON FUNCTION mesh.mask_partial(text, integer, integer) IS
    'keep the first and last characters, replace the others by *; a value too short to hide anything is masked entirely';

CREATE FUNCTION mesh.mask_redact(value text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_redact';
COMMENT ON FUNCTION mesh.mask_redact(text) IS 'the constant [redacted]';

CREATE FUNCTION mesh.mask_null(value anyelement) RETURNS anyelement
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_null';
COMMENT ON FUNCTION mesh.mask_null(anyelement) IS 'NULL of the value''s type';

CREATE FUNCTION mesh.mask_default(value anyelement) RETURNS anyelement
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_default';
COMMENT ON FUNCTION mesh.mask_default(anyelement) IS
    'the neutral value of the type: 0, empty text, false, 1970-01-01, empty array...; NULL for other types';

CREATE FUNCTION mesh.mask_sha256(value text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_sha256';
COMMENT ON FUNCTION mesh.mask_sha256(text) IS
    'SHA-256 of the value in hex (unkeyed: guessable for small domains, as mask_pseudonym is for a reader who can call it)';

CREATE FUNCTION mesh.mask_date(value date, unit text) RETURNS date
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_date';
CREATE FUNCTION mesh.mask_date(value timestamp, unit text) RETURNS timestamp
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_timestamp';
-- depends on the TimeZone setting, as date_trunc(text, timestamptz) does
CREATE FUNCTION mesh.mask_date(value timestamptz, unit text) RETURNS timestamptz
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_timestamptz';
COMMENT ON FUNCTION mesh.mask_date(date, text) IS 'the first day of the value''s year or month (unit year, month or day)';
COMMENT ON FUNCTION mesh.mask_date(timestamp, text) IS 'midnight of the first day of the value''s year, month or day';
COMMENT ON FUNCTION mesh.mask_date(timestamptz, text) IS 'midnight (session TimeZone) of the first day of the value''s year, month or day';

CREATE FUNCTION mesh.mask_round(value numeric, digits integer) RETURNS numeric
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_round';
COMMENT ON FUNCTION mesh.mask_round(numeric, integer) IS
    'the value rounded to digits decimal places (negative: to tens, hundreds...)';

CREATE FUNCTION mesh.mask_bucket(value numeric, width numeric) RETURNS numeric
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_bucket';
COMMENT ON FUNCTION mesh.mask_bucket(numeric, numeric) IS
    'the lower bound of the value''s bucket: floor(value / width) * width';

CREATE FUNCTION mesh.mask_noise(value numeric, ratio float8, seed text) RETURNS numeric
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_noise';
COMMENT ON FUNCTION mesh.mask_noise(numeric, float8, text) IS
    'value * (1 + ratio * u), u in [-1, 1) fixed by the value and the seed, rounded to the value''s scale';

-- The pseudonym key.  Only the extension owner can read this table; the C
-- function reads it without a permission check.  Highest generation wins, and
-- within a generation the oldest row (see src/masks_pseudonym.c on restore).
CREATE TABLE mesh.pseudonym_keys (
    generation  integer NOT NULL CHECK (generation >= 0),
    key         bytea NOT NULL CHECK (octet_length(key) BETWEEN 32 AND 64),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE mesh.pseudonym_keys IS
    'secret keys of mesh.mask_pseudonym; readable only by the extension owner';
REVOKE ALL ON mesh.pseudonym_keys FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('mesh.pseudonym_keys', '');

CREATE FUNCTION mesh._random_key() RETURNS bytea
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_random_key';

CREATE FUNCTION mesh._invalidate_relation(rel regclass) RETURNS void
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_invalidate_relation';

INSERT INTO mesh.pseudonym_keys (generation, key) VALUES (0, mesh._random_key());

CREATE FUNCTION mesh.mask_pseudonym(value text) RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_mask_pseudonym';
COMMENT ON FUNCTION mesh.mask_pseudonym(text) IS
    'keyed HMAC-SHA256 pseudonym in hex: the same value always gives the same pseudonym, the key is secret';

-- superusers only (execute revoked from PUBLIC below, and checked)
CREATE FUNCTION mesh.rotate_pseudonym_key() RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    next_generation integer;
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'permission denied to rotate the pseudonym key'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Every pseudonym changes, so joins with pseudonyms computed before no longer match.',
                  HINT = 'Ask a superuser.';
    END IF;
    LOCK TABLE mesh.pseudonym_keys IN EXCLUSIVE MODE;
    SELECT coalesce(max(k.generation), -1) + 1 INTO next_generation FROM mesh.pseudonym_keys k;
    INSERT INTO mesh.pseudonym_keys (generation, key) VALUES (next_generation, mesh._random_key());
    -- older keys are not kept: a key that is no longer used is only a risk
    DELETE FROM mesh.pseudonym_keys k WHERE k.generation < next_generation;
    PERFORM mesh._invalidate_relation('mesh.pseudonym_keys'::regclass);
    RETURN next_generation;
END
$$;
COMMENT ON FUNCTION mesh.rotate_pseudonym_key() IS
    'replace the pseudonym key by a new random one (superusers only); every pseudonym changes; returns the new generation';
REVOKE ALL ON FUNCTION mesh.rotate_pseudonym_key() FROM PUBLIC;
REVOKE ALL ON FUNCTION mesh._random_key(), mesh._invalidate_relation(regclass) FROM PUBLIC;
