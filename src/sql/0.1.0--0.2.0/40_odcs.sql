-- ODCS v3.1 data contracts: mesh.import_contract, mesh.export_contract(_yaml).
--
-- A contract maps onto one data product: its domain and name, its source (the
-- schema object's physicalName, or the schema object's custom property
-- "sourceQuery"), and a descriptor.  The parts of the contract meshpg does not
-- model are kept in the descriptor under "odcs", so an export restores them.
-- Column facts (types, NOT NULL, keys) always come from the server: a
-- contract that claims otherwise is refused.  docs/odcs.md has the mapping.

CREATE FUNCTION mesh._odcs_parse(document text) RETURNS jsonb
    LANGUAGE c IMMUTABLE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_odcs_parse';

CREATE FUNCTION mesh._odcs_to_yaml(document jsonb) RETURNS text
    LANGUAGE c IMMUTABLE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_odcs_to_yaml';

CREATE FUNCTION mesh._odcs_format_type(type_name text) RETURNS text
    LANGUAGE c STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'meshpg_odcs_format_type';

-- a type name of the contract as the server prints it, NULL when it names no type
CREATE FUNCTION mesh._odcs_server_type(type_name text) RETURNS text
    LANGUAGE plpgsql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    RETURN mesh._odcs_format_type(type_name);
EXCEPTION WHEN syntax_error OR invalid_parameter_value OR undefined_object OR invalid_schema_name
               OR feature_not_supported OR invalid_text_representation OR datatype_mismatch THEN
    RETURN NULL;
END
$$;

