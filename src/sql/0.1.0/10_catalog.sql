-- The catalog: domains, data products, their columns and declared sources.
-- Readable by everyone; written only by the mesh.* API (as the extension owner).
-- References are stored as regclass/regrole or names, never as raw oids, and
-- every table is dumped by pg_dump (pg_extension_config_dump).

CREATE TABLE mesh.domains (
    name            text PRIMARY KEY
                    CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND octet_length(name) <= 63),
    owner           regrole NOT NULL,
    description     text,
    -- deferred, so that pg_restore may load a subdomain before its parent
    parent          text REFERENCES mesh.domains (name) DEFERRABLE INITIALLY DEFERRED,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by      text NOT NULL DEFAULT CURRENT_USER,
    CHECK (parent IS DISTINCT FROM name)
);
COMMENT ON TABLE mesh.domains IS 'business domains; each is a schema of the same name owned by the owner role';

CREATE SEQUENCE mesh.data_product_id_seq;

CREATE TABLE mesh.data_products (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('mesh.data_product_id_seq'),
    domain          text NOT NULL REFERENCES mesh.domains (name),
    name            text NOT NULL
                    CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND octet_length(name) <= 63),
    version         text NOT NULL DEFAULT '0.1.0',
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'active', 'deprecated', 'retired')),
    purpose         text NOT NULL,
    description     text,
    owner           regrole NOT NULL,
    access_level    text NOT NULL DEFAULT 'internal'
                    CHECK (access_level IN ('public', 'internal', 'restricted', 'confidential')),
    tags            text[] NOT NULL DEFAULT '{}',
    support         jsonb NOT NULL DEFAULT '[]',
    sla             jsonb NOT NULL DEFAULT '{}',
    freshness       interval,
    examples        jsonb NOT NULL DEFAULT '{}',
    descriptor      jsonb NOT NULL DEFAULT '{}',
    source_kind     text NOT NULL CHECK (source_kind IN ('relation', 'query')),
    source          text NOT NULL,
    source_relation regclass,
    port            regclass NOT NULL UNIQUE,
    search_vector   tsvector,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by      text NOT NULL DEFAULT CURRENT_USER,
    UNIQUE (domain, name)
);
COMMENT ON TABLE mesh.data_products IS 'data products; descriptor holds the declared descriptor, the other columns its typed parts';
CREATE INDEX data_products_search_idx ON mesh.data_products USING gin (search_vector);

CREATE TABLE mesh.data_product_columns (
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    name            text NOT NULL,
    type            text NOT NULL,
    nullable        boolean NOT NULL,
    description     text,
    classification  text,
    primary_key     boolean NOT NULL DEFAULT false,
    "references"    text,
    declared        jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (product_id, name),
    UNIQUE (product_id, position)
);
COMMENT ON TABLE mesh.data_product_columns IS 'columns of output ports: type and nullability read from the server, documentation as declared';

CREATE TABLE mesh.data_product_sources (
    product_id      bigint NOT NULL REFERENCES mesh.data_products (id) ON DELETE CASCADE,
    name            text NOT NULL,
    kind            text,
    description     text,
    declared        jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (product_id, name)
);
COMMENT ON TABLE mesh.data_product_sources IS 'declared upstream sources of data products (systems outside this database included)';

SELECT pg_catalog.pg_extension_config_dump('mesh.domains', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.data_product_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.data_products', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.data_product_columns', '');
SELECT pg_catalog.pg_extension_config_dump('mesh.data_product_sources', '');

REVOKE ALL ON mesh.domains, mesh.data_products, mesh.data_product_columns,
    mesh.data_product_sources, mesh.data_product_id_seq FROM PUBLIC;
GRANT SELECT ON mesh.domains, mesh.data_products, mesh.data_product_columns,
    mesh.data_product_sources TO PUBLIC;
