import { KrakenApiError, type KrakenCredentials, type KrakenRestClient } from '../../../shared/adapters/kraken-rest.js';
import type { OrderHistoryEntry, OrderHistoryStatus } from '../../../shared/domain/account-feed/settle-vanished.js';
import { Decimal } from '../../../shared/domain/decimal.js';
import type { OrderHistory } from '../ports.js';

/** Kraken takes at most 50 ids per `QueryOrders` call. */
export const QUERY_ORDERS_MAX_IDS = 50;
const STATUSES: ReadonlySet<string> = new Set<OrderHistoryStatus>(['pending', 'open', 'closed', 'canceled', 'expired']);
/** Kraken's answer when any id of the call is not an order of the key. */
const INVALID_ORDER = 'EOrder:Invalid order';

/**
 * REST `QueryOrders` (docs.kraken.com, Account Data > Query Orders Info), signed by the shared
 * client: `txid` a comma-separated list (at most 50, so larger asks are batched), `trades`
 * false. The result maps each txid to its order info (`status`, `vol`, `vol_exec`, `reason`,
 * `closetm`, `descr`, ...). One unknown id fails the whole call with `EOrder:Invalid order`,
 * so such a batch is split in halves until the unknown ids stand alone; they are left out
 * of the answer. An entry that does not read as documented is `unreadable`, never guessed.
 */
export class KrakenOrderHistory implements OrderHistory {
  constructor(private readonly rest: KrakenRestClient) {}

  async query(credentials: KrakenCredentials, orderIds: readonly string[]): Promise<Map<string, OrderHistoryEntry>> {
    const answer = new Map<string, OrderHistoryEntry>();
    const ids = [...new Set(orderIds)];
    for (let i = 0; i < ids.length; i += QUERY_ORDERS_MAX_IDS) {
      await this.batch(credentials, ids.slice(i, i + QUERY_ORDERS_MAX_IDS), answer);
    }
    return answer;
  }

  private async batch(
    credentials: KrakenCredentials,
    ids: readonly string[],
    answer: Map<string, OrderHistoryEntry>,
  ): Promise<void> {
    let result: unknown;
    try {
      result = await this.rest.privateCall<unknown>(
        'QueryOrders',
        { txid: ids.join(','), trades: 'false' },
        credentials,
      );
    } catch (error) {
      if (!(error instanceof KrakenApiError) || !error.errors.includes(INVALID_ORDER)) throw error;
      if (ids.length === 1) return;
      const half = Math.ceil(ids.length / 2);
      await this.batch(credentials, ids.slice(0, half), answer);
      await this.batch(credentials, ids.slice(half), answer);
      return;
    }
    if (typeof result !== 'object' || result === null) {
      for (const id of ids) answer.set(id, { status: 'unreadable', problem: 'QueryOrders result is not an object' });
      return;
    }
    const entries = result as Record<string, unknown>;
    for (const id of ids) {
      if (Object.hasOwn(entries, id)) answer.set(id, readOrderInfo(entries[id]));
    }
  }
}

/** One order of a `QueryOrders` result, read defensively. */
export function readOrderInfo(raw: unknown): OrderHistoryEntry {
  if (typeof raw !== 'object' || raw === null) return { status: 'unreadable', problem: 'entry is not an object' };
  const info = raw as Record<string, unknown>;
  if (typeof info.status !== 'string' || !STATUSES.has(info.status)) {
    return { status: 'unreadable', problem: 'unknown status' };
  }
  const volExec = typeof info.vol_exec === 'string' ? Decimal.tryParse(info.vol_exec) : undefined;
  if (!volExec || volExec.isNegative()) return { status: 'unreadable', problem: 'vol_exec is not a decimal' };
  let reason: string | null = null;
  if (typeof info.reason === 'string') reason = info.reason;
  else if (info.reason !== null && info.reason !== undefined) return { status: 'unreadable', problem: 'reason' };
  let closeTime: number | null = null;
  if (typeof info.closetm === 'number' && Number.isFinite(info.closetm)) closeTime = info.closetm;
  else if (typeof info.closetm === 'string' && Number.isFinite(Number(info.closetm))) closeTime = Number(info.closetm);
  else if (info.closetm !== null && info.closetm !== undefined) return { status: 'unreadable', problem: 'closetm' };
  return { status: info.status as OrderHistoryStatus, volExec: info.vol_exec as string, reason, closeTime };
}
