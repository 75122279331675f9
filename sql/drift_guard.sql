-- Schema-drift guard: DDL on a source relation that would break an active
-- contract is refused before it runs (event trigger on ddl_command_start),
-- naming the product, the column and its consumers; the owner's override
-- records the breaking change (and an incident when the monitor module is
-- installed) and forces the next version to be major.
\set SHOW_CONTEXT never
CREATE ROLE regress_drift_owner NOLOGIN;
CREATE ROLE regress_drift_member NOLOGIN IN ROLE regress_drift_owner;
CREATE ROLE regress_drift_reader NOLOGIN;
CREATE ROLE regress_drift_dba NOLOGIN;
SELECT mesh.create_domain('drift', 'regress_drift_owner');
CREATE TABLE drift.src (id integer PRIMARY KEY, name text NOT NULL, amount integer, unused text, spare text NOT NULL DEFAULT '');
CREATE TABLE drift.other (id integer);
ALTER TABLE drift.src OWNER TO regress_drift_owner;
ALTER TABLE drift.other OWNER TO regress_drift_owner;
GRANT ALL ON drift.src TO regress_drift_dba;
SELECT mesh.create_data_product('drift.p', 'SELECT id, name, amount FROM drift.src', '{"purpose": "drift"}') > 0 AS created;
SELECT mesh.set_status('drift.p', 'active');
GRANT SELECT ON drift.p TO regress_drift_reader;
CREATE VIEW drift.consumer_view AS SELECT id FROM drift.p;

-- every breaking statement is refused
ALTER TABLE drift.src DROP COLUMN name;
ALTER TABLE drift.src DROP COLUMN name CASCADE;
ALTER TABLE drift.src ALTER COLUMN amount TYPE bigint;
ALTER TABLE drift.src ALTER COLUMN amount SET DATA TYPE numeric;
ALTER TABLE drift.src RENAME COLUMN amount TO total;
ALTER TABLE drift.src ALTER COLUMN name DROP NOT NULL;
ALTER TABLE drift.src RENAME TO source_table;
ALTER TABLE drift.src SET SCHEMA public;
DROP TABLE drift.src;
DROP TABLE drift.src CASCADE;
DROP TABLE drift.other, drift.src CASCADE;
-- in a multi-command ALTER TABLE the breaking part refuses the whole statement
ALTER TABLE drift.src ADD COLUMN ok integer, DROP COLUMN amount;
SELECT attname FROM pg_attribute WHERE attrelid = 'drift.src'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;

-- columns the port does not read, and changes that keep the contract, pass
ALTER TABLE drift.src ADD COLUMN added integer;
ALTER TABLE drift.src DROP COLUMN unused;
ALTER TABLE drift.src RENAME COLUMN added TO added_too;
ALTER TABLE drift.src ALTER COLUMN spare DROP NOT NULL;
ALTER TABLE drift.src ALTER COLUMN amount SET NOT NULL;
ALTER TABLE drift.src ALTER COLUMN amount DROP NOT NULL;  -- the contract says amount may be null anyway
ALTER TABLE drift.src ALTER COLUMN added_too TYPE bigint;
DROP TABLE drift.other;
-- statements on missing objects keep PostgreSQL's own errors
ALTER TABLE drift.missing DROP COLUMN x;
ALTER TABLE drift.src DROP COLUMN missing;
DROP TABLE IF EXISTS drift.missing;

-- a draft product has no contract to keep
SELECT mesh.create_data_product('drift.draft', 'SELECT id FROM drift.src', '{"purpose": "draft"}') > 0 AS created;
CREATE TABLE drift.draft_src (id integer, x integer);
ALTER TABLE drift.draft_src OWNER TO regress_drift_owner;
SELECT mesh.create_data_product('drift.draft2', 'drift.draft_src', '{"purpose": "draft"}') > 0 AS created;
ALTER TABLE drift.draft_src RENAME COLUMN x TO y;
SELECT mesh.drop_data_product('drift.draft2');
SELECT mesh.drop_data_product('drift.draft');
DROP TABLE drift.draft_src;

-- the override: only for the product named, only by members of its owner
BEGIN;
SET LOCAL meshpg.allow_breaking_change = 'drift.other_product';
ALTER TABLE drift.src RENAME COLUMN amount TO total;
ROLLBACK;
BEGIN;
SET LOCAL ROLE regress_drift_dba;
SET LOCAL meshpg.allow_breaking_change = 'drift.p';
ALTER TABLE drift.src RENAME COLUMN amount TO total;
ROLLBACK;
BEGIN;
SET LOCAL ROLE regress_drift_member;
SET LOCAL meshpg.allow_breaking_change = 'drift.p';
ALTER TABLE drift.src RENAME COLUMN amount TO total;
COMMIT;
SELECT relation, column_name, action, statement, forced_by, consumed_by,
       incident_id IS NOT NULL = (to_regprocedure('mesh._open_incident(bigint,text,text,text,jsonb)') IS NOT NULL) AS incident_as_expected
  FROM mesh.breaking_changes b JOIN mesh.data_products p ON p.id = b.product_id WHERE p.domain = 'drift';
