-- Classifications: tags on product columns, where they apply, and inheritance.
--
-- A column's declared tag lives in the descriptor (columns.<name>.classification),
-- set by create/alter or by mesh.classify(), so it survives every later alter.
-- mesh.governed_columns says where each tag applies: one row per classified port
-- column (relation = the port) and one per base column (table, materialized
-- view, foreign table) that the port column is a direct copy of, as traced by
-- mesh._column_origins.  A port column that is a direct copy of a base column
-- that another product declares a tag on inherits that tag (inherited_from =
-- 'domain.product.column'), unless it declares its own.  Because every
-- inherited tag comes from a declared one on the same base column, one pass
-- recomputes everything: the changed product first, then every product that
-- reads one of the base relations involved.
--
-- The enforcement area caches mesh.governed_columns per backend; every change
-- sends a relcache invalidation on it (statement trigger below).

CREATE TABLE mesh.governed_columns (
    relation        regclass NOT NULL,
    attnum          int2 NOT NULL CHECK (attnum > 0),
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    column_name     text NOT NULL,
    tag             text NOT NULL,
    inherited_from  text,
    UNIQUE (relation, attnum, product_id, column_name)
);
COMMENT ON TABLE mesh.governed_columns IS
    'where each classification applies: classified port columns and the base columns they copy';
CREATE INDEX governed_columns_product_idx ON mesh.governed_columns (product_id);
SELECT pg_catalog.pg_extension_config_dump('mesh.governed_columns', '');
REVOKE ALL ON mesh.governed_columns FROM PUBLIC;
GRANT SELECT ON mesh.governed_columns TO PUBLIC;

-- a tag, as the descriptor validator accepts it (src/descriptor.c, is_tag)
CREATE FUNCTION mesh._check_tag(tag text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF tag !~ '^[a-z0-9][a-z0-9._:-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid classification "%"', tag
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A classification is 1 to 63 lower-case letters, digits and . _ - :, starting with a letter or digit.',
                  HINT = 'Write it like ''pii.email''.';
    END IF;
END
$$;

-- the rows of mesh.governed_columns that one product should have now
CREATE FUNCTION mesh._governed_rows(product_id bigint)
    RETURNS TABLE (relation regclass, attnum int2, column_name text, tag text, inherited_from text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH p AS (
        SELECT dp.id, dp.port FROM mesh.data_products dp WHERE dp.id = _governed_rows.product_id
    ), origin AS MATERIALIZED (
        SELECT o.* FROM p CROSS JOIN LATERAL mesh._column_origins(p.port) o
    ), effective AS (
        SELECT c.position::int2 AS port_attnum, c.name,
               o.source_relation, o.source_attnum,
               coalesce(c.declared ->> 'classification', inh.tag) AS tag,
               CASE WHEN c.declared ->> 'classification' IS NULL THEN inh.inherited_from END AS inherited_from
          FROM p
          JOIN mesh.data_product_columns c ON c.product_id = p.id
          LEFT JOIN origin o ON o.attnum = c.position
          LEFT JOIN LATERAL (
                -- a tag declared by another product on the same base column
                SELECT g.tag, dp.domain || '.' || dp.name || '.' || g.column_name AS inherited_from
                  FROM mesh.governed_columns g
                  JOIN mesh.data_products dp ON dp.id = g.product_id
                 WHERE g.relation = o.source_relation AND g.attnum = o.source_attnum
                   AND g.inherited_from IS NULL AND g.product_id <> p.id
                 ORDER BY dp.domain, dp.name, g.column_name
                 LIMIT 1
          ) inh ON true
    )
    SELECT p.port, e.port_attnum, e.name, e.tag, e.inherited_from
      FROM effective e CROSS JOIN p
     WHERE e.tag IS NOT NULL
    UNION ALL
    SELECT e.source_relation, e.source_attnum, e.name, e.tag, e.inherited_from
      FROM effective e
     WHERE e.tag IS NOT NULL AND e.source_relation IS NOT NULL
$$;

-- recompute one product's rows and its columns' effective classification
CREATE FUNCTION mesh._refresh_governed_columns(product_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    -- relations as oids: a name would depend on search_path
    wanted jsonb := (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'relation', r.relation::oid, 'attnum', r.attnum, 'column_name', r.column_name,
                               'tag', r.tag, 'inherited_from', r.inherited_from)), '[]'::jsonb)
                       FROM mesh._governed_rows(product_id) AS r);
