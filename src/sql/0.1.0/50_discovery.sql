-- Reading the catalog: describe, the products view and search.  These run as
-- the reader; the catalog is readable by everyone.

CREATE FUNCTION mesh._source_json(p mesh.data_products) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object('kind', p.source_kind, 'definition', p.source,
                                                'relation', mesh._relation_name(p.source_relation)))
$$;

CREATE FUNCTION mesh.describe(product text) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
BEGIN
    RETURN mesh._declared_descriptor(p)
        || jsonb_build_object(
               'product', product,
               'domain', p.domain,
               'name', p.name,
               'id', p.id,
               'status', p.status,
               'version', p.version,
               'owner', mesh._role_name(p.owner),
               'access_level', p.access_level,
               'purpose', p.purpose,
               'tags', to_jsonb(p.tags),
               'support', p.support,
               'sla', p.sla,
               'examples', p.examples,
               'port', mesh._relation_name(p.port),
               'source', mesh._source_json(p),
               'columns', (SELECT coalesce(jsonb_agg(c.declared || jsonb_strip_nulls(jsonb_build_object(
                                      'name', c.name,
                                      'type', c.type,
                                      'nullable', c.nullable,
                                      'description', c.description,
                                      'classification', c.classification,
                                      'primary_key', c.primary_key,
                                      'references', c."references")) ORDER BY c.position), '[]'::jsonb)
                             FROM mesh.data_product_columns c WHERE c.product_id = p.id),
               'column_count', (SELECT count(*) FROM mesh.data_product_columns c WHERE c.product_id = p.id),
               'created_at', p.created_at,
               'created_by', p.created_by,
               'updated_at', p.updated_at,
               'updated_by', p.updated_by);
END
$$;
COMMENT ON FUNCTION mesh.describe(text) IS
    'the full normalised descriptor of a data product, with its columns and catalog facts';

CREATE VIEW mesh.products AS
SELECT p.domain || '.' || p.name AS product,
       p.domain,
       p.name,
       p.version,
       p.status,
       p.owner,
       p.access_level,
       p.purpose,
       p.freshness,
       (SELECT count(*)::integer FROM mesh.data_product_columns c WHERE c.product_id = p.id) AS column_count,
       p.tags,
       p.port,
       p.created_at,
       p.created_by,
       p.updated_at,
       p.updated_by
  FROM mesh.data_products p;
COMMENT ON VIEW mesh.products IS 'one row per data product';
GRANT SELECT ON mesh.products TO PUBLIC;

-- Ranked search.  A product matches when it contains any of the words and
-- none of the excluded ones (-word); those containing all of them (web search
-- syntax: "a phrase", or, -word) come first, then by weighted relevance
-- (name and tags > purpose > column names > column descriptions).
CREATE FUNCTION mesh._lexemes_any(words text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT string_agg(quote_literal(lexeme), ' | ')::tsquery
      FROM unnest(tsvector_to_array(to_tsvector('pg_catalog.english', words))) AS lexeme
$$;

CREATE FUNCTION mesh.search(query text)
    RETURNS TABLE (product text, domain text, name text, status text, purpose text, rank real)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    excluded_words constant text := (SELECT string_agg(m[1], ' ')
                                       FROM regexp_matches(query, '(?:^|\s)-(\S+)', 'g') AS m);
    any_word tsquery;
    no_word tsquery;
    all_words tsquery;
BEGIN
    PERFORM mesh._require(query, 'query');
    any_word := mesh._lexemes_any(regexp_replace(query, '(^|\s)-\S+', ' ', 'g'));
    IF any_word IS NULL THEN
        RAISE EXCEPTION 'search query "%" has no searchable words', query
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Search for words from product names, purposes, tags or columns, e.g. mesh.search(''invoice payments'').';
    END IF;
    no_word := mesh._lexemes_any(excluded_words);
    all_words := websearch_to_tsquery('pg_catalog.english', query);
    RETURN QUERY
    SELECT p.domain || '.' || p.name, p.domain, p.name, p.status, p.purpose,
           (ts_rank(p.search_vector, any_word, 32)
            + CASE WHEN p.search_vector @@ all_words THEN 1 ELSE 0 END)::real AS rank
      FROM mesh.data_products p
     WHERE p.search_vector @@ any_word
       AND (no_word IS NULL OR NOT p.search_vector @@ no_word)
     ORDER BY rank DESC, p.domain, p.name;
END
$$;
COMMENT ON FUNCTION mesh.search(text) IS
    'data products ranked by relevance over names, tags, purpose and columns';
