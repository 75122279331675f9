-- The business glossary: terms defined by domain teams, owned by a steward
-- role, linked to port columns by the product's team, searchable.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE ROLE discovery_team NOLOGIN;
CREATE ROLE discovery_other_team NOLOGIN;
CREATE ROLE discovery_consumer NOLOGIN;
CREATE SCHEMA discovery_src AUTHORIZATION discovery_team;
SET ROLE discovery_team;
CREATE TABLE discovery_src.customers (customer_id int PRIMARY KEY, name text, churned boolean, revenue numeric);
RESET ROLE;
SELECT mesh.create_domain('discovery_crm', 'discovery_team');
SELECT mesh.create_domain('discovery_other', 'discovery_other_team');
SELECT mesh.create_data_product('discovery_crm.customers', 'discovery_src.customers',
                                '{"purpose": "customers and whether they churned"}') > 0 AS created;

-- a domain team defines terms; it is their steward unless it names another of its roles
SET ROLE discovery_team;
SELECT mesh.define_term('Active customer', 'A customer with at least one paid order in the last 90 days.',
                        ARRAY['active client', 'live account']);
SELECT mesh.define_term('Churn', 'A customer who cancelled every subscription.');
-- changing a definition: same term whatever its case, synonyms kept when not given
SELECT mesh.define_term('churn', 'A customer who cancelled all subscriptions and has not come back in 30 days.');
SELECT term, definition, synonyms, steward FROM mesh.glossary_terms ORDER BY term;
-- bad terms
SELECT mesh.define_term('  ', 'blank');
SELECT mesh.define_term(' Churn', 'leading blank');
SELECT mesh.define_term(E'two\nlines', 'control characters');
SELECT mesh.define_term(repeat('x', 201), 'too long');
SELECT mesh.define_term('Revenue', '   ');
SELECT mesh.define_term('Revenue', NULL);
SELECT mesh.define_term(NULL, 'no term');
SELECT mesh.define_term('Revenue', 'money', ARRAY['ok', NULL]);
SELECT mesh.define_term('Revenue', 'money', steward => 'discovery_other_team');
RESET ROLE;
-- consumers (no domain) cannot define terms; other teams cannot change ours
SET ROLE discovery_consumer;
SELECT mesh.define_term('Whatever', 'consumer definition');
RESET ROLE;
SET ROLE discovery_other_team;
SELECT mesh.define_term('Churn', 'hijacked');
SELECT mesh.drop_term('Churn');
RESET ROLE;

-- links: by the product's team, to columns the port has
SET ROLE discovery_team;
SELECT mesh.link_term('Churn', 'discovery_crm.customers', 'churned');
SELECT mesh.link_term('active CUSTOMER', 'discovery_crm.customers', 'customer_id');
SELECT mesh.link_term('Churn', 'discovery_crm.customers', 'churned');   -- again: no-op
SELECT mesh.link_term('Churn', 'discovery_crm.customers', 'nope');
SELECT mesh.link_term('Nope', 'discovery_crm.customers', 'churned');
SELECT mesh.link_term('Churn', 'discovery_crm.nope', 'churned');
SELECT mesh.link_term('Churn', 'discovery_crm.customers', NULL);
RESET ROLE;
SET ROLE discovery_other_team;
SELECT mesh.link_term('Churn', 'discovery_crm.customers', 'name');
RESET ROLE;
SELECT term, synonyms, columns FROM mesh.glossary ORDER BY term;

-- search: words of the term, its synonyms or its definition; the term itself first
SELECT term, columns, rank > 1 AS names_it FROM mesh.search_terms('churn') ORDER BY rank DESC, term;
SELECT term FROM mesh.search_terms('client');
SELECT term FROM mesh.search_terms('subscriptions cancelled');
SELECT term FROM mesh.search_terms('paid orders');
SELECT count(*) FROM mesh.search_terms('zebra');
SELECT * FROM mesh.search_terms('   ');
SELECT * FROM mesh.search_terms(NULL);

-- links survive an alter of the product (its column rows are rewritten on every store)
SET ROLE discovery_team;
SELECT mesh.link_term('Churn', 'discovery_crm.customers', 'revenue');
SELECT mesh.alter_data_product('discovery_crm.customers', '{"description": "altered"}');
RESET ROLE;
SELECT term, columns FROM mesh.glossary WHERE term = 'Churn';

-- unlink and drop
SET ROLE discovery_team;
SELECT mesh.unlink_term('Churn', 'discovery_crm.customers', 'revenue');
SELECT mesh.unlink_term('Churn', 'discovery_crm.customers', 'revenue');
SELECT mesh.drop_term('Active customer');
SELECT mesh.drop_term('Active customer');
RESET ROLE;
SELECT term, columns FROM mesh.glossary ORDER BY term;
-- dropping the product drops its links, not the terms
SELECT mesh.drop_data_product('discovery_crm.customers');
SELECT term, columns FROM mesh.glossary ORDER BY term;
SET ROLE discovery_team;
SELECT mesh.drop_term('Churn');
RESET ROLE;
-- the implementations cannot be called directly
SET ROLE discovery_team;
SELECT mesh._define_term('discovery_team', 'x', 'y', NULL, NULL);
RESET ROLE;
SELECT mesh.drop_domain('discovery_crm');
SELECT mesh.drop_domain('discovery_other');
DROP SCHEMA discovery_src CASCADE;
DROP ROLE discovery_team, discovery_other_team, discovery_consumer;