BEGIN
    -- change only what differs, so an unchanged product sends no invalidation
    DELETE FROM mesh.governed_columns g
     WHERE g.product_id = _refresh_governed_columns.product_id
       AND NOT EXISTS (SELECT FROM jsonb_to_recordset(wanted)
                                   AS n(relation oid, attnum int2, column_name text, tag text, inherited_from text)
                        WHERE n.relation = g.relation AND n.attnum = g.attnum
                          AND n.column_name = g.column_name AND n.tag = g.tag
                          AND n.inherited_from IS NOT DISTINCT FROM g.inherited_from);
    INSERT INTO mesh.governed_columns (relation, attnum, product_id, column_name, tag, inherited_from)
    SELECT n.relation::regclass, n.attnum, _refresh_governed_columns.product_id, n.column_name, n.tag, n.inherited_from
      FROM jsonb_to_recordset(wanted)
           AS n(relation oid, attnum int2, column_name text, tag text, inherited_from text)
     WHERE NOT EXISTS (SELECT FROM mesh.governed_columns g
                        WHERE g.product_id = _refresh_governed_columns.product_id
                          AND n.relation = g.relation AND n.attnum = g.attnum
                          AND n.column_name = g.column_name);

    -- the column's tag as describe() and search show it: declared, else inherited
    UPDATE mesh.data_product_columns c
       SET classification = coalesce(c.declared ->> 'classification',
                                     (SELECT g.tag FROM mesh.governed_columns g
                                       WHERE g.product_id = c.product_id AND g.column_name = c.name
                                       LIMIT 1))
     WHERE c.product_id = _refresh_governed_columns.product_id
       AND c.classification IS DISTINCT FROM
           coalesce(c.declared ->> 'classification',
                    (SELECT g.tag FROM mesh.governed_columns g
                      WHERE g.product_id = c.product_id AND g.column_name = c.name
                      LIMIT 1));
    IF FOUND THEN
        PERFORM mesh._refresh_search(product_id);
    END IF;
END
$$;

