-- Domains: a business domain is a schema of the same name, owned by the
-- domain's owner role.  Public functions are bound to the C dispatcher, which
-- calls mesh._<name>(caller, ...) as the extension owner.

CREATE FUNCTION mesh._create_domain(caller regrole, name text, owner regrole,
                                    description text, parent text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    schema_owner oid;
    parent_owner regrole;
BEGIN
    PERFORM mesh._require(name, 'name');
    PERFORM mesh._require(owner, 'owner');
    PERFORM mesh._check_name('domain', name);
    PERFORM mesh._lock_name('domain', name);

    IF NOT pg_has_role(caller, owner, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to create domain "%" owned by %', name, quote_ident(mesh._role_name(owner))
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Like CREATE SCHEMA AUTHORIZATION, creating a domain for a role needs membership in that role.',
                  HINT = format('Ask for GRANT %s TO %s, or let a member of it create the domain.',
                                quote_ident(mesh._role_name(owner)), quote_ident(mesh._role_name(caller)));
    END IF;
    IF parent IS NOT NULL THEN
        SELECT d.owner INTO parent_owner FROM mesh.domains d WHERE d.name = _create_domain.parent;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'parent domain "%" does not exist', parent
                USING ERRCODE = 'invalid_schema_name',
                      HINT = 'Create the parent domain first, or list the domains with SELECT name FROM mesh.domains.';
        END IF;
        IF NOT pg_has_role(caller, parent_owner, 'MEMBER') THEN
            RAISE EXCEPTION 'permission denied to create a subdomain of domain "%"', parent
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('Only members of the parent''s owner role %s can nest domains under it.',
                                      quote_ident(mesh._role_name(parent_owner))),
                      HINT = 'Ask the parent domain''s owner to create the subdomain.';
        END IF;
    END IF;
    IF EXISTS (SELECT FROM mesh.domains d WHERE d.name = _create_domain.name) THEN
        RAISE EXCEPTION 'domain "%" already exists', name
            USING ERRCODE = 'duplicate_schema',
                  HINT = 'Choose another name, or use the existing domain.';
    END IF;

    SELECT n.nspowner INTO schema_owner FROM pg_catalog.pg_namespace n WHERE n.nspname = _create_domain.name;
    IF FOUND THEN
        -- an existing schema becomes a domain only when the owner already owns it
        IF schema_owner <> owner THEN
            RAISE EXCEPTION 'schema "%" already exists and is owned by %', name, quote_ident(mesh._role_name(schema_owner))
                USING ERRCODE = 'duplicate_schema',
                      DETAIL = 'A domain is a schema of the same name owned by the domain owner.',
                      HINT = 'Choose another domain name, or make the domain owner the owner of the schema first.';
        END IF;
        RAISE NOTICE 'schema "%" already exists; it becomes domain "%", usable by every role', name, name
            USING DETAIL = 'USAGE on the schema is granted to PUBLIC so that consumers can reach the ports they are granted; its tables keep their own privileges.';
    ELSE
        IF NOT has_database_privilege(caller, current_database(), 'CREATE') THEN
            RAISE EXCEPTION 'permission denied to create domain "%"', name
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'Creating a domain creates a schema, which needs the CREATE privilege on the database.',
                      HINT = format('Ask for GRANT CREATE ON DATABASE %s TO %s.',
                                    quote_ident(current_database()), quote_ident(mesh._role_name(caller)));
        END IF;
        EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', name, mesh._role_name(owner));
    END IF;
    -- consumers must be able to reach the ports they are granted
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', name);

    INSERT INTO mesh.domains (name, owner, description, parent, created_by, updated_by)
    VALUES (name, owner, description, parent, mesh._role_name(caller), mesh._role_name(caller));
END
$$;

CREATE FUNCTION mesh.create_domain(name text, owner regrole, description text DEFAULT NULL,
                                   parent text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.create_domain(text, regrole, text, text) IS
    'create a business domain: a schema of the same name owned by the owner role';

CREATE FUNCTION mesh._drop_domain(caller regrole, name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d mesh.domains;
BEGIN
    PERFORM mesh._require(name, 'name');
    PERFORM mesh._check_name('domain', name);
    PERFORM mesh._lock_name('domain', name);
    d := mesh._domain_for_change(caller, name, 'drop it');
    IF EXISTS (SELECT FROM mesh.data_products p WHERE p.domain = d.name) THEN
        RAISE EXCEPTION 'cannot drop domain "%" because it has data products', name
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('It has %s data products.', (SELECT count(*) FROM mesh.data_products p WHERE p.domain = d.name)),
                  HINT = 'Drop them first with mesh.drop_data_product().';
    END IF;
    IF EXISTS (SELECT FROM mesh.domains c WHERE c.parent = d.name) THEN
        RAISE EXCEPTION 'cannot drop domain "%" because it has subdomains', name
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop its subdomains first.';
    END IF;
    DELETE FROM mesh.domains WHERE domains.name = d.name;
    BEGIN
        EXECUTE format('DROP SCHEMA %I', d.name);
    EXCEPTION WHEN dependent_objects_still_exist THEN
        RAISE NOTICE 'schema "%" is not empty and was kept', d.name;
    END;
END
$$;

CREATE FUNCTION mesh.drop_domain(name text)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'meshpg_api_dispatch';
COMMENT ON FUNCTION mesh.drop_domain(text) IS
    'remove a domain that has no data products; its schema is dropped when empty';
