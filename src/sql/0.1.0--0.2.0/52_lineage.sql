-- Lineage: where a product's data comes from and where it goes.
--
-- Computed on demand from the catalogs (pg_rewrite, pg_depend) every time it is
-- asked for, never stored: a view definition is the truth, so lineage cannot go
-- stale, and there is nothing to keep in step on CREATE/ALTER/DROP VIEW, restore
-- or pg_upgrade.  mesh._column_lineage (src/lineage.c) reads one view's query
-- tree; the functions here walk relation by relation (upstream through the
-- relations a view reads, downstream through pg_depend), so nested views are
-- nodes of the graph.  Declared external sources (mesh.data_product_sources,
-- written by the descriptor's "sources" and mesh.add_source) are the only
-- stored part.  See docs/lineage.md.

CREATE FUNCTION mesh._column_lineage(rel regclass)
    RETURNS TABLE (attnum int2, source_relation regclass, source_attnum int2, how text)
    LANGUAGE c STABLE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_column_lineage';
COMMENT ON FUNCTION mesh._column_lineage(regclass) IS
    'for each output column of a view or materialized view, the source columns it reads and how (direct, expression, aggregate); with attnum NULL the join, filter and group_by keys and the relations read';

-- what kind of node a relation is in a lineage graph
CREATE FUNCTION mesh._relation_kind(rel regclass) RETURNS text
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE WHEN EXISTS (SELECT FROM mesh.data_products p WHERE p.port = rel) THEN 'port'
                ELSE CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                                    WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                    WHEN 'f' THEN 'foreign table' ELSE 'relation' END END
      FROM pg_catalog.pg_class c WHERE c.oid = rel
$$;

-- 'domain.name' of the product whose port is rel, or NULL
CREATE FUNCTION mesh._port_product(rel regclass) RETURNS text
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT p.domain || '.' || p.name FROM mesh.data_products p WHERE p.port = rel
$$;

CREATE FUNCTION mesh._attname(rel regclass, attnum int2) RETURNS text
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT a.attname::text FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = rel AND a.attnum = _attname.attnum AND NOT a.attisdropped
$$;

-- the views and materialized views whose definition reads rel
CREATE FUNCTION mesh._dependent_relations(rel regclass) RETURNS SETOF regclass
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT DISTINCT rw.ev_class::regclass
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_rewrite rw ON rw.oid = d.objid
     WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
       AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.refobjid = rel
       AND rw.ev_class OPERATOR(pg_catalog.<>) rel
$$;

-- column edges from source into target, as a sorted JSON array
CREATE FUNCTION mesh._column_edges(target regclass, source regclass) RETURNS jsonb
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(jsonb_agg(e ORDER BY e ->> 'target_column' NULLS LAST, e ->> 'source_column', e ->> 'how'),
                    '[]'::jsonb)
      FROM (SELECT DISTINCT jsonb_build_object(
                       'target_column', mesh._attname(target, l.attnum),
                       'source_column', mesh._attname(source, l.source_attnum),
                       'how', l.how) AS e
              FROM mesh._column_lineage(target) l
             WHERE l.source_relation = source AND l.how <> 'reads') edges
$$;

-- the relations a view or materialized view reads (none for a table)
CREATE FUNCTION mesh._source_relations(rel regclass) RETURNS SETOF regclass
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT DISTINCT l.source_relation FROM mesh._column_lineage(rel) l
$$;

-- the relation named by identifiers (schema, relation), or NULL; a three-part
-- name is database.schema.relation, which to_regclass refuses for another database
CREATE FUNCTION mesh._regclass_of(parts text[]) RETURNS regclass
    LANGUAGE plpgsql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF cardinality(parts) NOT BETWEEN 1 AND 3 THEN
        RETURN NULL;
    END IF;
    RETURN to_regclass(array_to_string(ARRAY(SELECT quote_ident(x) FROM unnest(parts) x), '.'));
EXCEPTION WHEN feature_not_supported OR invalid_name OR syntax_error OR name_too_long
              OR insufficient_privilege THEN
    RETURN NULL;    -- not a relation of this database the caller may look up
END
$$;

-- the relation a declared source names, when it names one ('finance_raw.invoices')
CREATE FUNCTION mesh._declared_relation(name text) RETURNS regclass
    LANGUAGE plpgsql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    RETURN mesh._regclass_of(parse_ident(name));
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN NULL;    -- not a relation name: a system outside the database
END
$$;

-- every relation upstream of rel; each relation is expanded once, so even a
-- cycle (impossible for views) ends
CREATE FUNCTION mesh._upstream_relations(rel regclass) RETURNS SETOF regclass
    LANGUAGE plpgsql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    seen oid[] := '{}';
    frontier oid[] := ARRAY[rel::oid];
BEGIN
    WHILE cardinality(frontier) > 0 LOOP
        SELECT coalesce(array_agg(DISTINCT s::oid), '{}') INTO frontier
          FROM unnest(frontier) AS f(r) CROSS JOIN LATERAL mesh._source_relations(f.r::regclass) AS s
         WHERE NOT s::oid = ANY (seen);
        seen := seen || frontier;
    END LOOP;
    RETURN QUERY SELECT x::regclass FROM unnest(seen) AS x;
END
$$;

-- public: the column lineage of one view or materialized view, with names
CREATE FUNCTION mesh.column_lineage(relation regclass)
    RETURNS TABLE (column_name text, source_relation text, source_column text, how text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT DISTINCT mesh._attname(relation, l.attnum), mesh._relation_name(l.source_relation),
           mesh._attname(l.source_relation, l.source_attnum), l.how
      FROM mesh._column_lineage(relation) l
     ORDER BY 1 NULLS LAST, 2, 3 NULLS LAST, 4
$$;
COMMENT ON FUNCTION mesh.column_lineage(regclass) IS
    'each output column of a view or materialized view, the source columns it reads and how; column_name NULL: filter, join and group_by keys and relations read';

-- Every column edge in the database, as a relation: the pinned name other
-- modules may read (TEAM.md).  A view, computed when read like everything
-- here; a filter on target reads one definition, one on source reads them all.
CREATE VIEW mesh.lineage_edges AS
SELECT l.source_relation AS source,
       mesh._attname(l.source_relation, l.source_attnum) AS source_column,
       c.oid::regclass AS target,
       mesh._attname(c.oid::regclass, l.attnum) AS target_column,
       l.how
  FROM pg_catalog.pg_class c
 CROSS JOIN LATERAL mesh._column_lineage(c.oid::regclass) l
 WHERE c.relkind IN ('v', 'm')
   AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace);
COMMENT ON VIEW mesh.lineage_edges IS
    'every column edge between relations, read from the view definitions: source column -> target column and how (target_column NULL: join/filter/group_by keys and relations read)';
GRANT SELECT ON mesh.lineage_edges TO PUBLIC;

CREATE FUNCTION mesh._validate_lineage_args(direction text, depth integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._require(direction, 'direction');
    PERFORM mesh._require(depth, 'depth');
    IF direction NOT IN ('upstream', 'downstream', 'both') THEN
        RAISE EXCEPTION 'invalid lineage direction "%"', direction
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''upstream'', ''downstream'' or ''both''.';
    END IF;
    IF depth < 1 OR depth > 100 THEN
        RAISE EXCEPTION 'lineage depth % is out of range', depth
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The depth counts relations between the product and the farthest node shown.',
                  HINT = 'Give a depth between 1 and 100.';
    END IF;
END
$$;

-- The lineage graph around a product, one row per edge.  level: how many
-- edges away from the product's port the far end of the edge is.  Each
-- relation is expanded once (the first time it is reached), which also makes
-- a cycle, impossible for views, harmless.
CREATE FUNCTION mesh.lineage(product text, direction text DEFAULT 'both', depth integer DEFAULT 5)
    RETURNS TABLE (level integer, side text, source text, source_kind text, source_product text,
                   target text, target_kind text, target_product text, columns jsonb)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
    frontier oid[];
    seen oid[];
    next_frontier oid[];
    lvl integer;
BEGIN
    PERFORM mesh._validate_lineage_args(lineage.direction, lineage.depth);

    IF lineage.direction IN ('upstream', 'both') THEN
        frontier := ARRAY[p.port::oid];
        seen := frontier;
        lvl := 0;
        WHILE lvl < lineage.depth AND cardinality(frontier) > 0 LOOP
            lvl := lvl + 1;
            RETURN QUERY
            SELECT lvl, 'upstream'::text, mesh._relation_name(s), mesh._relation_kind(s), mesh._port_product(s),
                   mesh._relation_name(t), mesh._relation_kind(t), mesh._port_product(t),
                   mesh._column_edges(t, s)
              FROM unnest(frontier) AS f(t_oid)
             CROSS JOIN LATERAL (SELECT f.t_oid::regclass AS t) tt
             CROSS JOIN LATERAL mesh._source_relations(tt.t) AS s
             ORDER BY 3, 6;
            -- declared sources of the products met on this level (outside the database)
            RETURN QUERY
            SELECT lvl, 'upstream'::text, ds.name, 'external'::text, NULL::text,
                   mesh._relation_name(dp.port), 'port'::text, dp.domain || '.' || dp.name,
                   jsonb_strip_nulls(jsonb_build_object('kind', ds.kind, 'description', ds.description))
              FROM mesh.data_products dp
              JOIN mesh.data_product_sources ds ON ds.product_id = dp.id
             WHERE dp.port::oid = ANY (frontier)
               -- a declared source that the port reads is already a node of its own
               AND NOT coalesce(mesh._declared_relation(ds.name) IN (SELECT mesh._upstream_relations(dp.port)), false)
             ORDER BY 3, 6;
            SELECT coalesce(array_agg(DISTINCT s::oid), '{}') INTO next_frontier
              FROM unnest(frontier) AS f(t_oid)
             CROSS JOIN LATERAL mesh._source_relations(f.t_oid::regclass) AS s
             WHERE NOT s::oid = ANY (seen);
            seen := seen || next_frontier;
            frontier := next_frontier;
        END LOOP;
    END IF;

    IF lineage.direction IN ('downstream', 'both') THEN
        frontier := ARRAY[p.port::oid];
        seen := frontier;
        lvl := 0;
        WHILE lvl < lineage.depth AND cardinality(frontier) > 0 LOOP
            lvl := lvl + 1;
            RETURN QUERY
            SELECT lvl, 'downstream'::text, mesh._relation_name(s), mesh._relation_kind(s), mesh._port_product(s),
                   mesh._relation_name(t), mesh._relation_kind(t), mesh._port_product(t),
                   mesh._column_edges(t, s)
              FROM unnest(frontier) AS f(s_oid)
             CROSS JOIN LATERAL (SELECT f.s_oid::regclass AS s) ss
             CROSS JOIN LATERAL mesh._dependent_relations(ss.s) AS t
             ORDER BY 3, 6;
            SELECT coalesce(array_agg(DISTINCT t::oid), '{}') INTO next_frontier
              FROM unnest(frontier) AS f(s_oid)
             CROSS JOIN LATERAL mesh._dependent_relations(f.s_oid::regclass) AS t
             WHERE NOT t::oid = ANY (seen);
            seen := seen || next_frontier;
            frontier := next_frontier;
        END LOOP;
    END IF;
END
$$;
COMMENT ON FUNCTION mesh.lineage(text, text, integer) IS
    'the lineage graph around a data product (upstream, downstream or both, up to depth edges away): one row per edge, with its column edges';

-- 'schema.table' or 'schema.table.column' (quoted identifiers allowed) -> relation, column
CREATE FUNCTION mesh._resolve_lineage_object(object text, OUT rel regclass, OUT attnum int2)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    parts text[];
    relname text;
BEGIN
    PERFORM mesh._require(object, 'object');
    BEGIN
        parts := parse_ident(object);
    EXCEPTION WHEN invalid_parameter_value THEN
        parts := NULL;
    END;
    IF parts IS NULL OR cardinality(parts) > 4 THEN
        RAISE EXCEPTION 'invalid lineage object "%"', object
            USING ERRCODE = 'invalid_name',
                  DETAIL = 'A lineage object is a relation or a column of one.',
                  HINT = 'Write it like ''finance.invoices'' or ''finance.invoices.amount''.';
    END IF;
    -- a schema-qualified relation first, then relation.column
    IF cardinality(parts) BETWEEN 2 AND 3 THEN
        rel := mesh._regclass_of(parts);
        IF rel IS NOT NULL THEN
            RETURN;
        END IF;
    END IF;
    IF cardinality(parts) >= 3 THEN
        relname := array_to_string(ARRAY(SELECT quote_ident(x) FROM unnest(parts[1:cardinality(parts) - 1]) x), '.');
        rel := mesh._regclass_of(parts[1:cardinality(parts) - 1]);
        IF rel IS NOT NULL THEN
            SELECT a.attnum INTO attnum FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = rel AND a.attname = parts[cardinality(parts)]
               AND a.attnum > 0 AND NOT a.attisdropped;
            IF attnum IS NULL THEN
                RAISE EXCEPTION 'column "%" of relation "%" does not exist', parts[cardinality(parts)], relname
                    USING ERRCODE = 'undefined_column',
                          HINT = 'Name a column of the relation, or the relation alone.';
            END IF;
            RETURN;
        END IF;
    END IF;
    RAISE EXCEPTION 'relation "%" does not exist', object
        USING ERRCODE = 'undefined_table',
              HINT = 'Name the relation with its schema, like ''finance.invoices'', or a column as ''finance.invoices.amount''.';
END
$$;

-- roles that may read rel: SELECT on it or on one of its columns, other than its owner
CREATE FUNCTION mesh._readers(rel regclass) RETURNS text[]
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(array_agg(DISTINCT CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE mesh._role_name(g.grantee) END
                              ORDER BY CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE mesh._role_name(g.grantee) END),
                    '{}')
      FROM pg_catalog.pg_class c
      CROSS JOIN LATERAL (
            SELECT a.grantee FROM aclexplode(c.relacl) a WHERE a.privilege_type = 'SELECT'
            UNION
            SELECT a.grantee FROM pg_catalog.pg_attribute att, aclexplode(att.attacl) a
             WHERE att.attrelid = c.oid AND a.privilege_type = 'SELECT') g
     WHERE c.oid = rel AND g.grantee OPERATOR(pg_catalog.<>) c.relowner
$$;

-- Everything downstream of a relation or column.  A column read by a view's
-- filter, join or grouping keys changes which rows the view has: the whole view
-- (column_name NULL) is impacted from there on.
CREATE FUNCTION mesh.impact(object text)
    RETURNS TABLE (level integer, relation text, kind text, product text, column_name text, how text,
                   consumers text[])
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    start record := mesh._resolve_lineage_object(object);
    -- key 'reloid:attnum' (attnum 0: the relation as a whole) -> {level, how}
    impacted jsonb;
    frontier jsonb;
    next_frontier jsonb;
    lvl integer := 0;
    item record;
    hit record;
BEGIN
    impacted := jsonb_build_object(start.rel::oid || ':' || coalesce(start.attnum, 0),
                                   jsonb_build_object('level', 0, 'how', 'changed'));
    frontier := impacted;
    WHILE jsonb_typeof(frontier) = 'object' AND frontier <> '{}'::jsonb LOOP
        lvl := lvl + 1;
        IF lvl > 100 THEN
            EXIT;   -- views cannot form cycles; this only bounds a corrupted catalog
        END IF;
        next_frontier := '{}'::jsonb;
        FOR item IN
            SELECT split_part(k, ':', 1)::oid AS rel, split_part(k, ':', 2)::int2 AS attnum
              FROM jsonb_object_keys(frontier) k
        LOOP
            FOR hit IN
                SELECT DISTINCT d.dep::oid AS rel,
                       CASE WHEN item.attnum = 0 OR l.attnum IS NULL THEN 0::int2 ELSE l.attnum END AS attnum,
                       CASE WHEN item.attnum = 0 THEN 'reads' ELSE l.how END AS how
                  FROM mesh._dependent_relations(item.rel::regclass) AS d(dep)
                 CROSS JOIN LATERAL mesh._column_lineage(d.dep) l
                 WHERE l.source_relation::oid = item.rel
                   AND (item.attnum = 0 OR l.source_attnum = item.attnum)
                 ORDER BY 1, 2, 3
            LOOP
                IF NOT impacted ? (hit.rel || ':' || hit.attnum) THEN
                    impacted := impacted || jsonb_build_object(hit.rel || ':' || hit.attnum,
                                                               jsonb_build_object('level', lvl, 'how', hit.how));
                    next_frontier := next_frontier || jsonb_build_object(hit.rel || ':' || hit.attnum, true);
                END IF;
                -- a whole impacted relation: every column reading the source is listed too
                IF hit.attnum = 0 THEN
                    impacted := (SELECT impacted || coalesce(jsonb_object_agg(hit.rel || ':' || l.attnum,
                                                   jsonb_build_object('level', lvl, 'how', l.how)), '{}'::jsonb)
                                   FROM (SELECT DISTINCT ON (l.attnum) l.attnum, l.how
                                           FROM mesh._column_lineage(hit.rel::regclass) l
                                          WHERE l.source_relation::oid = item.rel AND l.attnum IS NOT NULL
                                            AND NOT impacted ? (hit.rel || ':' || l.attnum)
                                          ORDER BY l.attnum, l.how) l);
                END IF;
            END LOOP;
        END LOOP;
        frontier := next_frontier;
    END LOOP;

    RETURN QUERY
    SELECT (v ->> 'level')::integer, mesh._relation_name(r.rel), mesh._relation_kind(r.rel),
           mesh._port_product(r.rel), mesh._attname(r.rel, r.attnum), v ->> 'how', mesh._readers(r.rel)
      FROM jsonb_each(impacted) AS e(k, v)
     CROSS JOIN LATERAL (SELECT split_part(e.k, ':', 1)::oid::regclass AS rel,
                                split_part(e.k, ':', 2)::int2 AS attnum) r
     ORDER BY 1, 2, r.attnum;
END
$$;
COMMENT ON FUNCTION mesh.impact(text) IS
    'everything downstream of a relation or relation.column: relations, products, columns and the roles that read them';

-- Declared external sources (a CRM, a SaaS API, files): nodes of the lineage graph
CREATE FUNCTION mesh._add_source(caller regrole, product text, name text, kind text, description text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
BEGIN
    PERFORM mesh._require(product, 'product');
    PERFORM mesh._require(name, 'name');
    p := mesh._product_for_change(caller, product, 'declare sources of its data products');
    IF name !~ '\S' OR octet_length(name) > 200 OR name ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'invalid source name "%"', name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A source name is shown in lineage graphs: 1 to 200 bytes, not blank, no control characters.',
                  HINT = 'Name the system, like ''salesforce'' or ''s3://bucket/exports''.';
    END IF;
    -- the kinds the descriptor's "sources" accept, so that a later alter still validates
    IF kind IS NOT NULL AND kind NOT IN ('table', 'view', 'database', 'api', 'file', 'stream', 'application', 'other') THEN
        RAISE EXCEPTION 'invalid source kind "%"', kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of table, view, database, api, file, stream, application, other.';
    END IF;
    IF EXISTS (SELECT FROM mesh.data_product_sources s WHERE s.product_id = p.id AND s.name = _add_source.name) THEN
        RAISE EXCEPTION 'source "%" of data product "%" already exists', name, product
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Change sources with mesh.alter_data_product(product, ''{"sources": [...]}'').';
    END IF;
    -- kept in the same table as the descriptor's "sources", so describe() and alter see it
    INSERT INTO mesh.data_product_sources (product_id, name, kind, description, declared)
    VALUES (p.id, name, kind, description,
            jsonb_strip_nulls(jsonb_build_object('name', name, 'kind', kind, 'description', description)));
    UPDATE mesh.data_products dp SET updated_at = now(), updated_by = mesh._role_name(caller)
     WHERE dp.id = p.id;
END
$$;

CREATE FUNCTION mesh.add_source(product text, name text, kind text DEFAULT NULL, description text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.add_source(text, text, text, text) IS
    'declare an upstream source of a data product outside the database (a system, an API, files)';

-- ---------------------------------------------------------------- exports

-- a DOT double-quoted string: backslash and quote escaped, line breaks as \n
CREATE FUNCTION mesh._dot_quote(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT '"' || replace(replace(replace(replace(value, '\', '\\'), '"', '\"'), E'\r', ''), E'\n', '\n') || '"'
$$;

-- a Mermaid label: characters that end or restyle a label as entity codes
CREATE FUNCTION mesh._mermaid_quote(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT '"' || replace(replace(replace(replace(replace(replace(replace(
               replace(value, '#', '#35;'), '"', '#quot;'), '<', '#lt;'), '>', '#gt;'),
               '`', '#96;'), E'\r', ''), E'\n', '<br/>'), '|', '#124;') || '"'
$$;

-- nodes and edges of the graph around a product (NULL: around every product
-- of the mesh), for the renderers
CREATE FUNCTION mesh._lineage_graph(product text, direction text, depth integer,
                                    OUT nodes jsonb, OUT edges jsonb)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._validate_lineage_args(direction, depth);
    IF product IS NOT NULL THEN
        PERFORM mesh._find_product(product);
    END IF;
    WITH prods AS (
        SELECT p.domain || '.' || p.name AS name, p.port
          FROM mesh.data_products p
         WHERE _lineage_graph.product IS NULL OR p.domain || '.' || p.name = _lineage_graph.product
    ), e AS (
        SELECT DISTINCT l.source, l.source_kind, l.source_product, l.target, l.target_kind, l.target_product
          FROM prods CROSS JOIN LATERAL mesh.lineage(prods.name, direction, depth) l
    ), n AS (
        SELECT mesh._relation_name(prods.port) AS node, 'port' AS kind, prods.name AS node_product,
               _lineage_graph.product IS NOT NULL AS focus
          FROM prods
        UNION
        SELECT e.source, e.source_kind, e.source_product, false FROM e
        UNION
        SELECT e.target, e.target_kind, e.target_product, false FROM e
    ), nd AS (
        SELECT DISTINCT ON (n.node) n.node, n.kind, n.node_product, n.focus FROM n ORDER BY n.node, n.focus DESC
    )
    SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('id', 'n' || x.row_number, 'name', x.node, 'kind', x.kind,
                                                         'product', x.node_product, 'focus', x.focus)
                                      ORDER BY x.row_number), '[]'::jsonb)
              FROM (SELECT nd.*, row_number() OVER (ORDER BY nd.node) FROM nd) x),
           (SELECT coalesce(jsonb_agg(jsonb_build_object('source', y.source, 'target', y.target,
                                                         'source_kind', y.source_kind)
                                      ORDER BY y.source, y.target), '[]'::jsonb)
              FROM (SELECT DISTINCT ON (e.source, e.target) e.* FROM e ORDER BY e.source, e.target) y)
      INTO nodes, edges;
END
$$;

CREATE FUNCTION mesh.lineage_dot(product text, direction text DEFAULT 'both', depth integer DEFAULT 5)
    RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    g record := mesh._lineage_graph(product, direction, depth);
    out text;
BEGIN
    out := 'digraph lineage {' || E'\n'
        || '  graph [rankdir=LR, fontname="Helvetica", label='
        || mesh._dot_quote(coalesce('lineage of ' || product, 'lineage of the data mesh')) || '];' || E'\n'
        || '  node [fontname="Helvetica", fontsize=10];' || E'\n'
        || '  edge [color="#555555"];' || E'\n';
    out := out || coalesce((
        SELECT string_agg('  ' || mesh._dot_quote(n ->> 'name') || ' ['
                          || 'label=' || mesh._dot_quote(
                                 CASE WHEN n ->> 'product' IS NOT NULL
                                      THEN (n ->> 'product') || E'\n' || 'data product'
                                      ELSE (n ->> 'name') || E'\n' || (n ->> 'kind') END)
                          || ', ' || CASE n ->> 'kind'
                                WHEN 'port' THEN 'shape=box, style="rounded,filled", fillcolor='
                                                 || CASE WHEN (n ->> 'focus')::boolean THEN '"#f6c85f"' ELSE '"#9dd3e8"' END
                                WHEN 'external' THEN 'shape=component, style=filled, fillcolor="#e0e0e0"'
                                WHEN 'view' THEN 'shape=box, style=dashed'
                                WHEN 'materialized view' THEN 'shape=box3d'
                                ELSE 'shape=cylinder' END
                          || '];', E'\n' ORDER BY n ->> 'name')
          FROM jsonb_array_elements(g.nodes) n), '') || E'\n';
    out := out || coalesce((
        SELECT string_agg('  ' || mesh._dot_quote(e ->> 'source') || ' -> ' || mesh._dot_quote(e ->> 'target')
                          || CASE WHEN e ->> 'source_kind' = 'external' THEN ' [style=dashed]' ELSE '' END
                          || ';', E'\n' ORDER BY e ->> 'source', e ->> 'target')
          FROM jsonb_array_elements(g.edges) e), '') || E'\n';
    RETURN out || '}' || E'\n';
END
$$;
COMMENT ON FUNCTION mesh.lineage_dot(text, text, integer) IS
    'the lineage graph around a data product (NULL: the whole mesh) in Graphviz DOT (render with dot -Tsvg)';

CREATE FUNCTION mesh.lineage_mermaid(product text, direction text DEFAULT 'both', depth integer DEFAULT 5)
    RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    g record := mesh._lineage_graph(product, direction, depth);
    ids jsonb;
    out text := 'flowchart LR' || E'\n';
BEGIN
    SELECT jsonb_object_agg(n ->> 'name', n ->> 'id') INTO ids FROM jsonb_array_elements(g.nodes) n;
    out := out || coalesce((
        SELECT string_agg('  ' || (n ->> 'id')
                          || CASE n ->> 'kind' WHEN 'port' THEN '(' WHEN 'external' THEN '>' ELSE '[(' END
                          || mesh._mermaid_quote(coalesce(n ->> 'product', n ->> 'name') || E'\n' ||
                                                 CASE WHEN n ->> 'product' IS NOT NULL THEN 'data product' ELSE n ->> 'kind' END)
                          || CASE n ->> 'kind' WHEN 'port' THEN ')' WHEN 'external' THEN ']' ELSE ')]' END,
                          E'\n' ORDER BY (substr(n ->> 'id', 2))::integer)
          FROM jsonb_array_elements(g.nodes) n), '') || E'\n';
    out := out || coalesce((
        SELECT string_agg('  ' || (ids ->> (e ->> 'source'))
                          || CASE WHEN e ->> 'source_kind' = 'external' THEN ' -.-> ' ELSE ' --> ' END
                          || (ids ->> (e ->> 'target')), E'\n' ORDER BY e ->> 'source', e ->> 'target')
          FROM jsonb_array_elements(g.edges) e), '') || E'\n';
    out := out || coalesce((
        SELECT '  style ' || (n ->> 'id') || ' fill:#f6c85f' || E'\n'
          FROM jsonb_array_elements(g.nodes) n WHERE (n ->> 'focus')::boolean), '');
    RETURN out;
END
$$;
COMMENT ON FUNCTION mesh.lineage_mermaid(text, text, integer) IS
    'the lineage graph around a data product (NULL: the whole mesh) as a Mermaid flowchart';

-- OpenLineage: datasets are named db.schema.table in namespace postgres://host:port
CREATE FUNCTION mesh._openlineage_namespace() RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT 'postgres://' || coalesce(host(inet_server_addr()), 'localhost') || ':' || current_setting('port')
$$;

CREATE FUNCTION mesh._openlineage_dataset(rel regclass) RETURNS jsonb
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT jsonb_build_object(
               'namespace', mesh._openlineage_namespace(),
               'name', current_database() || '.' || n.nspname || '.' || c.relname,
               'facets', jsonb_build_object('schema', jsonb_build_object(
                   '_producer', 'https://github.com/meshpg/meshpg',
                   '_schemaURL', 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
                   'fields', (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                         'name', a.attname,
                                         'type', format_type(a.atttypid, a.atttypmod),
                                         'description', col_description(c.oid, a.attnum))) ORDER BY a.attnum), '[]')
                                FROM pg_catalog.pg_attribute a
                               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))))
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = rel
$$;

-- how -> OpenLineage transformation (type, subtype)
CREATE FUNCTION mesh._openlineage_transformation(how text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT jsonb_build_object(
               'type', CASE WHEN how IN ('direct', 'expression', 'aggregate') THEN 'DIRECT' ELSE 'INDIRECT' END,
               'subtype', CASE how WHEN 'direct' THEN 'IDENTITY' WHEN 'expression' THEN 'TRANSFORMATION'
                                   WHEN 'aggregate' THEN 'AGGREGATION' WHEN 'join' THEN 'JOIN'
                                   WHEN 'filter' THEN 'FILTER' WHEN 'group_by' THEN 'GROUP_BY' END,
               'description', '',
               'masking', false)
$$;

-- One COMPLETE run event per view or materialized view upstream of the
-- product, the port included: the view is the job, the relations it reads
-- the inputs, the view the output with schema and columnLineage facets.
CREATE FUNCTION mesh.openlineage_events(product text) RETURNS SETOF jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
    job regclass;
    ns text := mesh._openlineage_namespace();
BEGIN
    FOR job IN
        SELECT r.rel
          FROM (SELECT p.port AS rel
                UNION
                SELECT u FROM mesh._upstream_relations(p.port) u) r
          JOIN pg_catalog.pg_class c ON c.oid = r.rel
         WHERE c.relkind IN ('v', 'm')
         ORDER BY mesh._relation_name(r.rel)
    LOOP
        RETURN NEXT jsonb_build_object(
            'eventType', 'COMPLETE',
            'eventTime', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'run', jsonb_build_object('runId', gen_random_uuid()),
            'job', jsonb_build_object(
                'namespace', ns,
                'name', (mesh._openlineage_dataset(job)) ->> 'name',
                'facets', jsonb_build_object('sql', jsonb_build_object(
                    '_producer', 'https://github.com/meshpg/meshpg',
                    '_schemaURL', 'https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet',
                    'query', pg_get_viewdef(job)))),
            'inputs', (SELECT coalesce(jsonb_agg(mesh._openlineage_dataset(s) ORDER BY mesh._relation_name(s)), '[]')
                         FROM mesh._source_relations(job) s),
            'outputs', jsonb_build_array(mesh._openlineage_dataset(job)
                || jsonb_build_object('facets', (mesh._openlineage_dataset(job) -> 'facets') || jsonb_build_object(
                       'columnLineage', jsonb_build_object(
                           '_producer', 'https://github.com/meshpg/meshpg',
                           '_schemaURL', 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
                           'fields', (SELECT coalesce(jsonb_object_agg(col, jsonb_build_object('inputFields', inputs)), '{}')
                                        FROM (SELECT mesh._attname(job, l.attnum) AS col,
                                                     jsonb_agg(jsonb_build_object(
                                                         'namespace', ns,
                                                         'name', (mesh._openlineage_dataset(l.source_relation)) ->> 'name',
                                                         'field', mesh._attname(l.source_relation, l.source_attnum),
                                                         'transformations', jsonb_build_array(mesh._openlineage_transformation(l.how)))
                                                       ORDER BY mesh._relation_name(l.source_relation), l.source_attnum, l.how) AS inputs
                                                FROM (SELECT DISTINCT * FROM mesh._column_lineage(job)) l
                                               WHERE l.attnum IS NOT NULL AND l.source_attnum IS NOT NULL
                                               GROUP BY l.attnum) f),
                           'dataset', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                                 'namespace', ns,
                                                 'name', (mesh._openlineage_dataset(l.source_relation)) ->> 'name',
                                                 'field', mesh._attname(l.source_relation, l.source_attnum),
                                                 'transformations', jsonb_build_array(mesh._openlineage_transformation(l.how)))
                                               ORDER BY mesh._relation_name(l.source_relation), l.source_attnum, l.how), '[]')
                                         FROM (SELECT DISTINCT * FROM mesh._column_lineage(job)) l
                                        WHERE l.attnum IS NULL AND l.source_attnum IS NOT NULL))))),
            'producer', 'https://github.com/meshpg/meshpg',
            'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
    END LOOP;
END
$$;
COMMENT ON FUNCTION mesh.openlineage_events(text) IS
    'OpenLineage COMPLETE run events for the views upstream of a data product (its port included), with schema and columnLineage facets';

REVOKE ALL ON FUNCTION mesh._column_lineage(regclass), mesh._relation_kind(regclass), mesh._port_product(regclass),
    mesh._attname(regclass, int2), mesh._dependent_relations(regclass), mesh._column_edges(regclass, regclass),
    mesh._source_relations(regclass), mesh._validate_lineage_args(text, integer),
    mesh._resolve_lineage_object(text), mesh._readers(regclass), mesh._declared_relation(text), mesh._regclass_of(text[]), mesh._upstream_relations(regclass), mesh._add_source(regrole, text, text, text, text),
    mesh._dot_quote(text), mesh._mermaid_quote(text), mesh._lineage_graph(text, text, integer),
    mesh._openlineage_namespace(), mesh._openlineage_dataset(regclass), mesh._openlineage_transformation(text)
    FROM PUBLIC;
-- read-only helpers of the lineage functions, which run as the reader; they
-- show what the system catalogs show every role (see docs/lineage.md)
GRANT EXECUTE ON FUNCTION mesh._column_lineage(regclass), mesh._relation_kind(regclass), mesh._port_product(regclass),
    mesh._attname(regclass, int2), mesh._dependent_relations(regclass), mesh._column_edges(regclass, regclass),
    mesh._source_relations(regclass), mesh._validate_lineage_args(text, integer),
    mesh._resolve_lineage_object(text), mesh._readers(regclass), mesh._declared_relation(text), mesh._regclass_of(text[]), mesh._upstream_relations(regclass),
    mesh._dot_quote(text), mesh._mermaid_quote(text), mesh._lineage_graph(text, text, integer),
    mesh._openlineage_namespace(), mesh._openlineage_dataset(regclass), mesh._openlineage_transformation(text)
    TO PUBLIC;
