-- Global policies: who may declare them, rule validation, each rule kind,
-- refusal (error) and report (warning) on create/alter/publish, the
-- violations and compliance views.  Every policy here is scoped to this
-- test's domains ("domains"), so other tests are not affected.
\set SHOW_CONTEXT never
CREATE ROLE regress_policy_owner NOLOGIN;
CREATE ROLE regress_policy_reader NOLOGIN;
CREATE ROLE regress_policy_stranger NOLOGIN;
SELECT mesh.create_domain('polr', 'regress_policy_owner');
SELECT mesh.create_domain('polr_other', 'regress_policy_owner');
CREATE TABLE polr.t (id integer PRIMARY KEY, email text, "Bad Name" text);
ALTER TABLE polr.t OWNER TO regress_policy_owner;

-- only superusers and members of meshpg_governance manage policies
SET ROLE regress_policy_stranger;
SELECT mesh.create_policy('polr_sla', '{"kind": "required", "fields": ["sla"]}', 'error');
RESET ROLE;
-- (meshpg_governance is the DBA's role; create it for the test if the cluster has none)
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'meshpg_governance') AS create_governance \gset
\if :create_governance
CREATE ROLE meshpg_governance NOLOGIN;
\endif
GRANT meshpg_governance TO regress_policy_stranger;
SET ROLE regress_policy_stranger;
SELECT mesh.create_policy('polr_required', '{"kind": "required", "fields": ["owner", "purpose", "sla", "checks"], "domains": ["polr"]}', 'error');
RESET ROLE;
REVOKE meshpg_governance FROM regress_policy_stranger;
SELECT name, rule ->> 'kind' AS kind, severity, created_by FROM mesh.global_policies WHERE name LIKE 'polr%';

-- rules are validated, every problem listed
SELECT mesh.create_policy('polr_bad', '{"kind": "nope"}', 'error');
SELECT mesh.create_policy('polr_bad', '[]', 'error');
SELECT mesh.create_policy('polr_bad', '{"fields": ["sla"]}', 'error');
SELECT mesh.create_policy('polr_bad', '{"kind": "required", "fields": ["sla", "colour", 3], "extra": 1, "domains": "polr"}', 'error');
SELECT mesh.create_policy('polr_bad', '{"kind": "required"}', 'error');
SELECT mesh.create_policy('polr_bad', '{"kind": "name_pattern", "pattern": "(["}', 'error');
SELECT mesh.create_policy('polr_bad', '{"kind": "name_pattern", "pattern": "^a", "applies_to": "table"}', 'error');
SELECT mesh.create_policy('polr_bad', '{"kind": "json_path", "path": "$$.x", "when": 3}', 'error');
SELECT mesh.create_policy('polr_bad', '{"kind": "approval_required", "access_levels": ["secret"]}', 'error');
SELECT mesh.create_policy('polr_bad', '{"kind": "required", "fields": ["sla"]}', 'fatal');
SELECT mesh.create_policy('Polr Bad', '{"kind": "required", "fields": ["sla"]}', 'error');
SELECT mesh.create_policy('polr_required', '{"kind": "required", "fields": ["sla"]}', 'error');
SELECT mesh.create_policy(NULL, '{"kind": "required", "fields": ["sla"]}', 'error');

-- required fields: refused with every violation listed
SELECT mesh.create_data_product('polr.p', 'SELECT id, email FROM polr.t', '{"purpose": "policies"}');
SELECT mesh.create_data_product('polr.p', 'SELECT id, email FROM polr.t',
    '{"purpose": "policies", "sla": {"freshness": "1 day"}, "checks": [{"name": "rows", "kind": "row_count", "min": 1}]}') > 0 AS created;
-- other domains are out of the policy's scope
SELECT mesh.create_data_product('polr_other.p', 'SELECT id FROM polr.t', '{"purpose": "elsewhere"}') > 0 AS created;
-- alter is evaluated too: removing the SLA is refused
SELECT mesh.alter_data_product('polr.p', '{"sla": null}');
SELECT sla FROM mesh.data_products WHERE domain = 'polr' AND name = 'p';

-- warnings report and let the change through
SELECT mesh.create_policy('polr_pii', '{"kind": "pii_masked", "domains": ["polr"]}', 'warning');
SELECT mesh.alter_data_product('polr.p', '{"columns": {"email": {"classification": "pii.email"}}}');
SELECT mesh.create_policy('polr_names', '{"kind": "name_pattern", "pattern": "^[a-z][a-z0-9_]*$", "applies_to": "column", "domains": ["polr"]}', 'warning');
SELECT mesh.create_policy('polr_product_names', '{"kind": "name_pattern", "pattern": "^[a-z]+_[a-z]+$", "message": "product names are noun_noun", "domains": ["polr"]}', 'warning');
SELECT mesh.create_data_product('polr.odd_names', 'SELECT id, "Bad Name" FROM polr.t',
    '{"purpose": "names", "sla": {"freshness": "1 day"}, "checks": [{"name": "rows", "kind": "row_count", "min": 1}]}') > 0 AS created;