-- the ODCS logical type of a server type
CREATE FUNCTION mesh._odcs_logical_type(server_type text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE
             WHEN server_type LIKE '%[]' THEN 'array'
             WHEN server_type IN ('smallint', 'integer', 'bigint') THEN 'integer'
             WHEN server_type LIKE 'numeric%' OR server_type IN ('real', 'double precision') THEN 'number'
             WHEN server_type = 'boolean' THEN 'boolean'
             WHEN server_type = 'date' THEN 'date'
             WHEN server_type LIKE 'timestamp%' THEN 'timestamp'
             WHEN server_type LIKE 'time%' THEN 'time'
             WHEN server_type IN ('json', 'jsonb') THEN 'object'
             ELSE 'string'
           END
$$;

-- ODCS SLA value and unit -> an interval text like "4 days"; NULL for an unknown unit
CREATE FUNCTION mesh._odcs_interval(value jsonb, unit text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE WHEN jsonb_typeof(value) = 'number'
                      OR (jsonb_typeof(value) = 'string' AND value #>> '{}' ~ '^[0-9]+(\.[0-9]+)?$')
                THEN (value #>> '{}') || ' '
                     -- a unit PostgreSQL spells the same is kept, so "1 day" stays "1 day"
                     || CASE WHEN unit IN ('millisecond', 'milliseconds', 'second', 'seconds', 'minute', 'minutes',
                                           'hour', 'hours', 'day', 'days', 'week', 'weeks', 'month', 'months',
                                           'year', 'years')
                             THEN unit ELSE u.word END END
      FROM (SELECT CASE lower(unit)
                     WHEN 'ms' THEN 'milliseconds' WHEN 'millisecond' THEN 'milliseconds'
                     WHEN 'milliseconds' THEN 'milliseconds'
                     WHEN 's' THEN 'seconds' WHEN 'sec' THEN 'seconds' WHEN 'second' THEN 'seconds'
                     WHEN 'seconds' THEN 'seconds'
                     WHEN 'm' THEN 'minutes' WHEN 'min' THEN 'minutes' WHEN 'minute' THEN 'minutes'
                     WHEN 'minutes' THEN 'minutes'
                     WHEN 'h' THEN 'hours' WHEN 'hr' THEN 'hours' WHEN 'hour' THEN 'hours'
                     WHEN 'hours' THEN 'hours'
                     WHEN 'd' THEN 'days' WHEN 'day' THEN 'days' WHEN 'days' THEN 'days'
                     WHEN 'w' THEN 'weeks' WHEN 'week' THEN 'weeks' WHEN 'weeks' THEN 'weeks'
                     WHEN 'mo' THEN 'months' WHEN 'month' THEN 'months' WHEN 'months' THEN 'months'
                     WHEN 'y' THEN 'years' WHEN 'yr' THEN 'years' WHEN 'year' THEN 'years'
                     WHEN 'years' THEN 'years'
                   END AS word) u
     WHERE u.word IS NOT NULL
$$;

-- an interval text -> ODCS {value, unit} in the largest whole unit
CREATE FUNCTION mesh._odcs_sla_value(freshness text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE
             WHEN m IS NOT NULL THEN jsonb_build_object('value', m[1]::numeric, 'unit', m[2])
             WHEN s % 86400 = 0 THEN jsonb_build_object('value', trim_scale(s / 86400), 'unit', 'd')
             WHEN s % 3600 = 0 THEN jsonb_build_object('value', trim_scale(s / 3600), 'unit', 'h')
             WHEN s % 60 = 0 THEN jsonb_build_object('value', trim_scale(s / 60), 'unit', 'm')
             ELSE jsonb_build_object('value', trim_scale(s), 'unit', 's')
           END
      FROM (SELECT extract(epoch FROM freshness::interval) AS s,
                   regexp_match(freshness, '^\s*([0-9]+(?:\.[0-9]+)?)\s*(milliseconds?|seconds?|minutes?|hours?|days?|weeks?|months?|years?)\s*$') AS m) e
$$;

-- position in the source's primary key and uniqueness of each port column, read
-- from the server (run by the exporting reader: pg_constraint, pg_index and
-- view definitions are readable by everyone anyway)
CREATE FUNCTION mesh._odcs_key_facts(port regclass)
    RETURNS TABLE (name text, pk_position integer, is_unique boolean)
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT a.attname::text,
           (SELECT array_position(c.conkey, o.source_attnum)
              FROM pg_catalog.pg_constraint c
             WHERE o.keyed AND c.conrelid = o.source_relation AND c.contype = 'p'),
           coalesce(o.keyed AND EXISTS (
               SELECT FROM pg_catalog.pg_index i
                WHERE i.indrelid = o.source_relation AND i.indisunique AND i.indnkeyatts = 1
                  AND i.indpred IS NULL AND i.indexprs IS NULL
                  AND i.indkey[0] = o.source_attnum), false)
      FROM pg_catalog.pg_attribute a
      LEFT JOIN mesh._column_origins(port) o ON o.attnum = a.attnum
     WHERE a.attrelid = port AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- the ODCS keys a property, a quality rule, a support channel may have
CREATE FUNCTION mesh._odcs_known_keys(part text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE part
             WHEN 'support' THEN ARRAY['id', 'channel', 'url', 'description', 'tool', 'scope',
                                       'invitationUrl', 'customProperties']
             WHEN 'column' THEN ARRAY['description', 'classification', 'tags', 'primary_key',
                                      'examples', 'odcs']
           END
$$;

-- "meshpg.<key>" custom properties of a list -> {key: value}; the others in "rest"
CREATE FUNCTION mesh._odcs_split_custom(custom jsonb, OUT meshpg jsonb, OUT rest jsonb)
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(jsonb_object_agg(substr(c ->> 'property', 8), c -> 'value')
                        FILTER (WHERE c ->> 'property' LIKE 'meshpg.%'), '{}'::jsonb),
           coalesce(jsonb_agg(c ORDER BY n) FILTER (WHERE coalesce(c ->> 'property', '') NOT LIKE 'meshpg.%'),
                    '[]'::jsonb)
      FROM jsonb_array_elements(CASE jsonb_typeof(custom) WHEN 'array' THEN custom ELSE '[]' END)
           WITH ORDINALITY AS e(c, n)
$$;

-- {key: value} -> [{"property": "meshpg.<key>", "value": value}], in key order
CREATE FUNCTION mesh._odcs_custom(meshpg jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('property', 'meshpg.' || k, 'value', v) ORDER BY k), '[]')
      FROM jsonb_each(coalesce(meshpg, '{}')) AS e(k, v)
$$;

-- ODCS comparison operators and the checks engine's (docs/checks.md)
CREATE FUNCTION mesh._odcs_operators() RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT '{"mustBe": "=", "mustNotBe": "<>", "mustBeGreaterThan": ">", "mustBeGreaterOrEqualTo": ">=",
                   "mustBeLessThan": "<", "mustBeLessOrEqualTo": "<=", "mustBeBetween": "between",
                   "mustNotBeBetween": null}'::jsonb $$;

-- An ODCS quality rule -> {"check": a check of the descriptor's "checks" array
-- (docs/checks.md), "extras": the rule's keys the check has no place for}, or
-- NULL when the checks engine cannot run the rule as written (it is then kept
-- as given under odcs.quality).  A rule {type: custom, engine: meshpg} carries
-- a check verbatim: exports write checks ODCS cannot express that way.
CREATE FUNCTION mesh._odcs_check(rule jsonb, column_name text, object_name text, n integer)
    RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    operators constant jsonb := mesh._odcs_operators();
    rule_type text := coalesce(rule ->> 'type', 'library');
    args jsonb := rule -> 'arguments';
    present text[];
    op text;
    value jsonb;
    chk jsonb;
    limits jsonb;
    consumed text[] := ARRAY['type', 'metric', 'name', 'severity', 'description'];
    severity text;
    check_name text;
    extras jsonb;
BEGIN
    IF jsonb_typeof(rule) IS DISTINCT FROM 'object' THEN
        RETURN NULL;
    END IF;
    IF rule_type = 'custom' AND rule ->> 'engine' = 'meshpg' AND jsonb_typeof(rule -> 'implementation') = 'object' THEN
        RETURN jsonb_strip_nulls(jsonb_build_object(
            'check', rule -> 'implementation',
            'extras', nullif(rule - ARRAY['type', 'engine', 'implementation', 'name', 'description'], '{}')));
    END IF;
    SELECT array_agg(k) INTO present FROM jsonb_object_keys(operators) k WHERE rule ? k;
    IF cardinality(present) IS DISTINCT FROM 1 OR operators ->> present[1] IS NULL THEN
        RETURN NULL;
    END IF;
    op := present[1];
    value := rule -> op;
    consumed := consumed || op;
    severity := CASE coalesce(rule ->> 'severity', 'error')
                  WHEN 'error' THEN 'error' WHEN 'warning' THEN 'warn' WHEN 'warn' THEN 'warn' WHEN 'info' THEN 'warn' END;
    IF severity IS NULL THEN
        RETURN NULL;
    END IF;

    -- comparing checks: one number against operator and value (or between min and max)
    IF rule_type = 'sql' OR rule ->> 'metric' = 'rowCount' THEN
        IF op = 'mustBeBetween' THEN
            IF jsonb_typeof(value) <> 'array' OR jsonb_array_length(value) <> 2
               OR jsonb_typeof(value -> 0) <> 'number' OR jsonb_typeof(value -> 1) <> 'number' THEN
                RETURN NULL;
            END IF;
            limits := jsonb_build_object('operator', 'between', 'min', value -> 0, 'max', value -> 1);
        ELSIF jsonb_typeof(value) = 'number' THEN
            limits := jsonb_build_object('operator', operators ->> op, 'value', value);
        ELSE
            RETURN NULL;
        END IF;
    -- counting checks: bad rows at most fail_above, in rows or percent
    ELSIF op = 'mustBe' AND value = '0' THEN
        limits := jsonb_build_object('fail_above', 0);
    ELSIF op = 'mustBeLessOrEqualTo' AND jsonb_typeof(value) = 'number' AND (value #>> '{}')::numeric >= 0 THEN
        limits := jsonb_build_object('fail_above', value);
    ELSE
        RETURN NULL;
    END IF;
    IF rule ? 'unit' AND rule ->> 'metric' IN ('nullValues', 'missingValues', 'duplicateValues', 'invalidValues') THEN
        IF rule ->> 'unit' NOT IN ('rows', 'percent') THEN
            RETURN NULL;
        END IF;
        limits := limits || jsonb_build_object('unit', rule -> 'unit');
        consumed := consumed || 'unit'::text;
    END IF;

    IF rule_type = 'sql' THEN
        IF jsonb_typeof(rule -> 'query') <> 'string' THEN
            RETURN NULL;
        END IF;
        chk := jsonb_build_object('kind', 'custom_metric', 'sql', rule -> 'query');
        consumed := consumed || 'query'::text;
    ELSIF rule_type <> 'library' OR rule ? 'rule' THEN
        RETURN NULL;
    ELSIF rule ->> 'metric' = 'rowCount' AND args IS NULL THEN
        chk := jsonb_build_object('kind', 'row_count');
    ELSIF rule ->> 'metric' IN ('nullValues', 'missingValues') AND column_name IS NOT NULL AND args IS NULL THEN
        chk := jsonb_build_object('kind', CASE rule ->> 'metric' WHEN 'nullValues' THEN 'null' ELSE 'missing' END,
                                  'column', column_name);
    ELSIF rule ->> 'metric' = 'duplicateValues' AND column_name IS NOT NULL AND args IS NULL THEN
        chk := jsonb_build_object('kind', 'duplicate', 'column', column_name);
    ELSIF rule ->> 'metric' = 'duplicateValues' AND column_name IS NULL
          AND jsonb_typeof(args -> 'properties') = 'array' AND (args - 'properties') = '{}' THEN
        chk := jsonb_build_object('kind', 'duplicate', 'columns', args -> 'properties');
        consumed := consumed || 'arguments'::text;
    ELSIF rule ->> 'metric' = 'invalidValues' AND column_name IS NOT NULL
          AND jsonb_typeof(args) = 'object' AND (args - 'validValues' - 'pattern') = '{}'
          AND (jsonb_typeof(args -> 'validValues') = 'array' OR jsonb_typeof(args -> 'pattern') = 'string') THEN
        chk := jsonb_strip_nulls(jsonb_build_object('kind', 'invalid', 'column', column_name,
                                                    'accepted_values', args -> 'validValues',
                                                    'regex', args -> 'pattern'));
        consumed := consumed || 'arguments'::text;
    ELSE
        RETURN NULL;
    END IF;
    -- the checks engine runs on its own schedule (an interval), not on cron
    IF rule ->> 'scheduler' = 'meshpg' AND jsonb_typeof(rule -> 'schedule') = 'string' THEN
        chk := chk || jsonb_build_object('schedule', rule -> 'schedule');
        consumed := consumed || ARRAY['scheduler', 'schedule'];
    END IF;

    check_name := rule ->> 'name';
    IF check_name IS NULL OR check_name !~ '^[a-z][a-z0-9_]*$' OR octet_length(check_name) > 63 THEN
        check_name := left(regexp_replace(lower('q_' || coalesce(column_name, object_name, 'contract') || '_'
                                                || (chk ->> 'kind') || '_' || n),
                                          '[^a-z0-9_]+', '_', 'g'), 63);
    END IF;
    extras := (rule - consumed)
        || CASE WHEN rule ->> 'severity' NOT IN ('error', 'warning') THEN jsonb_build_object('severity', rule -> 'severity')
                ELSE '{}' END
        || CASE WHEN rule ->> 'name' <> check_name THEN jsonb_build_object('name', rule -> 'name') ELSE '{}' END;
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'check', jsonb_build_object('name', check_name) || chk || limits
                 || CASE WHEN severity = 'warn' THEN '{"severity": "warn"}'::jsonb ELSE '{}'::jsonb END
                 || jsonb_strip_nulls(jsonb_build_object('description', rule -> 'description')),
        'extras', nullif(extras, '{}')));
END
$$;

-- A check of the descriptor -> an ODCS quality rule: a library or sql rule when
-- reading that rule back gives exactly the same check, else {type: custom,
-- engine: meshpg, implementation: <the check>}, so nothing is lost.
CREATE FUNCTION mesh._odcs_rule(chk jsonb, extras jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    kind text := chk ->> 'kind';
    op text;
    rule jsonb;
    expected jsonb;
BEGIN
    SELECT k INTO op FROM jsonb_each_text(mesh._odcs_operators()) AS e(k, v)
     WHERE v = coalesce(chk ->> 'operator', CASE WHEN chk ? 'min' OR chk ? 'max' THEN 'between' END);
    rule := jsonb_strip_nulls(jsonb_build_object(
        'name', chk -> 'name',
        'type', CASE kind WHEN 'custom_metric' THEN 'sql' ELSE 'library' END,
        'metric', CASE kind WHEN 'row_count' THEN 'rowCount' WHEN 'null' THEN 'nullValues'
                            WHEN 'missing' THEN 'missingValues' WHEN 'duplicate' THEN 'duplicateValues'
                            WHEN 'invalid' THEN 'invalidValues' END,
        'query', chk -> 'sql',
        'description', chk -> 'description',
        'severity', CASE chk ->> 'severity' WHEN 'warn' THEN 'warning' ELSE 'error' END,
        'unit', chk -> 'unit',
        'scheduler', CASE WHEN chk ? 'schedule' THEN 'meshpg' END,
        'schedule', chk -> 'schedule',
        'arguments', CASE WHEN kind = 'duplicate' AND chk ? 'columns'
                          THEN jsonb_build_object('properties', chk -> 'columns')
                          WHEN kind = 'invalid'
                          THEN nullif(jsonb_strip_nulls(jsonb_build_object('validValues', chk -> 'accepted_values',
                                                                            'pattern', chk -> 'regex')), '{}') END))
        || CASE WHEN kind IN ('row_count', 'custom_metric') AND op = 'mustBeBetween'
                THEN jsonb_build_object(op, jsonb_build_array(chk -> 'min', chk -> 'max'))
                WHEN kind IN ('row_count', 'custom_metric') AND op IS NOT NULL
                THEN jsonb_build_object(op, chk -> 'value')
                WHEN chk -> 'fail_above' = '0' THEN '{"mustBe": 0}'
                WHEN chk ? 'fail_above' THEN jsonb_build_object('mustBeLessOrEqualTo', chk -> 'fail_above')
                ELSE '{}' END
        || coalesce(extras, '{}');
    -- "severity": "error" is the default, written or not
    expected := chk;
    IF chk ->> 'severity' = 'error' THEN
        expected := chk - 'severity';
    END IF;
    IF (mesh._odcs_check(rule, chk ->> 'column', NULL, 0) -> 'check') IS DISTINCT FROM expected THEN
        rule := jsonb_strip_nulls(jsonb_build_object('name', coalesce(extras -> 'name', chk -> 'name'),
                                                     'type', 'custom', 'engine', 'meshpg',
                                                     'description', chk -> 'description',
                                                     'implementation', chk))
                || coalesce(extras - 'name' - 'severity', '{}');
    END IF;
    RETURN rule;
END
$$;

-- raise every problem of a contract at once, in the format of descriptor errors
CREATE FUNCTION mesh._odcs_raise(problems text[], headline text, errcode text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION '%: % %', headline, cardinality(problems),
                        CASE cardinality(problems) WHEN 1 THEN 'problem' ELSE 'problems' END
            USING ERRCODE = errcode,
                  DETAIL = array_to_string(problems[1:100], E'\n')
                           || CASE WHEN cardinality(problems) > 100
                                   THEN format(E'\n... and %s more problems', cardinality(problems) - 100)
                                   ELSE '' END,
                  HINT = 'Fix every problem listed; docs/odcs.md describes how meshpg reads a contract.';
    END IF;
END
$$;

-- a problem the checks engine found in a check, at the quality rule it came from:
-- "invalid check: $.checks[1].regex: ..." -> "invalid quality rule: $.schema[0]...quality[0].arguments.pattern: ..."
CREATE FUNCTION mesh._odcs_check_message(message text, rule_paths jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m text[] := regexp_match(message, '^invalid check: \$\.checks\[([0-9]+)\]\.?([A-Za-z_]*)(.*)$');
    rule_path text;
BEGIN
    rule_path := rule_paths ->> (m[1]::integer);
    IF m IS NULL OR rule_path IS NULL THEN
        RETURN message;
    END IF;
    RETURN 'invalid quality rule: ' || rule_path
        || CASE WHEN rule_path LIKE '%.implementation' THEN CASE WHEN m[2] = '' THEN '' ELSE '.' || m[2] END
                ELSE CASE m[2] WHEN '' THEN '' WHEN 'regex' THEN '.arguments.pattern'
                               WHEN 'accepted_values' THEN '.arguments.validValues'
                               WHEN 'columns' THEN '.arguments.properties' WHEN 'sql' THEN '.query'
                               WHEN 'kind' THEN '.metric' WHEN 'column' THEN ''
                               ELSE '.' || m[2] END END
        || m[3];
END
$$;

-- the path of a descriptor problem, as a path into the contract
CREATE FUNCTION mesh._odcs_contract_path(line text, paths jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m text[];
BEGIN
    m := regexp_match(line, '^\$\.columns\[([0-9]+)\]\.?([A-Za-z_]*)(.*)$');
    IF m IS NOT NULL THEN
        RETURN '$.schema[0].properties[' || m[1] || ']'
               || CASE m[2] WHEN '' THEN '' WHEN 'primary_key' THEN '.primaryKey' ELSE '.' || m[2] END
               || m[3];
    END IF;
    m := regexp_match(line, '^\$\.([a-z_]+\.[a-z_]+)(.*)$');
    IF m IS NOT NULL AND paths ? m[1] THEN
        RETURN (paths ->> m[1]) || m[2];
    END IF;
    m := regexp_match(line, '^\$\.([a-z_]+)(.*)$');
    IF m IS NOT NULL AND paths ? m[1] THEN
        RETURN (paths ->> m[1]) || m[2];
    END IF;
    RETURN line;
END
$$;

-- ODCS document -> what meshpg stores: product, source, descriptor, and the
-- claims about columns that only the server can confirm
CREATE FUNCTION mesh._odcs_to_descriptor(doc jsonb,
    OUT product text, OUT source text, OUT descriptor jsonb, OUT claims jsonb, OUT status text,
    OUT paths jsonb)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    invalid text[] := '{}';
    unsupported text[] := '{}';
    api text := doc ->> 'apiVersion';
    obj jsonb;
    props jsonb;
    prop jsonb;
    rule jsonb;
    chk jsonb;
    columns jsonb := '[]';
    checks jsonb := '[]';
    kept_quality jsonb := '[]';
    check_extras jsonb := '{}';
    check_paths jsonb := '{}';
    sla jsonb := '{}';
    sla_kept jsonb := '[]';
    sla_entry jsonb;
    freshness_entry jsonb;
    interval_text text;
    custom record;
    support jsonb := '[]';
    item jsonb;
    item_custom record;
    odcs jsonb;
    name_seen text[] := '{}';
    conflicts text[];
    i integer;
    j integer;
    path text;
    col_name text;
    product_name text;
    object_name text;
BEGIN
    claims := '[]';
    paths := jsonb_build_object('purpose', '$.description.purpose', 'description', '$.schema[0].description');
    IF jsonb_typeof(doc) <> 'object' THEN
        PERFORM mesh._odcs_raise(ARRAY['$: expected an ODCS contract (an object), not ' || CASE jsonb_typeof(doc)
                                 WHEN 'array' THEN 'an array' ELSE 'a ' || jsonb_typeof(doc) END],
                                 'invalid contract', '22023');
    END IF;

    -- fundamentals
    IF api IS NULL THEN
        invalid := invalid || '$.apiVersion: is required (meshpg reads "v3.1.0" and "v3.0.x")'::text;
    ELSIF api NOT IN ('v3.1.0', 'v3.0.2', 'v3.0.1', 'v3.0.0') THEN
        unsupported := unsupported || format('$.apiVersion: ODCS %s is not supported (meshpg reads v3.1.0 and v3.0.x)', doc -> 'apiVersion');
    END IF;
    IF doc ->> 'kind' IS DISTINCT FROM 'DataContract' THEN
        invalid := invalid || format('$.kind: expected "DataContract", not %s', coalesce((doc -> 'kind')::text, 'nothing'));
    END IF;
    FOREACH path IN ARRAY ARRAY['id', 'version', 'status'] LOOP
        IF NOT doc ? path THEN
            invalid := invalid || format('$.%s: is required', path);
        ELSIF jsonb_typeof(doc -> path) <> 'string' THEN
            invalid := invalid || format('$.%s: expected a string, not %s', path, jsonb_typeof(doc -> path));
        END IF;
    END LOOP;
    FOREACH path IN ARRAY ARRAY['name', 'dataProduct', 'domain', 'tenant'] LOOP
        IF doc ? path AND jsonb_typeof(doc -> path) <> 'string' THEN
            invalid := invalid || format('$.%s: expected a string, not %s', path, jsonb_typeof(doc -> path));
        END IF;
    END LOOP;
    IF jsonb_typeof(doc -> 'domain') IS DISTINCT FROM 'string' THEN
        invalid := invalid || '$.domain: is required (the meshpg domain that publishes the data product)'::text;
    END IF;
    product_name := coalesce(doc ->> 'dataProduct', doc ->> 'name');
    IF product_name IS NULL THEN
        invalid := invalid || '$.name: is required (with $.domain it names the data product; $.dataProduct, if given, wins)'::text;
    END IF;
    -- names become schema and view names: report them at their path, before anything else runs
    IF product_name !~ '^[a-z][a-z0-9_]*$' OR octet_length(product_name) > 63 THEN
        invalid := invalid || format('$.%s: %s is not a data product name (lower-case letters, digits and _, starting with a letter, at most 63 bytes)',
                                     CASE WHEN doc ? 'dataProduct' THEN 'dataProduct' ELSE 'name' END,
                                     to_jsonb(product_name));
    END IF;
    IF doc ->> 'domain' !~ '^[a-z][a-z0-9_]*$' THEN
        invalid := invalid || format('$.domain: %s is not a domain name (lower-case letters, digits and _, starting with a letter)',
                                     doc -> 'domain');
    END IF;
    product := (doc ->> 'domain') || '.' || product_name;
    IF doc ? 'description' AND jsonb_typeof(doc -> 'description') <> 'object' THEN
        invalid := invalid || format('$.description: expected an object, not %s', jsonb_typeof(doc -> 'description'));
    END IF;

    -- the schema: exactly one object, the relation the product publishes
    IF jsonb_typeof(doc -> 'schema') IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> 'schema') = 0 THEN
        invalid := invalid || '$.schema: needs one schema object: the table, view or query the data product publishes'::text;
        obj := '{}';
    ELSE
        obj := doc -> 'schema' -> 0;
        IF jsonb_array_length(doc -> 'schema') > 1 THEN
            unsupported := unsupported || format('$.schema[1]: a data product publishes one schema object, this contract has %s (write one contract per object)',
                                                 jsonb_array_length(doc -> 'schema'));
        END IF;
        IF jsonb_typeof(obj) <> 'object' THEN
            invalid := invalid || format('$.schema[0]: expected an object, not %s', jsonb_typeof(obj));
            obj := '{}';
        END IF;
    END IF;
    object_name := coalesce(obj ->> 'name', product_name);
    SELECT * INTO custom FROM mesh._odcs_split_custom(obj -> 'customProperties');
    IF obj ? 'physicalName' AND jsonb_typeof(obj -> 'physicalName') <> 'string' THEN
        invalid := invalid || '$.schema[0].physicalName: expected a string'::text;
    END IF;
    -- the source: a query, else the physical name, else the object's name
    source := coalesce(custom.meshpg ->> 'sourceQuery', obj ->> 'physicalName', obj ->> 'name');
    IF source IS NULL AND obj <> '{}' THEN
        invalid := invalid || '$.schema[0].physicalName: is required (the table or view the data product publishes; for a query use the custom property "meshpg.sourceQuery")'::text;
    END IF;
    IF obj ? 'physicalType' AND lower(obj ->> 'physicalType') NOT IN ('table', 'view', 'materialized view', 'foreign table', 'query') THEN
        unsupported := unsupported || format('$.schema[0].physicalType: %s is not supported (meshpg publishes a table, view, materialized view, foreign table or query of this database)',
                                             obj -> 'physicalType');
    END IF;
    IF obj ? 'logicalType' AND obj ->> 'logicalType' IS DISTINCT FROM 'object' THEN
        invalid := invalid || format('$.schema[0].logicalType: expected "object", not %s', obj -> 'logicalType');
    END IF;

    -- properties: documentation kept, facts checked against the server later
    props := CASE WHEN jsonb_typeof(obj -> 'properties') = 'array' THEN obj -> 'properties' ELSE '[]' END;
    -- bounded before the loops below (a relation has at most 1600 columns)
    IF jsonb_array_length(props) > 1600 THEN
        RAISE EXCEPTION 'the contract lists % properties, more than the 1600 columns a relation can have',
                        jsonb_array_length(props)
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'List the columns of the one relation the data product publishes.';
    END IF;
    IF (SELECT max(jsonb_array_length(a)) FROM (
            SELECT obj -> 'quality' AS a UNION ALL SELECT doc -> 'slaProperties' UNION ALL SELECT doc -> 'support'
            UNION ALL SELECT doc -> 'customProperties' UNION ALL SELECT p -> 'quality'
              FROM jsonb_array_elements(props) AS e(p)) l
         WHERE jsonb_typeof(a) = 'array') > 1000 THEN
        RAISE EXCEPTION 'the contract has a list of more than 1000 quality rules, SLA properties, support channels or custom properties'
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'A data contract states a product''s promises; keep each list short.';
    END IF;
    IF obj ? 'properties' AND jsonb_typeof(obj -> 'properties') <> 'array' THEN
        invalid := invalid || format('$.schema[0].properties: expected an array, not %s', jsonb_typeof(obj -> 'properties'));
    END IF;
    FOR i IN 0 .. jsonb_array_length(props) - 1 LOOP
        prop := props -> i;
        path := format('$.schema[0].properties[%s]', i);
        IF jsonb_typeof(prop) <> 'object' THEN
            invalid := invalid || format('%s: expected an object, not %s', path, jsonb_typeof(prop));
            CONTINUE;
        END IF;
        col_name := prop ->> 'name';
        IF jsonb_typeof(prop -> 'name') IS DISTINCT FROM 'string' THEN
            invalid := invalid || format('%s.name: is required (the column''s name)', path);
            CONTINUE;
        END IF;
        IF col_name = ANY (name_seen) THEN
            invalid := invalid || format('%s.name: property "%s" is listed twice', path, col_name);
            CONTINUE;
        END IF;
        name_seen := name_seen || col_name;
        FOREACH path IN ARRAY ARRAY['required', 'unique', 'primaryKey'] LOOP
            IF prop ? path AND jsonb_typeof(prop -> path) <> 'boolean' THEN
                invalid := invalid || format('$.schema[0].properties[%s].%s: expected true or false, not %s',
                                             i, path, jsonb_typeof(prop -> path));
            END IF;
        END LOOP;
        claims := claims || jsonb_build_array(jsonb_build_object('index', i, 'property', prop));
        SELECT * INTO custom FROM mesh._odcs_split_custom(prop -> 'customProperties');
        columns := columns || jsonb_build_array(jsonb_strip_nulls(
            jsonb_build_object('name', col_name,
                               'description', prop -> 'description',
                               'classification', prop -> 'classification',
                               'tags', prop -> 'tags',
                               'primary_key', CASE WHEN prop -> 'primaryKey' = 'false' THEN false END,
                               'examples', prop -> 'examples'))
            || custom.meshpg
            || CASE WHEN (prop - ARRAY['name', 'description', 'classification', 'tags', 'primaryKey',
                                       'primaryKeyPosition', 'logicalType', 'physicalType', 'required',
                                       'unique', 'examples', 'quality', 'customProperties'])
                         || CASE WHEN custom.rest <> '[]' THEN jsonb_build_object('customProperties', custom.rest)
                                 ELSE '{}' END = '{}'
                    THEN '{}'::jsonb
                    ELSE jsonb_build_object('odcs',
                         (prop - ARRAY['name', 'description', 'classification', 'tags', 'primaryKey',
                                       'primaryKeyPosition', 'logicalType', 'physicalType', 'required',
                                       'unique', 'examples', 'quality', 'customProperties'])
                         || CASE WHEN custom.rest <> '[]' THEN jsonb_build_object('customProperties', custom.rest)
                                 ELSE '{}' END)
               END);
        -- quality rules of the column
        IF prop ? 'quality' AND jsonb_typeof(prop -> 'quality') <> 'array' THEN
            invalid := invalid || format('$.schema[0].properties[%s].quality: expected an array', i);
        ELSIF prop ? 'quality' THEN
            FOR j IN 0 .. jsonb_array_length(prop -> 'quality') - 1 LOOP
                rule := prop -> 'quality' -> j;
                IF jsonb_typeof(rule) <> 'object' THEN
                    invalid := invalid || format('$.schema[0].properties[%s].quality[%s]: expected an object, not %s',
                                                 i, j, jsonb_typeof(rule));
                    CONTINUE;
                END IF;
                chk := mesh._odcs_check(rule, col_name, object_name, j);
                IF chk IS NULL THEN
                    kept_quality := kept_quality || jsonb_build_array(jsonb_build_object('column', col_name, 'rule', rule));
                ELSE
                    checks := checks || jsonb_build_array(chk -> 'check');
                    check_extras := check_extras || jsonb_strip_nulls(
                        jsonb_build_object(chk -> 'check' ->> 'name', chk -> 'extras'));
                    check_paths := check_paths || jsonb_build_object(chk -> 'check' ->> 'name',
                        format('$.schema[0].properties[%s].quality[%s]', i, j)
                        || CASE WHEN rule ->> 'engine' = 'meshpg' THEN '.implementation' ELSE '' END);
                END IF;
            END LOOP;
        END IF;
    END LOOP;
    IF obj ? 'quality' AND jsonb_typeof(obj -> 'quality') <> 'array' THEN
        invalid := invalid || '$.schema[0].quality: expected an array'::text;
    ELSIF obj ? 'quality' THEN
        FOR j IN 0 .. jsonb_array_length(obj -> 'quality') - 1 LOOP
            rule := obj -> 'quality' -> j;
            IF jsonb_typeof(rule) <> 'object' THEN
                invalid := invalid || format('$.schema[0].quality[%s]: expected an object, not %s', j, jsonb_typeof(rule));
                CONTINUE;
            END IF;
            chk := mesh._odcs_check(rule, NULL, object_name, j);
            IF chk IS NULL THEN
                kept_quality := kept_quality || jsonb_build_array(jsonb_build_object('rule', rule));
            ELSE
                checks := checks || jsonb_build_array(chk -> 'check');
                check_extras := check_extras || jsonb_strip_nulls(
                    jsonb_build_object(chk -> 'check' ->> 'name', chk -> 'extras'));
                check_paths := check_paths || jsonb_build_object(chk -> 'check' ->> 'name',
                    format('$.schema[0].quality[%s]', j)
                    || CASE WHEN rule ->> 'engine' = 'meshpg' THEN '.implementation' ELSE '' END);
            END IF;
        END LOOP;
    END IF;

    -- SLA: the first latency (or freshness) becomes sla.freshness; the rest is kept
    IF doc ? 'slaProperties' AND jsonb_typeof(doc -> 'slaProperties') <> 'array' THEN
        invalid := invalid || '$.slaProperties: expected an array'::text;
    ELSIF doc ? 'slaProperties' THEN
        FOR i IN 0 .. jsonb_array_length(doc -> 'slaProperties') - 1 LOOP
            sla_entry := doc -> 'slaProperties' -> i;
            IF freshness_entry IS NULL AND jsonb_typeof(sla_entry) = 'object'
               AND sla_entry ->> 'property' IN ('latency', 'freshness') THEN
                interval_text := mesh._odcs_interval(sla_entry -> 'value', sla_entry ->> 'unit');
                IF interval_text IS NULL THEN
                    invalid := invalid || format('$.slaProperties[%s]: %s needs a number "value" and a "unit" (s, m, h, d, w, mo, y), not %s %s',
                                                 i, sla_entry ->> 'property', coalesce((sla_entry -> 'value')::text, 'no value'),
                                                 coalesce((sla_entry -> 'unit')::text, 'no unit'));
                ELSE
                    sla := jsonb_build_object('freshness', interval_text);
                    freshness_entry := sla_entry - 'value' - 'unit';
                    paths := paths || jsonb_build_object('sla.freshness', format('$.slaProperties[%s].value', i));
                END IF;
            ELSE
                sla_kept := sla_kept || jsonb_build_array(sla_entry);
            END IF;
        END LOOP;
    END IF;

    -- support channels: the descriptor keeps ODCS's extra keys as they are
    IF doc ? 'support' AND jsonb_typeof(doc -> 'support') <> 'array' THEN
        invalid := invalid || '$.support: expected an array of channels'::text;
    ELSIF doc ? 'support' THEN
        FOR item IN SELECT value FROM jsonb_array_elements(doc -> 'support') LOOP
            IF jsonb_typeof(item) = 'object' THEN
                SELECT * INTO item_custom FROM mesh._odcs_split_custom(item -> 'customProperties');
                item := (item - 'customProperties') || item_custom.meshpg
                        || CASE WHEN item_custom.rest <> '[]' THEN jsonb_build_object('customProperties', item_custom.rest)
                                ELSE '{}' END;
            END IF;
            support := support || jsonb_build_array(item);
        END LOOP;
    END IF;

    -- contract-level custom properties "meshpg.<key>" are descriptor keys
    SELECT * INTO custom FROM mesh._odcs_split_custom(doc -> 'customProperties');
    IF doc ? 'customProperties' AND jsonb_typeof(doc -> 'customProperties') <> 'array' THEN
        invalid := invalid || '$.customProperties: expected an array of {"property", "value"} objects'::text;
    END IF;
    -- descriptor problems in these keys are reported at their custom property
    SELECT coalesce(jsonb_object_agg(substr(c ->> 'property', 8),
                                     format('$.customProperties[%s].value', n - 1)), '{}') || paths
      INTO paths
      FROM jsonb_array_elements(CASE jsonb_typeof(doc -> 'customProperties') WHEN 'array'
                                     THEN doc -> 'customProperties' ELSE '[]' END)
           WITH ORDINALITY AS e(c, n)
     WHERE c ->> 'property' LIKE 'meshpg.%';
    SELECT array_agg(format('$.customProperties: "meshpg.%s" is written by ODCS itself (%s); remove the custom property', k,
                            CASE k WHEN 'columns' THEN '$.schema[0].properties' WHEN 'checks' THEN 'quality'
                                   WHEN 'purpose' THEN '$.description.purpose' WHEN 'odcs' THEN 'the rest of the contract'
                                   ELSE '$.' || k END))
      INTO conflicts
      FROM jsonb_object_keys(custom.meshpg) k
     WHERE k IN ('purpose', 'description', 'version', 'tags', 'support', 'columns', 'checks', 'odcs');
    invalid := invalid || coalesce(conflicts, '{}');

    -- what meshpg does not model, kept for the export
    odcs := jsonb_strip_nulls(jsonb_build_object(
        'id', doc -> 'id',
        'name', doc -> 'name',
        'dataProduct', doc -> 'dataProduct',
        'status', CASE WHEN doc ->> 'status' NOT IN ('draft', 'active', 'deprecated', 'retired') THEN doc -> 'status' END,
        'description', CASE WHEN jsonb_typeof(doc -> 'description') = 'object'
                            THEN nullif((doc -> 'description') - 'purpose', '{}') END,
        'schema', nullif(obj - ARRAY['physicalName', 'description', 'properties', 'quality', 'customProperties'], '{}'),
        'schemaCustomProperties', nullif((mesh._odcs_split_custom(obj -> 'customProperties')).rest, '[]'),
        'quality', nullif(kept_quality, '[]'),
        'checks', nullif(check_extras, '{}'),
        'slaFreshness', freshness_entry,
        'slaProperties', nullif(sla_kept, '[]'),
        'customProperties', nullif(custom.rest, '[]')))
        || (doc - ARRAY['apiVersion', 'kind', 'id', 'name', 'version', 'status', 'domain', 'dataProduct',
                        'description', 'schema', 'tags', 'support', 'slaProperties', 'customProperties']);
    descriptor := jsonb_strip_nulls(jsonb_build_object(
        'purpose', coalesce(CASE WHEN jsonb_typeof(doc -> 'description') = 'object'
                                 THEN doc -> 'description' -> 'purpose' END, obj -> 'description'),
        'description', obj -> 'description',
        'version', doc -> 'version',
        'tags', doc -> 'tags',
        'support', CASE WHEN doc ? 'support' THEN support END,
        -- in name order: an export groups rules by property, so their order is not kept
        'checks', (SELECT jsonb_agg(c ORDER BY c ->> 'name') FROM jsonb_array_elements(checks) AS c),
        'columns', columns,
        'odcs', odcs))
        || (custom.meshpg - 'sla')
        || CASE WHEN sla <> '{}' OR custom.meshpg ? 'sla'
                THEN jsonb_build_object('sla', coalesce(custom.meshpg -> 'sla', '{}') || sla)
                ELSE '{}' END;
    IF NOT descriptor ? 'purpose' THEN
        invalid := invalid || '$.description.purpose: is required by meshpg (what the data product is for), unless the schema object has a description'::text;
    END IF;
    status := doc ->> 'status';
    -- the rule each check comes from, in the (name) order of the checks array
    paths := paths || jsonb_build_object('checks',
        (SELECT coalesce(jsonb_agg(check_paths -> (c ->> 'name') ORDER BY c ->> 'name'), '[]')
           FROM jsonb_array_elements(checks) AS c));

    PERFORM mesh._odcs_raise(unsupported || invalid,
                             CASE WHEN product IS NULL THEN 'invalid contract'
                                  ELSE format('invalid contract for data product "%s"', product) END,
                             CASE WHEN cardinality(invalid) = 0 THEN '0A000' ELSE '22023' END);
END
$$;

-- the claims of a contract about its columns, checked against the server
CREATE FUNCTION mesh._odcs_check_claims(product text, port regclass, source_kind text,
                                        source_relation regclass, obj jsonb, claims jsonb)
    RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    problems text[] := '{}';
    facts jsonb;
    claim jsonb;
    prop jsonb;
    col jsonb;
    path text;
    declared text;
    server_type text;
    relation_kind text;
    have text;
BEGIN
    SELECT jsonb_object_agg(c ->> 'name', c || jsonb_build_object('pk_position', k.pk_position,
                                                                 'unique', k.is_unique))
      INTO facts
      FROM jsonb_array_elements(mesh._port_columns(port)) AS c
      JOIN mesh._odcs_key_facts(port) k ON k.name = c ->> 'name';
    SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) INTO have
      FROM pg_catalog.pg_attribute a WHERE a.attrelid = port AND a.attnum > 0 AND NOT a.attisdropped;

    IF obj ? 'physicalType' THEN
        relation_kind := CASE WHEN source_kind = 'query' THEN 'query'
                              ELSE (SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table'
                                                          WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                                          WHEN 'f' THEN 'foreign table' END
                                      FROM pg_catalog.pg_class c WHERE c.oid = source_relation) END;
        IF lower(obj ->> 'physicalType') <> relation_kind THEN
            problems := problems || format('$.schema[0].physicalType: declared %s, but the source %s is a %s',
                                           obj -> 'physicalType',
                                           coalesce(mesh._relation_name(source_relation), 'query'), relation_kind);
        END IF;
    END IF;

    FOR claim IN SELECT value FROM jsonb_array_elements(claims) LOOP
        prop := claim -> 'property';
        path := format('$.schema[0].properties[%s]', claim ->> 'index');
        col := facts -> (prop ->> 'name');
        IF col IS NULL THEN
            problems := problems || format('%s.name: the output port has no column "%s" (it has: %s)',
                                           path, prop ->> 'name', have);
            CONTINUE;
        END IF;
        IF prop ? 'physicalType' THEN
            declared := prop ->> 'physicalType';
            server_type := mesh._odcs_server_type(declared);
            IF server_type IS NULL THEN
                problems := problems || format('%s.physicalType: "%s" is not a PostgreSQL type; column "%s" is "%s"',
                                               path, declared, prop ->> 'name', col ->> 'type');
            ELSIF server_type <> col ->> 'type' THEN
                problems := problems || format('%s.physicalType: declared "%s", but column "%s" is "%s"',
                                               path, declared, prop ->> 'name', col ->> 'type');
            END IF;
        END IF;
        IF prop ? 'logicalType' AND prop ->> 'logicalType' <> mesh._odcs_logical_type(col ->> 'type')
           AND NOT (prop ->> 'logicalType' = 'number' AND mesh._odcs_logical_type(col ->> 'type') = 'integer') THEN
            problems := problems || format('%s.logicalType: declared %s, but column "%s" is "%s", which is %s',
                                           path, prop -> 'logicalType', prop ->> 'name', col ->> 'type',
                                           mesh._odcs_logical_type(col ->> 'type'));
        END IF;
        -- a length limit the server keeps: varchar(n) or char(n) with n at most maxLength
        IF jsonb_typeof(prop -> 'logicalTypeOptions' -> 'maxLength') = 'number'
           AND (col ->> 'type' IN ('text', 'character varying')
                OR (col ->> 'type' ~ '^character( varying)?\([0-9]+\)$'
                    AND substring(col ->> 'type' FROM '\(([0-9]+)\)')::numeric
                        > (prop -> 'logicalTypeOptions' ->> 'maxLength')::numeric)) THEN
            problems := problems || format('%s.logicalTypeOptions.maxLength: declared %s, but column "%s" is "%s", which allows longer values (declare the source column varchar(%s) or shorter)',
                                           path, prop -> 'logicalTypeOptions' -> 'maxLength', prop ->> 'name',
                                           col ->> 'type', prop -> 'logicalTypeOptions' -> 'maxLength');
        END IF;
        IF prop -> 'required' = 'true' AND (col -> 'nullable') = 'true' THEN
            problems := problems || format('%s.required: declared true, but column "%s" may be NULL (add NOT NULL to the source column or filter NULLs in the source query)',
                                           path, prop ->> 'name');
        END IF;
        IF prop -> 'unique' = 'true' AND (col -> 'unique') <> 'true' THEN
            problems := problems || format('%s.unique: declared true, but nothing on the server makes column "%s" unique (add a single-column unique constraint or primary key to the source)',
                                           path, prop ->> 'name');
        END IF;
        IF prop -> 'primaryKey' = 'true' AND (col -> 'primary_key') <> 'true' THEN
            problems := problems || format('%s.primaryKey: declared true, but column "%s" is not part of the source''s primary key as the port shows it',
                                           path, prop ->> 'name');
        ELSIF jsonb_typeof(prop -> 'primaryKeyPosition') = 'number' AND (prop ->> 'primaryKeyPosition')::numeric >= 1
              AND (prop ->> 'primaryKeyPosition')::numeric IS DISTINCT FROM (col ->> 'pk_position')::numeric THEN
            problems := problems || format('%s.primaryKeyPosition: declared %s, but column "%s" is %s',
                                           path, prop -> 'primaryKeyPosition', prop ->> 'name',
                                           CASE WHEN col ->> 'pk_position' IS NULL THEN 'not in the primary key'
                                                ELSE 'at position ' || (col ->> 'pk_position') || ' of the primary key' END);
        END IF;
    END LOOP;
    PERFORM mesh._odcs_raise(problems, format('contract for data product "%s" contradicts the server', product),
                             '22023');
END
$$;

-- the merge patch (RFC 7396) that turns old into new: objects are merged by
-- _alter_data_product, so keys that new lacks are removed at every level
CREATE FUNCTION mesh._odcs_replace_patch(old jsonb, new jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    result jsonb := '{}';
    key text;
BEGIN
    IF jsonb_typeof(old) IS DISTINCT FROM 'object' OR jsonb_typeof(new) IS DISTINCT FROM 'object' THEN
        RETURN new;
    END IF;
    FOR key IN SELECT k FROM jsonb_object_keys(old) k WHERE NOT new ? k LOOP
        result := result || jsonb_build_object(key, NULL);
    END LOOP;
    FOR key IN SELECT k FROM jsonb_object_keys(new) k LOOP
        result := result || jsonb_build_object(key, mesh._odcs_replace_patch(old -> key, new -> key));
    END LOOP;
    RETURN result;
END
$$;

-- the physicalType an export writes for a product's source
CREATE FUNCTION mesh._odcs_source_type(p mesh.data_products) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE WHEN p.source_kind = 'query' THEN 'query' ELSE
           (SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                                  WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' END
              FROM pg_catalog.pg_class c WHERE c.oid = p.source_relation) END
$$;

-- odcs bookkeeping without the values an export writes anyway, so that
-- importing the export of a product made with the API changes nothing
CREATE FUNCTION mesh._odcs_strip_defaults(odcs jsonb, p mesh.data_products) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT nullif(o - CASE WHEN o -> 'schema' = '{}' THEN ARRAY['schema'] ELSE '{}' END, '{}')
      FROM (SELECT odcs
                   - CASE WHEN odcs ->> 'id' = p.domain || '.' || p.name THEN ARRAY['id'] ELSE '{}' END
                   - CASE WHEN odcs ->> 'name' = p.name AND NOT odcs ? 'dataProduct' THEN ARRAY['name'] ELSE '{}' END
                   - CASE WHEN odcs -> 'slaFreshness' = '{"property": "latency"}' THEN ARRAY['slaFreshness'] ELSE '{}' END
                   || CASE WHEN odcs ? 'schema' THEN jsonb_build_object('schema', (odcs -> 'schema')
                          - CASE WHEN odcs -> 'schema' ->> 'name' = p.name THEN ARRAY['name'] ELSE '{}' END
                          - CASE WHEN odcs -> 'schema' ->> 'physicalType' = mesh._odcs_source_type(p)
                                 THEN ARRAY['physicalType'] ELSE '{}' END)
                      ELSE '{}' END AS o) x
$$;

CREATE FUNCTION mesh._import_contract(caller regrole, document text) RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    doc jsonb;
    m record;
    p mesh.data_products;
    patch jsonb;
    parts record;
    message text;
    detail text;
    hint text;
    state text;
    found_product boolean;
BEGIN
    PERFORM mesh._require(document, 'document');
    doc := mesh._odcs_parse(document);
    m := mesh._odcs_to_descriptor(doc);
    parts := mesh._split_product(m.product);
    -- in create_data_product's order: two imports of one new contract serialise,
    -- and the second one updates what the first created
    PERFORM mesh._lock_name('domain', parts.domain, shared => true);
    PERFORM mesh._lock_name('product', m.product);

    SELECT * INTO p FROM mesh.data_products dp WHERE dp.domain = parts.domain AND dp.name = parts.name;
    found_product := FOUND;
    -- descriptor and check problems are reported at their paths in the contract
    BEGIN
        IF NOT found_product THEN
            -- publish the port first, so the column claims are checked before the documentation
            PERFORM mesh._create_data_product(caller, m.product, m.source,
                jsonb_build_object('purpose', m.descriptor -> 'purpose')
                || CASE WHEN m.descriptor ? 'version' THEN jsonb_build_object('version', m.descriptor -> 'version')
                        ELSE '{}' END);
            SELECT * INTO p FROM mesh.data_products dp WHERE dp.domain = parts.domain AND dp.name = parts.name;
        ELSE
            PERFORM mesh._domain_for_change(caller, parts.domain, 'alter its data products');
            -- wait for a concurrent alter: the patch below must start from its result
            SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = p.id FOR UPDATE;
            IF p.source IS DISTINCT FROM m.source
               AND m.source IS DISTINCT FROM mesh._relation_name(p.source_relation) THEN
                RAISE EXCEPTION 'cannot change the source of data product "%" by importing a contract', m.product
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          DETAIL = format('The product publishes %s; the contract names %s.', p.source, m.source),
                          HINT = 'Keep the physicalName (or meshpg.sourceQuery) of the product, or drop the product and import the contract again.';
            END IF;
        END IF;
        PERFORM mesh._odcs_check_claims(m.product, p.port, p.source_kind, p.source_relation,
                                        coalesce(doc -> 'schema' -> 0, '{}'), m.claims);

        -- the contract replaces the whole descriptor: keys it does not have are removed
        m.descriptor := m.descriptor - 'odcs'
            || jsonb_strip_nulls(jsonb_build_object('odcs', mesh._odcs_strip_defaults(m.descriptor -> 'odcs', p)));
        patch := mesh._odcs_replace_patch(mesh._declared_descriptor(p), m.descriptor);
        PERFORM mesh._alter_data_product(caller, m.product, patch);
    EXCEPTION WHEN invalid_parameter_value THEN
        GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                                hint = PG_EXCEPTION_HINT, state = RETURNED_SQLSTATE;
        IF message LIKE 'invalid check: $.checks[%' THEN
            RAISE EXCEPTION '%', mesh._odcs_check_message(message, m.paths -> 'checks')
                USING ERRCODE = state, HINT = coalesce(hint, 'docs/odcs.md describes how quality rules become checks.');
        END IF;
        IF message LIKE 'invalid descriptor for data product %' AND detail IS NOT NULL THEN
            RAISE EXCEPTION '%', replace(message, 'invalid descriptor', 'invalid contract')
                USING ERRCODE = state,
                      DETAIL = (SELECT string_agg(mesh._odcs_contract_path(l, m.paths), E'\n' ORDER BY n)
                                  FROM unnest(string_to_array(detail, E'\n')) WITH ORDINALITY AS u(l, n)),
                      HINT = 'Fix every problem listed; docs/odcs.md describes how meshpg reads a contract.';
        END IF;
        RAISE;
    END;

    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = p.id;
    IF m.status IN ('draft', 'active', 'deprecated', 'retired') AND m.status <> p.status THEN
        PERFORM mesh._set_status(caller, m.product, m.status);
    END IF;
    RETURN m.product;
END
$$;

-- The store handler of this module (10_extension_points.sql): "odcs" holds what
-- an export puts back, so its shape is checked on every create and alter,
-- whoever writes it; an export never meets a value it cannot place.
CREATE FUNCTION mesh._on_store_40_odcs(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    problems text[] := '{}';
    odcs jsonb := normalized -> 'odcs';
    shape record;
    col record;
BEGIN
    IF odcs IS NOT NULL AND jsonb_typeof(odcs) <> 'object' THEN
        problems := problems || format('$.odcs: expected an object (the parts of an ODCS contract meshpg keeps), not %s',
                                       jsonb_typeof(odcs));
    ELSIF odcs IS NOT NULL THEN
        FOR shape IN SELECT * FROM (VALUES ('description', 'object'), ('schema', 'object'), ('checks', 'object'),
                                           ('slaFreshness', 'object'), ('quality', 'array'),
                                           ('slaProperties', 'array'), ('customProperties', 'array'),
                                           ('schemaCustomProperties', 'array')) AS v(key, type)
                      WHERE odcs ? v.key AND jsonb_typeof(odcs -> v.key) <> v.type LOOP
            problems := problems || format('$.odcs.%s: expected an %s, not %s', shape.key, shape.type,
                                           jsonb_typeof(odcs -> shape.key));
        END LOOP;
        IF jsonb_typeof(odcs -> 'quality') = 'array' THEN
            problems := problems || ARRAY(
                SELECT format('$.odcs.quality[%s]: expected {"rule": {...}} with an optional "column" name', n - 1)
                  FROM jsonb_array_elements(odcs -> 'quality') WITH ORDINALITY AS e(q, n)
                 WHERE jsonb_typeof(q -> 'rule') IS DISTINCT FROM 'object'
                    OR (q ? 'column' AND jsonb_typeof(q -> 'column') <> 'string'));
        END IF;
    END IF;
    FOR col IN SELECT key, value FROM jsonb_each(mesh._columns_by_name(normalized -> 'columns'))
                WHERE jsonb_typeof(value -> 'odcs') IS DISTINCT FROM 'object' AND value ? 'odcs' LOOP
        problems := problems || format('$.columns.%s.odcs: expected an object, not %s', col.key,
                                       jsonb_typeof(col.value -> 'odcs'));
    END LOOP;
    PERFORM mesh._odcs_raise(problems,
        format('invalid descriptor for data product "%s"',
               (SELECT p.domain || '.' || p.name FROM mesh.data_products p WHERE p.id = product_id)),
        '22023');
END
$$;

CREATE FUNCTION mesh.import_contract(document text)
    RETURNS text
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.import_contract(text) IS
    'create or update the data product an ODCS v3.1 contract (JSON or YAML) describes; returns its name';

-- the catalog -> an ODCS v3.1.0 contract
CREATE FUNCTION mesh.export_contract(product text) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
    d jsonb := mesh._declared_descriptor(p) || mesh.describe(product);
    odcs jsonb := coalesce(d -> 'odcs', '{}');
    checks jsonb := CASE jsonb_typeof(d -> 'checks') WHEN 'array' THEN d -> 'checks' ELSE '[]' END;
    modelled constant text[] := ARRAY['purpose', 'description', 'version', 'tags', 'support', 'sla', 'checks',
                                      'columns', 'odcs', 'status'] || mesh._managed_keys();
    extra jsonb;
    properties jsonb;
    quality jsonb;
    sla jsonb := '[]';
    support jsonb;
    custom jsonb;
BEGIN
    SELECT coalesce(jsonb_agg(
               jsonb_strip_nulls(jsonb_build_object(
                   'name', c.name,
                   'physicalType', c.type,
                   'logicalType', mesh._odcs_logical_type(c.type),
                   'required', NOT c.nullable,
                   'unique', CASE WHEN k.is_unique THEN true END,
                   -- false only when declared: then it overrides the server
                   'primaryKey', CASE WHEN c.primary_key THEN true
                                      WHEN c.declared -> 'primary_key' = 'false' THEN false END,
                   'primaryKeyPosition', CASE WHEN c.primary_key THEN k.pk_position END,
                   'description', c.description,
                   'classification', c.classification,
                   'tags', c.declared -> 'tags',
                   'examples', c.declared -> 'examples',
                   'quality', (SELECT nullif(coalesce(jsonb_agg(mesh._odcs_rule(x.chk, odcs -> 'checks' -> (x.chk ->> 'name'))
                                                                 ORDER BY x.n), '[]')
                                             || coalesce((SELECT jsonb_agg(q -> 'rule' ORDER BY qn)
                                                            FROM jsonb_array_elements(odcs -> 'quality')
                                                                 WITH ORDINALITY AS qq(q, qn)
                                                           WHERE q ->> 'column' = c.name), '[]'), '[]')
                                 FROM jsonb_array_elements(checks) WITH ORDINALITY AS x(chk, n)
                                WHERE x.chk ->> 'column' = c.name
                                  AND x.chk ->> 'kind' IN ('null', 'missing', 'duplicate', 'invalid'))))
               || coalesce(c.declared -> 'odcs', '{}')
               || CASE WHEN (c.declared - mesh._odcs_known_keys('column')) <> '{}'
                            OR c.declared -> 'odcs' ? 'customProperties'
                       THEN jsonb_build_object('customProperties',
                                coalesce(c.declared -> 'odcs' -> 'customProperties', '[]')
                                || mesh._odcs_custom(c.declared - mesh._odcs_known_keys('column')))
                       ELSE '{}' END
               ORDER BY c.position), '[]')
      INTO properties
      FROM mesh.data_product_columns c
      LEFT JOIN mesh._odcs_key_facts(p.port) k ON k.name = c.name
     WHERE c.product_id = p.id;

    SELECT nullif(coalesce(jsonb_agg(mesh._odcs_rule(x.chk, odcs -> 'checks' -> (x.chk ->> 'name'))
                                     ORDER BY x.n), '[]')
                  || coalesce((SELECT jsonb_agg(q -> 'rule' ORDER BY qn)
                                 FROM jsonb_array_elements(odcs -> 'quality') WITH ORDINALITY AS qq(q, qn)
                                WHERE NOT q ? 'column'), '[]'), '[]')
      INTO quality
      FROM jsonb_array_elements(checks) WITH ORDINALITY AS x(chk, n)
     WHERE NOT (x.chk ? 'column' AND x.chk ->> 'kind' IN ('null', 'missing', 'duplicate', 'invalid')
                AND x.chk ->> 'column' IN (SELECT c.name FROM mesh.data_product_columns c WHERE c.product_id = p.id));

    IF d -> 'sla' ? 'freshness' THEN
        sla := jsonb_build_array(coalesce(odcs -> 'slaFreshness', '{"property": "latency"}')
                                 || mesh._odcs_sla_value(d -> 'sla' ->> 'freshness'));
    END IF;
    sla := sla || coalesce(odcs -> 'slaProperties', '[]');

    SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(s) = 'object' THEN
                                  (s - (SELECT coalesce(array_agg(k), '{}') FROM jsonb_object_keys(s) k
                                         WHERE NOT k = ANY (mesh._odcs_known_keys('support'))))
                                  || CASE WHEN (s - mesh._odcs_known_keys('support')) <> '{}'
                                          THEN jsonb_build_object('customProperties',
                                                   coalesce(s -> 'customProperties', '[]')
                                                   || mesh._odcs_custom(s - mesh._odcs_known_keys('support')))
                                          ELSE '{}' END
                                  ELSE s END), '[]')
      INTO support
      FROM jsonb_array_elements(coalesce(d -> 'support', '[]')) AS e(s);

    extra := d - modelled;
    IF (d -> 'sla') - 'freshness' <> '{}' THEN
        extra := extra || jsonb_build_object('sla', (d -> 'sla') - 'freshness');
    END IF;
    extra := extra - (SELECT coalesce(array_agg(k), '{}') FROM jsonb_each(extra) AS e(k, v)
                       WHERE v IN ('[]', '{}'));
    custom := coalesce(odcs -> 'customProperties', '[]') || mesh._odcs_custom(extra);

    RETURN jsonb_strip_nulls(jsonb_build_object(
        'apiVersion', 'v3.1.0',
        'kind', 'DataContract',
        'id', coalesce(odcs ->> 'id', product),
        'name', coalesce(odcs ->> 'name', p.name),
        'dataProduct', CASE WHEN odcs ? 'dataProduct' THEN p.name END,
        'version', p.version,
        'status', coalesce(odcs ->> 'status', p.status),
        'domain', p.domain,
        'description', coalesce(odcs -> 'description', '{}') || jsonb_build_object('purpose', p.purpose),
        'tags', nullif(to_jsonb(p.tags), '[]'),
        'schema', jsonb_build_array(
            coalesce(odcs -> 'schema', '{}')
            || jsonb_strip_nulls(jsonb_build_object(
                   'name', coalesce(odcs -> 'schema' ->> 'name', p.name),
                   -- schema-qualified, whatever search_path the product was created with
                   'physicalName', CASE WHEN p.source_kind = 'relation' THEN mesh._relation_name(p.source_relation) END,
                   'physicalType', coalesce(odcs -> 'schema' ->> 'physicalType', mesh._odcs_source_type(p)),
                   'description', p.description,
                   'properties', properties,
                   'quality', quality,
                   'customProperties', nullif(coalesce(odcs -> 'schemaCustomProperties', '[]')
                                              || CASE WHEN p.source_kind = 'query'
                                                      THEN mesh._odcs_custom(jsonb_build_object('sourceQuery', p.source))
                                                      ELSE '[]' END, '[]')))),
        'support', nullif(support, '[]'),
        'slaProperties', nullif(sla, '[]'),
        'customProperties', nullif(custom, '[]')))
        || (odcs - ARRAY['id', 'name', 'dataProduct', 'status', 'description', 'schema', 'schemaCustomProperties',
                         'quality', 'checks', 'slaFreshness', 'slaProperties', 'customProperties']);
END
$$;
COMMENT ON FUNCTION mesh.export_contract(text) IS
    'the ODCS v3.1.0 contract of a data product, as JSON';

CREATE FUNCTION mesh.export_contract_yaml(product text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT mesh._odcs_to_yaml(mesh.export_contract(product)) $$;
COMMENT ON FUNCTION mesh.export_contract_yaml(text) IS
    'the ODCS v3.1.0 contract of a data product, as YAML';

REVOKE ALL ON FUNCTION
    mesh._odcs_parse(text), mesh._odcs_to_yaml(jsonb), mesh._odcs_format_type(text),
    mesh._odcs_server_type(text), mesh._odcs_logical_type(text), mesh._odcs_interval(jsonb, text),
    mesh._odcs_sla_value(text), mesh._odcs_key_facts(regclass), mesh._odcs_known_keys(text),
    mesh._odcs_split_custom(jsonb), mesh._odcs_custom(jsonb), mesh._odcs_check(jsonb, text, text, integer),
    mesh._odcs_rule(jsonb, jsonb), mesh._odcs_operators(), mesh._odcs_source_type(mesh.data_products), mesh._odcs_raise(text[], text, text), mesh._odcs_contract_path(text, jsonb),
    mesh._odcs_check_message(text, jsonb), mesh._on_store_40_odcs(regrole, bigint, jsonb),
    mesh._odcs_to_descriptor(jsonb), mesh._odcs_replace_patch(jsonb, jsonb),
    mesh._odcs_strip_defaults(jsonb, mesh.data_products), mesh._odcs_check_claims(text, regclass, text, regclass, jsonb, jsonb),
    mesh._import_contract(regrole, text)
    FROM PUBLIC;
-- the export runs as the reader: its read-only helpers are everyone's, and so
-- is the column origin tracing they use (what it reads, pg_rewrite, is public)
GRANT EXECUTE ON FUNCTION
    mesh._column_origins(regclass),
    mesh._odcs_to_yaml(jsonb), mesh._odcs_logical_type(text), mesh._odcs_sla_value(text),
    mesh._odcs_key_facts(regclass), mesh._odcs_known_keys(text), mesh._odcs_custom(jsonb),
    mesh._odcs_rule(jsonb, jsonb), mesh._odcs_check(jsonb, text, text, integer), mesh._odcs_operators(),
    mesh._odcs_source_type(mesh.data_products)
    TO PUBLIC;
