-- attack_search_path: a hostile search_path neither hijacks the install
-- script, nor the API implementations, nor policy expressions, nor the
-- enforcement hook's own queries.
\set SHOW_CONTEXT never
CREATE DATABASE enforce_search_path;
\c enforce_search_path
CREATE ROLE regress_enforce_sp_evil LOGIN;
CREATE ROLE regress_enforce_sp_owner NOLOGIN;
CREATE SCHEMA evil AUTHORIZATION regress_enforce_sp_evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
SET ROLE regress_enforce_sp_evil;
-- look-alikes of functions and operators the install script, the API and
-- policies use; each one shouts when it runs
CREATE FUNCTION evil.shout(t text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN RAISE WARNING 'hijacked: %', t; END $$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.shout('lower'); RETURN $1; END $$;
CREATE FUNCTION evil.left(text, integer) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.shout('left'); RETURN $1; END $$;
CREATE FUNCTION evil.quote_ident(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.shout('quote_ident'); RETURN $1; END $$;
CREATE FUNCTION evil.to_regclass(text) RETURNS regclass LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.shout('to_regclass'); RETURN NULL; END $$;
CREATE FUNCTION evil.texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.shout('='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR evil.= (FUNCTION = evil.texteq, LEFTARG = text, RIGHTARG = text);
CREATE FUNCTION evil.boolne(boolean, boolean) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.shout('<>'); RETURN $1 OPERATOR(pg_catalog.<>) $2; END $$;
CREATE OPERATOR evil.<> (FUNCTION = evil.boolne, LEFTARG = boolean, RIGHTARG = boolean);
RESET ROLE;
-- install with the hostile path first
SET search_path = evil, pg_catalog, public;
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
RESET client_min_messages;
-- use the API and read governed data with the same path
CREATE ROLE regress_enforce_sp_reader LOGIN;
CREATE SCHEMA sp_raw AUTHORIZATION regress_enforce_sp_owner;
CREATE TABLE sp_raw.people (id int, email text, region text);
ALTER TABLE sp_raw.people OWNER TO regress_enforce_sp_owner;
INSERT INTO sp_raw.people VALUES (1, 'ann@example.org', 'emea'), (2, 'bob@example.com', 'us');
GRANT USAGE ON SCHEMA sp_raw TO regress_enforce_sp_reader;
GRANT SELECT ON sp_raw.people TO regress_enforce_sp_reader;
SELECT mesh.create_domain('sp', 'regress_enforce_sp_owner');
SELECT mesh.create_data_product('sp.people', 'sp_raw.people', '{"purpose": "people", "columns": {"email": {"classification": "pii.email"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA sp TO regress_enforce_sp_reader;
GRANT SELECT ON sp.people TO regress_enforce_sp_reader;
SELECT mesh.create_masking_policy('sp_initial', 'left(lower(value), 1) || ''***''');
SELECT mesh.bind_masking_policy('sp_initial', 'pii.email');
SELECT mesh.set_consumer_attribute('regress_enforce_sp_reader', 'region', 'emea');
SELECT mesh.create_row_policy('sp.people', 'by_region', 'region = mesh.attribute(''region'')');
SET ROLE regress_enforce_sp_reader;
SET search_path = evil, pg_catalog, public;
SELECT * FROM sp.people;
SELECT * FROM sp_raw.people;
SELECT mesh.attribute('region');
RESET ROLE;
-- every function of the extension pins its search_path (C functions excepted)
SELECT p.oid::regprocedure AS unpinned
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'meshpg'
 WHERE p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
   AND NOT coalesce(p.proconfig::text[] @> ARRAY['search_path=pg_catalog, pg_temp'], false)
 ORDER BY 1::text;
\c contrib_regression
DROP DATABASE enforce_search_path;
DROP ROLE regress_enforce_sp_evil, regress_enforce_sp_owner, regress_enforce_sp_reader;
