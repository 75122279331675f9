-- Global policies as code (docs/contracts.md#global-policies): rules the
-- platform team declares once for every product.  They are evaluated when a
-- product is created, altered or published (the store handler below; an
-- error-severity violation refuses the change, listing every violation; a
-- warning is reported), by mesh.plan(), and as a compliance score per domain.
--
-- Rule kinds (all JSON, no SQL): required, pii_masked, name_pattern,
-- approval_required, json_path.  Reads the other modules' objects only when
-- they exist at run time: mesh.checks (checks), mesh._column_is_masked
-- (enforce), mesh.access_requests (govcat).

CREATE TABLE mesh.global_policies (
    name            text PRIMARY KEY
                    CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND octet_length(name) <= 63),
    rule            jsonb NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('error', 'warning')),
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE mesh.global_policies IS 'rules every data product must meet; error severity refuses a change, warning reports it';
SELECT pg_catalog.pg_extension_config_dump('mesh.global_policies', '');
REVOKE ALL ON mesh.global_policies FROM PUBLIC;
GRANT SELECT ON mesh.global_policies TO PUBLIC;

-- superusers and members of meshpg_governance (created by the DBA) manage policies
CREATE FUNCTION mesh._require_governance(caller regrole, action text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = caller AND r.rolsuper) THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = 'meshpg_governance')
       AND pg_has_role(caller, 'meshpg_governance', 'MEMBER') THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'permission denied to %', action
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'Global policies apply to every domain: only superusers and members of role meshpg_governance manage them.',
              HINT = 'Ask your DBA for GRANT meshpg_governance TO ' || quote_ident(mesh._role_name(caller)) || '.';
END
$$;

-- every problem of a rule, as 'path: message' lines
CREATE FUNCTION mesh._rule_problems(rule jsonb) RETURNS text[]
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    problems text[] := '{}';
    kinds constant text[] := ARRAY['required', 'pii_masked', 'name_pattern', 'approval_required', 'json_path'];
    fields constant text[] := ARRAY['owner', 'purpose', 'description', 'sla', 'sla.freshness', 'support',
                                    'checks', 'tags', 'examples', 'sources'];
    f jsonb;
    k text;
