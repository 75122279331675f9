-- meshpg 0.1.0 -> 0.2.0: upgrade script, and (through it) the install path of 0.2.0:
-- CREATE EXTENSION meshpg runs meshpg--0.1.0.sql and then this script, so a fresh
-- install and an upgraded one are the same by construction.
-- Assembled by the Makefile from the parts in src/sql/0.1.0--0.2.0/, in name order;
-- each part is one concern (governance, contracts, lineage, monitoring, ...).
--
-- Same rules as 0.1.0: every object schema-qualified, every function pins
-- search_path, catalog-changing API functions go through the C dispatcher.

\echo Use "ALTER EXTENSION meshpg UPDATE TO '0.2.0'" to load this file. \quit
