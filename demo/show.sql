-- meshpg demo: a tour of the sample mesh (run demo/sample_mesh.sql first, in a
-- cluster that preloads meshpg: shared_preload_libraries = 'meshpg').
--     psql -X -q -v ON_ERROR_STOP=1 -f demo/show.sql
--
-- The tour changes the mesh as it goes (an access request is approved, a new
-- version is published): load the sample mesh again before running it again.

\pset null '(null)'
\pset footer off

\echo
\echo '================================================================================'
\echo ' 1. Platform status: is every meshpg component active?   mesh.status()'
\echo '================================================================================'
SELECT component, active FROM mesh.status();

\echo '================================================================================'
\echo ' 2. The catalog: business domains (mesh.domains) and their data products'
\echo '    (mesh.products)'
\echo '================================================================================'
SELECT name AS domain, owner, parent, description
FROM mesh.domains
ORDER BY name;

SELECT product, version, status, owner, access_level, freshness, column_count, tags
FROM mesh.products
ORDER BY product;

\echo '================================================================================'
\echo ' 3. Discovery: full-text search over the descriptors'
\echo '    mesh.search(''invoice payments late''), best match first (purpose shortened here)'
\echo '================================================================================'
SELECT product, status, round(rank::numeric, 3) AS rank,
       CASE WHEN length(purpose) > 72 THEN left(purpose, 69) || '...' ELSE purpose END AS purpose
FROM mesh.search('invoice payments late');

\echo '================================================================================'
\echo ' 4. The contract of one product: its descriptor (columns left out here)'
\echo '    SELECT jsonb_pretty(mesh.describe(''finance_receivables.overdue_invoices''));'
\echo '================================================================================'
\pset format unaligned
\pset tuples_only on
SELECT jsonb_pretty(mesh.describe('finance_receivables.overdue_invoices') - 'columns');
\pset tuples_only off
\pset format aligned
\echo

\echo '================================================================================'
\echo ' 5. Classifications and masking policies'
\echo '    Columns carry a classification tag; the governance council bound a masking'
\echo '    policy to two tags.  A tag also applies to the raw column a port copies.'
\echo '================================================================================'
SELECT dp.domain || '.' || dp.name || '.' || g.column_name AS product_column, g.tag,
       g.relation AS applies_to_relation,
       (SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = g.relation AND a.attnum = g.attnum) AS applies_to_column
FROM mesh.governed_columns g
JOIN mesh.data_products dp ON dp.id = g.product_id
WHERE g.tag IN ('pii.email', 'confidential')
ORDER BY g.tag, product_column, g.relation::text;

SELECT b.policy, b.tag, p.mask
FROM mesh.masking_policy_bindings b
JOIN mesh.masking_policies p ON p.name = b.policy
ORDER BY b.policy;

\echo 'The owner (marketing_team) reads raw e-mail addresses from marketing.campaigns:'
SET ROLE marketing_team;
SELECT campaign_id, name, manager_email FROM marketing.campaigns ORDER BY campaign_id LIMIT 3;
RESET ROLE;

\echo 'The consumer analyst reads the same rows masked, from the port and from any'
\echo 'view or function over it (the planner hook rewrites every read):'
SET ROLE analyst;
SELECT campaign_id, name, manager_email FROM marketing.campaigns ORDER BY campaign_id LIMIT 3;
RESET ROLE;

\echo '================================================================================'
\echo ' 6. A row policy on a consumer attribute'
\echo '    marketing.campaign_performance keeps rows WHERE region = mesh.attribute(''region'');'
\echo '    analyst has the attribute region = DACH (mesh.consumer_attributes)'
\echo '================================================================================'
SELECT role, key, value FROM mesh.consumer_attributes ORDER BY role::text, key;

\echo 'Campaign days per region, as the owner (marketing_team):'
SET ROLE marketing_team;
SELECT region, count(*) AS campaign_days, sum(spend) AS spend_eur
FROM marketing.campaign_performance GROUP BY region ORDER BY region;
RESET ROLE;

