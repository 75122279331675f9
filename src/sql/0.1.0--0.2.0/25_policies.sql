-- Masking policies, their bindings, consumer attributes and row policies:
-- the rules that src/enforce.c applies on every read (see docs/governance.md).
--
-- Who may do what (checked explicitly, rows written as the extension owner):
--   * create/drop masking policies, bind them to a tag, set consumer
--     attributes: superusers and members of role meshpg_governance (created by
--     the DBA; the same rule as for global policies);
--   * bind a policy to one column of a product, create/drop row policies: the
--     product's domain owner (and its members), and the governance role.
-- Every expression is validated in C (mesh._validate_policy_expression) when it
-- is stored or bound, and again each time it is applied, so a function,
-- operator, cast or type that is not trusted (owned by a superuser or part of
-- meshpg) never runs with the reader's rights.

CREATE TABLE mesh.masking_policies (
    name            text PRIMARY KEY
                    CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND octet_length(name) <= 63),
    mask            text NOT NULL,
    unmasked_for    text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE mesh.masking_policies IS 'masking policies: an expression over "value" and the condition on the reader that exempts it';

CREATE TABLE mesh.masking_policy_bindings (
    policy          text NOT NULL REFERENCES mesh.masking_policies (name) ON DELETE CASCADE,
    tag             text UNIQUE,
    product_id      bigint REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    column_name     text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    CHECK ((tag IS NULL) <> (product_id IS NULL)),
    CHECK ((product_id IS NULL) = (column_name IS NULL)),
    UNIQUE (product_id, column_name)
);
COMMENT ON TABLE mesh.masking_policy_bindings IS 'where a masking policy applies: to a classification tag in every domain, or to one product column (which wins)';

CREATE TABLE mesh.consumer_attributes (
    role            regrole NOT NULL,
    key             text NOT NULL
                    CHECK (key OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND octet_length(key) <= 63),
    value           text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by      text NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (role, key)
);
COMMENT ON TABLE mesh.consumer_attributes IS 'attributes of consumer roles (region, clearance, ...), read by policies with mesh.attribute(key)';

CREATE TABLE mesh.row_policies (
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    name            text NOT NULL
                    CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND octet_length(name) <= 63),
    filter          text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (product_id, name)
);
COMMENT ON TABLE mesh.row_policies IS 'row policies: a boolean filter over the product''s columns; every policy of a product must pass';

