-- Data products: ports from relations and queries, columns read from the
-- server, the products view, describe, alter, status and drop.
\set SHOW_CONTEXT never
CREATE ROLE regress_prod_owner NOLOGIN;
CREATE ROLE regress_prod_dev LOGIN IN ROLE regress_prod_owner;
CREATE ROLE regress_prod_team NOLOGIN;
GRANT regress_prod_team TO regress_prod_dev;
CREATE SCHEMA prod_raw AUTHORIZATION regress_prod_owner;
SET ROLE regress_prod_owner;
CREATE TABLE prod_raw.customers (
    customer_id bigint PRIMARY KEY,
    email       varchar(320) NOT NULL,
    country     char(2),
    signed_up   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE prod_raw.orders (
    order_id    bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES prod_raw.customers,
    amount      numeric(12,2) NOT NULL,
    status      text,
    tags        text[],
    placed_at   timestamp(3) with time zone NOT NULL
);
INSERT INTO prod_raw.customers VALUES (1, 'ann@example.com', 'DE', '2026-01-01'), (2, 'bob@example.com', NULL, '2026-02-01');
INSERT INTO prod_raw.orders VALUES (10, 1, 99.50, 'paid', '{web}', '2026-03-01 10:00'),
                                   (11, 1, 10.00, NULL, NULL, '2026-03-02 11:00'),
                                   (12, 2, 5.25, 'open', '{app}', '2026-03-03 12:00');
RESET ROLE;
SELECT mesh.create_domain('shop', 'regress_prod_owner', 'Online shop');

-- a product from a relation, created by a member of the domain owner
SET ROLE regress_prod_dev;
SELECT mesh.create_data_product('shop.orders', 'prod_raw.orders',
    '{"purpose": "Every order placed in the online shop.", "tags": ["sales", "orders"],
      "sla": {"freshness": "1 hour"}}') AS orders_id \gset
-- a product from a query, with a full descriptor
SELECT mesh.create_data_product('shop.customer_value', $q$
    SELECT c.customer_id, c.email, c.country, count(o.order_id) AS orders, sum(o.amount) AS revenue
      FROM prod_raw.customers c LEFT JOIN prod_raw.orders o USING (customer_id)
     GROUP BY c.customer_id, c.email, c.country
$q$, $d$ {
    "purpose": "Lifetime value of each customer.",
    "owner": "regress_prod_team",
    "version": "1.0.0",
    "access_level": "restricted",
    "description": "One row per customer, with orders and revenue to date.",
    "tags": ["customers", "finance"],
    "support": [{"channel": "#shop-data", "url": "https://chat.example.com/shop-data"},
                {"channel": "email", "email": "shop-data@example.com"}],
    "sla": {"freshness": "1 day",
            "delivery_window": {"start": "06:00", "end": "07:30", "timezone": "Europe/Berlin", "days": ["mon", "tue"]},
            "backfill": {"max_lookback": "90 days", "notice": "2 days", "description": "restated on request"}},
    "sources": [{"name": "shop.orders", "kind": "table", "description": "order events"},
                {"name": "crm", "kind": "application"}],
    "examples": {"queries": [{"title": "Top customers", "sql": "SELECT * FROM shop.customer_value ORDER BY revenue DESC LIMIT 10"}],
                 "records": [{"customer_id": 1, "revenue": 109.50}]},
    "columns": {"email": {"description": "Contact address", "classification": "pii.email"},
                "revenue": {"description": "Sum of order amounts", "classification": "financial", "unit": "EUR"}},
    "x_team_note": {"reviewed": true}
} $d$) AS value_id \gset
RESET ROLE;
SELECT :orders_id < :value_id AS ids_increase;

-- the ports: security_barrier views owned by the domain owner
SELECT c.oid::regclass AS port, c.relkind, pg_get_userbyid(c.relowner) AS owner, c.reloptions
  FROM pg_class c WHERE c.relnamespace = 'shop'::regnamespace ORDER BY 1;
SELECT * FROM shop.orders ORDER BY order_id;
SELECT * FROM shop.customer_value ORDER BY customer_id;

-- columns: types exactly as format_type gives them, nullability, keys and references from the source
SELECT p.name AS product, c.position, c.name, c.type, c.nullable, c.primary_key, c."references", c.classification
  FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
 ORDER BY p.name, c.position;

-- the products view
SELECT product, domain, name, version, status, owner, access_level, purpose, freshness, column_count, tags, port,
       created_by, updated_by
  FROM mesh.products ORDER BY product;
SELECT name, kind, description FROM mesh.data_product_sources ORDER BY name;

-- describe: the normalised descriptor with columns, defaults and unknown keys
SELECT jsonb_pretty(mesh.describe('shop.orders') - 'created_at' - 'updated_at' - 'id');
SELECT jsonb_pretty(mesh.describe('shop.customer_value') - 'created_at' - 'updated_at' - 'id');
SELECT mesh.describe('shop.nope');
SELECT mesh.describe('nope');
SELECT mesh.describe(NULL);

-- alter: a JSON merge patch; null removes a key, objects merge, arrays are replaced
SET ROLE regress_prod_dev;
SELECT mesh.alter_data_product('shop.customer_value', '{
    "version": "1.1.0",
    "description": null,
    "tags": ["customers"],
    "sla": {"freshness": "12 hours", "backfill": null},
    "columns": {"country": {"description": "ISO 3166 code"}, "revenue": {"unit": null}},
    "x_team_note": {"reviewed": false}
}');
RESET ROLE;
SELECT d -> 'version' AS version, d -> 'description' AS description, d -> 'tags' AS tags, d -> 'sla' AS sla,
       d -> 'x_team_note' AS note,
       jsonb_path_query_array(d, '$.columns[*] ? (@.name == "country" || @.name == "revenue")') AS columns
  FROM mesh.describe('shop.customer_value') AS d;
SELECT freshness, updated_by FROM mesh.products WHERE product = 'shop.customer_value';
-- describe output can be fed back unchanged
SELECT mesh.describe('shop.customer_value') - 'updated_at' - 'updated_by' AS before \gset
SELECT mesh.alter_data_product('shop.customer_value', mesh.describe('shop.customer_value'));
SELECT (mesh.describe('shop.customer_value') - 'updated_at' - 'updated_by') = :'before'::jsonb AS round_trip_unchanged;
-- versions never go backwards
SELECT mesh.alter_data_product('shop.customer_value', '{"version": "1.0.9"}');
SELECT mesh.alter_data_product('shop.customer_value', '{"version": "1.1.0-rc.1"}');
SELECT mesh.alter_data_product('shop.customer_value', '{"version": "1.1.1-rc.1"}');
SELECT version FROM mesh.products WHERE product = 'shop.customer_value';
-- owner must be a role the caller belongs to
SET ROLE regress_prod_dev;
SELECT mesh.alter_data_product('shop.customer_value', '{"owner": "postgres"}');
RESET ROLE;

-- life cycle
SELECT mesh.set_status('shop.orders', 'active');
SELECT mesh.set_status('shop.orders', 'active');
SELECT mesh.set_status('shop.orders', 'retired');
SELECT mesh.set_status('shop.orders', 'deprecated');
SELECT mesh.set_status('shop.orders', 'active');
SELECT mesh.set_status('shop.orders', 'deprecated');
SELECT mesh.set_status('shop.orders', 'retired');
SELECT mesh.set_status('shop.orders', 'active');
SELECT mesh.set_status('shop.orders', 'published');
SELECT mesh.set_status('shop.customer_value', 'deprecated');
SELECT mesh.set_status('shop.customer_value', NULL);
SELECT product, status FROM mesh.products ORDER BY product;

-- product names that are SQL keywords would need quotes in every query
SELECT mesh.create_data_product('shop.order', 'prod_raw.orders', '{"purpose": "keyword"}');
SELECT mesh.create_data_product('shop.table', 'prod_raw.orders', '{"purpose": "keyword"}');
-- duplicates
SELECT mesh.create_data_product('shop.orders', 'prod_raw.orders', '{"purpose": "again"}');
CREATE VIEW shop.existing AS SELECT 1 AS one;
SELECT mesh.create_data_product('shop.existing', 'prod_raw.orders', '{"purpose": "clash"}');
DROP VIEW shop.existing;

-- drop: active products need force; a port others depend on is kept
SELECT mesh.set_status('shop.customer_value', 'active');
SELECT mesh.drop_data_product('shop.customer_value');
CREATE VIEW prod_raw.downstream AS SELECT customer_id FROM shop.customer_value;
SELECT mesh.drop_data_product('shop.customer_value', force => true);
DROP VIEW prod_raw.downstream;
SELECT mesh.drop_data_product('shop.customer_value', force => true);
SELECT mesh.drop_data_product('shop.orders');
SELECT mesh.drop_data_product('shop.orders');
SELECT count(*) AS products, (SELECT count(*) FROM mesh.data_product_columns) AS columns,
       (SELECT count(*) FROM mesh.data_product_sources) AS sources FROM mesh.data_products;
SELECT relname FROM pg_class WHERE relnamespace = 'shop'::regnamespace;

-- cleanup
SELECT mesh.drop_domain('shop');
DROP SCHEMA prod_raw CASCADE;
DROP ROLE regress_prod_dev, regress_prod_owner, regress_prod_team;
