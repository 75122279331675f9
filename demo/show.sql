-- meshpg demo: a tour of the sample mesh (run demo/sample_mesh.sql first).
--     psql -X -q -v ON_ERROR_STOP=1 -f demo/show.sql

\pset null '(null)'
\pset footer off

\echo
\echo '================================================================================'
\echo ' 1. Platform status: is every meshpg component active?   mesh.status()'
\echo '================================================================================'
SELECT * FROM mesh.status();

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
\echo ' 4. The contract of one product: its full descriptor'
\echo '    SELECT jsonb_pretty(mesh.describe(''finance.invoice_payments''));'
\echo '================================================================================'
\pset format unaligned
\pset tuples_only on
SELECT jsonb_pretty(mesh.describe('finance.invoice_payments'));
\pset tuples_only off
\pset format aligned
\echo

\echo '================================================================================'
\echo ' 5. Consuming output ports, as the role analyst'
\echo '================================================================================'
SET ROLE analyst;

\echo 'Top 10 campaign days of the last week by spend (marketing.campaign_performance):'
SELECT day, campaign_name, channels, spend, clicks, conversions, ctr, cpa
FROM marketing.campaign_performance
WHERE day >= current_date - 7
ORDER BY spend DESC, day, campaign_name
LIMIT 10;

\echo 'Invoices in EUR by payment status (finance.invoice_payments):'
SELECT status,
       count(*) AS invoices,
       sum(amount) AS invoiced_eur,
       sum(outstanding_amount) AS outstanding_eur,
       round(avg(days_late), 1) AS avg_days_late
FROM finance.invoice_payments
WHERE currency = 'EUR'
GROUP BY status
ORDER BY status;

\echo 'Adoption of the new AI assistant, week by week (product.feature_adoption):'
SELECT week, active_accounts, total_accounts, adoption_rate
FROM product.feature_adoption
WHERE feature_key = 'ai_assistant'
ORDER BY week;

RESET ROLE;

\echo 'What analyst may read: the ports it was granted, but neither the raw tables'
\echo 'behind them nor the confidential product finance.customers (PII):'
SELECT relation, has_table_privilege('analyst', relation::regclass, 'SELECT') AS analyst_can_select
FROM unnest(ARRAY['marketing.campaign_performance', 'finance.invoice_payments',
                  'product.feature_adoption', 'finance.customers',
                  'marketing_raw.ad_daily_stats', 'finance_raw.payments']) AS relation;
\echo
