import type { Decimal } from '../decimal.js';
import { StateUnavailableError } from '../errors.js';
import type { DecisionResponse, OrderRequest } from '../order.js';
import type { Reason } from '../reasons.js';
import { reservationToRecord } from './exposure.js';
import type { AccountRecord } from './limits.js';
import type { AuditWriter, DecisionRecord, LimitsSource, RiskStateStore } from './ports.js';
import { evaluateOrder, reservationFor } from './rules.js';
import { markCurrentAtMs, type RiskState } from './state.js';

export interface ValidateOrderDeps {
  readonly limits: LimitsSource;
  readonly store: RiskStateStore;
  readonly fallbackAudit: AuditWriter;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** High-resolution microseconds, for the decision's own latency. */
  readonly monotonicMicros: () => number;
  readonly newId: () => string;
  /** How long an order id stays reserved for idempotent replays. @default 24 h */
  readonly idempotencyTtlMs?: number;
  /** Told about failures that did not change the answer (audit fallbacks), for logs/metrics. */
  readonly onIncident?: (event: string, detail: Record<string, unknown>) => void;
}

export interface ValidateOrderResult {
  readonly response: DecisionResponse;
  /** True when the answer is a stored decision replayed for an identical request. */
  readonly replayed: boolean;
}

const DAY_MS = 86_400_000;

/**
 * The use case behind `POST /v1/risk/validate`: read limits and hot state, evaluate the
 * rules, persist the decision, answer. It fails closed: a store that does not answer, an
 * unknown account or a duplicate order id all produce a REJECT with a reason, never an
 * exception and never an ACCEPT. Every decision, accept or reject, is audited.
 */
export function createValidateOrder(deps: ValidateOrderDeps) {
  const ttl = deps.idempotencyTtlMs ?? DAY_MS;

  return async function validateOrder(
    order: OrderRequest,
    rawRequest: unknown,
    requestHash: string,
  ): Promise<ValidateOrderResult> {
    const startedUs = deps.monotonicMicros();
    const nowMs = deps.now();
    const decisionId = deps.newId();

    const reject = async (reasons: Reason[], account: AccountRecord | null, inputs: unknown) => {
      const response = buildResponse(order, decisionId, nowMs, 'reject', reasons, account, null);
      await auditOnly(recordOf(response, account, inputs), deps);
      return { response, replayed: false };
    };

    let account: AccountRecord | null;
    try {
      account = await deps.limits.get(order.account_id);
    } catch (error) {
      return reject([unavailable(error, 'limits')], null, { failure: 'limits' });
    }
    if (!account) {
      return reject([{ code: 'UNKNOWN_ACCOUNT', message: `unknown account ${order.account_id}` }], null, {});
    }

    let loaded: Awaited<ReturnType<RiskStateStore['load']>>;
    try {
      loaded = await deps.store.load({
        accountId: order.account_id,
        symbol: order.symbol,
        orderId: order.order_id,
        nowMs,
        rateWindowMs: account.limits.order_rate_window_ms,
        rateMember: decisionId,
      });
    } catch (error) {
      return reject([unavailable(error, 'risk state')], account, { failure: 'risk state' });
    }

    if (loaded.previous) {
      if (loaded.previous.requestHash === requestHash) return { response: loaded.previous.response, replayed: true };
      return reject(
        [{ code: 'DUPLICATE_ORDER_ID', message: `order_id ${order.order_id} was already used for a different order` }],
        account,
        { original_decision_id: loaded.previous.response.decision_id },
      );
    }

    const evaluation = evaluateOrder(order, account, loaded.state, nowMs);
    const response = buildResponse(
      order,
      decisionId,
      nowMs,
      evaluation.decision,
      [...evaluation.reasons],
      account,
      loaded.state,
    );
    const reservation = reservationFor(order, evaluation, decisionId, nowMs, account.limits.reservation_ttl_ms);
    const record: DecisionRecord = {
      ...recordOf(response, account, inputsOf(loaded.state, evaluation.notional)),
      latencyUs: Math.round(deps.monotonicMicros() - startedUs),
      ...(reservation ? { reservation: reservationToRecord(reservation) } : {}),
    };

    try {
      const winner = await deps.store.commit(record, ttl);
      if (winner) {
        if (winner.requestHash === requestHash) return { response: winner.response, replayed: true };
        return reject(
          [
            {
              code: 'DUPLICATE_ORDER_ID',
              message: `order_id ${order.order_id} was already used for a different order`,
            },
          ],
          account,
          { original_decision_id: winner.response.decision_id },
        );
      }
      return { response, replayed: false };
    } catch (error) {
      // The decision could not be made durable in the hot store: answer REJECT (an accept
      // nobody recorded must never leave the gate) and audit that rejection directly.
      return reject([unavailable(error, 'decision store')], account, {
        failure: 'commit',
        evaluated: evaluation.decision,
      });
    }

    function recordOf(resp: DecisionResponse, acct: AccountRecord | null, inputs: unknown): DecisionRecord {
      return {
        decisionId: resp.decision_id,
        decidedAt: resp.evaluated_at,
        accountId: order.account_id,
        orderId: order.order_id,
        symbol: order.symbol,
        decision: resp.decision,
        reasonCodes: resp.reasons.map((r) => r.code),
        limitsVersion: acct?.limitsVersion ?? null,
        requestHash,
        request: rawRequest,
        inputs,
        response: resp,
        latencyUs: Math.round(deps.monotonicMicros() - startedUs),
      };
    }
  };
}

