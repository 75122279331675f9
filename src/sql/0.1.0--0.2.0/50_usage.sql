-- Usage and access history (docs/usage.md).
--
-- The read path (src/usage.c, src/access_history.c) counts reads of output
-- ports in shared memory and records reads of products that keep an access
-- history in a shared ring buffer; it never writes a table.  mesh.flush_usage()
-- writes both out: counters are added to mesh.usage_daily, history records are
-- appended to mesh.access_history_log.  The monitor scheduler calls it each
-- naptime; anyone may call it by hand (it only moves what was counted).

-- ---- usage ------------------------------------------------------------------

CREATE TABLE mesh.usage_daily (
    product_id  bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    role        regrole NOT NULL,
    day         date NOT NULL,
    reads       bigint NOT NULL CHECK (reads > 0),
    last_read   timestamptz NOT NULL,
    PRIMARY KEY (product_id, role, day)
);
COMMENT ON TABLE mesh.usage_daily IS
    'reads of each data product''s output port per reading role and day (UTC), written by mesh.flush_usage()';
CREATE INDEX usage_daily_day_idx ON mesh.usage_daily (day);
SELECT pg_catalog.pg_extension_config_dump('mesh.usage_daily', '');
REVOKE ALL ON mesh.usage_daily FROM PUBLIC;
GRANT SELECT ON mesh.usage_daily TO PUBLIC;

-- this database's shared counters; what it returns is cleared when the calling
-- transaction commits (src/usage.c)
CREATE FUNCTION mesh._usage_take()
    RETURNS TABLE (product_id bigint, role oid, day date, reads bigint, last_read timestamptz)
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_usage_take';

-- ---- access history -----------------------------------------------------------

-- Per product: whether reads are recorded, and for how long records are kept.
-- Written by the store handler from the descriptor key access_history.
CREATE TABLE mesh.access_history_settings (
    product_id  bigint PRIMARY KEY REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    enabled     boolean NOT NULL,
    retention   interval NOT NULL CHECK (retention > interval '0')
);
COMMENT ON TABLE mesh.access_history_settings IS
    'access history configuration of each data product (descriptor key access_history)';
SELECT pg_catalog.pg_extension_config_dump('mesh.access_history_settings', '');
REVOKE ALL ON mesh.access_history_settings FROM PUBLIC;
GRANT SELECT ON mesh.access_history_settings TO PUBLIC;

-- The records.  Not readable by anyone but the extension owner: readers use
-- the view mesh.access_history, which shows each owner their own products.
-- Rows outlive a dropped product (product keeps its name) until keep_until.
CREATE SEQUENCE mesh.access_history_log_id_seq;
CREATE TABLE mesh.access_history_log (
    id          bigint PRIMARY KEY DEFAULT pg_catalog.nextval('mesh.access_history_log_id_seq'),
    product_id  bigint NOT NULL,
    product     text,
    role        regrole NOT NULL,
    read_at     timestamptz NOT NULL,
    query_id    bigint,
    columns     text[] NOT NULL,
    flushed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    keep_until  timestamptz NOT NULL
);
COMMENT ON TABLE mesh.access_history_log IS
    'who read which columns of which data product and when; read it through mesh.access_history';
CREATE INDEX access_history_log_product_idx ON mesh.access_history_log (product_id, read_at);
CREATE INDEX access_history_log_keep_until_idx ON mesh.access_history_log (keep_until);
SELECT pg_catalog.pg_extension_config_dump('mesh.access_history_log', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.access_history_log_id_seq', '');
REVOKE ALL ON mesh.access_history_log, mesh.access_history_log_id_seq FROM PUBLIC;

-- the role named by meshpg.access_history_auditor (NULL when unset or unknown)
CREATE FUNCTION mesh._access_history_auditor() RETURNS regrole
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'meshpg_access_history_auditor';

-- Product owners (members of the owner role) see the history of their
-- products; members of the auditor role see all of it.  security_barrier: a
-- reader's own functions in WHERE never see rows the filter removes.
CREATE VIEW mesh.access_history WITH (security_barrier) AS
SELECT h.id,
       h.product_id,
       coalesce(p.domain OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) p.name, h.product) AS product,
       h.role,
       h.read_at,
       h.query_id,
       h.columns,
       h.keep_until
  FROM mesh.access_history_log h
  LEFT JOIN mesh.data_products p ON p.id OPERATOR(pg_catalog.=) h.product_id
 WHERE (p.owner IS NOT NULL AND pg_catalog.pg_has_role(CURRENT_USER, p.owner, 'MEMBER'))
    OR coalesce(pg_catalog.pg_has_role(CURRENT_USER, mesh._access_history_auditor(), 'MEMBER'), false);
COMMENT ON VIEW mesh.access_history IS
    'access history records of the products you own, or all of them for members of meshpg.access_history_auditor';
