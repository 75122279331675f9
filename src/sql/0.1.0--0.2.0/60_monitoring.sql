-- Monitoring: incidents and their subscribers, freshness and SLAs, retention,
-- the scheduler's run log and the executive KPIs (docs/monitoring.md).
--
-- The background workers (src/worker_*.c) call the mesh._* functions below;
-- the commit-time freshness tracker (src/freshness*.c) keeps the last change
-- of every tracked relation in shared memory and the scheduler persists it
-- into mesh.freshness_state.

-- ---------------------------------------------------------------------------
-- Incidents
-- ---------------------------------------------------------------------------

CREATE SEQUENCE mesh.incident_id_seq;
CREATE TABLE mesh.incidents (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('mesh.incident_id_seq'),
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$'),
    subject         text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('warn', 'error')),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    -- when the problem began (a missed deadline, a failed run), and when meshpg saw it
    opened_at       timestamptz NOT NULL,
    detected_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    acknowledged_at timestamptz,
    acknowledged_by text,
    note            text,
    resolved_at     timestamptz,
    details         jsonb NOT NULL DEFAULT '{}',
    time_to_detect  interval GENERATED ALWAYS AS (detected_at OPERATOR(pg_catalog.-) opened_at) STORED,
    time_to_recover interval GENERATED ALWAYS AS (resolved_at OPERATOR(pg_catalog.-) opened_at) STORED,
    CHECK (detected_at >= opened_at),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
COMMENT ON TABLE mesh.incidents IS 'broken promises of data products: SLA breaches and failed checks, from open to resolved';
-- one incident in flight per product, kind and subject (what makes _open_incident idempotent)
CREATE UNIQUE INDEX incidents_one_in_flight ON mesh.incidents (product_id, kind, subject)
    WHERE status <> 'resolved';
CREATE INDEX incidents_product_opened ON mesh.incidents (product_id, opened_at);

CREATE TABLE mesh.subscriptions (
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    role            regrole NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (product_id, role)
);
COMMENT ON TABLE mesh.subscriptions IS 'roles told about the incidents of a product (channel mesh_incident_<product id>); each role sees its own rows';
ALTER TABLE mesh.subscriptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY subscriptions_own ON mesh.subscriptions FOR SELECT
    USING (pg_catalog.pg_has_role(CURRENT_USER, role, 'MEMBER'));

