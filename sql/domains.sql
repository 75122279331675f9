-- Domains: creation, nesting, adoption of an existing schema, dropping, errors.
\set SHOW_CONTEXT never
CREATE ROLE regress_dom_owner NOLOGIN;
CREATE ROLE regress_dom_member LOGIN IN ROLE regress_dom_owner;
CREATE ROLE regress_dom_outsider LOGIN;
CREATE ROLE regress_dom_sub_owner NOLOGIN;
GRANT regress_dom_sub_owner TO regress_dom_member;

SELECT mesh.create_domain('sales', 'regress_dom_owner', 'Sales and pipeline');
SELECT name, owner, description, parent, created_by FROM mesh.domains ORDER BY name;
-- the schema exists, owned by the domain owner, reachable by everyone
SELECT nspname, nspowner::regrole, has_schema_privilege('regress_dom_outsider', oid, 'USAGE') AS public_usage
  FROM pg_namespace WHERE nspname = 'sales';

-- nesting: the caller must belong to the parent's owner
GRANT CREATE ON DATABASE contrib_regression TO regress_dom_member;
SET ROLE regress_dom_member;
SELECT mesh.create_domain('sales_emea', 'regress_dom_sub_owner', 'EMEA sales', parent => 'sales');
SELECT mesh.create_domain('nested_bad', 'regress_dom_sub_owner', parent => 'nope');
RESET ROLE;
SELECT name, owner, parent FROM mesh.domains ORDER BY name;

-- errors: names
SELECT mesh.create_domain('Sales', 'regress_dom_owner');
SELECT mesh.create_domain('sales-team', 'regress_dom_owner');
SELECT mesh.create_domain('1sales', 'regress_dom_owner');
SELECT mesh.create_domain(repeat('a', 64), 'regress_dom_owner');
SELECT mesh.create_domain('a"; DROP TABLE mesh.domains; --', 'regress_dom_owner');
SELECT mesh.create_domain('select', 'regress_dom_owner');
SELECT mesh.create_domain('user', 'regress_dom_owner');
-- errors: schemas of PostgreSQL and of meshpg are not domains
SELECT mesh.create_domain('pg_catalog', 'postgres');
SELECT mesh.create_domain('pg_toast', 'postgres');
SELECT mesh.create_domain('mesh', 'postgres');
SELECT mesh.create_domain('public', 'postgres');
SELECT mesh.create_domain('information_schema', 'postgres');
-- errors: NULL arguments
SELECT mesh.create_domain(NULL, 'regress_dom_owner');
SELECT mesh.create_domain('x', NULL);
-- errors: unknown owner role
SELECT mesh.create_domain('x', 'regress_no_such_role');
-- errors: duplicates
SELECT mesh.create_domain('sales', 'regress_dom_owner');
CREATE SCHEMA taken AUTHORIZATION regress_dom_outsider;
SELECT mesh.create_domain('taken', 'regress_dom_owner');
-- an existing schema of the owner becomes a domain
CREATE SCHEMA legacy AUTHORIZATION regress_dom_owner;
SELECT mesh.create_domain('legacy', 'regress_dom_owner', 'Adopted schema');
SELECT name, owner FROM mesh.domains WHERE name = 'legacy';

-- errors: privileges
SET ROLE regress_dom_outsider;
SELECT mesh.create_domain('mine', 'regress_dom_owner');
SELECT mesh.create_domain('mine', 'regress_dom_outsider');
SELECT mesh.create_domain('sub', 'regress_dom_outsider', parent => 'sales');
SELECT mesh.drop_domain('sales');
RESET ROLE;

-- dropping: not with subdomains, an empty schema goes, a non-empty one stays
SELECT mesh.drop_domain('sales');
SELECT mesh.drop_domain('sales_emea');
SELECT mesh.drop_domain('nope');
CREATE TABLE legacy.keep_me (id int);
SELECT mesh.drop_domain('legacy');
SELECT nspname FROM pg_namespace WHERE nspname IN ('sales', 'sales_emea', 'legacy') ORDER BY 1;
SELECT name FROM mesh.domains ORDER BY name;

-- cleanup
SELECT mesh.drop_domain('sales');
DROP SCHEMA taken, legacy CASCADE;
REVOKE CREATE ON DATABASE contrib_regression FROM regress_dom_member;
DROP ROLE regress_dom_member, regress_dom_outsider, regress_dom_owner, regress_dom_sub_owner;
