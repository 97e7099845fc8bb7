-- Accounts through the admin API (issue #18). Until now only the seed wrote `accounts`;
-- risk managers now create, disable and re-enable them, each change audited with its actor.

-- The account whose Kraken key secret this account trades with; NULL = its own
-- (`risk-gate/<stage>/kraken/<account_id>`). A sub-account sharing a master key names it here.
ALTER TABLE accounts
  ADD COLUMN kraken_key_account text REFERENCES accounts (account_id)
    CHECK (kraken_key_account ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$');

-- Who created, disabled or re-enabled an account, when and why. Rows are never changed.
CREATE TABLE account_admin_log (
  id          bigserial PRIMARY KEY,
  event_id    uuid NOT NULL UNIQUE,
  account_id  text NOT NULL REFERENCES accounts (account_id),
  action      text NOT NULL CHECK (action IN ('create', 'disable', 'enable')),
  actor       text NOT NULL,
  reason      text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_admin_log_account_time ON account_admin_log (account_id, at DESC);
CREATE TRIGGER account_admin_log_append_only BEFORE UPDATE OR DELETE ON account_admin_log
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
