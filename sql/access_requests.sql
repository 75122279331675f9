-- Access levels, requests, approvals, denials, revocations and expiry.
\set SHOW_CONTEXT never
CREATE ROLE govcat_acc_owner NOLOGIN;
CREATE ROLE govcat_acc_steward LOGIN IN ROLE govcat_acc_owner;
CREATE ROLE govcat_acc_steward2 LOGIN IN ROLE govcat_acc_owner;
CREATE ROLE govcat_acc_analyst LOGIN;
CREATE ROLE govcat_acc_team NOLOGIN;
CREATE ROLE govcat_acc_team_member LOGIN IN ROLE govcat_acc_team;
CREATE ROLE govcat_acc_stranger LOGIN;
CREATE ROLE govcat_acc_consumers NOLOGIN;
CREATE ROLE govcat_acc_employee LOGIN IN ROLE govcat_acc_consumers;
SELECT mesh.create_domain('govacc', 'govcat_acc_owner');
CREATE TABLE govacc.salaries_raw (id integer PRIMARY KEY, salary numeric);
INSERT INTO govacc.salaries_raw VALUES (1, 1000), (2, 2000);
ALTER TABLE govacc.salaries_raw OWNER TO govcat_acc_owner;
SELECT mesh.create_data_product('govacc.salaries', 'govacc.salaries_raw',
    '{"purpose": "salaries", "access_level": "restricted"}') > 0 AS created;
