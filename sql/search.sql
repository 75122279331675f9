-- Search: weighted full-text ranking over names, tags, purpose and columns.
\set SHOW_CONTEXT never
CREATE ROLE regress_search_owner NOLOGIN;
SELECT mesh.create_domain('finance', 'regress_search_owner');
SELECT mesh.create_domain('marketing', 'regress_search_owner');
SELECT mesh.create_data_product('finance.invoice_payments',
    $$SELECT 1 AS invoice_id, 10.0 AS amount_paid, 3 AS days_late$$,
    '{"purpose": "Invoices with their payments and how late they were paid.", "tags": ["receivables"],
      "columns": {"days_late": {"description": "Days between due date and payment"}}}') > 0 AS created;
SELECT mesh.create_data_product('finance.revenue',
    $$SELECT 1 AS month, 2.0 AS revenue$$,
    '{"purpose": "Monthly recognised revenue, including paid invoices.", "tags": ["reporting"]}') > 0 AS created;
SELECT mesh.create_data_product('marketing.campaign_performance',
    $$SELECT 1 AS campaign_id, 2 AS clicks, 3 AS conversions$$,
    '{"purpose": "Spend, clicks and conversions per campaign and day.", "tags": ["ads", "performance"]}') > 0 AS created;
SELECT mesh.create_data_product('marketing.audiences',
    $$SELECT 1 AS audience_id, 'x'::text AS segment$$,
    '{"purpose": "Audience segments for targeting.",
      "columns": {"segment": {"description": "Segment used by each campaign"}}}') > 0 AS created;

-- the name outranks the purpose, which outranks a column description
SELECT product, rank > 0 AS ranked FROM mesh.search('campaign');
-- products with every word come first, then those with some
SELECT product FROM mesh.search('invoice payments');
SELECT product FROM mesh.search('paid invoices late');
-- stemming: plural and singular match
SELECT product FROM mesh.search('conversion');
-- tags and column names are searched
SELECT product FROM mesh.search('receivables');
SELECT product FROM mesh.search('segment');
-- web search syntax, and nothing found
SELECT product FROM mesh.search('"monthly revenue"');
SELECT product FROM mesh.search('payroll');
-- excluded words exclude
SELECT product FROM mesh.search('invoices -revenue');
SELECT product FROM mesh.search('campaign -segment -clicks');
SELECT * FROM mesh.search('-invoices');
-- alter refreshes what is searched
SELECT mesh.alter_data_product('marketing.audiences', '{"tags": ["payroll"]}');
SELECT product FROM mesh.search('payroll');
-- errors
SELECT * FROM mesh.search('the and of');
SELECT * FROM mesh.search('');
SELECT * FROM mesh.search(NULL);

-- cleanup
SELECT mesh.drop_data_product(product) FROM mesh.products ORDER BY product;
SELECT mesh.drop_domain('finance');
SELECT mesh.drop_domain('marketing');
DROP ROLE regress_search_owner;