-- recompute every product (but skip) that reads one of these base relations
CREATE FUNCTION mesh._refresh_governed_readers(relations regclass[], skip bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    reader bigint;
BEGIN
    IF cardinality(relations) IS NULL OR cardinality(relations) = 0 THEN
        RETURN;
    END IF;
    FOR reader IN
        SELECT dp.id FROM mesh.data_products dp
         WHERE dp.id IS DISTINCT FROM skip
           AND EXISTS (SELECT FROM mesh._column_origins(dp.port) o WHERE o.source_relation = ANY (relations))
         ORDER BY dp.id
    LOOP
        PERFORM mesh._refresh_governed_columns(reader);
    END LOOP;
END
$$;

-- base relations (not the port) that a product's rows name
CREATE FUNCTION mesh._governed_base_relations(product_id bigint) RETURNS regclass[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(array_agg(DISTINCT g.relation), '{}')
      FROM mesh.governed_columns g JOIN mesh.data_products dp ON dp.id = g.product_id
     WHERE g.product_id = _governed_base_relations.product_id AND g.relation <> dp.port
$$;

-- a product and everything that inherits from it, after its tags changed
CREATE FUNCTION mesh._reclassify(product_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    before regclass[];
BEGIN
    -- one recomputation at a time: two of them would rewrite the same readers' rows
    PERFORM mesh._lock_name('classifications', '*');
    before := mesh._governed_base_relations(product_id);
    PERFORM mesh._refresh_governed_columns(product_id);
    PERFORM mesh._refresh_governed_readers(
        ARRAY(SELECT DISTINCT r FROM unnest(before || mesh._governed_base_relations(product_id)) AS r),
        product_id);
END
$$;

-- store handler: after every create and alter
CREATE FUNCTION mesh._on_store_20_classifications(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._reclassify(product_id);
END
$$;

-- A product was dropped (its rows went with the foreign key cascade): the
-- products that inherited from it are recomputed.  Rows of products that
-- still exist were deleted by a refresh, which needs nothing more.
CREATE FUNCTION mesh._governed_columns_deleted() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._lock_name('classifications', '*');
    PERFORM mesh._refresh_governed_readers(
        ARRAY(SELECT DISTINCT g.relation FROM gone g
               WHERE NOT EXISTS (SELECT FROM mesh.data_products dp WHERE dp.id = g.product_id)),
        NULL);
    RETURN NULL;
END
$$;
CREATE TRIGGER governed_columns_deleted AFTER DELETE ON mesh.governed_columns
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION mesh._governed_columns_deleted();

-- every change: per-backend caches of the enforcement area are rebuilt
CREATE FUNCTION mesh._governed_columns_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._invalidate_relation('mesh.governed_columns'::regclass);
    RETURN NULL;
END
$$;
CREATE TRIGGER governed_columns_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mesh.governed_columns
    FOR EACH STATEMENT EXECUTE FUNCTION mesh._governed_columns_changed();

-- Recompute every product's rows from the catalog.  For the extension owner
-- after a restore into a database where a base table had dropped columns
-- (pg_dump does not keep attribute numbers; see docs/classifications.md).
CREATE FUNCTION mesh._refresh_all_classifications() RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    product_id bigint;
    n integer := 0;
BEGIN
    PERFORM mesh._lock_name('classifications', '*');
    -- declared rows first (inherited rows are computed from them)
    DELETE FROM mesh.governed_columns;
    FOR product_id IN SELECT dp.id FROM mesh.data_products dp ORDER BY dp.id LOOP
        INSERT INTO mesh.governed_columns (relation, attnum, product_id, column_name, tag, inherited_from)
        SELECT r.relation, r.attnum, product_id, r.column_name, r.tag, r.inherited_from
          FROM mesh._governed_rows(product_id) AS r
         WHERE r.inherited_from IS NULL;
    END LOOP;
    FOR product_id IN SELECT dp.id FROM mesh.data_products dp ORDER BY dp.id LOOP
        PERFORM mesh._refresh_governed_columns(product_id);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- mesh.classify(product, column, tag): set (or, with NULL, remove) a column's
-- declared classification.  Kept in the descriptor, so later alters keep it.
CREATE FUNCTION mesh._classify(caller regrole, product text, column_name text, tag text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    domain_owner regrole;
BEGIN
    PERFORM mesh._require(product, 'product');
    PERFORM mesh._require(column_name, 'column');
    IF tag IS NOT NULL THEN
        PERFORM mesh._check_tag(tag);
    END IF;
    p := mesh._find_product(product);
    SELECT d.owner INTO domain_owner FROM mesh.domains d WHERE d.name = p.domain;
    IF NOT (pg_has_role(caller, p.owner, 'MEMBER') OR pg_has_role(caller, domain_owner, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to classify columns of data product "%"', product
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only members of the product owner %s or of the domain owner %s can classify its columns.',
                                  quote_ident(mesh._role_name(p.owner)), quote_ident(mesh._role_name(domain_owner))),
                  HINT = 'Ask the product owner to classify the column.';
    END IF;
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = p.id FOR UPDATE;
    IF NOT EXISTS (SELECT FROM mesh.data_product_columns c WHERE c.product_id = p.id AND c.name = column_name) THEN
        RAISE EXCEPTION 'column "%" of data product "%" does not exist', column_name, product
            USING ERRCODE = 'undefined_column',
                  HINT = format('The columns are listed by mesh.describe(%L).', product);
    END IF;

    UPDATE mesh.data_product_columns c
       SET declared = CASE WHEN tag IS NULL THEN c.declared - 'classification'
                           ELSE c.declared || jsonb_build_object('classification', tag) END,
           classification = tag
     WHERE c.product_id = p.id AND c.name = column_name;
    UPDATE mesh.data_products dp
       SET updated_at = now(), updated_by = mesh._role_name(caller)
     WHERE dp.id = p.id;
    PERFORM mesh._reclassify(p.id);
    -- a table governed only through this classification (a masking policy
    -- bound to the tag) gets its fail-closed guard now, not at the next store
    PERFORM mesh._ensure_enforcement_guards();
    PERFORM mesh._refresh_search(p.id);
END
$$;

CREATE FUNCTION mesh.classify(product text, column_name text, tag text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.classify(text, text, text) IS
    'set the classification of a column of a data product (NULL removes it); kept in its descriptor';

REVOKE ALL ON FUNCTION mesh._check_tag(text), mesh._governed_rows(bigint),
    mesh._refresh_governed_columns(bigint), mesh._refresh_governed_readers(regclass[], bigint),
    mesh._governed_base_relations(bigint), mesh._reclassify(bigint),
    mesh._on_store_20_classifications(regrole, bigint, jsonb), mesh._governed_columns_deleted(),
    mesh._governed_columns_changed(), mesh._classify(regrole, text, text, text),
    mesh._refresh_all_classifications() FROM PUBLIC;

-- Suggestions ---------------------------------------------------------------

-- the kind of one value: 'email', 'iban', 'card', 'phone' or NULL (src/classify_detect.c)
CREATE FUNCTION mesh._value_kind(value text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'meshpg_value_kind';

-- tags suggested by a column name: (tag, confidence, the words that matched)
CREATE FUNCTION mesh._name_hint(column_name text, OUT tag text, OUT confidence real, OUT reason text)
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH n AS (SELECT '_' || lower(column_name) || '_' AS n)
    SELECT h.tag, h.confidence, format('column name "%s" suggests %s', column_name, h.what)
      FROM n, (VALUES
        (1, 'pii.email', 0.7::real, '_(e_?)?mail(_?address)?_', 'an e-mail address'),
        (2, 'pii.phone', 0.7::real, '_(phone|mobile|cell|tel|telephone|fax|msisdn)(_?(number|no|nr))?_', 'a phone number'),
        (3, 'pii.birth_date', 0.8::real, '_(birth_?(date|day)?|date_of_birth|dob|birthday|born(_on)?)_', 'a date of birth'),
        (4, 'financial.iban', 0.8::real, '_(iban|bank_?account(_?(number|no))?)_', 'a bank account (IBAN)'),
        (5, 'financial.card', 0.7::real, '_(credit_?card|card_?(number|no|nr)|cc_?(number|no)|pan)_', 'a payment card number'),
        (6, 'pii.national_id', 0.7::real, '_(ssn|social_security(_number)?|national_id|passport(_?(number|no))?|tax_?id)_', 'a national identifier'),
        (7, 'pii.address', 0.5::real, '_(address|street|postcode|post_code|postal_code|zip|zip_code)_', 'a postal address'),
        (8, 'pii.name', 0.6::real, '_((first|last|given|family|full|middle|sur|maiden)_?name|surname|forename)_', 'a person''s name'),
        (9, 'pii.name', 0.3::real, '^_name_$', 'a name (possibly not a person''s)')
      ) AS h(priority, tag, confidence, pattern, what)
     WHERE n.n OPERATOR(pg_catalog.~) h.pattern
     ORDER BY h.priority
     LIMIT 1
$$;

-- mesh.suggest_classifications(product): proposed tags from column names and
-- from a bounded sample of values.  Runs as the caller (not through the
-- dispatcher): the sample is read with the caller's own rights, or not at all.
CREATE FUNCTION mesh.suggest_classifications(product text)
    RETURNS TABLE (column_name text, tag text, confidence real, reason text)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
    sample_size constant integer := 1000;
    stats jsonb := '{}'::jsonb;
BEGIN
    IF has_table_privilege(p.port, 'SELECT') THEN
        BEGIN
            -- one bounded read of the port; every value as text, keyed by column
            EXECUTE format($q$
                SELECT coalesce(jsonb_object_agg(k, s), '{}'::jsonb) FROM (
                  SELECT e.key AS k, jsonb_build_object(
                           'values', count(e.value),
                           'email', count(*) FILTER (WHERE mesh._value_kind(e.value) = 'email'),
                           'phone', count(*) FILTER (WHERE mesh._value_kind(e.value) = 'phone'),
                           'card', count(*) FILTER (WHERE mesh._value_kind(e.value) = 'card'),
                           'iban', count(*) FILTER (WHERE mesh._value_kind(e.value) = 'iban'),
                           -- date columns only (CASE: the cast runs only on their values)
                           'adult_age', count(*) FILTER (
                               WHERE CASE WHEN e.key = ANY ($1)
                                               AND e.value OPERATOR(pg_catalog.~) '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
                                          THEN left(e.value, 10)::date BETWEEN current_date - 110 * 365
                                                                           AND current_date - 14 * 365
                                     END),
                           'distinct', count(DISTINCT e.value)) AS s
                    FROM (SELECT * FROM %s LIMIT %s) AS r
                   CROSS JOIN LATERAL jsonb_each_text(pg_catalog.to_jsonb(r)) AS e
                   GROUP BY e.key) AS per_column$q$,
                mesh._relation_name(p.port), sample_size)
              INTO stats
              USING ARRAY(SELECT c.name FROM mesh.data_product_columns c
                           WHERE c.product_id = p.id
                             AND c.type IN ('date', 'timestamp without time zone', 'timestamp with time zone'));
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'suggestions for data product "%" are based on column names only', product
                USING DETAIL = format('You may not read every column of %s.', mesh._relation_name(p.port));
            stats := '{}'::jsonb;
        END;
    ELSE
        RAISE NOTICE 'suggestions for data product "%" are based on column names only', product
            USING DETAIL = format('You may not read %s, so no values were sampled.', mesh._relation_name(p.port)),
                  HINT = 'Ask for access to the product to get suggestions from its values.';
    END IF;

    RETURN QUERY
    WITH cols AS (
        SELECT c.name, c.type, c.position, c.classification, stats -> c.name AS s
          FROM mesh.data_product_columns c WHERE c.product_id = p.id
    ), by_value AS (
        -- most of the non-null sampled values agree on one kind
        SELECT c.name, v.tag, v.share, v.what, (c.s ->> 'values')::int AS n
          FROM cols c
         CROSS JOIN LATERAL (VALUES
               ('pii.email', 'e-mail addresses', (c.s ->> 'email')::real),
               ('pii.phone', 'phone numbers', (c.s ->> 'phone')::real),
               ('financial.card', 'card numbers passing the Luhn check', (c.s ->> 'card')::real),
               ('financial.iban', 'IBANs passing the mod-97 check', (c.s ->> 'iban')::real),
               ('pii.birth_date', 'dates 14 to 110 years ago',
                CASE WHEN c.type IN ('date', 'timestamp without time zone', 'timestamp with time zone')
                          AND (c.s ->> 'distinct')::int > 1
                     THEN (c.s ->> 'adult_age')::real END)
           ) AS x(tag, what, hits)
         CROSS JOIN LATERAL (SELECT x.tag, x.hits / nullif((c.s ->> 'values')::real, 0) AS share, x.what) AS v
         WHERE v.share >= 0.8
    ), by_name AS (
        SELECT c.name, h.tag, h.confidence, h.reason
          FROM cols c CROSS JOIN LATERAL mesh._name_hint(c.name) AS h
         WHERE h.tag IS NOT NULL
    ), combined AS (
        SELECT coalesce(v.name, n.name) AS name, coalesce(v.tag, n.tag) AS tag,
               CASE
                   WHEN v.tag IS NOT NULL AND n.tag IS NOT NULL THEN least(0.99, greatest(n.confidence, v.share * 0.9) + 0.1)
                   -- a date column of adult ages is weak evidence on its own
                   WHEN v.tag = 'pii.birth_date' THEN 0.4 * v.share
                   WHEN v.tag IS NOT NULL THEN 0.9 * v.share
                   ELSE n.confidence
               END::real AS confidence,
               concat_ws('; ', n.reason,
                         CASE WHEN v.tag IS NOT NULL
                              THEN format('%s%% of %s sampled values are %s', round(v.share * 100), v.n, v.what) END)
                 AS reason
          FROM by_value v FULL JOIN by_name n ON n.name = v.name AND n.tag = v.tag
    )
    SELECT cb.name, cb.tag, round(cb.confidence::numeric, 2)::real, cb.reason
      FROM combined cb JOIN cols c ON c.name = cb.name
     WHERE c.classification IS DISTINCT FROM cb.tag
     ORDER BY c.position, cb.confidence DESC, cb.tag;
END
$$;
COMMENT ON FUNCTION mesh.suggest_classifications(text) IS
    'proposed classifications from column names and a sample of at most 1000 values, read with your own rights';
-- read-only helpers that suggest_classifications calls as the reader
REVOKE ALL ON FUNCTION mesh._name_hint(text), mesh._value_kind(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mesh._name_hint(text), mesh._value_kind(text) TO PUBLIC;