CREATE FUNCTION pg_temp.can_read(r text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT has_table_privilege(r, 'govacc.salaries', 'SELECT') $$;
CREATE VIEW govcat_acc_log AS
SELECT r.id - (SELECT min(id) FROM mesh.access_requests) + 1 AS n, r.role, r.purpose, r.status,
       r.decided_by, r.reason, r.first_approved_by, r.until IS NOT NULL AS limited
  FROM mesh.access_requests r ORDER BY r.id;
GRANT SELECT ON govcat_acc_log TO PUBLIC;

-- restricted: nobody but the owners reads it
SELECT pg_temp.can_read('govcat_acc_analyst') AS analyst, pg_temp.can_read('govcat_acc_steward') AS steward;
SET ROLE govcat_acc_analyst;
SELECT * FROM govacc.salaries;
-- a request: returns its id
SELECT mesh.request_access('govacc.salaries', 'yearly pay equity report') > 0 AS requested;
SELECT max(id) AS analyst_request FROM mesh.access_requests \gset
-- a second pending request is refused
SELECT mesh.request_access('govacc.salaries', 'again');
-- the requester cannot approve (or deny) its own request
SELECT mesh.approve_access(:analyst_request);
SELECT mesh.deny_access(:analyst_request, 'no');
RESET ROLE;
-- nor can someone who is not an owner
SET ROLE govcat_acc_stranger;
SELECT mesh.approve_access(:analyst_request);
-- and the stranger does not even see the request
SELECT count(*) AS visible_to_stranger FROM mesh.access_requests;
RESET ROLE;
SET ROLE govcat_acc_steward;
SELECT mesh.approve_access(:analyst_request);
SELECT * FROM govcat_acc_log;
RESET ROLE;
SET ROLE govcat_acc_analyst;
SELECT * FROM govacc.salaries ORDER BY id;
SELECT n, role, status FROM govcat_acc_log;
RESET ROLE;
-- already decided (terse: the detail says when)
SET ROLE govcat_acc_steward2;
\set VERBOSITY terse
SELECT mesh.approve_access(:analyst_request);
\set VERBOSITY default
RESET ROLE;

-- a group role's grant reaches its members
SET ROLE govcat_acc_team;
SELECT mesh.request_access('govacc.salaries', 'team dashboard') > 0 AS requested;
RESET ROLE;
SELECT max(id) AS team_request FROM mesh.access_requests \gset
-- a member of the requester cannot approve on its behalf either
GRANT govcat_acc_team TO govcat_acc_steward2;
SET ROLE govcat_acc_steward2;
SELECT mesh.approve_access(:team_request);
RESET ROLE;
REVOKE govcat_acc_team FROM govcat_acc_steward2;
SET ROLE govcat_acc_steward2;
SELECT mesh.approve_access(:team_request);
RESET ROLE;
SET ROLE govcat_acc_team_member;
SELECT count(*) AS team_member_reads FROM govacc.salaries;
RESET ROLE;

-- deny, with a reason that is recorded
SET ROLE govcat_acc_stranger;
SELECT mesh.request_access('govacc.salaries', 'curiosity') > 0 AS requested;
RESET ROLE;
SELECT max(id) AS stranger_request FROM mesh.access_requests \gset
SET ROLE govcat_acc_steward;
SELECT mesh.deny_access(:stranger_request, '');
SELECT mesh.deny_access(:stranger_request, NULL);
SELECT mesh.deny_access(:stranger_request, 'no business need');
RESET ROLE;
SET ROLE govcat_acc_stranger;
SELECT n, role, status, decided_by, reason FROM govcat_acc_log;
SELECT * FROM govacc.salaries;
RESET ROLE;

-- revoke
SET ROLE govcat_acc_stranger;
SELECT mesh.revoke_access('govacc.salaries', 'govcat_acc_analyst');
RESET ROLE;
SET ROLE govcat_acc_steward;
SELECT mesh.revoke_access('govacc.salaries', 'govcat_acc_analyst');
SELECT mesh.revoke_access('govacc.salaries', 'govcat_acc_analyst');
RESET ROLE;
SELECT pg_temp.can_read('govcat_acc_analyst') AS analyst_after_revoke;
SELECT n, role, status, decided_by, reason FROM govcat_acc_log WHERE n = 1;

-- expiry: a time-limited grant is refused at read time once it has ended,
-- before anything revokes it; then _expire_access revokes it
SET ROLE govcat_acc_analyst;
SELECT mesh.request_access('govacc.salaries', 'one week audit', now() + interval '7 days') > 0 AS requested;
RESET ROLE;
SELECT max(id) AS limited_request FROM mesh.access_requests \gset
SET ROLE govcat_acc_steward;
SELECT mesh.approve_access(:limited_request);
RESET ROLE;
SET ROLE govcat_acc_analyst;
SELECT count(*) AS reads_before_the_end FROM govacc.salaries;
PREPARE read_salaries AS SELECT count(*) FROM govacc.salaries;
EXECUTE read_salaries;
RESET ROLE;
-- time passes (the end moves into the past; the trigger invalidates every backend's cache)
UPDATE mesh.access_grants SET until = now() - interval '1 second' WHERE request_id = :limited_request;
UPDATE mesh.access_requests SET until = now() - interval '1 second' WHERE id = :limited_request;
SELECT pg_temp.can_read('govcat_acc_analyst') AS still_granted;
-- (terse from here: the details say when the access ended)
\set VERBOSITY terse
SET ROLE govcat_acc_analyst;
SELECT count(*) FROM govacc.salaries;
-- a plan prepared before the end is refused too
EXECUTE read_salaries;
-- through a view of its own, too
RESET ROLE;
CREATE VIEW public.govcat_acc_copy AS SELECT * FROM govacc.salaries;
ALTER VIEW public.govcat_acc_copy OWNER TO govcat_acc_analyst;
SET ROLE govcat_acc_analyst;
SELECT count(*) FROM public.govcat_acc_copy;
RESET ROLE;
\set VERBOSITY default
DROP VIEW public.govcat_acc_copy;
-- the team's grant (no end) still works for its members, the owners read as ever
SET ROLE govcat_acc_team_member;
SELECT count(*) AS team_reads FROM govacc.salaries;
RESET ROLE;
SET ROLE govcat_acc_steward;
SELECT count(*) AS owner_reads FROM govacc.salaries;
RESET ROLE;
SELECT mesh._expire_access() AS expired;
SELECT mesh._expire_access() AS expired_again;
SELECT pg_temp.can_read('govcat_acc_analyst') AS analyst_after_expiry;
SELECT n, role, status, decided_by, reason FROM govcat_acc_log WHERE n = 4;
-- a group's time-limited grant ends for its members as well
UPDATE mesh.access_grants SET until = now() - interval '1 second' WHERE request_id = :team_request;
SET ROLE govcat_acc_team_member;
\set VERBOSITY terse
SELECT count(*) FROM govacc.salaries;
\set VERBOSITY default
RESET ROLE;
UPDATE mesh.access_grants SET until = NULL WHERE request_id = :team_request;

-- request validation
SET ROLE govcat_acc_analyst;
SELECT mesh.request_access('govacc.salaries', NULL);
SELECT mesh.request_access('govacc.salaries', '   ');
\set VERBOSITY terse
SELECT mesh.request_access('govacc.salaries', 'audit', now() - interval '1 day');
\set VERBOSITY default
SELECT mesh.request_access('govacc.nothing', 'audit');
SELECT mesh.approve_access(999999999);
RESET ROLE;
SET ROLE govcat_acc_steward;
SELECT mesh.request_access('govacc.salaries', 'mine anyway');
RESET ROLE;

-- access levels: public grants PUBLIC, internal the DBA's consumer role
SELECT mesh.alter_data_product('govacc.salaries', '{"access_level": "public"}');
SELECT pg_temp.can_read('govcat_acc_stranger') AS stranger_public;
SET ROLE govcat_acc_stranger;
SELECT mesh.request_access('govacc.salaries', 'public anyway');
RESET ROLE;
SELECT mesh.alter_data_product('govacc.salaries', '{"access_level": "internal"}');
SELECT pg_temp.can_read('govcat_acc_stranger') AS stranger_internal,
       pg_temp.can_read('govcat_acc_employee') AS employee_without_consumer_role;
SET ROLE govcat_acc_steward;
SELECT mesh.set_internal_consumer_role('govcat_acc_consumers');
RESET ROLE;
SELECT mesh.set_internal_consumer_role('govcat_acc_consumers');
SELECT * FROM mesh.settings;
SELECT pg_temp.can_read('govcat_acc_employee') AS employee_internal, pg_temp.can_read('govcat_acc_stranger') AS stranger;
SELECT grantee, kind FROM mesh.access_grants
 WHERE product_id = (SELECT id FROM mesh.data_products WHERE domain = 'govacc') ORDER BY kind, grantee::text;
-- restricted again: the level grant goes, approved requests stay
SELECT mesh.alter_data_product('govacc.salaries', '{"access_level": "restricted"}');
SELECT pg_temp.can_read('govcat_acc_employee') AS employee_restricted,
       pg_temp.can_read('govcat_acc_team') AS team_restricted;

-- confidential: single-approver grants end, and a request needs two approvers
SELECT mesh.alter_data_product('govacc.salaries', '{"access_level": "confidential"}');
SELECT pg_temp.can_read('govcat_acc_team') AS team_confidential;
SELECT n, role, status, reason FROM govcat_acc_log WHERE n = 2;
SET ROLE govcat_acc_analyst;
SELECT mesh.request_access('govacc.salaries', 'board pack') > 0 AS requested;
RESET ROLE;
SELECT max(id) AS confidential_request FROM mesh.access_requests \gset
SET ROLE govcat_acc_steward;
SELECT mesh.approve_access(:confidential_request);
SELECT mesh.approve_access(:confidential_request);
RESET ROLE;
SELECT pg_temp.can_read('govcat_acc_analyst') AS after_one_approval;
SET ROLE govcat_acc_steward2;
SELECT mesh.approve_access(:confidential_request);
RESET ROLE;
SELECT pg_temp.can_read('govcat_acc_analyst') AS after_two_approvals;
SELECT n, role, status, decided_by, first_approved_by FROM govcat_acc_log WHERE n = 5;
SELECT mesh.set_internal_consumer_role(NULL);

-- roles dropped after their requests: the record stays readable, expiry still works
DROP ROLE govcat_acc_stranger;
DROP OWNED BY govcat_acc_analyst;
DROP ROLE govcat_acc_analyst;
SET ROLE govcat_acc_team_member;
SELECT count(*) AS visible_to_team_member FROM mesh.access_requests;
RESET ROLE;
UPDATE mesh.access_grants SET until = now() - interval '1 second' WHERE request_id = :confidential_request;
UPDATE mesh.access_requests SET until = now() - interval '1 second' WHERE id = :confidential_request;
SELECT mesh._expire_access() AS expired_for_dropped_role;

-- dropping the product removes its requests and grants
SELECT mesh.drop_data_product('govacc.salaries');
SELECT count(*) AS requests_left FROM mesh.access_requests
 WHERE product_id NOT IN (SELECT id FROM mesh.data_products);
DROP VIEW govcat_acc_log;
DROP TABLE govacc.salaries_raw;
SELECT mesh.drop_domain('govacc');
DROP ROLE govcat_acc_owner, govcat_acc_steward, govcat_acc_steward2, govcat_acc_team,
          govcat_acc_team_member, govcat_acc_consumers, govcat_acc_employee;
