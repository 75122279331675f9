-- A table that becomes governed only through mesh.classify (a masking policy
-- is bound to the tag the column gets) carries the fail-closed guard at once,
-- not only after the next descriptor store or binding.
\set SHOW_CONTEXT never
CREATE ROLE regress_gov_cg_owner NOLOGIN;
SELECT mesh.create_domain('gov_cg', 'regress_gov_cg_owner');
CREATE TABLE gov_cg.people_src (id int PRIMARY KEY, email text);
ALTER TABLE gov_cg.people_src OWNER TO regress_gov_cg_owner;
SELECT mesh.create_masking_policy('gov_cg_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('gov_cg_email', 'gov_cg.email');
SELECT mesh.create_data_product('gov_cg.people', 'gov_cg.people_src', '{"purpose": "classify guard"}') > 0 AS created;
CREATE FUNCTION pg_temp.guarded(rel regclass) RETURNS boolean LANGUAGE sql AS $$
    SELECT EXISTS (SELECT FROM pg_policy WHERE polrelid = rel AND polname = 'meshpg_enforcement_guard') $$;
-- nothing classified yet: the table is not governed, no guard
SELECT pg_temp.guarded('gov_cg.people_src') AS guarded_before;
-- the classification governs the table: guarded right after classify
SELECT mesh.classify('gov_cg.people', 'email', 'gov_cg.email');
SELECT pg_temp.guarded('gov_cg.people_src') AS guarded_after,
       c.relrowsecurity AS row_security, c.relforcerowsecurity AS forced
  FROM pg_class c WHERE c.oid = 'gov_cg.people_src'::regclass;
-- and the column is masked
SELECT m.policy FROM mesh._enforcement_masks() m
 WHERE m.relid = 'gov_cg.people_src'::regclass AND m.attnum = 2;

-- clean up
SELECT mesh.drop_masking_policy('gov_cg_email');
SELECT mesh.drop_data_product('gov_cg.people', force => true);
DROP TABLE gov_cg.people_src;
SELECT mesh.drop_domain('gov_cg');
DROP ROLE regress_gov_cg_owner;