-- the channel a subscriber of one product LISTENs on
CREATE FUNCTION mesh.incident_channel(product text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT 'mesh_incident_' || (mesh._find_product(product)).id $$;
COMMENT ON FUNCTION mesh.incident_channel(text) IS
    'the NOTIFY channel that carries the incidents of one product (LISTEN on it after mesh.subscribe)';

-- the JSON payload of an incident notification (under 8000 bytes, as NOTIFY requires)
CREATE FUNCTION mesh._incident_payload(incident mesh.incidents, event text) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    payload jsonb;
    product text;
    subscribers jsonb;
BEGIN
    SELECT p.domain || '.' || p.name INTO product FROM mesh.data_products p WHERE p.id = incident.product_id;
    SELECT coalesce(jsonb_agg(mesh._role_name(s.role) ORDER BY mesh._role_name(s.role)), '[]'::jsonb)
      INTO subscribers
      FROM mesh.subscriptions s WHERE s.product_id = incident.product_id;
    payload := jsonb_build_object(
        'event', event, 'id', incident.id, 'product', product, 'kind', incident.kind,
        'subject', left(incident.subject, 200), 'severity', incident.severity,
        'status', incident.status, 'opened_at', incident.opened_at,
        'detected_at', incident.detected_at, 'acknowledged_at', incident.acknowledged_at,
        'resolved_at', incident.resolved_at,
        'channel', 'mesh_incident_' || incident.product_id,
        'subscribers', subscribers);
    -- a long subscriber list is replaced by its length (they read mesh.subscriptions)
    IF octet_length(payload::text) > 7000 THEN
        payload := payload - 'subscribers'
                   || jsonb_build_object('subscriber_count', jsonb_array_length(subscribers),
                                         'subscribers_truncated', true);
    END IF;
    RETURN payload;
END
$$;

-- NOTIFY mesh_incidents and the product's own channel with one JSON payload (sent at commit)
CREATE FUNCTION mesh._notify_incident(incident mesh.incidents, event text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    payload text := mesh._incident_payload(incident, event)::text;
BEGIN
    PERFORM pg_notify('mesh_incidents', payload);
    PERFORM pg_notify('mesh_incident_' || incident.product_id, payload);
END
$$;

-- open an incident (or return the one in flight); the checks engine and the scheduler call it
CREATE FUNCTION mesh._open_incident(product_id bigint, kind text, subject text, severity text,
                                    details jsonb)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    since timestamptz;
    row mesh.incidents;
    attempt integer;
BEGIN
    PERFORM mesh._require(product_id, 'product_id');
    PERFORM mesh._require(kind, 'kind');
    PERFORM mesh._require(subject, 'subject');
    IF kind OPERATOR(pg_catalog.!~) '^[a-z][a-z0-9_]*$' THEN
        RAISE EXCEPTION 'invalid incident kind "%"', kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A kind is a lowercase word such as freshness, check or retention.';
    END IF;
    IF severity IS NULL OR severity NOT IN ('warn', 'error') THEN
        RAISE EXCEPTION 'invalid incident severity "%"', severity
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use warn or error.';
    END IF;
    IF NOT EXISTS (SELECT FROM mesh.data_products p WHERE p.id = _open_incident.product_id) THEN
        RAISE EXCEPTION 'data product with id % does not exist', product_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'Pass the id of a row of mesh.data_products.';
    END IF;
    -- details.since: when the problem began (a missed deadline); never in the future
    since := least(coalesce((details ->> 'since')::timestamptz, now()), now());

    -- twice at most: when another session opens the same incident between our look and our
    -- insert, the insert finds the conflict and the second look finds its incident
    FOR attempt IN 1 .. 2 LOOP
        SELECT * INTO row FROM mesh.incidents i
         WHERE i.product_id = _open_incident.product_id AND i.kind = _open_incident.kind
           AND i.subject = _open_incident.subject AND i.status <> 'resolved'
           FOR UPDATE;
        IF FOUND THEN
            -- still broken: keep the incident, refresh what was observed
            UPDATE mesh.incidents i
               SET details = coalesce(_open_incident.details, '{}'::jsonb),
                   severity = CASE WHEN i.severity = 'error' THEN 'error' ELSE _open_incident.severity END
             WHERE i.id = row.id;
            RETURN row.id;
        END IF;

        INSERT INTO mesh.incidents AS i (product_id, kind, subject, severity, opened_at, detected_at, details)
        VALUES (_open_incident.product_id, _open_incident.kind, _open_incident.subject,
                _open_incident.severity, since, now(), coalesce(_open_incident.details, '{}'::jsonb))
        ON CONFLICT DO NOTHING
        RETURNING * INTO row;
        IF FOUND THEN
            PERFORM mesh._notify_incident(row, 'opened');
            RETURN row.id;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'could not open incident %/% of data product %: it was opened concurrently', kind, subject, product_id
        USING ERRCODE = 'serialization_failure',
              HINT = 'Retry the transaction; in READ COMMITTED this does not happen.';
END
$$;

-- resolve the incident in flight for product/kind/subject, if any; returns how many
CREATE FUNCTION mesh._resolve_incident(product_id bigint, kind text, subject text)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    row mesh.incidents;
    n integer := 0;
BEGIN
    PERFORM mesh._require(product_id, 'product_id');
    PERFORM mesh._require(kind, 'kind');
    PERFORM mesh._require(subject, 'subject');
    FOR row IN
        UPDATE mesh.incidents i
           SET status = 'resolved', resolved_at = greatest(now(), i.detected_at)
         WHERE i.product_id = _resolve_incident.product_id AND i.kind = _resolve_incident.kind
           AND i.subject = _resolve_incident.subject AND i.status <> 'resolved'
        RETURNING *
    LOOP
        PERFORM mesh._notify_incident(row, 'resolved');
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

CREATE FUNCTION mesh._acknowledge_incident(caller regrole, id bigint, note text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    row mesh.incidents;
    p mesh.data_products;
BEGIN
    PERFORM mesh._require(id, 'id');
    SELECT * INTO row FROM mesh.incidents i WHERE i.id = _acknowledge_incident.id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'incident % does not exist', id
            USING ERRCODE = 'undefined_object',
                  HINT = 'List incidents with SELECT * FROM mesh.incidents WHERE status <> ''resolved''.';
    END IF;
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = row.product_id;
    IF NOT pg_has_role(caller, p.owner, 'MEMBER')
       AND NOT pg_has_role(caller, (SELECT d.owner FROM mesh.domains d WHERE d.name = p.domain), 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied for incident %', id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only members of the owner role %s of data product "%s.%s" or of its domain owner can acknowledge its incidents.',
                                  quote_ident(mesh._role_name(p.owner)), p.domain, p.name),
                  HINT = format('Ask for GRANT %s TO %s.', quote_ident(mesh._role_name(p.owner)),
                                quote_ident(mesh._role_name(caller)));
    END IF;
    IF row.status = 'resolved' THEN
        RAISE EXCEPTION 'incident % is already resolved', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'It was resolved when the product recovered.',
                  HINT = 'Only open incidents can be acknowledged; a new breach opens a new incident.';
    END IF;
    IF row.status = 'acknowledged' THEN
        RAISE NOTICE 'incident % was already acknowledged by %', id, row.acknowledged_by;
        RETURN;
    END IF;
    UPDATE mesh.incidents i
       SET status = 'acknowledged', acknowledged_at = greatest(now(), i.detected_at),
           acknowledged_by = mesh._role_name(caller), note = _acknowledge_incident.note
     WHERE i.id = row.id
    RETURNING * INTO row;
    PERFORM mesh._notify_incident(row, 'acknowledged');
END
$$;

CREATE FUNCTION mesh.acknowledge_incident(id bigint, note text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.acknowledge_incident(bigint, text) IS
    'acknowledge an open incident of a product you own, with an optional note';

CREATE FUNCTION mesh._subscribe(caller regrole, product text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
BEGIN
    INSERT INTO mesh.subscriptions (product_id, role) VALUES (p.id, caller)
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION mesh.subscribe(product text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.subscribe(text) IS
    'be told about the incidents of a product: LISTEN on mesh.incident_channel(product)';

CREATE FUNCTION mesh._unsubscribe(caller regrole, product text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products := mesh._find_product(product);
BEGIN
    DELETE FROM mesh.subscriptions s WHERE s.product_id = p.id AND s.role = caller;
    IF NOT FOUND THEN
        RAISE NOTICE 'role % was not subscribed to data product "%"', mesh._role_name(caller), product;
    END IF;
END
$$;

CREATE FUNCTION mesh.unsubscribe(product text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.unsubscribe(text) IS 'stop being told about the incidents of a product';

-- ---------------------------------------------------------------------------
-- Freshness: tracked relations, persisted commit times, declared columns
-- ---------------------------------------------------------------------------

CREATE TABLE mesh.freshness_sources (
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    relation        regclass NOT NULL,
    PRIMARY KEY (product_id, relation)
);
COMMENT ON TABLE mesh.freshness_sources IS 'base relations whose committed changes make a product fresh (computed from its port)';
CREATE INDEX freshness_sources_relation ON mesh.freshness_sources (relation);

CREATE TABLE mesh.freshness_state (
    relation        oid PRIMARY KEY,
    last_change     timestamptz NOT NULL
);
COMMENT ON TABLE mesh.freshness_state IS 'last committed change of tracked relations, persisted by the scheduler from shared memory (relation oids: this is server state, not dumped)';

CREATE TABLE mesh.freshness_observations (
    product_id      bigint PRIMARY KEY REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    column_name     text NOT NULL,
    data_time       timestamptz,
    observed_at     timestamptz NOT NULL,
    error           text
);
COMMENT ON TABLE mesh.freshness_observations IS 'max(freshness_column) of products that declare one, as last measured by the scheduler';

-- every base relation (table, partition, matview, foreign table) a relation reads, through views
CREATE FUNCTION mesh._base_relations(rel regclass) RETURNS SETOF regclass
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH RECURSIVE reads(relid) AS (
        SELECT rel::oid
        UNION
        SELECT d.refobjid
          FROM reads
          JOIN pg_catalog.pg_class c ON c.oid = reads.relid AND c.relkind = 'v'
          JOIN pg_catalog.pg_rewrite r ON r.ev_class = c.oid
          JOIN pg_catalog.pg_depend d
            ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
           AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> c.oid
    ), base AS (
        SELECT c.oid, c.relkind FROM reads JOIN pg_catalog.pg_class c ON c.oid = reads.relid
         WHERE c.relkind IN ('r', 'p', 'm', 'f')
    )
    SELECT oid::regclass FROM base
    UNION
    SELECT t.relid::regclass FROM base CROSS JOIN LATERAL pg_catalog.pg_partition_tree(base.oid) t
     WHERE base.relkind = 'p'
$$;

-- tell every backend that the set of tracked relations changed (relcache callback, at commit)
CREATE FUNCTION mesh._freshness_invalidate() RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_freshness_invalidate';

-- recompute the tracked relations of one product
CREATE FUNCTION mesh._refresh_freshness_sources(product_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    port regclass := (SELECT p.port FROM mesh.data_products p WHERE p.id = product_id);
BEGIN
    IF EXISTS (SELECT FROM mesh.freshness_sources s WHERE s.product_id = _refresh_freshness_sources.product_id
               EXCEPT SELECT FROM mesh._base_relations(port))
       OR (SELECT count(*) FROM mesh._base_relations(port))
          <> (SELECT count(*) FROM mesh.freshness_sources s WHERE s.product_id = _refresh_freshness_sources.product_id) THEN
        DELETE FROM mesh.freshness_sources s WHERE s.product_id = _refresh_freshness_sources.product_id;
        INSERT INTO mesh.freshness_sources (product_id, relation)
        SELECT _refresh_freshness_sources.product_id, b FROM mesh._base_relations(port) b
        ON CONFLICT DO NOTHING;
        PERFORM mesh._freshness_invalidate();
    END IF;
END
$$;

-- shared-memory commit times of this database's tracked relations (not yet persisted ones included)
CREATE FUNCTION mesh._freshness_live(OUT relation oid, OUT last_change timestamptz) RETURNS SETOF record
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'meshpg_freshness_live';

-- last committed change of products (all, or those listed): shared memory, else what was persisted
CREATE FUNCTION mesh._product_last_change(products bigint[] DEFAULT NULL, OUT product_id bigint,
                                          OUT last_change timestamptz)
    RETURNS SETOF record
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH live AS MATERIALIZED (SELECT * FROM mesh._freshness_live()),
    src AS (
        SELECT fs.product_id, fs.relation::oid AS relation FROM mesh.freshness_sources fs
         WHERE products IS NULL OR fs.product_id = ANY (products)
    )
    SELECT src.product_id, max(greatest(l.last_change, s.last_change))
      FROM src
      LEFT JOIN live l ON l.relation = src.relation
      LEFT JOIN mesh.freshness_state s ON s.relation = src.relation
     GROUP BY src.product_id
    HAVING max(greatest(l.last_change, s.last_change)) IS NOT NULL
$$;

-- the window instances (start, end) of a delivery window whose end falls in [from_time, to_time]
CREATE FUNCTION mesh._delivery_windows(window_spec jsonb, from_time timestamptz, to_time timestamptz,
                                       OUT window_start timestamptz, OUT window_end timestamptz)
    RETURNS SETOF record
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH spec AS (
        SELECT (window_spec ->> 'start')::time AS s, (window_spec ->> 'end')::time AS e,
               window_spec ->> 'timezone' AS tz,
               CASE WHEN window_spec ? 'days'
                    THEN ARRAY(SELECT jsonb_array_elements_text(window_spec -> 'days'))
                    ELSE ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] END AS days
    ), day AS (
        -- local calendar days around the interval; a window belongs to the day it starts
        SELECT spec.*, d::date AS d
          FROM spec CROSS JOIN LATERAL pg_catalog.generate_series(
                   (timezone(spec.tz, from_time))::date - 2, (timezone(spec.tz, to_time))::date + 1,
                   interval '1 day') AS d
    ), w AS (
        SELECT timezone(tz, (d + s)::timestamp) AS window_start,
               timezone(tz, (CASE WHEN e <= s THEN d + 1 ELSE d END + e)::timestamp) AS window_end
          FROM day
         WHERE lower(to_char(d, 'Dy')) = ANY (days)
    )
    SELECT window_start, window_end FROM w
     WHERE window_end >= from_time AND window_end <= to_time
     ORDER BY window_end
$$;

-- the SLA rules of one product and, for each, since when it is breached (past deadline) or
-- when it will be (future deadline); NULL deadline: not measurable yet
CREATE FUNCTION mesh._sla_deadlines(sla jsonb, last_change timestamptz, data_time timestamptz,
                                    at timestamptz, OUT rule text, OUT deadline timestamptz,
                                    OUT measured timestamptz)
    RETURNS SETOF record
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    last_window record;
    next_window record;
BEGIN
    IF sla ? 'freshness' THEN
        rule := 'freshness';
        measured := CASE WHEN sla ? 'freshness_column' THEN data_time ELSE last_change END;
        deadline := measured + (sla ->> 'freshness')::interval;
        RETURN NEXT;
    END IF;
    IF sla ? 'cadence' THEN
        rule := 'cadence';
        measured := last_change;
        deadline := last_change + (sla ->> 'cadence')::interval;
        RETURN NEXT;
    END IF;
    IF sla ? 'delivery_window' THEN
        rule := 'delivery_window';
        measured := last_change;
        -- the latest window that has closed: was something delivered since it opened?
        SELECT * INTO last_window FROM mesh._delivery_windows(sla -> 'delivery_window', at - interval '8 days', at) w
         ORDER BY w.window_end DESC LIMIT 1;
        IF FOUND AND (last_change IS NULL OR last_change < last_window.window_start) THEN
            deadline := last_window.window_end;
        ELSE
            -- the next window not yet delivered
            SELECT * INTO next_window
              FROM mesh._delivery_windows(sla -> 'delivery_window', at, at + interval '8 days') w
             WHERE last_change IS NULL OR last_change < w.window_start
             ORDER BY w.window_end LIMIT 1;
            deadline := next_window.window_end;
        END IF;
        RETURN NEXT;
    END IF;
END
$$;

-- freshness of every product (or of those listed) against its contract, at a given time
CREATE FUNCTION mesh._freshness_at(at timestamptz, products bigint[] DEFAULT NULL)
    RETURNS TABLE (product_id bigint, product text, rule text, last_change timestamptz,
                   data_time timestamptz, age interval, sla jsonb, deadline timestamptz, breached boolean)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT p.id, p.domain || '.' || p.name, d.rule, lc.last_change, o.data_time,
           at - coalesce(CASE WHEN p.sla ? 'freshness_column' THEN o.data_time END, lc.last_change),
           p.sla, d.deadline, coalesce(d.deadline <= at, false)
      FROM mesh.data_products p
      LEFT JOIN mesh._product_last_change(products) lc ON lc.product_id = p.id
      LEFT JOIN mesh.freshness_observations o ON o.product_id = p.id
      LEFT JOIN LATERAL mesh._sla_deadlines(p.sla, lc.last_change, o.data_time, at) d ON true
     WHERE products IS NULL OR p.id = ANY (products)
$$;

CREATE VIEW mesh.freshness AS
    SELECT f.product, f.last_change, f.age, f.sla, f.breached, f.rule, f.data_time, f.deadline,
           f.product_id
      FROM mesh._freshness_at(pg_catalog.now()) f;
COMMENT ON VIEW mesh.freshness IS 'per product and SLA rule: last committed change (or max of the declared freshness column), age, deadline and whether it is breached';

-- persist commit times from shared memory (the scheduler, each naptime there is something new)
CREATE FUNCTION mesh._freshness_persist(relations oid[], changes timestamptz[]) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    INSERT INTO mesh.freshness_state AS s (relation, last_change)
    SELECT r, c FROM unnest(relations, changes) AS u(r, c)
    ON CONFLICT (relation) DO UPDATE
       SET last_change = greatest(s.last_change, excluded.last_change);
    -- forget relations that no longer exist
    DELETE FROM mesh.freshness_state s
     WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = s.relation);
$$;

-- max(freshness_column) of one product, read through its port as the product owner
CREATE FUNCTION mesh._freshness_column_statement(product_id bigint, OUT owner regrole, OUT statement text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT p.owner, format('SELECT pg_catalog.max(%I)::pg_catalog.timestamptz FROM %s',
                           p.sla ->> 'freshness_column', mesh._relation_name(p.port))
      FROM mesh.data_products p
     WHERE p.id = product_id AND p.sla ? 'freshness_column'
$$;

-- products whose declared freshness column must be measured now: their sources changed since the
-- last measure, their deadline is due, or they were never measured
CREATE FUNCTION mesh._freshness_columns_due(at timestamptz) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH declared AS MATERIALIZED (
        SELECT p.id, p.sla FROM mesh.data_products p WHERE p.sla ? 'freshness_column'
    )
    SELECT p.id
      FROM declared p
      LEFT JOIN mesh.freshness_observations o ON o.product_id = p.id
      LEFT JOIN mesh._product_last_change(ARRAY(SELECT id FROM declared)) lc ON lc.product_id = p.id
     WHERE true
       AND (o.product_id IS NULL
            OR o.column_name IS DISTINCT FROM p.sla ->> 'freshness_column'
            OR lc.last_change > o.observed_at
            OR o.data_time + (p.sla ->> 'freshness')::interval <= at
            -- a failed measure is tried again after five minutes
            OR (o.error IS NOT NULL AND o.observed_at < at - interval '5 minutes'))
$$;

CREATE FUNCTION mesh._record_freshness_observation(product_id bigint, data_time timestamptz, error text)
    RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    INSERT INTO mesh.freshness_observations AS o (product_id, column_name, data_time, observed_at, error)
    SELECT p.id, p.sla ->> 'freshness_column', data_time, pg_catalog.clock_timestamp(), error
      FROM mesh.data_products p WHERE p.id = product_id AND p.sla ? 'freshness_column'
    ON CONFLICT (product_id) DO UPDATE
       SET column_name = excluded.column_name,
           data_time = CASE WHEN excluded.error IS NULL THEN excluded.data_time ELSE o.data_time END,
           observed_at = excluded.observed_at, error = excluded.error
$$;

-- the next deadline of each product, so that a round evaluates only the products whose
-- sources changed or whose deadline came (derived: rebuilt by every full evaluation)
CREATE TABLE mesh.freshness_deadlines (
    product_id      bigint PRIMARY KEY REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    deadline        timestamptz NOT NULL
);
COMMENT ON TABLE mesh.freshness_deadlines IS 'next SLA deadline of each product, kept by the scheduler (derived state)';
CREATE INDEX freshness_deadlines_deadline ON mesh.freshness_deadlines (deadline);

-- open and resolve freshness incidents at a given time, for every product (changed IS NULL)
-- or for those whose sources are in changed or whose deadline has come; returns the next
-- future deadline of all products
CREATE FUNCTION mesh._evaluate_freshness(at timestamptz, changed oid[] DEFAULT NULL) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    f record;
    targets bigint[];
    ids bigint[] := '{}';
    deadlines timestamptz[] := '{}';
BEGIN
    IF changed IS NOT NULL THEN
        targets := ARRAY(SELECT s.product_id FROM mesh.freshness_sources s WHERE s.relation::oid = ANY (changed)
                         UNION
                         SELECT d.product_id FROM mesh.freshness_deadlines d WHERE d.deadline <= at);
        IF cardinality(targets) = 0 THEN
            RETURN (SELECT min(d.deadline) FROM mesh.freshness_deadlines d WHERE d.deadline > at);
        END IF;
    END IF;
    FOR f IN SELECT * FROM mesh._freshness_at(at, targets) x WHERE x.rule IS NOT NULL LOOP
        IF f.breached THEN
            BEGIN
                PERFORM mesh._open_incident(f.product_id, 'freshness', f.rule,
                    CASE WHEN f.sla ->> 'severity' = 'warn' THEN 'warn' ELSE 'error' END,
                    jsonb_build_object('since', f.deadline, 'deadline', f.deadline,
                                       'last_change', f.last_change, 'data_time', f.data_time,
                                       'sla', f.sla -> f.rule));
            EXCEPTION WHEN undefined_object OR foreign_key_violation THEN
                -- the product was dropped since this evaluation began
                NULL;
            END;
        ELSE
            IF EXISTS (SELECT FROM mesh.incidents i
                        WHERE i.product_id = f.product_id AND i.kind = 'freshness'
                          AND i.subject = f.rule AND i.status <> 'resolved') THEN
                PERFORM mesh._resolve_incident(f.product_id, 'freshness', f.rule);
            END IF;
            IF f.deadline IS NOT NULL THEN
                ids := ids || f.product_id;
                deadlines := deadlines || f.deadline;
            END IF;
        END IF;
    END LOOP;

    DELETE FROM mesh.freshness_deadlines d WHERE targets IS NULL OR d.product_id = ANY (targets);
    INSERT INTO mesh.freshness_deadlines (product_id, deadline)
    SELECT u.id, min(u.deadline) FROM unnest(ids, deadlines) AS u(id, deadline)
     WHERE EXISTS (SELECT FROM mesh.data_products p WHERE p.id = u.id)
     GROUP BY u.id
    ON CONFLICT (product_id) DO UPDATE SET deadline = least(excluded.deadline, mesh.freshness_deadlines.deadline);

    IF targets IS NULL THEN
        -- incidents of rules that were removed from the contract are over
        PERFORM mesh._resolve_incident(i.product_id, i.kind, i.subject)
           FROM mesh.incidents i JOIN mesh.data_products p ON p.id = i.product_id
          WHERE i.kind = 'freshness' AND i.status <> 'resolved' AND NOT p.sla ? i.subject;
    END IF;
    RETURN (SELECT min(d.deadline) FROM mesh.freshness_deadlines d WHERE d.deadline > at);
END
$$;

-- ---------------------------------------------------------------------------
-- Descriptor keys of this module: sla.cadence, sla.freshness_column, sla.severity, retention
-- ---------------------------------------------------------------------------

CREATE FUNCTION mesh._valid_interval(value jsonb) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF jsonb_typeof(value) <> 'string' THEN
        RETURN false;
    END IF;
    RETURN (value #>> '{}')::interval > interval '0';
EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
    RETURN false;
END
$$;

CREATE FUNCTION mesh._on_store_60_monitoring(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    sla jsonb := coalesce(normalized -> 'sla', '{}'::jsonb);
    retention jsonb := normalized -> 'retention';
    col text;
    target regclass;
BEGIN
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = product_id;

    IF sla ? 'cadence' AND NOT mesh._valid_interval(sla -> 'cadence') THEN
        RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.sla.cadence: expected a positive interval like "1 day", not %',
                        p.domain, p.name, sla -> 'cadence'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The cadence is how often the product is expected to change.';
    END IF;
    IF sla ? 'severity' AND NOT (sla -> 'severity') <@ '["warn", "error"]'::jsonb THEN
        RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.sla.severity: expected "warn" or "error", not %',
                        p.domain, p.name, sla -> 'severity'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'It is the severity of the incidents opened when the SLA is breached.';
    END IF;
    IF sla ? 'freshness_column' THEN
        col := sla ->> 'freshness_column';
        IF jsonb_typeof(sla -> 'freshness_column') <> 'string' OR NOT EXISTS (
               SELECT FROM mesh.data_product_columns c
                WHERE c.product_id = _on_store_60_monitoring.product_id AND c.name = col
                  AND c.type IN ('timestamp with time zone', 'timestamp without time zone', 'date')) THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.sla.freshness_column: % is not a date or timestamp column of the port',
                            p.domain, p.name, sla -> 'freshness_column'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Name a column of type date, timestamp or timestamptz that holds when each row''s data happened.';
        END IF;
        IF NOT sla ? 'freshness' THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.sla.freshness_column: needs $.sla.freshness', p.domain, p.name
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Declare the maximum age, e.g. "sla": {"freshness": "1 day", "freshness_column": "updated_at"}.';
        END IF;
    END IF;

    IF retention IS NOT NULL THEN
        IF jsonb_typeof(retention) <> 'object' THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention: expected an object with "period" and "column"', p.domain, p.name
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'For example "retention": {"period": "90 days", "column": "created_at"}.';
        END IF;
        IF NOT mesh._valid_interval(retention -> 'period') THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention.period: expected a positive interval like "90 days"', p.domain, p.name
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Rows older than the period are deleted or archived.';
        END IF;
        IF p.source_kind <> 'relation'
           OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = p.source_relation) NOT IN ('r', 'p') THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention: the source of the product is not a table', p.domain, p.name
                USING ERRCODE = 'wrong_object_type',
                      HINT = 'Retention deletes rows of the product''s source table; publish the product from a table to use it.';
        END IF;
        col := retention ->> 'column';
        IF jsonb_typeof(retention -> 'column') IS DISTINCT FROM 'string' OR NOT EXISTS (
               SELECT FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = p.source_relation AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.atttypid IN ('pg_catalog.timestamptz'::pg_catalog.regtype, 'pg_catalog.timestamp'::pg_catalog.regtype,
                                     'pg_catalog.date'::pg_catalog.regtype)) THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention.column: % is not a date or timestamp column of %',
                            p.domain, p.name, coalesce(retention -> 'column', 'null'::jsonb), mesh._relation_name(p.source_relation)
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Name the column that says how old each row is.';
        END IF;
        IF coalesce(retention ->> 'action', 'delete') NOT IN ('delete', 'archive') THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention.action: expected "delete" or "archive", not %',
                            p.domain, p.name, retention -> 'action'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Archive moves expired rows to $.retention.archive_table.';
        END IF;
        IF retention ->> 'action' = 'archive' THEN
            target := pg_catalog.to_regclass(retention ->> 'archive_table');
            IF target IS NULL OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = target) NOT IN ('r', 'p') THEN
                RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention.archive_table: % is not an existing table',
                                p.domain, p.name, coalesce(retention -> 'archive_table', 'null'::jsonb)
                    USING ERRCODE = 'undefined_table',
                          HINT = 'Create the archive table with the columns of the source table, e.g. CREATE TABLE ... (LIKE source), then name it schema-qualified.';
            END IF;
            IF NOT pg_catalog.has_table_privilege(p.owner, target, 'INSERT') THEN
                RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention.archive_table: the product owner % cannot insert into %',
                                p.domain, p.name, quote_ident(mesh._role_name(p.owner)), mesh._relation_name(target)
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = 'Retention runs as the product owner: grant it INSERT on the archive table.';
            END IF;
        END IF;
        IF retention ? 'batch_size' AND NOT (jsonb_typeof(retention -> 'batch_size') = 'number'
               AND (retention ->> 'batch_size')::numeric BETWEEN 1 AND 1000000
               AND (retention ->> 'batch_size')::numeric = trunc((retention ->> 'batch_size')::numeric)) THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention.batch_size: expected an integer between 1 and 1000000', p.domain, p.name
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Rows are deleted in batches of this size, one short transaction each (default 10000).';
        END IF;
        IF NOT (SELECT array_agg(k) FROM jsonb_object_keys(retention) k)
               <@ ARRAY['period', 'column', 'action', 'archive_table', 'batch_size'] THEN
            RAISE EXCEPTION 'invalid descriptor for data product "%.%": $.retention: unknown key %', p.domain, p.name,
                            (SELECT string_agg(quote_literal(k), ', ') FROM jsonb_object_keys(retention) k
                              WHERE k <> ALL (ARRAY['period', 'column', 'action', 'archive_table', 'batch_size']))
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Known keys: period, column, action, archive_table, batch_size.';
        END IF;
    END IF;

    PERFORM mesh._refresh_freshness_sources(product_id);
    -- a changed contract is evaluated again by the scheduler at once
    PERFORM mesh._scheduler_wakeup();
END
$$;

-- ---------------------------------------------------------------------------
-- Retention
-- ---------------------------------------------------------------------------

CREATE SEQUENCE mesh.retention_run_id_seq;
CREATE TABLE mesh.retention_runs (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('mesh.retention_run_id_seq'),
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    action          text NOT NULL CHECK (action IN ('delete', 'archive')),
    cutoff          timestamptz NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at     timestamptz,
    status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    batches         integer NOT NULL DEFAULT 0,
    rows            bigint NOT NULL DEFAULT 0,
    message         text
);
COMMENT ON TABLE mesh.retention_runs IS 'every retention run of the scheduler: rows deleted or archived, in how many batches, and why a run failed';
CREATE INDEX retention_runs_product ON mesh.retention_runs (product_id, started_at);

-- products whose retention is due: never run, or last run longer ago than interval_between
CREATE FUNCTION mesh._retention_due(interval_between interval) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT p.id FROM mesh.data_products p
     WHERE p.descriptor ? 'retention' AND p.source_kind = 'relation'
       AND NOT EXISTS (SELECT FROM mesh.retention_runs r
                        WHERE r.product_id = p.id
                          AND (r.status = 'running' OR r.started_at > pg_catalog.now() - interval_between))
     ORDER BY p.id
$$;

-- start a retention run (committed on its own, so a crash leaves it 'running' to be marked failed)
CREATE FUNCTION mesh._retention_start(product_id bigint, OUT run_id bigint, OUT owner regrole,
                                      OUT statement text, OUT batch_size integer)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    r jsonb;
    cutoff timestamptz;
    rel text;
    filter text;
BEGIN
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = product_id;
    r := p.descriptor -> 'retention';
    cutoff := pg_catalog.now() - (r ->> 'period')::interval;
    rel := mesh._relation_name(p.source_relation);
    batch_size := coalesce((r ->> 'batch_size')::integer, 10000);
    -- ctid batches: each statement locks at most batch_size rows, skipping rows others hold
    filter := format('SELECT ctid FROM %s WHERE %I < %L::pg_catalog.timestamptz LIMIT %s FOR UPDATE SKIP LOCKED',
                     rel, r ->> 'column', cutoff, batch_size);
    IF coalesce(r ->> 'action', 'delete') = 'archive' THEN
        statement := format('WITH moved AS (DELETE FROM %s WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(%s)) RETURNING *) '
                            'INSERT INTO %s SELECT * FROM moved',
                            rel, filter, mesh._relation_name((r ->> 'archive_table')::regclass));
    ELSE
        statement := format('DELETE FROM %s WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(%s))', rel, filter);
    END IF;
    owner := p.owner;
    INSERT INTO mesh.retention_runs (product_id, action, cutoff)
    VALUES (p.id, coalesce(r ->> 'action', 'delete'), cutoff)
    RETURNING id INTO run_id;
END
$$;

CREATE FUNCTION mesh._retention_progress(run_id bigint, batch_rows bigint) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    UPDATE mesh.retention_runs r SET batches = r.batches + 1, rows = r.rows + batch_rows WHERE r.id = run_id
$$;

CREATE FUNCTION mesh._retention_finish(run_id bigint, failure text) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    UPDATE mesh.retention_runs r
       SET status = CASE WHEN failure IS NULL THEN 'succeeded' ELSE 'failed' END,
           finished_at = pg_catalog.clock_timestamp(), message = failure
     WHERE r.id = run_id
$$;

-- ---------------------------------------------------------------------------
-- Scheduler: run log, start-up, wake-ups, status
-- ---------------------------------------------------------------------------

CREATE SEQUENCE mesh.worker_run_id_seq;
CREATE TABLE mesh.worker_runs (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('mesh.worker_run_id_seq'),
    task            text NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at     timestamptz,
    status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    pid             integer NOT NULL DEFAULT pg_catalog.pg_backend_pid(),
    message         text
);
COMMENT ON TABLE mesh.worker_runs IS 'units of scheduler work that ran (freshness evaluation, declared column measures); a run cut short by a crash is marked failed at the next start';

CREATE FUNCTION mesh._worker_run_start(task text) RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$ INSERT INTO mesh.worker_runs (task) VALUES (task) RETURNING id $$;

CREATE FUNCTION mesh._worker_run_finish(run_id bigint, failure text) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    UPDATE mesh.worker_runs r
       SET status = CASE WHEN failure IS NULL THEN 'succeeded' ELSE 'failed' END,
           finished_at = pg_catalog.clock_timestamp(), message = failure
     WHERE r.id = run_id;
    -- keep the log short: a week of history
    DELETE FROM mesh.worker_runs r
     WHERE r.id = run_id AND failure IS NULL AND r.task = 'freshness'
       AND EXISTS (SELECT FROM mesh.worker_runs o WHERE o.task = 'freshness' AND o.id < run_id - 10000);
    DELETE FROM mesh.worker_runs r WHERE r.finished_at < pg_catalog.now() - interval '7 days';
$$;

-- at scheduler start: whatever was running when the previous scheduler died has failed
CREATE FUNCTION mesh._scheduler_startup() RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    n integer;
    m integer;
BEGIN
    UPDATE mesh.worker_runs r
       SET status = 'failed', finished_at = pg_catalog.clock_timestamp(),
           message = 'interrupted: the scheduler stopped (crash, shutdown or termination) during the run'
     WHERE r.status = 'running';
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE mesh.retention_runs r
       SET status = 'failed', finished_at = pg_catalog.clock_timestamp(),
           message = 'interrupted: the scheduler stopped (crash, shutdown or termination) during the run'
     WHERE r.status = 'running';
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n + m;
END
$$;

-- persisted commit times, loaded into shared memory when the scheduler starts
CREATE FUNCTION mesh._freshness_saved(OUT relation oid, OUT last_change timestamptz) RETURNS SETOF record
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT s.relation, s.last_change FROM mesh.freshness_state s $$;

-- wake the launcher (CREATE EXTENSION: start this database's scheduler now)
CREATE FUNCTION mesh._launcher_wakeup() RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_launcher_wakeup';
-- wake this database's scheduler (a contract changed: evaluate again now)
CREATE FUNCTION mesh._scheduler_wakeup() RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_scheduler_wakeup';

CREATE FUNCTION mesh._worker_status(OUT pid integer, OUT database name, OUT role text, OUT state text,
                                    OUT started_at timestamptz, OUT last_run timestamptz,
                                    OUT next_wakeup timestamptz, OUT runs bigint, OUT errors bigint,
                                    OUT last_error text, OUT last_error_at timestamptz)
    RETURNS SETOF record
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'meshpg_worker_status';

CREATE VIEW mesh.worker_status AS SELECT * FROM mesh._worker_status();
COMMENT ON VIEW mesh.worker_status IS 'the meshpg launcher and the scheduler of each database: state, last run, next wake-up, errors';

-- ---------------------------------------------------------------------------
-- Executive KPIs per domain
-- ---------------------------------------------------------------------------

-- products with at least one enabled check (mesh.checks comes with the checks engine)
CREATE FUNCTION mesh._products_with_checks() RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF pg_catalog.to_regclass('mesh.checks') IS NOT NULL THEN
        RETURN QUERY EXECUTE 'SELECT DISTINCT c.product_id FROM mesh.checks c WHERE c.enabled';
    END IF;
END
$$;

CREATE VIEW mesh.domain_kpis AS
    WITH fresh AS (
        SELECT f.product_id, bool_or(f.breached) AS breached, count(*) AS rules
          FROM mesh.freshness f WHERE f.rule IS NOT NULL GROUP BY f.product_id
    ), checked AS MATERIALIZED (
        SELECT * FROM mesh._products_with_checks() AS c(product_id)
    ), inc AS (
        SELECT p.domain,
               count(*) FILTER (WHERE i.opened_at >= pg_catalog.now() - interval '30 days') AS incidents_30d,
               count(*) FILTER (WHERE i.status <> 'resolved') AS open_incidents,
               avg(i.time_to_recover) FILTER (WHERE i.status = 'resolved'
                                                AND i.opened_at >= pg_catalog.now() - interval '90 days') AS mttr_90d,
               avg(i.time_to_detect) FILTER (WHERE i.opened_at >= pg_catalog.now() - interval '90 days') AS mttd_90d
          FROM mesh.incidents i JOIN mesh.data_products p ON p.id = i.product_id
         GROUP BY p.domain
    ), products AS (
        SELECT p.domain,
               count(*) FILTER (WHERE p.status <> 'retired') AS products,
               -- an accountable owner: a product owner of its own, or a support channel
               count(*) FILTER (WHERE p.status <> 'retired'
                                  AND (p.owner IS DISTINCT FROM d.owner
                                       OR jsonb_array_length(p.support) > 0)) AS with_owner,
               count(*) FILTER (WHERE p.status <> 'retired' AND fresh.rules > 0) AS with_sla,
               count(*) FILTER (WHERE p.status <> 'retired' AND p.id IN (SELECT product_id FROM checked)) AS with_checks,
               count(*) FILTER (WHERE p.status <> 'retired' AND fresh.rules > 0 AND NOT fresh.breached) AS fresh_to_contract,
               count(*) FILTER (WHERE p.created_at >= date_trunc('quarter', pg_catalog.now())) AS shipped_this_quarter,
               count(*) FILTER (WHERE p.created_at >= date_trunc('quarter', pg_catalog.now()) - interval '3 months'
                                  AND p.created_at < date_trunc('quarter', pg_catalog.now())) AS shipped_last_quarter
          FROM mesh.data_products p
          JOIN mesh.domains d ON d.name = p.domain
          LEFT JOIN fresh ON fresh.product_id = p.id
         GROUP BY p.domain
    )
    SELECT d.name AS domain,
           coalesce(pr.products, 0) AS products,
           round(100.0 * pr.with_owner / nullif(pr.products, 0), 1) AS pct_with_owner,
           round(100.0 * pr.with_sla / nullif(pr.products, 0), 1) AS pct_with_sla,
           round(100.0 * pr.with_checks / nullif(pr.products, 0), 1) AS pct_with_checks,
           round(100.0 * pr.fresh_to_contract / nullif(pr.with_sla, 0), 1) AS pct_fresh_to_contract,
           coalesce(inc.incidents_30d, 0) AS incidents_last_30_days,
           coalesce(inc.open_incidents, 0) AS open_incidents,
           inc.mttd_90d AS mean_time_to_detect,
           inc.mttr_90d AS mean_time_to_recover,
           coalesce(pr.shipped_this_quarter, 0) AS shipped_this_quarter,
           coalesce(pr.shipped_last_quarter, 0) AS shipped_last_quarter
      FROM mesh.domains d
      LEFT JOIN products pr ON pr.domain = d.name
      LEFT JOIN inc ON inc.domain = d.name;
COMMENT ON VIEW mesh.domain_kpis IS 'executive metrics per domain: % of products with a named owner, an SLA and checks, freshness against contract, incidents, mean time to detect/recover, products shipped per quarter';

-- ---------------------------------------------------------------------------
-- Privileges, dumps, wiring
-- ---------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('mesh.incident_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.retention_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.incidents', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.subscriptions', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.retention_runs', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.freshness_sources', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.freshness_observations', '');

REVOKE ALL ON SEQUENCE mesh.incident_id_seq, mesh.retention_run_id_seq, mesh.worker_run_id_seq FROM PUBLIC;
REVOKE ALL ON mesh.incidents, mesh.subscriptions, mesh.freshness_sources, mesh.freshness_state, mesh.freshness_deadlines,
    mesh.freshness_observations, mesh.retention_runs, mesh.worker_runs,
    mesh.freshness, mesh.worker_status, mesh.domain_kpis FROM PUBLIC;
GRANT SELECT ON mesh.incidents, mesh.subscriptions, mesh.freshness_sources, mesh.freshness_state, mesh.freshness_deadlines,
    mesh.freshness_observations, mesh.retention_runs, mesh.worker_runs,
    mesh.freshness, mesh.worker_status, mesh.domain_kpis TO PUBLIC;

-- this part's internal functions: the API implementations and the scheduler's entry points
REVOKE ALL ON FUNCTION
    mesh._incident_payload(mesh.incidents, text),
    mesh._notify_incident(mesh.incidents, text),
    mesh._open_incident(bigint, text, text, text, jsonb),
    mesh._resolve_incident(bigint, text, text),
    mesh._acknowledge_incident(regrole, bigint, text),
    mesh._subscribe(regrole, text),
    mesh._unsubscribe(regrole, text),
    mesh._base_relations(regclass),
    mesh._freshness_invalidate(),
    mesh._refresh_freshness_sources(bigint),
    mesh._freshness_live(),
    mesh._product_last_change(bigint[]),
    mesh._delivery_windows(jsonb, timestamptz, timestamptz),
    mesh._sla_deadlines(jsonb, timestamptz, timestamptz, timestamptz),
    mesh._freshness_at(timestamptz, bigint[]),
    mesh._freshness_persist(oid[], timestamptz[]),
    mesh._freshness_column_statement(bigint),
    mesh._freshness_columns_due(timestamptz),
    mesh._record_freshness_observation(bigint, timestamptz, text),
    mesh._evaluate_freshness(timestamptz, oid[]),
    mesh._valid_interval(jsonb),
    mesh._on_store_60_monitoring(regrole, bigint, jsonb),
    mesh._retention_due(interval),
    mesh._retention_start(bigint),
    mesh._retention_progress(bigint, bigint),
    mesh._retention_finish(bigint, text),
    mesh._worker_run_start(text),
    mesh._worker_run_finish(bigint, text),
    mesh._scheduler_startup(),
    mesh._freshness_saved(),
    mesh._launcher_wakeup(),
    mesh._scheduler_wakeup(),
    mesh._worker_status(),
    mesh._products_with_checks()
    FROM PUBLIC;

-- read-only helpers of the public views (they read the catalog and shared memory, write nothing)
GRANT EXECUTE ON FUNCTION
    mesh._freshness_at(timestamptz, bigint[]),
    mesh._product_last_change(bigint[]),
    mesh._freshness_live(),
    mesh._sla_deadlines(jsonb, timestamptz, timestamptz, timestamptz),
    mesh._delivery_windows(jsonb, timestamptz, timestamptz),
    mesh._worker_status(),
    mesh._products_with_checks()
    TO PUBLIC;

-- products created before this upgrade: compute their tracked relations
SELECT mesh._refresh_freshness_sources(p.id) FROM mesh.data_products p;

-- start this database's scheduler now rather than at the launcher's next scan
SELECT mesh._launcher_wakeup();
