-- attack_stats_explain: planner statistics, EXPLAIN and error messages do not
-- show raw values to masked readers.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_st_owner NOLOGIN;
CREATE ROLE regress_enforce_st_reader LOGIN;
CREATE SCHEMA enforce_st_raw AUTHORIZATION regress_enforce_st_owner;
SET ROLE regress_enforce_st_owner;
CREATE TABLE enforce_st_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_st_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_st_raw TO regress_enforce_st_reader;
GRANT SELECT ON enforce_st_raw.people TO regress_enforce_st_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_st', 'regress_enforce_st_owner');
SELECT mesh.create_data_product('enforce_st.people', 'enforce_st_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_st.email"}, "salary": {"classification": "enforce_st.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_st TO regress_enforce_st_reader;
GRANT SELECT ON enforce_st.people TO regress_enforce_st_reader;
SELECT mesh.create_masking_policy('enforce_st_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_st_email', 'enforce_st.email');
SELECT mesh.create_masking_policy('enforce_st_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_st_money', 'enforce_st.money');
SELECT mesh.set_consumer_attribute('regress_enforce_st_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_st.people', 'by_region', 'region = mesh.attribute(''region'')');
ANALYZE enforce_st_raw.people;
-- the owner sees the statistics
SET ROLE regress_enforce_st_owner;
SELECT attname, most_common_vals IS NOT NULL OR histogram_bounds IS NOT NULL AS has_values
  FROM pg_stats WHERE schemaname = 'enforce_st_raw' AND tablename = 'people' ORDER BY attname;
RESET ROLE;
-- a masked reader does not (neither through pg_stats nor pg_statistic)
SET ROLE regress_enforce_st_reader;
SELECT count(*) AS visible_stats FROM pg_stats WHERE schemaname = 'enforce_st_raw' AND tablename = 'people';
SELECT count(*) FROM pg_statistic;
-- EXPLAIN shows the masks and the reader's own attribute, no data (the
-- reader's oid in the plan guard is replaced so the output is stable)
CREATE FUNCTION pg_temp.plan(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF, VERBOSE) ' || query LOOP
        CONTINUE WHEN line LIKE 'Query Identifier:%';
        RETURN NEXT regexp_replace(line, '_enforcement_reader_is\(''\d+''::oid\)', '_enforcement_reader_is(<reader>)');
    END LOOP;
END $$;
SELECT pg_temp.plan('SELECT email, salary FROM enforce_st_raw.people WHERE salary > 60000');
-- errors raised on masked values show the masked value
SELECT email::int FROM enforce_st_raw.people;
SELECT salary / (salary - 50000) FROM enforce_st_raw.people;
-- a division by zero cannot be used to probe raw values either
SELECT 1 / (salary - 51234)::int FROM enforce_st_raw.people;
RESET ROLE;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_st%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_st' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_st');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_st%';
DROP SCHEMA enforce_st_raw CASCADE;
DROP OWNED BY regress_enforce_st_reader;
DROP ROLE regress_enforce_st_owner, regress_enforce_st_reader;
