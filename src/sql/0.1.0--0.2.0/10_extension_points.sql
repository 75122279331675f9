-- Extension points for the 0.2.0 modules.
--
-- Several modules (classifications, checks, retention, access history, ...) read
-- their own keys of a product's descriptor.  Rather than each replacing
-- mesh._store_descriptor, a module defines a handler
--     mesh._on_store_<NN>_<module>(caller regrole, product_id bigint, normalized jsonb) RETURNS void
-- and _store_descriptor calls every such function that belongs to the extension,
-- in name order (NN orders them), after the catalog rows of a product have been
-- written on create and alter.  A handler may raise an error to refuse the
-- descriptor; its message should name the JSON path ('$.checks[0].kind: ...').
-- Only functions that are members of the extension are called, so nobody can
-- plant a handler by creating a function in schema mesh.

-- calls every module handler (see above) for one product
CREATE FUNCTION mesh._run_store_handlers(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    handler regprocedure;
BEGIN
    FOR handler IN
        SELECT f.oid::regprocedure
          FROM pg_catalog.pg_proc f
          JOIN pg_catalog.pg_depend d
            ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = f.oid AND d.deptype = 'e'
          JOIN pg_catalog.pg_extension e
            ON d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = e.oid
         WHERE e.extname = 'meshpg'
           AND f.pronamespace = 'mesh'::regnamespace
           AND f.proname OPERATOR(pg_catalog.~) '^_on_store_'
           AND f.pronargs = 3
           AND f.proargtypes[0] = 'pg_catalog.regrole'::pg_catalog.regtype
           AND f.proargtypes[1] = 'pg_catalog.int8'::pg_catalog.regtype
           AND f.proargtypes[2] = 'pg_catalog.jsonb'::pg_catalog.regtype
         ORDER BY f.proname
    LOOP
        EXECUTE format('SELECT %s($1, $2, $3)', handler::oid::regproc)
          USING caller, product_id, normalized;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION mesh._run_store_handlers(regrole, bigint, jsonb) FROM PUBLIC;

-- 0.1.0's _store_descriptor plus the call of the module handlers
CREATE OR REPLACE FUNCTION mesh._store_descriptor(caller regrole, product_id bigint, product text, normalized jsonb,
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

    PERFORM mesh._run_store_handlers(caller, product_id, normalized);
END
$$;
