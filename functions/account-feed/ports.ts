import type { KrakenCredentials } from '../../shared/adapters/kraken-rest.js';
import type { AccountFeedStatus } from '../../shared/adapters/redis/account-feed-hash.js';
import type { GateHealthVerdict } from '../../shared/domain/account-feed/dead-mans-switch.js';
import type { OrderHistoryEntry } from '../../shared/domain/account-feed/settle-vanished.js';
import type { StoredVerdict } from '../../shared/domain/account-feed/unvetted.js';
import type { BalanceEvent, OrderEvent } from '../../shared/domain/executions/events.js';

/** One account's Kraken key. `fingerprint` changes when the key is rotated; it is not the key. */
export interface AccountKey {
  readonly accountId: string;
  readonly credentials: KrakenCredentials;
  readonly fingerprint: string;
}

/** Every account that has a Kraken key (Secrets Manager in AWS). */
export interface AccountKeyDirectory {
  list(): Promise<AccountKey[]>;
}

/** REST `GetWebSocketsToken` for a key. */
export interface WebSocketTokenSource {
  token(credentials: KrakenCredentials): Promise<string>;
}

/**
 * Kraken's order history (REST `QueryOrders`), asked about orders that closed while the
 * private feed was away. An id Kraken does not know is absent from the answer; an entry that
 * cannot be read is `unreadable`. Throws when Kraken cannot be asked (network, rate limit,
 * key refused).
 */
export interface OrderHistory {
  query(credentials: KrakenCredentials, orderIds: readonly string[]): Promise<Map<string, OrderHistoryEntry>>;
}

/** Where execution events go (Kinesis `executions`, partition key = account). */
export interface ExecutionEventSink {
  /** Queues one event; delivery is retried until it succeeds or the task stops. */
  publish(accountId: string, event: OrderEvent | BalanceEvent): void;
  /** Age of the oldest event not yet accepted by the stream (0 when none). */
  oldestPendingAgeMs(nowMs: number): number;
  flush(timeoutMs: number): Promise<void>;
}

/** The per-account feed status the risk API reads (Redis hash). */
export interface AccountFeedStatusStore {
  write(accountId: string, status: AccountFeedStatus, ttlMs: number): Promise<void>;
}

/** The decision the risk API stored for an order id (Redis). Throws when the store does not answer. */
export interface DecisionLookup {
  verdict(accountId: string, clOrdId: string): Promise<StoredVerdict>;
}

/** Whether the gate can be trusted to vet orders right now (market data fresh, stores answering). */
export interface GateHealth {
  check(nowMs: number): Promise<GateHealthVerdict>;
}

/** An order seen on Kraken with no accepted decision behind it. */
export interface UnvettedOrderReport {
  readonly accountId: string;
  readonly orderId: string;
  readonly clOrdId: string | null;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly orderQty: string;
  readonly limitPrice?: string;
  readonly reason: 'no_cl_ord_id' | 'no_decision' | 'decision_rejected' | 'lookup_failed';
  readonly action: 'reported' | 'cancel_requested';
  readonly detectedAt: string;
}

/** The audit trail of unvetted orders (a capped Redis stream; also a log line and a metric). */
export interface UnvettedOrderAudit {
  record(report: UnvettedOrderReport): Promise<void>;
}

export type FeedLog = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
