-- Tracing the lineage of a large view takes memory in proportion to the
-- definition, not to the work: every call may be made by any role, on any
-- view in the database (mesh.lineage_edges reads them all), so a deep view
-- must not make each read of lineage allocate gigabytes.  Measured with the
-- backend's peak resident size (Linux /proc).
CREATE SCHEMA lineage_mem;
CREATE TABLE lineage_mem.src (n int);
-- 250 nested subqueries of 300 columns each, over one table column
DO $$
DECLARE
    q text;
    cols text;
BEGIN
    SELECT string_agg(format('c%s', i), ', ' ORDER BY i) INTO cols FROM generate_series(1, 300) i;
    SELECT 'SELECT ' || string_agg(format('n + %s AS c%s', i, i), ', ' ORDER BY i) || ' FROM lineage_mem.src'
      INTO q FROM generate_series(1, 300) i;
    FOR d IN 1 .. 250 LOOP
        q := format('SELECT %s FROM (%s) s%s', cols, q, d);
    END LOOP;
    EXECUTE format('CREATE VIEW lineage_mem.deep AS %s', q);
END
$$;
CREATE FUNCTION lineage_mem.peak_kb() RETURNS bigint LANGUAGE sql AS
$$ SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+)'))[1]::bigint $$;
-- a fresh backend: the peak after reading the definition once is the baseline
\c
SELECT length(pg_get_viewdef('lineage_mem.deep'::regclass)) > 0 AS read;
SELECT lineage_mem.peak_kb() AS before \gset
SELECT count(*) AS edges FROM mesh._column_lineage('lineage_mem.deep');
SELECT lineage_mem.peak_kb() - :before < 100 * 1024 AS bounded_memory;
DROP SCHEMA lineage_mem CASCADE;