-- the override does not outlive its transaction
ALTER TABLE drift.src RENAME COLUMN total TO amount;
-- the port still works: it reads the column by number
SELECT * FROM drift.p;
-- the next version must be major, whatever else changes
SELECT path, kind, class, reason FROM mesh.diff('drift.p', '{"purpose": "drift"}');
SELECT mesh.publish_version('drift.p', '0.1.1', '{"purpose": "drift"}');
SET client_min_messages = warning;
SELECT mesh.publish_version('drift.p', '1.0.0', '{"purpose": "drift", "source": "SELECT id, name, total AS amount FROM drift.src"}') ->> 'class' AS class;
RESET client_min_messages;
SELECT consumed_by FROM mesh.breaking_changes b JOIN mesh.data_products p ON p.id = b.product_id WHERE p.domain = 'drift';
-- the kept major (drift.p_v0) still reads drift.src: its contract is guarded too
ALTER TABLE drift.src DROP COLUMN name;
-- a session that cannot set the sanctioned flag cannot pretend to be the API
SET ROLE regress_drift_member;
SET meshpg.sanctioned_port_ddl = on;
RESET ROLE;
-- the guard function is an event trigger only
SELECT mesh._drift_guard();

-- DDL forms that reach a source indirectly are refused too
CREATE TABLE drift.parent (id integer PRIMARY KEY, label text NOT NULL);
CREATE TABLE drift.child () INHERITS (drift.parent);
CREATE TABLE drift.parted (id integer NOT NULL, label text NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE drift.parted_low PARTITION OF drift.parted FOR VALUES FROM (0) TO (100);
CREATE TABLE drift.base (id integer PRIMARY KEY, label text NOT NULL);
CREATE VIEW drift.middle AS SELECT id, label FROM drift.base;
ALTER TABLE drift.parent OWNER TO regress_drift_owner;
ALTER TABLE drift.child OWNER TO regress_drift_owner;
ALTER TABLE drift.parted OWNER TO regress_drift_owner;
ALTER TABLE drift.parted_low OWNER TO regress_drift_owner;
ALTER TABLE drift.base OWNER TO regress_drift_owner;
ALTER VIEW drift.middle OWNER TO regress_drift_owner;
SELECT mesh.create_data_product('drift.from_child', 'SELECT id, label FROM drift.child', '{"purpose": "drift"}') > 0 AS created;
SELECT mesh.create_data_product('drift.from_partition', 'SELECT id, label FROM drift.parted_low', '{"purpose": "drift"}') > 0 AS created;
SELECT mesh.create_data_product('drift.from_view', 'SELECT id, label FROM drift.middle', '{"purpose": "drift"}') > 0 AS created;
SELECT mesh.set_status(p, 'active') FROM unnest(ARRAY['drift.from_child', 'drift.from_partition', 'drift.from_view']) p;
-- through inheritance: the statement recurses to the child the product reads
ALTER TABLE drift.parent ALTER COLUMN label DROP NOT NULL;
ALTER TABLE drift.parent RENAME COLUMN label TO title;
ALTER TABLE drift.parted ALTER COLUMN label DROP NOT NULL;
-- ONLY the parent leaves the child as it is
ALTER TABLE ONLY drift.parent ALTER COLUMN label DROP NOT NULL;
-- through a view: the port's column would become nullable
ALTER TABLE drift.base ALTER COLUMN label DROP NOT NULL;
-- a column rename under a view does not reach the port (the view keeps its column names)
ALTER TABLE drift.base RENAME COLUMN label TO title;
ALTER TABLE drift.base RENAME COLUMN title TO label;
-- ALTER INDEX ... RENAME renames a table too
ALTER INDEX drift.child RENAME TO child_renamed;
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'drift.child'::regclass AND attname = 'label';
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'drift.parted_low'::regclass AND attname = 'label';
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'drift.base'::regclass AND attname = 'label';
SELECT mesh.drop_data_product(p, force => true) FROM unnest(ARRAY['drift.from_child', 'drift.from_partition', 'drift.from_view']) p;
DROP VIEW drift.middle;
DROP TABLE drift.base, drift.child, drift.parent, drift.parted;

-- keys the contract promises: dropping the primary key or a foreign key is refused
CREATE TABLE drift.dim (k integer PRIMARY KEY);
CREATE TABLE drift.fact (id integer CONSTRAINT fact_key PRIMARY KEY, k integer CONSTRAINT fact_dim REFERENCES drift.dim,
                         v text CONSTRAINT fact_v_unique UNIQUE, CONSTRAINT fact_v_check CHECK (v <> ''));
ALTER TABLE drift.dim OWNER TO regress_drift_owner;
ALTER TABLE drift.fact OWNER TO regress_drift_owner;
SELECT mesh.create_data_product('drift.keyed', 'SELECT id, k, v FROM drift.fact', '{"purpose": "drift"}') > 0 AS created;
SELECT mesh.set_status('drift.keyed', 'active');
SELECT c.name, c.primary_key, c."references" FROM mesh.data_product_columns c
  JOIN mesh.data_products p ON p.id = c.product_id WHERE p.domain = 'drift' AND p.name = 'keyed' ORDER BY c.position;
ALTER TABLE drift.fact DROP CONSTRAINT fact_key;
ALTER TABLE drift.fact ADD COLUMN w integer, DROP CONSTRAINT fact_dim;
-- constraints the contract does not promise can go
ALTER TABLE drift.fact DROP CONSTRAINT fact_v_check;
ALTER TABLE drift.fact DROP CONSTRAINT fact_v_unique;
ALTER TABLE drift.fact DROP CONSTRAINT IF EXISTS fact_missing;
SELECT conname FROM pg_constraint WHERE conrelid = 'drift.fact'::regclass ORDER BY 1;
SELECT mesh.drop_data_product('drift.keyed', force => true);
DROP TABLE drift.fact, drift.dim;

-- types a port column has: renaming the type, a value of an enum, or moving it is refused
CREATE TYPE drift.mood AS ENUM ('sad', 'happy');
CREATE DOMAIN drift.score AS integer CHECK (VALUE >= 0);
CREATE TYPE drift.unused_mood AS ENUM ('meh');
CREATE TABLE drift.typed (id integer PRIMARY KEY, mood drift.mood, score drift.score, moods drift.mood[]);
ALTER TABLE drift.typed OWNER TO regress_drift_owner;
ALTER TYPE drift.mood OWNER TO regress_drift_owner;
ALTER DOMAIN drift.score OWNER TO regress_drift_owner;
SELECT mesh.create_data_product('drift.typed_p', 'SELECT id, mood, score FROM drift.typed', '{"purpose": "drift"}') > 0 AS created;
SELECT mesh.create_data_product('drift.arrays_p', 'SELECT id, moods FROM drift.typed', '{"purpose": "drift"}') > 0 AS created;
SELECT mesh.set_status(p, 'active') FROM unnest(ARRAY['drift.typed_p', 'drift.arrays_p']) p;
ALTER TYPE drift.mood RENAME TO feeling;
ALTER TYPE drift.mood RENAME VALUE 'sad' TO 'unhappy';
ALTER DOMAIN drift.score RENAME TO points;
ALTER TYPE drift.mood SET SCHEMA public;
-- the attributes of a composite type a port column has are part of its values
CREATE TYPE drift.pair AS (a integer, b text);
ALTER TYPE drift.pair OWNER TO regress_drift_owner;
CREATE TABLE drift.paired (id integer PRIMARY KEY, pair drift.pair);
ALTER TABLE drift.paired OWNER TO regress_drift_owner;
SELECT mesh.create_data_product('drift.paired_p', 'SELECT id, pair FROM drift.paired', '{"purpose": "drift"}') > 0 AS created;
SELECT mesh.set_status('drift.paired_p', 'active');
ALTER TYPE drift.pair DROP ATTRIBUTE b;
ALTER TYPE drift.pair ALTER ATTRIBUTE a TYPE bigint;
ALTER TYPE drift.pair RENAME ATTRIBUTE a TO first;
ALTER TYPE drift.pair ADD ATTRIBUTE c date;
SELECT mesh.drop_data_product('drift.paired_p', force => true);
DROP TABLE drift.paired;
DROP TYPE drift.pair;
SELECT mesh.drop_data_product('drift.typed_p', force => true);
ALTER TYPE drift.mood RENAME VALUE 'sad' TO 'unhappy';
-- adding a value, and types no port reads, pass
ALTER TYPE drift.mood ADD VALUE 'calm';
ALTER TYPE drift.unused_mood RENAME TO unused_feeling;
ALTER DOMAIN drift.score RENAME TO points;
SELECT mesh.drop_data_product('drift.arrays_p', force => true);
DROP TABLE drift.typed;
DROP TYPE drift.mood, drift.unused_feeling;
DROP DOMAIN drift.points;

-- clean up
DROP VIEW drift.consumer_view;
SELECT mesh.drop_data_product('drift.p', force => true);
SELECT to_regclass('drift.p_v0') AS kept_port;
DROP TABLE drift.src;
SELECT mesh.drop_domain('drift');
DROP ROLE regress_drift_owner, regress_drift_member, regress_drift_reader, regress_drift_dba;
