-- Controls: the kill switch log (every engage, approval and release), the executor's
-- per-account results, limits proposals, and the audit of Kraken key rotations.

CREATE TABLE kill_switch_log (
  id          bigserial PRIMARY KEY,
  event_id    uuid NOT NULL,
  scope       text NOT NULL CHECK (scope IN ('global', 'account', 'symbol')),
  target      text NOT NULL,
  action      text NOT NULL CHECK (action IN ('engage', 'release_approval', 'release')),
  reason      text NOT NULL,
  actor       text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kill_switch_log_scope_time ON kill_switch_log (scope, target, at DESC);
CREATE TRIGGER kill_switch_log_append_only BEFORE UPDATE OR DELETE ON kill_switch_log
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

-- What the kill executor did for each affected account (CancelAll, dead man's switch).
CREATE TABLE kill_switch_actions (
  id           bigserial PRIMARY KEY,
  event_id     uuid NOT NULL,
  account_id   text NOT NULL,
  action       text NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('ok', 'failed', 'skipped')),
  attempts     integer NOT NULL,
  detail       jsonb NOT NULL DEFAULT '{}',
  completed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, account_id, action)
);

-- A limits change is proposed, then applied as a new account_limits version.
CREATE TABLE limits_proposals (
  proposal_id uuid PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (account_id),
  limits      jsonb NOT NULL,
  proposed_by text NOT NULL,
  reason      text NOT NULL,
  proposed_at timestamptz NOT NULL DEFAULT now(),
  applied_by  text,
  applied_at  timestamptz,
  applied_version integer
);

CREATE TABLE kraken_key_rotations (
  id          bigserial PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (account_id),
  rotated_by  text NOT NULL,
  secret_name text NOT NULL,
  key_fingerprint text NOT NULL,
  rotated_at  timestamptz NOT NULL DEFAULT now()
);
