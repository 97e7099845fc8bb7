-- Market time series: ticks (one row per normalised market event) and OHLCV bars, both
-- partitioned by day. Aurora PostgreSQL has no TimescaleDB, so declarative day partitions
-- (ensure_daily_partitions from 001) are the default everywhere; where the timescaledb
-- extension is available and loadable (a self-hosted PostgreSQL), the same tables become
-- hypertables with one-day chunks instead. Both shapes take the same INSERTs and queries.
-- The primary keys make a replay of the Kinesis stream idempotent (ON CONFLICT DO NOTHING).

CREATE FUNCTION market_timeseries_backend() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
              THEN 'timescaledb' ELSE 'partitions' END
$$;

DO $$
DECLARE
  use_timescale boolean := false;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb;
      use_timescale := true;
    EXCEPTION WHEN OTHERS THEN
      -- Installed but not loadable (not in shared_preload_libraries, or not permitted):
      -- keep plain partitions rather than fail the migration.
      RAISE NOTICE 'timescaledb is available but cannot be created (%); using day partitions', SQLERRM;
    END;
  END IF;

  IF use_timescale THEN
    CREATE TABLE market_ticks (
      symbol      text NOT NULL,
      event_ts    timestamptz NOT NULL,
      event_id    text NOT NULL,
      kind        text NOT NULL CHECK (kind IN ('top_of_book', 'trade', 'ticker')),
      bid         numeric,
      bid_qty     numeric,
      ask         numeric,
      ask_qty     numeric,
      price       numeric,
      qty         numeric,
      side        text CHECK (side IN ('buy', 'sell')),
      exchange_ts timestamptz,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (symbol, event_ts, event_id)
    );
    CREATE TABLE market_bars (
      symbol       text NOT NULL,
      bar_interval interval NOT NULL,
      bucket_start timestamptz NOT NULL,
      open         numeric NOT NULL,
      high         numeric NOT NULL,
      low          numeric NOT NULL,
      close        numeric NOT NULL,
      volume       numeric NOT NULL DEFAULT 0,
      trades       integer NOT NULL DEFAULT 0,
      PRIMARY KEY (symbol, bar_interval, bucket_start),
      CHECK (low <= high)
    );
    -- EXECUTE: the functions do not exist until the extension does.
    EXECUTE $sql$SELECT create_hypertable('market_ticks', 'event_ts', chunk_time_interval => interval '1 day')$sql$;
    EXECUTE $sql$SELECT create_hypertable('market_bars', 'bucket_start', chunk_time_interval => interval '1 day')$sql$;
  ELSE
    CREATE TABLE market_ticks (
      symbol      text NOT NULL,
      event_ts    timestamptz NOT NULL,
      event_id    text NOT NULL,
      kind        text NOT NULL CHECK (kind IN ('top_of_book', 'trade', 'ticker')),
      bid         numeric,
      bid_qty     numeric,
      ask         numeric,
      ask_qty     numeric,
      price       numeric,
      qty         numeric,
      side        text CHECK (side IN ('buy', 'sell')),
      exchange_ts timestamptz,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (symbol, event_ts, event_id)
    ) PARTITION BY RANGE (event_ts);
    CREATE TABLE market_bars (
      symbol       text NOT NULL,
      bar_interval interval NOT NULL,
      bucket_start timestamptz NOT NULL,
      open         numeric NOT NULL,
      high         numeric NOT NULL,
      low          numeric NOT NULL,
      close        numeric NOT NULL,
      volume       numeric NOT NULL DEFAULT 0,
      trades       integer NOT NULL DEFAULT 0,
      PRIMARY KEY (symbol, bar_interval, bucket_start),
      CHECK (low <= high)
    ) PARTITION BY RANGE (bucket_start);
    -- Rows outside the pre-created days (a replay of an old stream position) still land.
    CREATE TABLE market_ticks_default PARTITION OF market_ticks DEFAULT;
    CREATE TABLE market_bars_default PARTITION OF market_bars DEFAULT;
  END IF;
END $$;

CREATE INDEX market_ticks_time ON market_ticks (event_ts DESC);
CREATE INDEX market_bars_time ON market_bars (bucket_start DESC);

-- Daily maintenance (and this migration): partitions for [from_day, from_day + days).
-- A no-op for hypertables, which create their chunks themselves. Returns partitions created.
CREATE FUNCTION ensure_market_partitions(from_day date, days integer) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
  IF market_timeseries_backend() = 'timescaledb' THEN
    RETURN 0;
  END IF;
  RETURN ensure_daily_partitions('market_ticks', from_day, days)
       + ensure_daily_partitions('market_bars', from_day, days);
END $$;

SELECT ensure_market_partitions((now() AT TIME ZONE 'UTC')::date - 1, 9);
