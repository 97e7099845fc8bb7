-- Reservation lifecycle events the risk API sees (issue #12): today `expired`, a pending
-- reservation nobody acknowledged within its TTL, removed from the account book in the same
-- atomic step as a later decision of the account and appended to the Redis stream
-- REDIS_KEYS.reservationEvents; the audit drainer copies the stream here. Append-only, one
-- row per reservation (decision) and kind, so a re-drained entry inserts nothing twice.
CREATE TABLE reservation_events (
  account_id    text NOT NULL,
  order_id      text NOT NULL,
  decision_id   text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('expired')),
  symbol        text NOT NULL,
  side          text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty           numeric NOT NULL,
  worst_price   numeric NOT NULL,
  expires_at_ms bigint NOT NULL,
  at_ms         bigint NOT NULL,
  -- The reservation exactly as the book held it (ReservationRecord JSON).
  reservation   jsonb NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (decision_id, order_id, kind)
);
CREATE INDEX reservation_events_account_at ON reservation_events (account_id, at_ms);
CREATE TRIGGER reservation_events_append_only BEFORE UPDATE OR DELETE ON reservation_events
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
