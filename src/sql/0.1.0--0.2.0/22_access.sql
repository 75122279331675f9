-- Access: access levels become grants on output ports, and requests, approvals,
-- denials, revocations and expiry for restricted and confidential products.
-- Reference: docs/access.md.
--
--   public        SELECT on the port granted to PUBLIC
--   internal      SELECT granted to the consumer role the DBA names
--                 (mesh.set_internal_consumer_role), if any
--   restricted    no grant until a request is approved by the product owner
--                 or domain owner (never by the requester)
--   confidential  the same, with two approvals by two different roles
--
-- Every grant meshpg makes is recorded in mesh.access_grants, so that a change
-- of access level revokes exactly what meshpg granted, and so that the read
-- hook (src/access_expiry.c) can refuse a time-limited grant past its end
-- before mesh._expire_access() revokes it.  Every decision is recorded in
-- mesh.access_requests, readable by the requester and the product's owners.

CREATE TABLE mesh.settings (
    key     text PRIMARY KEY,
    value   text NOT NULL
);
COMMENT ON TABLE mesh.settings IS 'settings of meshpg chosen by the DBA (mesh.set_internal_consumer_role)';
SELECT pg_catalog.pg_extension_config_dump('mesh.settings', '');
REVOKE ALL ON mesh.settings FROM PUBLIC;
GRANT SELECT ON mesh.settings TO PUBLIC;

CREATE SEQUENCE mesh.access_request_id_seq;
CREATE TABLE mesh.access_requests (
    id                  bigint PRIMARY KEY DEFAULT pg_catalog.nextval('mesh.access_request_id_seq'),
    product_id          bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    role                regrole NOT NULL,
    purpose             text NOT NULL CHECK (purpose OPERATOR(pg_catalog.~) '\S'),
    until               timestamptz,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'approved', 'denied', 'revoked', 'expired')),
    requested_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    decided_at          timestamptz,
    decided_by          regrole,
    reason              text,
    -- confidential products: the first of the two approvals
    first_approved_by   regrole,
    first_approved_at   timestamptz
);
COMMENT ON TABLE mesh.access_requests IS
    'requests for access to data products and every decision on them: who, when, why';
CREATE INDEX access_requests_product_idx ON mesh.access_requests (product_id, role);
SELECT pg_catalog.pg_extension_config_dump('mesh.access_requests', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.access_request_id_seq', '');
REVOKE ALL ON mesh.access_requests, mesh.access_request_id_seq FROM PUBLIC;
GRANT SELECT ON mesh.access_requests TO PUBLIC;
-- the requester and the product's owners see a request; nobody else does
ALTER TABLE mesh.access_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY access_requests_visible ON mesh.access_requests FOR SELECT TO PUBLIC
    USING (CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = role)  -- a dropped requester
                THEN pg_catalog.pg_has_role(CURRENT_USER, role, 'MEMBER') ELSE false END
           OR EXISTS (SELECT FROM mesh.data_products p JOIN mesh.domains d ON d.name = p.domain
                       WHERE p.id = product_id
                         AND (pg_catalog.pg_has_role(CURRENT_USER, p.owner, 'MEMBER')
                              OR pg_catalog.pg_has_role(CURRENT_USER, d.owner, 'MEMBER'))));

-- grants on ports made by meshpg; grantee NULL = PUBLIC
CREATE TABLE mesh.access_grants (
    product_id  bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    port        regclass NOT NULL,
    grantee     regrole,
    kind        text NOT NULL CHECK (kind IN ('public', 'internal', 'request')),
    request_id  bigint REFERENCES mesh.access_requests (id) ON DELETE CASCADE,
    until       timestamptz,
    granted_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CHECK ((kind = 'request') = (request_id IS NOT NULL)),
    CHECK ((kind = 'public') = (grantee IS NULL)),
    CHECK (kind = 'request' OR until IS NULL)
);
COMMENT ON TABLE mesh.access_grants IS 'SELECT grants on output ports made by meshpg (grantee NULL: PUBLIC)';
CREATE UNIQUE INDEX access_grants_grantee_idx
    ON mesh.access_grants (product_id, port, coalesce(grantee, 0::oid::regrole), kind, coalesce(request_id, 0));
SELECT pg_catalog.pg_extension_config_dump('mesh.access_grants', '');
REVOKE ALL ON mesh.access_grants FROM PUBLIC;
GRANT SELECT ON mesh.access_grants TO PUBLIC;