/**
 * Audits a rejection that was not committed with the hot state: through the store's spool
 * when it answers, else straight into the audit table; if both fail the incident hook gets
 * the whole record (the structured log is then the record of last resort).
 */
async function auditOnly(record: DecisionRecord, deps: ValidateOrderDeps): Promise<void> {
  try {
    await deps.store.appendAudit(record);
    return;
  } catch {
    // fall through to the direct writer
  }
  try {
    await deps.fallbackAudit.insert([record]);
    deps.onIncident?.('audit_fallback_used', { decision_id: record.decisionId });
  } catch (error) {
    deps.onIncident?.('audit_write_failed', { record, error: String(error) });
  }
}

function unavailable(error: unknown, what: string): Reason {
  const store = error instanceof StateUnavailableError ? error.store : what;
  return { code: 'RISK_STATE_UNAVAILABLE', message: `${store} did not answer in time; failing closed` };
}

function buildResponse(
  order: OrderRequest,
  decisionId: string,
  nowMs: number,
  decision: 'accept' | 'reject',
  reasons: Reason[],
  account: AccountRecord | null,
  state: RiskState | null,
): DecisionResponse {
  const mark = state?.mark;
  return {
    decision,
    order_id: order.order_id,
    account_id: order.account_id,
    symbol: order.symbol,
    reasons,
    limits_version: account?.limitsVersion ?? null,
    mark: mark
      ? {
          bid: mark.bid.toString(),
          ask: mark.ask.toString(),
          mid: mark.mid.toString(),
          age_ms: nowMs - markCurrentAtMs(mark),
          exchange_ts: mark.exchangeTsMs === null ? null : new Date(mark.exchangeTsMs).toISOString(),
        }
      : null,
    evaluated_at: new Date(nowMs).toISOString(),
    decision_id: decisionId,
  };
}

/** The inputs worth keeping with the decision, JSON-ready (decimals as strings). */
function inputsOf(state: RiskState, notional: Decimal | null): Record<string, unknown> {
  return {
    notional: notional?.toString() ?? null,
    mark: state.mark
      ? {
          bid: state.mark.bid.toString(),
          ask: state.mark.ask.toString(),
          spread_bps: state.mark.spreadBps.toString(),
          receive_ts_ms: state.mark.receiveTsMs,
          verified_ts_ms: state.mark.verifiedTsMs ?? null,
          exchange_ts_ms: state.mark.exchangeTsMs,
          live: state.mark.live,
        }
      : null,
    reference: state.reference
      ? { price: state.reference.price.toString(), updated_at_ms: state.reference.updatedAtMs }
      : null,
    breaker: state.breaker,
    kill_switches: state.killSwitches,
    positions: Object.fromEntries([...state.positions].map(([s, q]) => [s, q.toString()])),
    daily: { realised_pnl: state.dailyRealisedPnl.toString(), fees: state.dailyFees.toString() },
    orders_in_window: state.ordersInWindow,
    instrument_status: state.instrument?.status ?? null,
  };
}
