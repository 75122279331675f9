-- The keyed pseudonym: deterministic, secret key, rotation.
CREATE ROLE govcat_mask_reader;
SET ROLE govcat_mask_reader;
-- the key table is not readable...
SELECT count(*) FROM mesh.pseudonym_keys;
-- ...but the pseudonym is computed, the same for the same value, 64 hex digits
SELECT length(mesh.mask_pseudonym('alice@example.com')) AS hex_digits,
       mesh.mask_pseudonym('alice@example.com') = mesh.mask_pseudonym('alice@example.com') AS deterministic,
       mesh.mask_pseudonym('alice@example.com') <> mesh.mask_pseudonym('bob@example.com') AS distinct_values,
       mesh.mask_pseudonym('alice@example.com') <> mesh.mask_sha256('alice@example.com') AS keyed,
       mesh.mask_pseudonym('Ünïcødé 😀') ~ '^[0-9a-f]{64}$' AS multibyte;
-- nobody but a superuser rotates the key
SELECT mesh.rotate_pseudonym_key();
RESET ROLE;
-- it is the HMAC-SHA256 of the value's bytes under the current key (pgcrypto as the reference)
CREATE EXTENSION pgcrypto SCHEMA public;
SELECT mesh.mask_pseudonym('Ünïcødé') = encode(public.hmac(convert_to('Ünïcødé', 'UTF8'), k.key, 'sha256'), 'hex')
       AS is_hmac_sha256
  FROM (SELECT key FROM mesh.pseudonym_keys ORDER BY generation DESC, created_at LIMIT 1) AS k;
DROP EXTENSION pgcrypto;
CREATE TEMP TABLE before AS SELECT mesh.mask_pseudonym('alice@example.com') AS p;
SELECT mesh.rotate_pseudonym_key() > 0 AS rotated;
-- the cached key was invalidated: a new pseudonym, and only one key remains
SELECT mesh.mask_pseudonym('alice@example.com') <> (SELECT p FROM before) AS changed;
SELECT count(*) AS keys FROM mesh.pseudonym_keys;
-- within a generation the oldest key wins (what a restore relies on)
CREATE TEMP TABLE current_key AS SELECT mesh.mask_pseudonym('x') AS p;
INSERT INTO mesh.pseudonym_keys (generation, key)
SELECT generation, mesh._random_key() FROM mesh.pseudonym_keys;
SELECT mesh._invalidate_relation('mesh.pseudonym_keys');
SELECT mesh.mask_pseudonym('x') = (SELECT p FROM current_key) AS oldest_kept;
DELETE FROM mesh.pseudonym_keys k
 WHERE k.created_at = (SELECT max(created_at) FROM mesh.pseudonym_keys);
-- no usable key: a clear error, never an unkeyed hash
BEGIN;
DELETE FROM mesh.pseudonym_keys;
SELECT mesh._invalidate_relation('mesh.pseudonym_keys');
SELECT mesh.mask_pseudonym('x');
ROLLBACK;
-- internal helpers are not for PUBLIC
SET ROLE govcat_mask_reader;
SELECT mesh._random_key();
SELECT mesh._invalidate_relation('mesh.pseudonym_keys');
RESET ROLE;
DROP ROLE govcat_mask_reader;
