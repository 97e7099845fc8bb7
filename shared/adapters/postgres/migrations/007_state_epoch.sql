-- The state generation: a counter that every control change moves forward (kill switch
-- engage and release, breaker trip), recorded here durably and mirrored in the Redis state
-- epoch (REDIS_KEYS.stateEpoch). A cache whose epoch holds an older generation than this
-- table (restored from an old snapshot, or a replica promoted before it received the last
-- engage) is behind: the rebuild and the market evaluator delete its epoch, the gate then
-- rejects every order until the rebuild restores the cache from Aurora.
-- One row per advance (append-only): the current generation is the highest, and a reader
-- can ask for the highest one older than a grace period (a change in flight has moved this
-- table but not yet the cache).

CREATE TABLE state_generations (
  generation bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cause      text NOT NULL CHECK (cause IN ('kill_switch_engage', 'kill_switch_release', 'breaker_trip')),
  detail     text NOT NULL DEFAULT '',
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX state_generations_at ON state_generations (at DESC);
CREATE TRIGGER state_generations_append_only BEFORE UPDATE OR DELETE ON state_generations
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
