-- Classifications: declared in the descriptor or with mesh.classify, kept
-- across alters, applied to ports and base columns (mesh.governed_columns),
-- inherited downstream, cleaned up on drop.
\set SHOW_CONTEXT never
CREATE ROLE govcat_cls_owner NOLOGIN;
CREATE ROLE govcat_cls_product_owner NOLOGIN;
CREATE ROLE govcat_cls_member LOGIN IN ROLE govcat_cls_product_owner;
CREATE ROLE govcat_cls_stranger LOGIN;
GRANT govcat_cls_product_owner TO govcat_cls_owner;
SELECT mesh.create_domain('govcls', 'govcat_cls_owner');
CREATE TABLE govcls.customers (id integer PRIMARY KEY, email text, phone text, name text, birth date);
CREATE TABLE govcls.orders (id integer PRIMARY KEY, customer_id integer REFERENCES govcls.customers, amount numeric);
ALTER TABLE govcls.customers OWNER TO govcat_cls_owner;
ALTER TABLE govcls.orders OWNER TO govcat_cls_owner;
CREATE VIEW govcat_governed AS
SELECT g.relation, a.attname AS base_column, p.domain || '.' || p.name AS product, g.column_name, g.tag,
       g.inherited_from
  FROM mesh.governed_columns g
  JOIN mesh.data_products p ON p.id = g.product_id
  JOIN pg_attribute a ON a.attrelid = g.relation AND a.attnum = g.attnum
 WHERE p.domain = 'govcls'
 ORDER BY product, g.column_name, g.relation::text;

-- declared in the descriptor: the port column and the base column it copies
SELECT mesh.create_data_product('govcls.customer_master', 'govcls.customers',
    '{"purpose": "customers", "owner": "govcat_cls_product_owner",
      "columns": {"email": {"classification": "pii.email", "description": "Mail"}}}') > 0 AS created;
SELECT * FROM govcat_governed;

-- mesh.classify by a member of the product owner
SET ROLE govcat_cls_member;
SELECT mesh.classify('govcls.customer_master', 'phone', 'pii.phone');
RESET ROLE;
-- by someone else: refused
SET ROLE govcat_cls_stranger;
SELECT mesh.classify('govcls.customer_master', 'name', 'pii.name');
RESET ROLE;
-- bad input
SELECT mesh.classify('govcls.customer_master', 'name', 'PII');
SELECT mesh.classify('govcls.customer_master', 'name', '');
SELECT mesh.classify('govcls.customer_master', 'no_such_column', 'pii.name');
SELECT mesh.classify('govcls.nothing', 'name', 'pii.name');
SELECT mesh.classify(NULL, 'name', 'pii.name');
SELECT mesh.classify('govcls.customer_master', NULL, 'pii.name');
SELECT mesh.classify('govcls.customer_master', 'name', 'pii.name');
SELECT mesh.classify('govcls.customer_master', 'birth', 'pii.birth_date');
SELECT * FROM govcat_governed;

-- classify survives an alter (it is kept in the descriptor), and describe shows it
SELECT mesh.alter_data_product('govcls.customer_master', '{"description": "All customers"}');
SELECT c ->> 'name' AS column_name, c ->> 'classification' AS classification, c ->> 'description' AS description
  FROM jsonb_array_elements(mesh.describe('govcls.customer_master') -> 'columns') AS c;
SELECT mesh.describe('govcls.customer_master') -> 'columns' -> 2 -> 'classification' AS phone_classification;

-- a product on the port inherits; renaming a column keeps the tag, a computed column loses it,
-- and a declared classification wins over the inherited one
SELECT mesh.create_data_product('govcls.contacts',
    'SELECT id, email AS mail, lower(phone) AS phone_lower, name, birth FROM govcls.customer_master',
    '{"purpose": "contacts", "columns": {"name": {"classification": "pii.full_name"}}}') > 0 AS created;
-- a product on the same source, joined with another table, inherits too
SELECT mesh.create_data_product('govcls.order_contacts',
    'SELECT o.id, o.amount, c.email FROM govcls.orders o JOIN govcls.customers c ON c.id = o.customer_id',
    '{"purpose": "orders with contacts"}') > 0 AS created;
-- and a product on that product, two levels down
SELECT mesh.create_data_product('govcls.big_orders',
    'SELECT id, email FROM govcls.order_contacts WHERE amount > 100',
    '{"purpose": "big orders"}') > 0 AS created;
SELECT * FROM govcat_governed WHERE product <> 'govcls.customer_master';
SELECT name, classification FROM mesh.data_product_columns
 WHERE product_id = (SELECT id FROM mesh.data_products WHERE domain = 'govcls' AND name = 'contacts')
 ORDER BY position;

-- an upstream change reaches every downstream product
SELECT mesh.classify('govcls.customer_master', 'email', 'pii.contact');
SELECT product, column_name, tag, inherited_from FROM govcat_governed
 WHERE column_name IN ('email', 'mail') AND relation = 'govcls.customers'::regclass;
-- removed upstream: removed downstream
SELECT mesh.alter_data_product('govcls.customer_master', '{"columns": {"email": {"classification": null}}}');
SELECT product, column_name, tag FROM govcat_governed WHERE column_name IN ('email', 'mail');
SELECT mesh.describe('govcls.customer_master') -> 'columns' -> 1 AS email_column;
SELECT mesh.classify('govcls.customer_master', 'email', 'pii.email');
-- removing a declared tag with classify(NULL) brings the inherited one back
SELECT mesh.classify('govcls.contacts', 'name', NULL);
SELECT product, column_name, tag, inherited_from FROM govcat_governed
 WHERE product = 'govcls.contacts' AND column_name = 'name' AND relation = 'govcls.contacts'::regclass;

-- recomputing everything from the catalog (what to do after a restore) gives the same rows
CREATE TEMP TABLE govcat_before AS SELECT * FROM govcat_governed;
SELECT mesh._refresh_all_classifications() >= 4 AS recomputed;
SELECT count(*) AS differences FROM (
    (SELECT * FROM govcat_before EXCEPT ALL SELECT * FROM govcat_governed)
    UNION ALL
    (SELECT * FROM govcat_governed EXCEPT ALL SELECT * FROM govcat_before)) AS d;
SELECT count(*) > 0 AS rows_present FROM govcat_governed;
DROP TABLE govcat_before;

-- dropping the declaring product: its rows go, and what inherited from it is recomputed
SELECT mesh.drop_data_product('govcls.big_orders');
SELECT mesh.drop_data_product('govcls.contacts');
SELECT mesh.drop_data_product('govcls.customer_master');
SELECT * FROM govcat_governed;

-- clean up
SELECT mesh.drop_data_product('govcls.order_contacts');
DROP VIEW govcat_governed;
DROP TABLE govcls.orders, govcls.customers;
SELECT mesh.drop_domain('govcls');
DROP ROLE govcat_cls_member, govcat_cls_stranger, govcat_cls_product_owner, govcat_cls_owner;

