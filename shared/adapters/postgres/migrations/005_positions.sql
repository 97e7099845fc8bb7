-- Positions from fills (Kinesis `executions`), exactly once per fill id, and the versioned
-- tradable universe.

-- Append-only: the fill id is the exactly-once key (a redelivered record inserts nothing).
CREATE TABLE fills (
  fill_id      text PRIMARY KEY,
  account_id   text NOT NULL,
  order_id     text,
  symbol       text NOT NULL,
  side         text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty          numeric NOT NULL CHECK (qty > 0),
  price        numeric NOT NULL CHECK (price > 0),
  fee          numeric NOT NULL CHECK (fee >= 0),
  realised_pnl numeric NOT NULL,
  trading_day  date NOT NULL,
  executed_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fills_account_time ON fills (account_id, executed_at DESC);
CREATE TRIGGER fills_append_only BEFORE UPDATE OR DELETE ON fills
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

CREATE TABLE positions (
  account_id   text NOT NULL,
  symbol       text NOT NULL,
  qty          numeric NOT NULL,
  avg_entry    numeric NOT NULL,
  realised_pnl numeric NOT NULL,
  fees         numeric NOT NULL,
  last_fill_id text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, symbol)
);

-- Per account and trading day (the day starts at the configured UTC boundary).
CREATE TABLE daily_pnl (
  account_id   text NOT NULL,
  trading_day  date NOT NULL,
  realised_pnl numeric NOT NULL,
  fees         numeric NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, trading_day)
);

-- The tradable universe (CoinGecko top by market cap ∩ Kraken USD spot), one row per run.
CREATE TABLE universe_versions (
  version    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  symbols    text[] NOT NULL,
  source     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER universe_versions_append_only BEFORE UPDATE OR DELETE ON universe_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
