-- meshpg sample mesh: three business domains publishing six data products.
--
-- Run it against any database where meshpg is installed, as a superuser:
--
--     psql -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS meshpg'
--     psql -v ON_ERROR_STOP=1 -f demo/sample_mesh.sql
--
-- What it creates (and, when run again, drops and recreates from scratch):
--
--   roles     marketing_team, finance_team, product_team  (domain owners, NOLOGIN)
--             analyst                                      (a consumer, NOLOGIN)
--             mesh_readers              (the internal consumer role; analyst is a member)
--             Existing roles are kept as they are.
--   schemas   marketing_raw, finance_raw, product_raw: the teams' operational
--             ("source") data, generated deterministically (setseed 0.42):
--               marketing_raw  channels, campaigns, campaign_channels,
--                              ad_daily_stats (~20k rows of daily spend, impressions,
--                              clicks and conversions per campaign and channel)
--               finance_raw    customers, invoices, payments (~50k rows, some invoices
--                              paid late, partially or not at all)
--               product_raw    features, accounts, feature_usage (~100k rows of daily
--                              feature usage per account over the last 13 weeks)
--             Dates are relative to current_date, so the data always looks recent.
--   domains   marketing, finance (with the nested domain finance_receivables) and
--             product, each a schema owned by its team (mesh.create_domain)
--   products  marketing.campaign_performance   per campaign and day: spend, CTR, CPA
--             marketing.campaigns              the campaign register (built from a table)
--             finance.invoice_payments         invoices with payments, days late, status
--             finance.customers                billing customers, contains PII (from a table)
--             finance_receivables.overdue_invoices  aging of unpaid invoices (draft,
--                                              built on top of another product)
--             product.feature_adoption         per feature and week: adoption rate
--   access    (0.2.0) meshpg grants the ports by access level: the internal products
--             to mesh_readers (mesh.set_internal_consumer_role); restricted and
--             confidential ones only on an approved request.  No raw schema is granted.
--   governance (0.2.0) masking policies email_domain_only (tag pii.email) and
--             initials_only (tag confidential); consumer attribute region = DACH of
--             analyst; row policy own_region on marketing.campaign_performance
--   checks    (0.2.0) declared in the descriptors of the two finance products; one
--             of them fails on the sample data (an invoice more than 90 days late)
--   lineage   (0.2.0) an external source (the ERP) declared with mesh.add_source
--
-- Run it in a server that preloads meshpg (shared_preload_libraries): the
-- masking and row policies are applied to reads by meshpg's planner hook.
--
-- Re-running: the six products, the two masking policies, the four domains and
-- the three *_raw schemas are dropped first (DROP SCHEMA ... CASCADE), so do not
-- keep your own objects in them.  A domain that still holds products of your own is not dropped and
-- the script stops there.
--
-- Only plain SQL and \echo are used, so the file also works as a reference for
-- the meshpg API: mesh.create_domain, mesh.create_data_product,
-- mesh.alter_data_product, mesh.set_status, mesh.set_internal_consumer_role,
-- mesh.create_masking_policy, mesh.bind_masking_policy,
-- mesh.set_consumer_attribute, mesh.create_row_policy and mesh.add_source.

SET client_min_messages = warning;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'meshpg') THEN
        RAISE EXCEPTION 'meshpg is not installed in database "%"', current_database()
            USING HINT = 'Run CREATE EXTENSION meshpg; as a superuser first.';
    END IF;
END
$$;