\echo 'The same query as analyst: only its own region'
SET ROLE analyst;
SELECT region, count(*) AS campaign_days, sum(spend) AS spend_eur
FROM marketing.campaign_performance GROUP BY region ORDER BY region;

\echo 'Top 5 campaign days of the last week by spend, as analyst:'
SELECT day, campaign_name, channels, spend, clicks, conversions, ctr, cpa
FROM marketing.campaign_performance
WHERE day >= current_date - 7
ORDER BY spend DESC, day, campaign_name
LIMIT 5;
RESET ROLE;

\echo '================================================================================'
\echo ' 7. Access levels and an access request'
\echo '    internal products are granted to the internal consumer role (mesh_readers,'
\echo '    analyst is a member); finance.invoice_payments is restricted: analyst asks,'
\echo '    a member of finance_team approves, meshpg grants SELECT on the port.'
\echo '================================================================================'
SELECT product, access_level,
       has_table_privilege('analyst', product, 'SELECT') AS analyst_can_read
FROM mesh.products ORDER BY product;

SET ROLE analyst;
SELECT mesh.request_access('finance.invoice_payments', 'Monthly cash flow report for the CFO',
                           until => now() + interval '90 days') AS request_id \gset
RESET ROLE;
SET ROLE finance_team;
\o /dev/null
SELECT mesh.approve_access(:request_id);
\o
RESET ROLE;

SELECT r.id, dp.domain || '.' || dp.name AS product, r.role, r.purpose, r.status,
       r.decided_by, r.until::date AS until
FROM mesh.access_requests r
JOIN mesh.data_products dp ON dp.id = r.product_id
ORDER BY r.id;

\echo 'analyst reads the port now; customer_name is classified confidential and masked'
\echo '(policy initials_only), the amounts are not:'
SET ROLE analyst;
SELECT invoice_number, customer_name, amount, outstanding_amount, days_late, status
FROM finance.invoice_payments
WHERE status = 'overdue' AND currency = 'EUR'
ORDER BY days_late DESC, invoice_number
LIMIT 3;

\echo 'Invoices in EUR by payment status:'
SELECT status,
       count(*) AS invoices,
       sum(amount) AS invoiced_eur,
       sum(outstanding_amount) AS outstanding_eur,
       round(avg(days_late), 1) AS avg_days_late
FROM finance.invoice_payments
WHERE currency = 'EUR'
GROUP BY status
ORDER BY status;

\echo 'Adoption of the new AI assistant, week by week (product.feature_adoption, internal):'
SELECT week, active_accounts, total_accounts, adoption_rate
FROM product.feature_adoption
WHERE feature_key = 'ai_assistant'
ORDER BY week;
RESET ROLE;

\echo '================================================================================'
\echo ' 8. Data quality checks, declared in the descriptors'
\echo '    SELECT * FROM mesh.run_checks(product);  SELECT mesh.quality_score(product);'
\echo '================================================================================'
SELECT name, kind, status, message FROM mesh.run_checks('finance.invoice_payments');
SELECT name, kind, status, message FROM mesh.run_checks('finance_receivables.overdue_invoices');

SELECT product, mesh.quality_score(product) AS quality_score
FROM mesh.products
WHERE product IN ('finance.invoice_payments', 'finance_receivables.overdue_invoices')
ORDER BY product;

\echo '================================================================================'
\echo ' 9. Freshness and incidents'
\echo '    Every commit to a source of a product records its time (no polling).'
\echo '    The ERP delivers a payment now; the scheduler checks the SLAs in the background.'
\echo '================================================================================'
SET ROLE finance_team;
INSERT INTO finance_raw.payments (payment_id, invoice_id, paid_on, amount, method, reference)
SELECT max(payment_id) + 1, 1, current_date, 1.00, 'wire', 'RF-DEMO'
FROM finance_raw.payments;
RESET ROLE;
\o /dev/null
SELECT pg_sleep(1.5);  -- one scheduler round (meshpg.naptime = 1s)
\o