-- the generic JSON-path form: public products must be tagged kpi
SELECT mesh.create_policy('polr_kpi', '{"kind": "json_path", "path": "$.tags[*] ? (@ == \"kpi\")", "when": "$ ? (@.access_level == \"public\")", "message": "public products are tagged kpi", "domains": ["polr"]}', 'error');
SELECT mesh.alter_data_product('polr.p', '{"access_level": "public"}');
SELECT mesh.alter_data_product('polr.p', '{"access_level": "public", "tags": ["kpi"]}');

-- confidential products need an approved access request for every reader
SELECT mesh.create_policy('polr_approval', '{"kind": "approval_required", "domains": ["polr"]}', 'error');
SELECT mesh.alter_data_product('polr.odd_names', '{"access_level": "confidential"}');
GRANT SELECT ON polr.odd_names TO regress_policy_reader;
SELECT policy, severity, path, message FROM mesh.policy_violations WHERE domain = 'polr' ORDER BY product, policy, path;
SELECT mesh.alter_data_product('polr.odd_names', '{"description": "now refused"}');
REVOKE SELECT ON polr.odd_names FROM regress_policy_reader;
-- a reader with an approved request meets the rule, whatever the case of its name
-- (a stand-in for govcat's mesh.access_requests when that area is not installed)
CREATE ROLE "Regress_Policy_Approved" NOLOGIN;
SELECT to_regclass('mesh.access_requests') IS NULL AS standin_requests \gset
\if :standin_requests
CREATE TABLE mesh.access_requests (id bigserial, product_id bigint, role regrole, purpose text, until timestamptz, status text);
\endif
INSERT INTO mesh.access_requests (product_id, role, purpose, status)
SELECT id, '"Regress_Policy_Approved"'::regrole, 'approved reading', 'approved'
  FROM mesh.data_products WHERE domain = 'polr' AND name = 'odd_names';
GRANT SELECT ON polr.odd_names TO "Regress_Policy_Approved";
SELECT count(*) AS violations FROM mesh.policy_violations WHERE product = 'polr.odd_names' AND policy = 'polr_approval';
REVOKE SELECT ON polr.odd_names FROM "Regress_Policy_Approved";
DELETE FROM mesh.access_requests WHERE role = '"Regress_Policy_Approved"'::regrole;
\if :standin_requests
DROP TABLE mesh.access_requests;
\endif
DROP ROLE "Regress_Policy_Approved";

-- publish_version is evaluated like alter: this full descriptor leaves out the SLA and the checks
SELECT mesh.publish_version('polr.p', '1.0.0', '{"purpose": "policies", "access_level": "public", "tags": ["kpi"]}');

-- compliance per domain: share of (product, policy) pairs met
SELECT domain, products, evaluations, errors, warnings, score FROM mesh.policy_compliance
 WHERE domain IN ('polr', 'polr_other') ORDER BY domain;
-- everyone may read the views
SET ROLE regress_policy_stranger;
SELECT count(*) > 0 AS readable FROM mesh.policy_violations WHERE domain = 'polr';
SELECT score FROM mesh.policy_compliance WHERE domain = 'polr';
SELECT mesh.drop_policy('polr_kpi');
RESET ROLE;

-- "checks" is also met by checks stored by the checks area (mesh.checks, mesh.add_check):
-- without that area the product keeps its violation, with it the stored check meets the rule
SELECT mesh.create_domain('polr_chk', 'regress_policy_owner');
SELECT mesh.create_policy('polr_checks', '{"kind": "required", "fields": ["checks"], "domains": ["polr_chk"]}', 'warning');
SET client_min_messages = error;
SELECT mesh.create_data_product('polr_chk.p', 'SELECT id FROM polr.t', '{"purpose": "checks rows"}') > 0 AS created;
RESET client_min_messages;
DO $$
BEGIN
    IF to_regprocedure('mesh.add_check(text,jsonb)') IS NOT NULL THEN
        EXECUTE $q$SELECT mesh.add_check('polr_chk.p', '{"name": "rows", "kind": "row_count", "min": 1}')$q$;
    END IF;
END
$$;
SELECT count(*) = CASE WHEN to_regclass('mesh.checks') IS NULL THEN 1 ELSE 0 END AS stored_checks_count
  FROM mesh.policy_violations WHERE product = 'polr_chk.p';
SELECT mesh.drop_policy('polr_checks');
SELECT mesh.drop_data_product('polr_chk.p');
SELECT mesh.drop_domain('polr_chk');

-- drop
SELECT mesh.drop_policy('polr_nope');
SELECT mesh.drop_policy('polr_required'), mesh.drop_policy('polr_pii'), mesh.drop_policy('polr_names'),
       mesh.drop_policy('polr_product_names'), mesh.drop_policy('polr_kpi'), mesh.drop_policy('polr_approval');
SELECT score FROM mesh.policy_compliance WHERE domain = 'polr';

-- clean up
SELECT mesh.drop_data_product('polr.p');
SELECT mesh.drop_data_product('polr.odd_names');
SELECT mesh.drop_data_product('polr_other.p');
DROP TABLE polr.t;
SELECT mesh.drop_domain('polr');
SELECT mesh.drop_domain('polr_other');
\if :create_governance
DROP ROLE meshpg_governance;
\endif
DROP ROLE regress_policy_owner, regress_policy_reader, regress_policy_stranger;
