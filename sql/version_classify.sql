-- Breaking-change classification (docs/contracts.md#rules): one case per rule,
-- through mesh.diff(), which publishes nothing.
\set SHOW_CONTEXT never
CREATE ROLE regress_versions_cls_owner NOLOGIN;
SELECT mesh.create_domain('vercls', 'regress_versions_cls_owner');
CREATE TABLE vercls.t (
    id integer PRIMARY KEY,
    small smallint NOT NULL,
    big bigint,
    price numeric(10,2),
    ratio real,
    code varchar(10),
    label varchar,
    note text,
    maybe integer,
    extra integer NOT NULL DEFAULT 0
);
ALTER TABLE vercls.t OWNER TO regress_versions_cls_owner;
SELECT mesh.create_data_product('vercls.p', 'SELECT id, small, big, price, ratio, code, label, note, maybe FROM vercls.t',
    '{"purpose": "classification cases", "description": "old", "tags": ["a"], "access_level": "internal",
      "sla": {"freshness": "1 hour", "delivery_window": {"start": "06:00", "end": "07:00", "timezone": "UTC"}},
      "columns": {"id": {"description": "key"}, "code": {"classification": "internal.code"}}}') > 0 AS created;
SELECT mesh.set_status('vercls.p', 'active');
\set base '"purpose": "classification cases", "description": "old", "tags": ["a"], "access_level": "internal", "sla": {"freshness": "1 hour", "delivery_window": {"start": "06:00", "end": "07:00", "timezone": "UTC"}}, "columns": {"id": {"description": "key"}, "code": {"classification": "internal.code"}}'

-- the same contract: no change at all
SELECT count(*) AS changes FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb);
-- patch: descriptions, tags, purpose, support, column documentation
SELECT path, kind, old, new, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"description": "new", "tags": ["a", "b"], "support": [{"channel": "#x"}],
         "columns": {"id": {"description": "the key"}, "code": {"classification": "internal.code"}}}');
-- minor: a looser access level, a tighter freshness, a new SLA key, a new owner
SELECT path, kind, old, new, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"access_level": "public", "sla": {"freshness": "30 minutes", "backfill": {"notice": "1 day"},
         "delivery_window": {"start": "06:00", "end": "07:00", "timezone": "UTC"}}}');
-- minor: classification changes (masks may follow it)
SELECT path, kind, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"columns": {"id": {"description": "key"}, "code": {"classification": "pii.code"}}}');
-- major: a weaker freshness, a removed SLA key, a changed delivery window, a tighter access level
SELECT path, kind, old, new, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"access_level": "confidential", "sla": {"freshness": "2 hours"}}');
SELECT path, kind, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"sla": {"freshness": "60 minutes", "delivery_window": {"start": "06:00", "end": "09:00", "timezone": "UTC"}}}');
-- major: a new uniqueness constraint declared on a column
SELECT path, kind, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"columns": {"id": {"description": "key"}, "code": {"classification": "internal.code", "unique": true}}}');
-- major: checks removed; minor: checks added
SELECT path, kind, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb || '{"checks": [{"name": "rows", "kind": "row_count", "min": 1}]}');

-- columns, through a new source (a staging port, rolled back)
-- minor: a new nullable column and a new NOT NULL column
SELECT path, kind, class, reason FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"source": "SELECT id, small, big, price, ratio, code, label, note, maybe, maybe AS maybe2, extra FROM vercls.t"}')
 WHERE path <> '$.source';
-- major: a removed column
SELECT path, kind, old, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"source": "SELECT id, small, big, price, ratio, code, label, note FROM vercls.t"}');
-- major: a renamed column (same position and type)
SELECT path, kind, old, new, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"source": "SELECT id, small, big, price, ratio, code, label, note, maybe AS perhaps FROM vercls.t"}')
 WHERE path <> '$.source';
-- minor: widened types smallint->integer, bigint->numeric, numeric(10,2)->numeric(12,2),
-- (a cast hides the source column, so "small" may be NULL for all meshpg can tell: major)
-- real->double precision, varchar(10)->varchar(20), varchar->text, integer->bigint
SELECT path, kind, old, new, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"source": "SELECT id, small::integer AS small, big::numeric AS big, price::numeric(12,2) AS price, ratio::float8 AS ratio, code::varchar(20) AS code, label::text AS label, note, maybe::bigint AS maybe FROM vercls.t"}')
 WHERE path <> '$.source' ORDER BY path;
