-- Search ranked by relevance and popularity, with filters.
--   rank = relevance + 0.25 * popularity / (1 + popularity)
-- Popularity comes from mesh.usage_daily, so the test reads the ports a known
-- number of times and flushes before searching.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE ROLE search_owner NOLOGIN;
CREATE ROLE search_reader_a NOLOGIN;
CREATE ROLE search_reader_b NOLOGIN;
SELECT mesh.create_domain('search_shop', 'search_owner');
SELECT mesh.create_domain('search_shop_eu', 'search_owner', 'european shop', 'search_shop');
SELECT mesh.create_domain('search_hr', 'search_owner');
CREATE TABLE search_shop.src AS SELECT 1 AS id;
ALTER TABLE search_shop.src OWNER TO search_owner;
-- three products with the same search document shape: equal relevance
SELECT mesh.create_data_product('search_shop.gadget_one', 'search_shop.src',
    '{"purpose": "Gadget sales per day.", "tags": ["sales"]}') > 0 AS created;
SELECT mesh.create_data_product('search_shop.gadget_two', 'search_shop.src',
    '{"purpose": "Gadget sales per day.", "tags": ["sales"], "access_level": "restricted"}') > 0 AS created;
SELECT mesh.create_data_product('search_shop_eu.gadget_six', 'search_shop.src',
    '{"purpose": "Gadget sales per day.", "tags": ["sales", "europe"]}') > 0 AS created;
-- a product that matches every word of a longer query
SELECT mesh.create_data_product('search_hr.gadget_returns', 'search_shop.src',
    '{"purpose": "Gadget returns and refunds per week.", "tags": ["returns"]}') > 0 AS created;
SELECT mesh.set_status('search_shop.gadget_one', 'active');
GRANT USAGE ON SCHEMA search_shop, search_shop_eu, search_hr TO search_reader_a, search_reader_b;
GRANT SELECT ON search_shop.gadget_one, search_shop.gadget_two, search_shop_eu.gadget_six,
    search_hr.gadget_returns TO search_reader_a, search_reader_b;

-- a flush that meets the scheduler's writes nothing: wait for it first
CREATE FUNCTION pg_temp.flush_usage_waiting() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE mesh.usage_daily, mesh.access_history_log IN SHARE ROW EXCLUSIVE MODE;
    RETURN mesh.flush_usage();
END $$;
-- before anyone reads them: equal rank, ordered by domain and name
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT product, rank, popularity FROM mesh.search('gadget sales');

-- gadget_six: 2 roles, 3 reads; gadget_two: 1 role, 5 reads; gadget_one: none
SET ROLE search_reader_a;
SELECT count(*) FROM search_shop_eu.gadget_six;
SELECT count(*) FROM search_shop_eu.gadget_six;
SELECT count(*) FROM search_shop.gadget_two;
SELECT count(*) FROM search_shop.gadget_two;
SELECT count(*) FROM search_shop.gadget_two;
SELECT count(*) FROM search_shop.gadget_two;
SELECT count(*) FROM search_shop.gadget_two;
SET ROLE search_reader_b;
SELECT count(*) FROM search_shop_eu.gadget_six;
RESET ROLE;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;

-- breadth of use beats volume: six (2 roles) > two (1 role, more reads) > one
SELECT product, popularity,
       popularity = CASE name WHEN 'gadget_six' THEN round((2 + ln(1 + 3))::numeric, 3)
                              WHEN 'gadget_two' THEN round((1 + ln(1 + 5))::numeric, 3)
                              ELSE 0 END AS as_documented
  FROM mesh.search('gadget sales');
-- the rank is the documented combination of relevance and popularity
SELECT s.product,
       abs(s.rank - (r.relevance + 0.25 * s.popularity / (1 + s.popularity))) < 1e-6 AS rank_as_documented
  FROM mesh.search('gadget sales') s
  JOIN (SELECT p.domain || '.' || p.name AS product,
               ts_rank(p.search_vector, mesh._lexemes_any('gadget sales'), 32)
               + CASE WHEN p.search_vector @@ websearch_to_tsquery('english', 'gadget sales') THEN 1 ELSE 0 END
               AS relevance
          FROM mesh.data_products p) r USING (product)
 ORDER BY s.rank DESC, s.product;

-- relevance first: a product matching every word outranks popular ones
-- matching some, however often those are read
SELECT product, rank > 1 AS matches_all_words FROM mesh.search('gadget returns week');

-- filters: domain (with its subdomains), tag, access level, status
SELECT product FROM mesh.search('gadget', in_domain => 'search_shop');
SELECT product FROM mesh.search('gadget', in_domain => 'search_shop_eu');
SELECT product FROM mesh.search('gadget', with_tag => 'europe');
SELECT product FROM mesh.search('gadget', with_access_level => 'restricted');
SELECT product FROM mesh.search('gadget', with_status => 'active');
SELECT product FROM mesh.search('gadget', in_domain => 'search_shop', with_tag => 'sales',
                                with_access_level => 'internal', with_status => 'draft');
SELECT product FROM mesh.search('gadget', with_tag => 'no such tag');
-- positional filters work too, and 0.1.0's one-argument call is unchanged
SELECT product FROM mesh.search('gadget', 'search_hr');
SELECT count(*) FROM mesh.search('gadget');
-- exclusions still apply
SELECT product FROM mesh.search('gadget -europe -returns', in_domain => 'search_shop');

-- bad filters
SELECT * FROM mesh.search('gadget', in_domain => 'search_nowhere');
SELECT * FROM mesh.search('gadget', with_access_level => 'secret');
SELECT * FROM mesh.search('gadget', with_status => 'live');
SELECT * FROM mesh.search(NULL, in_domain => 'search_shop');
-- filter values are data, never SQL
SELECT * FROM mesh.search('gadget', with_tag => $$'); DROP TABLE search_shop.src; --$$);
SELECT count(*) AS src_still_there FROM search_shop.src;

-- cleanup
SELECT mesh.drop_data_product(product, force => true) FROM mesh.products
 WHERE domain LIKE 'search\_%' ORDER BY product;
DROP TABLE search_shop.src;
SELECT mesh.drop_domain('search_shop_eu');
SELECT mesh.drop_domain('search_shop');
SELECT mesh.drop_domain('search_hr');
DROP ROLE search_owner, search_reader_a, search_reader_b;
