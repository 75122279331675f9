-- Products as code (docs/contracts.md#products-as-code): a repository of
-- contract files, one descriptor per product naming it ("product") and its
-- port ("source"), applied on every deploy.  mesh.plan() says what
-- mesh.apply() would do (create, publish a version of some class, nothing)
-- and which policies it would violate, without changing anything; apply() is
-- idempotent: an unchanged file changes nothing, not even updated_at.

-- What applying a descriptor would do; with apply => true, does it.
CREATE FUNCTION mesh._plan_or_apply(caller regrole, descriptor jsonb, apply boolean)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    product text;
    source text;
    version text;
    body jsonb;
    p mesh.data_products;
    cand record;
    result jsonb;
    new_id bigint;
    violations jsonb;
    detail text;
BEGIN
    PERFORM mesh._require(descriptor, 'descriptor');
    IF jsonb_typeof(descriptor) <> 'object' OR jsonb_typeof(descriptor -> 'product') IS DISTINCT FROM 'string' THEN
        RAISE EXCEPTION 'descriptor to apply must name its data product'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = '$.product: is required (the product as "domain.name")',
                  HINT = 'Add "product": "domain.name" and "source": "<relation or SELECT>" to the contract file.';
    END IF;
    product := descriptor ->> 'product';
    version := descriptor ->> 'version';
    IF descriptor ? 'version' AND jsonb_typeof(descriptor -> 'version') <> 'string' THEN
        RAISE EXCEPTION 'invalid version in the contract of data product "%"', product
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('$.version: expected a string, not %s', jsonb_typeof(descriptor -> 'version')),
                  HINT = 'Write it like "1.2.0".';
    END IF;
    PERFORM mesh._split_product(product);
    PERFORM mesh._lock_name('product', product);
    SELECT * INTO p FROM mesh.data_products dp
     WHERE dp.domain = split_part(product, '.', 1) AND dp.name = split_part(product, '.', 2);

    IF NOT FOUND THEN
        source := CASE jsonb_typeof(descriptor -> 'source')
                    WHEN 'string' THEN descriptor ->> 'source'
                    WHEN 'object' THEN descriptor -> 'source' ->> 'definition' END;
        IF source IS NULL THEN
            RAISE EXCEPTION 'descriptor of new data product "%" has no source', product
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = '$.source: is required for a new product (a relation name or a SELECT query)',
                      HINT = 'Add "source" to the contract file.';
        END IF;
        body := descriptor - 'product' - 'source';
        BEGIN
            new_id := mesh._create_data_product(caller, product, source, body);
            SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = new_id;
            SELECT coalesce(jsonb_agg(to_jsonb(v) ORDER BY v.path, v.policy), '[]') INTO violations
              FROM mesh._policy_violations(p.id, mesh._product_policy_document(p)) v;
            result := jsonb_build_object('product', product, 'action', 'create', 'version', p.version,
                                         'port', mesh._relation_name(p.port), 'violations', violations);
            IF NOT apply THEN
                RAISE EXCEPTION USING ERRCODE = 'MSH01';
            END IF;
        EXCEPTION
            WHEN SQLSTATE 'MSH01' THEN
                NULL;   -- plan: undone
            WHEN check_violation THEN
                IF apply THEN
                    RAISE;
                END IF;
                GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
                result := jsonb_build_object('product', product, 'action', 'refuse', 'reason', SQLERRM,
                                             'violations', to_jsonb(string_to_array(detail, E'\n')));
        END;
        RETURN result;
    END IF;

    version := coalesce(version, p.version);
    PERFORM mesh._domain_for_change(caller, p.domain, 'apply contracts to its data products');
    IF mesh._semver_compare(version, p.version) < 0 THEN
        RAISE EXCEPTION 'version % of data product "%" is older than its current version %', version, product, p.version
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Consumers rely on versions only ever increasing.',
                  HINT = 'Update the contract file from mesh.describe() or publish a greater version.';
    END IF;
    BEGIN
        cand := mesh._candidate(caller, p, version, descriptor - 'product');
        result := jsonb_build_object(
            'product', product,
            'current_version', p.version,
            'version', version,
            'class', CASE WHEN cardinality(cand.changes) > 0 OR cand.step IS NOT NULL THEN cand.required END,
            'changes', coalesce((SELECT jsonb_agg(to_jsonb(c)) FROM unnest(cand.changes) c), '[]'::jsonb));
        RAISE EXCEPTION USING ERRCODE = 'MSH01';
    EXCEPTION WHEN SQLSTATE 'MSH01' THEN
        NULL;   -- the staging port, if any, is undone
    END;

    IF cand.step IS NULL AND cardinality(cand.changes) = 0 THEN
        SELECT coalesce(jsonb_agg(to_jsonb(v) ORDER BY v.path, v.policy), '[]') INTO violations
          FROM mesh._policy_violations(p.id, mesh._product_policy_document(p)) v;
        RETURN result || jsonb_build_object('action', 'none', 'violations', violations);
    END IF;
    IF cand.step IS NULL THEN
        result := result || jsonb_build_object(
            'action', 'refuse',
            'reason', format('the contract changes (%s) but its version stays %s; give version %s or later',
                             cand.required, p.version, mesh._next_version(p.version, cand.required)));
    ELSIF mesh._class_rank(cand.step) < mesh._class_rank(cand.required) THEN
        result := result || jsonb_build_object(
            'action', 'refuse',
            'reason', format('version %s understates the changes: they are %s; give version %s or later',
                             version, cand.required, mesh._next_version(p.version, cand.required)));
    ELSE
        result := result || jsonb_build_object('action', 'publish');
    END IF;
    IF NOT apply THEN
        -- the violations the new version would have
        IF result ->> 'action' = 'publish' THEN
            BEGIN
                PERFORM mesh._publish_version(caller, product, version, descriptor - 'product');
                SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = p.id;
                SELECT coalesce(jsonb_agg(to_jsonb(v) ORDER BY v.path, v.policy), '[]') INTO violations
                  FROM mesh._policy_violations(p.id, mesh._product_policy_document(p)) v;
                RAISE EXCEPTION USING ERRCODE = 'MSH01';
            EXCEPTION
                WHEN SQLSTATE 'MSH01' THEN
                    NULL;
                WHEN check_violation THEN
                    result := result || jsonb_build_object('action', 'refuse', 'reason', SQLERRM);
                    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
                    violations := to_jsonb(string_to_array(detail, E'\n'));
            END;
        END IF;
        RETURN result || jsonb_build_object('violations', coalesce(violations, '[]'));
    END IF;
    IF result ->> 'action' = 'refuse' THEN
        RAISE EXCEPTION 'cannot apply the contract of data product "%": %', product, result ->> 'reason'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = (SELECT string_agg(format('%s: %s (%s)', c.path, c.kind, c.class), E'\n')
                              FROM unnest(cand.changes) c),
                  HINT = 'Raise "version" in the contract file; mesh.plan() shows every change.';
    END IF;
    result := result || jsonb_build_object('published',
                  mesh._publish_version(caller, product, version, descriptor - 'product'));
    RETURN result;
END
$$;

CREATE FUNCTION mesh._plan(caller regrole, descriptor jsonb) RETURNS jsonb
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT mesh._plan_or_apply(caller, descriptor, false) $$;

CREATE FUNCTION mesh.plan(descriptor jsonb)
    RETURNS jsonb
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.plan(jsonb) IS
    'what mesh.apply() would do with a contract file (create, publish a version of some class, nothing, refuse), changing nothing';

CREATE FUNCTION mesh._apply(caller regrole, descriptor jsonb) RETURNS jsonb
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT mesh._plan_or_apply(caller, descriptor, true) $$;

CREATE FUNCTION mesh.apply(descriptor jsonb)
    RETURNS jsonb
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.apply(jsonb) IS
    'create a data product or publish a new version of it from a contract file naming it; an unchanged file changes nothing';

REVOKE ALL ON FUNCTION mesh._plan_or_apply(regrole, jsonb, boolean), mesh._plan(regrole, jsonb),
    mesh._apply(regrole, jsonb) FROM PUBLIC;
