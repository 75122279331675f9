-- describe_markdown: a documentation page per product.  Golden output for a
-- product whose every text is hostile Markdown: pipes that would split table
-- cells, backticks and fences, line breaks, HTML, links, headings and lists.

-- a flush that meets the scheduler's writes nothing: wait for it first
CREATE FUNCTION pg_temp.flush_usage_waiting() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE mesh.usage_daily, mesh.access_history_log IN SHARE ROW EXCLUSIVE MODE;
    RETURN mesh.flush_usage();
END $$;

SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE ROLE discovery_md_team NOLOGIN;
CREATE ROLE discovery_md_reader NOLOGIN;
CREATE SCHEMA discovery_md_src AUTHORIZATION discovery_md_team;
SET ROLE discovery_md_team;
CREATE TABLE discovery_md_src.events ("id|key" int PRIMARY KEY, "note`s" text NOT NULL, amount numeric(10,2));
RESET ROLE;
SELECT mesh.create_domain('discovery_md', 'discovery_md_team');
SELECT mesh.create_data_product('discovery_md.events', 'discovery_md_src.events', $${
  "purpose": "Events | with *stars*, _under_ `code` <script>alert(1)</script>\n# not a heading",
  "description": "First line [click](javascript:alert(1))\n- not a list\n1. not numbered\n\n> not a quote\n===",
  "tags": ["a-b", "c:d"],
  "support": [{"channel": "#chan|nel", "url": "https://example.com/a_b", "description": "line\nbreak"}],
  "sla": {"freshness": "2 hours", "custom | key": "v`al`"},
  "columns": {
    "id|key": {"description": "The | key\nwith a newline", "classification": "internal"},
    "note`s": {"description": "<b>bold</b> & `code` ``` fence"}
  },
  "examples": {"queries": [{"title": "Top | ``` notes", "sql": "SELECT \"note`s\" FROM discovery_md.events -- ``` ````"}]}
}$$) > 0 AS created;
SET ROLE discovery_md_team;
SELECT mesh.define_term('Event | thing', 'Something that *happened* `once`');
SELECT mesh.link_term('Event | thing', 'discovery_md.events', 'id|key');
SELECT mesh.add_source('discovery_md.events', 'Feed `x` | y', 'stream', NULL);
-- checks of the checks module appear with their last result
SELECT mesh.add_check('discovery_md.events', '{"name": "key_unique", "kind": "duplicate", "column": "id|key"}') > 0 AS added;
SELECT mesh.add_check('discovery_md.events', '{"name": "amount_set", "kind": "null", "column": "amount"}') > 0 AS added;
SELECT name, status FROM mesh.run_checks('discovery_md.events') WHERE name = 'key_unique';
RESET ROLE;
GRANT SELECT ON discovery_md.events TO discovery_md_reader;
SET ROLE discovery_md_reader;
SELECT mesh.review('discovery_md.events', 3, E'ok | but\n`slow` <i>x</i>');
-- reads counted by the usage module show in the usage section once flushed
SELECT count(*) FROM discovery_md.events;
SELECT count(*) FROM discovery_md.events;
RESET ROLE;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;

-- the page, with the moments of change masked
SELECT regexp_replace(regexp_replace(mesh.describe_markdown('discovery_md.events'),
                      '\| Updated \| [^\n]*', '| Updated | (masked) |'),
                      '\d{4}-\d\d-\d\d( \d\d:\d\d UTC)?', 'YYYY-MM-DD', 'g') AS page \gset
\echo :page

-- no table row of the schema has more cells than the header
SELECT count(*) AS broken_rows
  FROM regexp_split_to_table(mesh.describe_markdown('discovery_md.events'), E'\n') AS line
 WHERE line LIKE '| %' AND cardinality(regexp_split_to_array(regexp_replace(line, '\\\|', '', 'g'), '\|')) NOT IN (4, 9);

-- the escaping helpers on their own
SELECT mesh._md(E'a|b`c*d_e[f]g<h>i#j~k&l\\m\nn') AS inline;
SELECT mesh._md_block(E'- item\n+ plus\n1. one\n2) two\n> quote\n=== \n\nnext') AS block;
SELECT mesh._md_code('has ``` and ```` inside', 'sql') AS code;
SELECT * FROM mesh.describe_markdown('discovery_md.nope');
SELECT * FROM mesh.describe_markdown(NULL);

-- a product without description, SLA, examples or reviews still gets every section
SELECT mesh.create_data_product('discovery_md.plain', 'SELECT 1 AS one', '{"purpose": "plain"}') > 0 AS created;
SELECT string_agg(line, E'\n') AS headings
  FROM regexp_split_to_table(mesh.describe_markdown('discovery_md.plain'), E'\n') AS line
 WHERE line LIKE '#%' OR line LIKE 'No %' OR line LIKE '%not available%' OR line LIKE '%not recorded%';

SELECT mesh.drop_data_product('discovery_md.plain');
SELECT mesh.drop_data_product('discovery_md.events');
SET ROLE discovery_md_team;
SELECT mesh.drop_term('Event | thing');
RESET ROLE;
SELECT mesh.drop_domain('discovery_md');
DROP SCHEMA discovery_md_src CASCADE;
DROP ROLE discovery_md_team, discovery_md_reader;