-- per-backend caches of time-limited grants (src/access_expiry.c) listen to this
CREATE FUNCTION mesh._access_grants_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._invalidate_relation('mesh.access_grants'::regclass);
    RETURN NULL;
END
$$;
CREATE TRIGGER access_grants_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mesh.access_grants
    FOR EACH STATEMENT EXECUTE FUNCTION mesh._access_grants_changed();

-- the role that internal products are granted to, or NULL
CREATE FUNCTION mesh._internal_consumer_role() RETURNS regrole
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT to_regrole(quote_ident(s.value)) FROM mesh.settings s WHERE s.key = 'internal_consumer_role' $$;

-- GRANT / REVOKE SELECT on a port, to a role or (NULL) to PUBLIC
CREATE FUNCTION mesh._grant_select(port regclass, grantee regrole, revoke boolean) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    -- a role dropped since (after DROP OWNED BY), or a port dropped since (an
    -- old version retired by the versions area), has no grant left to revoke
    IF revoke AND ((grantee IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = grantee))
                   OR NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = port)) THEN
        RETURN;
    END IF;
    EXECUTE format(CASE WHEN revoke THEN 'REVOKE SELECT ON %s FROM %s' ELSE 'GRANT SELECT ON %s TO %s' END,
                   mesh._relation_name(port),
                   CASE WHEN grantee IS NULL THEN 'PUBLIC' ELSE quote_ident(mesh._role_name(grantee)) END);
END
$$;

-- make a product's level grants (public, internal) what its access level says
CREATE FUNCTION mesh._apply_access_level(product_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    g mesh.access_grants;
    wanted_kind text;
    wanted_grantee regrole;
BEGIN
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = product_id;

    -- The port moved (a new version's port, see 41_versions.sql, which copies
    -- the ACL).  Approved requests follow the product to its current port, so
    -- that they still end there; their record on the previous port stays while
    -- that port exists (a kept major), so they end there too.  A level grant on
    -- a previous port is forgotten, not revoked: that port belongs to its
    -- version now, and it is gone or kept for its consumers until its sunset.
    FOR g IN
        SELECT * FROM mesh.access_grants ag
         WHERE ag.product_id = p.id AND ag.kind = 'request' AND ag.port <> p.port
           AND NOT EXISTS (SELECT FROM mesh.access_grants x WHERE x.request_id = ag.request_id AND x.port = p.port)
    LOOP
        PERFORM mesh._grant_select(p.port, g.grantee, revoke => false);
        INSERT INTO mesh.access_grants (product_id, port, grantee, kind, request_id, until, granted_at)
        VALUES (p.id, p.port, g.grantee, 'request', g.request_id, g.until, g.granted_at);
    END LOOP;
    DELETE FROM mesh.access_grants ag
     WHERE ag.product_id = p.id AND ag.port <> p.port
       AND (ag.kind <> 'request' OR NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = ag.port));

    wanted_kind := CASE p.access_level WHEN 'public' THEN 'public' WHEN 'internal' THEN 'internal' END;
    wanted_grantee := CASE WHEN wanted_kind = 'internal' THEN mesh._internal_consumer_role() END;
    IF wanted_kind = 'internal' AND wanted_grantee IS NULL THEN
        wanted_kind := NULL;
    END IF;

    -- revoke level grants that no longer apply (or moved to another port)
    FOR g IN
        SELECT * FROM mesh.access_grants ag
         WHERE ag.product_id = p.id AND ag.kind IN ('public', 'internal')
           AND (ag.kind IS DISTINCT FROM wanted_kind OR ag.grantee IS DISTINCT FROM wanted_grantee)
    LOOP
        DELETE FROM mesh.access_grants ag
         WHERE ag.product_id = p.id AND ag.port = g.port AND ag.kind = g.kind
           AND ag.grantee IS NOT DISTINCT FROM g.grantee;
        -- an approved request of the same role keeps its SELECT
        IF NOT EXISTS (SELECT FROM mesh.access_grants o
                        WHERE o.port = g.port AND o.grantee IS NOT DISTINCT FROM g.grantee) THEN
            PERFORM mesh._grant_select(g.port, g.grantee, revoke => true);
        END IF;
    END LOOP;

    IF wanted_kind IS NOT NULL
       AND NOT EXISTS (SELECT FROM mesh.access_grants ag
                        WHERE ag.product_id = p.id AND ag.kind = wanted_kind
                          AND ag.grantee IS NOT DISTINCT FROM wanted_grantee) THEN
        PERFORM mesh._grant_select(p.port, wanted_grantee, revoke => false);
        INSERT INTO mesh.access_grants (product_id, port, grantee, kind)
        VALUES (p.id, p.port, wanted_grantee, wanted_kind);
    END IF;

    -- raised to confidential: access approved by a single approver ends
    IF p.access_level = 'confidential' THEN
        PERFORM mesh._end_request_grant(r.id, 'revoked', NULL,
                                        'access level raised to confidential, which needs two approvals')
           FROM mesh.access_requests r
          WHERE r.product_id = p.id AND r.status = 'approved' AND r.first_approved_by IS NULL;
    END IF;
