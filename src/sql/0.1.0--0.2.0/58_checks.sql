-- Data quality checks: declared in a product's descriptor (`checks`) or with
-- mesh.add_check(), run on demand (mesh.run_checks) or by the scheduler
-- (mesh._run_due_checks), with a history of results and a quality score.
--
-- All column checks of one product are computed in ONE aggregate query over
-- its output port (one aggregate per check); checks that cannot be
-- aggregates (schema, distribution, referential, custom SQL) run their own
-- query.  Every query runs through mesh._check_query (src/checks_exec.c): as
-- the product owner, never a superuser, read-only, under
-- meshpg.check_statement_timeout; each check is evaluated inside its own
-- subtransaction so that one error records status 'error' and the others go
-- on.  Values from definitions (accepted values, regexes, bounds) are query
-- parameters; identifiers go through format('%I').  See docs/checks.md.

CREATE SEQUENCE mesh.check_id_seq;
CREATE SEQUENCE mesh.check_run_id_seq;

CREATE TABLE mesh.checks (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('mesh.check_id_seq'),
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    name            text NOT NULL
                    CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND octet_length(name) <= 63),
    kind            text NOT NULL,
    definition      jsonb NOT NULL,
    severity        text NOT NULL DEFAULT 'error' CHECK (severity IN ('warn', 'error')),
    schedule        interval CHECK (schedule > interval '0'),
    enabled         boolean NOT NULL DEFAULT true,
    declared_in     text NOT NULL CHECK (declared_in IN ('descriptor', 'api')),
    -- what a check remembers between runs: the last seen schema, the stored profile
    state           jsonb NOT NULL DEFAULT '{}',
    last_run_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    UNIQUE (product_id, name)
);
COMMENT ON TABLE mesh.checks IS 'data quality checks of data products; definition is the normalized declaration';

CREATE TABLE mesh.check_runs (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('mesh.check_run_id_seq'),
    check_id        bigint NOT NULL REFERENCES mesh.checks (id) ON DELETE CASCADE,
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL,
    status          text NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'error')),
    observed        jsonb,
    threshold       jsonb,
    message         text,
    duration        interval NOT NULL,
    rows_scanned    bigint,
    triggered_by    text NOT NULL CHECK (triggered_by IN ('manual', 'schedule'))
);
COMMENT ON TABLE mesh.check_runs IS 'history of check results; checks run in one pass share its duration';
CREATE INDEX check_runs_check_idx ON mesh.check_runs (check_id, started_at DESC);
CREATE INDEX check_runs_product_idx ON mesh.check_runs (product_id, started_at DESC);

