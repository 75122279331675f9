-- Contract versions (docs/contracts.md): mesh.publish_version() compares a new
-- contract with the active one, classifies every change major/minor/patch,
-- refuses a version number that understates it and records a changelog;
-- mesh.diff() shows the same without publishing.  A new major keeps the
-- previous one side by side as <domain>.<product>_v<N> until its sunset;
-- deprecation needs a notice period; retired versions are dropped.  The
-- schema-drift guard (src/version_guard.c + mesh._drift_check) refuses DDL on
-- a source that would break an active contract.
--
-- The output ports are renamed, replaced and dropped here, which the 0.1.0
-- guards refuse from anyone else: the API sets meshpg.sanctioned_port_ddl
-- (superuser-only) locally around its own DDL and the guards, replaced below,
-- let exactly that through.

-- one row per published version of a product
CREATE TABLE mesh.product_versions (
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    version         text NOT NULL,
    major           numeric NOT NULL,
    status          text NOT NULL
                    CHECK (status IN ('active', 'superseded', 'deprecated', 'retired')),
    -- the version's own port while it has one: the product's port, or <name>_v<N>
    port            regclass,
    port_name       text,
    class           text CHECK (class IN ('major', 'minor', 'patch')),
    previous        text,
    contract        jsonb NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    published_by    text NOT NULL DEFAULT CURRENT_USER,
    deprecated_at   timestamptz,
    sunset_at       timestamptz,
    retired_at      timestamptz,
    PRIMARY KEY (product_id, version),
    CHECK (status NOT IN ('deprecated') OR sunset_at IS NOT NULL),
    CHECK (status <> 'retired' OR port IS NULL)
);
COMMENT ON TABLE mesh.product_versions IS
    'published contract versions of data products: the contract as published, the version''s port and life cycle';

-- the kept ports of earlier majors are governed like the current port
-- (26_enforcement.sql): the enforcement caches follow their life cycle
CREATE TRIGGER enforcement_invalidation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON mesh.product_versions FOR EACH STATEMENT EXECUTE FUNCTION mesh._policies_changed();

