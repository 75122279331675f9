-- The read hook of access expiry runs in every database of the cluster.  In a
-- database where meshpg is not installed, a role with CREATE on the database
-- can make a schema "mesh" holding a relation named like meshpg's grants
-- table: the hook must ignore it, not scan a view as a table (which crashed
-- the server) nor let that role's rows refuse other roles' reads.
SELECT current_user AS superuser \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS access_spoof;
DROP ROLE IF EXISTS access_spoof_owner;
DROP ROLE IF EXISTS access_spoof_reader;
RESET client_min_messages;
CREATE ROLE access_spoof_owner LOGIN;
CREATE ROLE access_spoof_reader;
CREATE DATABASE access_spoof OWNER access_spoof_owner;
\c access_spoof :superuser
SET SESSION AUTHORIZATION access_spoof_owner;
CREATE SCHEMA mesh;
-- a view with the columns the hook reads
CREATE VIEW mesh.access_grants AS
SELECT 'pg_catalog.pg_class'::regclass AS port, NULL::regrole AS grantee, now() - interval '1 day' AS until;
SELECT 1 AS still_connected;
\c access_spoof :superuser
SET SESSION AUTHORIZATION access_spoof_owner;
SELECT 1 AS still_connected;
-- a table of the owner's that says another role's access to a table has ended
DROP VIEW mesh.access_grants;
CREATE TABLE mesh.access_grants (port regclass, grantee regrole, until timestamptz);
CREATE TABLE public.shared (x int);
INSERT INTO public.shared VALUES (1);
GRANT SELECT ON public.shared TO access_spoof_reader;
INSERT INTO mesh.access_grants VALUES ('public.shared', 'access_spoof_reader', now() - interval '1 day');
\c access_spoof :superuser
SET ROLE access_spoof_reader;
SELECT x AS read_by_reader FROM public.shared;
RESET ROLE;
\c contrib_regression :superuser
DROP DATABASE access_spoof;
DROP ROLE access_spoof_owner, access_spoof_reader;
