-- meshpg 0.1.0: install script.
-- Assembled by the Makefile from the parts in src/sql/0.1.0/, in name order.
-- This version is frozen once released: changes go into meshpg--0.1.0--<next>.sql.
--
-- Written as if an attacker owned search_path: every object is schema-qualified,
-- every function pins search_path, and catalog-changing functions run through
-- the C dispatcher (src/api_dispatch.c), never as SECURITY DEFINER.

\echo Use "CREATE EXTENSION meshpg" to load this file. \quit

CREATE FUNCTION mesh._warn_if_not_preloaded() RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_warn_if_not_preloaded';
SELECT mesh._warn_if_not_preloaded();

CREATE FUNCTION mesh.status(OUT component text, OUT active boolean, OUT detail text)
    RETURNS SETOF record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_status';
COMMENT ON FUNCTION mesh.status() IS 'which parts of meshpg are active in this server, and why not';

GRANT USAGE ON SCHEMA mesh TO PUBLIC;
