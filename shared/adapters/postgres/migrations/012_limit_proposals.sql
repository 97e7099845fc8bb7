-- Two-approver changes with a what-if (issue #17). A limits proposal records the version in
-- force when it was made (an apply on a newer one is refused: it was judged on figures no
-- longer current) and carries the what-if of its limits over the account's recorded
-- decisions. Breaker thresholds, until now changed by hand-written SQL, get the same path:
-- proposed, applied by a second risk manager as the next breaker_config version. Every step
-- of either (propose, what-if attached, apply, refused apply) is a row of change_proposal_log.
-- A proposal's time to live is the admin API's CHANGE_PROPOSAL_TTL_MS from proposed_at, so a
-- shorter setting takes effect on proposals already made.

-- NULL base_version: not recorded (a proposal made with its account, or before this migration).
ALTER TABLE limits_proposals
  ADD COLUMN base_version integer CHECK (base_version >= 0),
  ADD COLUMN what_if      jsonb CHECK (what_if IS NULL OR jsonb_typeof(what_if) = 'object'),
  ADD COLUMN what_if_at   timestamptz;
CREATE INDEX limits_proposals_account_time ON limits_proposals (account_id, proposed_at DESC);

CREATE TABLE breaker_config_proposals (
  proposal_id     uuid PRIMARY KEY,
  symbol          text NOT NULL CHECK (symbol = '*' OR symbol ~ '^[A-Z0-9]+/[A-Z0-9]+$'),
  config          jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
  -- The symbol's version in force when proposed; 0 = none (the `*` row or the built-in defaults).
  base_version    integer NOT NULL CHECK (base_version >= 0),
  proposed_by     text NOT NULL,
  reason          text NOT NULL,
  proposed_at     timestamptz NOT NULL,
  applied_by      text,
  applied_at      timestamptz,
  applied_version integer
);
CREATE INDEX breaker_config_proposals_time ON breaker_config_proposals (proposed_at DESC);

CREATE TABLE change_proposal_log (
  id          bigserial PRIMARY KEY,
  event_id    uuid NOT NULL UNIQUE,
  proposal_id uuid NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('limits', 'breaker_config')),
  -- The account id of a limits change, the symbol (or `*`) of a breaker change.
  subject     text NOT NULL,
  action      text NOT NULL CHECK (action IN ('propose', 'what_if', 'apply', 'refuse')),
  actor       text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX change_proposal_log_proposal ON change_proposal_log (proposal_id, id);
CREATE TRIGGER change_proposal_log_append_only BEFORE UPDATE OR DELETE ON change_proposal_log
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
CREATE TRIGGER change_proposal_log_no_truncate BEFORE TRUNCATE ON change_proposal_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation();

-- admin-api (migration 011's pattern): the proposals, their log, and the breaker_config
-- versions it now appends. Nobody else writes any of them.
GRANT UPDATE (what_if, what_if_at) ON limits_proposals TO rg_admin_api;
GRANT SELECT, INSERT ON breaker_config, breaker_config_proposals, change_proposal_log TO rg_admin_api;
GRANT UPDATE (applied_by, applied_at, applied_version) ON breaker_config_proposals TO rg_admin_api;
GRANT USAGE ON SEQUENCE change_proposal_log_id_seq TO rg_admin_api;
