-- Internal helpers of the API implementations.  All pin search_path; only the
-- read-only ones that describe() and search() need are executable by PUBLIC
-- (see 90_privileges.sql).

CREATE FUNCTION mesh._create_port(domain text, name text, source text, owner regrole,
                                  OUT port regclass, OUT source_kind text, OUT source_relation regclass)
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_create_port';

CREATE FUNCTION mesh._column_origins(port regclass)
    RETURNS TABLE (attnum int2, source_relation regclass, source_attnum int2,
                   may_be_null boolean, keyed boolean)
    LANGUAGE c STABLE STRICT
    AS 'MODULE_PATHNAME', 'meshpg_column_origins';

CREATE FUNCTION mesh._validate_descriptor(product text, descriptor jsonb, context jsonb)
    RETURNS void
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'meshpg_validate_descriptor';

-- NULL arguments are refused by name, never silently turned into a NULL result
CREATE FUNCTION mesh._require(value anyelement, argument text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION 'argument "%" must not be null', argument
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give a value for every required argument.';
    END IF;
END
$$;

CREATE FUNCTION mesh._check_name(kind text, name text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF name !~ '^[a-z][a-z0-9_]*$' OR octet_length(name) > 63 THEN
        RAISE EXCEPTION 'invalid % name "%"', kind, name
            USING ERRCODE = 'invalid_name',
                  DETAIL = format('A %s name becomes a schema or view name that consumers type without quotes.', kind),
                  HINT = 'Use lower-case letters, digits and underscores, starting with a letter, at most 63 bytes.';
    END IF;
    IF quote_ident(name) <> name THEN
        RAISE EXCEPTION 'invalid % name "%"', kind, name
            USING ERRCODE = 'invalid_name',
                  DETAIL = format('"%s" is an SQL keyword, which consumers would have to quote.', name),
                  HINT = 'Choose a name that is not an SQL keyword, e.g. add a word to it.';
    END IF;
    IF kind = 'domain' AND (name LIKE 'pg\_%' OR name IN ('public', 'mesh', 'information_schema')) THEN
        RAISE EXCEPTION 'invalid domain name "%"', name
            USING ERRCODE = 'reserved_name',
                  DETAIL = format('Schema "%s" belongs to PostgreSQL or to meshpg itself.', name),
                  HINT = 'Choose a name of your own for the domain.';
    END IF;
END
$$;

-- 'domain.name' -> (domain, name)
CREATE FUNCTION mesh._split_product(product text, OUT domain text, OUT name text)
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    parts text[] := string_to_array(product, '.');
BEGIN
    IF cardinality(parts) <> 2 THEN
        RAISE EXCEPTION 'invalid data product name "%"', product
            USING ERRCODE = 'invalid_name',
                  DETAIL = 'A data product is named "domain.name".',
                  HINT = 'Write it like ''marketing.campaign_performance''.';
    END IF;
    domain := parts[1];
    name := parts[2];
    PERFORM mesh._check_name('domain', domain);
    PERFORM mesh._check_name('data product', name);
END
$$;

CREATE FUNCTION mesh._role_name(role oid) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT rolname::text FROM pg_catalog.pg_roles WHERE oid = role $$;

-- the domain, once the caller is known to be allowed to change it
CREATE FUNCTION mesh._domain_for_change(caller regrole, domain text, action text)
    RETURNS mesh.domains
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d mesh.domains;
BEGIN
    SELECT * INTO d FROM mesh.domains WHERE name = domain;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'domain "%" does not exist', domain
            USING ERRCODE = 'invalid_schema_name',
                  HINT = 'Create it with mesh.create_domain(), or list the domains with SELECT name FROM mesh.domains.';
    END IF;
    IF NOT pg_has_role(caller, d.owner, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied for domain "%"', domain
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only members of the domain owner role %s and superusers can %s.',
                                  quote_ident(mesh._role_name(d.owner)), action),
                  HINT = format('Ask for GRANT %s TO %s.', quote_ident(mesh._role_name(d.owner)),
                                quote_ident(mesh._role_name(caller)));
    END IF;
    RETURN d;
END
$$;

-- the product row of 'domain.name'; an error naming the product when there is none
CREATE FUNCTION mesh._find_product(product text) RETURNS mesh.data_products
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    parts record;
    row mesh.data_products;
BEGIN
    PERFORM mesh._require(product, 'product');
    parts := mesh._split_product(product);
    SELECT * INTO row FROM mesh.data_products dp WHERE dp.domain = parts.domain AND dp.name = parts.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'data product "%" does not exist', product
            USING ERRCODE = 'undefined_object',
                  HINT = 'Find products with mesh.search() or SELECT product FROM mesh.products.';
    END IF;
    RETURN row;
END
$$;

-- the product row, once the caller may change it, locked for the change
CREATE FUNCTION mesh._product_for_change(caller regrole, product text, action text)
    RETURNS mesh.data_products
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    row mesh.data_products;
BEGIN
    PERFORM mesh._require(product, 'product');
    PERFORM mesh._domain_for_change(caller, (mesh._split_product(product)).domain, action);
    row := mesh._find_product(product);
    SELECT * INTO row FROM mesh.data_products dp WHERE dp.id = row.id FOR UPDATE;
    RETURN row;
END
$$;

-- RFC 7396 JSON merge patch
CREATE FUNCTION mesh._merge_patch(target jsonb, patch jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    result jsonb;
    key text;
    value jsonb;
BEGIN
    IF jsonb_typeof(patch) IS DISTINCT FROM 'object' THEN
        RETURN patch;
    END IF;
    result := CASE WHEN jsonb_typeof(target) = 'object' THEN target ELSE '{}'::jsonb END;
    FOR key, value IN SELECT * FROM jsonb_each(patch) LOOP
        IF jsonb_typeof(value) = 'null' THEN
            result := result - key;
        ELSE
            result := jsonb_set(result, ARRAY[key], mesh._merge_patch(result -> key, value), true);
        END IF;
    END LOOP;
    RETURN result;
END
$$;

-- semantic version precedence (semver 2.0.0 section 11): -1, 0 or 1
CREATE FUNCTION mesh._semver_compare(a text, b text) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    a_core numeric[] := string_to_array(split_part(split_part(a, '+', 1), '-', 1), '.')::numeric[];
    b_core numeric[] := string_to_array(split_part(split_part(b, '+', 1), '-', 1), '.')::numeric[];
    a_pre text[] := string_to_array(nullif(substring(split_part(a, '+', 1) FROM '-(.*)$'), ''), '.');
    b_pre text[] := string_to_array(nullif(substring(split_part(b, '+', 1) FROM '-(.*)$'), ''), '.');
    x text;
    y text;
BEGIN
    IF a_core <> b_core THEN
        RETURN CASE WHEN a_core < b_core THEN -1 ELSE 1 END;
    END IF;
    IF a_pre IS NULL OR b_pre IS NULL THEN
        RETURN CASE WHEN a_pre IS NULL AND b_pre IS NULL THEN 0
                    WHEN a_pre IS NULL THEN 1 ELSE -1 END;
    END IF;
    FOR i IN 1 .. greatest(cardinality(a_pre), cardinality(b_pre)) LOOP
        x := a_pre[i];
        y := b_pre[i];
        IF x IS NULL THEN RETURN -1; END IF;
        IF y IS NULL THEN RETURN 1; END IF;
        IF x = y THEN CONTINUE; END IF;
        IF x ~ '^[0-9]+$' AND y ~ '^[0-9]+$' THEN
            RETURN CASE WHEN x::numeric < y::numeric THEN -1 ELSE 1 END;
        ELSIF x ~ '^[0-9]+$' THEN
            RETURN -1;
        ELSIF y ~ '^[0-9]+$' THEN
            RETURN 1;
        END IF;
        RETURN CASE WHEN x < y COLLATE "C" THEN -1 ELSE 1 END;
    END LOOP;
    RETURN 0;
END
$$;

-- Serialise changes to one name (a domain or a product) across sessions, so
-- that concurrent callers get meshpg's own errors ("already exists", "does
-- not exist") rather than a unique or foreign key violation.  Creating a
-- product in a domain takes the domain's lock shared; creating or dropping
-- the domain takes it exclusively.  The first key is meshpg's own ('mesh'),
-- clear of advisory locks that applications take with a single key.
CREATE FUNCTION mesh._lock_name(kind text, name text, shared boolean DEFAULT false) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF shared THEN
        PERFORM pg_advisory_xact_lock_shared(1835365224, hashtext(kind || ':' || name));
    ELSE
        PERFORM pg_advisory_xact_lock(1835365224, hashtext(kind || ':' || name));
    END IF;
END
$$;
