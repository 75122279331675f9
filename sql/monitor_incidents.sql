-- Incidents: open (idempotent), resolve, acknowledge (owner only), subscribe,
-- NOTIFY payloads, and the refusals with their messages.
\set SHOW_CONTEXT never
SET client_min_messages = notice;
CREATE ROLE regress_monitor_owner NOLOGIN;
CREATE ROLE regress_monitor_member LOGIN IN ROLE regress_monitor_owner;
CREATE ROLE regress_monitor_outsider LOGIN;
SELECT mesh.create_domain('monitor_inc', 'regress_monitor_owner');
CREATE TABLE monitor_inc.src (id integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
ALTER TABLE monitor_inc.src OWNER TO regress_monitor_owner;
SELECT mesh.create_data_product('monitor_inc.items', 'monitor_inc.src', '{"purpose": "incident tests"}') > 0 AS created;
SELECT id AS pid FROM mesh.data_products WHERE domain = 'monitor_inc' AND name = 'items' \gset
-- incident ids in messages below: start from a known value
SELECT setval('mesh.incident_id_seq', 7000) AS base;

-- open: one incident in flight per product, kind and subject
SELECT mesh._open_incident(:pid, 'check', 'row_count', 'warn', '{"observed": 0}') AS first_id \gset
SELECT mesh._open_incident(:pid, 'check', 'row_count', 'error', '{"observed": 1}') = :first_id AS same_incident;
SELECT kind, subject, severity, status, details, time_to_detect >= interval '0' AS ttd_known
  FROM mesh.incidents WHERE product_id = :pid;
-- "since" sets when the problem began; never in the future
SELECT mesh._open_incident(:pid, 'freshness', 'freshness', 'error',
                           jsonb_build_object('since', now() - interval '5 minutes')) AS fresh_id \gset
SELECT time_to_detect >= interval '5 minutes' AS ttd_counts_from_since FROM mesh.incidents WHERE id = :fresh_id;
SELECT mesh._open_incident(:pid, 'check', 'future', 'warn',
                           jsonb_build_object('since', now() + interval '1 day')) AS future_id \gset
SELECT opened_at <= detected_at AS not_in_future FROM mesh.incidents WHERE id = :future_id;

-- the payload of the notification
SELECT mesh._resolve_incident(:pid, 'check', 'future') AS resolved;
SELECT mesh._resolve_incident(:pid, 'check', 'future') AS resolved_again;
SELECT status, time_to_recover >= interval '0' AS ttr_known FROM mesh.incidents WHERE id = :future_id;

-- bad input
SELECT mesh._open_incident(:pid, 'check', 'x', 'fatal', NULL);
SELECT mesh._open_incident(NULL, 'check', 'x', 'warn', NULL);
SELECT mesh._open_incident(-1, 'check', 'x', 'warn', NULL);
SELECT mesh._open_incident(:pid, 'Bad Kind', 'x', 'warn', NULL);

-- nobody but the extension owner calls the internal functions
SET ROLE regress_monitor_member;
SELECT mesh._open_incident(:pid, 'check', 'x', 'warn', NULL);
SELECT mesh._resolve_incident(:pid, 'check', 'row_count');
-- acknowledge: members of the product owner may
SELECT mesh.acknowledge_incident(:first_id, 'looking at it');
SELECT status, acknowledged_by, note, acknowledged_at IS NOT NULL AS has_time
  FROM mesh.incidents WHERE id = :first_id;
SELECT mesh.acknowledge_incident(:first_id, 'again');
SELECT mesh.acknowledge_incident(:future_id, 'too late');
SELECT mesh.acknowledge_incident(999999999, NULL);
SELECT mesh.acknowledge_incident(NULL, NULL);
RESET ROLE;
-- others may not
SET ROLE regress_monitor_outsider;
SELECT mesh.acknowledge_incident(:fresh_id, 'not mine');
-- but they can read incidents and subscribe
SELECT count(*) AS visible FROM mesh.incidents WHERE product_id = :pid;
SELECT mesh.subscribe('monitor_inc.items');
SELECT mesh.subscribe('monitor_inc.items');
SELECT mesh.incident_channel('monitor_inc.items') = 'mesh_incident_' || :pid AS channel;
SELECT mesh._role_name(role) FROM mesh.subscriptions;
SELECT mesh.subscribe('monitor_inc.missing');
RESET ROLE;
SET ROLE regress_monitor_member;
-- subscriptions are private: a role sees its own only
SELECT count(*) AS others_subscriptions FROM mesh.subscriptions;
SELECT mesh.subscribe('monitor_inc.items');
RESET ROLE;
-- the payload lists the subscribers
SELECT mesh._open_incident(:pid, 'check', 'payload', 'warn', NULL) AS payload_id \gset
SELECT mesh._incident_payload(i, 'opened') - 'opened_at' - 'detected_at' - 'id' - 'channel' AS payload,
       mesh._incident_payload(i, 'opened') ->> 'channel' = 'mesh_incident_' || :pid AS channel_ok
  FROM mesh.incidents i WHERE i.id = :payload_id;
-- a subscriber list too long for NOTIFY is replaced by its count
CREATE TEMP TABLE many_roles AS SELECT 'regress_monitor_sub_with_a_long_role_name_' || g AS name FROM generate_series(1, 200) g;
DO $$ DECLARE r text; BEGIN
    FOR r IN SELECT name FROM many_roles LOOP EXECUTE format('CREATE ROLE %I', r); END LOOP;
END $$;
INSERT INTO mesh.subscriptions (product_id, role) SELECT :pid, name::regrole FROM many_roles;
SELECT mesh._incident_payload(i, 'opened') ?| ARRAY['subscribers'] AS has_list,
       mesh._incident_payload(i, 'opened') ->> 'subscriber_count' AS subscriber_count,
       octet_length(mesh._incident_payload(i, 'opened')::text) < 8000 AS fits
  FROM mesh.incidents i WHERE i.id = :payload_id;
DELETE FROM mesh.subscriptions WHERE role::text LIKE 'regress_monitor_sub_%';
DO $$ DECLARE r text; BEGIN
    FOR r IN SELECT name FROM many_roles LOOP EXECUTE format('DROP ROLE %I', r); END LOOP;
END $$;
SET ROLE regress_monitor_outsider;
SELECT mesh.unsubscribe('monitor_inc.items');
SELECT mesh.unsubscribe('monitor_inc.items');
RESET ROLE;

-- dropping the product drops its incidents and subscriptions
SELECT mesh.drop_data_product('monitor_inc.items', force => true);
SELECT count(*) AS incidents_left FROM mesh.incidents WHERE product_id = :pid;
SELECT count(*) AS subscriptions_left FROM mesh.subscriptions WHERE product_id = :pid;
DROP TABLE monitor_inc.src;
SELECT mesh.drop_domain('monitor_inc');
DROP ROLE regress_monitor_member, regress_monitor_outsider, regress_monitor_owner;
