-- Enforcement: what src/enforce.c reads into its per-backend cache, the
-- fail-closed guard on governed tables, and the pinned helper
-- mesh._column_is_masked().  See docs/security.md for the threat model.

-- Port columns and the masking policy that applies to each, with its rank:
-- 1 = bound to the column, 2 = bound to the column's classification tag.
-- Every live port of a product is governed: the current port and the kept
-- ports of earlier majors (<product>_v<N>, mesh.product_versions), which stay
-- granted to their consumers until the sunset; a kept port's column gets the
-- rules of the product's column of the same name.
CREATE FUNCTION mesh._port_column_policies()
    RETURNS TABLE (product_id bigint, port regclass, attnum int2, column_name text, policy text, rank int)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    WITH ports AS (
        SELECT p.id AS product_id, p.port FROM mesh.data_products p WHERE p.port IS NOT NULL
        UNION
        SELECT v.product_id, v.port FROM mesh.product_versions v
         WHERE v.port IS NOT NULL AND v.status <> 'retired'
    )
    SELECT l.product_id, l.port, a.attnum, c.name, b.policy, 1
      FROM mesh.masking_policy_bindings b
      JOIN ports l ON l.product_id = b.product_id
      JOIN mesh.data_product_columns c ON c.product_id = l.product_id AND c.name = b.column_name
      JOIN pg_catalog.pg_attribute a ON a.attrelid = l.port AND a.attname = c.name AND NOT a.attisdropped
    UNION ALL
    SELECT l.product_id, l.port, a.attnum, c.name, b.policy, 2
      FROM mesh.masking_policy_bindings b
      JOIN mesh.data_product_columns c ON c.classification = b.tag
      JOIN ports l ON l.product_id = c.product_id
      JOIN pg_catalog.pg_attribute a ON a.attrelid = l.port AND a.attname = c.name AND NOT a.attisdropped;
END
$$;

-- columns of a materialized view that copy a column of another relation
CREATE FUNCTION mesh._matview_origins(matview regclass)
    RETURNS TABLE (attnum int2, source_relation oid, source_attnum int2)
    LANGUAGE c STABLE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_matview_origins';

