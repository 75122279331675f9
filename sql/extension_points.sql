-- Module handlers: mesh._store_descriptor calls every extension member
-- function mesh._on_store_*(regrole, bigint, jsonb) after a create or alter,
-- in name order; a function that is not a member of the extension is never
-- called, whoever created it.
\set SHOW_CONTEXT never
CREATE ROLE regress_ep_owner NOLOGIN;
SELECT mesh.create_domain('ep', 'regress_ep_owner');
CREATE TABLE ep.facts AS SELECT 1 AS id;
ALTER TABLE ep.facts OWNER TO regress_ep_owner;
CREATE FUNCTION mesh._on_store_98_probe(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN RAISE NOTICE '98 probe: caller %, product %, purpose %', caller,
                 (SELECT domain || '.' || name FROM mesh.data_products WHERE id = product_id),
                 normalized ->> 'purpose'; END $$;
CREATE FUNCTION mesh._on_store_99_refuse(caller regrole, product_id bigint, normalized jsonb)
    RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN IF normalized ? 'refuse_me' THEN
             RAISE EXCEPTION 'data product refused: $.refuse_me: is not allowed'
                 USING ERRCODE = 'invalid_parameter_value'; END IF; END $$;
-- not members yet: nothing is called
SELECT mesh.create_data_product('ep.facts_a', 'ep.facts', '{"purpose": "first"}') > 0 AS created;
ALTER EXTENSION meshpg ADD FUNCTION mesh._on_store_98_probe(regrole, bigint, jsonb);
ALTER EXTENSION meshpg ADD FUNCTION mesh._on_store_99_refuse(regrole, bigint, jsonb);
-- members: called on create and on alter, in name order, with the caller
SELECT mesh.create_data_product('ep.facts_b', 'ep.facts', '{"purpose": "second"}') > 0 AS created;
SELECT mesh.alter_data_product('ep.facts_a', '{"purpose": "first, altered"}');
-- a handler's error refuses the whole change
SELECT mesh.alter_data_product('ep.facts_a', '{"refuse_me": true}');
SELECT purpose FROM mesh.data_products WHERE domain = 'ep' ORDER BY name;
-- a lookalike with another signature is not called
CREATE FUNCTION mesh._on_store_97_other(caller regrole, product_id bigint)
    RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN RAISE EXCEPTION 'must not be called'; END $$;
ALTER EXTENSION meshpg ADD FUNCTION mesh._on_store_97_other(regrole, bigint);
SELECT mesh.alter_data_product('ep.facts_b', '{"purpose": "second, altered"}');
-- clean up
ALTER EXTENSION meshpg DROP FUNCTION mesh._on_store_97_other(regrole, bigint);
ALTER EXTENSION meshpg DROP FUNCTION mesh._on_store_98_probe(regrole, bigint, jsonb);
ALTER EXTENSION meshpg DROP FUNCTION mesh._on_store_99_refuse(regrole, bigint, jsonb);
DROP FUNCTION mesh._on_store_97_other(regrole, bigint), mesh._on_store_98_probe(regrole, bigint, jsonb),
    mesh._on_store_99_refuse(regrole, bigint, jsonb);
SELECT mesh.drop_data_product('ep.facts_a');
SELECT mesh.drop_data_product('ep.facts_b');
DROP TABLE ep.facts;
SELECT mesh.drop_domain('ep');
DROP ROLE regress_ep_owner;
