-- Data products: create, alter (merge patch), change status, drop.
-- The output port is created in C (mesh._create_port); everything else is
-- catalog bookkeeping, clearer in PL/pgSQL.

-- "schema"."relation", independent of the reader's search_path
CREATE FUNCTION mesh._relation_name(rel regclass) RETURNS text
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = rel
$$;

-- the port's columns as the server knows them: type, nullability, key, references
CREATE FUNCTION mesh._port_columns(port regclass) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH origin AS MATERIALIZED (
        SELECT * FROM mesh._column_origins(port)
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'position', a.attnum,
               'name', a.attname,
               'type', format_type(a.atttypid, a.atttypmod),
               'nullable', NOT coalesce(sa.attnotnull AND NOT o.may_be_null, false),
               'primary_key', coalesce(pk.is_key, false),
               'references', fk.refs)
             ORDER BY a.attnum), '[]'::jsonb)
      FROM pg_catalog.pg_attribute a
      LEFT JOIN origin o ON o.attnum = a.attnum
      LEFT JOIN pg_catalog.pg_attribute sa
             ON sa.attrelid = o.source_relation AND sa.attnum = o.source_attnum
      LEFT JOIN LATERAL (
            -- part of the source's primary key, and every key column reaches the port 1:1
            SELECT true AS is_key
              FROM pg_catalog.pg_constraint c
             WHERE o.keyed AND c.conrelid = o.source_relation AND c.contype = 'p'
               AND o.source_attnum = ANY (c.conkey)
               AND NOT EXISTS (SELECT FROM unnest(c.conkey) AS k(attnum)
                                WHERE NOT EXISTS (SELECT FROM origin o2
                                                   WHERE o2.keyed
                                                     AND o2.source_relation = c.conrelid
                                                     AND o2.source_attnum = k.attnum))
      ) pk ON true
      LEFT JOIN LATERAL (
            SELECT string_agg(mesh._relation_name(c.confrelid) || '(' || quote_ident(ra.attname) || ')',
                              ', ' ORDER BY c.conname) AS refs
              FROM pg_catalog.pg_constraint c
              CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(attnum, ref_attnum)
              JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.ref_attnum
             WHERE c.conrelid = o.source_relation AND c.contype = 'f' AND k.attnum = o.source_attnum
      ) fk ON true
     WHERE a.attrelid = port AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- keys of describe() that meshpg sets itself; never stored in the descriptor
CREATE FUNCTION mesh._managed_keys() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT ARRAY['product', 'domain', 'name', 'id', 'status', 'port', 'source', 'column_count',
                       'created_at', 'created_by', 'updated_at', 'updated_by'] $$;