END
$$;

-- revoke the grant of one approved request and record why
CREATE FUNCTION mesh._end_request_grant(request_id bigint, new_status text, decided_by regrole, reason text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    g mesh.access_grants;
BEGIN
    FOR g IN SELECT * FROM mesh.access_grants ag WHERE ag.request_id = _end_request_grant.request_id LOOP
        DELETE FROM mesh.access_grants ag WHERE ag.request_id = _end_request_grant.request_id;
        -- another approved grant of the same role on the same port keeps SELECT
        IF NOT EXISTS (SELECT FROM mesh.access_grants o
                        WHERE o.port = g.port AND o.grantee = g.grantee) THEN
            PERFORM mesh._grant_select(g.port, g.grantee, revoke => true);
        END IF;
    END LOOP;
    UPDATE mesh.access_requests r
       SET status = new_status, decided_at = now(), decided_by = _end_request_grant.decided_by,
           reason = _end_request_grant.reason
     WHERE r.id = _end_request_grant.request_id;
END
$$;

CREATE FUNCTION mesh._on_store_22_access(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._apply_access_level(product_id);
END
$$;

-- superusers name the role that every internal product is granted to
CREATE FUNCTION mesh.set_internal_consumer_role(role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    product_id bigint;
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'permission denied to set the internal consumer role'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Every internal data product becomes readable by that role.',
                  HINT = 'Ask a superuser.';
    END IF;
    IF role IS NULL THEN
        DELETE FROM mesh.settings s WHERE s.key = 'internal_consumer_role';
    ELSE
        INSERT INTO mesh.settings (key, value) VALUES ('internal_consumer_role', mesh._role_name(role))
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    END IF;
    FOR product_id IN SELECT dp.id FROM mesh.data_products dp ORDER BY dp.id FOR UPDATE LOOP
        PERFORM mesh._apply_access_level(product_id);
    END LOOP;
END
$$;
COMMENT ON FUNCTION mesh.set_internal_consumer_role(regrole) IS
    'name the role that internal data products are granted to (NULL: none); superusers only';
REVOKE ALL ON FUNCTION mesh.set_internal_consumer_role(regrole) FROM PUBLIC;

-- a and b are one person for the purpose of approvals: the same role, or one
-- can act as the other.  Superusers can act as anyone, so for them only the
-- same role counts (they never request: they own every product).
CREATE FUNCTION mesh._same_party(a regrole, b regrole) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT a = b
        OR (NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = a), false)
            AND NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = b), false)
            AND (pg_has_role(a, b, 'MEMBER') OR pg_has_role(b, a, 'MEMBER')))
$$;

-- the request with its product, locked, once the caller may decide on it
CREATE FUNCTION mesh._request_for_decision(caller regrole, request_id bigint, action text,
                                           OUT r mesh.access_requests, OUT p mesh.data_products)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    domain_owner regrole;
BEGIN
    PERFORM mesh._require(request_id, 'request_id');
    SELECT * INTO r FROM mesh.access_requests ar WHERE ar.id = request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'access request % does not exist', request_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'SELECT id, status FROM mesh.access_requests lists the requests you may see.';
    END IF;
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = r.product_id FOR UPDATE;
    SELECT d.owner INTO domain_owner FROM mesh.domains d WHERE d.name = p.domain;
    IF NOT (pg_has_role(caller, p.owner, 'MEMBER') OR pg_has_role(caller, domain_owner, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to % access request %', action, request_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only members of the owner %s of data product "%s.%s" or of its domain owner %s decide on its requests.',
                                  quote_ident(mesh._role_name(p.owner)), p.domain, p.name,
                                  quote_ident(mesh._role_name(domain_owner))),
                  HINT = 'Ask the product owner.';
    END IF;
    -- the requester, or anyone who can act as the requester (or the other way round), never decides
    IF mesh._same_party(caller, r.role) THEN
        RAISE EXCEPTION 'cannot % your own access request %', action, request_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('The request was made by %s, and %s can act as that role or the other way round.',
                                  quote_ident(mesh._role_name(r.role)), quote_ident(mesh._role_name(caller))),
                  HINT = 'Another member of the product owner or domain owner must decide.';
    END IF;
    IF r.status <> 'pending' THEN
        RAISE EXCEPTION 'access request % is already %', request_id, r.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was decided at %s by %s.', r.decided_at,
                                  coalesce(quote_ident(mesh._role_name(r.decided_by)), 'meshpg')),
                  HINT = 'Ask the requester to make a new request.';
    END IF;
