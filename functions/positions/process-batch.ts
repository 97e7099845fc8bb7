import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { balanceDrifts } from '../../shared/domain/balances/drift.js';
import type { Decimal } from '../../shared/domain/decimal.js';
import {
  balanceEventSchema,
  type ExecutionRecord,
  isBalanceEvent,
  isOrderEvent,
  type OrderEvent,
  orderEventSchema,
} from '../../shared/domain/executions/events.js';
import { fillSchema } from '../../shared/domain/positions/positions.js';
import type { Reservation } from '../../shared/domain/risk/exposure.js';
import { decideOrderEvent, expiredReservations, prunableOrders } from './order-book-step.js';
import type { PositionsPorts } from './ports.js';

export interface PositionsSummary {
  /** Fills moved into a position (legacy fill records and order events' trades). */
  applied: number;
  /** Fills already applied before (redelivered). */
  duplicates: number;
  poison: number;
  /** Order events applied, and those applied before (redelivered). */
  orderEvents: number;
  orderEventsDuplicate: number;
  /** Orders seen on Kraken with no live reservation behind them (placed without the gate, or too late). */
  unreserved: number;
  /** Reservations handed to a working order when Kraken acknowledged it. */
  acknowledged: number;
  /** Reservations nobody acknowledged within their TTL, released and audited. */
  reservationsExpired: number;
  /** Terminal events (canceled, expired, rejected, filled) that freed an unfilled remainder. */
  released: number;
  balances: number;
  /**
   * The largest relative drift between a Kraken balance and the position in its USD pair over
   * the accounts whose balances this batch changed; null when no balance was applied.
   */
  balanceDrift: { readonly accountId: string; readonly asset: string; readonly relative: Decimal } | null;
}

export interface ExecutionsHandlerOptions {
  /** The consumer's clock (epoch ms): reservation expiry and tombstone ages are measured on it. */
  readonly nowMs: () => number;
  /**
   * How long closed orders, applied event keys and releases are kept. Longer than Kinesis
   * redelivers (24 h), so a late duplicate still finds its tombstone.
   */
  readonly retentionMs: number;
}

const emptySummary = (): PositionsSummary => ({
  applied: 0,
  duplicates: 0,
  poison: 0,
  orderEvents: 0,
  orderEventsDuplicate: 0,
  unreserved: 0,
  acknowledged: 0,
  reservationsExpired: 0,
  released: 0,
  balances: 0,
  balanceDrift: null,
});

/** The schema of each record shape, chosen by `kind` so a refusal names the field at fault. */
function schemaOf(kind: unknown) {
  if (kind === 'order') return { schema: orderEventSchema, shape: 'an order event' };
  if (kind === 'balance') return { schema: balanceEventSchema, shape: 'a balance event' };
  return { schema: fillSchema, shape: 'a fill' };
}

function decodeRecord(base64: string): ExecutionRecord | string {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return 'not JSON';
  }
  const kind = json !== null && typeof json === 'object' && 'kind' in json ? json.kind : undefined;
  const { schema, shape } = schemaOf(kind);
  // A schema that throws instead of refusing is a bug, but still a bad record, not a reason to
  // stop the shard: it is parked like any other.
  let parsed: ReturnType<typeof schema.safeParse>;
  try {
    parsed = schema.safeParse(json);
  } catch (error) {
    return `not ${shape}: ${(error as Error).message}`;
  }
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `not ${shape}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`;
}

/**
 * The positions Lambda's inner function (Kinesis `executions`, partition key = account).
 * Records are applied in stream order; after the first failure every later record of the
 * batch is failed too, so Lambda's retry from the first failed sequence number replays them
 * in order (a position's average entry depends on it). Malformed records go to the DLQ.
 *
 * - a fill (legacy record) moves a position once per fill id;
 * - an order event runs the working-order state machine once per event key: a reservation
 *   hands over to the working order when Kraken acknowledges, a trade moves its fill into
 *   the position once per exec id, a terminal event releases the unfilled rest;
 * - a balance event updates the account's balance of that asset if newer.
 *
 * Then, for every touched account: the positions mirror is rewritten first and the account
 * book after it, so between the two the risk API sees a fill twice (in the position and
 * still working), never zero times; expired reservations are audited and released; closed
 * orders past retention are forgotten. Every mirror write is absolute and idempotent, so a
 * batch redelivered whole changes nothing.
 */
