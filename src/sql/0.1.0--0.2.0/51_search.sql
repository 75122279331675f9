-- Search ranked by relevance and popularity, with filters (docs/usage.md).
--
-- 0.1.0's mesh.search(query) is replaced by one function whose filters are
-- optional parameters, so every 0.1.0 call (mesh.search('words')) keeps
-- working and returns the same columns, plus popularity at the end.  Two
-- functions (search(text) and search(text, text DEFAULT ...)) would make
-- mesh.search('words') ambiguous, hence the DROP.
--
-- rank = relevance + 0.25 * popularity / (1 + popularity)
--   relevance  = 0.1.0's: ts_rank(document, any word, 32) in [0, 1), plus 1
--                when the product matches the whole query
--   popularity = mesh._popularity(): distinct reading roles + ln(1 + reads)
--                over the last 30 days
-- The popularity bonus is below 0.25, so a product matching the whole query
-- always outranks one matching some words; among close matches, the product
-- people use comes first.

DROP FUNCTION mesh.search(text);

CREATE FUNCTION mesh.search(query text,
                            in_domain text DEFAULT NULL,
                            with_tag text DEFAULT NULL,
                            with_access_level text DEFAULT NULL,
                            with_status text DEFAULT NULL)
    RETURNS TABLE (product text, domain text, name text, status text, purpose text, rank real,
                   popularity numeric)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    excluded_words constant text := (SELECT string_agg(m[1], ' ')
                                       FROM regexp_matches(query, '(?:^|\s)-(\S+)', 'g') AS m);
    any_word tsquery;
    no_word tsquery;
    all_words tsquery;
    domains text[];
BEGIN
    PERFORM mesh._require(query, 'query');
    any_word := mesh._lexemes_any(regexp_replace(query, '(^|\s)-\S+', ' ', 'g'));
    IF any_word IS NULL THEN
        RAISE EXCEPTION 'search query "%" has no searchable words', query
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Search for words from product names, purposes, tags or columns, e.g. mesh.search(''invoice payments'').';
    END IF;
    IF in_domain IS NOT NULL THEN
        -- the domain and its subdomains
        WITH RECURSIVE tree AS (
            SELECT d.name FROM mesh.domains d WHERE d.name = in_domain
            UNION
            SELECT d.name FROM mesh.domains d JOIN tree t ON d.parent = t.name)
        SELECT array_agg(tree.name) INTO domains FROM tree;
        IF domains IS NULL THEN
            RAISE EXCEPTION 'domain "%" does not exist', in_domain
                USING ERRCODE = 'undefined_object',
                      HINT = 'List the domains with SELECT name FROM mesh.domains.';
        END IF;
    END IF;
    IF with_access_level IS NOT NULL
       AND with_access_level NOT IN ('public', 'internal', 'restricted', 'confidential') THEN
        RAISE EXCEPTION 'invalid access level "%"', with_access_level
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of public, internal, restricted, confidential.';
    END IF;
    IF with_status IS NOT NULL
       AND with_status NOT IN ('draft', 'active', 'deprecated', 'retired') THEN
        RAISE EXCEPTION 'invalid status "%"', with_status
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of draft, active, deprecated, retired.';
    END IF;
    no_word := mesh._lexemes_any(excluded_words);
    all_words := websearch_to_tsquery('pg_catalog.english', query);
    RETURN QUERY
    SELECT m.product, m.domain, m.name, m.status, m.purpose,
           (m.relevance + 0.25 * m.popularity / (1 + m.popularity))::real AS rank,
           m.popularity
      FROM (SELECT p.domain || '.' || p.name AS product, p.domain, p.name, p.status, p.purpose,
                   ts_rank(p.search_vector, any_word, 32)
                   + CASE WHEN p.search_vector @@ all_words THEN 1 ELSE 0 END AS relevance,
                   mesh._popularity(p.id) AS popularity
              FROM mesh.data_products p
             WHERE p.search_vector @@ any_word
               AND (no_word IS NULL OR NOT p.search_vector @@ no_word)
               AND (domains IS NULL OR p.domain = ANY (domains))
               AND (with_tag IS NULL OR with_tag = ANY (p.tags))
               AND (with_access_level IS NULL OR p.access_level = with_access_level)
               AND (with_status IS NULL OR p.status = with_status)) AS m
     ORDER BY 6 DESC, m.domain, m.name;
END
$$;
COMMENT ON FUNCTION mesh.search(text, text, text, text, text) IS
    'data products ranked by relevance over names, tags, purpose and columns, and by popularity; optional filters by domain (with subdomains), tag, access level and status';
