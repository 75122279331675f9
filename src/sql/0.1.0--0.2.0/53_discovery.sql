-- Discovery: a glossary of business terms linked to port columns, ratings and
-- reviews by consumers, and a Markdown documentation page per product.
--
-- The glossary and the reviews are catalog tables, readable by everyone and
-- written only through the API (dispatcher, caller checked explicitly).  Links
-- point at (product, column name), not at mesh.data_product_columns rows, which
-- are rewritten on every alter; a store handler drops the links of columns a
-- port no longer has.  describe_markdown reads the checks and usage tables of
-- other modules only when they exist, so this part installs without them.
-- See docs/discovery.md.

CREATE TABLE mesh.glossary_terms (
    term            text PRIMARY KEY
                    CHECK (term OPERATOR(pg_catalog.~) '\S' AND octet_length(term) <= 200
                           AND term OPERATOR(pg_catalog.!~) '[[:cntrl:]]'),
    definition      text NOT NULL CHECK (definition OPERATOR(pg_catalog.~) '\S'),
    synonyms        text[] NOT NULL DEFAULT '{}',
    steward         regrole NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by      text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE mesh.glossary_terms IS 'business glossary: terms, their definitions and the role that answers for each';
-- one term whatever its case: 'Customer' and 'customer' are the same term
CREATE UNIQUE INDEX glossary_terms_lower_idx ON mesh.glossary_terms (pg_catalog.lower(term));

CREATE TABLE mesh.glossary_links (
    term            text NOT NULL REFERENCES mesh.glossary_terms (term) ON DELETE CASCADE,
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    column_name     text NOT NULL,
    linked_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    linked_by       text NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (term, product_id, column_name)
);
COMMENT ON TABLE mesh.glossary_links IS 'which port columns a glossary term describes';
CREATE INDEX glossary_links_product_idx ON mesh.glossary_links (product_id, column_name);

CREATE TABLE mesh.reviews (
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    reviewer        regrole NOT NULL,
    stars           integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment         text CHECK (octet_length(comment) <= 4000),
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (product_id, reviewer)
);
COMMENT ON TABLE mesh.reviews IS 'ratings (1 to 5 stars) and reviews of data products by their consumers, one per role and product';

SELECT pg_catalog.pg_extension_config_dump('mesh.glossary_terms', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.glossary_links', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.reviews', '');
REVOKE ALL ON mesh.glossary_terms, mesh.glossary_links, mesh.reviews FROM PUBLIC;
GRANT SELECT ON mesh.glossary_terms, mesh.glossary_links, mesh.reviews TO PUBLIC;

-- ---------------------------------------------------------------- glossary

-- the stored spelling of a term, found whatever its case; an error when there is none
CREATE FUNCTION mesh._find_term(term text) RETURNS mesh.glossary_terms
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t mesh.glossary_terms;
BEGIN
    PERFORM mesh._require(term, 'term');
    SELECT * INTO t FROM mesh.glossary_terms g WHERE lower(g.term) = lower(_find_term.term);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'glossary term "%" does not exist', term
            USING ERRCODE = 'undefined_object',
                  HINT = 'Define it with mesh.define_term(), or find terms with mesh.search_terms().';
    END IF;
    RETURN t;
END
$$;

CREATE FUNCTION mesh._define_term(caller regrole, term text, definition text, synonyms text[], steward regrole)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    existing mesh.glossary_terms;
    new_steward regrole;
BEGIN
    PERFORM mesh._require(term, 'term');
    PERFORM mesh._require(definition, 'definition');
    IF term !~ '\S' OR octet_length(term) > 200 OR term ~ '[[:cntrl:]]' OR term <> btrim(term) THEN
        RAISE EXCEPTION 'invalid glossary term "%"', term
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A term is 1 to 200 bytes, without control characters or surrounding blanks.',
                  HINT = 'Write the term as people say it, like ''Active customer''.';
    END IF;
    IF definition !~ '\S' THEN
        RAISE EXCEPTION 'definition of glossary term "%" is empty', term
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Say what the term means in one or two sentences.';
    END IF;
    IF EXISTS (SELECT FROM unnest(coalesce(synonyms, '{}')) s
                WHERE s IS NULL OR s !~ '\S' OR octet_length(s) > 200 OR s ~ '[[:cntrl:]]') THEN
        RAISE EXCEPTION 'invalid synonym of glossary term "%"', term
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Synonyms are 1 to 200 bytes each, not null, without control characters.',
                  HINT = 'Give synonyms like ARRAY[''client'', ''account''].';
    END IF;
    -- serialise definitions of the same term, whatever its case
    PERFORM mesh._lock_name('term', lower(term));
    SELECT * INTO existing FROM mesh.glossary_terms g WHERE lower(g.term) = lower(_define_term.term);
    new_steward := coalesce(steward, existing.steward, caller);

    IF existing.term IS NOT NULL AND NOT pg_has_role(caller, existing.steward, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied for glossary term "%"', existing.term
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only members of its steward role %s can change a term.',
                                  quote_ident(mesh._role_name(existing.steward))),
                  HINT = 'Ask its steward to change it, or define a term of your own.';
    END IF;
    IF existing.term IS NULL AND NOT EXISTS (SELECT FROM mesh.domains d WHERE pg_has_role(caller, d.owner, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to define glossary terms'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Glossary terms are defined by the teams that own domains.',
                  HINT = 'Ask a domain team to define the term.';
    END IF;
    IF NOT pg_has_role(caller, new_steward, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to make % the steward of glossary term "%"',
                        quote_ident(mesh._role_name(new_steward)), term
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The steward of a term must be a role you are a member of.',
                  HINT = 'Name a role you belong to as steward, or leave it out.';
    END IF;

    IF existing.term IS NULL THEN
        INSERT INTO mesh.glossary_terms (term, definition, synonyms, steward, created_by, updated_by)
        VALUES (term, definition, coalesce(synonyms, '{}'), new_steward,
                mesh._role_name(caller), mesh._role_name(caller));
    ELSE
        UPDATE mesh.glossary_terms g
           SET definition = _define_term.definition,
               synonyms = coalesce(_define_term.synonyms, g.synonyms),
               steward = new_steward,
               updated_at = now(),
               updated_by = mesh._role_name(caller)
         WHERE g.term = existing.term;
    END IF;
END
$$;

CREATE FUNCTION mesh.define_term(term text, definition text, synonyms text[] DEFAULT NULL,
                                 steward regrole DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.define_term(text, text, text[], regrole) IS
    'define a business term of the glossary, or change its definition (its steward only)';

CREATE FUNCTION mesh._drop_term(caller regrole, term text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t mesh.glossary_terms := mesh._find_term(term);
BEGIN
    IF NOT pg_has_role(caller, t.steward, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied for glossary term "%"', t.term
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only members of its steward role %s can drop a term.',
                                  quote_ident(mesh._role_name(t.steward))),
                  HINT = 'Ask its steward to drop it.';
    END IF;
    DELETE FROM mesh.glossary_terms g WHERE g.term = t.term;   -- its links go with it
END
$$;

CREATE FUNCTION mesh.drop_term(term text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.drop_term(text) IS 'drop a glossary term and its links to columns (its steward only)';

-- the product, once the caller may change it, and a column of its port
CREATE FUNCTION mesh._term_link_target(caller regrole, product text, column_name text, action text)
    RETURNS mesh.data_products
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
BEGIN
    PERFORM mesh._require(column_name, 'column');
    p := mesh._product_for_change(caller, product, action);
    IF NOT EXISTS (SELECT FROM mesh.data_product_columns c
                    WHERE c.product_id = p.id AND c.name = _term_link_target.column_name) THEN
        RAISE EXCEPTION 'column "%" of data product "%" does not exist', column_name, product
            USING ERRCODE = 'undefined_column',
                  HINT = format('See its columns with SELECT mesh.describe(%L) -> ''columns''.', product);
    END IF;
    RETURN p;
END
$$;

CREATE FUNCTION mesh._link_term(caller regrole, term text, product text, column_name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t mesh.glossary_terms := mesh._find_term(term);
    p mesh.data_products := mesh._term_link_target(caller, product, column_name,
                                                   'link glossary terms to its data products');
BEGIN
    -- linking twice is harmless: the link exists afterwards either way
    INSERT INTO mesh.glossary_links (term, product_id, column_name, linked_by)
    VALUES (t.term, p.id, column_name, mesh._role_name(caller))
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION mesh.link_term(term text, product text, column_name text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.link_term(text, text, text) IS
    'say that a column of a data product holds what a glossary term means (the product''s domain team)';

CREATE FUNCTION mesh._unlink_term(caller regrole, term text, product text, column_name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t mesh.glossary_terms := mesh._find_term(term);
    p mesh.data_products;
BEGIN
    PERFORM mesh._require(column_name, 'column');
    p := mesh._product_for_change(caller, product, 'unlink glossary terms from its data products');
    DELETE FROM mesh.glossary_links l
     WHERE l.term = t.term AND l.product_id = p.id AND l.column_name = _unlink_term.column_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'glossary term "%" is not linked to column "%" of data product "%"',
                        t.term, column_name, product
            USING ERRCODE = 'undefined_object',
                  HINT = 'See the links with SELECT * FROM mesh.glossary.';
    END IF;
END
$$;

CREATE FUNCTION mesh.unlink_term(term text, product text, column_name text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.unlink_term(text, text, text) IS 'remove the link between a glossary term and a column';

-- a port column that an alter removed takes its glossary links with it
CREATE FUNCTION mesh._on_store_53_discovery(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    DELETE FROM mesh.glossary_links l
     WHERE l.product_id = _on_store_53_discovery.product_id
       AND NOT EXISTS (SELECT FROM mesh.data_product_columns c
                        WHERE c.product_id = l.product_id AND c.name = l.column_name)
$$;

CREATE VIEW mesh.glossary AS
SELECT t.term, t.definition, t.synonyms, t.steward,
       ARRAY(SELECT p.domain || '.' || p.name || '.' || l.column_name
               FROM mesh.glossary_links l JOIN mesh.data_products p ON p.id = l.product_id
              WHERE l.term = t.term ORDER BY 1) AS columns,
       t.updated_at, t.updated_by
  FROM mesh.glossary_terms t;
COMMENT ON VIEW mesh.glossary IS 'glossary terms with the product columns linked to them (product.column)';
GRANT SELECT ON mesh.glossary TO PUBLIC;

-- terms matching any word of the query (term, synonyms, definition), best first;
-- a term that contains the query as typed comes before the rest
CREATE FUNCTION mesh.search_terms(query text)
    RETURNS TABLE (term text, definition text, synonyms text[], columns text[], rank real)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    words tsquery;
BEGIN
    PERFORM mesh._require(query, 'query');
    words := mesh._lexemes_any(query);
    IF words IS NULL AND query !~ '\S' THEN
        RAISE EXCEPTION 'search query "%" has no searchable words', query
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Search for words of a term or its definition, e.g. mesh.search_terms(''customer'').';
    END IF;
    RETURN QUERY
    WITH doc AS (
        SELECT g.*, setweight(to_tsvector('pg_catalog.english', g.term || ' ' || array_to_string(g.synonyms, ' ')), 'A')
                    || setweight(to_tsvector('pg_catalog.english', g.definition), 'C') AS v
          FROM mesh.glossary g
    )
    SELECT d.term, d.definition, d.synonyms, d.columns,
           (coalesce(ts_rank(d.v, words), 0)
            + CASE WHEN strpos(lower(d.term), lower(btrim(query))) > 0
                     OR EXISTS (SELECT FROM unnest(d.synonyms) s WHERE strpos(lower(s), lower(btrim(query))) > 0)
                   THEN 1 ELSE 0 END)::real AS rank
      FROM doc d
     WHERE (words IS NOT NULL AND d.v @@ words)
        OR strpos(lower(d.term), lower(btrim(query))) > 0
        OR EXISTS (SELECT FROM unnest(d.synonyms) s WHERE strpos(lower(s), lower(btrim(query))) > 0)
     ORDER BY rank DESC, d.term;
END
$$;
COMMENT ON FUNCTION mesh.search_terms(text) IS 'glossary terms matching the words of a query, with their linked columns';

-- ---------------------------------------------------------------- reviews

CREATE FUNCTION mesh._review(caller regrole, product text, stars integer, comment text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
BEGIN
    PERFORM mesh._require(stars, 'stars');
    IF stars NOT BETWEEN 1 AND 5 THEN
        RAISE EXCEPTION 'a review has 1 to 5 stars, not %', stars
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give 1 (poor) to 5 (excellent) stars.';
    END IF;
    IF octet_length(comment) > 4000 THEN
        RAISE EXCEPTION 'review comment is too long'
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = format('The comment has %s bytes; at most 4000 are kept.', octet_length(comment)),
                  HINT = 'Shorten the comment.';
    END IF;
    IF pg_has_role(caller, (SELECT d.owner FROM mesh.domains d WHERE d.name = p.domain), 'MEMBER') THEN
        RAISE EXCEPTION 'cannot review your own data product "%"', product
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Reviews are the consumers'' view of a product; you belong to its domain team.',
                  HINT = 'Describe the product in its descriptor instead.';
    END IF;
    IF NOT has_table_privilege(caller, p.port, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied to review data product "%"', product
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only roles that can read a product''s output port can review it.',
                  HINT = 'Get access to the product first.';
    END IF;
    -- one review per role and product: a second one replaces the first
    INSERT INTO mesh.reviews AS r (product_id, reviewer, stars, comment)
    VALUES (p.id, caller, stars, comment)
    ON CONFLICT (product_id, reviewer)
    DO UPDATE SET stars = excluded.stars, comment = excluded.comment, updated_at = now();
END
$$;

CREATE FUNCTION mesh.review(product text, stars integer, comment text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.review(text, integer, text) IS
    'rate a data product you can read (1 to 5 stars) with an optional comment; a later review replaces yours';

CREATE FUNCTION mesh._delete_review(caller regrole, product text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
BEGIN
    DELETE FROM mesh.reviews r WHERE r.product_id = p.id AND r.reviewer = caller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'you have not reviewed data product "%"', product
            USING ERRCODE = 'undefined_object',
                  HINT = 'Review it with mesh.review(product, stars, comment).';
    END IF;
END
$$;

CREATE FUNCTION mesh.delete_review(product text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.delete_review(text) IS 'withdraw your review of a data product';

CREATE VIEW mesh.product_ratings AS
SELECT p.domain || '.' || p.name AS product,
       count(r.stars)::integer AS reviews,
       round(avg(r.stars), 2) AS average_stars,
       max(r.updated_at) AS last_review_at
  FROM mesh.data_products p LEFT JOIN mesh.reviews r ON r.product_id = p.id
 GROUP BY p.id, p.domain, p.name;
COMMENT ON VIEW mesh.product_ratings IS 'number of reviews and average stars of every data product';
GRANT SELECT ON mesh.product_ratings TO PUBLIC;

-- ---------------------------------------------------------------- Markdown

-- Inline Markdown text: line breaks become blanks, and every character that
-- could start inline markup (emphasis, code spans, links, HTML, table cells,
-- entities) is backslash-escaped; CommonMark lets any ASCII punctuation be.
CREATE FUNCTION mesh._md(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT regexp_replace(regexp_replace(value, '[\r\n\t]+', ' ', 'g'),
                          '([\\`*_\[\]<>#|~&])', '\\\1', 'g')
$$;

-- Block Markdown text: each line escaped like _md, and a line that would start
-- a block (list, quote, heading underline, rule, numbered list) escaped at its
-- start; lines kept as hard breaks, blank lines as paragraph breaks.
CREATE FUNCTION mesh._md_block(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT string_agg(CASE WHEN line ~ '^\s*$' THEN ''
                           ELSE regexp_replace(regexp_replace(mesh._md(btrim(line)), '^([-+=>])', '\\\1'),
                                               '^([0-9]+)([.)])', '\1\\\2') END,
                      E'  \n' ORDER BY n)
      FROM regexp_split_to_table(replace(value, E'\r', ''), E'\n') WITH ORDINALITY AS l(line, n)
$$;

-- a fenced code block that the content cannot close: the fence is longer than
-- any run of backticks in it
CREATE FUNCTION mesh._md_code(value text, language text DEFAULT '') RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT fence || language || E'\n' || rtrim(replace(value, E'\r', ''), E'\n') || E'\n' || fence
      FROM (SELECT repeat('`', greatest(3, coalesce((SELECT max(length(m[1]))
                                                       FROM regexp_matches(value, '(`+)', 'g') m), 0) + 1)) AS fence) f
$$;

CREATE FUNCTION mesh.describe_markdown(product text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
    md text;
    section text;
    r record;
    rating record;
BEGIN
    md := '# ' || mesh._md(product) || E'\n\n' || '> ' || mesh._md(p.purpose) || E'\n\n';
    md := md || '| | |' || E'\n' || '|---|---|' || E'\n'
        || '| Owner | ' || mesh._md(mesh._role_name(p.owner)) || ' |' || E'\n'
        || '| Domain | ' || mesh._md(p.domain) || ' |' || E'\n'
        || '| Status | ' || mesh._md(p.status) || ' |' || E'\n'
        || '| Version | ' || mesh._md(p.version) || ' |' || E'\n'
        || '| Access level | ' || mesh._md(p.access_level) || ' |' || E'\n'
        || '| Output port | ' || mesh._md(mesh._relation_name(p.port)) || ' |' || E'\n'
        || '| Tags | ' || coalesce(nullif(array_to_string(ARRAY(SELECT mesh._md(t) FROM unnest(p.tags) t), ', '), ''), 'none') || ' |' || E'\n'
        || '| Updated | ' || mesh._md(to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')) || ' by ' || mesh._md(p.updated_by) || ' |' || E'\n';
    SELECT * INTO rating FROM mesh.product_ratings pr WHERE pr.product = describe_markdown.product;
    md := md || '| Rating | ' || CASE WHEN rating.reviews > 0
                                     THEN mesh._md(rating.average_stars::text) || ' of 5 \(' || rating.reviews || ' review'
                                          || CASE WHEN rating.reviews > 1 THEN 's' ELSE '' END || '\)'
                                     ELSE 'not rated yet' END || ' |' || E'\n\n';
    IF p.description IS NOT NULL THEN
        md := md || '## Description' || E'\n\n' || mesh._md_block(p.description) || E'\n\n';
    END IF;

    -- support
    SELECT string_agg('- ' || mesh._md(coalesce(s ->> 'channel', ''))
                      || coalesce(': ' || mesh._md(coalesce(s ->> 'url', s ->> 'email')), '')
                      || coalesce(' \(' || mesh._md(s ->> 'description') || '\)', ''), E'\n' ORDER BY n)
      INTO section FROM jsonb_array_elements(p.support) WITH ORDINALITY AS x(s, n);
    IF section IS NOT NULL THEN
        md := md || '## Support' || E'\n\n' || section || E'\n\n';
    END IF;

    -- schema
    md := md || '## Schema' || E'\n\n'
        || '| Column | Type | Nullable | Key | Classification | Terms | Description |' || E'\n'
        || '|---|---|---|---|---|---|---|' || E'\n'
        || coalesce((SELECT string_agg('| ' || mesh._md(c.name) || ' | ' || mesh._md(c.type) || ' | '
                                       || CASE WHEN c.nullable THEN 'yes' ELSE 'no' END || ' | '
                                       || CASE WHEN c.primary_key THEN 'primary key' ELSE '' END
                                       || coalesce(CASE WHEN c.primary_key THEN ', ' ELSE '' END
                                                   || 'references ' || mesh._md(c."references"), '') || ' | '
                                       || coalesce(mesh._md(c.classification), '') || ' | '
                                       || coalesce((SELECT string_agg(mesh._md(l.term), ', ' ORDER BY l.term)
                                                      FROM mesh.glossary_links l
                                                     WHERE l.product_id = p.id AND l.column_name = c.name), '') || ' | '
                                       || coalesce(mesh._md(c.description), '') || ' |',
                                       E'\n' ORDER BY c.position)
                       FROM mesh.data_product_columns c WHERE c.product_id = p.id), '') || E'\n\n';

    -- glossary
    SELECT string_agg('- **' || mesh._md(t.term) || '**: ' || mesh._md(t.definition), E'\n' ORDER BY t.term)
      INTO section
      FROM mesh.glossary_terms t
     WHERE EXISTS (SELECT FROM mesh.glossary_links l WHERE l.term = t.term AND l.product_id = p.id);
    IF section IS NOT NULL THEN
        md := md || '## Glossary' || E'\n\n' || section || E'\n\n';
    END IF;

    -- service levels
    md := md || '## Service levels' || E'\n\n';
    IF p.sla = '{}'::jsonb THEN
        md := md || 'No service levels are declared.' || E'\n\n';
    ELSE
        md := md || coalesce('- Freshness: at most ' || mesh._md(p.sla ->> 'freshness') || ' old' || E'\n', '')
            || coalesce('- Delivery window: ' || mesh._md(p.sla -> 'delivery_window' ->> 'start') || ' to '
                        || mesh._md(p.sla -> 'delivery_window' ->> 'end')
                        || coalesce(' ' || mesh._md(p.sla -> 'delivery_window' ->> 'timezone'), '')
                        || coalesce(' on ' || mesh._md((SELECT string_agg(d, ', ') FROM jsonb_array_elements_text(
                                        p.sla -> 'delivery_window' -> 'days') d)), '') || E'\n', '')
            || coalesce('- Backfill: up to ' || mesh._md(p.sla -> 'backfill' ->> 'max_lookback') || ' back'
                        || coalesce(', announced ' || mesh._md(p.sla -> 'backfill' ->> 'notice') || ' ahead', '')
                        || coalesce('. ' || mesh._md(p.sla -> 'backfill' ->> 'description'), '') || E'\n', '')
            || coalesce((SELECT string_agg('- ' || mesh._md(k) || ': ' || mesh._md(v #>> '{}'), E'\n' ORDER BY k)
                           FROM jsonb_each(p.sla) AS e(k, v)
                          WHERE k NOT IN ('freshness', 'delivery_window', 'backfill')) || E'\n', '')
            || E'\n';
    END IF;

    -- checks (mesh.checks and mesh.check_runs of the checks module, when installed)
    md := md || '## Quality checks' || E'\n\n' || mesh._markdown_checks(p.id) || E'\n';

    -- lineage
    md := md || '## Lineage' || E'\n\n';
    SELECT string_agg('- ' || mesh._md(l.source) || ' \(' || mesh._md(l.source_kind) || '\)', E'\n'
                      ORDER BY l.source)
      INTO section
      FROM (SELECT DISTINCT source, source_kind FROM mesh.lineage(product, 'upstream', 1)) l;
    md := md || 'Reads from:' || E'\n\n' || coalesce(section, '- nothing recorded') || E'\n\n';
    SELECT string_agg('- ' || mesh._md(l.target) || ' \(' || mesh._md(l.target_kind)
                      || coalesce(', data product ' || mesh._md(l.target_product), '') || '\)', E'\n' ORDER BY l.target)
      INTO section
      FROM (SELECT DISTINCT target, target_kind, target_product FROM mesh.lineage(product, 'downstream', 1)) l;
    md := md || 'Read by:' || E'\n\n' || coalesce(section, '- no views or products') || E'\n\n'
        || mesh._md_code(mesh.lineage_mermaid(product, 'both', 2), 'mermaid') || E'\n\n';

    -- examples
    md := md || '## Examples' || E'\n\n';
    IF jsonb_array_length(coalesce(p.examples -> 'queries', '[]')) = 0
       AND jsonb_array_length(coalesce(p.examples -> 'records', '[]')) = 0 THEN
        md := md || 'No examples are declared.' || E'\n\n';
    END IF;
    FOR r IN SELECT q, n FROM jsonb_array_elements(coalesce(p.examples -> 'queries', '[]')) WITH ORDINALITY AS x(q, n)
              ORDER BY n LOOP
        md := md || '### ' || mesh._md(coalesce(r.q ->> 'title', 'Query ' || r.n)) || E'\n\n'
            || mesh._md_code(coalesce(r.q ->> 'sql', ''), 'sql') || E'\n\n';
    END LOOP;
    IF jsonb_array_length(coalesce(p.examples -> 'records', '[]')) > 0 THEN
        md := md || 'Sample records:' || E'\n\n'
            || mesh._md_code(jsonb_pretty(p.examples -> 'records'), 'json') || E'\n\n';
    END IF;

    -- usage (mesh.usage_daily of the usage module, when installed)
    md := md || '## Usage' || E'\n\n' || mesh._markdown_usage(p.id) || E'\n';

    -- reviews
    md := md || '## Reviews' || E'\n\n';
    SELECT string_agg('- ' || rv.stars || ' of 5 stars by '
                      || mesh._md(coalesce(mesh._role_name(rv.reviewer), 'a dropped role')) || ', '
                      || to_char(rv.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
                      || coalesce(': ' || mesh._md(rv.comment), ''), E'\n'
                      ORDER BY rv.updated_at DESC, mesh._role_name(rv.reviewer))
      INTO section FROM mesh.reviews rv WHERE rv.product_id = p.id;
    md := md || coalesce(section, 'No reviews yet.') || E'\n';
    RETURN md;
END
$$;
COMMENT ON FUNCTION mesh.describe_markdown(text) IS
    'a documentation page of a data product in Markdown: purpose, owner, schema, glossary, SLA, checks, lineage, examples, usage, reviews';

-- The checks section.  mesh.checks/mesh.check_runs belong to the checks module
-- (pinned names); read with dynamic SQL only when they exist, so that this part
-- installs and works without that module.
CREATE FUNCTION mesh._markdown_checks(product_id bigint) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    result text;
BEGIN
    IF to_regclass('mesh.checks') IS NULL OR to_regclass('mesh.check_runs') IS NULL THEN
        RETURN 'Quality checks are not available in this installation.' || E'\n';
    END IF;
    BEGIN
        EXECUTE $q$
            SELECT string_agg('| ' || mesh._md(c.name) || ' | ' || mesh._md(coalesce(c.kind, '')) || ' | '
                              || mesh._md(coalesce(c.severity, '')) || ' | '
                              || CASE WHEN c.enabled THEN 'yes' ELSE 'no' END || ' | '
                              || coalesce(mesh._md(r.status), 'not run yet') || ' | '
                              || coalesce(to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), '')
                              || ' | ' || coalesce(mesh._md(r.message), '') || ' |', E'\n' ORDER BY c.name)
              FROM mesh.checks c
              -- the latest run through mesh.check_status, which shows its message
              -- (port data) to members of the product or domain owner only
              LEFT JOIN LATERAL (SELECT s.status, s.last_run + s.duration AS finished_at, s.message
                                   FROM mesh.check_status s
                                  WHERE s.product = (SELECT dp.domain || '.' || dp.name FROM mesh.data_products dp
                                                      WHERE dp.id = c.product_id)
                                    AND s.check_name = c.name) r ON true
             WHERE c.product_id = $1
        $q$ INTO result USING product_id;
    EXCEPTION WHEN insufficient_privilege THEN
        RETURN 'The quality checks of this product are not visible to you.' || E'\n';
    END;
    IF result IS NULL THEN
        RETURN 'No quality checks are defined.' || E'\n';
    END IF;
    RETURN '| Check | Kind | Severity | Enabled | Last result | Last run | Message |' || E'\n'
        || '|---|---|---|---|---|---|---|' || E'\n' || result || E'\n';
END
$$;

-- The usage section, from mesh.usage_daily of the usage module (pinned name)
-- when it exists: reads and readers over the last 30 days.
CREATE FUNCTION mesh._markdown_usage(product_id bigint) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    u record;
BEGIN
    IF to_regclass('mesh.usage_daily') IS NULL THEN
        RETURN 'Usage is not recorded in this installation.' || E'\n';
    END IF;
    BEGIN
        EXECUTE $q$
            SELECT coalesce(sum(ud.reads), 0) AS reads, count(DISTINCT ud.role) AS readers,
                   max(ud.last_read) AS last_read,
                   coalesce(sum(ud.reads) FILTER (WHERE ud.day > current_date - 7), 0) AS reads_7d
              FROM mesh.usage_daily ud
             WHERE ud.product_id = $1 AND ud.day > current_date - 30
        $q$ INTO u USING product_id;
    EXCEPTION WHEN insufficient_privilege THEN
        RETURN 'The usage of this product is not visible to you.' || E'\n';
    END;
    IF u.reads = 0 THEN
        RETURN 'No reads in the last 30 days.' || E'\n';
    END IF;
    RETURN '- Reads in the last 30 days: ' || u.reads || ' \(' || u.reads_7d || ' in the last 7\)' || E'\n'
        || '- Reading roles: ' || u.readers || E'\n'
        || '- Last read: ' || coalesce(to_char(u.last_read AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), 'unknown') || E'\n';
END
$$;

REVOKE ALL ON FUNCTION mesh._find_term(text), mesh._define_term(regrole, text, text, text[], regrole),
    mesh._drop_term(regrole, text), mesh._term_link_target(regrole, text, text, text),
    mesh._link_term(regrole, text, text, text), mesh._unlink_term(regrole, text, text, text),
    mesh._on_store_53_discovery(regrole, bigint, jsonb), mesh._review(regrole, text, integer, text),
    mesh._delete_review(regrole, text), mesh._md(text), mesh._md_block(text), mesh._md_code(text, text),
    mesh._markdown_checks(bigint), mesh._markdown_usage(bigint)
    FROM PUBLIC;
-- read-only helpers of describe_markdown and search_terms, which run as the reader
GRANT EXECUTE ON FUNCTION mesh._find_term(text), mesh._md(text), mesh._md_block(text), mesh._md_code(text, text),
    mesh._markdown_checks(bigint), mesh._markdown_usage(bigint)
    TO PUBLIC;