REVOKE ALL ON mesh.access_history FROM PUBLIC;
GRANT SELECT ON mesh.access_history TO PUBLIC;

-- this database's unflushed history records; consumed when the calling
-- transaction commits (src/access_history.c)
CREATE FUNCTION mesh._access_history_take()
    RETURNS TABLE (product_id bigint, port oid, role oid, read_at timestamptz, query_id bigint,
                   all_columns boolean, attnums int2[])
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_access_history_take';

-- Store handler: validates and stores the descriptor key
--     "access_history": {"enabled": true|false, "retention": "<interval>"}
-- Both keys are optional: enabled defaults to true for restricted and
-- confidential products and to false otherwise, retention to 180 days.
CREATE FUNCTION mesh._on_store_50_usage(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    config jsonb := normalized -> 'access_history';
    unknown_key text;
    is_enabled boolean := (normalized ->> 'access_level') IN ('restricted', 'confidential');
    keep interval := interval '180 days';
BEGIN
    IF config IS NOT NULL AND jsonb_typeof(config) <> 'null' THEN
        IF jsonb_typeof(config) <> 'object' THEN
            RAISE EXCEPTION 'invalid descriptor: $.access_history: must be an object'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Write e.g. "access_history": {"enabled": true, "retention": "180 days"}.';
        END IF;
        SELECT k INTO unknown_key FROM jsonb_object_keys(config) AS k
         WHERE k NOT IN ('enabled', 'retention') ORDER BY k LIMIT 1;
        IF unknown_key IS NOT NULL THEN
            RAISE EXCEPTION 'invalid descriptor: $.access_history.%: unknown key', unknown_key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'access_history has the keys "enabled" (true or false) and "retention" (an interval).';
        END IF;
        IF config ? 'enabled' THEN
            IF jsonb_typeof(config -> 'enabled') <> 'boolean' THEN
                RAISE EXCEPTION 'invalid descriptor: $.access_history.enabled: must be true or false'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Write "enabled": true to record who reads the product.';
            END IF;
            is_enabled := (config ->> 'enabled')::boolean;
        END IF;
        IF config ? 'retention' THEN
            IF jsonb_typeof(config -> 'retention') <> 'string' THEN
                RAISE EXCEPTION 'invalid descriptor: $.access_history.retention: must be a string'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Write an interval such as "180 days" or "2 years".';
            END IF;
            BEGIN
                keep := (config ->> 'retention')::interval;
            EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow
                          OR interval_field_overflow OR syntax_error THEN
                RAISE EXCEPTION 'invalid descriptor: $.access_history.retention: "%" is not an interval',
                                config ->> 'retention'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Write an interval such as "180 days" or "2 years".';
            END;
            IF keep <= interval '0' OR keep > interval '100 years' THEN
                RAISE EXCEPTION 'invalid descriptor: $.access_history.retention: must be between 1 second and 100 years'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Write an interval such as "180 days" or "2 years".';
            END IF;
        END IF;
    END IF;

    INSERT INTO mesh.access_history_settings AS s (product_id, enabled, retention)
    VALUES (_on_store_50_usage.product_id, is_enabled, keep)
    ON CONFLICT ON CONSTRAINT access_history_settings_pkey
    DO UPDATE SET enabled = excluded.enabled, retention = excluded.retention
     WHERE (s.enabled, s.retention) IS DISTINCT FROM (excluded.enabled, excluded.retention);
END
$$;

-- Products created before this version get their default settings.
INSERT INTO mesh.access_history_settings (product_id, enabled, retention)
SELECT p.id, p.access_level IN ('restricted', 'confidential'), interval '180 days'
  FROM mesh.data_products p
    ON CONFLICT DO NOTHING;

-- ---- the read path's cache of ports -----------------------------------------
-- Row changes send no relcache invalidation; these statement triggers do, so
-- that every backend rebuilds its cache of ports (src/usage.c).

CREATE FUNCTION mesh._usage_catalog_changed() RETURNS trigger
    LANGUAGE c
    AS 'MODULE_PATHNAME', 'meshpg_usage_catalog_changed';

CREATE TRIGGER usage_catalog_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mesh.data_products
    FOR EACH STATEMENT EXECUTE FUNCTION mesh._usage_catalog_changed();
CREATE TRIGGER usage_catalog_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mesh.access_history_settings
    FOR EACH STATEMENT EXECUTE FUNCTION mesh._usage_catalog_changed();

-- ---- flush and purge ------------------------------------------------------------

-- Deletes the access history records past their retention; returns how many.
CREATE FUNCTION mesh._purge_access_history() RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH gone AS (
        DELETE FROM mesh.access_history_log h
         WHERE h.keep_until OPERATOR(pg_catalog.<) pg_catalog.now()
        RETURNING 1)
    SELECT pg_catalog.count(*) FROM gone
$$;

CREATE FUNCTION mesh._flush_usage(caller regrole) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    counters bigint;
    records bigint;
BEGIN
    -- one flush at a time: what a flush takes is cleared only at its commit
    LOCK TABLE mesh.usage_daily, mesh.access_history_log IN SHARE ROW EXCLUSIVE MODE;

    -- counters of dropped products and dropped roles are discarded
    WITH taken AS (
        SELECT t.* FROM mesh._usage_take() t
         WHERE EXISTS (SELECT FROM mesh.data_products p WHERE p.id = t.product_id)
           AND EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = t.role)),
    written AS (
        INSERT INTO mesh.usage_daily AS u (product_id, role, day, reads, last_read)
        SELECT t.product_id, t.role::regrole, t.day, t.reads, t.last_read FROM taken t
        ON CONFLICT ON CONSTRAINT usage_daily_pkey
        DO UPDATE SET reads = u.reads + excluded.reads,
                      last_read = greatest(u.last_read, excluded.last_read)
        RETURNING 1)
    SELECT count(*) INTO counters FROM written;

    -- history records are kept even when the product or the role is gone
    WITH taken AS (SELECT * FROM mesh._access_history_take()),
    written AS (
        INSERT INTO mesh.access_history_log (product_id, product, role, read_at, query_id, columns, keep_until)
        SELECT t.product_id,
               -- a product dropped since the read keeps the name of its earlier records
               coalesce(p.domain || '.' || p.name,
                        (SELECT h.product FROM mesh.access_history_log h
                          WHERE h.product_id = t.product_id AND h.product IS NOT NULL
                          ORDER BY h.read_at DESC LIMIT 1)),
               t.role::regrole,
               t.read_at,
               t.query_id,
               CASE WHEN t.all_columns
                    THEN ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid = t.port AND a.attnum > 0 AND NOT a.attisdropped
                                ORDER BY a.attnum)
                    ELSE ARRAY(SELECT coalesce(a.attname::text, '#' || n)
                                 FROM unnest(t.attnums) AS n
                                 LEFT JOIN pg_catalog.pg_attribute a
                                   ON a.attrelid = t.port AND a.attnum = n AND NOT a.attisdropped
                                ORDER BY n)
               END,
               t.read_at + coalesce(s.retention, interval '180 days')
          FROM taken t
          LEFT JOIN mesh.data_products p ON p.id = t.product_id
          LEFT JOIN mesh.access_history_settings s ON s.product_id = t.product_id
        RETURNING 1)
    SELECT count(*) INTO records FROM written;

    PERFORM mesh._purge_access_history();
    RETURN counters + records;
