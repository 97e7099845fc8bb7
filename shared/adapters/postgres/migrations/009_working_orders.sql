-- Working orders of every account (issue #12), kept by the positions consumer from the order
-- events on Kinesis `executions`. PostgreSQL is the source of truth; the account book hash in
-- Redis (REDIS_KEYS.accountBook) is rewritten from these rows.

-- One row per Kraken order: open, or the tombstone of a closed one until pruned (a late
-- duplicate must not bring a closed order back to life). Amounts are exact numerics.
CREATE TABLE working_orders (
  account_id      text NOT NULL,
  kraken_order_id text NOT NULL,
  -- The gate's order_id; null for an order placed without one (unvetted, still counted).
  cl_ord_id       text,
  symbol          text NOT NULL,
  side            text NOT NULL CHECK (side IN ('buy', 'sell')),
  order_type      text NOT NULL,
  order_qty       numeric NOT NULL CHECK (order_qty > 0),
  cum_qty         numeric NOT NULL CHECK (cum_qty >= 0),
  -- Fills of this order already moved to the position (by exec id, once).
  filled_qty      numeric NOT NULL CHECK (filled_qty >= 0),
  limit_price     numeric CHECK (limit_price > 0),
  trigger_price   numeric CHECK (trigger_price > 0),
  reduce_only     boolean NOT NULL,
  -- Epoch ms of the terminal event (the consumer's clock), null while open.
  closed_at_ms    bigint,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, kraken_order_id)
);
CREATE INDEX working_orders_closed ON working_orders (account_id, closed_at_ms) WHERE closed_at_ms IS NOT NULL;

-- Exactly-once of order events: `type:event_id` per account. Kept longer than Kinesis
-- redelivers (24 h), then pruned with the tombstones.
CREATE TABLE order_events_applied (
  account_id      text NOT NULL,
  event_key       text NOT NULL,
  kraken_order_id text NOT NULL,
  applied_at_ms   bigint NOT NULL,
  PRIMARY KEY (account_id, event_key)
);
CREATE INDEX order_events_applied_at ON order_events_applied (account_id, applied_at_ms);

-- Append-only audit of reservations leaving the book: handed over to a working order when
-- Kraken acknowledged it, or expired when nobody did within the reservation's TTL. The
-- Redis mirror deletes exactly these (reservation id and decision id) from the book.
CREATE TABLE reservation_releases (
  account_id      text NOT NULL,
  reservation_id  text NOT NULL,
  decision_id     text NOT NULL,
  outcome         text NOT NULL CHECK (outcome IN ('acknowledged', 'expired')),
  kraken_order_id text,
  symbol          text NOT NULL,
  side            text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty             numeric NOT NULL,
  worst_price     numeric NOT NULL,
  expires_at_ms   bigint NOT NULL,
  released_at_ms  bigint NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, reservation_id, decision_id)
);
CREATE INDEX reservation_releases_at ON reservation_releases (account_id, released_at_ms);
CREATE TRIGGER reservation_releases_append_only BEFORE UPDATE OR DELETE ON reservation_releases
  FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

-- Kraken balances per asset, the latest by Kraken's timestamp (an older event redelivered
-- never overwrites a newer one); the source the balances hash is rebuilt from.
CREATE TABLE account_balances (
  account_id  text NOT NULL,
  asset       text NOT NULL,
  balance     numeric NOT NULL CHECK (balance >= 0),
  occurred_at timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, asset)
);
