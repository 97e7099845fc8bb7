-- Circuit-breaker configuration (versioned, read by the market evaluator and the
-- reference-prices job) and the audit of every breaker change.

-- Every change is a new version; the newest version per symbol is in force. `*` is the
-- default row for symbols without their own. Config is a JSON object validated by
-- shared/domain/breakers/config.ts on every read (a bad row fails loudly, never defaults).
CREATE TABLE breaker_config (
  symbol     text NOT NULL CHECK (symbol = '*' OR symbol ~ '^[A-Z0-9]+/[A-Z0-9]+$'),
  version    integer NOT NULL CHECK (version > 0),
  config     jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
  created_by text NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, version)
);
CREATE TRIGGER breaker_config_append_only BEFORE UPDATE OR DELETE ON breaker_config
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

-- One row per breaker change (trip or clear of one cause of one symbol). The unique key
-- makes a redelivered Kinesis record or a retried job run write its change once.
CREATE TABLE breaker_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  symbol          text NOT NULL,
  cause           text NOT NULL CHECK (cause IN ('volatility', 'spread', 'depeg', 'deviation', 'manual')),
  tripped         boolean NOT NULL,
  reason          text NOT NULL,
  measured        text NOT NULL,
  threshold       text NOT NULL,
  source_id       text NOT NULL,
  config_version  integer NOT NULL,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (symbol, cause, tripped, source_id)
);
CREATE INDEX breaker_events_symbol_time ON breaker_events (symbol, occurred_at DESC);
CREATE TRIGGER breaker_events_append_only BEFORE UPDATE OR DELETE ON breaker_events
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

INSERT INTO breaker_config (symbol, version, config, created_by, reason) VALUES
  ('*', 1, '{}', 'migration', 'built-in defaults (shared/domain/breakers/config.ts)');