SELECT pg_catalog.pg_extension_config_dump('mesh.check_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.check_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.checks', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.check_runs', '');

REVOKE ALL ON mesh.checks, mesh.check_runs, mesh.check_id_seq, mesh.check_run_id_seq FROM PUBLIC;
-- Everybody reads which checks exist and how they went, but not what they
-- saw: observed values, messages and stored profiles hold the data of the
-- port (a categorical profile lists its values, a metric its min or max),
-- read as the owner.  mesh.check_status shows them to members of the product
-- or domain owner only; the rest stays with the extension owner.
GRANT SELECT (id, product_id, name, kind, definition, severity, schedule, enabled, declared_in,
              last_run_at, created_at, created_by) ON mesh.checks TO PUBLIC;
GRANT SELECT (id, check_id, product_id, started_at, finished_at, status, threshold, duration,
              rows_scanned, triggered_by) ON mesh.check_runs TO PUBLIC;

CREATE TYPE mesh.check_result AS (
    name        text,
    kind        text,
    status      text,
    observed    jsonb,
    threshold   jsonb,
    message     text,
    duration    interval
);

-- the C side: run a query as the owner, read-only, under the time limit
CREATE FUNCTION mesh._check_query(owner regrole, query text, params text[], mode text, search_path text)
    RETURNS text[]
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_check_query';

CREATE FUNCTION mesh._check_sql_is_select(query text, what text)
    RETURNS void
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'meshpg_check_sql_is_select';

------------------------------------------------------------------------------
-- Validation of a check declaration
------------------------------------------------------------------------------

CREATE FUNCTION mesh._check_invalid(path text, problem text, hint text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    RAISE EXCEPTION 'invalid check: %: %', path, problem
        USING ERRCODE = 'invalid_parameter_value',
              HINT = hint;
END
$$;

-- a column of the port: its type oid, type name and type category
CREATE FUNCTION mesh._check_port_column(port regclass, column_name text,
                                        OUT typid oid, OUT typname text, OUT category "char")
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod), t.typcategory
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid  -- a domain has its base type's category
     WHERE a.attrelid = port AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped
$$;

CREATE FUNCTION mesh._check_kinds() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT ARRAY['row_count', 'null', 'missing', 'invalid', 'duplicate', 'referential',
                       'freshness', 'retention', 'schema', 'metric', 'volume_anomaly',
                       'distribution', 'custom_metric', 'failed_rows'] $$;

-- the keys each kind accepts besides the common ones
CREATE FUNCTION mesh._check_kind_keys(kind text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE kind
        WHEN 'row_count' THEN ARRAY['operator', 'value', 'min', 'max']
        WHEN 'null' THEN ARRAY['column', 'fail_above', 'warn_above', 'unit']
        WHEN 'missing' THEN ARRAY['column', 'fail_above', 'warn_above', 'unit']
        WHEN 'invalid' THEN ARRAY['column', 'fail_above', 'warn_above', 'unit', 'accepted_values',
                                  'regex', 'min', 'max', 'min_length', 'max_length']
        WHEN 'duplicate' THEN ARRAY['column', 'columns', 'fail_above', 'warn_above', 'unit']
        WHEN 'referential' THEN ARRAY['column', 'references', 'fail_above', 'warn_above', 'unit']
        WHEN 'freshness' THEN ARRAY['column', 'max_age']
        WHEN 'retention' THEN ARRAY['column', 'period']
        WHEN 'schema' THEN ARRAY['columns', 'exact']
        WHEN 'metric' THEN ARRAY['column', 'metric', 'operator', 'value', 'min', 'max']
        WHEN 'volume_anomaly' THEN ARRAY['k', 'min_history', 'window']
        WHEN 'distribution' THEN ARRAY['column', 'method', 'bins', 'fail_above', 'warn_above']
        WHEN 'custom_metric' THEN ARRAY['sql', 'operator', 'value', 'min', 'max']
        WHEN 'failed_rows' THEN ARRAY['sql', 'fail_above', 'warn_above', 'unit']
    END
$$;

CREATE FUNCTION mesh._check_number(def jsonb, key text, path text, minimum numeric DEFAULT NULL)
    RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    v numeric;
BEGIN
    IF NOT def ? key THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(def -> key) <> 'number' THEN
        PERFORM mesh._check_invalid(path || '.' || key, 'must be a number',
                                    format('Write "%s": 10 or similar, without quotes.', key));
    END IF;
    v := (def ->> key)::numeric;
    IF minimum IS NOT NULL AND v < minimum THEN
        PERFORM mesh._check_invalid(path || '.' || key, format('must be at least %s', minimum),
                                    format('Give a "%s" of %s or more.', key, minimum));
    END IF;
    RETURN v;
END
$$;

CREATE FUNCTION mesh._check_interval(def jsonb, key text, path text, required boolean) RETURNS interval
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    v interval;
BEGIN
    IF NOT def ? key THEN
        IF required THEN
            PERFORM mesh._check_invalid(path || '.' || key, 'is required',
                                        format('Give "%s" as an interval such as ''1 day''.', key));
        END IF;
        RETURN NULL;
    END IF;
    BEGIN
        IF jsonb_typeof(def -> key) <> 'string' THEN
            RAISE invalid_datetime_format;
        END IF;
        v := (def ->> key)::interval;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
        PERFORM mesh._check_invalid(path || '.' || key, 'must be an interval',
                                    format('Write "%s": "1 day", "6 hours" or "30 minutes".', key));
    END;
    IF v <= interval '0' THEN
        PERFORM mesh._check_invalid(path || '.' || key, 'must be positive',
                                    format('Give "%s" a duration greater than zero.', key));
    END IF;
    RETURN v;
END
$$;

-- the column a check is about (keypath: its JSON path): it must exist in the port
CREATE FUNCTION mesh._check_column(column_name jsonb, keypath text, port regclass)
    RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    c record;
BEGIN
    IF jsonb_typeof(column_name) IS DISTINCT FROM 'string' THEN
        PERFORM mesh._check_invalid(keypath, 'is required and must be a column name',
                                    'Name a column of the output port.');
    END IF;
    SELECT * INTO c FROM mesh._check_port_column(port, column_name #>> '{}');
    IF c.typid IS NULL THEN
        PERFORM mesh._check_invalid(keypath,
                                    format('column %s does not exist in the output port', quote_ident(column_name #>> '{}')),
                                    'List the columns with SELECT name FROM mesh.data_product_columns.');
    END IF;
    RETURN c;
END
$$;

-- operator + value, or 'between' with min and max
CREATE FUNCTION mesh._check_comparison(def jsonb, path text, default_operator text, default_value numeric)
    RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    op text := coalesce(def ->> 'operator', CASE WHEN def ? 'min' OR def ? 'max' THEN 'between' END,
                        default_operator);
    lo numeric := mesh._check_number(def, 'min', path);
    hi numeric := mesh._check_number(def, 'max', path);
    v numeric := mesh._check_number(def, 'value', path);
BEGIN
    IF op IS NULL OR op NOT IN ('<', '<=', '=', '<>', '>=', '>', 'between') THEN
        PERFORM mesh._check_invalid(path || '.operator', format('unknown operator %s', coalesce(def -> 'operator', 'null')),
                                    'Use one of <, <=, =, <>, >=, > or between.');
    END IF;
    IF op = 'between' THEN
        IF lo IS NULL AND hi IS NULL THEN
            PERFORM mesh._check_invalid(path, 'operator between needs "min" or "max"',
                                        'Give "min", "max" or both.');
        END IF;
        IF lo > hi THEN
            PERFORM mesh._check_invalid(path || '.min', 'is greater than "max"', 'Swap "min" and "max".');
        END IF;
        RETURN jsonb_strip_nulls(jsonb_build_object('operator', op, 'min', lo, 'max', hi));
    END IF;
    v := coalesce(v, default_value);
    IF v IS NULL THEN
        PERFORM mesh._check_invalid(path || '.value', 'is required with operator ' || op,
                                    'Give the number to compare with, e.g. "value": 0.');
    END IF;
    RETURN jsonb_build_object('operator', op, 'value', v);
END
$$;

-- fail_above / warn_above in rows or percent
CREATE FUNCTION mesh._check_limits(def jsonb, path text, allow_percent boolean) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    unit text := coalesce(def ->> 'unit', 'rows');
    fail_above numeric := coalesce(mesh._check_number(def, 'fail_above', path, 0), 0);
    warn_above numeric := mesh._check_number(def, 'warn_above', path, 0);
BEGIN
    IF unit NOT IN ('rows', 'percent') OR (unit = 'percent' AND NOT allow_percent) THEN
        PERFORM mesh._check_invalid(path || '.unit', format('unknown unit %s', def -> 'unit'),
                                    CASE WHEN allow_percent THEN 'Use "rows" or "percent".'
                                         ELSE 'This kind counts rows only: use "rows".' END);
    END IF;
    IF unit = 'percent' AND fail_above > 100 THEN
        PERFORM mesh._check_invalid(path || '.fail_above', 'a percentage cannot exceed 100',
                                    'Give a percentage between 0 and 100.');
    END IF;
    IF warn_above IS NOT NULL AND warn_above >= fail_above THEN
        PERFORM mesh._check_invalid(path || '.warn_above', 'must be below "fail_above"',
                                    'Warnings start before failures: make "warn_above" smaller than "fail_above".');
    END IF;
    RETURN jsonb_strip_nulls(jsonb_build_object('unit', unit, 'fail_above', fail_above, 'warn_above', warn_above));
END
$$;

-- a JSON scalar given as a bound of a range check: kept as text, cast to the
-- column's type only when the check runs (as the owner)
CREATE FUNCTION mesh._check_scalar(def jsonb, key text, path text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF def ? key AND jsonb_typeof(def -> key) NOT IN ('number', 'string') THEN
        PERFORM mesh._check_invalid(path || '.' || key, 'must be a number or a string',
                                    'Write a value of the column''s type, e.g. 0 or "2024-01-01".');
    END IF;
    RETURN def -> key;
END
$$;

/*
 * One declaration, validated against the port; returns the normalized check
 * {name, kind, severity, schedule, enabled, description, ...kind keys}.
 * Every error names the JSON path of the offending key.
 */
CREATE FUNCTION mesh._normalize_check(chk jsonb, path text, port regclass) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    kind text;
    name text;
    norm jsonb;
    col record;
    key text;
    common constant text[] := ARRAY['name', 'kind', 'severity', 'schedule', 'enabled', 'description'];
    cols jsonb;
    ref regclass;
    refcol text;
    v jsonb;
BEGIN
    IF jsonb_typeof(chk) IS DISTINCT FROM 'object' THEN
        PERFORM mesh._check_invalid(path, 'must be an object',
                                    'Write a check as {"name": ..., "kind": ..., ...}.');
    END IF;
    kind := chk ->> 'kind';
    name := chk ->> 'name';
    IF jsonb_typeof(chk -> 'name') IS DISTINCT FROM 'string' THEN
        PERFORM mesh._check_invalid(path || '.name', 'is required and must be a string',
                                    'Name the check, e.g. "email_not_null".');
    END IF;
    IF name !~ '^[a-z][a-z0-9_]*$' OR octet_length(name) > 63 THEN
        PERFORM mesh._check_invalid(path || '.name', format('invalid check name %s', chk -> 'name'),
                                    'Use lower-case letters, digits and underscores, starting with a letter, at most 63 bytes.');
    END IF;
    IF jsonb_typeof(chk -> 'kind') IS DISTINCT FROM 'string' OR NOT kind = ANY (mesh._check_kinds()) THEN
        PERFORM mesh._check_invalid(path || '.kind', format('unknown kind %s', coalesce(chk -> 'kind', 'null')),
                                    'Use one of ' || array_to_string(mesh._check_kinds(), ', ') || '.');
    END IF;
    FOR key IN SELECT jsonb_object_keys(chk) LOOP
        IF NOT key = ANY (common || mesh._check_kind_keys(kind)) THEN
            PERFORM mesh._check_invalid(path || '.' || key, format('unknown key for a %s check', kind),
                                        'Keys of this kind: ' || array_to_string(common || mesh._check_kind_keys(kind), ', ') || '.');
        END IF;
    END LOOP;
    IF coalesce(chk ->> 'severity', 'error') NOT IN ('warn', 'error') THEN
        PERFORM mesh._check_invalid(path || '.severity', format('unknown severity %s', chk -> 'severity'),
                                    'Use "warn" or "error".');
    END IF;
    IF chk ? 'enabled' AND jsonb_typeof(chk -> 'enabled') <> 'boolean' THEN
        PERFORM mesh._check_invalid(path || '.enabled', 'must be true or false', 'Write "enabled": false to pause a check.');
    END IF;
    IF chk ? 'description' AND jsonb_typeof(chk -> 'description') <> 'string' THEN
        PERFORM mesh._check_invalid(path || '.description', 'must be a string', 'Describe the check in words.');
    END IF;
    norm := jsonb_build_object('name', name, 'kind', kind,
                              'severity', coalesce(chk ->> 'severity', 'error'),
                              'enabled', coalesce((chk ->> 'enabled')::boolean, true),
                              'schedule', mesh._check_interval(chk, 'schedule', path, false))
           || jsonb_strip_nulls(jsonb_build_object('description', chk ->> 'description'));

    CASE kind
    WHEN 'row_count' THEN
        norm := norm || mesh._check_comparison(chk, path, '>', 0);
    WHEN 'null', 'missing' THEN
        col := mesh._check_column(chk -> 'column', path || '.column', port);
        norm := norm || jsonb_build_object('column', chk ->> 'column') || mesh._check_limits(chk, path, true);
    WHEN 'invalid' THEN
        col := mesh._check_column(chk -> 'column', path || '.column', port);
        norm := norm || jsonb_build_object('column', chk ->> 'column') || mesh._check_limits(chk, path, true);
        IF NOT (chk ?| ARRAY['accepted_values', 'regex', 'min', 'max', 'min_length', 'max_length']) THEN
            PERFORM mesh._check_invalid(path, 'an invalid check needs a rule',
                                        'Give "accepted_values", "regex", "min"/"max" or "min_length"/"max_length".');
        END IF;
        IF chk ? 'accepted_values' THEN
            IF jsonb_typeof(chk -> 'accepted_values') <> 'array' OR jsonb_array_length(chk -> 'accepted_values') = 0
               OR EXISTS (SELECT FROM jsonb_array_elements(chk -> 'accepted_values') e
                           WHERE jsonb_typeof(e) NOT IN ('string', 'number', 'boolean')) THEN
                PERFORM mesh._check_invalid(path || '.accepted_values', 'must be a non-empty array of strings or numbers',
                                            'Write "accepted_values": ["new", "paid", "shipped"].');
            END IF;
            norm := norm || jsonb_build_object('accepted_values',
                     (SELECT jsonb_agg(e #>> '{}') FROM jsonb_array_elements(chk -> 'accepted_values') e));
        END IF;
        IF chk ? 'regex' THEN
            IF jsonb_typeof(chk -> 'regex') <> 'string' THEN
                PERFORM mesh._check_invalid(path || '.regex', 'must be a string', 'Write a POSIX regular expression.');
            END IF;
            BEGIN
                PERFORM '' ~ (chk ->> 'regex');
            EXCEPTION WHEN invalid_regular_expression THEN
                PERFORM mesh._check_invalid(path || '.regex', SQLERRM,
                                            'Write a POSIX regular expression (PostgreSQL''s ~ operator).');
            END;
            norm := norm || jsonb_build_object('regex', chk ->> 'regex');
        END IF;
        norm := norm || jsonb_strip_nulls(jsonb_build_object(
                   'min', mesh._check_scalar(chk, 'min', path), 'max', mesh._check_scalar(chk, 'max', path),
                   'min_length', mesh._check_number(chk, 'min_length', path, 0),
                   'max_length', mesh._check_number(chk, 'max_length', path, 0)));
        IF (norm ->> 'min_length')::numeric > (norm ->> 'max_length')::numeric THEN
            PERFORM mesh._check_invalid(path || '.min_length', 'is greater than "max_length"', 'Swap them.');
        END IF;
    WHEN 'duplicate' THEN
        IF chk ? 'column' AND chk ? 'columns' THEN
            PERFORM mesh._check_invalid(path || '.columns', 'give "column" or "columns", not both',
                                        'Use "columns": [...] for a key of several columns.');
        END IF;
        cols := CASE WHEN chk ? 'column' THEN jsonb_build_array(chk -> 'column') ELSE chk -> 'columns' END;
        IF jsonb_typeof(cols) IS DISTINCT FROM 'array' OR jsonb_array_length(cols) = 0 THEN
            PERFORM mesh._check_invalid(path || '.columns', 'is required and must be a non-empty array of column names',
                                        'Write "columns": ["order_id"] or "column": "order_id".');
        END IF;
        FOR i IN 0 .. jsonb_array_length(cols) - 1 LOOP
            col := mesh._check_column(cols -> i, format('%s.columns[%s]', path, i), port);
        END LOOP;
        IF (SELECT count(DISTINCT e) <> count(*) FROM jsonb_array_elements(cols) e) THEN
            PERFORM mesh._check_invalid(path || '.columns', 'names a column twice', 'Name each column once.');
        END IF;
        norm := norm || jsonb_build_object('columns', cols) || mesh._check_limits(chk, path, true);
    WHEN 'referential' THEN
        col := mesh._check_column(chk -> 'column', path || '.column', port);
        v := chk -> 'references';
        IF jsonb_typeof(v) IS DISTINCT FROM 'object' OR jsonb_typeof(v -> 'relation') IS DISTINCT FROM 'string'
           OR jsonb_typeof(v -> 'column') IS DISTINCT FROM 'string'
           OR EXISTS (SELECT FROM jsonb_object_keys(v) k WHERE k NOT IN ('relation', 'column')) THEN
            PERFORM mesh._check_invalid(path || '.references', 'must be {"relation": "schema.table", "column": "name"}',
                                        'Name the referenced relation, schema-qualified, and its column.');
        END IF;
        BEGIN
            ref := to_regclass(v ->> 'relation');
        EXCEPTION WHEN OTHERS THEN
            ref := NULL;
        END;
        IF ref IS NULL OR (v ->> 'relation') !~ '\.' THEN
            PERFORM mesh._check_invalid(path || '.references.relation',
                                        format('relation %s does not exist', v -> 'relation'),
                                        'Give an existing relation, schema-qualified, e.g. "sales.customers".');
        END IF;
        SELECT a.attname INTO refcol FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = ref AND a.attname = v ->> 'column' AND a.attnum > 0 AND NOT a.attisdropped;
        IF refcol IS NULL THEN
            PERFORM mesh._check_invalid(path || '.references.column',
                                        format('column %s does not exist in %s', quote_ident(v ->> 'column'), ref),
                                        'Name a column of the referenced relation.');
        END IF;
        norm := norm || jsonb_build_object('column', chk ->> 'column',
                                         'references', jsonb_build_object('relation', ref::text, 'column', refcol))
                   || mesh._check_limits(chk, path, true);
    WHEN 'freshness', 'retention' THEN
        col := mesh._check_column(chk -> 'column', path || '.column', port);
        IF col.category <> 'D' THEN
            PERFORM mesh._check_invalid(path || '.column',
                                        format('column %s is of type %s, not a date or timestamp', quote_ident(chk ->> 'column'), col.typname),
                                        'Name a date, timestamp or timestamptz column.');
        END IF;
        norm := norm || jsonb_build_object('column', chk ->> 'column');
        IF kind = 'freshness' THEN
            norm := norm || jsonb_build_object('max_age', mesh._check_interval(chk, 'max_age', path, true));
        ELSE
            norm := norm || jsonb_build_object('period', mesh._check_interval(chk, 'period', path, true));
        END IF;
    WHEN 'schema' THEN
        IF chk ? 'exact' AND jsonb_typeof(chk -> 'exact') <> 'boolean' THEN
            PERFORM mesh._check_invalid(path || '.exact', 'must be true or false',
                                        'Write "exact": true to refuse columns that are not expected.');
        END IF;
        cols := '{}';
        IF chk ? 'columns' THEN
            IF jsonb_typeof(chk -> 'columns') <> 'object' THEN
                PERFORM mesh._check_invalid(path || '.columns', 'must be an object of column names and types',
                                            'Write "columns": {"id": "bigint", "email": "text"}.');
            END IF;
            FOR key, v IN SELECT * FROM jsonb_each(chk -> 'columns') LOOP
                IF jsonb_typeof(v) <> 'string' OR to_regtype(v #>> '{}') IS NULL THEN
                    PERFORM mesh._check_invalid(path || '.columns.' || key, format('unknown type %s', v),
                                                'Give a type name such as "bigint", "text" or "timestamp with time zone".');
                END IF;
                cols := cols || jsonb_build_object(key, format_type(to_regtype(v #>> '{}'), NULL));
            END LOOP;
        END IF;
        norm := norm || jsonb_build_object('columns', cols, 'exact', coalesce((chk ->> 'exact')::boolean, false));
    WHEN 'metric' THEN
        col := mesh._check_column(chk -> 'column', path || '.column', port);
        IF coalesce(chk ->> 'metric', '') NOT IN ('min', 'max', 'avg', 'sum', 'stddev', 'distinct_count') THEN
            PERFORM mesh._check_invalid(path || '.metric', format('unknown metric %s', coalesce(chk -> 'metric', 'null')),
                                        'Use min, max, avg, sum, stddev or distinct_count.');
        END IF;
        IF chk ->> 'metric' <> 'distinct_count' AND col.category <> 'N' THEN
            PERFORM mesh._check_invalid(path || '.column',
                                        format('column %s is of type %s, not a number', quote_ident(chk ->> 'column'), col.typname),
                                        'Only distinct_count applies to columns that are not numbers.');
        END IF;
        norm := norm || jsonb_build_object('column', chk ->> 'column', 'metric', chk ->> 'metric')
                   || mesh._check_comparison(chk, path, NULL, NULL);
    WHEN 'volume_anomaly' THEN
        norm := norm || jsonb_build_object('k', coalesce(mesh._check_number(chk, 'k', path, 0.1), 3),
                                         'min_history', coalesce(mesh._check_number(chk, 'min_history', path, 3), 7),
                                         'window', coalesce(mesh._check_number(chk, 'window', path, 3), 30));
        IF (norm ->> 'window')::numeric < (norm ->> 'min_history')::numeric THEN
            PERFORM mesh._check_invalid(path || '.window', 'is smaller than "min_history"',
                                        'The window of past runs must hold at least "min_history" runs.');
        END IF;
    WHEN 'distribution' THEN
        col := mesh._check_column(chk -> 'column', path || '.column', port);
        IF coalesce(chk ->> 'method', CASE WHEN col.category = 'N' THEN 'histogram' ELSE 'categorical' END)
           NOT IN ('histogram', 'categorical') THEN
            PERFORM mesh._check_invalid(path || '.method', format('unknown method %s', chk -> 'method'),
                                        'Use "categorical" (frequencies of values) or "histogram" (numbers).');
        END IF;
        IF chk ->> 'method' = 'histogram' AND col.category <> 'N' THEN
            PERFORM mesh._check_invalid(path || '.method', format('column %s is not a number', quote_ident(chk ->> 'column')),
                                        'Use "categorical" for columns that are not numbers.');
        END IF;
        norm := norm || jsonb_build_object(
                   'column', chk ->> 'column',
                   'method', coalesce(chk ->> 'method', CASE WHEN col.category = 'N' THEN 'histogram' ELSE 'categorical' END),
                   'bins', coalesce(mesh._check_number(chk, 'bins', path, 2), 10),
                   'fail_above', coalesce(mesh._check_number(chk, 'fail_above', path, 0), 0.25))
               || jsonb_strip_nulls(jsonb_build_object('warn_above', mesh._check_number(chk, 'warn_above', path, 0)));
        IF (norm ->> 'bins')::numeric > 1000 OR (norm ->> 'bins')::numeric <> trunc((norm ->> 'bins')::numeric) THEN
            PERFORM mesh._check_invalid(path || '.bins', 'must be a whole number from 2 to 1000', 'Use 10 bins or so.');
        END IF;
        IF (norm ->> 'warn_above')::numeric >= (norm ->> 'fail_above')::numeric THEN
            PERFORM mesh._check_invalid(path || '.warn_above', 'must be below "fail_above"',
                                        'Make "warn_above" smaller than "fail_above".');
        END IF;
    WHEN 'custom_metric', 'failed_rows' THEN
        IF jsonb_typeof(chk -> 'sql') IS DISTINCT FROM 'string' THEN
            PERFORM mesh._check_invalid(path || '.sql', 'is required and must be a string',
                                        'Write one SELECT query.');
        END IF;
        PERFORM mesh._check_sql_is_select(chk ->> 'sql', format('invalid check: %s.sql: custom SQL', path));
        norm := norm || jsonb_build_object('sql', chk ->> 'sql');
        IF kind = 'custom_metric' THEN
            norm := norm || mesh._check_comparison(chk, path, NULL, NULL);
        ELSE
            norm := norm || mesh._check_limits(chk, path, false);
        END IF;
    END CASE;
    RETURN norm;
END
$$;

-- tell the monitor (incidents) about a result, once its functions exist:
-- status NULL means the check is gone (dropped), which resolves its incident
CREATE FUNCTION mesh._check_notify_incident(product_id bigint, check_name text, kind text, status text,
                                            message text, observed jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF to_regprocedure('mesh._open_incident(bigint,text,text,text,jsonb)') IS NULL
       OR to_regprocedure('mesh._resolve_incident(bigint,text,text)') IS NULL THEN
        RETURN;
    END IF;
    IF status IS NULL OR status = 'pass' THEN
        EXECUTE 'SELECT mesh._resolve_incident($1, $2, $3)' USING product_id, 'check', check_name;
    ELSE
        EXECUTE 'SELECT mesh._open_incident($1, $2, $3, $4, $5)'
          USING product_id, 'check', check_name, CASE WHEN status = 'warn' THEN 'warn' ELSE 'error' END,
                -- everybody reads incidents: no observed values or message (they hold port data)
                jsonb_build_object('status', status, 'kind', kind);
    END IF;
END
$$;

------------------------------------------------------------------------------
-- Declaring checks: the descriptor handler, add_check, drop_check
------------------------------------------------------------------------------

-- insert or update one normalized check; a changed definition forgets its state
CREATE FUNCTION mesh._save_check(caller regrole, product_id bigint, normalized jsonb, declared_in text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    existing mesh.checks;
    def jsonb := normalized - 'name' - 'kind' - 'severity' - 'schedule' - 'enabled';
    check_id bigint;
    owner_role regrole := (SELECT p.owner FROM mesh.data_products p WHERE p.id = product_id);
BEGIN
    SELECT * INTO existing FROM mesh.checks c
     WHERE c.product_id = _save_check.product_id AND c.name = normalized ->> 'name' FOR UPDATE;
    IF FOUND AND (declared_in = 'api' OR existing.declared_in = 'api') THEN
        RAISE EXCEPTION 'check "%" already exists on data product "%"', normalized ->> 'name',
                        (SELECT domain || '.' || name FROM mesh.data_products WHERE id = product_id)
            USING ERRCODE = 'duplicate_object',
                  DETAIL = format('It was declared %s.', CASE existing.declared_in WHEN 'api' THEN 'with mesh.add_check()'
                                                                               ELSE 'in the descriptor' END),
                  HINT = 'Choose another name, or drop the existing check first.';
    END IF;
    -- Custom SQL and referential checks read beyond the port, as the product
    -- owner: only members of that role may write or change one (a member of
    -- the domain owner alone could otherwise read what the product owner can).
    IF normalized ->> 'kind' IN ('custom_metric', 'failed_rows', 'referential')
       AND (existing.id IS NULL OR existing.kind <> normalized ->> 'kind' OR existing.definition <> def)
       AND NOT pg_has_role(caller, owner_role, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to declare check "%" of data product "%"', normalized ->> 'name',
                        (SELECT domain || '.' || name FROM mesh.data_products WHERE id = product_id)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('A %s check runs its query as the product owner %s, and only members of that role may write one.',
                                  normalized ->> 'kind', quote_ident(mesh._role_name(owner_role))),
                  HINT = format('Ask a member of %s to declare it, or for GRANT %s TO %s.',
                                quote_ident(mesh._role_name(owner_role)), quote_ident(mesh._role_name(owner_role)),
                                quote_ident(mesh._role_name(caller)));
    END IF;
    IF existing.id IS NOT NULL THEN
        UPDATE mesh.checks c
           SET kind = normalized ->> 'kind', definition = def, severity = normalized ->> 'severity',
               schedule = (normalized ->> 'schedule')::interval, enabled = (normalized ->> 'enabled')::boolean,
               state = CASE WHEN c.kind = normalized ->> 'kind' AND c.definition = def THEN c.state ELSE '{}' END,
               -- the author of what runs: whoever wrote the current definition
               created_by = CASE WHEN c.kind = normalized ->> 'kind' AND c.definition = def THEN c.created_by
                                 ELSE mesh._role_name(caller) END
         WHERE c.id = existing.id;
        RETURN existing.id;
    END IF;
    INSERT INTO mesh.checks (product_id, name, kind, definition, severity, schedule, enabled, declared_in, created_by)
    VALUES (product_id, normalized ->> 'name', normalized ->> 'kind', def, normalized ->> 'severity',
            (normalized ->> 'schedule')::interval, (normalized ->> 'enabled')::boolean, declared_in,
            mesh._role_name(caller))
    RETURNING id INTO check_id;
    RETURN check_id;
END
$$;

-- descriptor key "checks": validated and stored on every create/alter
CREATE FUNCTION mesh._on_store_58_checks(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    declared jsonb := coalesce(normalized -> 'checks', '[]');
    port regclass := (SELECT p.port FROM mesh.data_products p WHERE p.id = product_id);
    names text[] := '{}';
    one jsonb;
    gone mesh.checks;
BEGIN
    IF jsonb_typeof(declared) <> 'array' THEN
        PERFORM mesh._check_invalid('$.checks', 'must be an array of checks',
                                    'Write "checks": [{"name": ..., "kind": ...}, ...].');
    END IF;
    FOR i IN 0 .. jsonb_array_length(declared) - 1 LOOP
        one := mesh._normalize_check(declared -> i, format('$.checks[%s]', i), port);
        IF one ->> 'name' = ANY (names) THEN
            PERFORM mesh._check_invalid(format('$.checks[%s].name', i),
                                        format('check name %s is used twice', one -> 'name'),
                                        'Give every check of a product its own name.');
        END IF;
        names := names || (one ->> 'name');
        PERFORM mesh._save_check(caller, product_id, one, 'descriptor');
    END LOOP;
    FOR gone IN
        DELETE FROM mesh.checks c
         WHERE c.product_id = _on_store_58_checks.product_id AND c.declared_in = 'descriptor'
           AND NOT c.name = ANY (names)
        RETURNING c.*
    LOOP
        PERFORM mesh._check_notify_incident(gone.product_id, gone.name, gone.kind, NULL, NULL, NULL);
    END LOOP;
END
$$;

-- the product, once the caller may manage or run its checks
CREATE FUNCTION mesh._product_for_checks(caller regrole, product text, action text)
    RETURNS mesh.data_products
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
    domain_owner regrole := (SELECT d.owner FROM mesh.domains d WHERE d.name = p.domain);
BEGIN
    IF NOT (pg_has_role(caller, p.owner, 'MEMBER') OR pg_has_role(caller, domain_owner, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to % of data product "%"', action, product
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only members of the product owner %s or of the domain owner %s can %s.',
                                  quote_ident(mesh._role_name(p.owner)), quote_ident(mesh._role_name(domain_owner)), action),
                  HINT = format('Ask for GRANT %s TO %s.', quote_ident(mesh._role_name(p.owner)),
                                quote_ident(mesh._role_name(caller)));
    END IF;
    RETURN p;
END
$$;

CREATE FUNCTION mesh._add_check(caller regrole, product text, "check" jsonb) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
BEGIN
    PERFORM mesh._require("check", 'check');
    p := mesh._product_for_checks(caller, product, 'add checks');
    PERFORM mesh._lock_name('product', product);
    PERFORM FROM mesh.data_products dp WHERE dp.id = p.id FOR UPDATE;
    RETURN mesh._save_check(caller, p.id, mesh._normalize_check("check", '$', p.port), 'api');
END
$$;

CREATE FUNCTION mesh.add_check(product text, "check" jsonb) RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.add_check(text, jsonb) IS
    'add a data quality check to a data product (see docs/checks.md); returns its id';

CREATE FUNCTION mesh._drop_check(caller regrole, product text, name text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    c mesh.checks;
BEGIN
    PERFORM mesh._require(name, 'name');
    p := mesh._product_for_checks(caller, product, 'drop checks');
    PERFORM FROM mesh.data_products dp WHERE dp.id = p.id FOR UPDATE;
    SELECT * INTO c FROM mesh.checks k WHERE k.product_id = p.id AND k.name = _drop_check.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'check "%" of data product "%" does not exist', name, product
            USING ERRCODE = 'undefined_object',
                  HINT = 'List the checks with SELECT name FROM mesh.checks.';
    END IF;
    IF c.declared_in = 'descriptor' THEN
        RAISE EXCEPTION 'check "%" of data product "%" is declared in its descriptor', name, product
            USING ERRCODE = 'object_in_use',
                  HINT = 'Remove it from "checks" with mesh.alter_data_product().';
    END IF;
    DELETE FROM mesh.checks k WHERE k.id = c.id;
    PERFORM mesh._check_notify_incident(c.product_id, c.name, c.kind, NULL, NULL, NULL);
END
$$;

CREATE FUNCTION mesh.drop_check(product text, name text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.drop_check(text, text) IS
    'drop a check added with mesh.add_check(), with its history';

------------------------------------------------------------------------------
-- Running checks
------------------------------------------------------------------------------

-- does observed satisfy the comparison of a definition?
CREATE FUNCTION mesh._check_compare(observed numeric, def jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE def ->> 'operator'
        WHEN '<' THEN observed < (def ->> 'value')::numeric
        WHEN '<=' THEN observed <= (def ->> 'value')::numeric
        WHEN '=' THEN observed = (def ->> 'value')::numeric
        WHEN '<>' THEN observed <> (def ->> 'value')::numeric
        WHEN '>=' THEN observed >= (def ->> 'value')::numeric
        WHEN '>' THEN observed > (def ->> 'value')::numeric
        WHEN 'between' THEN observed >= coalesce((def ->> 'min')::numeric, observed)
                        AND observed <= coalesce((def ->> 'max')::numeric, observed)
    END
$$;

CREATE FUNCTION mesh._check_comparison_text(def jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE WHEN def ->> 'operator' = 'between'
                THEN format('between %s and %s', coalesce(def ->> 'min', '-infinity'), coalesce(def ->> 'max', 'infinity'))
                ELSE format('%s %s', def ->> 'operator', def ->> 'value') END
$$;

-- status from a measure and fail_above/warn_above limits
CREATE FUNCTION mesh._check_limit_status(measure numeric, fail_above numeric, warn_above numeric) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE WHEN measure > fail_above THEN 'fail'
                WHEN measure > warn_above THEN 'warn'
                ELSE 'pass' END
$$;

/*
 * The aggregates of the column checks (one or more per check), as SQL text
 * with $n parameters appended to params.  Returns NULL for checks that are
 * not computed in the shared pass.  Identifiers are quoted with %I; values
 * are parameters cast to the column's type, the cast running as the owner.
 */
CREATE FUNCTION mesh._check_aggregates(c mesh.checks, port regclass, INOUT params text[], OUT exprs text[])
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d jsonb := c.definition;
    col text := d ->> 'column';
    coltype text;
    conds text[] := '{}';
    keycols text;
    key_not_null text;
BEGIN
    IF col IS NOT NULL THEN
        coltype := (mesh._check_port_column(port, col)).typname;
        IF coltype IS NULL THEN
            RAISE EXCEPTION 'column "%" no longer exists in the output port', col
                USING ERRCODE = 'undefined_column',
                      HINT = 'Change or drop the check: the port no longer has this column.';
        END IF;
    END IF;
    CASE c.kind
    WHEN 'null' THEN
        exprs := ARRAY[format('pg_catalog.count(*) FILTER (WHERE %I IS NULL)', col)];
    WHEN 'missing' THEN
        exprs := ARRAY[format('pg_catalog.count(*) FILTER (WHERE %1$I IS NULL OR pg_catalog.btrim(%1$I::pg_catalog.text, E'' \t\r\n'') OPERATOR(pg_catalog.=) '''')', col)];
    WHEN 'invalid' THEN
        IF d ? 'accepted_values' THEN
            -- one parameter per value: ARRAY[$n, ...] folds into a constant, a text[] literal would not
            conds := conds || format('%I::pg_catalog.text OPERATOR(pg_catalog.=) ANY (ARRAY[%s]::pg_catalog.text[])', col,
                                     (SELECT string_agg(format('$%s', cardinality(params) + o), ', ' ORDER BY o)
                                        FROM jsonb_array_elements_text(d -> 'accepted_values') WITH ORDINALITY AS v(x, o)));
            params := params || ARRAY(SELECT jsonb_array_elements_text(d -> 'accepted_values'));
        END IF;
        IF d ? 'regex' THEN
            params := params || (d ->> 'regex');
            conds := conds || format('%I::pg_catalog.text OPERATOR(pg_catalog.~) $%s', col, cardinality(params));
        END IF;
        IF d ? 'min' THEN
            params := params || (d ->> 'min');
            conds := conds || format('%I >= $%s::%s', col, cardinality(params), coltype);
        END IF;
        IF d ? 'max' THEN
            params := params || (d ->> 'max');
            conds := conds || format('%I <= $%s::%s', col, cardinality(params), coltype);
        END IF;
        IF d ? 'min_length' AND d -> 'min_length' = d -> 'max_length' THEN
            params := params || (d ->> 'min_length');
            conds := conds || format('pg_catalog.char_length(%I::pg_catalog.text) OPERATOR(pg_catalog.=) $%s::pg_catalog.int4', col, cardinality(params));
        ELSIF d ? 'min_length' THEN
            params := params || (d ->> 'min_length');
            conds := conds || format('pg_catalog.char_length(%I::pg_catalog.text) OPERATOR(pg_catalog.>=) $%s::pg_catalog.int4', col, cardinality(params));
        END IF;
        IF d ? 'max_length' AND d -> 'min_length' IS DISTINCT FROM d -> 'max_length' THEN
            params := params || (d ->> 'max_length');
            conds := conds || format('pg_catalog.char_length(%I::pg_catalog.text) OPERATOR(pg_catalog.<=) $%s::pg_catalog.int4', col, cardinality(params));
        END IF;
        -- every rule is strict (NULL in, NULL out), so a NULL value is never
        -- counted without spending an IS NOT NULL test on every row
        exprs := ARRAY[format('pg_catalog.count(*) FILTER (WHERE NOT (%s))', array_to_string(conds, ' AND '))];
    WHEN 'duplicate' THEN
        SELECT string_agg(format('%I', e), ', '), string_agg(format('%I IS NOT NULL', e), ' AND ')
          INTO keycols, key_not_null
          FROM jsonb_array_elements_text(d -> 'columns') e;
        FOR i IN 0 .. jsonb_array_length(d -> 'columns') - 1 LOOP
            IF (mesh._check_port_column(port, d -> 'columns' ->> i)).typid IS NULL THEN
                RAISE EXCEPTION 'column "%" no longer exists in the output port', d -> 'columns' ->> i
                    USING ERRCODE = 'undefined_column',
                          HINT = 'Change or drop the check: the port no longer has this column.';
            END IF;
        END LOOP;
        IF jsonb_array_length(d -> 'columns') = 1 THEN
            exprs := ARRAY[format('pg_catalog.count(%1$s) OPERATOR(pg_catalog.-) pg_catalog.count(DISTINCT %1$s)', keycols)];
        ELSE
            exprs := ARRAY[format('pg_catalog.count(*) FILTER (WHERE %1$s) OPERATOR(pg_catalog.-) pg_catalog.count(DISTINCT ROW(%2$s)) FILTER (WHERE %1$s)',
                                  key_not_null, keycols)];
        END IF;
    WHEN 'freshness' THEN
        exprs := ARRAY[format('pg_catalog.max(%I)::pg_catalog.timestamptz::pg_catalog.text', col)];
    WHEN 'retention' THEN
        exprs := ARRAY[format('pg_catalog.min(%I)::pg_catalog.timestamptz::pg_catalog.text', col)];
    WHEN 'metric' THEN
        exprs := ARRAY[CASE d ->> 'metric'
            WHEN 'min' THEN format('pg_catalog.min(%I)', col)
            WHEN 'max' THEN format('pg_catalog.max(%I)', col)
            WHEN 'avg' THEN format('pg_catalog.avg(%I)', col)
            WHEN 'sum' THEN format('pg_catalog.sum(%I)', col)
            WHEN 'stddev' THEN format('pg_catalog.stddev_samp(%I)', col)
            WHEN 'distinct_count' THEN format('pg_catalog.count(DISTINCT %I)', col)
        END];
    WHEN 'row_count', 'volume_anomaly' THEN
        exprs := '{}';   -- the pass's own count(*)
    ELSE
        exprs := NULL;
    END CASE;
END
$$;

-- the one query of a set of column checks: count(*) first, then their aggregates
CREATE FUNCTION mesh._check_pass_query(checks mesh.checks[], port regclass,
                                       OUT query text, OUT params text[], OUT slots jsonb)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    c mesh.checks;
    a record;
    exprs text[] := ARRAY['pg_catalog.count(*)'];
BEGIN
    params := '{}';
    slots := '{}';
    FOREACH c IN ARRAY checks LOOP
        a := mesh._check_aggregates(c, port, params);
        params := a.params;
        slots := slots || jsonb_build_object(c.name, cardinality(exprs) + 1);
        exprs := exprs || a.exprs;
    END LOOP;
    query := format('SELECT %s FROM %s', array_to_string(exprs, ', '), port);
END
$$;

-- the distribution of a column now: {"method", "counts": {bucket: n}, "lo", "hi", "bins"}
CREATE FUNCTION mesh._check_distribution(c mesh.checks, p mesh.data_products, profile jsonb) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d jsonb := c.definition;
    col text := d ->> 'column';
    bounds text[];
    lo float8;
    hi float8;
    counts text[];
BEGIN
    IF (mesh._check_port_column(p.port, col)).typid IS NULL THEN
        RAISE EXCEPTION 'column "%" no longer exists in the output port', col
            USING ERRCODE = 'undefined_column',
                  HINT = 'Change or drop the check: the port no longer has this column.';
    END IF;
    IF d ->> 'method' = 'categorical' THEN
        -- at most 1000 categories: a profile is for columns with a bounded set of values
        counts := mesh._check_query(p.owner,
            format('SELECT pg_catalog.jsonb_object_agg(v, n)::pg_catalog.text, pg_catalog.count(*) FROM (SELECT %1$I::pg_catalog.text AS v, pg_catalog.count(*) AS n FROM %2$s WHERE %1$I IS NOT NULL GROUP BY 1 LIMIT 1001) s',
                   col, p.port), '{}', 'aggregate', 'pg_catalog, pg_temp');
        IF counts[2]::int > 1000 THEN
            RAISE EXCEPTION 'column "%" has more than 1000 distinct values', col
                USING ERRCODE = 'program_limit_exceeded',
                      HINT = 'A categorical distribution is for columns with few values; use "method": "histogram" for numbers.';
        END IF;
        RETURN jsonb_build_object('method', 'categorical', 'counts', coalesce(counts[1]::jsonb, '{}'));
    END IF;
    IF profile IS NULL THEN
        bounds := mesh._check_query(p.owner,
            format('SELECT pg_catalog.min(%1$I)::pg_catalog.float8, pg_catalog.max(%1$I)::pg_catalog.float8 FROM %2$s', col, p.port),
            '{}', 'aggregate', 'pg_catalog, pg_temp');
        lo := coalesce(bounds[1]::float8, 0);
        hi := coalesce(bounds[2]::float8, 0);
        IF hi <= lo THEN
            hi := lo + 1;
        END IF;
    ELSE
        lo := (profile ->> 'lo')::float8;
        hi := (profile ->> 'hi')::float8;
    END IF;
    counts := mesh._check_query(p.owner,
        format('SELECT pg_catalog.jsonb_object_agg(b, n)::pg_catalog.text FROM (SELECT pg_catalog.width_bucket(%1$I::pg_catalog.float8, $1::pg_catalog.float8, $2::pg_catalog.float8, $3::pg_catalog.int4) AS b, pg_catalog.count(*) AS n FROM %2$s WHERE %1$I IS NOT NULL GROUP BY 1) s',
               col, p.port),
        ARRAY[lo::text, hi::text, d ->> 'bins'], 'aggregate', 'pg_catalog, pg_temp');
    RETURN jsonb_build_object('method', 'histogram', 'lo', lo, 'hi', hi, 'bins', (d ->> 'bins')::int,
                              'counts', coalesce(counts[1]::jsonb, '{}'));
END
$$;

-- population stability index between two count maps; 1e-4 stands in for an empty bucket
CREATE FUNCTION mesh._check_psi(expected jsonb, actual jsonb) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH keys AS (SELECT k FROM jsonb_object_keys(expected) k UNION SELECT k FROM jsonb_object_keys(actual) k),
         totals AS (SELECT (SELECT sum(v::numeric) FROM jsonb_each_text(expected) AS e(k, v)) AS te,
                           (SELECT sum(v::numeric) FROM jsonb_each_text(actual) AS a(k, v)) AS ta),
         shares AS (SELECT greatest(coalesce((expected ->> k)::numeric, 0) / te, 0.0001) AS e,
                           greatest(coalesce((actual ->> k)::numeric, 0) / ta, 0.0001) AS a
                      FROM keys, totals)
    SELECT round(sum((a - e) * ln(a / e)), 6) FROM shares
$$;

-- the real columns of a port: {name: type}
CREATE FUNCTION mesh._check_port_schema(port regclass) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(jsonb_object_agg(a.attname, format_type(a.atttypid, NULL) ORDER BY a.attnum), '{}')
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = port AND a.attnum > 0 AND NOT a.attisdropped
$$;

/*
 * Evaluate one check.  pass_values are the results of the shared pass (NULL
 * for checks outside it); returns status, observed, threshold, message, and
 * the state to keep.  Called inside a subtransaction by the caller.
 */
CREATE FUNCTION mesh._check_evaluate(c mesh.checks, p mesh.data_products, pass_values text[], slot integer,
                                     OUT status text, OUT observed jsonb, OUT threshold jsonb,
                                     OUT message text, OUT state jsonb)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d jsonb := c.definition;
    total bigint := pass_values[1]::bigint;
    failed numeric;
    pct numeric;
    measure numeric;
    v text;
    ts timestamptz;
    result text[];
    hist numeric[];
    med numeric;
    mad numeric;
    spread numeric;
    z numeric;
    actual jsonb;
    expected jsonb;
    missing text[];
    wrong text[];
    extra text[];
    drift text[];
    psi numeric;
    subject text := CASE WHEN d ? 'column' THEN format(' in %I', d ->> 'column')
                         WHEN c.kind = 'duplicate' AND jsonb_array_length(d -> 'columns') = 1
                         THEN format(' in %I', d -> 'columns' ->> 0)
                         WHEN c.kind = 'duplicate'
                         THEN format(' in (%s)', (SELECT string_agg(format('%I', e), ', ') FROM jsonb_array_elements_text(d -> 'columns') e))
                         ELSE '' END;
BEGIN
    state := c.state;
    -- A query written by a member of the owner runs as the owner; once the
    -- owner changes (or the author leaves it), the author may no longer be a
    -- member, and the query must not run as a role its author cannot use.
    IF c.kind IN ('custom_metric', 'failed_rows', 'referential')
       AND NOT coalesce(pg_has_role((SELECT r.oid FROM pg_roles r WHERE r.rolname = c.created_by), p.owner, 'MEMBER'),
                        false) THEN
        RAISE EXCEPTION 'check "%" was written by %, who is not a member of the product owner %', c.name,
                        quote_ident(c.created_by), quote_ident(mesh._role_name(p.owner))
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'A member of the product owner must declare it again: change it in the descriptor, or drop it and add it again.';
    END IF;
    CASE
    WHEN c.kind IN ('null', 'missing', 'invalid', 'duplicate', 'referential', 'failed_rows') THEN
        IF c.kind = 'referential' THEN
            IF to_regclass(d -> 'references' ->> 'relation') IS NULL THEN
                RAISE EXCEPTION 'referenced relation % no longer exists', d -> 'references' ->> 'relation'
                    USING ERRCODE = 'undefined_table', HINT = 'Change or drop the check.';
            END IF;
            -- a regclass prints as a quoted, schema-qualified name under our pinned search_path
            result := mesh._check_query(p.owner,
                format('SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE %1$I IS NOT NULL AND NOT EXISTS (SELECT FROM %2$s r WHERE r.%3$I OPERATOR(pg_catalog.=) t.%1$I)) FROM %4$s t',
                       d ->> 'column', to_regclass(d -> 'references' ->> 'relation'), d -> 'references' ->> 'column', p.port),
                '{}', 'aggregate', 'pg_catalog, pg_temp');
            total := result[1]::bigint;
            failed := result[2]::numeric;
        ELSIF c.kind = 'failed_rows' THEN
            result := mesh._check_query(p.owner, d ->> 'sql', '{}', 'failed_rows', format('pg_catalog, %I, pg_temp', p.domain));
            failed := result[1]::numeric;
            total := NULL;
        ELSE
            failed := pass_values[slot]::numeric;
        END IF;
        pct := CASE WHEN total > 0 THEN trim_scale(round(100 * failed / total, 4)) ELSE 0 END;
        measure := CASE WHEN d ->> 'unit' = 'percent' THEN pct ELSE failed END;
        status := mesh._check_limit_status(measure, (d ->> 'fail_above')::numeric, (d ->> 'warn_above')::numeric);
        observed := jsonb_strip_nulls(jsonb_build_object('rows', total, 'failed', failed,
                                                         'percent', CASE WHEN total IS NOT NULL THEN pct END));
        threshold := jsonb_strip_nulls(jsonb_build_object('unit', d ->> 'unit', 'fail_above', (d ->> 'fail_above')::numeric,
                                                          'warn_above', (d ->> 'warn_above')::numeric));
        message := CASE c.kind
            WHEN 'null' THEN format('%s of %s rows are NULL%s', failed, total, subject)
            WHEN 'missing' THEN format('%s of %s rows are NULL or blank%s', failed, total, subject)
            WHEN 'invalid' THEN format('%s of %s rows have an invalid value%s', failed, total, subject)
            WHEN 'duplicate' THEN format('%s of %s rows repeat a value%s', failed, total, subject)
            WHEN 'referential' THEN format('%s of %s rows have a value%s missing from %s.%I', failed, total, subject,
                                           d -> 'references' ->> 'relation', d -> 'references' ->> 'column')
            WHEN 'failed_rows' THEN format('%s rows failed', failed)
        END || CASE WHEN total IS NOT NULL THEN format(' (%s%%)', round(pct, 2)) ELSE '' END;
    WHEN c.kind IN ('row_count', 'metric', 'custom_metric') THEN
        IF c.kind = 'custom_metric' THEN
            result := mesh._check_query(p.owner, d ->> 'sql', '{}', 'metric', format('pg_catalog, %I, pg_temp', p.domain));
            v := result[1];
        ELSIF c.kind = 'row_count' THEN
            v := pass_values[1];
        ELSE
            v := pass_values[slot];
        END IF;
        BEGIN
            measure := trim_scale(v::numeric);
        EXCEPTION WHEN invalid_text_representation THEN
            RAISE EXCEPTION 'the metric is not a number: %', v
                USING ERRCODE = 'datatype_mismatch', HINT = 'Return one number from the query.';
        END;
        observed := jsonb_build_object('value', measure) || jsonb_strip_nulls(jsonb_build_object('rows', total));
        threshold := d - 'column' - 'metric' - 'sql' - 'description';
        status := CASE WHEN measure IS NULL THEN 'fail'
                       WHEN mesh._check_compare(measure, d) THEN 'pass' ELSE 'fail' END;
        message := CASE c.kind WHEN 'row_count' THEN 'row count' WHEN 'metric' THEN format('%s%s', d ->> 'metric', subject)
                               ELSE 'custom metric' END
                   || CASE WHEN measure IS NULL THEN ' is NULL (no values)'
                           ELSE format(' is %s, expected %s', measure, mesh._check_comparison_text(d)) END;
    WHEN c.kind = 'freshness' THEN
        v := pass_values[slot];
        threshold := jsonb_build_object('max_age', d ->> 'max_age');
        IF v IS NULL THEN
            status := 'fail';
            observed := jsonb_build_object('rows', total, 'latest', NULL);
            message := format('no value%s: the product has no rows with a timestamp', subject);
        ELSE
            ts := v::timestamptz;
            observed := jsonb_build_object('rows', total, 'latest', ts, 'age', (now() - ts)::text);
            status := CASE WHEN now() - ts > (d ->> 'max_age')::interval THEN 'fail' ELSE 'pass' END;
            message := format('latest value%s is %s old, at most %s allowed', subject,
                              justify_hours(date_trunc('second', now() - ts)), d ->> 'max_age');
        END IF;
    WHEN c.kind = 'retention' THEN
        v := pass_values[slot];
        threshold := jsonb_build_object('period', d ->> 'period');
        IF v IS NULL THEN
            status := 'pass';
            observed := jsonb_build_object('rows', total, 'oldest', NULL);
            message := format('no value%s: nothing is kept too long', subject);
        ELSE
            ts := v::timestamptz;
            observed := jsonb_build_object('rows', total, 'oldest', ts, 'age', (now() - ts)::text);
            status := CASE WHEN ts < now() - (d ->> 'period')::interval THEN 'fail' ELSE 'pass' END;
            message := format('oldest value%s is %s old, kept at most %s', subject,
                              justify_hours(date_trunc('second', now() - ts)), d ->> 'period');
        END IF;
    WHEN c.kind = 'volume_anomaly' THEN
        measure := total;
        SELECT array_agg(x ORDER BY x) INTO hist
          FROM (SELECT (r.observed ->> 'rows')::numeric AS x
                  FROM mesh.check_runs r
                 WHERE r.check_id = c.id AND r.status <> 'error' AND r.observed ? 'rows'
                 ORDER BY r.started_at DESC, r.id DESC
                 LIMIT (d ->> 'window')::int) h;
        observed := jsonb_build_object('rows', total, 'history', coalesce(cardinality(hist), 0));
        IF coalesce(cardinality(hist), 0) < (d ->> 'min_history')::int THEN
            status := 'pass';
            threshold := jsonb_build_object('k', (d ->> 'k')::numeric, 'min_history', (d ->> 'min_history')::int);
            message := format('collecting history: %s of %s runs needed before anomalies are detected',
                              coalesce(cardinality(hist), 0), d ->> 'min_history');
        ELSE
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO med FROM unnest(hist) x;
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(x - med)) INTO mad FROM unnest(hist) x;
            -- 1.4826 * MAD estimates the standard deviation; at least one row
            spread := greatest(1.4826 * mad, 1);
            z := abs(measure - med) / spread;
            threshold := jsonb_build_object('k', (d ->> 'k')::numeric, 'median', med, 'mad', mad,
                                            'lower', round(med - (d ->> 'k')::numeric * spread, 2),
                                            'upper', round(med + (d ->> 'k')::numeric * spread, 2));
            observed := observed || jsonb_build_object('deviation', round(z, 4));
            status := CASE WHEN z > (d ->> 'k')::numeric THEN 'fail' ELSE 'pass' END;
            message := format('%s rows, median of the last %s runs %s, %s times the spread away (at most %s)',
                              measure, cardinality(hist), med, round(z, 2), d ->> 'k');
        END IF;
    WHEN c.kind = 'schema' THEN
        actual := mesh._check_port_schema(p.port);
        expected := d -> 'columns';
        missing := ARRAY(SELECT k FROM jsonb_object_keys(expected) k WHERE NOT actual ? k ORDER BY k);
        wrong := ARRAY(SELECT format('%s is %s, expected %s', quote_ident(k), actual ->> k, expected ->> k)
                         FROM jsonb_object_keys(expected) k WHERE actual ? k AND actual ->> k <> expected ->> k ORDER BY k);
        extra := CASE WHEN (d ->> 'exact')::boolean
                      THEN ARRAY(SELECT k FROM jsonb_object_keys(actual) k WHERE NOT expected ? k ORDER BY k) ELSE '{}' END;
        IF c.state ? 'last_schema' AND c.state -> 'last_schema' <> actual THEN
            drift := ARRAY(SELECT format('%s added', quote_ident(k)) FROM jsonb_object_keys(actual) k
                            WHERE NOT c.state -> 'last_schema' ? k ORDER BY k)
                  || ARRAY(SELECT format('%s removed', quote_ident(k)) FROM jsonb_object_keys(c.state -> 'last_schema') k
                            WHERE NOT actual ? k ORDER BY k)
                  || ARRAY(SELECT format('%s changed from %s to %s', quote_ident(k), c.state -> 'last_schema' ->> k, actual ->> k)
                             FROM jsonb_object_keys(actual) k
                            WHERE c.state -> 'last_schema' ? k AND c.state -> 'last_schema' ->> k <> actual ->> k ORDER BY k);
        ELSE
            drift := '{}';
        END IF;
        observed := jsonb_build_object('columns', actual, 'drift', to_jsonb(drift));
        threshold := jsonb_build_object('columns', expected, 'exact', (d ->> 'exact')::boolean);
        state := state || jsonb_build_object('last_schema', actual);
        IF cardinality(missing) + cardinality(wrong) + cardinality(extra) > 0 THEN
            status := 'fail';
            message := array_to_string(
                           ARRAY(SELECT format('%s is missing', quote_ident(m)) FROM unnest(missing) m)
                           || wrong
                           || ARRAY(SELECT format('%s is not expected', quote_ident(e)) FROM unnest(extra) e)
                           || drift, '; ');
        ELSIF cardinality(drift) > 0 THEN
            status := 'warn';
            message := 'schema drift since the last run: ' || array_to_string(drift, '; ');
        ELSE
            status := 'pass';
            message := format('%s columns as expected', (SELECT count(*) FROM jsonb_object_keys(actual)));
        END IF;
    WHEN c.kind = 'distribution' THEN
        expected := c.state -> 'profile';
        actual := mesh._check_distribution(c, p, expected);
        threshold := jsonb_strip_nulls(jsonb_build_object('fail_above', (d ->> 'fail_above')::numeric,
                                                          'warn_above', (d ->> 'warn_above')::numeric));
        IF expected IS NULL OR expected -> 'counts' = '{}' THEN
            state := state || jsonb_build_object('profile', actual);
            status := 'pass';
            observed := jsonb_build_object('categories', (SELECT count(*) FROM jsonb_object_keys(actual -> 'counts')));
            message := 'no stored profile yet: the current distribution is stored as the baseline';
        ELSIF actual -> 'counts' = '{}' THEN
            status := 'fail';
            observed := jsonb_build_object('psi', NULL);
            message := format('no non-NULL value%s to compare with the stored profile', subject);
        ELSE
            psi := mesh._check_psi(expected -> 'counts', actual -> 'counts');
            observed := jsonb_build_object('psi', psi, 'counts', actual -> 'counts');
            status := mesh._check_limit_status(psi, (d ->> 'fail_above')::numeric, (d ->> 'warn_above')::numeric);
            message := format('population stability index%s is %s (fails above %s)', subject, psi, d ->> 'fail_above');
        END IF;
    END CASE;
    IF status = 'fail' AND c.severity = 'warn' THEN
        status := 'warn';
    END IF;
END
$$;

/*
 * Run some checks of one product (all enabled ones when selected is NULL):
 * one shared pass for the column checks, then every check in its own
 * subtransaction; results recorded in check_runs and returned.
 */
CREATE FUNCTION mesh._run_product_checks(p mesh.data_products, selected bigint[], triggered_by text)
    RETURNS SETOF mesh.check_result
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    checks mesh.checks[];
    pass_checks mesh.checks[] := '{}';
    pass_ids bigint[] := '{}';
    c mesh.checks;
    pass record;
    pass_values text[];
    pass_error text;
    pass_started timestamptz;
    pass_duration interval;
    one_values text[];
    started timestamptz;
    finished timestamptz;
    dur interval;
    r record;
    err text;
    slot integer;
BEGIN
    -- the product row first (KEY SHARE: runs do not block each other), as
    -- alter_data_product locks it before touching the checks: no deadlock
    PERFORM FROM mesh.data_products dp WHERE dp.id = p.id FOR KEY SHARE;
    SELECT coalesce(array_agg(k ORDER BY k.name), '{}') INTO checks
      FROM mesh.checks k
     WHERE k.product_id = p.id AND (selected IS NULL AND k.enabled OR k.id = ANY (selected));

    -- the shared pass: every check that is an aggregate over the port
    FOREACH c IN ARRAY checks LOOP
        IF c.kind IN ('row_count', 'null', 'missing', 'invalid', 'duplicate', 'freshness', 'retention',
                      'metric', 'volume_anomaly') THEN
            pass_checks := pass_checks || c;
            pass_ids := pass_ids || c.id;
        END IF;
    END LOOP;
    IF cardinality(pass_checks) > 0 THEN
        pass_started := clock_timestamp();
        BEGIN
            pass := mesh._check_pass_query(pass_checks, p.port);
            pass_values := mesh._check_query(p.owner, pass.query, pass.params, 'aggregate', 'pg_catalog, pg_temp');
        EXCEPTION WHEN OTHERS THEN
            -- one bad check must not take the others with it: each runs alone below
            pass_error := SQLERRM;
            pass_values := NULL;
        END;
        pass_duration := clock_timestamp() - pass_started;
    END IF;

    FOREACH c IN ARRAY checks LOOP
        started := clock_timestamp();
        slot := NULL;
        err := NULL;
        BEGIN
            IF c.id = ANY (pass_ids) THEN
                IF pass_values IS NOT NULL THEN
                    one_values := pass_values;
                    slot := (pass.slots ->> c.name)::int;
                    started := pass_started;
                ELSE
                    pass := mesh._check_pass_query(ARRAY[c], p.port);
                    one_values := mesh._check_query(p.owner, pass.query, pass.params, 'aggregate', 'pg_catalog, pg_temp');
                    slot := (pass.slots ->> c.name)::int;
                END IF;
            ELSE
                one_values := NULL;
            END IF;
            SELECT * INTO r FROM mesh._check_evaluate(c, p, one_values, slot);
        EXCEPTION WHEN OTHERS THEN
            err := SQLERRM;
        END;
        finished := clock_timestamp();
        dur := CASE WHEN slot IS NOT NULL AND pass_values IS NOT NULL THEN pass_duration ELSE finished - started END;
        IF err IS NOT NULL THEN
            SELECT 'error'::text AS status, NULL::jsonb AS observed, NULL::jsonb AS threshold,
                   err AS message, c.state AS state INTO r;
        END IF;
        INSERT INTO mesh.check_runs (check_id, product_id, started_at, finished_at, status, observed, threshold,
                                     message, duration, rows_scanned, triggered_by)
        VALUES (c.id, p.id, started, started + dur, r.status, r.observed, r.threshold, r.message, dur,
                CASE WHEN slot IS NOT NULL THEN one_values[1]::bigint END, triggered_by);
        UPDATE mesh.checks k SET last_run_at = started, state = r.state WHERE k.id = c.id;
        PERFORM mesh._check_notify_incident(c.product_id, c.name, c.kind, r.status, r.message, r.observed);
        RETURN NEXT ROW(c.name, c.kind, r.status, r.observed, r.threshold, r.message, dur)::mesh.check_result;
    END LOOP;
END
$$;

CREATE FUNCTION mesh._execute_checks(caller regrole, product text) RETURNS mesh.check_result[]
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._product_for_checks(caller, product, 'run checks');
BEGIN
    RETURN ARRAY(SELECT r FROM mesh._run_product_checks(p, NULL, 'manual') r);
END
$$;

CREATE FUNCTION mesh.execute_checks(product text) RETURNS mesh.check_result[]
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.execute_checks(text) IS
    'run every enabled check of a data product now; the results as an array (mesh.run_checks gives rows)';

CREATE FUNCTION mesh.run_checks(product text) RETURNS SETOF mesh.check_result
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT r.* FROM pg_catalog.unnest(mesh.execute_checks(product)) AS r $$;
COMMENT ON FUNCTION mesh.run_checks(text) IS
    'run every enabled check of a data product now: one row per check with its status, observation and duration';

-- stores the current distribution of every distribution check as its profile
CREATE FUNCTION mesh._profile_product(caller regrole, product text) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._product_for_checks(caller, product, 'profile the checks');
    c mesh.checks;
    n integer := 0;
BEGIN
    FOR c IN SELECT * FROM mesh.checks k WHERE k.product_id = p.id AND k.kind = 'distribution' ORDER BY k.name LOOP
        UPDATE mesh.checks k SET state = k.state || jsonb_build_object('profile', mesh._check_distribution(c, p, NULL))
         WHERE k.id = c.id;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

CREATE FUNCTION mesh.profile_product(product text) RETURNS integer
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.profile_product(text) IS
    'store the current distribution of the product''s distribution checks as their baseline profile';

-- for the scheduler: run every enabled check whose schedule is due; each product alone
CREATE FUNCTION mesh._run_due_checks() RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    pid bigint;
    due bigint[];
    n integer := 0;
BEGIN
    -- Lock order, as in alter_data_product: the product row, then its checks.
    -- A product being changed right now (row locked FOR UPDATE) waits for the
    -- next round; a check that another session is running (row locked) is
    -- skipped, and once that session commits it is no longer due.
    FOR pid IN
        SELECT DISTINCT k.product_id
          FROM mesh.checks k
         WHERE k.enabled AND k.schedule IS NOT NULL
           AND (k.last_run_at IS NULL OR k.last_run_at + k.schedule <= now())
         ORDER BY k.product_id
    LOOP
        BEGIN
            SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = pid FOR KEY SHARE SKIP LOCKED;
            IF NOT FOUND THEN
                CONTINUE;
            END IF;
            SELECT array_agg(d.id ORDER BY d.id) INTO due
              FROM (SELECT k.id FROM mesh.checks k
                     WHERE k.product_id = pid AND k.enabled AND k.schedule IS NOT NULL
                       AND (k.last_run_at IS NULL OR k.last_run_at + k.schedule <= now())
                       FOR UPDATE SKIP LOCKED) d;
            IF due IS NULL THEN
                CONTINUE;
            END IF;
            n := n + (SELECT count(*) FROM mesh._run_product_checks(p, due, 'schedule'));
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'could not run the checks of data product "%.%": %', p.domain, p.name, SQLERRM;
        END;
    END LOOP;
    RETURN n;
END
$$;

------------------------------------------------------------------------------
-- Reading results
------------------------------------------------------------------------------

-- observed and message only for members of the product or domain owner (see the grants above)
CREATE VIEW mesh.check_status AS
SELECT dp.domain || '.' || dp.name AS product, k.name AS check_name, k.kind, k.severity, k.enabled,
       r.status, CASE WHEN reader.sees_data THEN r.observed END AS observed, r.threshold,
       CASE WHEN reader.sees_data THEN r.message END AS message, r.started_at AS last_run, r.duration
  FROM mesh.checks k
  JOIN mesh.data_products dp ON dp.id = k.product_id
  JOIN mesh.domains dom ON dom.name = dp.domain
  CROSS JOIN LATERAL (SELECT pg_catalog.pg_has_role(dp.owner, 'MEMBER')
                             OR pg_catalog.pg_has_role(dom.owner, 'MEMBER') AS sees_data) reader
  LEFT JOIN LATERAL (SELECT * FROM mesh.check_runs cr WHERE cr.check_id = k.id
                      ORDER BY cr.started_at DESC, cr.id DESC LIMIT 1) r ON true;
COMMENT ON VIEW mesh.check_status IS 'latest result of every check';
GRANT SELECT ON mesh.check_status TO PUBLIC;

-- 100 x weighted share of passing checks in their latest run (enabled checks):
-- weight 2 for severity error, 1 for warn; pass counts 1, warn 0.5, fail/error 0
CREATE FUNCTION mesh.quality_score(product text) RETURNS numeric
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT round(100 * sum(w * credit) / sum(w), 1)
      FROM (SELECT CASE k.severity WHEN 'error' THEN 2 ELSE 1 END AS w,
                   CASE r.status WHEN 'pass' THEN 1 WHEN 'warn' THEN 0.5 ELSE 0 END AS credit
              FROM mesh.checks k
              JOIN LATERAL (SELECT cr.status FROM mesh.check_runs cr WHERE cr.check_id = k.id
                             ORDER BY cr.started_at DESC, cr.id DESC LIMIT 1) r ON true
             WHERE k.product_id = (mesh._find_product(product)).id AND k.enabled) s
$$;
COMMENT ON FUNCTION mesh.quality_score(text) IS
    'quality score 0-100 of a data product from the latest run of its enabled checks; NULL before any run';

-- internal functions: nobody but the extension owner calls them
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure
               FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'mesh'::regnamespace
                AND ((p.proname OPERATOR(pg_catalog.~~) '\_check%' AND p.proname <> '_check_name') OR p.proname IN
                     ('_on_store_58_checks', '_save_check', '_product_for_checks', '_add_check', '_drop_check',
                      '_run_product_checks', '_execute_checks', '_profile_product', '_run_due_checks',
                      '_normalize_check'))
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