-- Every governed (relation, column) with the one masking policy that applies.
-- A port column that passes a column of another relation through unchanged is
-- masked at that relation (so every path to the value is masked once); a
-- computed port column is masked in the port.  Inheritance children and
-- partitions of a governed table get the rule of their parent's column.
-- Precedence: rank (column binding first), then policy name.
CREATE FUNCTION mesh._enforcement_masks()
    RETURNS TABLE (relid oid, attnum int2, policy text, mask text, unmasked_for text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    -- classifications kept by the classification module (inherited ones
    -- included), when it is installed; fixed text, no user input
    governed text := CASE WHEN pg_catalog.to_regclass('mesh.governed_columns') IS NULL THEN '' ELSE $q$
        UNION ALL
        SELECT g.relation::oid, g.attnum, b.policy, 2
          FROM mesh.governed_columns g
          JOIN mesh.masking_policy_bindings b ON b.tag = g.tag
          JOIN pg_catalog.pg_class r ON r.oid = g.relation
         WHERE r.relkind <> 'v'
            OR NOT EXISTS (SELECT FROM mesh._column_origins(g.relation) o
                            WHERE o.attnum = g.attnum AND o.source_relation IS NOT NULL)
    $q$ END;
BEGIN
    RETURN QUERY EXECUTE $q$
    WITH RECURSIVE direct AS (
        SELECT coalesce(o.source_relation::oid, pc.port::oid) AS relid,
               coalesce(o.source_attnum, pc.attnum) AS attnum, pc.policy, pc.rank
          FROM mesh._port_column_policies() pc
          LEFT JOIN LATERAL mesh._column_origins(pc.port) o
                 ON o.attnum = pc.attnum AND o.source_relation IS NOT NULL
    $q$ || governed || $q$
    ), tree(parent, child) AS (
        SELECT i.inhparent, i.inhrelid FROM pg_catalog.pg_inherits i
         WHERE i.inhparent IN (SELECT d.relid FROM direct d)
        UNION
        SELECT t.parent, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.child
    ), inherited AS (
        SELECT d.relid, d.attnum, d.policy, d.rank FROM direct d
        UNION ALL
        SELECT t.child, ca.attnum, d.policy, d.rank
          FROM tree t
          JOIN direct d ON d.relid = t.parent
          JOIN pg_catalog.pg_attribute pa ON pa.attrelid = t.parent AND pa.attnum = d.attnum
          JOIN pg_catalog.pg_attribute ca ON ca.attrelid = t.child AND ca.attname = pa.attname AND NOT ca.attisdropped
    ), matview_columns AS (
        -- a materialized view column copying a governed column, directly or
        -- through a view column that copies it
        SELECT m.oid AS relid, mo.attnum,
               coalesce(vo.source_relation::oid, mo.source_relation) AS source_relation,
               coalesce(vo.source_attnum, mo.source_attnum) AS source_attnum
          FROM pg_catalog.pg_class m
         CROSS JOIN LATERAL mesh._matview_origins(m.oid) mo
          LEFT JOIN pg_catalog.pg_class src ON src.oid = mo.source_relation AND src.relkind = 'v'
          LEFT JOIN LATERAL mesh._column_origins(src.oid) vo
                 ON src.oid IS NOT NULL AND vo.attnum = mo.source_attnum AND vo.source_relation IS NOT NULL
         WHERE m.relkind = 'm'
    ), rules AS (
        SELECT * FROM inherited
        UNION ALL
        SELECT mc.relid, mc.attnum, i.policy, i.rank
          FROM matview_columns mc
          JOIN inherited i ON i.relid = mc.source_relation AND i.attnum = mc.source_attnum
    )
    SELECT DISTINCT ON (r.relid, r.attnum) r.relid, r.attnum, r.policy, m.mask, m.unmasked_for
      FROM rules r JOIN mesh.masking_policies m ON m.name = r.policy
     ORDER BY r.relid, r.attnum, r.rank, r.policy
    $q$;
END
$$;

-- Row policies and the relation each applies to: the source relation of a
-- product published from a relation (so reads of the table and of the port
-- are filtered once), otherwise the port; children of a filtered table too.
-- The kept ports of earlier majors (mesh.product_versions) are filtered as
-- well, unless they read the filtered source relation (filtered there); a
-- filter naming a column such a port no longer has makes its reads fail
-- (closed), it never lets rows through.  JIT is off: the row estimates of
-- the recursive query pass jit_above_cost, and compiling it took a second
-- on every rebuild of the enforcement cache for a query of a few rows.
CREATE FUNCTION mesh._enforcement_filters()
    RETURNS TABLE (relid oid, product text, policy text, filter text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
    AS $$
BEGIN
    RETURN QUERY
    WITH RECURSIVE direct AS (
        SELECT CASE WHEN p.source_kind = 'relation' AND p.source_relation IS NOT NULL
                    THEN p.source_relation ELSE p.port END::oid AS relid,
               p.domain || '.' || p.name AS product, r.name AS policy, r.filter
          FROM mesh.row_policies r JOIN mesh.data_products p ON p.id = r.product_id
        UNION
        SELECT v.port::oid, p.domain || '.' || p.name, r.name, r.filter
          FROM mesh.row_policies r
          JOIN mesh.data_products p ON p.id = r.product_id
          JOIN mesh.product_versions v ON v.product_id = p.id
         WHERE v.port IS NOT NULL AND v.status <> 'retired' AND v.port IS DISTINCT FROM p.port
           AND NOT (p.source_kind = 'relation' AND p.source_relation IS NOT NULL
                    AND EXISTS (SELECT FROM pg_catalog.pg_rewrite rw
                                  JOIN pg_catalog.pg_depend d
                                    ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                   AND d.objid = rw.oid
                                 WHERE rw.ev_class = v.port
                                   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                   AND d.refobjid = p.source_relation))
    ), tree(parent, child) AS (
        SELECT i.inhparent, i.inhrelid FROM pg_catalog.pg_inherits i WHERE i.inhparent IN (SELECT d.relid FROM direct d)
        UNION
        SELECT t.parent, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.child
    )
    SELECT d.relid, d.product, d.policy, d.filter FROM direct d
    UNION ALL
    SELECT t.child, d.product, d.policy, d.filter FROM tree t JOIN direct d ON d.relid = t.parent
    ORDER BY 1, 2, 3;
END
$$;

-- true when some masking policy applies to the column (pinned: used by the
-- global rule "PII columns have a mask")
CREATE FUNCTION mesh._column_is_masked(product_id bigint, column_name text) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT EXISTS (SELECT FROM mesh._port_column_policies() pc
                    WHERE pc.product_id = _column_is_masked.product_id
                      AND pc.column_name = _column_is_masked.column_name)
        -- a tag inherited through a port (kept by the classification module)
        OR EXISTS (SELECT FROM mesh.governed_columns g
                     JOIN mesh.data_products p ON p.id = g.product_id AND g.relation = p.port
                     JOIN mesh.masking_policy_bindings b ON b.tag = g.tag
                    WHERE g.product_id = _column_is_masked.product_id
                      AND g.column_name = _column_is_masked.column_name)
$$;

-- The fail-closed guard: governed tables carry a restrictive row-level
-- security policy USING ((SELECT mesh._enforcement_guard('<table>'))), and row
-- security is forced, so it also applies to reads through views (ports) owned
-- by the table owner.  With the read hooks active it is true (an initplan,
-- evaluated once per query); without them (library not preloaded,
-- meshpg.enforcement off) it raises an error unless every role in play (the
-- session role and the current role) may see the table's raw data.
CREATE FUNCTION mesh._enforcement_guard(relation regclass) RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_enforcement_guard';

-- Put the guard on every governed table.  Called by the API after each
-- binding, row policy and descriptor store (not by a trigger on the catalog:
-- a restore loads the catalog rows and the guards separately, and must not
-- create them twice).  Tables without row security get it
-- enabled and forced, with a permissive policy that lets every row through
-- (the guard is restrictive); tables that already had row security keep their
-- policies and their FORCE setting (docs/security.md explains the difference).
CREATE FUNCTION mesh._ensure_enforcement_guards() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT DISTINCT c.oid::regclass AS rel, c.relrowsecurity
               FROM (SELECT m.relid FROM mesh._enforcement_masks() m
                     UNION SELECT f.relid FROM mesh._enforcement_filters() f) g
               JOIN pg_catalog.pg_class c ON c.oid = g.relid
              WHERE c.relkind IN ('r', 'p')
                AND NOT EXISTS (SELECT FROM pg_catalog.pg_policy pol
                                 WHERE pol.polrelid = c.oid AND pol.polname = 'meshpg_enforcement_guard')
    LOOP
        IF NOT t.relrowsecurity THEN
            EXECUTE format('CREATE POLICY meshpg_all_rows ON %s AS PERMISSIVE FOR ALL USING (true) WITH CHECK (true)', t.rel);
            EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t.rel);
        END IF;
        EXECUTE format('CREATE POLICY meshpg_enforcement_guard ON %s AS RESTRICTIVE FOR SELECT USING ((SELECT mesh._enforcement_guard(%L::regclass)))',
                       t.rel, t.rel::oid);
    END LOOP;
END
$$;

CREATE FUNCTION mesh._on_store_25_enforce(caller regrole, product_id bigint, normalized jsonb) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._ensure_enforcement_guards();
END
$$;

-- statistics of masked columns are hidden from masked readers (pg_stats);
-- the read hook adds this filter to pg_statistic for them
CREATE FUNCTION mesh._statistic_visible(relid oid, attnum int2) RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_statistic_visible';

-- a plan made for one reader runs only for that reader (see enforce.c)
CREATE FUNCTION mesh._enforcement_reader_is(reader oid) RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_enforcement_reader_is';

REVOKE ALL ON FUNCTION mesh._validate_policy_expression(text, text, regclass, text),
    mesh._check_policy_name(text, text),
    mesh._invalidate_enforcement(), mesh._policies_changed(), mesh._may_govern(regrole),
    mesh._require_policy_governance(regrole, text),
    mesh._product_for_policy(regrole, text, text), mesh._find_masking_policy(text),
    mesh._check_mask_on_column(mesh.masking_policies, mesh.data_products, text),
    mesh._create_masking_policy(regrole, text, text, text), mesh._drop_masking_policy(regrole, text),
    mesh._bind_masking_policy(regrole, text, text), mesh._bind_masking_policy(regrole, text, text, text),
    mesh._unbind_masking_policy(regrole, text, text), mesh._unbind_masking_policy(regrole, text, text, text),
    mesh._set_consumer_attribute(regrole, regrole, text, text),
    mesh._create_row_policy(regrole, text, text, text), mesh._drop_row_policy(regrole, text, text),
    mesh._port_column_policies(), mesh._matview_origins(regclass), mesh._enforcement_masks(), mesh._enforcement_filters(),
    mesh._column_is_masked(bigint, text), mesh._ensure_enforcement_guards(),
    mesh._on_store_25_enforce(regrole, bigint, jsonb)
    FROM PUBLIC;
-- run by every reader, inside their queries
GRANT EXECUTE ON FUNCTION mesh._enforcement_guard(regclass), mesh._statistic_visible(oid, int2),
    mesh._enforcement_reader_is(oid) TO PUBLIC;