BEGIN
    IF jsonb_typeof(rule) IS DISTINCT FROM 'object' THEN
        RETURN ARRAY[format('$: expected an object with a "kind", not %s', coalesce(jsonb_typeof(rule), 'null'))];
    END IF;
    IF jsonb_typeof(rule -> 'kind') IS DISTINCT FROM 'string' OR NOT (rule ->> 'kind') = ANY (kinds) THEN
        RETURN ARRAY[format('$.kind: expected one of %s, not %s', array_to_string(kinds, ', '),
                            coalesce((rule -> 'kind')::text, 'nothing'))];
    END IF;
    FOR k IN SELECT jsonb_object_keys(rule) LOOP
        IF NOT k = ANY (ARRAY['kind', 'domains', 'message', 'fields', 'classification_pattern', 'pattern',
                               'applies_to', 'access_levels', 'path', 'when']) THEN
            problems := problems || format('%s: unknown key', mesh._json_path(k));
        END IF;
    END LOOP;
    IF rule ? 'domains' AND (jsonb_typeof(rule -> 'domains') <> 'array'
                              OR EXISTS (SELECT FROM jsonb_array_elements(rule -> 'domains') d WHERE jsonb_typeof(d) <> 'string')) THEN
        problems := problems || '$.domains: expected an array of domain names'::text;
    END IF;
    IF rule ? 'message' AND jsonb_typeof(rule -> 'message') <> 'string' THEN
        problems := problems || '$.message: expected a string'::text;
    END IF;
    CASE rule ->> 'kind'
    WHEN 'required' THEN
        IF jsonb_typeof(rule -> 'fields') IS DISTINCT FROM 'array' OR jsonb_array_length(rule -> 'fields') = 0 THEN
            problems := problems || format('$.fields: expected a non-empty array of %s', array_to_string(fields, ', '));
        ELSE
            FOR f IN SELECT jsonb_array_elements(rule -> 'fields') LOOP
                IF jsonb_typeof(f) <> 'string' OR NOT (f #>> '{}') = ANY (fields) THEN
                    problems := problems || format('$.fields: %s is not one of %s', f, array_to_string(fields, ', '));
                END IF;
            END LOOP;
        END IF;
    WHEN 'pii_masked' THEN
        IF rule ? 'classification_pattern' THEN
            problems := problems || mesh._regex_problem('$.classification_pattern', rule -> 'classification_pattern');
        END IF;
    WHEN 'name_pattern' THEN
        problems := problems || mesh._regex_problem('$.pattern', rule -> 'pattern');
        IF rule ? 'applies_to' AND NOT (rule ->> 'applies_to') = ANY (ARRAY['product', 'column']) THEN
            problems := problems || format('$.applies_to: expected product or column, not %s', rule -> 'applies_to');
        END IF;
    WHEN 'approval_required' THEN
        IF rule ? 'access_levels' AND (jsonb_typeof(rule -> 'access_levels') <> 'array'
             OR EXISTS (SELECT FROM jsonb_array_elements_text(rule -> 'access_levels') l
                         WHERE l NOT IN ('public', 'internal', 'restricted', 'confidential'))) THEN
            problems := problems || '$.access_levels: expected an array of public, internal, restricted, confidential'::text;
        END IF;
    WHEN 'json_path' THEN
        problems := problems || mesh._jsonpath_problem('$.path', rule -> 'path');
        IF rule ? 'when' THEN
            problems := problems || mesh._jsonpath_problem('$.when', rule -> 'when');
        END IF;
    END CASE;
    RETURN array_remove(problems, NULL);
END
$$;

CREATE FUNCTION mesh._regex_problem(path text, pattern jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF jsonb_typeof(pattern) IS DISTINCT FROM 'string' THEN
        RETURN format('%s: expected a regular expression as a string', path);
    END IF;
    PERFORM '' ~ (pattern #>> '{}');
    RETURN NULL;
EXCEPTION WHEN invalid_regular_expression THEN
    RETURN format('%s: %s', path, SQLERRM);
END
$$;

CREATE FUNCTION mesh._jsonpath_problem(path text, expression jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF jsonb_typeof(expression) IS DISTINCT FROM 'string' THEN
        RETURN format('%s: expected an SQL/JSON path as a string', path);
    END IF;
    PERFORM (expression #>> '{}')::jsonpath;
    RETURN NULL;
EXCEPTION WHEN syntax_error OR invalid_text_representation THEN
    RETURN format('%s: invalid SQL/JSON path: %s', path, SQLERRM);
END
$$;

CREATE FUNCTION mesh._create_policy(caller regrole, name text, rule jsonb, severity text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    problems text[];
BEGIN
    PERFORM mesh._require(name, 'name');
    PERFORM mesh._require(rule, 'rule');
    PERFORM mesh._require(severity, 'severity');
    PERFORM mesh._require_governance(caller, 'create global policies');
    IF name !~ '^[a-z][a-z0-9_]*$' OR octet_length(name) > 63 THEN
        RAISE EXCEPTION 'invalid policy name "%"', name
            USING ERRCODE = 'invalid_name',
                  HINT = 'Use lower-case letters, digits and underscores, starting with a letter, at most 63 bytes.';
    END IF;
    IF severity NOT IN ('error', 'warning') THEN
        RAISE EXCEPTION 'invalid policy severity "%"', severity
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use error (the change is refused) or warning (it is reported).';
    END IF;
    problems := mesh._rule_problems(rule);
    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION 'invalid rule for policy "%": % problem%', name, cardinality(problems),
                        CASE WHEN cardinality(problems) = 1 THEN '' ELSE 's' END
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = array_to_string(problems, E'\n'),
                  HINT = 'docs/contracts.md#global-policies describes every rule kind.';
    END IF;
    PERFORM mesh._lock_name('policy', name);
    IF EXISTS (SELECT FROM mesh.global_policies g WHERE g.name = _create_policy.name) THEN
        RAISE EXCEPTION 'policy "%" already exists', name
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Drop it first with mesh.drop_policy().';
    END IF;
    INSERT INTO mesh.global_policies (name, rule, severity, created_by)
    VALUES (name, rule, severity, mesh._role_name(caller));
END
$$;

CREATE FUNCTION mesh.create_policy(name text, rule jsonb, severity text DEFAULT 'error')
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.create_policy(text, jsonb, text) IS
    'declare a global policy every data product must meet (severity error refuses changes, warning reports them)';

CREATE FUNCTION mesh._drop_policy(caller regrole, name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._require(name, 'name');
    PERFORM mesh._require_governance(caller, 'drop global policies');
    DELETE FROM mesh.global_policies g WHERE g.name = _drop_policy.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'policy "%" does not exist', name
            USING ERRCODE = 'undefined_object',
                  HINT = 'List the policies with SELECT name FROM mesh.global_policies.';
    END IF;
END
$$;

CREATE FUNCTION mesh.drop_policy(name text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.drop_policy(text) IS 'drop a global policy';

-- ---------------------------------------------------------------------------
-- Evaluation

-- the document rules look at: the normalised descriptor, names, status and columns
CREATE FUNCTION mesh._policy_document(product text, status text, normalized jsonb, columns jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT normalized - 'columns'
        || jsonb_build_object('product', product, 'domain', split_part(product, '.', 1),
                              'name', split_part(product, '.', 2), 'status', status, 'columns', columns)
$$;

-- Violations of every policy by one product.  product_id is NULL for a product
-- that does not exist yet (mesh.plan); columns: [{name, classification, ...}].
-- Runs as the extension owner (store handler, plan/apply, policy_report()):
-- it reads other modules' internal functions and tables.
CREATE FUNCTION mesh._policy_violations(product_id bigint, doc jsonb)
    RETURNS TABLE (policy text, severity text, path text, message text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    g mesh.global_policies;
    f text;
    c jsonb;
    present boolean;
    masked boolean;
    grantee text;
    port regclass;
BEGIN
    SELECT dp.port INTO port FROM mesh.data_products dp WHERE dp.id = product_id;
    FOR g IN SELECT * FROM mesh.global_policies ORDER BY name LOOP
        CONTINUE WHEN g.rule ? 'domains' AND NOT g.rule -> 'domains' ? (doc ->> 'domain');
        policy := g.name;
        severity := g.severity;
        CASE g.rule ->> 'kind'
        WHEN 'required' THEN
            FOR f IN SELECT jsonb_array_elements_text(g.rule -> 'fields') LOOP
                present := CASE f
                    WHEN 'sla' THEN coalesce(doc -> 'sla', '{}') <> '{}'
                    WHEN 'sla.freshness' THEN doc -> 'sla' ? 'freshness'
                    WHEN 'support' THEN jsonb_typeof(doc -> 'support') = 'array' AND jsonb_array_length(doc -> 'support') > 0
                    WHEN 'tags' THEN jsonb_typeof(doc -> 'tags') = 'array' AND jsonb_array_length(doc -> 'tags') > 0
                    WHEN 'sources' THEN jsonb_typeof(doc -> 'sources') = 'array' AND jsonb_array_length(doc -> 'sources') > 0
                    WHEN 'examples' THEN coalesce(doc -> 'examples', '{}') <> '{}'
                    WHEN 'checks' THEN
                        (jsonb_typeof(doc -> 'checks') = 'array' AND jsonb_array_length(doc -> 'checks') > 0)
                        OR mesh._product_has_checks(product_id)
                    ELSE nullif(btrim(doc ->> f), '') IS NOT NULL
                END;
                IF NOT coalesce(present, false) THEN
                    path := mesh._json_path(VARIADIC string_to_array(f, '.'));
                    message := coalesce(g.rule ->> 'message', format('every data product must have %s', f));
                    RETURN NEXT;
                END IF;
            END LOOP;
        WHEN 'pii_masked' THEN
            FOR c IN SELECT jsonb_array_elements(doc -> 'columns') LOOP
                CONTINUE WHEN NOT coalesce(c ->> 'classification', '') ~ coalesce(g.rule ->> 'classification_pattern', '^pii');
                masked := false;
                IF product_id IS NOT NULL
                   AND to_regprocedure('mesh._column_is_masked(bigint,text)') IS NOT NULL THEN
                    EXECUTE 'SELECT mesh._column_is_masked($1, $2)' INTO masked USING product_id, c ->> 'name';
                END IF;
                IF NOT coalesce(masked, false) THEN
                    path := mesh._json_path('columns', c ->> 'name');
                    message := coalesce(g.rule ->> 'message',
                                        format('column classified %s has no masking policy', c ->> 'classification'));
                    RETURN NEXT;
                END IF;
            END LOOP;
        WHEN 'name_pattern' THEN
            IF coalesce(g.rule ->> 'applies_to', 'product') = 'product' THEN
                IF NOT (doc ->> 'name') ~ (g.rule ->> 'pattern') THEN
                    path := '$.name';
                    message := coalesce(g.rule ->> 'message', format('name "%s" does not match %s', doc ->> 'name', g.rule ->> 'pattern'));
                    RETURN NEXT;
                END IF;
            ELSE
                FOR c IN SELECT jsonb_array_elements(doc -> 'columns') LOOP
                    CONTINUE WHEN (c ->> 'name') ~ (g.rule ->> 'pattern');
                    path := mesh._json_path('columns', c ->> 'name');
                    message := coalesce(g.rule ->> 'message', format('column name "%s" does not match %s', c ->> 'name', g.rule ->> 'pattern'));
                    RETURN NEXT;
                END LOOP;
            END IF;
        WHEN 'approval_required' THEN
            CONTINUE WHEN NOT coalesce(g.rule -> 'access_levels', '["confidential"]') ? (doc ->> 'access_level');
            CONTINUE WHEN port IS NULL;
            -- every reader of the port holds an approved, unexpired access request
            FOREACH grantee IN ARRAY mesh._port_consumers(port) LOOP
                present := false;
                IF grantee <> 'PUBLIC' AND to_regclass('mesh.access_requests') IS NOT NULL THEN
                    -- by name, not $2::regrole, which would fold a mixed-case name to lower case
                    EXECUTE 'SELECT EXISTS (SELECT FROM mesh.access_requests r
                                              JOIN pg_catalog.pg_roles g ON g.oid = r.role::oid
                                             WHERE r.product_id = $1 AND g.rolname = $2
                                               AND r.status = ''approved''
                                               AND (r.until IS NULL OR r.until > now()))'
                       INTO present USING product_id, grantee;
                END IF;
                IF NOT present THEN
                    path := '$.access_level';
                    message := coalesce(g.rule ->> 'message',
                                        format('%s product is read by %s without an approved access request', doc ->> 'access_level', grantee));
                    RETURN NEXT;
                END IF;
            END LOOP;
        WHEN 'json_path' THEN
            CONTINUE WHEN g.rule ? 'when' AND NOT jsonb_path_exists(doc, (g.rule ->> 'when')::jsonpath, '{}', true);
            IF NOT jsonb_path_exists(doc, (g.rule ->> 'path')::jsonpath, '{}', true) THEN
                path := g.rule ->> 'path';
                message := coalesce(g.rule ->> 'message', format('nothing matches %s', g.rule ->> 'path'));
                RETURN NEXT;
            END IF;
        END CASE;
    END LOOP;
END
$$;

-- checks stored by the checks module (mesh.checks), when it is installed.
-- Checks declared in the descriptor are read from the descriptor itself (this
-- handler runs before the checks module has stored the new ones), so rows the
-- checks module marks declared_in = 'descriptor' are not counted here.
CREATE FUNCTION mesh._product_has_checks(product_id bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    found boolean := false;
BEGIN
    IF product_id IS NULL OR to_regclass('mesh.checks') IS NULL THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = 'mesh.checks'::regclass AND a.attname = 'declared_in' AND NOT a.attisdropped) THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM mesh.checks c WHERE c.product_id = $1
                                   AND c.declared_in IS DISTINCT FROM ''descriptor'')'
           INTO found USING product_id;
    ELSE
        EXECUTE 'SELECT EXISTS (SELECT FROM mesh.checks c WHERE c.product_id = $1)' INTO found USING product_id;
    END IF;
    RETURN found;
END
$$;

-- the catalog's view of a product, for rules
CREATE FUNCTION mesh._product_policy_document(p mesh.data_products) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT mesh._policy_document(p.domain || '.' || p.name, p.status, mesh._declared_descriptor(p) || p.descriptor,
               (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                           'name', c.name, 'type', c.type, 'nullable', c.nullable,
                           'classification', c.classification, 'description', c.description)) ORDER BY c.position), '[]')
                  FROM mesh.data_product_columns c WHERE c.product_id = p.id))
$$;

-- store handler: refuse a create/alter/publish that violates an error policy
CREATE FUNCTION mesh._on_store_42_policies(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    errors text[];
    warnings text[];
BEGIN
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = product_id;
    SELECT array_agg(format('%s: %s (policy %s)', v.path, v.message, v.policy) ORDER BY v.path, v.policy)
                FILTER (WHERE v.severity = 'error'),
           array_agg(format('%s: %s (policy %s)', v.path, v.message, v.policy) ORDER BY v.path, v.policy)
                FILTER (WHERE v.severity = 'warning')
      INTO errors, warnings
      FROM mesh._policy_violations(product_id, mesh._product_policy_document(p)) v;
    IF cardinality(errors) > 0 THEN
        RAISE EXCEPTION 'data product "%" violates % global polic%', p.domain || '.' || p.name, cardinality(errors),
                        CASE WHEN cardinality(errors) = 1 THEN 'y' ELSE 'ies' END
            USING ERRCODE = 'check_violation',
                  DETAIL = array_to_string(errors, E'\n'),
                  HINT = 'Fix every violation listed; SELECT * FROM mesh.global_policies shows the rules.';
    END IF;
    IF cardinality(warnings) > 0 THEN
        RAISE WARNING 'data product "%" does not meet % global polic%', p.domain || '.' || p.name, cardinality(warnings),
                      CASE WHEN cardinality(warnings) = 1 THEN 'y' ELSE 'ies' END
            USING DETAIL = array_to_string(warnings, E'\n');
    END IF;
END
$$;

-- Every violation of every product that is not retired, evaluated as the
-- extension owner (through the dispatcher), so that every reader sees the
-- same answer whatever it may read of the other modules' catalogs.
CREATE FUNCTION mesh._policy_report(caller regrole) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT jsonb_build_object(
        'violations', coalesce((
            SELECT jsonb_agg(jsonb_build_object('product', p.domain || '.' || p.name, 'domain', p.domain,
                                                'policy', v.policy, 'severity', v.severity,
                                                'path', v.path, 'message', v.message)
                             ORDER BY p.domain, p.name, v.policy, v.path)
              FROM mesh.data_products p
             CROSS JOIN LATERAL mesh._policy_violations(p.id, mesh._product_policy_document(p)) v
             WHERE p.status <> 'retired'), '[]'::jsonb),
        'evaluations', coalesce((
            SELECT jsonb_agg(jsonb_build_object('domain', p.domain, 'product_id', p.id, 'policy', g.name))
              FROM mesh.data_products p
              JOIN mesh.global_policies g ON NOT g.rule ? 'domains' OR g.rule -> 'domains' ? p.domain
             WHERE p.status <> 'retired'), '[]'::jsonb))
$$;

CREATE FUNCTION mesh.policy_report()
    RETURNS jsonb
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.policy_report() IS
    'every global policy violation of every data product that is not retired, and every (product, policy) evaluation, as JSON';

CREATE VIEW mesh.policy_violations AS
SELECT v.product, v.domain, v.policy, v.severity, v.path, v.message
  FROM jsonb_to_recordset(mesh.policy_report() -> 'violations')
       AS v(product text, domain text, policy text, severity text, path text, message text);
COMMENT ON VIEW mesh.policy_violations IS 'every violation of a global policy by a data product that is not retired';
GRANT SELECT ON mesh.policy_violations TO PUBLIC;

-- share of (product, policy) pairs met, per domain
CREATE VIEW mesh.policy_compliance AS
WITH report AS (
    SELECT mesh.policy_report() AS r
), pairs AS (
    SELECT e.domain, e.product_id, e.policy,
           EXISTS (SELECT FROM jsonb_array_elements(report.r -> 'violations') v
                    WHERE v ->> 'product' = (SELECT dp.domain || '.' || dp.name FROM mesh.data_products dp WHERE dp.id = e.product_id)
                      AND v ->> 'policy' = e.policy) AS violated,
           g.severity
      FROM report
     CROSS JOIN LATERAL jsonb_to_recordset(report.r -> 'evaluations') AS e(domain text, product_id bigint, policy text)
      JOIN mesh.global_policies g ON g.name = e.policy
)
SELECT d.name AS domain,
       count(DISTINCT pairs.product_id)::integer AS products,
       count(pairs.policy)::integer AS evaluations,
       count(*) FILTER (WHERE pairs.violated AND pairs.severity = 'error')::integer AS errors,
       count(*) FILTER (WHERE pairs.violated AND pairs.severity = 'warning')::integer AS warnings,
       CASE WHEN count(pairs.policy) = 0 THEN 100.0
            ELSE round(100.0 * count(*) FILTER (WHERE NOT pairs.violated) / count(pairs.policy), 1) END AS score
  FROM mesh.domains d
  LEFT JOIN pairs ON pairs.domain = d.name
 GROUP BY d.name;
COMMENT ON VIEW mesh.policy_compliance IS 'per domain: percentage of (product, policy) pairs met; 100 when no policy applies';
GRANT SELECT ON mesh.policy_compliance TO PUBLIC;

REVOKE ALL ON FUNCTION
    mesh._require_governance(regrole, text), mesh._rule_problems(jsonb), mesh._regex_problem(text, jsonb),
    mesh._jsonpath_problem(text, jsonb), mesh._create_policy(regrole, text, jsonb, text),
    mesh._drop_policy(regrole, text), mesh._policy_document(text, text, jsonb, jsonb),
    mesh._policy_violations(bigint, jsonb), mesh._product_has_checks(bigint),
    mesh._product_policy_document(mesh.data_products), mesh._on_store_42_policies(regrole, bigint, jsonb),
    mesh._policy_report(regrole)
    FROM PUBLIC;