SELECT pg_catalog.pg_extension_config_dump('mesh.masking_policies', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.masking_policy_bindings', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.consumer_attributes', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.row_policies', '');

REVOKE ALL ON mesh.masking_policies, mesh.masking_policy_bindings, mesh.consumer_attributes,
    mesh.row_policies FROM PUBLIC;
-- policies are not secrets: consumers may see which rules apply to them
GRANT SELECT ON mesh.masking_policies, mesh.masking_policy_bindings, mesh.consumer_attributes,
    mesh.row_policies TO PUBLIC;

-- C helpers (src/policy_validate.c, src/enforce.c)
CREATE FUNCTION mesh._validate_policy_expression(kind text, expression text, relation regclass, column_name text)
    RETURNS void
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'meshpg_validate_policy_expression';
COMMENT ON FUNCTION mesh._validate_policy_expression(text, text, regclass, text) IS
    'refuse a policy expression (kind mask, condition or filter) that does not parse, has a sub-query or calls untrusted code';

CREATE FUNCTION mesh._invalidate_enforcement() RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_invalidate_enforcement';

-- the per-backend enforcement caches and cached plans are invalidated on every change
CREATE FUNCTION mesh._policies_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._invalidate_enforcement();
    RETURN NULL;
END
$$;
CREATE TRIGGER enforcement_invalidation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON mesh.masking_policies FOR EACH STATEMENT EXECUTE FUNCTION mesh._policies_changed();
CREATE TRIGGER enforcement_invalidation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON mesh.masking_policy_bindings FOR EACH STATEMENT EXECUTE FUNCTION mesh._policies_changed();
CREATE TRIGGER enforcement_invalidation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON mesh.consumer_attributes FOR EACH STATEMENT EXECUTE FUNCTION mesh._policies_changed();
CREATE TRIGGER enforcement_invalidation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON mesh.row_policies FOR EACH STATEMENT EXECUTE FUNCTION mesh._policies_changed();
-- classifications live on product columns (and, with govcat, in mesh.governed_columns)
CREATE TRIGGER enforcement_invalidation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON mesh.data_product_columns FOR EACH STATEMENT EXECUTE FUNCTION mesh._policies_changed();
CREATE TRIGGER enforcement_invalidation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON mesh.data_products FOR EACH STATEMENT EXECUTE FUNCTION mesh._policies_changed();
DO $$
BEGIN
    IF pg_catalog.to_regclass('mesh.governed_columns') IS NOT NULL THEN
        CREATE TRIGGER enforcement_invalidation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON mesh.governed_columns FOR EACH STATEMENT EXECUTE FUNCTION mesh._policies_changed();
    END IF;
END
$$;

-- policy names and attribute keys are identifiers that policies and people type
CREATE FUNCTION mesh._check_policy_name(kind text, name text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF name !~ '^[a-z][a-z0-9_]*$' OR octet_length(name) > 63 THEN
        RAISE EXCEPTION 'invalid % "%"', kind, name
            USING ERRCODE = 'invalid_name',
                  DETAIL = 'Names are written in policies and calls without quotes.',
                  HINT = 'Use lower-case letters, digits and underscores, starting with a letter, at most 63 bytes.';
    END IF;
END
$$;

-- may the caller govern (define policies for every domain)?  The same rule as
-- the global policies (42_global_policies.sql): superusers, and members of the
-- role meshpg_governance when the DBA has created it.
CREATE FUNCTION mesh._may_govern(caller regrole) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = caller AND r.rolsuper)
        OR (EXISTS (SELECT FROM pg_catalog.pg_roles g WHERE g.rolname = 'meshpg_governance')
            AND pg_catalog.pg_has_role(caller, 'meshpg_governance', 'MEMBER'))
$$;

CREATE FUNCTION mesh._require_policy_governance(caller regrole, action text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF NOT mesh._may_govern(caller) THEN
        RAISE EXCEPTION 'permission denied to %', action
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Masking policies, tag bindings and consumer attributes apply to every domain: only superusers and members of role meshpg_governance manage them.',
                  HINT = 'Ask your DBA for GRANT meshpg_governance TO ' || quote_ident(mesh._role_name(caller)) || '.';
    END IF;
END
$$;

-- the product, once the caller may change its policies (domain owner or governance)
CREATE FUNCTION mesh._product_for_policy(caller regrole, product text, action text) RETURNS mesh.data_products
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    row mesh.data_products;
BEGIN
    IF mesh._may_govern(caller) THEN
        row := mesh._find_product(product);
        SELECT * INTO row FROM mesh.data_products dp WHERE dp.id = row.id FOR UPDATE;
        RETURN row;
    END IF;
    RETURN mesh._product_for_change(caller, product, action);
END
$$;

-- the policy row, or an error naming it
CREATE FUNCTION mesh._find_masking_policy(policy text) RETURNS mesh.masking_policies
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    row mesh.masking_policies;
BEGIN
    PERFORM mesh._require(policy, 'policy');
    SELECT * INTO row FROM mesh.masking_policies p WHERE p.name = policy;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'masking policy "%" does not exist', policy
            USING ERRCODE = 'undefined_object',
                  HINT = 'List them with SELECT name FROM mesh.masking_policies, or create it with mesh.create_masking_policy().';
    END IF;
    RETURN row;
END
$$;

-- check a mask against one product column: its port column and the value's type
CREATE FUNCTION mesh._check_mask_on_column(policy mesh.masking_policies, p mesh.data_products, column_name text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM mesh.data_product_columns c WHERE c.product_id = p.id AND c.name = column_name) THEN
        RAISE EXCEPTION 'column "%" of data product "%.%" does not exist', column_name, p.domain, p.name
            USING ERRCODE = 'undefined_column',
                  HINT = format('See the columns with mesh.describe(%L).', p.domain || '.' || p.name);
    END IF;
    PERFORM mesh._validate_policy_expression('mask', policy.mask, p.port, column_name);
END
$$;

CREATE FUNCTION mesh._create_masking_policy(caller regrole, name text, mask text, unmasked_for text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._require(name, 'name');
    PERFORM mesh._require(mask, 'mask');
    PERFORM mesh._check_policy_name('masking policy', name);
    PERFORM mesh._require_policy_governance(caller, 'create masking policies');
    IF EXISTS (SELECT FROM mesh.masking_policies p WHERE p.name = _create_masking_policy.name) THEN
        RAISE EXCEPTION 'masking policy "%" already exists', name
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Drop it first with mesh.drop_masking_policy(), or choose another name.';
    END IF;
    -- the mask is checked fully (with the type of "value") when it is bound
    PERFORM mesh._validate_policy_expression('mask', mask, NULL, NULL);
    IF unmasked_for IS NOT NULL THEN
        PERFORM mesh._validate_policy_expression('condition', unmasked_for, NULL, NULL);
    END IF;
    INSERT INTO mesh.masking_policies (name, mask, unmasked_for, created_by)
    VALUES (name, mask, unmasked_for, mesh._role_name(caller));
END
$$;
CREATE FUNCTION mesh.create_masking_policy(name text, mask text, unmasked_for text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.create_masking_policy(text, text, text) IS
    'define a masking policy: mask is an expression over "value", unmasked_for a condition on the reader that exempts it';

CREATE FUNCTION mesh._drop_masking_policy(caller regrole, name text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._require_policy_governance(caller, 'drop masking policies');
    PERFORM mesh._find_masking_policy(name);
    DELETE FROM mesh.masking_policies p WHERE p.name = _drop_masking_policy.name;
END
$$;
CREATE FUNCTION mesh.drop_masking_policy(name text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.drop_masking_policy(text) IS 'drop a masking policy and all its bindings';

CREATE FUNCTION mesh._bind_masking_policy(caller regrole, policy text, tag text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    pol mesh.masking_policies;
    other text;
    col record;
BEGIN
    PERFORM mesh._require(tag, 'tag');
    PERFORM mesh._require_policy_governance(caller, 'bind masking policies to tags');
    pol := mesh._find_masking_policy(policy);
    SELECT b.policy INTO other FROM mesh.masking_policy_bindings b WHERE b.tag = _bind_masking_policy.tag;
    IF FOUND THEN
        RAISE EXCEPTION 'tag "%" is already bound to masking policy "%"', tag, other
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'One tag has one masking policy, so that the mask of a column never depends on an order.',
                  HINT = 'Unbind it first with mesh.unbind_masking_policy(' || quote_literal(other) || ', ' || quote_literal(tag) || ').';
    END IF;
    -- the mask must fit every column that carries the tag today
    FOR col IN SELECT p AS product, c.name
                 FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
                WHERE c.classification = _bind_masking_policy.tag
                ORDER BY p.domain, p.name, c.position
    LOOP
        PERFORM mesh._check_mask_on_column(pol, col.product, col.name);
    END LOOP;
    INSERT INTO mesh.masking_policy_bindings (policy, tag, created_by)
    VALUES (policy, tag, mesh._role_name(caller));
    PERFORM mesh._ensure_enforcement_guards();
END
$$;
CREATE FUNCTION mesh.bind_masking_policy(policy text, tag text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.bind_masking_policy(text, text) IS
    'apply a masking policy to every column classified with tag, in every domain';

CREATE FUNCTION mesh._bind_masking_policy(caller regrole, policy text, product text, column_name text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    pol mesh.masking_policies;
    p mesh.data_products;
    other text;
BEGIN
    PERFORM mesh._require(column_name, 'column');
    p := mesh._product_for_policy(caller, product, 'bind masking policies to its columns');
    pol := mesh._find_masking_policy(policy);
    SELECT b.policy INTO other FROM mesh.masking_policy_bindings b
     WHERE b.product_id = p.id AND b.column_name = _bind_masking_policy.column_name;
    IF FOUND THEN
        RAISE EXCEPTION 'column "%" of data product "%" is already bound to masking policy "%"', column_name, product, other
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Unbind it first with mesh.unbind_masking_policy().';
    END IF;
    PERFORM mesh._check_mask_on_column(pol, p, column_name);
    INSERT INTO mesh.masking_policy_bindings (policy, product_id, column_name, created_by)
    VALUES (policy, p.id, column_name, mesh._role_name(caller));
    PERFORM mesh._ensure_enforcement_guards();
END
$$;
CREATE FUNCTION mesh.bind_masking_policy(policy text, product text, column_name text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.bind_masking_policy(text, text, text) IS
    'apply a masking policy to one column of a data product (wins over a tag binding)';

CREATE FUNCTION mesh._unbind_masking_policy(caller regrole, policy text, tag text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._require(tag, 'tag');
    PERFORM mesh._require_policy_governance(caller, 'unbind masking policies from tags');
    PERFORM mesh._find_masking_policy(policy);
    DELETE FROM mesh.masking_policy_bindings b WHERE b.policy = _unbind_masking_policy.policy AND b.tag = _unbind_masking_policy.tag;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'masking policy "%" is not bound to tag "%"', policy, tag
            USING ERRCODE = 'undefined_object',
                  HINT = 'List the bindings with SELECT * FROM mesh.masking_policy_bindings.';
    END IF;
END
$$;
CREATE FUNCTION mesh.unbind_masking_policy(policy text, tag text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.unbind_masking_policy(text, text) IS 'remove the binding of a masking policy to a tag';

CREATE FUNCTION mesh._unbind_masking_policy(caller regrole, policy text, product text, column_name text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
BEGIN
    PERFORM mesh._require(column_name, 'column');
    p := mesh._product_for_policy(caller, product, 'unbind masking policies from its columns');
    PERFORM mesh._find_masking_policy(policy);
    DELETE FROM mesh.masking_policy_bindings b
     WHERE b.policy = _unbind_masking_policy.policy AND b.product_id = p.id
       AND b.column_name = _unbind_masking_policy.column_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'masking policy "%" is not bound to column "%" of data product "%"', policy, column_name, product
            USING ERRCODE = 'undefined_object',
                  HINT = 'List the bindings with SELECT * FROM mesh.masking_policy_bindings.';
    END IF;
END
$$;
CREATE FUNCTION mesh.unbind_masking_policy(policy text, product text, column_name text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.unbind_masking_policy(text, text, text) IS 'remove the binding of a masking policy to a product column';

CREATE FUNCTION mesh._set_consumer_attribute(caller regrole, role regrole, key text, value text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM mesh._require(role, 'role');
    PERFORM mesh._require(key, 'key');
    PERFORM mesh._check_policy_name('attribute key', key);
    PERFORM mesh._require_policy_governance(caller, 'set consumer attributes');
    IF value IS NULL THEN
        DELETE FROM mesh.consumer_attributes a WHERE a.role = _set_consumer_attribute.role AND a.key = _set_consumer_attribute.key;
        RETURN;
    END IF;
    INSERT INTO mesh.consumer_attributes AS a (role, key, value, updated_by)
    VALUES (role, key, value, mesh._role_name(caller))
    ON CONFLICT ON CONSTRAINT consumer_attributes_pkey
    DO UPDATE SET value = excluded.value, updated_at = pg_catalog.now(), updated_by = excluded.updated_by;
END
$$;
CREATE FUNCTION mesh.set_consumer_attribute(role regrole, key text, value text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.set_consumer_attribute(regrole, text, text) IS
    'set (or, with NULL, remove) an attribute of a consumer role, read by policies with mesh.attribute(key)';

-- The value of an attribute for the current role.  Rule: the role's own value;
-- otherwise the value set on the roles whose privileges it inherits, if they
-- agree; NULL when there is none or they disagree (a filter such as
-- region = mesh.attribute('region') then lets no row through).
CREATE FUNCTION mesh.attribute(key text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT coalesce(
        (SELECT a.value FROM mesh.consumer_attributes a
          WHERE a.role OPERATOR(pg_catalog.=) CURRENT_USER::regrole AND a.key OPERATOR(pg_catalog.=) attribute.key),
        (SELECT CASE WHEN count(DISTINCT a.value) OPERATOR(pg_catalog.=) 1 THEN min(a.value) END
           FROM mesh.consumer_attributes a
          WHERE a.key OPERATOR(pg_catalog.=) attribute.key
            AND a.role OPERATOR(pg_catalog.<>) CURRENT_USER::regrole
            AND pg_catalog.pg_has_role(CURRENT_USER, a.role, 'USAGE')))
$$;
COMMENT ON FUNCTION mesh.attribute(text) IS
    'the value of a consumer attribute for the current role (own value, else the agreeing value of inherited roles)';

CREATE FUNCTION mesh._create_row_policy(caller regrole, product text, name text, filter text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
BEGIN
    PERFORM mesh._require(name, 'name');
    PERFORM mesh._require(filter, 'filter');
    PERFORM mesh._check_policy_name('row policy', name);
    p := mesh._product_for_policy(caller, product, 'create row policies on its data products');
    IF EXISTS (SELECT FROM mesh.row_policies r WHERE r.product_id = p.id AND r.name = _create_row_policy.name) THEN
        RAISE EXCEPTION 'row policy "%" of data product "%" already exists', name, product
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Drop it first with mesh.drop_row_policy(), or choose another name.';
    END IF;
    PERFORM mesh._validate_policy_expression('filter', filter, p.port, NULL);
    INSERT INTO mesh.row_policies (product_id, name, filter, created_by)
    VALUES (p.id, name, filter, mesh._role_name(caller));
    PERFORM mesh._ensure_enforcement_guards();
END
$$;
CREATE FUNCTION mesh.create_row_policy(product text, name text, filter text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.create_row_policy(text, text, text) IS
    'restrict the rows of a data product to those where filter (over its columns, e.g. region = mesh.attribute(''region'')) is true';

CREATE FUNCTION mesh._drop_row_policy(caller regrole, product text, name text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    p mesh.data_products;
BEGIN
    PERFORM mesh._require(name, 'name');
    p := mesh._product_for_policy(caller, product, 'drop row policies of its data products');
    DELETE FROM mesh.row_policies r WHERE r.product_id = p.id AND r.name = _drop_row_policy.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'row policy "%" of data product "%" does not exist', name, product
            USING ERRCODE = 'undefined_object',
                  HINT = 'List them with SELECT * FROM mesh.row_policies.';
    END IF;
END
$$;
CREATE FUNCTION mesh.drop_row_policy(product text, name text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.drop_row_policy(text, text) IS 'drop a row policy of a data product';
