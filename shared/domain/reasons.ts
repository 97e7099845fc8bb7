/**
 * The stable, machine-readable reason codes of a risk decision. Strategies branch on these,
 * dashboards count them and the audit table stores them: never rename one, only add.
 * Codes kept from the Python platform carry its name upper-cased (loss_cap_breach ->
 * LOSS_CAP_BREACH) so historical reports still line up.
 */
export const REASON_CODES = [
  'UNKNOWN_ACCOUNT',
  'ACCOUNT_DISABLED',
  'SYMBOL_NOT_USD_SPOT',
  'INSTRUMENT_UNKNOWN',
  'INSTRUMENT_NOT_TRADING',
  'PRICE_INCREMENT',
  'QUANTITY_INCREMENT',
  'BELOW_MIN_QUANTITY',
  'MIN_TRADE_NOTIONAL',
  'MARK_UNAVAILABLE',
  'MARKET_DATA_STALE',
  'SPREAD_CIRCUIT_BREAKER',
  'SYMBOL_BREAKER_TRIPPED',
  'KILL_SWITCH_ACTIVE',
  'SYMBOL_NOT_IN_UNIVERSE',
  'MAX_ORDER_NOTIONAL',
  'MAX_ORDER_QUANTITY',
  'PRICE_BAND_MARK',
  'PRICE_BAND_REFERENCE',
  'REFERENCE_PRICE_UNAVAILABLE',
  'LOSS_CAP_BREACH',
  'FEE_BUDGET_BREACH',
  'NAV_LIMIT_BREACH',
  'VAR_BREACH',
  'LATENCY_CIRCUIT_BREAKER',
  'DIVERSIFICATION_BREACH',
  'POSITION_LIMIT_BREACH',
  'ORDER_RATE_LIMIT',
  'DUPLICATE_ORDER_ID',
  'RISK_STATE_UNAVAILABLE',
  // Issue #12: exposure counts every order.
  /** Too many open orders (working + reserved) on the account. */
  'MAX_OPEN_ORDERS',
  /** Too many open orders in the order's symbol. */
  'MAX_OPEN_ORDERS_SYMBOL',
  /** The worst-case notional of every open order would exceed max_open_notional. */
  'MAX_OPEN_NOTIONAL',
  /** Spot: a sell larger than the holding minus working and reserved sells. */
  'INSUFFICIENT_HOLDING',
  /** Spot: a buy costing more than the cash left after working and reserved buys and fees. */
  'INSUFFICIENT_CASH',
  /** A reduce-only order larger than the position left after working reduce-only orders. */
  'REDUCE_ONLY_EXCEEDS_POSITION',
  /** An amend of an order the gate has no reservation or working order for. */
  'ORDER_NOT_FOUND',
  /** An amend to a quantity at or below what has already filled. */
  'AMEND_BELOW_FILLED',
  /** An amend of a field the order's type does not have (a trigger on a plain limit...). */
  'AMEND_NOT_APPLICABLE',
  /** A gtd order whose expire_time has already passed. */
  'EXPIRE_TIME_PASSED',
  /** The account's private Kraken feed is not live (no view of its orders and fills): fail closed. */
  'ACCOUNT_FEED_UNAVAILABLE',
  /** The account's book kept moving under concurrent decisions; retried, then refused rather than guessed. */
  'BOOK_CONTENDED',
  // Issue #13: NAV from balances.
  /** nav_source 'balances': no balances snapshot yet, or a held asset has no mark to value it: fail closed. */
  'NAV_UNAVAILABLE',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/** One reason a decision went the way it did. `message` is for humans; branch on `code`. */
export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
}

/** Error codes of the HTTP edge (4xx bodies), distinct from decision reasons. */
export const REQUEST_ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'IDEMPOTENCY_CONFLICT',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
  /** 503: the cache holds no current state epoch (being rebuilt): kill switch and breaker state unknown. */
  'STATE_NOT_REBUILT',
  'RELEASE_PENDING_SECOND_APPROVAL',
  'SECOND_APPROVER_REQUIRED',
  'KILL_SWITCH_NOT_ENGAGED',
  'KRAKEN_KEY_REJECTED',
  'UPSTREAM_UNAVAILABLE',
  'ACCOUNT_EXISTS',
  /** 403: a signed-in console user outside the risk-manager group. */
  'FORBIDDEN',
  // Issue #17: the limits what-if and two-approver changes.
  /** 409: a limits or breaker proposal past CHANGE_PROPOSAL_TTL_MS; propose again. */
  'PROPOSAL_EXPIRED',
  /** 409: another change was applied after the proposal was made; propose again. */
  'PROPOSAL_SUPERSEDED',
  /** 409: a limits change to an account with limits in force has no what-if attached. */
  'WHAT_IF_REQUIRED',
  /** 422: the what-if's range is longer than WHAT_IF_MAX_RANGE_MS. */
  'WHAT_IF_RANGE_TOO_LONG',
  /** 422: the range holds more than WHAT_IF_MAX_DECISIONS recorded decisions. */
  'WHAT_IF_TOO_MANY_DECISIONS',
] as const;

export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];