END
$$;

CREATE FUNCTION mesh.flush_usage() RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.flush_usage() IS
    'write the shared-memory usage counters to mesh.usage_daily and the access history buffer to mesh.access_history; returns the number of counters and records written';

-- ---- popularity ---------------------------------------------------------------

-- Popularity over the last 30 days (UTC, today included): distinct reading
-- roles plus ln(1 + reads), so that breadth of use counts more than one
-- role's volume.  0 for a product nobody read.
CREATE FUNCTION mesh._popularity(product_id bigint) RETURNS numeric
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(round((count(DISTINCT u.role) + ln(1 + sum(u.reads)))::numeric, 3), 0)
      FROM mesh.usage_daily u
     WHERE u.product_id = _popularity.product_id
       AND u.day > (now() AT TIME ZONE 'UTC')::date - 30
$$;

CREATE OR REPLACE VIEW mesh.products AS
SELECT p.domain || '.' || p.name AS product,
       p.domain,
       p.name,
       p.version,
       p.status,
       p.owner,
       p.access_level,
       p.purpose,
       p.freshness,
       (SELECT count(*)::integer FROM mesh.data_product_columns c WHERE c.product_id = p.id) AS column_count,
       p.tags,
       p.port,
       p.created_at,
       p.created_by,
       p.updated_at,
       p.updated_by,
       mesh._popularity(p.id) AS popularity
  FROM mesh.data_products p;
COMMENT ON VIEW mesh.products IS 'one row per data product; popularity: distinct reading roles + ln(1 + reads) over the last 30 days';

REVOKE ALL ON FUNCTION mesh._usage_take(), mesh._access_history_take(), mesh._access_history_auditor(),
    mesh._on_store_50_usage(regrole, bigint, jsonb), mesh._usage_catalog_changed(),
    mesh._purge_access_history(), mesh._flush_usage(regrole), mesh._popularity(bigint) FROM PUBLIC;
-- read-only helpers of mesh.products and mesh.access_history, run by every reader
GRANT EXECUTE ON FUNCTION mesh._popularity(bigint), mesh._access_history_auditor() TO PUBLIC;