-- one row per classified change of a published version
CREATE TABLE mesh.changelog (
    id              bigserial PRIMARY KEY,
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    version         text NOT NULL,
    previous        text NOT NULL,
    path            text NOT NULL,
    kind            text NOT NULL,
    old             jsonb,
    new             jsonb,
    class           text NOT NULL CHECK (class IN ('major', 'minor', 'patch')),
    reason          text NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    published_by    text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE mesh.changelog IS 'every change of every published version, with its class and reason';
CREATE INDEX changelog_product_idx ON mesh.changelog (product_id, version);

-- breaking DDL let through with meshpg.allow_breaking_change; the next version must be major
CREATE TABLE mesh.breaking_changes (
    id              bigserial PRIMARY KEY,
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    relation        text NOT NULL,
    column_name     text,
    action          text NOT NULL,
    statement       text,
    incident_id     bigint,
    forced_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    forced_by       text NOT NULL,
    consumed_by     text
);
COMMENT ON TABLE mesh.breaking_changes IS
    'breaking DDL forced on the sources of data products; open ones (consumed_by IS NULL) make the next version major';

SELECT pg_catalog.pg_extension_config_dump('mesh.product_versions', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.changelog', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.changelog_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.breaking_changes', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.breaking_changes_id_seq', '');
REVOKE ALL ON mesh.product_versions, mesh.changelog, mesh.breaking_changes,
    mesh.changelog_id_seq, mesh.breaking_changes_id_seq FROM PUBLIC;
GRANT SELECT ON mesh.product_versions, mesh.changelog, mesh.breaking_changes TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Version numbers and classes

CREATE FUNCTION mesh._check_version(version text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._require(version, 'version');
    IF version !~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$' THEN
        RAISE EXCEPTION 'invalid version "%"', version
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Versions follow semantic versioning 2.0.0: MAJOR.MINOR.PATCH, optionally -prerelease and +build.',
                  HINT = 'Write it like ''1.2.0''.';
    END IF;
END
$$;

-- MAJOR, MINOR, PATCH of a valid version
CREATE FUNCTION mesh._version_core(version text) RETURNS numeric[]
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT string_to_array(split_part(split_part(version, '+', 1), '-', 1), '.')::numeric[] $$;

CREATE FUNCTION mesh._class_rank(class text) RETURNS integer
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT CASE class WHEN 'major' THEN 3 WHEN 'minor' THEN 2 WHEN 'patch' THEN 1 ELSE 0 END $$;

-- the class of the step from one version to a greater one
CREATE FUNCTION mesh._version_step(old text, new text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE
             WHEN n[1] > o[1] THEN 'major'
             WHEN n[1] = o[1] AND n[2] > o[2] THEN 'minor'
             ELSE 'patch'
           END
      FROM (SELECT mesh._version_core(old) AS o, mesh._version_core(new) AS n) v
$$;

-- the smallest version after old that a change of this class needs
CREATE FUNCTION mesh._next_version(old text, class text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE class
             WHEN 'major' THEN format('%s.0.0', o[1] + 1)
             WHEN 'minor' THEN format('%s.%s.0', o[1], o[2] + 1)
             ELSE format('%s.%s.%s', o[1], o[2], o[3] + CASE WHEN old ~ '-' THEN 0 ELSE 1 END)
           END
      FROM (SELECT mesh._version_core(old) AS o) v
$$;

-- ---------------------------------------------------------------------------
-- Type widening: the new type accepts every value of the old one, unchanged.
-- smallint < integer < bigint < numeric; an integer fits numeric(p,s) when
-- p - s has enough digits; numeric(p,s) < numeric(p2,s2) when s2 >= s and
-- p2 - s2 >= p - s; numeric(p,s) < numeric; real < double precision;
-- varchar(n) < varchar(m > n) < varchar < text.  Nothing else widens.
CREATE FUNCTION mesh._type_widens(old text, new text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    int_rank constant jsonb := '{"smallint": 1, "integer": 2, "bigint": 3}';
    int_digits constant jsonb := '{"smallint": 5, "integer": 10, "bigint": 19}';
    o text[];
    n text[];
BEGIN
    IF old = new THEN
        RETURN false;
    END IF;
    IF int_rank ? old THEN
        IF int_rank ? new THEN
            RETURN (int_rank ->> new)::integer > (int_rank ->> old)::integer;
        END IF;
        IF new = 'numeric' THEN
            RETURN true;
        END IF;
        n := regexp_match(new, '^numeric\((\d+),(\d+)\)$');
        RETURN n IS NOT NULL AND n[1]::integer - n[2]::integer >= (int_digits ->> old)::integer;
    END IF;
    o := regexp_match(old, '^numeric\((\d+),(\d+)\)$');
    IF o IS NOT NULL THEN
        IF new = 'numeric' THEN
            RETURN true;
        END IF;
        n := regexp_match(new, '^numeric\((\d+),(\d+)\)$');
        RETURN n IS NOT NULL AND n[2]::integer >= o[2]::integer
               AND n[1]::integer - n[2]::integer >= o[1]::integer - o[2]::integer;
    END IF;
    IF old = 'real' THEN
        RETURN new = 'double precision';
    END IF;
    o := regexp_match(old, '^character varying\((\d+)\)$');
    IF o IS NOT NULL THEN
        n := regexp_match(new, '^character varying\((\d+)\)$');
        RETURN new IN ('character varying', 'text')
               OR (n IS NOT NULL AND n[1]::integer > o[1]::integer);
    END IF;
    IF old = 'character varying' THEN
        RETURN new = 'text';
    END IF;
    RETURN false;
END
$$;

-- ---------------------------------------------------------------------------
-- Contracts: what a version promises, as one comparable document
--   {"descriptor": {...normalised, without columns and version...},
--    "columns": {"name": {"position", "type", "nullable", "primary_key", "references", "doc"}},
--    "source": "definition"}

CREATE FUNCTION mesh._contract(normalized jsonb, port_columns jsonb, source text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT jsonb_build_object(
        'descriptor', normalized - 'columns' - 'version',
        'columns', (SELECT coalesce(jsonb_object_agg(col ->> 'name', jsonb_build_object(
                               'position', (col ->> 'position')::integer,
                               'type', col ->> 'type',
                               'nullable', (col ->> 'nullable')::boolean,
                               'primary_key', coalesce((doc ->> 'primary_key')::boolean,
                                                       (col ->> 'primary_key')::boolean, false),
                               'references', coalesce(doc -> 'references', col -> 'references'),
                               'doc', doc - 'type' - 'nullable' - 'primary_key' - 'references' - 'name')),
                             '{}'::jsonb)
                      FROM jsonb_array_elements(port_columns) AS col
                     CROSS JOIN LATERAL (
                           SELECT coalesce(mesh._columns_by_name(normalized -> 'columns') -> (col ->> 'name'),
                                           '{}'::jsonb) AS doc) d),
        'source', source)
$$;

-- the active contract of a product, as the catalog holds it
CREATE FUNCTION mesh._stored_contract(p mesh.data_products) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT mesh._contract(
        mesh._declared_descriptor(p),
        (SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'position', c.position, 'name', c.name, 'type', c.type, 'nullable', c.nullable,
                    'primary_key', c.primary_key, 'references', c."references") ORDER BY c.position),
                 '[]'::jsonb)
           FROM mesh.data_product_columns c WHERE c.product_id = p.id),
        p.source)
$$;

-- one change of a contract
CREATE TYPE mesh.contract_change AS (
    path    text,
    kind    text,
    old     jsonb,
    new     jsonb,
    class   text,
    reason  text
);

-- JSON path of a column or key, written like the descriptor validator does
CREATE FUNCTION mesh._json_path(VARIADIC keys text[]) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT '$' || coalesce(string_agg(CASE WHEN k ~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN '.' || k
                                           ELSE '[' || to_jsonb(k)::text || ']' END, '' ORDER BY i), '')
      FROM unnest(keys) WITH ORDINALITY AS u(k, i)
$$;

-- every difference between two contracts, classified (docs/contracts.md#rules)
CREATE FUNCTION mesh._classify(old jsonb, new jsonb) RETURNS SETOF mesh.contract_change
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    oc jsonb := coalesce(old -> 'columns', '{}');
    nc jsonb := coalesce(new -> 'columns', '{}');
    od jsonb := coalesce(old -> 'descriptor', '{}');
    nd jsonb := coalesce(new -> 'descriptor', '{}');
    renamed jsonb := '{}';   -- old name -> new name
    col text;
    o jsonb;
    n jsonb;
    k text;
    levels constant text[] := ARRAY['public', 'internal', 'restricted', 'confidential'];
    r mesh.contract_change;
BEGIN
    -- a removed and an added column at the same position with the same type: a rename
    FOR col, k IN
        SELECT ro.key, ad.key
          FROM jsonb_each(oc) ro
          JOIN jsonb_each(nc) ad
            ON ad.value -> 'position' = ro.value -> 'position'
           AND ad.value -> 'type' = ro.value -> 'type'
         WHERE NOT nc ? ro.key AND NOT oc ? ad.key
    LOOP
        renamed := renamed || jsonb_build_object(col, k);
        RETURN NEXT (mesh._json_path('columns', col), 'column_renamed', to_jsonb(col), to_jsonb(k), 'major',
                     'consumers selecting the old name would fail')::mesh.contract_change;
    END LOOP;

    FOR col, o IN SELECT * FROM jsonb_each(oc) ORDER BY 1 LOOP
        n := nc -> col;
        IF n IS NULL THEN
            IF NOT renamed ? col THEN
                RETURN NEXT (mesh._json_path('columns', col), 'column_removed', o - 'doc', NULL, 'major',
                             'consumers selecting the column would fail')::mesh.contract_change;
            END IF;
            CONTINUE;
        END IF;
        IF o ->> 'type' <> n ->> 'type' THEN
            IF mesh._type_widens(o ->> 'type', n ->> 'type') THEN
                RETURN NEXT (mesh._json_path('columns', col, 'type'), 'type_widened', o -> 'type', n -> 'type', 'minor',
                             'every value of the old type is a value of the new one')::mesh.contract_change;
            ELSE
                RETURN NEXT (mesh._json_path('columns', col, 'type'), 'type_changed', o -> 'type', n -> 'type', 'major',
                             'the new type narrows or does not contain the old one')::mesh.contract_change;
            END IF;
        END IF;
        IF (o ->> 'nullable')::boolean AND NOT (n ->> 'nullable')::boolean THEN
            RETURN NEXT (mesh._json_path('columns', col, 'nullable'), 'column_required', o -> 'nullable', n -> 'nullable', 'major',
                         'nullable to required is a new constraint')::mesh.contract_change;
        ELSIF NOT (o ->> 'nullable')::boolean AND (n ->> 'nullable')::boolean THEN
            RETURN NEXT (mesh._json_path('columns', col, 'nullable'), 'column_nullable', o -> 'nullable', n -> 'nullable', 'major',
                         'consumers relying on the column never being null would break')::mesh.contract_change;
        END IF;
        IF (o ->> 'primary_key')::boolean IS DISTINCT FROM (n ->> 'primary_key')::boolean THEN
            RETURN NEXT (mesh._json_path('columns', col, 'primary_key'),
                         CASE WHEN (n ->> 'primary_key')::boolean THEN 'primary_key_added' ELSE 'primary_key_removed' END,
                         o -> 'primary_key', n -> 'primary_key', 'major',
                         CASE WHEN (n ->> 'primary_key')::boolean THEN 'a new key is a new constraint'
                              ELSE 'consumers relying on the key being unique would break' END)::mesh.contract_change;
        END IF;
        IF coalesce(o -> 'references', 'null') <> coalesce(n -> 'references', 'null') THEN
            RETURN NEXT (mesh._json_path('columns', col, 'references'), 'references_changed',
                         o -> 'references', n -> 'references', 'major',
                         'a new or changed reference is a new constraint; a removed one withdraws a promise')::mesh.contract_change;
        END IF;
        IF (o ->> 'position') <> (n ->> 'position') THEN
            RETURN NEXT (mesh._json_path('columns', col, 'position'), 'column_moved', o -> 'position', n -> 'position', 'minor',
                         'queries naming columns are unaffected; SELECT * sees another order')::mesh.contract_change;
        END IF;
        -- documentation of the column
        FOR k IN SELECT key FROM jsonb_each(o -> 'doc') UNION SELECT key FROM jsonb_each(n -> 'doc') ORDER BY 1 LOOP
            CONTINUE WHEN (o -> 'doc' -> k) IS NOT DISTINCT FROM (n -> 'doc' -> k);
            IF k = 'unique' THEN
                RETURN NEXT (mesh._json_path('columns', col, k), 'unique_changed', o -> 'doc' -> k, n -> 'doc' -> k, 'major',
                             'a new uniqueness is a new constraint; a removed one withdraws a promise')::mesh.contract_change;
            ELSIF k = 'classification' THEN
                RETURN NEXT (mesh._json_path('columns', col, k), 'classification_changed', o -> 'doc' -> k, n -> 'doc' -> k, 'minor',
                             'masking and access rules that follow classifications may change what consumers see')::mesh.contract_change;
            ELSE
                RETURN NEXT (mesh._json_path('columns', col, k), 'documentation_changed', o -> 'doc' -> k, n -> 'doc' -> k, 'patch',
                             'documentation only')::mesh.contract_change;
            END IF;
        END LOOP;
    END LOOP;

    FOR col, n IN SELECT * FROM jsonb_each(nc) ORDER BY 1 LOOP
        CONTINUE WHEN oc ? col OR EXISTS (SELECT FROM jsonb_each_text(renamed) rn WHERE rn.value = col);
        RETURN NEXT (mesh._json_path('columns', col), 'column_added', NULL, n - 'doc', 'minor',
                     CASE WHEN (n ->> 'nullable')::boolean THEN 'a new nullable column does not affect existing queries'
                          ELSE 'a new column does not affect existing queries (its NOT NULL constrains only the new column)' END)::mesh.contract_change;
    END LOOP;

    -- the port's query
    IF (old ->> 'source') IS DISTINCT FROM (new ->> 'source') THEN
        RETURN NEXT ('$.source', 'source_changed', old -> 'source', new -> 'source', 'minor',
                     'the port reads another query; its columns are compared one by one')::mesh.contract_change;
    END IF;

    -- the descriptor
    FOR k IN SELECT key FROM jsonb_each(od) UNION SELECT key FROM jsonb_each(nd) ORDER BY 1 LOOP
        o := od -> k;
        n := nd -> k;
        CONTINUE WHEN o IS NOT DISTINCT FROM n;
        IF k = 'sla' THEN
            FOR col IN SELECT key FROM jsonb_each(coalesce(o, '{}')) UNION SELECT key FROM jsonb_each(coalesce(n, '{}')) ORDER BY 1 LOOP
                CONTINUE WHEN (o -> col) IS NOT DISTINCT FROM (n -> col);
                IF n -> col IS NULL THEN
                    RETURN NEXT (mesh._json_path('sla', col), 'sla_removed', o -> col, NULL, 'major',
                                 'a service level consumers rely on is withdrawn')::mesh.contract_change;
                ELSIF o -> col IS NULL THEN
                    RETURN NEXT (mesh._json_path('sla', col), 'sla_added', NULL, n -> col, 'minor',
                                 'a new promise')::mesh.contract_change;
                ELSIF col = 'freshness' AND (n ->> col)::interval < (o ->> col)::interval THEN
                    RETURN NEXT (mesh._json_path('sla', col), 'sla_tightened', o -> col, n -> col, 'minor',
                                 'fresher data than promised before')::mesh.contract_change;
                ELSIF col = 'freshness' AND (n ->> col)::interval = (o ->> col)::interval THEN
                    RETURN NEXT (mesh._json_path('sla', col), 'documentation_changed', o -> col, n -> col, 'patch',
                                 'the same interval, written differently')::mesh.contract_change;
                ELSE
                    RETURN NEXT (mesh._json_path('sla', col), 'sla_weakened', o -> col, n -> col, 'major',
                                 CASE WHEN col = 'freshness' THEN 'staler data than promised before'
                                      ELSE 'meshpg cannot show the new service level is at least as good; it counts as weaker' END)::mesh.contract_change;
                END IF;
            END LOOP;
        ELSIF k = 'access_level' THEN
            IF array_position(levels, n #>> '{}') > array_position(levels, o #>> '{}') THEN
                RETURN NEXT ('$.access_level', 'access_tightened', o, n, 'major',
                             'consumers may lose access')::mesh.contract_change;
            ELSE
                RETURN NEXT ('$.access_level', 'access_loosened', o, n, 'minor',
                             'more consumers may read it')::mesh.contract_change;
            END IF;
        ELSIF k = 'owner' THEN
            RETURN NEXT ('$.owner', 'owner_changed', o, n, 'minor',
                         'another team answers for the product')::mesh.contract_change;
        ELSIF k = 'checks' THEN
            IF EXISTS (SELECT FROM jsonb_array_elements(CASE WHEN jsonb_typeof(o) = 'array' THEN o ELSE '[]' END) oc2
                        WHERE NOT coalesce(n, '[]') @> jsonb_build_array(oc2)) THEN
                RETURN NEXT ('$.checks', 'checks_removed', o, n, 'major',
                             'a quality promise is withdrawn or changed')::mesh.contract_change;
            ELSE
                RETURN NEXT ('$.checks', 'checks_added', o, n, 'minor',
                             'new quality promises')::mesh.contract_change;
            END IF;
        ELSE
            RETURN NEXT (mesh._json_path(k), 'documentation_changed', o, n, 'patch',
                         'documentation and metadata only')::mesh.contract_change;
        END IF;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Building a candidate version

-- RFC 7396 patch that turns old into new (keys missing from new are removed)
CREATE FUNCTION mesh._replacement_patch(old jsonb, new jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce((SELECT jsonb_object_agg(k, 'null'::jsonb) FROM jsonb_object_keys(old) k WHERE NOT new ? k), '{}'::jsonb)
        || coalesce((SELECT jsonb_object_agg(e.key,
                            CASE WHEN jsonb_typeof(old -> e.key) = 'object' AND jsonb_typeof(e.value) = 'object'
                                 THEN mesh._replacement_patch(old -> e.key, e.value)
                                 ELSE e.value END)
                       FROM jsonb_each(new) e), '{}'::jsonb)
$$;

-- the new source of a version: a string, or describe()'s source object; NULL when unchanged
CREATE FUNCTION mesh._new_source(p mesh.data_products, descriptor jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    s jsonb := descriptor -> 'source';
    definition text;
BEGIN
    IF s IS NULL OR jsonb_typeof(s) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(s) = 'string' THEN
        definition := s #>> '{}';
    ELSIF jsonb_typeof(s) = 'object' AND jsonb_typeof(s -> 'definition') = 'string' THEN
        definition := s ->> 'definition';
    ELSE
        RAISE EXCEPTION 'invalid descriptor for data product "%": 1 problem', p.domain || '.' || p.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('$.source: expected a relation name or a SELECT query as a string, not %s', jsonb_typeof(s)),
                  HINT = 'Give the new source of the output port, or leave "source" out to keep the current one.';
    END IF;
    RETURN nullif(definition, p.source);
END
$$;

-- The contract a version would have: validated descriptor, port columns
-- (from a new staging port when the source changes), the changes against
-- the active contract.  Creates the staging port: callers that only look
-- (diff, plan) run it in a subtransaction they roll back.
CREATE FUNCTION mesh._candidate(caller regrole, p mesh.data_products, version text, descriptor jsonb,
                                OUT normalized jsonb, OUT declared jsonb, OUT port_columns jsonb,
                                OUT staging regclass, OUT source text, OUT source_kind text,
                                OUT source_relation regclass, OUT changes mesh.contract_change[],
                                OUT required text, OUT step text)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    product text := p.domain || '.' || p.name;
    d mesh.domains;
    new_source text;
    staged record;
    staging_name text;
    forced record;
    err_state text;
    err_message text;
    err_detail text;
    err_hint text;
BEGIN
    PERFORM mesh._require(descriptor, 'descriptor');
    IF jsonb_typeof(descriptor) <> 'object' THEN
        RAISE EXCEPTION 'invalid descriptor for data product "%": 1 problem', product
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('$: expected an object, not %s', jsonb_typeof(descriptor)),
                  HINT = 'Fix every problem listed; docs/descriptor.md describes each key.';
    END IF;
    PERFORM mesh._check_version(version);
    IF descriptor ? 'version' AND descriptor ->> 'version' IS DISTINCT FROM version THEN
        RAISE EXCEPTION 'descriptor of data product "%" says version %, but % is being published',
                        product, descriptor -> 'version', version
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave "version" out of the descriptor or give the same version.';
    END IF;
    SELECT * INTO d FROM mesh.domains WHERE name = p.domain;

    new_source := mesh._new_source(p, descriptor);
    source := coalesce(new_source, p.source);
    source_kind := p.source_kind;
    source_relation := p.source_relation;
    IF new_source IS NOT NULL THEN
        -- a free name for the staging view (a domain member may have taken the first one)
        staging_name := format('_meshpg_next_%s', p.id);
        WHILE EXISTS (SELECT FROM pg_catalog.pg_class c
                       WHERE c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = p.domain)
                         AND c.relname = staging_name) LOOP
            staging_name := format('_meshpg_next_%s_%s', p.id, substr(md5(random()::text), 1, 8));
        END LOOP;
        BEGIN
            staged := mesh._create_port(p.domain, staging_name, new_source, d.owner);
        EXCEPTION WHEN OTHERS THEN
            -- the port's errors name the product, not the staging view
            GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                    err_detail = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT;
            IF strpos(concat_ws(' ', err_message, err_detail, err_hint), staging_name) = 0 THEN
                RAISE;   -- e.g. a syntax error, with its position in the source
            END IF;
            RAISE EXCEPTION USING ERRCODE = err_state,
                  MESSAGE = replace(err_message, p.domain || '.' || staging_name, product),
                  DETAIL = coalesce(replace(err_detail, p.domain || '.' || staging_name, product), ''),
                  HINT = coalesce(replace(err_hint, p.domain || '.' || staging_name, product), '');
        END;
        staging := staged.port;
        source_kind := staged.source_kind;
        source_relation := staged.source_relation;
        port_columns := mesh._port_columns(staging);
    ELSE
        port_columns := mesh._port_columns(p.port);
    END IF;

    declared := (descriptor - mesh._managed_keys()) || jsonb_build_object('version', version);
    normalized := mesh._normalize_descriptor(product, declared, port_columns, d.owner,
        (SELECT jsonb_object_agg(k, v) FROM jsonb_each(mesh.describe(product)) AS e(k, v)
          WHERE k = ANY (mesh._managed_keys())));

    changes := ARRAY(SELECT c FROM mesh._classify(mesh._stored_contract(p),
                                                  mesh._contract(normalized, port_columns, source)) c);
    FOR forced IN SELECT * FROM mesh.breaking_changes b
                   WHERE b.product_id = p.id AND b.consumed_by IS NULL ORDER BY b.id LOOP
        changes := changes || ('$', 'breaking_change_forced', NULL,
                               jsonb_build_object('relation', forced.relation, 'column', forced.column_name,
                                                  'action', forced.action, 'forced_by', forced.forced_by,
                                                  'incident', forced.incident_id),
                               'major', format('%s %s%s was forced on a source with meshpg.allow_breaking_change',
                                               forced.action,
                                               CASE WHEN forced.column_name IS NULL THEN '' ELSE format('column %I of ', forced.column_name) END,
                                               forced.relation))::mesh.contract_change;
    END LOOP;
    required := coalesce((SELECT c.class FROM unnest(changes) c ORDER BY mesh._class_rank(c.class) DESC LIMIT 1), 'patch');
    step := CASE WHEN mesh._semver_compare(version, p.version) > 0 THEN mesh._version_step(p.version, version) END;
END
$$;

-- ---------------------------------------------------------------------------
-- diff: the classification without publishing

CREATE FUNCTION mesh._diff_json(caller regrole, product text, descriptor jsonb, version text)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    cand record;
    result jsonb;
BEGIN
    PERFORM mesh._require(product, 'product');
    p := mesh._find_product(product);
    PERFORM mesh._domain_for_change(caller, p.domain, 'compare versions of its data products');
    -- a version only to compare with: the next patch unless one is given
    version := coalesce(version, mesh._next_version(p.version, 'patch'));
    PERFORM mesh._check_version(version);
    IF mesh._semver_compare(version, p.version) <= 0 THEN
        RAISE EXCEPTION 'version % of data product "%" must be greater than its current version %',
                        version, product, p.version
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave the version out to compare with the next patch version.';
    END IF;
    BEGIN
        cand := mesh._candidate(caller, p, version, descriptor);
        result := jsonb_build_object(
            'product', product,
            'current_version', p.version,
            'version', version,
            'class', cand.required,
            'minimum_version', CASE WHEN mesh._class_rank(cand.required) > mesh._class_rank(cand.step)
                                    THEN mesh._next_version(p.version, cand.required) ELSE version END,
            'changes', coalesce((SELECT jsonb_agg(to_jsonb(c)) FROM unnest(cand.changes) c), '[]'::jsonb));
        -- undo the staging port
        RAISE EXCEPTION USING ERRCODE = 'MSH01';
    EXCEPTION WHEN SQLSTATE 'MSH01' THEN
        NULL;
    END;
    RETURN result;
END
$$;

CREATE FUNCTION mesh.diff_json(product text, descriptor jsonb, version text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.diff_json(text, jsonb, text) IS
    'the changes a new descriptor (and source) would make to a data product''s contract, classified, as JSON; publishes nothing';

CREATE FUNCTION mesh.diff(product text, descriptor jsonb)
    RETURNS SETOF mesh.contract_change
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT c.*
      FROM jsonb_populate_recordset(NULL::mesh.contract_change, mesh.diff_json(product, descriptor) -> 'changes') c
$$;
COMMENT ON FUNCTION mesh.diff(text, jsonb) IS
    'one row per change a new descriptor would make to a data product''s contract: path, kind, old, new, class, reason';

-- ---------------------------------------------------------------------------
-- Ports of versions

-- roles that may read a port (SELECT granted, the owner excluded), 'PUBLIC' for everyone
CREATE FUNCTION mesh._port_consumers(port regclass) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(array_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE mesh._role_name(a.grantee) END
                              ORDER BY CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE mesh._role_name(a.grantee) END),
                    '{}')
      FROM pg_catalog.pg_class c
     CROSS JOIN LATERAL aclexplode(c.relacl) a
     WHERE c.oid = port AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
$$;

-- views of others that read a port
CREATE FUNCTION mesh._port_dependents(port regclass) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(array_agg(DISTINCT mesh._relation_name(r.ev_class) ORDER BY mesh._relation_name(r.ev_class)), '{}')
      FROM pg_catalog.pg_depend dep
      JOIN pg_catalog.pg_rewrite r ON r.oid = dep.objid
     WHERE dep.classid = 'pg_catalog.pg_rewrite'::regclass
       AND dep.refclassid = 'pg_catalog.pg_class'::regclass
       AND dep.refobjid = port AND r.ev_class <> port
$$;

-- the same SELECT grants on another port
CREATE FUNCTION mesh._copy_grants(from_port regclass, to_port regclass) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    grantee text;
BEGIN
    FOREACH grantee IN ARRAY mesh._port_consumers(from_port) LOOP
        IF grantee = 'PUBLIC' THEN
            EXECUTE format('GRANT SELECT ON %s TO PUBLIC', mesh._relation_name(to_port));
        ELSE
            EXECUTE format('GRANT SELECT ON %s TO %I', mesh._relation_name(to_port), grantee);
        END IF;
    END LOOP;
END
$$;

-- the baseline row of the current version, for products published before versioning
CREATE FUNCTION mesh._ensure_version_row(p mesh.data_products) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    INSERT INTO mesh.product_versions (product_id, version, major, status, port, port_name, class,
                                       previous, contract, published_at, published_by)
    VALUES (p.id, p.version, (mesh._version_core(p.version))[1],
            'active',
            p.port, mesh._relation_name(p.port), NULL, NULL, mesh._stored_contract(p), p.updated_at, p.updated_by)
    ON CONFLICT (product_id, version) DO NOTHING
$$;

-- NOTIFY meshpg_deprecation with the version, its sunset and its consumers
CREATE FUNCTION mesh._notify_deprecation(product text, v mesh.product_versions) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    consumers text[] := CASE WHEN v.port IS NULL THEN '{}' ELSE mesh._port_consumers(v.port) END;
    readers text[] := '{}';
    payload jsonb;
BEGIN
    -- roles that actually read the product in the last 30 days, when the usage area records it
    IF to_regclass('mesh.usage_daily') IS NOT NULL THEN
        EXECUTE 'SELECT coalesce(array_agg(DISTINCT u.role::text ORDER BY u.role::text), ''{}'')
                   FROM mesh.usage_daily u
                  WHERE u.product_id = $1 AND u.day >= current_date - 30 AND u.reads > 0'
           INTO readers USING v.product_id;
    END IF;
    payload := jsonb_build_object('product', product, 'version', v.version, 'port', v.port_name,
                                  'sunset_at', v.sunset_at, 'consumers', to_jsonb(consumers));
    IF to_regclass('mesh.usage_daily') IS NOT NULL THEN
        payload := payload || jsonb_build_object('recent_readers', to_jsonb(readers));
    END IF;
    -- NOTIFY payloads are limited to 8000 bytes: a long list is shortened to its count
    IF octet_length(payload::text) > 7900 THEN
        payload := payload || jsonb_build_object('consumers', to_jsonb(consumers[1:20]),
                                                 'consumer_count', cardinality(consumers));
        IF payload ? 'recent_readers' THEN
            payload := payload || jsonb_build_object('recent_readers', to_jsonb(readers[1:20]),
                                                     'recent_reader_count', cardinality(readers));
        END IF;
    END IF;
    PERFORM pg_notify('meshpg_deprecation', payload::text);
    IF cardinality(consumers) > 0 THEN
        RAISE NOTICE 'version % of data product "%" is deprecated, its sunset is in %; its consumers were notified: %',
                     v.version, product, justify_interval(v.sunset_at - now()), array_to_string(consumers, ', ');
    END IF;
END
$$;

CREATE FUNCTION mesh._deprecation_notice() RETURNS interval
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT coalesce(nullif(current_setting('meshpg.deprecation_notice', true), ''), '30d')::interval $$;

-- ---------------------------------------------------------------------------
-- publish_version

CREATE FUNCTION mesh._publish_version(caller regrole, product text, version text, descriptor jsonb)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    d mesh.domains;
    cand record;
    old_major numeric;
    old_name text;
    new_port regclass;
    side_by_side boolean;
    inherits_deprecation boolean;
    previous mesh.product_versions;
    lines text;
BEGIN
    PERFORM mesh._require(product, 'product');
    PERFORM mesh._require(version, 'version');
    PERFORM mesh._lock_name('product', product);
    p := mesh._product_for_change(caller, product, 'publish versions of its data products');
    SELECT * INTO d FROM mesh.domains WHERE name = p.domain;
    IF p.status = 'retired' THEN
        RAISE EXCEPTION 'cannot publish a version of data product "%" because it is retired', product
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A retired product is final; create a new data product instead.';
    END IF;

    PERFORM mesh._check_version(version);
    IF mesh._semver_compare(version, p.version) <= 0 THEN
        RAISE EXCEPTION 'version % of data product "%" must be greater than its current version %',
                        version, product, p.version
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Consumers rely on versions only ever increasing.',
                  HINT = format('Publish it as %s or later.', mesh._next_version(p.version, 'patch'));
    END IF;
    cand := mesh._candidate(caller, p, version, descriptor);
    IF mesh._class_rank(cand.step) < mesh._class_rank(cand.required) THEN
        SELECT string_agg(format('%s: %s (%s): %s', c.path, c.kind, c.class, c.reason), E'\n')
          INTO lines
          FROM unnest(cand.changes) c
         WHERE mesh._class_rank(c.class) > mesh._class_rank(cand.step);
        RAISE EXCEPTION 'version % understates the changes to data product "%": they are %, not %',
                        version, product, cand.required, cand.step
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = lines,
                  HINT = format('Publish it as %s or later, or see every change with mesh.diff().',
                                mesh._next_version(p.version, cand.required));
    END IF;

    PERFORM mesh._ensure_version_row(p);
    SELECT * INTO previous FROM mesh.product_versions v WHERE v.product_id = p.id AND v.version = p.version;
    old_major := (mesh._version_core(p.version))[1];
    side_by_side := cand.step = 'major' AND p.status <> 'draft';
    inherits_deprecation := NOT side_by_side AND previous.status = 'deprecated';

    -- the ports; only the API's own DDL passes the guards
    PERFORM set_config('meshpg.sanctioned_port_ddl', 'on', true);
    IF side_by_side THEN
        old_name := format('%s_v%s', p.name, old_major);
        IF octet_length(old_name) > 63 THEN
            RAISE EXCEPTION 'cannot keep version % of data product "%" as "%": the name is longer than 63 bytes',
                            p.version, product, old_name
                USING ERRCODE = 'name_too_long',
                      HINT = 'Retire the old major first with mesh.deprecate_version() and mesh.retire_version(), or choose a shorter product name.';
        END IF;
        IF to_regclass(format('%I.%I', p.domain, old_name)) IS NOT NULL THEN
            RAISE EXCEPTION 'cannot keep version % of data product "%" as %.%: the relation exists',
                            p.version, product, p.domain, old_name
                USING ERRCODE = 'duplicate_table',
                      HINT = 'Rename or drop that relation, or retire the older major first.';
        END IF;
        EXECUTE format('ALTER VIEW %s RENAME TO %I', mesh._relation_name(p.port), old_name);
        IF cand.staging IS NOT NULL THEN
            EXECUTE format('ALTER VIEW %s RENAME TO %I', mesh._relation_name(cand.staging), p.name);
            new_port := cand.staging;
        ELSE
            -- same query, a new view: the old major's view keeps its dependents
            new_port := (mesh._create_port(p.domain, p.name,
                            rtrim(pg_get_viewdef(p.port), E'; \n'), d.owner)).port;
        END IF;
        PERFORM mesh._copy_grants(p.port, new_port);
        -- a version deprecated already keeps the sunset it was promised when that is later
        UPDATE mesh.product_versions v
           SET status = 'deprecated', port_name = mesh._relation_name(p.port),
               deprecated_at = coalesce(v.deprecated_at, now()),
               sunset_at = greatest(v.sunset_at, now() + mesh._deprecation_notice())
         WHERE v.product_id = p.id AND v.version = p.version
        RETURNING * INTO previous;
    ELSIF cand.staging IS NOT NULL THEN
        new_port := p.port;
        BEGIN
            EXECUTE format('CREATE OR REPLACE VIEW %s WITH (security_barrier = true) AS %s',
                           mesh._relation_name(p.port), pg_get_viewdef(cand.staging));
        EXCEPTION WHEN invalid_table_definition OR datatype_mismatch THEN
            -- a column changed its type or went away: a new view of the same name
            IF cardinality(mesh._port_dependents(p.port)) > 0 THEN
                RAISE EXCEPTION 'cannot replace the output port of data product "%" in place', product
                    USING ERRCODE = 'dependent_objects_still_exist',
                          DETAIL = format('Views %s read it, and version %s changes its columns.',
                                          array_to_string(mesh._port_dependents(p.port), ', '), version),
                          HINT = 'Publish a new major version, which keeps the current one side by side, or drop the dependent views first.';
            END IF;
            new_port := cand.staging;
            PERFORM mesh._copy_grants(p.port, new_port);
            UPDATE mesh.data_products dp SET port = new_port WHERE dp.id = p.id;
            EXECUTE format('DROP VIEW %s', mesh._relation_name(p.port));
            EXECUTE format('ALTER VIEW %s RENAME TO %I', mesh._relation_name(new_port), p.name);
        END;
        IF new_port <> cand.staging THEN
            EXECUTE format('DROP VIEW %s', mesh._relation_name(cand.staging));
        END IF;
    ELSE
        new_port := p.port;
    END IF;
    IF NOT side_by_side THEN
        UPDATE mesh.product_versions v SET status = 'superseded', port = NULL, port_name = NULL
         WHERE v.product_id = p.id AND v.version = p.version;
    END IF;
    PERFORM set_config('meshpg.sanctioned_port_ddl', 'off', true);

    UPDATE mesh.data_products dp
       SET port = new_port, source = cand.source, source_kind = cand.source_kind,
           source_relation = cand.source_relation
     WHERE dp.id = p.id;
    -- the descriptor replaces the declared one (alter applies a merge patch)
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = p.id;
    PERFORM mesh._alter_data_product(caller, product,
                                     mesh._replacement_patch(mesh._declared_descriptor(p) - 'version', cand.declared - 'version')
                                     || jsonb_build_object('version', version));
    IF side_by_side AND p.status = 'deprecated' THEN
        -- a new major is a new contract: the product is active again, the old major keeps its sunset
        UPDATE mesh.data_products dp SET status = 'active' WHERE dp.id = p.id;
    END IF;
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = p.id;

    -- a version published in the notice period of the one it replaces inherits
    -- its deprecation: the consumers were promised that sunset, no other
    INSERT INTO mesh.product_versions (product_id, version, major, status, port, port_name, class, previous,
                                       contract, published_by, deprecated_at, sunset_at)
    VALUES (p.id, version, (mesh._version_core(version))[1],
            CASE WHEN inherits_deprecation THEN 'deprecated' ELSE 'active' END,
            p.port, mesh._relation_name(p.port),
            cand.required, previous.version, mesh._stored_contract(p), mesh._role_name(caller),
            CASE WHEN inherits_deprecation THEN previous.deprecated_at END,
            CASE WHEN inherits_deprecation THEN previous.sunset_at END);
    INSERT INTO mesh.changelog (product_id, version, previous, path, kind, old, new, class, reason, published_by)
    SELECT p.id, version, previous.version, c.path, c.kind, c.old, c.new, c.class, c.reason, mesh._role_name(caller)
      FROM unnest(cand.changes) c;
    UPDATE mesh.breaking_changes b SET consumed_by = version
     WHERE b.product_id = p.id AND b.consumed_by IS NULL;

    IF side_by_side THEN
        PERFORM mesh._notify_deprecation(product, previous);
    END IF;
    RETURN jsonb_build_object(
        'product', product,
        'version', version,
        'previous', previous.version,
        'class', cand.required,
        'port', mesh._relation_name(p.port),
        'kept', CASE WHEN side_by_side THEN jsonb_build_object('version', previous.version, 'port', previous.port_name,
                                                               'sunset_at', previous.sunset_at) END,
        'changes', coalesce((SELECT jsonb_agg(to_jsonb(c)) FROM unnest(cand.changes) c), '[]'::jsonb));
END
$$;

CREATE FUNCTION mesh.publish_version(product text, version text, descriptor jsonb)
    RETURNS jsonb
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.publish_version(text, text, jsonb) IS
    'publish a new version of a data product''s contract: every change classified, an understated version refused, a changelog recorded';

-- ---------------------------------------------------------------------------
-- Deprecation and retirement of versions

CREATE FUNCTION mesh._version_for_change(caller regrole, product text, version text, action text)
    RETURNS mesh.product_versions
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    v mesh.product_versions;
BEGIN
    PERFORM mesh._require(version, 'version');
    p := mesh._product_for_change(caller, product, action);
    IF version = p.version THEN
        PERFORM mesh._ensure_version_row(p);
    END IF;
    SELECT * INTO v FROM mesh.product_versions pv WHERE pv.product_id = p.id AND pv.version = _version_for_change.version
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'data product "%" has no version %', product, version
            USING ERRCODE = 'undefined_object',
                  HINT = format('Its versions: %s.', coalesce(
                      (SELECT string_agg(pv.version || ' (' || pv.status || ')', ', ' ORDER BY pv.published_at)
                         FROM mesh.product_versions pv WHERE pv.product_id = p.id),
                      p.version || ' (current)'));
    END IF;
    RETURN v;
END
$$;

CREATE FUNCTION mesh._deprecate_version(caller regrole, product text, version text, sunset timestamptz)
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    v mesh.product_versions := mesh._version_for_change(caller, product, version, 'deprecate versions of its data products');
    p mesh.data_products := mesh._find_product(product);
    earliest timestamptz := now() + mesh._deprecation_notice();
BEGIN
    IF v.status <> 'active' THEN
        RAISE EXCEPTION 'cannot deprecate version % of data product "%" because it is %', version, product, v.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only an active version can be deprecated.',
                  HINT = CASE v.status WHEN 'deprecated' THEN 'It is deprecated already; its sunset is ' || v.sunset_at || '.'
                                       WHEN 'superseded' THEN 'A superseded version has no port of its own; deprecate the version that replaced it.'
                                       ELSE 'A retired version is final.' END;
    END IF;
    IF v.version = p.version AND p.status <> 'active' THEN
        RAISE EXCEPTION 'cannot deprecate data product "%" because it is %', product, p.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A draft has no consumers: drop it or retire it with mesh.set_status().';
    END IF;
    sunset := coalesce(sunset, earliest);
    IF sunset < earliest THEN
        RAISE EXCEPTION 'sunset of version % of data product "%" is inside the notice period', version, product
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Consumers get a notice period of %s (meshpg.deprecation_notice); the sunset given is %s.',
                                  mesh._deprecation_notice(), sunset),
                  HINT = format('Choose a sunset at or after %s.', earliest);
    END IF;
    UPDATE mesh.product_versions pv SET status = 'deprecated', deprecated_at = now(), sunset_at = sunset
     WHERE pv.product_id = v.product_id AND pv.version = v.version
    RETURNING * INTO v;
    IF v.version = p.version THEN
        UPDATE mesh.data_products dp SET status = 'deprecated', updated_at = now(), updated_by = mesh._role_name(caller)
         WHERE dp.id = p.id;
    END IF;
    PERFORM mesh._notify_deprecation(product, v);
    RETURN sunset;
END
$$;

CREATE FUNCTION mesh.deprecate_version(product text, version text, sunset timestamptz DEFAULT NULL)
    RETURNS timestamptz
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.deprecate_version(text, text, timestamptz) IS
    'deprecate a version of a data product until its sunset (at least meshpg.deprecation_notice away); notifies its consumers';

-- retire one deprecated version whose sunset has passed: drop its side-by-side port
CREATE FUNCTION mesh._retire(v mesh.product_versions, by_role text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
BEGIN
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = v.product_id;
    IF v.version = p.version THEN
        -- the current version: the product itself retires; its port stays until drop_data_product
        UPDATE mesh.data_products dp SET status = 'retired', updated_at = now(), updated_by = by_role
         WHERE dp.id = p.id;
        UPDATE mesh.product_versions pv SET status = 'retired', retired_at = now(), port = NULL
         WHERE pv.product_id = v.product_id AND pv.version = v.version;
        RETURN;
    END IF;
    IF v.port IS NOT NULL AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = v.port) THEN
        IF cardinality(mesh._port_dependents(v.port)) > 0 THEN
            RAISE EXCEPTION 'cannot retire version % of data product "%" because views read its port %',
                            v.version, p.domain || '.' || p.name, v.port_name
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = format('Views: %s.', array_to_string(mesh._port_dependents(v.port), ', ')),
                      HINT = 'Move those views to the current version of the product, or drop them.';
        END IF;
        PERFORM set_config('meshpg.sanctioned_port_ddl', 'on', true);
        EXECUTE format('DROP VIEW %s', mesh._relation_name(v.port));
        PERFORM set_config('meshpg.sanctioned_port_ddl', 'off', true);
    END IF;
    UPDATE mesh.product_versions pv SET status = 'retired', retired_at = now(), port = NULL
     WHERE pv.product_id = v.product_id AND pv.version = v.version;
END
$$;

CREATE FUNCTION mesh._retire_version(caller regrole, product text, version text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    v mesh.product_versions := mesh._version_for_change(caller, product, version, 'retire versions of its data products');
BEGIN
    IF v.status <> 'deprecated' THEN
        RAISE EXCEPTION 'cannot retire version % of data product "%" because it is %', version, product, v.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The life cycle of a version is active -> deprecated -> (sunset) -> retired; a retired version is final.',
                  HINT = CASE v.status WHEN 'active' THEN 'Deprecate it first, so its consumers are warned: mesh.deprecate_version(product, version).'
                                       WHEN 'retired' THEN 'Nothing is left to retire.'
                                       ELSE 'A superseded version has no port of its own.' END;
    END IF;
    IF v.sunset_at > now() THEN
        RAISE EXCEPTION 'cannot retire version % of data product "%" before its sunset', version, product
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its consumers were promised the notice period, until %s.', v.sunset_at),
                  HINT = 'Wait for the sunset; mesh._retire_due_versions() retires it then.';
    END IF;
    PERFORM mesh._retire(v, mesh._role_name(caller));
END
$$;

CREATE FUNCTION mesh.retire_version(product text, version text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.retire_version(text, text) IS
    'retire a deprecated version after its sunset: its side-by-side port is dropped';

-- 0.1.0's set_status, aware of a current version deprecated with
-- deprecate_version(): retiring the product waits for that version's sunset
-- (and retires the version), making it active again withdraws the
-- deprecation, so that the scheduler does not retire it at the old sunset.
CREATE OR REPLACE FUNCTION mesh._set_status(caller regrole, product text, status text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    v mesh.product_versions;
    allowed constant text[] := ARRAY['draft>active', 'draft>retired', 'active>deprecated',
                                     'deprecated>active', 'deprecated>retired'];
BEGIN
    PERFORM mesh._require(status, 'status');
    IF status NOT IN ('draft', 'active', 'deprecated', 'retired') THEN
        RAISE EXCEPTION 'invalid data product status "%"', status
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use draft, active, deprecated or retired.';
    END IF;
    p := mesh._product_for_change(caller, product, 'change the status of its data products');
    IF p.status = status THEN
        RAISE NOTICE 'data product "%" is already %', product, status;
        RETURN;
    END IF;
    IF NOT (p.status || '>' || status) = ANY (allowed) THEN
        RAISE EXCEPTION 'cannot change the status of data product "%" from % to %', product, p.status, status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The life cycle is draft -> active -> deprecated -> retired; a deprecated product can be made active again, a draft can be retired, a retired product is final.',
                  HINT = CASE
                      WHEN p.status = 'active' AND status = 'retired'
                          THEN 'Deprecate it first, so its consumers are warned: mesh.set_status(product, ''deprecated'').'
                      WHEN p.status = 'retired'
                          THEN 'Publish a new data product instead.'
                      ELSE 'Move through the intermediate statuses.'
                  END;
    END IF;
    SELECT * INTO v FROM mesh.product_versions pv
     WHERE pv.product_id = p.id AND pv.version = p.version AND pv.status = 'deprecated'
       FOR UPDATE;
    IF FOUND AND status = 'retired' THEN
        IF v.sunset_at > now() THEN
            RAISE EXCEPTION 'cannot retire data product "%" before the sunset of its version %', product, v.version
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Its consumers were promised the notice period, until %s.', v.sunset_at),
                      HINT = 'Wait for the sunset; mesh._retire_due_versions() retires it then.';
        END IF;
        PERFORM mesh._retire(v, mesh._role_name(caller));
        RETURN;
    ELSIF FOUND AND status = 'active' THEN
        UPDATE mesh.product_versions pv SET status = 'active', deprecated_at = NULL, sunset_at = NULL
         WHERE pv.product_id = v.product_id AND pv.version = v.version;
    END IF;
    UPDATE mesh.data_products dp
       SET status = _set_status.status, updated_at = now(), updated_by = mesh._role_name(caller)
     WHERE dp.id = p.id;
    -- 0.1.0's deprecation promises no sunset (it may be retired at once, as in
    -- 0.1.0), but its consumers are told, on the channel of deprecate_version()
    -- with "sunset_at": null (docs/contracts.md)
    IF status = 'deprecated' THEN
        PERFORM pg_notify('meshpg_deprecation', jsonb_build_object(
            'product', product, 'version', p.version, 'port', mesh._relation_name(p.port),
            'sunset_at', NULL,
            'consumers', to_jsonb(CASE WHEN p.port IS NULL THEN '{}'::text[]
                                       ELSE (mesh._port_consumers(p.port))[1:20] END))::text);
    END IF;
END
$$;

-- 0.1.0's drop_data_product, aware of kept majors: their ports are dropped
-- with the product (their catalog rows go with it, so nothing would guard,
-- retire or describe them any more), and without force a kept major still
-- in its notice period keeps the product from being dropped.
CREATE OR REPLACE FUNCTION mesh._drop_data_product(caller regrole, product text, force boolean)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    kept mesh.product_versions;
    ports regclass[];
    port regclass;
BEGIN
    -- The usage flush holds mesh.usage_daily in SHARE ROW EXCLUSIVE mode while
    -- it inserts rows that reference products, and the product's delete
    -- cascades into it.  Taking it before the product row (the flush's order)
    -- makes a drop wait for a running flush instead of deadlocking with it.
    LOCK TABLE mesh.usage_daily IN ROW EXCLUSIVE MODE;
    p := mesh._product_for_change(caller, product, 'drop its data products');
    IF p.status IN ('active', 'deprecated') AND NOT coalesce(force, false) THEN
        RAISE EXCEPTION 'cannot drop data product "%" while it is %', product, p.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Consumers may be reading it.',
                  HINT = 'Deprecate and retire it first with mesh.set_status(), or pass force => true.';
    END IF;
    SELECT * INTO kept FROM mesh.product_versions v
     WHERE v.product_id = p.id AND v.port IS NOT NULL AND v.port <> p.port
       AND v.status = 'deprecated' AND v.sunset_at > now()
     ORDER BY v.sunset_at DESC LIMIT 1;
    IF FOUND AND NOT coalesce(force, false) THEN
        RAISE EXCEPTION 'cannot drop data product "%" while version % is kept until its sunset', product, kept.version
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its consumers were promised %s until %s.', kept.port_name, kept.sunset_at),
                  HINT = 'Wait for the sunset (mesh._retire_due_versions() retires it), or pass force => true.';
    END IF;
    ports := ARRAY[p.port] || ARRAY(SELECT v.port FROM mesh.product_versions v
                                     WHERE v.product_id = p.id AND v.port IS NOT NULL AND v.port <> p.port
                                       AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = v.port)
                                     ORDER BY v.version);
    -- the catalog rows go first (their versions with them), so the port guards let the drops through
    DELETE FROM mesh.data_products dp WHERE dp.id = p.id;
    BEGIN
        FOREACH port IN ARRAY ports LOOP
            EXECUTE format('DROP VIEW %s', mesh._relation_name(port));
        END LOOP;
    EXCEPTION WHEN dependent_objects_still_exist THEN
        RAISE EXCEPTION 'cannot drop data product "%" because other objects depend on its output port', product
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = (SELECT string_agg(DISTINCT format('View %s depends on it.', mesh._relation_name(r.ev_class)), E'\n')
                              FROM pg_catalog.pg_depend dep
                              JOIN pg_catalog.pg_rewrite r ON r.oid = dep.objid
                             WHERE dep.classid = 'pg_catalog.pg_rewrite'::regclass
                               AND dep.refobjid = ANY (ports) AND r.ev_class <> ALL (ports)),
                  HINT = 'Drop or change the dependent views first.';
    END;
END
$$;

-- every deprecated version past its sunset; the monitor scheduler calls it each naptime
CREATE FUNCTION mesh._retire_due_versions() RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    v mesh.product_versions;
    n integer := 0;
BEGIN
    FOR v IN SELECT * FROM mesh.product_versions pv
              WHERE pv.status = 'deprecated' AND pv.sunset_at <= now()
              ORDER BY pv.sunset_at
                FOR UPDATE SKIP LOCKED LOOP
        BEGIN
            PERFORM mesh._retire(v, 'meshpg');
            n := n + 1;
        EXCEPTION WHEN dependent_objects_still_exist THEN
            -- kept deprecated; tried again next time
            RAISE WARNING 'could not retire version % of data product %: %', v.version, v.product_id, SQLERRM;
        END;
    END LOOP;
    RETURN n;
END
$$;

-- who reads which version: SELECT grants on every version's port
CREATE VIEW mesh.version_consumers AS
SELECT dp.domain || '.' || dp.name AS product,
       v.version,
       v.status,
       v.sunset_at,
       v.port,
       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE r.rolname::text END AS consumer
  FROM mesh.product_versions v
  JOIN mesh.data_products dp ON dp.id = v.product_id
  JOIN pg_catalog.pg_class c ON c.oid = v.port
 CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
 WHERE a.privilege_type = 'SELECT' AND a.grantee <> c.relowner;
COMMENT ON VIEW mesh.version_consumers IS 'roles granted SELECT on the port of each version that has one (PUBLIC for everyone)';
GRANT SELECT ON mesh.version_consumers TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Schema-drift guard

-- Products whose port (or a kept major's port) reads a relation (attnum 0) or
-- one of its columns.  direct: the port's query names the relation; a port
-- that reads it through other views is a hit only for a column that one of
-- its output columns comes from (mesh._column_origins follows views), since
-- dropping NOT NULL there changes the port's contract all the same.
CREATE FUNCTION mesh._ports_reading(relation regclass, attnum int2)
    RETURNS TABLE (product_id bigint, product text, version text, port regclass, port_column text,
                   port_nullable boolean, port_primary_key boolean, port_references text, direct boolean)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH RECURSIVE ports AS (
        SELECT dp.id, dp.domain || '.' || dp.name AS product, dp.version, dp.port
          FROM mesh.data_products dp
         WHERE dp.status IN ('active', 'deprecated')
        UNION
        SELECT dp.id, dp.domain || '.' || dp.name, v.version, v.port
          FROM mesh.product_versions v JOIN mesh.data_products dp ON dp.id = v.product_id
         WHERE v.port IS NOT NULL AND v.status IN ('active', 'deprecated')
    ), readers (relid) AS (
        -- views reading the relation, and views reading those
        SELECT _ports_reading.relation::oid
        UNION
        SELECT r.ev_class
          FROM readers
          JOIN pg_catalog.pg_depend dep
            ON dep.classid = 'pg_catalog.pg_rewrite'::regclass
           AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = readers.relid
          JOIN pg_catalog.pg_rewrite r ON r.oid = dep.objid AND r.ev_class <> readers.relid
    ), candidates AS (
        SELECT ports.*,
               EXISTS (SELECT FROM pg_catalog.pg_rewrite r
                         JOIN pg_catalog.pg_depend dep
                           ON dep.classid = 'pg_catalog.pg_rewrite'::regclass AND dep.objid = r.oid
                          AND dep.refclassid = 'pg_catalog.pg_class'::regclass
                          AND dep.refobjid = _ports_reading.relation
                          AND (_ports_reading.attnum = 0 OR dep.refobjsubid = _ports_reading.attnum)
                        WHERE r.ev_class = ports.port) AS direct
          FROM ports
         WHERE ports.port IN (SELECT readers.relid FROM readers WHERE readers.relid <> _ports_reading.relation)
    )
    SELECT DISTINCT ON (ports.id, ports.port, o.attnum)
           ports.id, ports.product, ports.version, ports.port,
           a.attname::text, c.nullable, c.primary_key, c."references", ports.direct
      FROM candidates ports
      LEFT JOIN LATERAL (SELECT co.attnum FROM mesh._column_origins(ports.port) co
                          WHERE _ports_reading.attnum <> 0
                            AND co.source_relation = _ports_reading.relation
                            AND co.source_attnum = _ports_reading.attnum) o ON true
      LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ports.port AND a.attnum = o.attnum
      LEFT JOIN mesh.data_product_columns c ON c.product_id = ports.id AND c.name = a.attname::text
     WHERE ports.direct OR o.attnum IS NOT NULL
     ORDER BY ports.id, ports.port, o.attnum
$$;

-- One product whose contract a DDL statement would break: refused, unless
-- meshpg.allow_breaking_change names the product and the DDL's issuer is a
-- member of its owner; then the change is recorded (breaking_changes, an
-- incident when the monitor module is installed) and the next version must
-- be major.
CREATE FUNCTION mesh._drift_refuse(caller regrole, hit_product_id bigint, hit_product text, hit_version text,
                                   hit_port regclass, hit_port_column text, relation text, column_name text,
                                   action text, subject text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    allowed text := nullif(current_setting('meshpg.allow_breaking_change', true), '');
    p mesh.data_products;
    consumers text[] := mesh._port_consumers(hit_port) || mesh._port_dependents(hit_port);
    incident bigint;
BEGIN
    IF allowed = hit_product THEN
        SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = hit_product_id;
        IF NOT pg_has_role(caller, p.owner, 'MEMBER') THEN
            RAISE EXCEPTION 'permission denied to force a breaking change on data product "%"', hit_product
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('Only members of its owner role %s can set meshpg.allow_breaking_change to it.',
                                      quote_ident(mesh._role_name(p.owner))),
                      HINT = 'Ask the product''s owner to make the change.';
        END IF;
        IF to_regprocedure('mesh._open_incident(bigint,text,text,text,jsonb)') IS NOT NULL THEN
            EXECUTE 'SELECT mesh._open_incident($1, $2, $3, $4, $5)' INTO incident
              USING hit_product_id, 'breaking_change', subject, 'error',
                    jsonb_build_object('statement', current_query(), 'forced_by', mesh._role_name(caller),
                                       'consumers', to_jsonb(consumers));
        END IF;
        INSERT INTO mesh.breaking_changes (product_id, relation, column_name, action, statement, incident_id, forced_by)
        VALUES (hit_product_id, relation, column_name, action, current_query(), incident, mesh._role_name(caller));
        RAISE WARNING 'breaking change to data product "%" forced: %', hit_product, subject
            USING DETAIL = format('Consumers: %s.', coalesce(nullif(array_to_string(consumers, ', '), ''), 'none')),
                  HINT = 'The next version of the product must be a major one (mesh.publish_version()).';
        RETURN;
    END IF;
    RAISE EXCEPTION 'cannot %: data product "%" reads it', subject, hit_product
        USING ERRCODE = 'dependent_objects_still_exist',
              DETAIL = format('Version %s of "%s" promises %s. Consumers: %s.',
                              hit_version, hit_product,
                              CASE WHEN hit_port_column IS NULL THEN format('its output port %s', mesh._relation_name(hit_port))
                                   ELSE format('column %I of %s', hit_port_column, mesh._relation_name(hit_port)) END,
                              coalesce(nullif(array_to_string(consumers, ', '), ''), 'none')),
              HINT = format('Publish a new major version of "%s" that no longer needs it with mesh.publish_version(), '
                            'or, as its owner, SET LOCAL meshpg.allow_breaking_change = %L first (an incident is recorded and the next version must be major).',
                            hit_product, hit_product);
END
$$;

-- Called by the event trigger mesh._drift_guard (C), as the extension owner
-- with the DDL's issuer as caller, before DDL on a relation runs: refuses it
-- when it would break an active contract, unless the product's owner set
-- meshpg.allow_breaking_change to the product.
CREATE FUNCTION mesh._drift_check(caller regrole, relation regclass, attnum int2, action text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    hit record;
    column_name text;
    subject text;
    seen bigint[] := '{}';
BEGIN
    IF to_regclass('mesh.data_products') IS NULL THEN
        RETURN;
    END IF;
    IF attnum <> 0 THEN
        SELECT a.attname INTO column_name FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = relation AND a.attnum = _drift_check.attnum;
    END IF;
    subject := format('%s %s%s', action,
                      CASE WHEN column_name IS NULL THEN '' ELSE format('column %I of ', column_name) END,
                      mesh._relation_name(relation));
    FOR hit IN SELECT * FROM mesh._ports_reading(relation, attnum) LOOP
        -- dropping NOT NULL breaks only a port column the contract promises NOT NULL
        CONTINUE WHEN action = 'drop not null of' AND hit.port_nullable IS DISTINCT FROM false;
        -- dropping a key breaks only a port column the contract promises that key on
        CONTINUE WHEN action = 'drop primary key of' AND hit.port_primary_key IS DISTINCT FROM true;
        CONTINUE WHEN action = 'drop foreign key of' AND hit.port_references IS NULL;
        CONTINUE WHEN hit.port = relation;   -- a port itself: the port guard decides
        -- a view between the relation and the port keeps its own column names
        CONTINUE WHEN action = 'rename' AND NOT hit.direct;
        CONTINUE WHEN hit.product_id = ANY (seen);   -- once per product, whatever its ports
        seen := seen || hit.product_id;
        PERFORM mesh._drift_refuse(caller, hit.product_id, hit.product, hit.version, hit.port, hit.port_column,
                                   mesh._relation_name(relation), column_name, action, subject);
    END LOOP;
END
$$;

-- Port columns (of active or deprecated products and kept majors) whose type
-- is the given type or an array of it
CREATE FUNCTION mesh._ports_typed(type regtype)
    RETURNS TABLE (product_id bigint, product text, version text, port regclass, port_column text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH ports AS (
        SELECT dp.id, dp.domain || '.' || dp.name AS product, dp.version, dp.port
          FROM mesh.data_products dp
         WHERE dp.status IN ('active', 'deprecated')
        UNION
        SELECT dp.id, dp.domain || '.' || dp.name, v.version, v.port
          FROM mesh.product_versions v JOIN mesh.data_products dp ON dp.id = v.product_id
         WHERE v.port IS NOT NULL AND v.status IN ('active', 'deprecated')
    )
    SELECT ports.id, ports.product, ports.version, ports.port, a.attname::text
      FROM ports
      JOIN pg_catalog.pg_attribute a ON a.attrelid = ports.port AND a.attnum > 0 AND NOT a.attisdropped
      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     WHERE a.atttypid = _ports_typed.type
        OR (t.typcategory = 'A' AND t.typelem = _ports_typed.type)
     ORDER BY ports.id, ports.port, a.attnum
$$;

-- Called by the event trigger (C) before renaming or moving a type, or
-- renaming a value of an enum: the contract names the type of each column
-- and consumers compare with its values.
CREATE FUNCTION mesh._drift_check_type(caller regrole, type regtype, action text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    hit record;
    subject text := format('%s %s', action, pg_catalog.format_type(type, NULL));
    seen bigint[] := '{}';
BEGIN
    IF to_regclass('mesh.data_products') IS NULL THEN
        RETURN;
    END IF;
    FOR hit IN SELECT * FROM mesh._ports_typed(type) LOOP
        CONTINUE WHEN hit.product_id = ANY (seen);
        seen := seen || hit.product_id;
        PERFORM mesh._drift_refuse(caller, hit.product_id, hit.product, hit.version, hit.port, hit.port_column,
                                   pg_catalog.format_type(type, NULL), NULL, action, subject);
    END LOOP;
END
$$;

CREATE FUNCTION mesh._drift_guard() RETURNS event_trigger
    LANGUAGE c
    AS 'MODULE_PATHNAME', 'meshpg_drift_guard';

CREATE EVENT TRIGGER meshpg_drift_guard ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE', 'DROP TABLE', 'ALTER VIEW', 'DROP VIEW', 'ALTER MATERIALIZED VIEW',
                 'DROP MATERIALIZED VIEW', 'ALTER FOREIGN TABLE', 'DROP FOREIGN TABLE',
                 'ALTER INDEX', 'ALTER TYPE', 'ALTER DOMAIN')
    EXECUTE FUNCTION mesh._drift_guard();

-- ---------------------------------------------------------------------------
-- The 0.1.0 port guards, aware of side-by-side ports and of the API's own DDL

-- the API's own DDL in progress (meshpg.sanctioned_port_ddl as the loaded
-- library defines it: a value set before the library was loaded by a role
-- that may not set it is discarded on loading); the guards run as whoever
-- issues the DDL, so everyone may call it
CREATE FUNCTION mesh._port_ddl_sanctioned() RETURNS boolean
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'meshpg_port_ddl_sanctioned';

CREATE OR REPLACE FUNCTION mesh._guard_sql_drop() RETURNS event_trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    hit record;
BEGIN
    IF to_regclass('mesh.data_products') IS NULL THEN
        RETURN;   -- the extension itself is being dropped
    END IF;
    IF mesh._port_ddl_sanctioned() THEN
        RETURN;   -- the mesh API changing ports itself
    END IF;
    SELECT p.domain || '.' || p.name AS product, o.object_identity INTO hit
      FROM pg_event_trigger_dropped_objects() o
      JOIN mesh.data_products p ON p.port = o.objid
     WHERE o.classid = 'pg_catalog.pg_class'::regclass
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot drop % because it is the output port of data product "%"', hit.object_identity, hit.product
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop the data product with mesh.drop_data_product(), which drops its port.';
    END IF;
    SELECT p.domain || '.' || p.name AS product, v.version, o.object_identity INTO hit
      FROM pg_event_trigger_dropped_objects() o
      JOIN mesh.product_versions v ON v.port = o.objid
      JOIN mesh.data_products p ON p.id = v.product_id
     WHERE o.classid = 'pg_catalog.pg_class'::regclass
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot drop % because it is the output port of version % of data product "%"',
                        hit.object_identity, hit.version, hit.product
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Deprecate the version with mesh.deprecate_version(); it is dropped after its sunset.';
    END IF;
    SELECT d.name INTO hit
      FROM pg_event_trigger_dropped_objects() o
      JOIN mesh.domains d ON d.name = o.object_name
     WHERE o.object_type = 'schema'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot drop schema "%" because it is a domain of the data mesh', hit.name
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop its data products with mesh.drop_data_product(), then the domain with mesh.drop_domain().';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION mesh._guard_ddl() RETURNS event_trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    hit record;
BEGIN
    IF to_regclass('mesh.data_products') IS NULL THEN
        RETURN;
    END IF;
    IF mesh._port_ddl_sanctioned() THEN
        RETURN;   -- the mesh API changing ports itself
    END IF;
    SELECT p.domain || '.' || p.name AS product, c.command_tag INTO hit
      FROM pg_event_trigger_ddl_commands() c
      JOIN mesh.data_products p ON p.port = c.objid
     WHERE c.classid = 'pg_catalog.pg_class'::regclass
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot run % on the output port of data product "%"', hit.command_tag, hit.product
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'An output port is defined and documented through the mesh API.',
                  HINT = 'Change the descriptor with mesh.alter_data_product(), or publish a new data product for a new source.';
    END IF;
    SELECT p.domain || '.' || p.name AS product, v.version, c.command_tag INTO hit
      FROM pg_event_trigger_ddl_commands() c
      JOIN mesh.product_versions v ON v.port = c.objid
      JOIN mesh.data_products p ON p.id = v.product_id
     WHERE c.classid = 'pg_catalog.pg_class'::regclass
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot run % on the output port of version % of data product "%"', hit.command_tag, hit.version, hit.product
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The port of a kept major version is frozen until its sunset.',
                  HINT = 'Publish a new version with mesh.publish_version().';
    END IF;
    -- after a rename the old name is gone: check that every domain still has
    -- its schema, owned by its owner
    SELECT d.name INTO hit
      FROM mesh.domains d
      LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = d.name
     WHERE (n.oid IS NULL OR n.nspowner <> d.owner)
       AND EXISTS (SELECT FROM pg_event_trigger_ddl_commands() c WHERE c.command_tag = 'ALTER SCHEMA')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot alter schema "%" because it is a domain of the data mesh', hit.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A domain''s schema keeps its name and owner; create a new domain instead.';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION
    mesh._check_version(text), mesh._version_core(text), mesh._class_rank(text),
    mesh._version_step(text, text), mesh._next_version(text, text), mesh._type_widens(text, text),
    mesh._contract(jsonb, jsonb, text), mesh._stored_contract(mesh.data_products), mesh._json_path(text[]),
    mesh._classify(jsonb, jsonb), mesh._replacement_patch(jsonb, jsonb), mesh._new_source(mesh.data_products, jsonb),
    mesh._candidate(regrole, mesh.data_products, text, jsonb), mesh._diff_json(regrole, text, jsonb, text),
    mesh._port_consumers(regclass), mesh._port_dependents(regclass), mesh._copy_grants(regclass, regclass),
    mesh._ensure_version_row(mesh.data_products), mesh._notify_deprecation(text, mesh.product_versions),
    mesh._deprecation_notice(), mesh._publish_version(regrole, text, text, jsonb),
    mesh._version_for_change(regrole, text, text, text), mesh._deprecate_version(regrole, text, text, timestamptz),
    mesh._retire(mesh.product_versions, text), mesh._retire_version(regrole, text, text),
    mesh._retire_due_versions(), mesh._ports_reading(regclass, int2),
    mesh._drift_check(regrole, regclass, int2, text), mesh._drift_guard(),
    mesh._drift_refuse(regrole, bigint, text, text, regclass, text, text, text, text, text),
    mesh._ports_typed(regtype), mesh._drift_check_type(regrole, regtype, text)
    FROM PUBLIC;
