-- Reading contract documents: JSON (jansson) and YAML (libyaml) into jsonb, the
-- YAML writer, parse errors with line and column, and hostile documents:
-- deep nesting, huge documents, alias bombs, duplicate keys, NUL characters.
\set SHOW_CONTEXT never

-- JSON when the document starts with { or [, YAML otherwise
SELECT mesh._odcs_parse('{"a": [1, 2.50, "x", true, null], "b": {"c": 1e3}}');
SELECT mesh._odcs_parse(E'\n  [1, 2]');
SELECT mesh._odcs_parse(E'a: [1, 2.50, x, true, null]\nb: {c: 1e3}');
-- a byte order mark and CRLF line ends are fine
SELECT mesh._odcs_parse(E'\uFEFF{"a": 1}') AS bom_json, mesh._odcs_parse(E'\uFEFFa: 1\r\nb: 2\r\n') AS bom_crlf_yaml;
-- YAML 1.2 core schema: plain scalars are null, booleans, numbers or strings
SELECT mesh._odcs_parse($$
nulls: [~, null, Null, NULL, ]
bools: [true, True, TRUE, false, False, FALSE]
ints: [0, -7, +12, 007, 0o17, 0x1F, 123456789012345678901234567890]
floats: [1.5, -.5, 2., 6.02e23, 1E-3]
strings: [yes, no, on, off, .inf, .nan, 2024-05-01, "12", '3.0', 1_000, 0b101, 12:30]
tagged: [!!str 42, !!int "42", !!float 1, !!bool true, !!null null]
$$);
-- block scalars and unicode
SELECT mesh._odcs_parse($$
literal: |
  line one
  line two
folded: >
  folded
  text
unicode: "Gr\u00fc\u00dfe \U0001F600"
plain: Grüße 😀
$$) AS parsed;
-- YAML anchors and aliases are expanded (within limits)
SELECT mesh._odcs_parse($$
base: &b {x: 1, y: [1, 2]}
copy: *b
list: [&s one, *s, *s]
$$);
-- an anchored key is a string where its alias appears
SELECT mesh._odcs_parse(E'x: 1\n&k key: 2\nother: *k\nlist: [*k]');
-- a redefined anchor: later aliases see the new value
SELECT mesh._odcs_parse(E'a: &x 1\nb: *x\nc: &x 2\nd: *x');

-- JSON parse errors: line and column of the problem
SELECT mesh._odcs_parse(E'{\n  "a": 1,\n  "b": }');
SELECT mesh._odcs_parse(E'{"a": 1}\n{"b": 2}');
SELECT mesh._odcs_parse('[1, 2');
-- (beyond a double is not an error: numbers are jsonb's, see below)
SELECT (mesh._odcs_parse('{"n": 1e400}') ->> 'n')::numeric = 1e400 AS beyond_double;
-- YAML parse errors: line and column, and the context
SELECT mesh._odcs_parse(E'a: 1\nb: [1, 2\nc: 3');
SELECT mesh._odcs_parse(E'a: 1\n  b: 2');
SELECT mesh._odcs_parse(E'a:\n\t- tab');
SELECT mesh._odcs_parse(E'a: "unterminated');
SELECT mesh._odcs_parse(E'a: *nowhere');
SELECT mesh._odcs_parse(E'---\na: 1\n---\nb: 2');
SELECT mesh._odcs_parse('');
SELECT mesh._odcs_parse(E'# only a comment\n');
SELECT mesh._odcs_parse('a: !custom x');
SELECT mesh._odcs_parse('a: !!int abc');
SELECT mesh._odcs_parse('a: !!binary aGVsbG8=');
SELECT mesh._odcs_parse('a: 0x1FFFFFFFFFFFFFFFFF');

-- duplicate keys are refused, in JSON and in YAML, at any depth
SELECT mesh._odcs_parse('{"a": 1, "b": {"c": 1, "c": 2}}');
SELECT mesh._odcs_parse(E'a: 1\nb:\n  c: 1\n  d: 2\n  c: 3');
SELECT mesh._odcs_parse(E'a: 1\n"a": 2');
-- the same key in different mappings is fine
SELECT mesh._odcs_parse(E'- a: 1\n- a: 2\n- {a: 3, b: {a: 4}}');
-- keys must be plain values; merge keys are not expanded
SELECT mesh._odcs_parse(E'? [1, 2]\n: x');
SELECT mesh._odcs_parse(E'? {a: 1}\n: x');
SELECT mesh._odcs_parse(E'base: &b {x: 1}\nother:\n  <<: *b\n  y: 2');
SELECT mesh._odcs_parse(E'k: &k key\n*k : v');

-- NUL characters cannot be stored in text or jsonb: refused with the position
SELECT mesh._odcs_parse('{"a": "x\u0000y"}');
SELECT mesh._odcs_parse(E'a: "x\\0y"');
-- invalid UTF-8 cannot reach the readers: text input is verified by the server
SELECT convert_from('\x613a20ff'::bytea, 'UTF8');
-- document text quoted in a message is cut at a character boundary
SELECT mesh._odcs_parse('a: !!int ' || repeat('ü', 80));
SELECT mesh._odcs_parse('{"' || repeat('ü', 30) || '": 1, "' || repeat('ü', 30) || '": 2}');
-- control characters YAML forbids
SELECT mesh._odcs_parse(E'a: "\x01"');

-- hostile: deep nesting (JSON and YAML, flow and block), bounded at 64 levels
SELECT mesh._odcs_parse(repeat('[', 64) || repeat(']', 64)) IS NOT NULL AS depth_64_json;
SELECT mesh._odcs_parse(repeat('[', 65) || repeat(']', 65));
SELECT mesh._odcs_parse(repeat('[', 100000) || repeat(']', 100000));
SELECT mesh._odcs_parse(repeat('{"a":', 5000) || '1' || repeat('}', 5000));
SELECT mesh._odcs_parse('x: ' || repeat('[', 63) || repeat(']', 63)) IS NOT NULL AS depth_64_yaml;
SELECT mesh._odcs_parse('x: ' || repeat('[', 64) || repeat(']', 64));
SELECT mesh._odcs_parse('x: ' || repeat('[', 100000) || repeat(']', 100000));
SELECT mesh._odcs_parse((SELECT string_agg(repeat('  ', i) || 'k:', E'\n') FROM generate_series(0, 99) i) || ' 1');
-- hostile: the "billion laughs" alias bomb stops at the value limit, not at memory
SELECT mesh._odcs_parse($$
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
$$);
-- a smaller expansion within the limit is fine
SELECT jsonb_array_length(mesh._odcs_parse($$
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
$$) -> 'c');
-- an anchor cannot contain an alias to itself
SELECT mesh._odcs_parse(E'a: &a [1, *a]');
-- hostile: huge documents and many values
SELECT mesh._odcs_parse('"' || repeat('x', 4 * 1024 * 1024) || '"');
SELECT length(mesh._odcs_parse('"' || repeat('x', 1024 * 1024) || '"') #>> '{}') AS one_megabyte_string;
SELECT mesh._odcs_parse('[' || repeat('1,', 200000) || '1]');
SELECT mesh._odcs_parse('- ' || repeat(E'1\n- ', 200000) || '1');
-- hostile: a mapping with many distinct keys is read in linear time
SELECT count(*) AS keys FROM jsonb_object_keys(mesh._odcs_parse(
    (SELECT string_agg('k' || i || ': ' || i, E'\n') FROM generate_series(1, 50000) i)));
-- hostile: many anchors and many aliases of the oldest one are read in
-- linear time (searched one by one, they took minutes of CPU)
SET statement_timeout = '30s';
SELECT jsonb_array_length(d -> 'a') AS anchors, jsonb_array_length(d -> 'b') AS aliases
  FROM mesh._odcs_parse(
    'a: [' || (SELECT string_agg('&x' || i || ' v', ', ') FROM generate_series(1, 95000) i) || E']\n' ||
    'b: [' || repeat('*x1, ', 94999) || E'*x1]\n') AS d;
RESET statement_timeout;
-- JSON numbers beyond int64 or double are valid JSON: jansson checks the
-- structure only, jsonb keeps their exact value (as the YAML reader does)
SELECT d -> 'max' AS max, d -> 'neg' AS neg, d -> 'tiny' AS tiny,
       (d ->> 'big')::numeric = 1.5e310 AS big_exact, d -> 'list' AS list, d -> 's' AS s
  FROM mesh._odcs_parse('{"max": 123456789012345678901234567890, "neg": -99999999999999999999,
                          "tiny": 1e-40, "big": 1.5e310, "list": [0, -0.5, 2E+3, 7],
                          "s": "12 \" 1e400 \\"}') AS d;
SELECT mesh._odcs_parse(E'{"a": 1,\n "b": 01}');
SELECT mesh._odcs_parse(E'{"a": 1,\n "b": 1.2.3}');
SELECT mesh._odcs_parse('{"a": 99999999999999999999, "a": 1}');
-- a contract import goes through the same readers
SELECT mesh.import_contract(E'apiVersion: v3.1.0\nkind: [unclosed');
SELECT mesh.import_contract(E'{"apiVersion": "v3.1.0",\n "kind": "DataContract",\n "kind": "DataContract"}');

-- the YAML writer quotes strings a YAML reader would take for other types
SELECT mesh._odcs_to_yaml($${"s": ["true", "null", "1.0", "007", "2024-05-01", "yes", "~", "", " lead",
                             "a: b", "#x", "- y", "multi\nline", "x\ty", "12:30", "<<", ".inf", "@at"],
                        "n": [1, 2.50, -3e5], "b": [true, false], "z": null, "o": {}, "a": [],
                        "apiVersion": "v3.1.0", "kind": "DataContract"}$$);
-- and reads back what it writes, for every kind of value
SELECT mesh._odcs_parse(mesh._odcs_to_yaml(v)) = v AS round_trip
  FROM (VALUES ($${"s": ["true", "null", "1.0", "007", "2024-05-01", "yes", "~", "", " lead", "trail ",
                  "a: b", "#x", "- y", "multi\nline\n", "x\ty", "12:30", "<<", ".inf", "@at", "\u00e9\u4e2d",
                  "quote'\"", "back\\slash", "nul-free \u0001 control"],
                  "n": [0, 1, 2.50, -3e5, 12345678901234567890], "b": [true, false], "z": null,
                  "o": {"": 1, "1": 2, "key with: colon": 3}, "a": [[], {}, [[1]]]}$$::jsonb),
               ('"just a string"'::jsonb), ('42'::jsonb), ('[]'::jsonb), ('{}'::jsonb)) t(v);
-- strings YAML writers get wrong (indicators, line breaks, Unicode line separators, BOM,
-- YAML 1.1 words), as values, keys and list items, all read back unchanged
WITH s(v) AS (SELECT unnest(ARRAY[E'\u0085', E'\u2028', E'\u2029', E'\uFEFFx', E'a\r\nb', E'\r', ' ', '  x  ',
                              '---', '...', '%x', '!x', '&x', '*x', '|', '>', '''', '"', '`x', '{', '}', '[', ']',
                              ',', '?', ':', '- ', 'a #b', 'a: b', E'\t', E'x\n\ny\n\n', E'\n', E'\n\n',
                              'null', 'NULL', '0x10', '0o7', '+1', '.5', '1e3', 'y', 'Y', 'off', '=', '~',
                              E'\u00a0', E'x\u0007', E' \n x', E'tab\there', repeat('x', 5000)]))
SELECT count(*) FILTER (WHERE ok) AS read_back, count(*) FILTER (WHERE NOT ok) AS changed
  FROM (SELECT mesh._odcs_parse(mesh._odcs_to_yaml(d)) = d AS ok
          FROM s CROSS JOIN LATERAL (SELECT jsonb_build_object('k', v, v, 1, 'l', jsonb_build_array(v)) AS d) x) t;

-- a database in another encoding: documents are converted to UTF-8 for the
-- readers and back; a character the database cannot hold is refused
SET client_min_messages = warning;
CREATE DATABASE odcs_latin1 ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';
\c odcs_latin1
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
RESET client_min_messages;
SELECT mesh._odcs_parse(E'name: Grüße\nlist: [ä, "ö", "\\u00ff"]') AS latin1_yaml;
SELECT mesh._odcs_parse('{"name": "Grüße", "e": "\u00e9"}') AS latin1_json;
SELECT mesh._odcs_to_yaml('{"name": "Grüße"}') AS latin1_yaml_out;
SELECT mesh._odcs_parse('name: "\U0001F600"');
SELECT mesh._odcs_parse('{"k": 1, "k": 2, "ä": 3}');
\c contrib_regression
DROP DATABASE odcs_latin1;

-- a multibyte server encoding: the UTF-8 form of a document is verified as
-- UTF-8, not as EUC_JP (whose byte rules refuse UTF-8 text)
SET client_min_messages = warning;
CREATE DATABASE odcs_eucjp ENCODING 'EUC_JP' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';
\c odcs_eucjp
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
RESET client_min_messages;
SELECT mesh._odcs_parse(E'name: データ製品\nowner: 山田') AS eucjp_yaml;
SELECT mesh._odcs_parse('{"name": "データ製品", "k": ["品質"]}') AS eucjp_json;
SELECT mesh._odcs_to_yaml('{"name": "データ製品"}') AS eucjp_yaml_out;
SELECT mesh._odcs_parse(mesh._odcs_to_yaml('{"name": "データ製品"}')) AS eucjp_round_trip;
SELECT mesh._odcs_parse('name: "€"');
\c contrib_regression
DROP DATABASE odcs_eucjp;