SELECT product, rule, sla->>'freshness' AS sla, date_trunc('second', last_change) AS last_change,
       date_trunc('second', age) AS age, breached
FROM mesh.freshness
WHERE product LIKE 'finance%'
ORDER BY product, rule;

\echo 'Open incidents (a failed check opens one; so does a missed freshness SLA or'
\echo 'delivery window, depending on the time of day you run the demo):'
SELECT i.id, dp.domain || '.' || dp.name AS product, i.kind, i.subject, i.severity, i.status
FROM mesh.incidents i
JOIN mesh.data_products dp ON dp.id = i.product_id
WHERE i.status <> 'resolved'
ORDER BY i.kind, product, i.subject;

\echo '================================================================================'
\echo ' 10. Lineage: where does finance_receivables.overdue_invoices come from?'
\echo '     mesh.lineage(product, ''upstream''), read from the view definitions'
\echo '================================================================================'
SELECT level, source, source_kind, target, target_kind
FROM mesh.lineage('finance_receivables.overdue_invoices', 'upstream')
ORDER BY level, source, target;

\echo 'The same graph as a Mermaid flowchart (paste it into any Markdown page):'
\pset format unaligned
\pset tuples_only on
SELECT mesh.lineage_mermaid('finance_receivables.overdue_invoices', 'upstream');
\pset tuples_only off
\pset format aligned
\echo

\echo '================================================================================'
\echo ' 11. Usage and popularity'
\echo '     Reads of the ports are counted in shared memory; mesh.flush_usage() writes'
\echo '     them to mesh.usage_daily (the scheduler also does so every round).'
\echo '================================================================================'
SELECT mesh.flush_usage() >= 0 AS flushed;

SELECT dp.domain || '.' || dp.name AS product, u.role, u.day, u.reads
FROM mesh.usage_daily u
JOIN mesh.data_products dp ON dp.id = u.product_id
ORDER BY product, u.role::text;

\echo 'Search ranks by relevance first, then popularity:  mesh.search(''finance'')'
SELECT product, round(rank::numeric, 3) AS rank, round(popularity, 2) AS popularity
FROM mesh.search('finance');

\echo '================================================================================'
\echo ' 12. The contract in the Open Data Contract Standard (ODCS v3.1), as YAML'
\echo '     SELECT mesh.export_contract_yaml(''finance_receivables.overdue_invoices'');'
\echo '================================================================================'
\pset format unaligned
\pset tuples_only on
SELECT mesh.export_contract_yaml('finance_receivables.overdue_invoices');
\pset tuples_only off
\pset format aligned
\echo

\echo '================================================================================'
\echo ' 13. A new version: marketing.campaigns gets a column flight_days'
\echo '     mesh.diff() shows each change and its class; publish_version() refuses a'
\echo '     version number that understates them and records the changelog.'
\echo '================================================================================'
SELECT (mesh.describe('marketing.campaigns') - 'version')
       || jsonb_build_object('source',
              'SELECT *, end_date - start_date + 1 AS flight_days FROM marketing_raw.campaigns')
       AS next_contract \gset

SET ROLE marketing_team;
SELECT path, kind, class, reason FROM mesh.diff('marketing.campaigns', :'next_contract');

SELECT jsonb_pretty(mesh.publish_version('marketing.campaigns', '1.1.0', :'next_contract')
                    - 'changes') AS published;
RESET ROLE;

SELECT product, version, status, column_count FROM mesh.products
WHERE product = 'marketing.campaigns';

\echo '================================================================================'
\echo ' 14. Everything about one product on one page, as Markdown for a wiki:'
\echo '     SELECT mesh.describe_markdown(''finance_receivables.overdue_invoices'');'
\echo '     (contract, checks and their last results, lineage, usage, reviews)'
\echo '================================================================================'
\pset format unaligned
\pset tuples_only on
SELECT mesh.describe_markdown('finance_receivables.overdue_invoices');
\pset tuples_only off
\pset format aligned
\echo