END
$$;

CREATE FUNCTION mesh._request_access(caller regrole, product text, purpose text, until timestamptz)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    domain_owner regrole;
    pending bigint;
    new_id bigint;
BEGIN
    PERFORM mesh._require(product, 'product');
    PERFORM mesh._require(purpose, 'purpose');
    IF purpose !~ '\S' THEN
        RAISE EXCEPTION 'purpose of an access request must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Say what you will use the data for; the approver reads it.';
    END IF;
    p := mesh._find_product(product);
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = p.id FOR UPDATE;
    IF until IS NOT NULL AND until <= now() THEN
        RAISE EXCEPTION 'access cannot end in the past'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('"until" is %s, the time now is %s.', until, now()),
                  HINT = 'Give a time in the future, or NULL for access until it is revoked.';
    END IF;
    IF p.access_level = 'public' THEN
        RAISE EXCEPTION 'data product "%" is public', product
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Every role can read it already.',
                  HINT = format('SELECT * FROM %s', mesh._relation_name(p.port));
    END IF;
    SELECT d.owner INTO domain_owner FROM mesh.domains d WHERE d.name = p.domain;
    IF pg_has_role(caller, p.owner, 'MEMBER') OR pg_has_role(caller, domain_owner, 'MEMBER') THEN
        RAISE EXCEPTION 'you own data product "%"', product
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Members of the product owner and of the domain owner read it without a request.',
                  HINT = 'Read it as the owner role; a request you could approve yourself is not accepted.';
    END IF;
    SELECT r.id INTO pending FROM mesh.access_requests r
     WHERE r.product_id = p.id AND r.role = caller AND r.status = 'pending';
    IF FOUND THEN
        RAISE EXCEPTION 'an access request of % for data product "%" is already pending', 
                        quote_ident(mesh._role_name(caller)), product
            USING ERRCODE = 'duplicate_object',
                  DETAIL = format('Request %s is waiting for a decision.', pending),
                  HINT = 'Wait for the decision on it.';
    END IF;
    INSERT INTO mesh.access_requests (product_id, role, purpose, until)
    VALUES (p.id, caller, purpose, until)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION mesh.request_access(product text, purpose text, until timestamptz DEFAULT NULL)
    RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.request_access(text, text, timestamptz) IS
    'ask for SELECT on a data product''s port, for a purpose, until a time (NULL: until revoked); returns the request id';

CREATE FUNCTION mesh._approve_access(caller regrole, request_id bigint)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d record;
BEGIN
    d := mesh._request_for_decision(caller, request_id, 'approve');
    IF (d.r).until IS NOT NULL AND (d.r).until <= now() THEN
        RAISE EXCEPTION 'access request % asked for access until %, which has passed', request_id, (d.r).until
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Deny it, and ask the requester for a new request.';
    END IF;
    IF (d.p).access_level = 'confidential' THEN
        IF (d.r).first_approved_by IS NULL THEN
            UPDATE mesh.access_requests r SET first_approved_by = caller, first_approved_at = now()
             WHERE r.id = request_id;
            RAISE NOTICE 'access request % needs a second approval', request_id
                USING DETAIL = format('Data product "%s.%s" is confidential.', (d.p).domain, (d.p).name),
                      HINT = 'Another member of the product owner or domain owner must approve it too.';
            RETURN;
        ELSIF mesh._same_party(caller, (d.r).first_approved_by) THEN
            RAISE EXCEPTION 'access request % needs a second approver', request_id
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('Data product "%s.%s" is confidential, and %s approved the request already.',
                                      (d.p).domain, (d.p).name, quote_ident(mesh._role_name((d.r).first_approved_by))),
                      HINT = 'Another member of the product owner or domain owner must approve it.';
        END IF;
    END IF;

    PERFORM mesh._grant_select((d.p).port, (d.r).role, revoke => false);
    INSERT INTO mesh.access_grants (product_id, port, grantee, kind, request_id, until)
    VALUES ((d.p).id, (d.p).port, (d.r).role, 'request', request_id, (d.r).until);
    UPDATE mesh.access_requests r SET status = 'approved', decided_at = now(), decided_by = caller
     WHERE r.id = request_id;
