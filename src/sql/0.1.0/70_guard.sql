-- Guard rails: output ports and domain schemas change only through the API.
-- A DROP, ALTER or CREATE OR REPLACE on a port, or a DROP or ALTER of a
-- domain's schema, issued directly, would leave the catalog describing
-- something that is gone or different.  The API deletes catalog rows before
-- dropping, so its own drops pass.  Superusers who must bypass this can set
-- session_replication_role = replica, which disables event triggers.

CREATE FUNCTION mesh._guard_sql_drop() RETURNS event_trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    hit record;
BEGIN
    IF to_regclass('mesh.data_products') IS NULL THEN
        RETURN;   -- the extension itself is being dropped
    END IF;
    SELECT p.domain || '.' || p.name AS product, o.object_identity INTO hit
      FROM pg_event_trigger_dropped_objects() o
      JOIN mesh.data_products p ON p.port = o.objid
     WHERE o.classid = 'pg_catalog.pg_class'::regclass
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot drop % because it is the output port of data product "%"', hit.object_identity, hit.product
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop the data product with mesh.drop_data_product(), which drops its port.';
    END IF;
    SELECT d.name INTO hit
      FROM pg_event_trigger_dropped_objects() o
      JOIN mesh.domains d ON d.name = o.object_name
     WHERE o.object_type = 'schema'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot drop schema "%" because it is a domain of the data mesh', hit.name
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop its data products with mesh.drop_data_product(), then the domain with mesh.drop_domain().';
    END IF;
END
$$;

CREATE FUNCTION mesh._guard_ddl() RETURNS event_trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    hit record;
BEGIN
    IF to_regclass('mesh.data_products') IS NULL THEN
        RETURN;
    END IF;
    SELECT p.domain || '.' || p.name AS product, c.command_tag INTO hit
      FROM pg_event_trigger_ddl_commands() c
      JOIN mesh.data_products p ON p.port = c.objid
     WHERE c.classid = 'pg_catalog.pg_class'::regclass
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot run % on the output port of data product "%"', hit.command_tag, hit.product
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'An output port is defined and documented through the mesh API.',
                  HINT = 'Change the descriptor with mesh.alter_data_product(), or publish a new data product for a new source.';
    END IF;
    -- after a rename the old name is gone: check that every domain still has
    -- its schema, owned by its owner
    SELECT d.name INTO hit
      FROM mesh.domains d
      LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = d.name
     WHERE (n.oid IS NULL OR n.nspowner <> d.owner)
       AND EXISTS (SELECT FROM pg_event_trigger_ddl_commands() c WHERE c.command_tag = 'ALTER SCHEMA')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot alter schema "%" because it is a domain of the data mesh', hit.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A domain''s schema keeps its name and owner; create a new domain instead.';
    END IF;
END
$$;

CREATE EVENT TRIGGER meshpg_guard_drop ON sql_drop
    EXECUTE FUNCTION mesh._guard_sql_drop();
CREATE EVENT TRIGGER meshpg_guard_ddl ON ddl_command_end
    WHEN TAG IN ('ALTER VIEW', 'ALTER TABLE', 'CREATE VIEW', 'ALTER SCHEMA')
    EXECUTE FUNCTION mesh._guard_ddl();
