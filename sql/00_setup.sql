-- Installing meshpg: the catalog, what is dumped, and the status report.
CREATE EXTENSION meshpg;
SELECT component, active FROM mesh.status() ORDER BY component;
SELECT c.relname, c.relkind
  FROM pg_class c
 WHERE c.relnamespace = 'mesh'::regnamespace AND c.relkind IN ('r', 'v', 'S')
 ORDER BY c.relname;
-- every catalog table and the id sequence are dumped with the database
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'meshpg' ORDER BY 1;
-- the schema is fixed
SELECT extrelocatable, extnamespace::regnamespace FROM pg_extension WHERE extname = 'meshpg';
-- no function of the extension is SECURITY DEFINER
SELECT count(*) AS security_definer_functions
  FROM pg_proc WHERE pronamespace = 'mesh'::regnamespace AND prosecdef;
-- every SQL or PL/pgSQL function pins its search_path
SELECT p.oid::regprocedure AS unpinned
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'mesh'::regnamespace AND l.lanname <> 'c'
   AND NOT coalesce(p.proconfig::text[] @> ARRAY['search_path=pg_catalog, pg_temp'], false)
 ORDER BY 1;