END
$$;

CREATE FUNCTION mesh.approve_access(request_id bigint)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.approve_access(bigint) IS
    'approve an access request (product owner or domain owner, never the requester; confidential: two approvers)';

CREATE FUNCTION mesh._deny_access(caller regrole, request_id bigint, reason text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d record;
BEGIN
    PERFORM mesh._require(reason, 'reason');
    IF reason !~ '\S' THEN
        RAISE EXCEPTION 'reason for denying access must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Tell the requester why; it is recorded with the decision.';
    END IF;
    d := mesh._request_for_decision(caller, request_id, 'deny');
    UPDATE mesh.access_requests r
       SET status = 'denied', decided_at = now(), decided_by = caller, reason = _deny_access.reason
     WHERE r.id = request_id;
END
$$;

CREATE FUNCTION mesh.deny_access(request_id bigint, reason text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.deny_access(bigint, text) IS 'deny an access request, with the reason';

CREATE FUNCTION mesh._revoke_access(caller regrole, product text, role regrole)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
    domain_owner regrole;
    request_id bigint;
    revoked integer := 0;
BEGIN
    PERFORM mesh._require(product, 'product');
    PERFORM mesh._require(role, 'role');
    p := mesh._find_product(product);
    SELECT * INTO p FROM mesh.data_products dp WHERE dp.id = p.id FOR UPDATE;
    SELECT d.owner INTO domain_owner FROM mesh.domains d WHERE d.name = p.domain;
    IF NOT (pg_has_role(caller, p.owner, 'MEMBER') OR pg_has_role(caller, domain_owner, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to revoke access to data product "%"', product
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only members of the product owner %s or of the domain owner %s revoke access.',
                                  quote_ident(mesh._role_name(p.owner)), quote_ident(mesh._role_name(domain_owner))),
                  HINT = 'Ask the product owner.';
    END IF;
    FOR request_id IN
        SELECT r.id FROM mesh.access_requests r
         WHERE r.product_id = p.id AND r.role = _revoke_access.role AND r.status = 'approved'
         ORDER BY r.id
    LOOP
        PERFORM mesh._end_request_grant(request_id, 'revoked', caller, 'revoked by ' || mesh._role_name(caller));
        revoked := revoked + 1;
    END LOOP;
    IF revoked = 0 THEN
        RAISE EXCEPTION 'role % has no approved access to data product "%"', quote_ident(mesh._role_name(role)), product
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'Only access granted through mesh.approve_access() is revoked here.',
                  HINT = 'Access that comes with the access level changes with mesh.alter_data_product(); other grants with REVOKE.';
    END IF;
END
$$;

CREATE FUNCTION mesh.revoke_access(product text, role regrole)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.revoke_access(text, regrole) IS
    'revoke the access a role was approved for (product owner or domain owner)';

-- revoke every time-limited grant past its end; the monitor scheduler calls it
CREATE FUNCTION mesh._expire_access() RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    request_id bigint;
    expired integer := 0;
BEGIN
    FOR request_id IN
        SELECT r.id FROM mesh.access_requests r
         WHERE r.status = 'approved' AND r.until <= now()
         ORDER BY r.id
           FOR UPDATE SKIP LOCKED
    LOOP
        PERFORM mesh._end_request_grant(request_id, 'expired', NULL, 'access ended at the requested time');
        expired := expired + 1;
    END LOOP;
    RETURN expired;
END
$$;

REVOKE ALL ON FUNCTION mesh._access_grants_changed(), mesh._internal_consumer_role(), mesh._same_party(regrole, regrole),
    mesh._grant_select(regclass, regrole, boolean), mesh._apply_access_level(bigint),
    mesh._end_request_grant(bigint, text, regrole, text), mesh._on_store_22_access(regrole, bigint, jsonb),
    mesh._request_for_decision(regrole, bigint, text), mesh._request_access(regrole, text, text, timestamptz),
    mesh._approve_access(regrole, bigint), mesh._deny_access(regrole, bigint, text),
    mesh._revoke_access(regrole, text, regrole), mesh._expire_access()
    FROM PUBLIC;