export function createExecutionsHandler(
  ports: PositionsPorts,
  options: ExecutionsHandlerOptions,
  onSummary?: (summary: PositionsSummary) => void,
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  return async (event) => {
    const summary = emptySummary();
    const touched = new Set<string>();
    const balancesTouched = new Set<string>();
    // The book's reservations, read once per account per batch: a reservation is written at
    // accept, before the order reaches Kraken, so it exists before any event of its order.
    const reservationsOf = new Map<string, Map<string, Reservation>>();
    const loadReservations = async (accountId: string) => {
      let held = reservationsOf.get(accountId);
      if (!held) {
        held = new Map(await ports.book.reservations(accountId));
        reservationsOf.set(accountId, held);
      }
      return held;
    };

    const applyOrder = async (orderEvent: OrderEvent) => {
      const reservations = await loadReservations(orderEvent.account_id);
      const nowMs = options.nowMs();
      const decision = await ports.orders.applyOrderEvent(orderEvent, nowMs, (stored) =>
        decideOrderEvent(orderEvent, stored, reservations, nowMs),
      );
      if (!decision) {
        summary.orderEventsDuplicate++;
        return;
      }
      summary.orderEvents++;
      for (const release of decision.releases) {
        reservations.delete(release.reservation.orderId);
        summary[release.outcome === 'expired' ? 'reservationsExpired' : 'acknowledged']++;
      }
      for (const effect of decision.effects) {
        if (effect.kind === 'unreserved') summary.unreserved++;
        else if (effect.kind === 'released') summary.released++;
      }
      if (decision.fill) summary.applied++;
      else if (orderEvent.fill) summary.duplicates++;
    };

    let failed = false;
    const recordHandler = async (record: KinesisStreamRecord) => {
      if (failed) throw new Error('not attempted: an earlier record of this shard failed');
      try {
        const decoded = decodeRecord(record.kinesis.data);
        if (typeof decoded === 'string') {
          await ports.poison.park({
            source: 'positions',
            reason: decoded,
            sequenceNumber: record.kinesis.sequenceNumber,
            partitionKey: record.kinesis.partitionKey,
            eventSourceArn: record.eventSourceARN,
            data: record.kinesis.data,
          });
          summary.poison++;
          return;
        }
        touched.add(decoded.account_id);
        if (isOrderEvent(decoded)) {
          await applyOrder(decoded);
        } else if (isBalanceEvent(decoded)) {
          balancesTouched.add(decoded.account_id);
          if ((await ports.balances.apply(decoded)) === 'applied') summary.balances++;
        } else {
          const outcome = await ports.positions.apply(decoded);
          summary[outcome === 'applied' ? 'applied' : 'duplicates']++;
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    };
    const response = await processPartialResponse(
      event,
      recordHandler,
      new BatchProcessor(EventType.KinesisDataStreams),
      { processInParallel: false, throwOnFullBatchFailure: false },
    );

    await ports.positions.mirror(touched);
    const nowMs = options.nowMs();
    for (const accountId of touched) {
      const expired = expiredReservations(accountId, await ports.book.reservations(accountId), nowMs);
      summary.reservationsExpired += (await ports.orders.recordReleases(accountId, expired)).length;
      const snapshot = await ports.orders.snapshot(accountId, nowMs - options.retentionMs);
      const prunable = prunableOrders(snapshot, nowMs, options.retentionMs);
      await ports.orders.forget(accountId, prunable, nowMs - options.retentionMs);
      const forgotten = new Set(prunable);
      await ports.book.mirror({ ...snapshot, orders: snapshot.orders.filter((o) => !forgotten.has(o.krakenOrderId)) });
    }
    await ports.balances.mirror(balancesTouched);
    // Reconciled after the positions mirror so both sides include this batch's fills. A drift
    // is reported, never corrected: Kraken's balance and our fills disagreeing is for a human.
    for (const accountId of balancesTouched) {
      const { balances, positions } = await ports.balances.holdings(accountId);
      const [largest] = balanceDrifts(balances, positions);
      if (largest && (!summary.balanceDrift || largest.relative.gt(summary.balanceDrift.relative))) {
        summary.balanceDrift = { accountId, asset: largest.asset, relative: largest.relative };
      }
    }
    onSummary?.(summary);
    return response;
  };
}