-- major: narrowed or unrelated types
SELECT path, kind, old, new, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"source": "SELECT id::smallint AS id, small, big::integer AS big, price::numeric(10,3) AS price, ratio, code::varchar(5) AS code, label, note::integer AS note, maybe FROM vercls.t"}')
 WHERE path <> '$.source' ORDER BY path;
-- major: nullable -> required, and required -> nullable; primary key removed
SELECT path, kind, old, new, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"source": "SELECT id, small, big, price, ratio, code, label, note, maybe FROM vercls.t WHERE false UNION ALL SELECT NULL, small, big, price, ratio, code, label, note, maybe FROM vercls.t"}')
 WHERE path <> '$.source' ORDER BY path;
SELECT path, kind, old, new, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"source": "SELECT id, small, big, price, ratio, code, label, note, extra AS maybe FROM vercls.t"}')
 WHERE path <> '$.source' ORDER BY path;
-- minor: a column moved
SELECT path, kind, class FROM mesh.diff('vercls.p', ('{' || :'base' || '}')::jsonb
    || '{"source": "SELECT id, small, big, price, ratio, code, label, maybe, note FROM vercls.t"}')
 WHERE path <> '$.source' ORDER BY path;
-- nothing was published by any of these
SELECT version, (SELECT count(*) FROM mesh.product_versions v WHERE v.product_id = p.id) AS versions,
       (SELECT count(*) FROM pg_class WHERE relname LIKE '\_meshpg\_next\_%') AS staging
  FROM mesh.data_products p WHERE domain = 'vercls';

-- the widening table itself
SELECT o, n, mesh._type_widens(o, n) AS widens
  FROM (VALUES ('smallint', 'integer'), ('smallint', 'bigint'), ('integer', 'bigint'), ('bigint', 'integer'),
               ('integer', 'numeric'), ('integer', 'numeric(10,0)'), ('integer', 'numeric(9,0)'),
               ('bigint', 'numeric(20,1)'), ('numeric(10,2)', 'numeric(12,2)'), ('numeric(10,2)', 'numeric(11,3)'),
               ('numeric(10,2)', 'numeric(12,4)'), ('numeric(10,2)', 'numeric'), ('numeric', 'numeric(38,2)'),
               ('real', 'double precision'), ('double precision', 'real'), ('integer', 'double precision'),
               ('character varying(10)', 'character varying(11)'), ('character varying(10)', 'character varying(10)'),
               ('character varying(10)', 'character varying(9)'), ('character varying(10)', 'character varying'),
               ('character varying(10)', 'text'), ('character varying', 'text'), ('text', 'character varying'),
               ('character(3)', 'text'), ('date', 'timestamp without time zone')) AS c(o, n);

-- bad input
SELECT * FROM mesh.diff('vercls.p', '[]');
SELECT * FROM mesh.diff('vercls.p', '{"purpose": "x", "source": 42}');
SELECT * FROM mesh.diff('vercls.p', '{"purpose": "x", "tags": ["Bad Tag"]}');
SELECT * FROM mesh.diff('vercls.nope', '{"purpose": "x"}');
SELECT * FROM mesh.diff('vercls.p', NULL);
SELECT mesh.diff_json('vercls.p', '{"purpose": "classification cases"}', '0.0.1');
SELECT mesh.diff_json('vercls.p', '{"purpose": "classification cases"}', '1.0');
SELECT mesh.diff_json('vercls.p', '{"purpose": "classification cases", "version": "2.0.0"}', '3.0.0');
-- diff_json says which version would be needed
SELECT d ->> 'class' AS class, d ->> 'minimum_version' AS minimum_version
  FROM mesh.diff_json('vercls.p', ('{' || :'base' || '}')::jsonb || '{"sla": {"freshness": "1 day"}}') AS d;
-- only members of the domain owner compare versions (they may create staging ports)
CREATE ROLE regress_versions_cls_stranger NOLOGIN;
SET ROLE regress_versions_cls_stranger;
SELECT * FROM mesh.diff('vercls.p', '{"purpose": "x"}');
RESET ROLE;

-- clean up
SELECT mesh.drop_data_product('vercls.p', force => true);
DROP TABLE vercls.t;
SELECT mesh.drop_domain('vercls');
DROP ROLE regress_versions_cls_owner, regress_versions_cls_stranger;