-- column documentation as an object keyed by column name (accepts both forms)
CREATE FUNCTION mesh._columns_by_name(columns jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE jsonb_typeof(columns)
             WHEN 'object' THEN columns
             WHEN 'array' THEN (SELECT coalesce(jsonb_object_agg(c ->> 'name', c - 'name'), '{}'::jsonb)
                                  FROM jsonb_array_elements(columns) AS c)
             ELSE '{}'::jsonb
           END
$$;

-- validate a descriptor for a port and fill in the defaults
CREATE FUNCTION mesh._normalize_descriptor(product text, descriptor jsonb, port_columns jsonb,
                                           domain_owner regrole, managed jsonb)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._validate_descriptor(product, descriptor,
        jsonb_build_object('columns', port_columns, 'managed', managed));
    RETURN jsonb_build_object('version', '0.1.0',
                              'owner', mesh._role_name(domain_owner),
                              'access_level', 'internal',
                              'tags', '[]'::jsonb,
                              'support', '[]'::jsonb,
                              'sla', '{}'::jsonb,
                              'sources', '[]'::jsonb,
                              'examples', '{}'::jsonb)
           || (descriptor - mesh._managed_keys());
END
$$;

-- write the typed parts of a normalised descriptor, its columns and sources
CREATE FUNCTION mesh._store_descriptor(caller regrole, product_id bigint, product text, normalized jsonb,
                                       port_columns jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    owner_role regrole;
    declared jsonb := mesh._columns_by_name(normalized -> 'columns');
BEGIN
    SELECT r.oid INTO owner_role FROM pg_catalog.pg_roles r WHERE r.rolname = normalized ->> 'owner';
    -- a new owner must be a role of the caller; create starts from the domain owner
    IF owner_role IS DISTINCT FROM (SELECT p.owner FROM mesh.data_products p WHERE p.id = product_id)
       AND NOT pg_has_role(caller, owner_role, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to make % the owner of data product "%"',
                        quote_ident(normalized ->> 'owner'), product
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The owner of a data product must be a role you are a member of.',
                  HINT = 'Name a role you belong to as "owner", or leave it out to use the domain owner.';
    END IF;

    UPDATE mesh.data_products p
       SET version = normalized ->> 'version',
           purpose = normalized ->> 'purpose',
           description = normalized ->> 'description',
           owner = owner_role,
           access_level = normalized ->> 'access_level',
           tags = ARRAY(SELECT jsonb_array_elements_text(normalized -> 'tags')),
           support = normalized -> 'support',
           sla = normalized -> 'sla',
           freshness = (normalized -> 'sla' ->> 'freshness')::interval,
           examples = normalized -> 'examples',
           descriptor = normalized - 'columns' - 'sources',
           updated_at = now(),
           updated_by = mesh._role_name(caller)
     WHERE p.id = product_id;

    DELETE FROM mesh.data_product_columns c WHERE c.product_id = _store_descriptor.product_id;
    INSERT INTO mesh.data_product_columns
           (product_id, position, name, type, nullable, description, classification,
            primary_key, "references", declared)
    SELECT product_id, (col ->> 'position')::integer, col ->> 'name', col ->> 'type',
           (col ->> 'nullable')::boolean,
           doc ->> 'description', doc ->> 'classification',
           coalesce((doc ->> 'primary_key')::boolean, (col ->> 'primary_key')::boolean),
           coalesce(doc ->> 'references', col ->> 'references'),
           doc
      FROM jsonb_array_elements(port_columns) AS col
     CROSS JOIN LATERAL (SELECT coalesce(declared -> (col ->> 'name'), '{}'::jsonb) AS doc) d;

    DELETE FROM mesh.data_product_sources s WHERE s.product_id = _store_descriptor.product_id;
    INSERT INTO mesh.data_product_sources (product_id, name, kind, description, declared)
    SELECT product_id, s ->> 'name', s ->> 'kind', s ->> 'description', s
      FROM jsonb_array_elements(normalized -> 'sources') AS s;

    PERFORM mesh._refresh_search(product_id);
END
$$;

-- the weighted full-text document of a product
CREATE FUNCTION mesh._refresh_search(product_id bigint) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    UPDATE mesh.data_products p
       SET search_vector =
             setweight(to_tsvector('pg_catalog.english', p.domain || ' ' || replace(p.name, '_', ' ')), 'A')
          || setweight(to_tsvector('pg_catalog.english', replace(array_to_string(p.tags, ' '), '_', ' ')), 'A')
          || setweight(to_tsvector('pg_catalog.english', p.purpose || ' ' || coalesce(p.description, '')), 'B')
          || setweight(to_tsvector('pg_catalog.english', coalesce(
                 (SELECT string_agg(replace(c.name, '_', ' ') || ' ' || coalesce(c.classification, ''), ' ')
                    FROM mesh.data_product_columns c WHERE c.product_id = p.id), '')), 'C')
          || setweight(to_tsvector('pg_catalog.english', coalesce(
                 (SELECT string_agg(c.description, ' ')
                    FROM mesh.data_product_columns c WHERE c.product_id = p.id), '')), 'D')
     WHERE p.id = product_id
$$;

CREATE FUNCTION mesh._create_data_product(caller regrole, product text, source text, descriptor jsonb)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p record;
    d mesh.domains;
    port record;
    normalized jsonb;
    port_columns jsonb;
    new_id bigint;
BEGIN
    PERFORM mesh._require(product, 'product');
    PERFORM mesh._require(source, 'source');
    PERFORM mesh._require(descriptor, 'descriptor');
    p := mesh._split_product(product);
    PERFORM mesh._lock_name('domain', p.domain, shared => true);
    d := mesh._domain_for_change(caller, p.domain, 'create data products in it');
    PERFORM mesh._lock_name('product', product);

    IF EXISTS (SELECT FROM mesh.data_products dp WHERE dp.domain = p.domain AND dp.name = p.name) THEN
        RAISE EXCEPTION 'data product "%" already exists', product
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Change it with mesh.alter_data_product(), or drop it first with mesh.drop_data_product().';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_class c
                WHERE c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = p.domain)
                  AND c.relname = p.name) THEN
        RAISE EXCEPTION 'relation "%" already exists', product
            USING ERRCODE = 'duplicate_table',
                  DETAIL = 'The output port of a data product is a view of the same name in the domain''s schema.',
                  HINT = 'Choose another product name, or rename the existing relation.';
    END IF;

    port := mesh._create_port(p.domain, p.name, source, d.owner);
    -- a new product has no id, history or source yet to repeat: those keys are refused
    port_columns := mesh._port_columns(port.port);
    normalized := mesh._normalize_descriptor(product, descriptor, port_columns, d.owner,
        (SELECT jsonb_object_agg(k, 'null'::jsonb) FROM unnest(mesh._managed_keys()) k)
        || jsonb_build_object('product', product, 'domain', p.domain, 'name', p.name,
                              'status', 'draft', 'port', mesh._relation_name(port.port)));

    INSERT INTO mesh.data_products (domain, name, purpose, owner, source_kind, source, source_relation,
                                    port, created_by, updated_by)
    VALUES (p.domain, p.name, normalized ->> 'purpose', d.owner, port.source_kind, source,
            port.source_relation, port.port, mesh._role_name(caller), mesh._role_name(caller))
    RETURNING id INTO new_id;
    PERFORM mesh._store_descriptor(caller, new_id, product, normalized, port_columns);
    RETURN new_id;
END
$$;

CREATE FUNCTION mesh.create_data_product(product text, source text, descriptor jsonb DEFAULT '{}')
    RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.create_data_product(text, text, jsonb) IS
    'publish a data product ''domain.name'' from a relation or a SELECT, with its output port; returns its id';

-- the descriptor as stored, with the column documentation and sources folded back in
CREATE FUNCTION mesh._declared_descriptor(p mesh.data_products) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT p.descriptor
        || jsonb_build_object(
             'columns', (SELECT coalesce(jsonb_object_agg(c.name, c.declared), '{}'::jsonb)
                           FROM mesh.data_product_columns c
                          WHERE c.product_id = p.id AND c.declared <> '{}'::jsonb),
             'sources', (SELECT coalesce(jsonb_agg(s.declared ORDER BY s.name), '[]'::jsonb)
                           FROM mesh.data_product_sources s WHERE s.product_id = p.id))
$$;

CREATE FUNCTION mesh._alter_data_product(caller regrole, product text, descriptor jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    d mesh.domains;
    merged jsonb;
    normalized jsonb;
    port_columns jsonb;
BEGIN
    p := mesh._product_for_change(caller, product, 'alter its data products');
    PERFORM mesh._require(descriptor, 'descriptor');
    SELECT * INTO d FROM mesh.domains WHERE name = p.domain;

    merged := mesh._merge_patch(mesh._declared_descriptor(p), descriptor);
    -- managed keys may be repeated as describe() shows them, never changed
    port_columns := mesh._port_columns(p.port);
    normalized := mesh._normalize_descriptor(product, merged, port_columns, d.owner,
        (SELECT jsonb_object_agg(k, v) FROM jsonb_each(mesh.describe(product)) AS e(k, v)
          WHERE k = ANY (mesh._managed_keys())));
    IF mesh._semver_compare(normalized ->> 'version', p.version) < 0 THEN
        RAISE EXCEPTION 'version of data product "%" cannot go back from % to %',
                        product, p.version, normalized ->> 'version'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Consumers rely on versions only ever increasing.',
                  HINT = format('Give a version of at least %s.', p.version);
    END IF;
    PERFORM mesh._store_descriptor(caller, p.id, product, normalized, port_columns);
END
$$;

CREATE FUNCTION mesh.alter_data_product(product text, descriptor jsonb)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.alter_data_product(text, jsonb) IS
    'change a data product''s descriptor with a JSON merge patch (RFC 7396): null removes a key';

CREATE FUNCTION mesh._set_status(caller regrole, product text, status text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
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
    UPDATE mesh.data_products dp
       SET status = _set_status.status, updated_at = now(), updated_by = mesh._role_name(caller)
     WHERE dp.id = p.id;
END
$$;

CREATE FUNCTION mesh.set_status(product text, status text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.set_status(text, text) IS
    'move a data product through its life cycle: draft, active, deprecated, retired';

CREATE FUNCTION mesh._drop_data_product(caller regrole, product text, force boolean)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
BEGIN
    p := mesh._product_for_change(caller, product, 'drop its data products');
    IF p.status IN ('active', 'deprecated') AND NOT coalesce(force, false) THEN
        RAISE EXCEPTION 'cannot drop data product "%" while it is %', product, p.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Consumers may be reading it.',
                  HINT = 'Deprecate and retire it first with mesh.set_status(), or pass force => true.';
    END IF;
    DELETE FROM mesh.data_products dp WHERE dp.id = p.id;
    BEGIN
        EXECUTE format('DROP VIEW %s', mesh._relation_name(p.port));
    EXCEPTION WHEN dependent_objects_still_exist THEN
        RAISE EXCEPTION 'cannot drop data product "%" because other objects depend on its output port', product
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = (SELECT string_agg(DISTINCT format('View %s depends on it.', mesh._relation_name(r.ev_class)), E'\n')
                              FROM pg_catalog.pg_depend dep
                              JOIN pg_catalog.pg_rewrite r ON r.oid = dep.objid
                             WHERE dep.classid = 'pg_catalog.pg_rewrite'::regclass
                               AND dep.refobjid = p.port AND r.ev_class <> p.port),
                  HINT = 'Drop or change the dependent views first.';
    END;
END
$$;

CREATE FUNCTION mesh.drop_data_product(product text, force boolean DEFAULT false)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.drop_data_product(text, boolean) IS
    'drop a draft or retired data product and its output port (force => true for any status)';
