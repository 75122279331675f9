-- Internal functions (mesh._*) are for the API implementations only: nobody
-- else may call them, in particular not with a caller of their choosing.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure
               FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'mesh'::regnamespace
                AND p.proname OPERATOR(pg_catalog.~~) '\_%'
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

-- The read-only helpers that describe() and search() use, run by every reader.
-- They take no caller, write nothing and read only the public catalog.
GRANT EXECUTE ON FUNCTION
    mesh._require(anyelement, text),
    mesh._check_name(text, text),
    mesh._split_product(text),
    mesh._find_product(text),
    mesh._role_name(oid),
    mesh._relation_name(regclass),
    mesh._managed_keys(),
    mesh._lexemes_any(text),
    mesh._declared_descriptor(mesh.data_products),
    mesh._source_json(mesh.data_products)
    TO PUBLIC;
