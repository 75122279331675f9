-- Ratings and reviews: one per consumer role and product, 1 to 5 stars, only
-- by roles that can read the port, never by the product's own team.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE ROLE discovery_rev_team NOLOGIN;
CREATE ROLE discovery_rev_reader1 NOLOGIN;
CREATE ROLE discovery_rev_reader2 NOLOGIN;
CREATE ROLE discovery_rev_stranger NOLOGIN;
CREATE SCHEMA discovery_rev_src AUTHORIZATION discovery_rev_team;
SET ROLE discovery_rev_team;
CREATE TABLE discovery_rev_src.items (id int PRIMARY KEY, label text);
RESET ROLE;
SELECT mesh.create_domain('discovery_rev', 'discovery_rev_team');
SELECT mesh.create_data_product('discovery_rev.items', 'discovery_rev_src.items', '{"purpose": "items"}') > 0 AS created;
GRANT SELECT ON discovery_rev.items TO discovery_rev_reader1, discovery_rev_reader2;

SET ROLE discovery_rev_reader1;
SELECT mesh.review('discovery_rev.items', 4, 'Good coverage, | pipes | and `ticks`');
-- a second review replaces the first
SELECT mesh.review('discovery_rev.items', 2, 'Stale since Monday');
-- bad stars
SELECT mesh.review('discovery_rev.items', 0, 'zero');
SELECT mesh.review('discovery_rev.items', 6, 'six');
SELECT mesh.review('discovery_rev.items', -1, NULL);
SELECT mesh.review('discovery_rev.items', NULL, 'no stars');
SELECT mesh.review('discovery_rev.items', 3, repeat('x', 4001));
SELECT mesh.review('discovery_rev.nope', 3, NULL);
RESET ROLE;
SET ROLE discovery_rev_reader2;
SELECT mesh.review('discovery_rev.items', 5, NULL);
RESET ROLE;
-- cannot read the port: cannot review
SET ROLE discovery_rev_stranger;
SELECT mesh.review('discovery_rev.items', 1, 'never used it');
RESET ROLE;
-- the product's own team cannot rate it
SET ROLE discovery_rev_team;
SELECT mesh.review('discovery_rev.items', 5, 'we are great');
RESET ROLE;

SELECT mesh._role_name(r.reviewer) AS reviewer, r.stars, r.comment, r.updated_at >= r.created_at AS ordered
  FROM mesh.reviews r JOIN mesh.data_products p ON p.id = r.product_id
 WHERE p.domain = 'discovery_rev' ORDER BY 1;
SELECT product, reviews, average_stars FROM mesh.product_ratings WHERE product = 'discovery_rev.items';

-- withdrawing a review
SET ROLE discovery_rev_reader1;
SELECT mesh.delete_review('discovery_rev.items');
SELECT mesh.delete_review('discovery_rev.items');
RESET ROLE;
SELECT product, reviews, average_stars FROM mesh.product_ratings WHERE product = 'discovery_rev.items';
-- the table cannot be written directly, and the implementation cannot be called
SET ROLE discovery_rev_reader1;
INSERT INTO mesh.reviews (product_id, reviewer, stars) SELECT id, 'discovery_rev_reader1', 5
  FROM mesh.data_products WHERE domain = 'discovery_rev';
SELECT mesh._review('discovery_rev_reader2', 'discovery_rev.items', 1, 'forged');
RESET ROLE;
-- a review goes with its product
SELECT mesh.drop_data_product('discovery_rev.items');
SELECT count(*) AS reviews_left FROM mesh.reviews r
 WHERE NOT EXISTS (SELECT FROM mesh.data_products p WHERE p.id = r.product_id);
SELECT mesh.drop_domain('discovery_rev');
DROP SCHEMA discovery_rev_src CASCADE;
DROP ROLE discovery_rev_team, discovery_rev_reader1, discovery_rev_reader2, discovery_rev_stranger;
