-- A schema mesh that exists before CREATE EXTENSION, owned by a role that is
-- not a superuser (or where such a role may create objects), is refused: its
-- owner could plant overloads of meshpg's internal functions that the API runs
-- as the extension owner.
SELECT current_user AS superuser \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS gov_install_schema;
DROP ROLE IF EXISTS gov_schema_squatter;
RESET client_min_messages;
CREATE ROLE gov_schema_squatter LOGIN;
CREATE DATABASE gov_install_schema OWNER gov_schema_squatter;
\c gov_install_schema :superuser
SET SESSION AUTHORIZATION gov_schema_squatter;
CREATE SCHEMA mesh;
-- an operator the install script would resolve to, and an overload the API would
CREATE FUNCTION mesh.squat_eq(oid, regnamespace) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RAISE WARNING 'squatter code runs as %', current_user; RETURN $1 OPERATOR(pg_catalog.=) $2::oid; END $$;
CREATE OPERATOR mesh.= (FUNCTION = mesh.squat_eq, LEFTARG = oid, RIGHTARG = regnamespace);
CREATE FUNCTION mesh._require(value text, argument text) RETURNS void LANGUAGE sql AS $$ SELECT $$;
\c gov_install_schema :superuser
\set VERBOSITY default
CREATE EXTENSION meshpg;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'meshpg';
-- owned by a superuser, but others may create objects in it
ALTER SCHEMA mesh OWNER TO :superuser;
DROP FUNCTION mesh._require(text, text);
DROP OPERATOR mesh.= (oid, regnamespace);
DROP FUNCTION mesh.squat_eq(oid, regnamespace);
GRANT CREATE ON SCHEMA mesh TO PUBLIC, gov_schema_squatter;
CREATE EXTENSION meshpg;
-- a schema of a superuser that nobody else may create in is used
REVOKE CREATE ON SCHEMA mesh FROM PUBLIC, gov_schema_squatter;
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
RESET client_min_messages;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'meshpg';
\c contrib_regression :superuser
DROP DATABASE gov_install_schema;
DROP ROLE gov_schema_squatter;
