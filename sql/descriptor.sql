-- Descriptor validation: every problem at once, each with its JSON path;
-- defaults filled in; unknown keys kept.
\set SHOW_CONTEXT never
CREATE ROLE regress_desc_owner NOLOGIN;
CREATE SCHEMA desc_raw AUTHORIZATION regress_desc_owner;
CREATE TABLE desc_raw.t (id int PRIMARY KEY, email text, amount numeric NOT NULL);
ALTER TABLE desc_raw.t OWNER TO regress_desc_owner;
SELECT mesh.create_domain('dsc', 'regress_desc_owner');

-- purpose is the one required key
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t');
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '{}');
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '{"purpose": "   "}');
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', NULL);
-- not an object
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '[1, 2]');
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '"purpose"');
-- every problem at once, sorted by path
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', $$ {
    "purpose": 42,
    "owner": "regress_nobody",
    "version": "v1",
    "access_level": "top-secret",
    "description": "",
    "tags": ["Finance", "ok", "ok", 7, ""],
    "support": [{"url": "ftp://x"}, {"channel": "#c", "email": "not-an-email"}, "mail me"],
    "sla": {"freshness": "-1 hour",
            "delivery_window": {"start": "6am", "end": "24:01", "timezone": "Moon/Base", "days": ["monday"]},
            "backfill": {"max_lookback": "forever", "notice": "-2 days"}},
    "sources": [{"kind": "ftp"}, "crm", {"name": "erp"}, {"name": "erp", "kind": "database"}],
    "examples": {"queries": [{"title": "no sql"}, {"sql": "SELEC * FROM dsc.p"}, {"sql": "SELECT id FROM dsc.p WHERE amount > 10"}],
                 "records": [{"id": 1, "nope": 2}, 5, {"id": "one", "amount": "12,50", "email": null},
                             {"id": null, "amount": 12.5, "email": "a@example.com"}, {"id": 2.5, "amount": true}]},
    "columns": {"nope": {"description": "?"},
                "id": {"type": "bigint", "classification": "PII Email", "primary_key": "yes"},
                "email": {"nullable": false, "tags": ["a", "a"]},
                "amount": "money"},
    "status": "active",
    "product": "dsc.other",
    "id": 7,
    "created_by": "someone"
} $$);
-- no backfill look-back and no notice are valid promises; a zero freshness is not
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t',
    '{"purpose": "x", "sla": {"freshness": "0 minutes", "backfill": {"max_lookback": "0 days", "notice": "0 days"}}}');
-- the columns array form: names required, unique and existing
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', $$ {
    "purpose": "array form",
    "columns": [{"name": "id"}, {"description": "no name"}, {"name": "id"}, {"name": "ghost"}, 3]
} $$);
-- semantic versions
SELECT v, (SELECT count(*) FROM (SELECT mesh._validate_descriptor('dsc.p', jsonb_build_object('purpose', 'x', 'version', v),
                                  '{"columns": [], "managed": {}}')) s) = 1 AS valid
  FROM unnest(ARRAY['1.0.0', '0.0.1', '10.20.30', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-0.3.7', '1.0.0+build.5',
                    '1.0.0-rc.1+build.1']) AS v;
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '{"purpose": "x", "version": "01.0.0"}');
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '{"purpose": "x", "version": "1.0"}');
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '{"purpose": "x", "version": "1.0.0-"}');
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '{"purpose": "x", "version": "1.0.0-01"}');
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '{"purpose": "x", "version": "1.0.0+"}');
-- keys with odd names get a bracketed path
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', '{"purpose": "x", "columns": {"no such \"col\"": {}}}');
-- more than 100 problems are summarised
DO $$
DECLARE
    message text;
    detail text;
    lines text[];
BEGIN
    PERFORM mesh.create_data_product('dsc.p', 'desc_raw.t',
        jsonb_build_object('purpose', 'x', 'tags', (SELECT jsonb_agg('BAD' || i) FROM generate_series(1, 120) i)));
EXCEPTION WHEN invalid_parameter_value THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    lines := string_to_array(detail, E'\n');
    RAISE NOTICE '%: % lines, first "%", 100th "%", last "%"',
        message, cardinality(lines), lines[1], lines[100], lines[cardinality(lines)];
END
$$;
-- nothing was created by the refused attempts
SELECT count(*) AS products FROM mesh.data_products;
SELECT to_regclass('dsc.p') AS port;

-- defaults, and unknown keys kept at every level
SELECT mesh.create_data_product('dsc.p', 'desc_raw.t', $$ {
    "purpose": "Defaults and extensions.",
    "x_review": {"by": "governance", "score": 0.75, "big": 12345678901234567890},
    "sources": [{"name": "crm", "kind": "application", "x_contact": "crm-team"}],
    "columns": {"email": {"classification": "pii.email", "x_masking": "later"}}
} $$) > 0 AS created;
SELECT d -> 'version' AS version, d -> 'owner' AS owner, d -> 'access_level' AS access_level, d -> 'tags' AS tags,
       d -> 'sla' AS sla, d -> 'support' AS support, d -> 'x_review' AS x_review,
       d -> 'columns' -> 1 AS email_column, d -> 'sources' AS sources
  FROM mesh.describe('dsc.p') d;
-- an alter is validated the same way, and a refused alter changes nothing
SELECT mesh.alter_data_product('dsc.p', '{"purpose": null, "sla": {"freshness": "often"}}');
SELECT mesh.alter_data_product('dsc.p', '{"status": "active"}');
SELECT mesh.alter_data_product('dsc.p', '{"status": "draft", "product": "dsc.p", "name": "p", "domain": "dsc"}');
SELECT mesh.alter_data_product('dsc.p', '{"port": "public.elsewhere"}');
SELECT mesh.alter_data_product('dsc.p', '{"created_by": "someone else", "column_count": 99}');
SELECT purpose, freshness FROM mesh.products WHERE product = 'dsc.p';

-- cleanup
SELECT mesh.drop_data_product('dsc.p');
SELECT mesh.drop_domain('dsc');
DROP SCHEMA desc_raw CASCADE;
DROP ROLE regress_desc_owner;
