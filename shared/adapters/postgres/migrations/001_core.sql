-- Core schema: accounts, versioned limits, instruments and the append-only decision audit.
-- Amounts are numeric (exact); limit sets are JSON objects of decimal strings validated by
-- the code's schema on every read, so adding a limit kind needs no migration.

CREATE TABLE accounts (
  account_id   text PRIMARY KEY CHECK (account_id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  display_name text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('company', 'director', 'strategy')),
  enabled      boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Every change is a new version; the newest version is in force. Rows are never updated.
CREATE TABLE account_limits (
  account_id text NOT NULL REFERENCES accounts (account_id),
  version    integer NOT NULL CHECK (version > 0),
  limits     jsonb NOT NULL CHECK (jsonb_typeof(limits) = 'object'),
  created_by text NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, version)
);

-- Kraken's instrument data (WS v2 `instrument` channel): increments and minimums per pair.
CREATE TABLE instruments (
  symbol          text PRIMARY KEY,
  base            text NOT NULL,
  quote           text NOT NULL,
  status          text NOT NULL,
  price_increment numeric NOT NULL CHECK (price_increment > 0),
  qty_increment   numeric NOT NULL CHECK (qty_increment > 0),
  qty_min         numeric NOT NULL CHECK (qty_min >= 0),
  price_precision integer NOT NULL,
  qty_precision   integer NOT NULL,
  marginable      boolean NOT NULL DEFAULT false,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Creates one partition per day for [from_day, from_day + days) on a table partitioned by
-- range of a timestamptz column. Idempotent; run by migrations and the daily maintenance.
CREATE FUNCTION ensure_daily_partitions(parent regclass, from_day date, days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  created integer := 0;
  day date;
  part text;
BEGIN
  FOR i IN 0 .. days - 1 LOOP
    day := from_day + i;
    part := format('%s_p%s', parent::text, to_char(day, 'YYYYMMDD'));
    IF to_regclass(part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                     part, parent, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END $$;

CREATE FUNCTION refuse_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

-- Every decision, accept or reject, with the inputs that produced it. Day-partitioned,
-- append-only; a DEFAULT partition catches rows outside the pre-created days so an insert
-- never fails for want of a partition.
CREATE TABLE risk_decisions (
  decision_id    uuid NOT NULL,
  decided_at     timestamptz NOT NULL,
  account_id     text NOT NULL,
  order_id       text NOT NULL,
  symbol         text NOT NULL,
  decision       text NOT NULL CHECK (decision IN ('accept', 'reject')),
  reason_codes   text[] NOT NULL,
  limits_version integer,
  request_hash   text NOT NULL,
  request        jsonb NOT NULL,
  inputs         jsonb NOT NULL,
  response       jsonb NOT NULL,
  latency_us     integer,
  PRIMARY KEY (decision_id, decided_at)
) PARTITION BY RANGE (decided_at);

CREATE TABLE risk_decisions_default PARTITION OF risk_decisions DEFAULT;
CREATE INDEX risk_decisions_account_time ON risk_decisions (account_id, decided_at DESC);
CREATE INDEX risk_decisions_order ON risk_decisions (account_id, order_id);
CREATE TRIGGER risk_decisions_append_only BEFORE UPDATE OR DELETE ON risk_decisions
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

SELECT ensure_daily_partitions('risk_decisions', (now() AT TIME ZONE 'UTC')::date - 1, 9);