\echo '==> sample mesh: roles'

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['marketing_team', 'finance_team', 'product_team', 'analyst', 'mesh_readers'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;

COMMENT ON ROLE marketing_team IS 'meshpg sample: owner of the marketing domain';
COMMENT ON ROLE finance_team IS 'meshpg sample: owner of the finance domains';
COMMENT ON ROLE product_team IS 'meshpg sample: owner of the product domain';
COMMENT ON ROLE analyst IS 'meshpg sample: a data consumer (BI / analytics)';
COMMENT ON ROLE mesh_readers IS 'meshpg sample: the internal consumer role (reads every internal product)';

\echo '==> sample mesh: removing an earlier run (if any)'
-- Products go the regular way out of the mesh: active -> deprecated ->
-- retired, then mesh.drop_data_product (which refuses active products).
DO $$
DECLARE
    -- dependent products first: overdue_invoices reads finance.invoice_payments
    products constant text[] := ARRAY['finance_receivables.overdue_invoices',
        'marketing.campaign_performance', 'marketing.campaigns', 'finance.invoice_payments',
        'finance.customers', 'product.feature_adoption'];
    p text;
    st text;
    d text;
BEGIN
    FOR p, st IN SELECT mp.product, mp.status FROM mesh.products mp
                  WHERE mp.product = ANY (products)
                  ORDER BY array_position(products, mp.product::text) LOOP
        IF st = 'active' THEN
            PERFORM mesh.set_status(p, 'deprecated');
            st := 'deprecated';
        END IF;
        IF st = 'deprecated' THEN
            PERFORM mesh.set_status(p, 'retired');
        END IF;
        PERFORM mesh.drop_data_product(p);
    END LOOP;
    -- the governance rules of the sample (their bindings go with them)
    FOREACH p IN ARRAY ARRAY['email_domain_only', 'initials_only'] LOOP
        IF EXISTS (SELECT 1 FROM mesh.masking_policies mp WHERE mp.name = p) THEN
            PERFORM mesh.drop_masking_policy(p);
        END IF;
    END LOOP;
    -- nested domain before its parent
    FOREACH d IN ARRAY ARRAY['finance_receivables', 'marketing', 'finance', 'product'] LOOP
        BEGIN
            PERFORM mesh.drop_domain(d);
        EXCEPTION
            WHEN invalid_schema_name THEN NULL;  -- not there
        END;
    END LOOP;
END
$$;

DROP SCHEMA IF EXISTS marketing_raw, finance_raw, product_raw CASCADE;

-- Every random() below depends on this seed: the same data on every run
-- (apart from the dates, which are relative to current_date).
DO $$ BEGIN PERFORM setseed(0.42); END $$;

-------------------------------------------------------------------------------
-- Source data: marketing
-------------------------------------------------------------------------------
\echo '==> source data: marketing_raw (campaigns, daily ad stats)'

CREATE SCHEMA marketing_raw AUTHORIZATION marketing_team;
COMMENT ON SCHEMA marketing_raw IS 'Ad platform exports of the marketing team (source data, not a data product)';
SET ROLE marketing_team;

CREATE TABLE marketing_raw.channels (
    channel      text PRIMARY KEY,
    display_name text NOT NULL,
    platform     text NOT NULL
);

INSERT INTO marketing_raw.channels VALUES
    ('search',    'Paid search',     'Google Ads'),
    ('social',    'Paid social',     'Meta Ads'),
    ('display',   'Display network', 'Google Display & Video 360'),
    ('video',     'Online video',    'YouTube Ads'),
    ('affiliate', 'Affiliates',      'Awin');

CREATE TABLE marketing_raw.campaigns (
    campaign_id   integer PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    objective     text NOT NULL CHECK (objective IN ('awareness', 'consideration', 'conversion')),
    region        text NOT NULL,
    start_date    date NOT NULL,
    end_date      date NOT NULL,
    budget        numeric(12,2),
    manager_email text NOT NULL,
    CHECK (end_date >= start_date)
);

-- 40 campaigns: 10 themes x 4 regions, started in the last 8 months.
INSERT INTO marketing_raw.campaigns (campaign_id, name, objective, region, start_date, end_date, manager_email)
SELECT i + 1,
       theme || ' ' || region,
       CASE WHEN theme IN ('Brand Lift', 'Webinar Series', 'Spring Launch') THEN 'awareness'
            WHEN theme IN ('Retargeting', 'Black Friday', 'Free Trial', 'Summer Sale') THEN 'conversion'
            ELSE 'consideration' END,
       region,
       s,
       s + (60 + floor(random() * 150))::int,
       (ARRAY['jana.schmidt', 'tom.becker', 'lea.martin', 'sam.okafor', 'mia.rossi'])[1 + i % 5]
           || '@example.com'
FROM (
    SELECT i,
           (ARRAY['Brand Lift', 'Spring Launch', 'Summer Sale', 'Back to School', 'Black Friday',
                  'Holiday Push', 'Free Trial', 'Webinar Series', 'Retargeting', 'Partner Promo'])[1 + i % 10] AS theme,
           (ARRAY['DACH', 'France', 'UK', 'North America'])[1 + i / 10] AS region,
           current_date - 240 + floor(random() * 150)::int AS s
    FROM generate_series(0, 39) AS i
) c;

CREATE TABLE marketing_raw.campaign_channels (
    campaign_id  integer NOT NULL REFERENCES marketing_raw.campaigns,
    channel      text NOT NULL REFERENCES marketing_raw.channels,
    daily_budget numeric(12,2) NOT NULL CHECK (daily_budget > 0),
    PRIMARY KEY (campaign_id, channel)
);

-- Every campaign runs on paid search and on most other channels.
INSERT INTO marketing_raw.campaign_channels
WITH candidates AS MATERIALIZED (
    SELECT c.campaign_id, ch.channel, random() AS r, round((80 + random() * 520)::numeric, -1) AS daily_budget
    FROM marketing_raw.campaigns c
    CROSS JOIN marketing_raw.channels ch
    ORDER BY 1, 2
)
SELECT campaign_id, channel, daily_budget
FROM candidates
WHERE channel = 'search' OR r < 0.85;

UPDATE marketing_raw.campaigns c
SET budget = round(b.daily * (c.end_date - c.start_date + 1), -3)
FROM (SELECT campaign_id, sum(daily_budget) AS daily
      FROM marketing_raw.campaign_channels GROUP BY campaign_id) b
WHERE b.campaign_id = c.campaign_id;

ALTER TABLE marketing_raw.campaigns ALTER COLUMN budget SET NOT NULL;

CREATE TABLE marketing_raw.ad_daily_stats (
    campaign_id integer NOT NULL,
    channel     text NOT NULL,
    day         date NOT NULL,
    spend       numeric(12,2) NOT NULL CHECK (spend >= 0),
    impressions bigint NOT NULL CHECK (impressions >= 0),
    clicks      integer NOT NULL CHECK (clicks >= 0),
    conversions integer NOT NULL CHECK (conversions >= 0),
    PRIMARY KEY (campaign_id, channel, day),
    FOREIGN KEY (campaign_id, channel) REFERENCES marketing_raw.campaign_channels
);

-- One row per campaign, channel and day the campaign ran (up to yesterday).
-- Cost per mille, click-through and conversion rates differ per channel.
INSERT INTO marketing_raw.ad_daily_stats
WITH rates (channel, cpm, ctr, cvr) AS (
    VALUES ('search', 9.0, 0.045, 0.060), ('social', 6.5, 0.012, 0.025),
           ('display', 2.5, 0.004, 0.010), ('video', 11.0, 0.008, 0.012),
           ('affiliate', 4.0, 0.010, 0.040)
), days AS MATERIALIZED (
    SELECT cc.campaign_id, cc.channel, d::date AS day,
           round(cc.daily_budget * (0.7 + 0.6 * random()::numeric)
                 * CASE WHEN extract(isodow FROM d) >= 6 THEN 0.7 ELSE 1 END, 2) AS spend,
           r.cpm * (0.8 + 0.4 * random()::numeric) AS cpm,
           r.ctr * (0.7 + 0.6 * random()::numeric) AS ctr,
           r.cvr * (0.5 + 1.0 * random()::numeric) AS cvr
    FROM marketing_raw.campaign_channels cc
    JOIN marketing_raw.campaigns c USING (campaign_id)
    JOIN rates r USING (channel)
    CROSS JOIN generate_series(c.start_date, least(c.end_date, current_date - 1), interval '1 day') AS d
    ORDER BY 1, 2, 3
)
SELECT campaign_id, channel, day, spend,
       round(spend * 1000 / cpm)::bigint,
       round(round(spend * 1000 / cpm) * ctr)::int,
       round(round(round(spend * 1000 / cpm) * ctr) * cvr)::int
FROM days;

-- The team owns its raw tables anyway; the explicit grant documents who reads them.
GRANT SELECT ON ALL TABLES IN SCHEMA marketing_raw TO marketing_team;

RESET ROLE;

-------------------------------------------------------------------------------
-- Source data: finance
-------------------------------------------------------------------------------
\echo '==> source data: finance_raw (customers, invoices, payments)'

CREATE SCHEMA finance_raw AUTHORIZATION finance_team;
COMMENT ON SCHEMA finance_raw IS 'ERP extracts of the finance team (source data, not a data product)';
SET ROLE finance_team;

CREATE TABLE finance_raw.customers (
    customer_id        integer PRIMARY KEY,
    company_name       text NOT NULL,
    billing_email      text NOT NULL,
    country            char(2) NOT NULL,
    currency           char(3) NOT NULL,
    payment_terms_days integer NOT NULL CHECK (payment_terms_days IN (14, 30, 45, 60)),
    credit_rating      char(1) NOT NULL CHECK (credit_rating IN ('A', 'B', 'C', 'D')),
    created_on         date NOT NULL
);

INSERT INTO finance_raw.customers
SELECT id,
       name || ' ' || CASE country WHEN 'DE' THEN 'GmbH' WHEN 'AT' THEN 'GmbH' WHEN 'CH' THEN 'AG'
                                   WHEN 'FR' THEN 'SAS' WHEN 'NL' THEN 'B.V.' WHEN 'GB' THEN 'Ltd'
                                   ELSE 'Inc.' END,
       'billing+' || id || '@' || lower(replace(name, ' ', '-')) || '.example',
       country,
       CASE country WHEN 'CH' THEN 'CHF' WHEN 'GB' THEN 'GBP' WHEN 'US' THEN 'USD' ELSE 'EUR' END,
       (ARRAY[14, 30, 30, 30, 45, 60])[1 + floor(random() * 6)::int],
       (ARRAY['A', 'A', 'A', 'B', 'B', 'B', 'B', 'C', 'C', 'D'])[1 + floor(random() * 10)::int],
       current_date - (30 + floor(random() * 1000))::int
FROM (
    SELECT id,
           (ARRAY['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay',
                  'Soylent', 'Cyberdyne', 'Tyrell', 'Wonka', 'Oceanic', 'Aperture', 'Nakatomi',
                  'Pied Piper', 'Dunder', 'Gekko', 'Monarch', 'Oscorp'])[1 + floor(random() * 20)::int]
           || ' ' ||
           (ARRAY['Logistics', 'Foods', 'Analytics', 'Retail', 'Systems', 'Health', 'Energy',
                  'Media', 'Labs', 'Capital'])[1 + floor(random() * 10)::int] AS name,
           (ARRAY['DE', 'DE', 'DE', 'FR', 'NL', 'AT', 'CH', 'GB', 'GB', 'US', 'US', 'US'])[1 + floor(random() * 12)::int] AS country
    FROM generate_series(1, 2400) AS id
) c;

CREATE TABLE finance_raw.invoices (
    invoice_id     bigint PRIMARY KEY,
    invoice_number text NOT NULL UNIQUE,
    customer_id    integer NOT NULL REFERENCES finance_raw.customers,
    issued_on      date NOT NULL,
    due_on         date NOT NULL,
    currency       char(3) NOT NULL,
    amount         numeric(12,2) NOT NULL CHECK (amount > 0),
    CHECK (due_on >= issued_on)
);

-- A monthly invoice per customer on the 1st, for the last 12 months (the
-- current month included), from the month after the customer signed up.
INSERT INTO finance_raw.invoices
SELECT row_number() OVER (ORDER BY m, c.customer_id),
       'INV-' || to_char(m, 'YYYYMM') || '-' || lpad(c.customer_id::text, 5, '0'),
       c.customer_id,
       m::date,
       m::date + c.payment_terms_days,
       c.currency,
       -- every customer has its own typical monthly amount (150 to 3000)
       round((exp(5 + 3 * ((c.customer_id * 7919) % 1000) / 1000.0) * (0.85 + 0.3 * random()))::numeric, 2)
FROM finance_raw.customers c
CROSS JOIN generate_series(date_trunc('month', current_date) - interval '11 months',
                           date_trunc('month', current_date), interval '1 month') AS m
WHERE m > c.created_on
ORDER BY m, c.customer_id;

CREATE TABLE finance_raw.payments (
    payment_id bigint PRIMARY KEY,
    invoice_id bigint NOT NULL REFERENCES finance_raw.invoices,
    paid_on    date NOT NULL,
    amount     numeric(12,2) NOT NULL CHECK (amount > 0),
    method     text NOT NULL CHECK (method IN ('sepa_transfer', 'direct_debit', 'card', 'wire')),
    reference  text NOT NULL
);

-- Customers with a worse credit rating pay later; a few never pay, and about
-- 8% of invoices are settled in two instalments.  Payments dated today or
-- later have not happened yet.
INSERT INTO finance_raw.payments
WITH plan AS MATERIALIZED (
    SELECT i.invoice_id, i.issued_on, i.due_on, i.amount, c.credit_rating,
           random() AS r_never, random() AS r_delay, random() AS r_split,
           random() AS r_share, random() AS r_method
    FROM finance_raw.invoices i
    JOIN finance_raw.customers c USING (customer_id)
    ORDER BY i.invoice_id
), settle AS (
    SELECT invoice_id, issued_on, amount, r_split < 0.08 AS split,
           round(amount * (0.3 + 0.4 * r_share::numeric), 2) AS first_part, r_method,
           due_on + (CASE credit_rating
                         WHEN 'A' THEN -8 + floor(r_delay * 9)
                         WHEN 'B' THEN -6 + floor(power(r_delay, 3) * 30)
                         WHEN 'C' THEN -3 + floor(power(r_delay, 2) * 50)
                         ELSE floor(power(r_delay, 2) * 110)
                     END)::int AS settled_on
    FROM plan
    WHERE r_never >= CASE credit_rating WHEN 'A' THEN 0 WHEN 'B' THEN 0.005
                                        WHEN 'C' THEN 0.03 ELSE 0.12 END
), parts AS (
    SELECT invoice_id, 1 AS part,
           CASE WHEN split THEN greatest(issued_on, settled_on - 21) ELSE settled_on END AS paid_on,
           CASE WHEN split THEN first_part ELSE amount END AS amount, r_method
    FROM settle
    UNION ALL
    SELECT invoice_id, 2, settled_on, amount - first_part, r_method
    FROM settle
    WHERE split
)
SELECT row_number() OVER (ORDER BY paid_on, invoice_id, part),
       invoice_id, paid_on, amount,
       (ARRAY['sepa_transfer', 'sepa_transfer', 'direct_debit', 'card', 'wire'])[1 + floor(r_method * 5)::int],
       'RF' || lpad(invoice_id::text, 8, '0') || '-' || part
FROM parts
WHERE paid_on < current_date
ORDER BY 1;

-- The team owns its raw tables anyway; the explicit grant documents who reads them.
GRANT SELECT ON ALL TABLES IN SCHEMA finance_raw TO finance_team;

RESET ROLE;

-------------------------------------------------------------------------------
-- Source data: product
-------------------------------------------------------------------------------
\echo '==> source data: product_raw (features, accounts, daily feature usage)'

CREATE SCHEMA product_raw AUTHORIZATION product_team;
COMMENT ON SCHEMA product_raw IS 'Product telemetry of the product team (source data, not a data product)';
SET ROLE product_team;

CREATE TABLE product_raw.features (
    feature_key text PRIMARY KEY,
    name        text NOT NULL,
    released_on date NOT NULL,
    min_plan    text NOT NULL CHECK (min_plan IN ('free', 'team', 'business', 'enterprise'))
);

-- The AI assistant was released five weeks into the 13-week window, so its
-- adoption can be watched growing week by week.
INSERT INTO product_raw.features VALUES
    ('dashboards',        'Dashboards',          date '2019-03-01', 'free'),
    ('alerts',            'Alerts',              date '2019-09-15', 'free'),
    ('csv_export',        'CSV export',          date '2019-03-01', 'free'),
    ('scheduled_reports', 'Scheduled reports',   date '2020-06-01', 'team'),
    ('slack_integration', 'Slack integration',   date '2021-02-10', 'team'),
    ('public_api',        'Public API',          date '2020-11-01', 'team'),
    ('mobile_app',        'Mobile app',          date '2022-04-20', 'free'),
    ('sso',               'Single sign-on',      date '2021-08-01', 'business'),
    ('audit_log',         'Audit log',           date '2022-10-01', 'enterprise'),
    ('ai_assistant',      'AI assistant',        date_trunc('week', current_date)::date - 91 + 35, 'team');

CREATE TABLE product_raw.accounts (
    account_id   integer PRIMARY KEY,
    customer_id  integer NOT NULL,  -- billing customer, finance_raw.customers(customer_id)
    plan         text NOT NULL CHECK (plan IN ('free', 'team', 'business', 'enterprise')),
    seats        integer NOT NULL CHECK (seats > 0),
    signed_up_on date NOT NULL
);

INSERT INTO product_raw.accounts
SELECT id,
       (id * 37) % 2400 + 1,
       plan,
       CASE plan WHEN 'free' THEN 1 + floor(random() * 3) WHEN 'team' THEN 3 + floor(random() * 15)
                 WHEN 'business' THEN 10 + floor(random() * 60) ELSE 50 + floor(random() * 400) END,
       date_trunc('week', current_date)::date - 91 - 400 + floor(random() * 470)::int
FROM (
    SELECT id, (ARRAY['free', 'free', 'free', 'team', 'team', 'team', 'team',
                      'business', 'business', 'enterprise'])[1 + floor(random() * 10)::int] AS plan
    FROM generate_series(1, 680) AS id
) a;

CREATE TABLE product_raw.feature_usage (
    account_id   integer NOT NULL REFERENCES product_raw.accounts,
    feature_key  text NOT NULL REFERENCES product_raw.features,
    day          date NOT NULL,
    events       integer NOT NULL CHECK (events > 0),
    active_users integer NOT NULL CHECK (active_users > 0),
    PRIMARY KEY (account_id, feature_key, day)
);

-- 13 full weeks (Monday to Sunday) ending last Sunday.  Each account adopts
-- a feature with the feature's popularity (only features of its plan), some
-- time after it became available, and then uses it on a share of the days.
INSERT INTO product_raw.feature_usage
WITH popularity (feature_key, p) AS (
    VALUES ('dashboards', 0.95), ('alerts', 0.70), ('csv_export', 0.60), ('scheduled_reports', 0.45),
           ('slack_integration', 0.50), ('public_api', 0.35), ('mobile_app', 0.30), ('sso', 0.80),
           ('audit_log', 0.60), ('ai_assistant', 0.65)
), pairs AS MATERIALIZED (
    SELECT a.account_id, f.feature_key, a.seats,
           greatest(a.signed_up_on, f.released_on) + floor(power(random(), 2) * 60)::int AS adopted_on,
           random() < p.p AS adopts,
           0.25 + 0.6 * random() AS activity
    FROM product_raw.accounts a
    CROSS JOIN product_raw.features f
    JOIN popularity p USING (feature_key)
    WHERE array_position(ARRAY['free', 'team', 'business', 'enterprise'], a.plan)
          >= array_position(ARRAY['free', 'team', 'business', 'enterprise'], f.min_plan)
    ORDER BY 1, 2
), window_days AS (
    SELECT d::date AS day
    FROM generate_series(date_trunc('week', current_date) - interval '91 days',
                         date_trunc('week', current_date) - interval '1 day', interval '1 day') AS d
), usage AS MATERIALIZED (
    SELECT p.account_id, p.feature_key, w.day, p.seats
    FROM pairs p
    JOIN window_days w ON w.day >= p.adopted_on
    WHERE p.adopts
      AND random() < p.activity * CASE WHEN extract(isodow FROM w.day) >= 6 THEN 0.35 ELSE 1 END
    ORDER BY 1, 2, 3
)
SELECT account_id, feature_key, day,
       1 + floor(random() * seats * 6)::int,
       1 + floor(random() * seats * 0.8)::int
FROM usage;

-- The team owns its raw tables anyway; the explicit grant documents who reads them.
GRANT SELECT ON ALL TABLES IN SCHEMA product_raw TO product_team;

RESET ROLE;

-------------------------------------------------------------------------------
-- Domains
-------------------------------------------------------------------------------
\echo '==> domains: marketing, finance (+ finance_receivables), product'

SELECT mesh.create_domain('marketing', 'marketing_team',
    'Campaigns, channels and paid media performance. Owned by the marketing team.');
SELECT mesh.create_domain('finance', 'finance_team',
    'Customers, invoicing and payments. Owned by the finance team.');
SELECT mesh.create_domain('finance_receivables', 'finance_team',
    'Accounts receivable: collections, dunning and aging of unpaid invoices.',
    parent => 'finance');
SELECT mesh.create_domain('product', 'product_team',
    'How customers use the product: features, accounts, engagement. Owned by the product team.');

-------------------------------------------------------------------------------
-- Data products
-------------------------------------------------------------------------------
\echo '==> data product: marketing.campaign_performance'

SELECT mesh.create_data_product('marketing.campaign_performance',
$sql$SELECT c.campaign_id,
       c.name AS campaign_name,
       c.objective,
       c.region,
       s.day,
       count(*)::int AS channels,
       sum(s.spend)::numeric(12,2) AS spend,
       sum(s.impressions)::bigint AS impressions,
       sum(s.clicks)::bigint AS clicks,
       sum(s.conversions)::bigint AS conversions,
       round(sum(s.clicks)::numeric / nullif(sum(s.impressions), 0), 4) AS ctr,
       round(sum(s.spend) / nullif(sum(s.conversions), 0), 2) AS cpa
FROM marketing_raw.ad_daily_stats s
JOIN marketing_raw.campaigns c USING (campaign_id)
GROUP BY c.campaign_id, c.name, c.objective, c.region, s.day$sql$,
$json$
{
  "purpose": "Daily paid media performance per campaign: spend, impressions, clicks, conversions, click-through rate (CTR) and cost per acquisition (CPA), summed over all channels.",
  "owner": "marketing_team",
  "version": "1.2.0",
  "access_level": "internal",
  "description": "One row per campaign and day the campaign ran. Spend is in EUR and converted by the ad platforms at the day's rate. Days without conversions have a NULL cpa.",
  "tags": ["marketing", "advertising", "campaigns", "kpi", "daily"],
  "support": [
    {"channel": "#marketing-data", "url": "https://chat.example.com/channels/marketing-data",
     "description": "Questions about campaign metrics; answered on business days"},
    {"channel": "email", "email": "marketing-data@example.com",
     "description": "Data incidents and access requests"}
  ],
  "sla": {
    "freshness": "1 day",
    "delivery_window": {"start": "06:00", "end": "07:30", "timezone": "Europe/Berlin",
                        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    "backfill": {"max_lookback": "90 days", "notice": "2 days",
                 "description": "Late conversions reported by the ad platforms are backfilled nightly for 90 days; larger backfills are announced in #marketing-data."}
  },
  "sources": [
    {"name": "marketing_raw.ad_daily_stats", "kind": "table", "description": "Daily export of the ad platforms, one row per campaign, channel and day"},
    {"name": "marketing_raw.campaigns", "kind": "table", "description": "Campaign register maintained by the marketing team"},
    {"name": "Google Ads / Meta Ads reporting APIs", "kind": "api", "description": "Upstream of ad_daily_stats, pulled at 05:00 Europe/Berlin"}
  ],
  "examples": {
    "queries": [
      {"title": "Cheapest conversions in the last 30 days",
       "sql": "SELECT campaign_name, sum(spend) AS spend, sum(conversions) AS conversions, round(sum(spend) / nullif(sum(conversions), 0), 2) AS cpa FROM marketing.campaign_performance WHERE day >= current_date - 30 GROUP BY campaign_name ORDER BY cpa LIMIT 10"},
      {"title": "Daily spend of one campaign",
       "sql": "SELECT day, spend, clicks, ctr FROM marketing.campaign_performance WHERE campaign_name = 'Black Friday UK' ORDER BY day"}
    ],
    "records": [
      {"campaign_id": 5, "campaign_name": "Black Friday DACH", "objective": "conversion", "region": "DACH",
       "day": "2024-11-29", "channels": 4, "spend": 1843.27, "impressions": 402118, "clicks": 6571,
       "conversions": 198, "ctr": 0.0163, "cpa": 9.31}
    ]
  },
  "columns": {
    "campaign_id":   {"description": "Campaign identifier", "primary_key": true, "references": "marketing_raw.campaigns(campaign_id)"},
    "campaign_name": {"description": "Campaign name: theme and region"},
    "objective":     {"description": "awareness, consideration or conversion"},
    "region":        {"description": "Target region of the campaign"},
    "day":           {"description": "Calendar day (Europe/Berlin) the metrics belong to", "primary_key": true},
    "channels":      {"description": "Number of channels the campaign ran on that day"},
    "spend":         {"description": "Media spend in EUR", "classification": "financial"},
    "impressions":   {"description": "Ad impressions served"},
    "clicks":        {"description": "Clicks on the ads"},
    "conversions":   {"description": "Sign-ups attributed to the campaign (last click, 28 days)"},
    "ctr":           {"description": "Click-through rate: clicks / impressions"},
    "cpa":           {"description": "Cost per acquisition in EUR: spend / conversions; NULL without conversions", "classification": "financial"}
  },
  "lifecycle_notes": "1.2.0 added the region column; 1.1.0 added cpa."
}
$json$);

\echo '==> data product: marketing.campaigns (built from a table)'

SELECT mesh.create_data_product('marketing.campaigns', 'marketing_raw.campaigns',
$json$
{
  "purpose": "The register of all paid marketing campaigns: theme, objective, region, flight dates, budget and the responsible campaign manager.",
  "owner": "marketing_team",
  "version": "1.0.0",
  "access_level": "internal",
  "tags": ["marketing", "campaigns", "reference-data"],
  "support": [{"channel": "#marketing-data", "url": "https://chat.example.com/channels/marketing-data"}],
  "sla": {
    "freshness": "1 hour",
    "delivery_window": {"start": "00:00", "end": "23:59", "timezone": "Europe/Berlin",
                        "days": ["mon", "tue", "wed", "thu", "fri"]},
    "backfill": {"max_lookback": "365 days", "notice": "1 day", "description": "Reference data: corrections to past campaigns are made in place and announced a day ahead."}
  },
  "sources": [{"name": "marketing_raw.campaigns", "kind": "table", "description": "Maintained by hand in the campaign planning tool"}],
  "examples": {
    "queries": [{"title": "Campaigns running today", "sql": "SELECT name, region, budget FROM marketing.campaigns WHERE current_date BETWEEN start_date AND end_date ORDER BY budget DESC"}],
    "records": [{"campaign_id": 1, "name": "Brand Lift DACH", "objective": "awareness", "region": "DACH",
                 "start_date": "2024-06-03", "end_date": "2024-09-30", "budget": 87000.00,
                 "manager_email": "jana.schmidt@example.com"}]
  },
  "columns": {
    "campaign_id":   {"description": "Campaign identifier", "primary_key": true},
    "name":          {"description": "Unique campaign name"},
    "objective":     {"description": "awareness, consideration or conversion"},
    "region":        {"description": "Target region"},
    "start_date":    {"description": "First day of the flight"},
    "end_date":      {"description": "Last planned day of the flight"},
    "budget":        {"description": "Planned total budget in EUR", "classification": "financial"},
    "manager_email": {"description": "Work email of the campaign manager", "classification": "pii.email"}
  }
}
$json$);

\echo '==> data product: finance.invoice_payments'

SELECT mesh.create_data_product('finance.invoice_payments',
$sql$SELECT i.invoice_id,
       i.invoice_number,
       i.customer_id,
       c.company_name AS customer_name,
       i.currency,
       i.issued_on,
       i.due_on,
       i.amount,
       coalesce(p.paid_amount, 0)::numeric(12,2) AS paid_amount,
       (i.amount - coalesce(p.paid_amount, 0))::numeric(12,2) AS outstanding_amount,
       coalesce(p.payment_count, 0)::int AS payment_count,
       p.last_paid_on,
       CASE WHEN coalesce(p.paid_amount, 0) >= i.amount
            THEN greatest(p.last_paid_on - i.due_on, 0)
            ELSE greatest(current_date - i.due_on, 0) END AS days_late,
       CASE WHEN coalesce(p.paid_amount, 0) >= i.amount
            THEN CASE WHEN p.last_paid_on > i.due_on THEN 'paid_late' ELSE 'paid' END
            WHEN coalesce(p.paid_amount, 0) > 0 THEN 'partially_paid'
            WHEN current_date <= i.due_on THEN 'open'
            ELSE 'overdue' END AS status
FROM finance_raw.invoices i
JOIN finance_raw.customers c ON c.customer_id = i.customer_id
LEFT JOIN (SELECT invoice_id, sum(amount) AS paid_amount, count(*) AS payment_count,
                  max(paid_on) AS last_paid_on
           FROM finance_raw.payments
           GROUP BY invoice_id) p ON p.invoice_id = i.invoice_id$sql$,
$json$
{
  "purpose": "Every customer invoice with what has been paid so far: invoiced and paid amount, outstanding balance, days late and a payment status (paid, paid_late, partially_paid, open, overdue). The basis for cash flow reporting and for chasing late payments.",
  "owner": "finance_team",
  "version": "2.0.0",
  "access_level": "restricted",
  "description": "One row per invoice of the last 12 months. Amounts are in the invoice currency (see currency); they are not converted. days_late counts until the final payment, or until today for invoices not fully paid.",
  "tags": ["finance", "invoices", "payments", "receivables", "cash-flow"],
  "support": [
    {"channel": "#finance-data", "url": "https://chat.example.com/channels/finance-data",
     "description": "Questions and access requests (access needs approval of the finance controller)"},
    {"channel": "email", "email": "finance-data@example.com", "description": "Data incidents"}
  ],
  "sla": {
    "freshness": "4 hours",
    "delivery_window": {"start": "05:00", "end": "06:00", "timezone": "Europe/Berlin",
                        "days": ["mon", "tue", "wed", "thu", "fri"]},
    "backfill": {"max_lookback": "365 days", "notice": "5 days",
                 "description": "Corrections after a month end close are backfilled for the whole fiscal year, announced five days ahead."}
  },
  "sources": [
    {"name": "finance_raw.invoices", "kind": "table", "description": "Invoice headers from the ERP"},
    {"name": "finance_raw.payments", "kind": "table", "description": "Incoming payments matched to invoices by the bank reconciliation"},
    {"name": "finance_raw.customers", "kind": "table", "description": "Billing customers"},
    {"name": "Bank statements (camt.053)", "kind": "file", "description": "Daily statement files behind the payment matching"}
  ],
  "examples": {
    "queries": [
      {"title": "Outstanding balance by currency and status",
       "sql": "SELECT currency, status, count(*) AS invoices, sum(outstanding_amount) AS outstanding FROM finance.invoice_payments WHERE outstanding_amount > 0 GROUP BY currency, status ORDER BY currency, status"},
      {"title": "Customers that paid late most often",
       "sql": "SELECT customer_name, count(*) FILTER (WHERE days_late > 0) AS late_invoices, round(avg(days_late), 1) AS avg_days_late FROM finance.invoice_payments GROUP BY customer_name ORDER BY late_invoices DESC LIMIT 10"}
    ],
    "records": [
      {"invoice_id": 12001, "invoice_number": "INV-202405-00017", "customer_id": 17,
       "customer_name": "Globex Analytics GmbH", "currency": "EUR", "issued_on": "2024-05-01",
       "due_on": "2024-05-31", "amount": 1250.00, "paid_amount": 1250.00, "outstanding_amount": 0.00,
       "payment_count": 1, "last_paid_on": "2024-06-12", "days_late": 12, "status": "paid_late"},
      {"invoice_id": 12002, "invoice_number": "INV-202405-00018", "customer_id": 18,
       "customer_name": "Hooli Labs Inc.", "currency": "USD", "issued_on": "2024-05-01",
       "due_on": "2024-05-15", "amount": 310.40, "paid_amount": 0.00, "outstanding_amount": 310.40,
       "payment_count": 0, "last_paid_on": null, "days_late": 41, "status": "overdue"}
    ]
  },
  "columns": {
    "invoice_id":         {"description": "Invoice identifier", "primary_key": true, "references": "finance_raw.invoices(invoice_id)"},
    "invoice_number":     {"description": "Invoice number as printed on the invoice"},
    "customer_id":        {"description": "Billing customer", "references": "finance_raw.customers(customer_id)"},
    "customer_name":      {"description": "Legal name of the customer", "classification": "confidential"},
    "currency":           {"description": "ISO 4217 currency of all amounts of the invoice"},
    "issued_on":          {"description": "Invoice date"},
    "due_on":             {"description": "Payment due date (invoice date + payment terms)"},
    "amount":             {"description": "Invoiced amount incl. tax", "classification": "financial"},
    "paid_amount":        {"description": "Sum of the payments received", "classification": "financial"},
    "outstanding_amount": {"description": "amount - paid_amount", "classification": "financial"},
    "payment_count":      {"description": "Number of payments received"},
    "last_paid_on":       {"description": "Date of the latest payment; NULL if none"},
    "days_late":          {"description": "Days after due_on of the final payment, or until today if not fully paid; 0 if on time"},
    "status":             {"description": "paid | paid_late | partially_paid | open (not yet due) | overdue"}
  },
  "quality": {
    "checks": ["invoice_id is unique", "paid_amount <= amount", "status is never NULL"],
    "reconciled_with": "general ledger account 1200 (trade receivables), monthly"
  }
}
$json$);

\echo '==> data product: finance.customers (built from a table)'

SELECT mesh.create_data_product('finance.customers', 'finance_raw.customers',
$json$
{
  "purpose": "Billing customers with country, currency, payment terms and credit rating. Contains billing email addresses (personal data).",
  "owner": "finance_team",
  "version": "1.0.0",
  "access_level": "confidential",
  "description": "Access only for finance and billing processes; use customer_id to join other products instead of copying names or emails.",
  "tags": ["finance", "customers", "master-data", "pii"],
  "support": [{"channel": "#finance-data", "url": "https://chat.example.com/channels/finance-data",
               "email": "finance-data@example.com", "description": "Access requests need a documented purpose (GDPR art. 6)"}],
  "sla": {
    "freshness": "1 day",
    "delivery_window": {"start": "05:00", "end": "06:00", "timezone": "Europe/Berlin",
                        "days": ["mon", "tue", "wed", "thu", "fri"]},
    "backfill": {"max_lookback": "30 days", "notice": "1 day", "description": "Master data: always the current state; corrections from the CRM sync are replayed for 30 days."}
  },
  "sources": [{"name": "finance_raw.customers", "kind": "table", "description": "Customer master from the ERP"},
              {"name": "CRM account sync", "kind": "application", "description": "Company names and emails are maintained in the CRM"}],
  "examples": {
    "queries": [{"title": "Customers per country and credit rating",
                 "sql": "SELECT country, credit_rating, count(*) FROM finance.customers GROUP BY 1, 2 ORDER BY 1, 2"}],
    "records": [{"customer_id": 17, "company_name": "Globex Analytics GmbH",
                 "billing_email": "billing+17@globex-analytics.example", "country": "DE", "currency": "EUR",
                 "payment_terms_days": 30, "credit_rating": "B", "created_on": "2022-02-14"}]
  },
  "columns": [
    {"name": "customer_id", "description": "Customer identifier", "primary_key": true},
    {"name": "company_name", "description": "Legal name of the customer", "classification": "confidential"},
    {"name": "billing_email", "description": "Address invoices are sent to", "classification": "pii.email"},
    {"name": "country", "description": "ISO 3166-1 alpha-2 country of the billing address"},
    {"name": "currency", "description": "ISO 4217 invoicing currency"},
    {"name": "payment_terms_days", "description": "Days between invoice date and due date"},
    {"name": "credit_rating", "description": "Internal credit rating A (best) to D", "classification": "financial"},
    {"name": "created_on", "description": "Date the customer was created in the ERP"}
  ]
}
$json$);

\echo '==> data product: finance_receivables.overdue_invoices (built on finance.invoice_payments)'

SELECT mesh.create_data_product('finance_receivables.overdue_invoices',
$sql$SELECT invoice_id,
       invoice_number,
       customer_id,
       customer_name,
       currency,
       due_on,
       outstanding_amount,
       days_late,
       CASE WHEN days_late <= 30 THEN '1-30'
            WHEN days_late <= 60 THEN '31-60'
            WHEN days_late <= 90 THEN '61-90'
            ELSE '90+' END AS aging_bucket
FROM finance.invoice_payments
WHERE outstanding_amount > 0 AND days_late > 0$sql$,
$json$
{
  "purpose": "Unpaid invoices past their due date with the outstanding amount and an aging bucket (1-30, 31-60, 61-90, 90+ days late), the worklist for collections and dunning.",
  "owner": "finance_team",
  "access_level": "restricted",
  "tags": ["finance", "receivables", "collections", "late-payments"],
  "support": [{"channel": "#ar-collections", "email": "receivables@example.com"}],
  "sla": {"freshness": "4 hours"},
  "sources": [{"name": "finance.invoice_payments", "kind": "table", "description": "The finance domain's invoice payments product"}],
  "columns": {
    "invoice_id":         {"description": "Invoice identifier", "primary_key": true},
    "customer_name":      {"description": "Legal name of the customer", "classification": "confidential"},
    "outstanding_amount": {"description": "Still to be paid, in the invoice currency", "classification": "financial"},
    "days_late":          {"description": "Days since the due date"},
    "aging_bucket":       {"description": "1-30 | 31-60 | 61-90 | 90+"}
  }
}
$json$);

\echo '==> data product: product.feature_adoption'

SELECT mesh.create_data_product('product.feature_adoption',
$sql$SELECT u.feature_key,
       f.name AS feature_name,
       u.week,
       u.active_accounts,
       a.accounts AS total_accounts,
       round(u.active_accounts::numeric / a.accounts, 4) AS adoption_rate,
       u.active_days,
       u.events
FROM (SELECT feature_key,
             date_trunc('week', day)::date AS week,
             count(DISTINCT account_id)::int AS active_accounts,
             count(*)::int AS active_days,
             sum(events)::bigint AS events
      FROM product_raw.feature_usage
      GROUP BY feature_key, date_trunc('week', day)::date) u
JOIN product_raw.features f ON f.feature_key = u.feature_key
CROSS JOIN LATERAL (SELECT count(*)::int AS accounts
                    FROM product_raw.accounts
                    WHERE signed_up_on < u.week + 7) a$sql$,
$json$
{
  "purpose": "Weekly feature adoption: for every feature and ISO week, how many accounts used it, out of how many accounts existed, the adoption rate, and the usage volume.",
  "owner": "product_team",
  "version": "1.0.0",
  "access_level": "internal",
  "description": "Weeks run Monday to Sunday; only complete weeks are included. An account counts as active in a week if it used the feature on at least one day.",
  "tags": ["product", "features", "adoption", "engagement", "weekly"],
  "support": [{"channel": "#product-analytics", "url": "https://chat.example.com/channels/product-analytics",
               "description": "Ask here about definitions of active and adoption"}],
  "sla": {
    "freshness": "7 days",
    "delivery_window": {"start": "03:00", "end": "06:00", "timezone": "UTC", "days": ["mon"]},
    "backfill": {"max_lookback": "91 days", "notice": "1 day",
                 "description": "Late telemetry is replayed for the last 13 weeks."}
  },
  "sources": [
    {"name": "product_raw.feature_usage", "kind": "table", "description": "Daily usage per account and feature"},
    {"name": "product_raw.accounts", "kind": "table", "description": "Customer accounts and plans"},
    {"name": "Telemetry pipeline (Kafka topic product.events)", "kind": "stream", "description": "Raw product events, aggregated daily into feature_usage"}
  ],
  "examples": {
    "queries": [
      {"title": "Adoption of the AI assistant week by week",
       "sql": "SELECT week, active_accounts, adoption_rate FROM product.feature_adoption WHERE feature_key = 'ai_assistant' ORDER BY week"},
      {"title": "Most adopted features last week",
       "sql": "SELECT feature_name, adoption_rate FROM product.feature_adoption WHERE week = (SELECT max(week) FROM product.feature_adoption) ORDER BY adoption_rate DESC"}
    ],
    "records": [
      {"feature_key": "ai_assistant", "feature_name": "AI assistant", "week": "2024-06-10",
       "active_accounts": 131, "total_accounts": 590, "adoption_rate": 0.2220, "active_days": 402, "events": 14210}
    ]
  },
  "columns": {
    "feature_key":     {"description": "Feature identifier", "primary_key": true, "references": "product_raw.features(feature_key)"},
    "feature_name":    {"description": "Feature name as shown in the product"},
    "week":            {"description": "Monday of the ISO week", "primary_key": true},
    "active_accounts": {"description": "Accounts that used the feature in the week"},
    "total_accounts":  {"description": "Accounts that existed at the end of the week"},
    "adoption_rate":   {"description": "active_accounts / total_accounts"},
    "active_days":     {"description": "Sum over accounts of the days they used the feature"},
    "events":          {"description": "Number of usage events"}
  }
}
$json$);

-- A descriptor is a living contract: alter_data_product applies a JSON merge
-- patch (RFC 7396) - here a new minor version with one more tag.
SELECT mesh.alter_data_product('product.feature_adoption', $json$
{
  "version": "1.1.0",
  "tags": ["product", "features", "adoption", "engagement", "weekly", "kpi"],
  "changelog": {"1.1.0": "added active_days", "1.0.0": "first release"}
}
$json$);

-------------------------------------------------------------------------------
-- Lifecycle and access
-------------------------------------------------------------------------------
\echo '==> lifecycle: publishing the products (draft -> active)'

-- overdue_invoices stays a draft: the receivables team is still validating it.
SELECT mesh.set_status('marketing.campaign_performance', 'active');
SELECT mesh.set_status('marketing.campaigns', 'active');
SELECT mesh.set_status('finance.invoice_payments', 'active');
SELECT mesh.set_status('finance.customers', 'active');
SELECT mesh.set_status('product.feature_adoption', 'active');

-------------------------------------------------------------------------------
-- Access (0.2.0): meshpg grants SELECT on the ports by access level
-------------------------------------------------------------------------------
\echo '==> access: internal products are read by the consumer role mesh_readers'

-- The DBA names the role whose members read every `internal` product.
-- `restricted` and `confidential` products are read only after an access
-- request is approved (demo/show.sql files one for analyst).
SELECT mesh.set_internal_consumer_role('mesh_readers');
GRANT mesh_readers TO analyst;

-------------------------------------------------------------------------------
-- Governance (0.2.0): masking policies, a row policy, consumer attributes
-------------------------------------------------------------------------------
\echo '==> governance: masking policies bound to classification tags'

-- The governance council (superusers or members of meshpg_governance) writes
-- each rule once; it applies to every read of every client.  Owners of the
-- data (the domain teams) still see raw values.
SELECT mesh.create_masking_policy('email_domain_only', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('email_domain_only', 'pii.email');
SELECT mesh.create_masking_policy('initials_only', 'mesh.mask_partial(value, 2, 0)');
SELECT mesh.bind_masking_policy('initials_only', 'confidential');

\echo '==> governance: analyst works for the DACH region (a consumer attribute)'

SELECT mesh.set_consumer_attribute('analyst', 'region', 'DACH');

-- The marketing team shows each consumer the campaigns of its own region.
SET ROLE marketing_team;
SELECT mesh.create_row_policy('marketing.campaign_performance', 'own_region',
                              'region = mesh.attribute(''region'')');
RESET ROLE;

-------------------------------------------------------------------------------
-- Data quality checks (0.2.0): declared in the descriptor, run on demand
-------------------------------------------------------------------------------
\echo '==> checks: declared in the descriptors of the finance products'

SET ROLE finance_team;
SELECT mesh.alter_data_product('finance.invoice_payments', $json$
{
  "checks": [
    {"name": "has_rows", "kind": "row_count", "operator": ">", "value": 0},
    {"name": "invoice_id_unique", "kind": "duplicate", "column": "invoice_id"},
    {"name": "known_status", "kind": "invalid", "column": "status",
     "accepted_values": ["paid", "paid_late", "partially_paid", "open", "overdue"]},
    {"name": "customer_name_filled", "kind": "missing", "column": "customer_name"}
  ]
}
$json$);

-- Collections promise: no invoice stays unpaid for more than 90 days.  The
-- sample data breaks that promise, so the check fails and opens an incident.
SELECT mesh.alter_data_product('finance_receivables.overdue_invoices', $json$
{
  "checks": [
    {"name": "has_rows", "kind": "row_count", "operator": ">", "value": 0},
    {"name": "aging_bucket_known", "kind": "invalid", "column": "aging_bucket",
     "accepted_values": ["1-30", "31-60", "61-90", "90+"]},
    {"name": "at_most_90_days_late", "kind": "metric", "column": "days_late",
     "metric": "max", "operator": "<=", "value": 90,
     "description": "Collections escalate every invoice before it is 90 days late"}
  ]
}
$json$);
RESET ROLE;

-------------------------------------------------------------------------------
-- Lineage (0.2.0): sources outside the database are declared
-------------------------------------------------------------------------------
\echo '==> lineage: the ERP behind the finance raw tables'

SET ROLE finance_team;
SELECT mesh.add_source('finance.invoice_payments', 'SAP S/4HANA (FI-AR)', 'application',
                       'Invoices and incoming payments, extracted nightly into finance_raw');
RESET ROLE;

\echo '==> sample mesh ready'
