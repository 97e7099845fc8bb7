import type { Decimal } from '../decimal.js';
import { StateUnavailableError } from '../errors.js';
import {
  type AmendRequest,
  type DecisionResponse,
  isAmend,
  isCancel,
  type OrderRequest,
  type RiskRequest,
} from '../order.js';
import type { Reason } from '../reasons.js';
import { type Reservation, reservationToRecord } from './exposure.js';
import { KeyedSerializer } from './keyed-serializer.js';
import type { AccountRecord } from './limits.js';
import {
  type AuditWriter,
  type DecisionRecord,
  isStateMoved,
  type LimitsSource,
  type LoadedState,
  type LoadQuery,
  type RiskStateStore,
} from './ports.js';
import { recordState } from './recorded-state.js';
import {
  amendReservationFor,
  type Evaluation,
  evaluateAmend,
  evaluateCancel,
  evaluateOrder,
  reservationFor,
} from './rules.js';
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
  /**
   * How many times a decision is re-made when the state it was made on moved between this
   * request's read and its commit (a concurrent accept, a fill, a cancel, a new mark). Past it
   * the order is rejected BOOK_CONTENDED: a decision on a state nobody can pin down is not an
   * accept. A decision made on the store's kept copy that turns out stale is re-made on what
   * the commit found without counting as a conflict (at most as many times again). @default 5
   */
  readonly maxBookRetries?: number;
  /** Told each time a commit found the state moved under this request's own read (metric BookConflicts). */
  readonly onBookConflict?: (accountId: string) => void;
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
  const maxRetries = deps.maxBookRetries ?? 5;
  const decisions = new KeyedSerializer();

  return async function validateOrder(
    request: RiskRequest,
    rawRequest: unknown,
    requestHash: string,
  ): Promise<ValidateOrderResult> {
    const startedUs = deps.monotonicMicros();
    const nowMs = deps.now();
    const decisionId = deps.newId();
    const subject = subjectOf(request);

    const recordOf = (resp: DecisionResponse, acct: AccountRecord | null, inputs: unknown): DecisionRecord => ({
      decisionId: resp.decision_id,
      decidedAt: resp.evaluated_at,
      accountId: request.account_id,
      orderId: request.order_id,
      symbol: subject.symbol,
      decision: resp.decision,
      reasonCodes: resp.reasons.map((r) => r.code),
      limitsVersion: acct?.limitsVersion ?? null,
      requestHash,
      request: rawRequest,
      inputs,
      response: resp,
      latencyUs: Math.round(deps.monotonicMicros() - startedUs),
    });
    const respond = (
      decision: 'accept' | 'reject',
      reasons: Reason[],
      account: AccountRecord | null,
      state: RiskState | null,
    ) => buildResponse(subject, decisionId, nowMs, decision, reasons, account, state);
    const reject = async (reasons: Reason[], account: AccountRecord | null, inputs: unknown) => {
      const response = respond('reject', reasons, account, null);
      await auditOnly(recordOf(response, account, inputs), deps);
      return { response, replayed: false };
    };

    // A cancel only lowers risk: always allowed, recorded, and it reserves or releases nothing
    // (the order may fill before the cancel lands; Kraken's `canceled` releases what is left).
    if (isCancel(request)) {
      const evaluation = evaluateCancel();
      const response = respond(evaluation.decision, [], null, null);
      await auditOnly(recordOf(response, null, { action: 'cancel' }), deps);
      return { response, replayed: false };
    }

    let account: AccountRecord | null;
    try {
      account = await deps.limits.get(request.account_id);
    } catch (error) {
      return reject([unavailable(error, 'limits')], null, { failure: 'limits' });
    }
    if (!account) {
      return reject([{ code: 'UNKNOWN_ACCOUNT', message: `unknown account ${request.account_id}` }], null, {});
    }

    // An amend reuses its order's id, which already holds the order's decision: it is stored
    // under an id of its own, one per distinct amend body, so a replayed amend replays.
    const idempotencyId = isAmend(request) ? `${request.order_id}#amend:${requestHash}` : request.order_id;

    const query: LoadQuery = {
      accountId: request.account_id,
      symbol: subject.symbol,
      orderId: idempotencyId,
      nowMs,
      rateWindowMs: account.limits.order_rate_window_ms,
      // The same member on every attempt: a re-decision is counted in the throttle once.
      rateMember: decisionId,
      maxOrdersPerWindow: account.limits.max_orders_per_window,
      markMaxAgeMs: account.limits.mark_max_age_ms,
      referenceMaxAgeMs: account.limits.reference_max_age_ms,
      ...(isAmend(request) ? { amendOf: request.order_id } : {}),
    };
    let conflicts = 0;
    let stales = 0;
    /**
     * One decision: on the store's copy of the state when it kept one (no read), else on a
     * fresh read; then the commit, which writes only if that is still the state in the store.
     * 'stale' (the copy had moved) re-decides at once on what the commit found; 'conflict'
     * (the state moved between this request's own read and its commit) is contention.
     */
    const attemptOnce = async (): Promise<ValidateOrderResult | 'stale' | 'conflict'> => {
      let loaded: LoadedState;
      try {
        loaded = deps.store.cached?.(query) ?? (await deps.store.load(query));
      } catch (error) {
        return reject([unavailable(error, 'risk state')], account, { failure: 'risk state' });
      }

      if (loaded.previous) {
        if (loaded.previous.requestHash === requestHash) return { response: loaded.previous.response, replayed: true };
        return reject(
          [
            {
              code: 'DUPLICATE_ORDER_ID',
              message: `order_id ${request.order_id} was already used for a different order`,
            },
          ],
          account,
          { original_decision_id: loaded.previous.response.decision_id },
        );
      }

      const { state } = loaded;
      const { evaluation, reservation } = decide(request, account, state, decisionId, nowMs);
      const response = respond(evaluation.decision, [...evaluation.reasons], account, state);
      const record: DecisionRecord = {
        ...recordOf(response, account, {
          ...inputsOf(state, evaluation.notional, conflicts),
          // Every rule input, for the limits what-if to replay (shared/domain/limits/what-if.ts).
          state: recordState(state, subject.symbol, account.enabled),
        }),
        ...(reservation ? { reservation: reservationToRecord(reservation) } : {}),
      };

      try {
        const winner = await deps.store.commit(record, ttl, {
          idempotencyId,
          query,
          ordersInWindow: state.ordersInWindow,
          ...(loaded.snapshot !== undefined ? { snapshot: loaded.snapshot } : {}),
        });
        if (isStateMoved(winner)) {
          // A stale copy is expected (someone wrote since the copy was kept); bounded all the same.
          if (loaded.cached && stales++ < maxRetries) return 'stale';
          deps.onBookConflict?.(request.account_id);
          conflicts++;
          if (conflicts <= maxRetries) return 'conflict';
          return reject(
            [
              {
                code: 'BOOK_CONTENDED',
                message: `the book of ${request.account_id} changed under ${conflicts} attempts to decide; retry`,
              },
            ],
            account,
            { failure: 'book contended', attempts: conflicts, evaluated: evaluation.decision },
          );
        }
        if (winner) {
          if (winner.requestHash === requestHash) return { response: winner.response, replayed: true };
          return reject(
            [
              {
                code: 'DUPLICATE_ORDER_ID',
                message: `order_id ${request.order_id} was already used for a different order`,
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
    };

    // The decisions of one account are made one after another in this process, first attempts
    // included (see KeyedSerializer): each is made on the copy the previous commit left, so it
    // costs one trip. Raced, N concurrent orders of one account all decided on the same copy,
    // all but one commit found the book moved, and the retries raced again: ~3 trips a
    // decision at 16 in flight, some BOOK_CONTENDED (issue #16). Safety does not rest on this
    // queue: every commit still writes only on the very state its decision was made on. A
    // stale copy is followed by a decision on what its commit found (the store's own read
    // for this request), so 'stale' cannot repeat without a conflict or an answer between.
    return decisions.run(request.account_id, async () => {
      for (;;) {
        const next = await attemptOnce();
        if (next !== 'stale' && next !== 'conflict') return next;
      }
    });
  };
}

/** What a response names: the order, its account and its symbol (a cancel may omit the symbol). */
interface DecisionSubject {
  readonly account_id: string;
  readonly order_id: string;
  readonly symbol: string;
}

function subjectOf(request: RiskRequest): DecisionSubject {
  return { account_id: request.account_id, order_id: request.order_id, symbol: request.symbol ?? '' };
}

/** Evaluates a new order or an amend, and the reservation its accept writes. */
function decide(
  request: OrderRequest | AmendRequest,
  account: AccountRecord,
  state: RiskState,
  decisionId: string,
  nowMs: number,
): { evaluation: Evaluation; reservation: Reservation | null } {
  const ttlMs = account.limits.reservation_ttl_ms;
  if (isAmend(request)) {
    const evaluation = evaluateAmend(request, account, state, nowMs);
    const target = state.amendTarget;
    const reservation = target ? amendReservationFor(request, target, evaluation, decisionId, nowMs, ttlMs) : null;
    return { evaluation, reservation };
  }
  const evaluation = evaluateOrder(request, account, state, nowMs);
  return { evaluation, reservation: reservationFor(request, evaluation, decisionId, nowMs, ttlMs) };
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
  order: DecisionSubject,
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

/**
 * The inputs kept with the decision beside its recorded state (`inputs.state`, which holds
 * every rule input: mark, reference, breaker, kill switches, positions, daily counters, open
 * orders, balances, account feed): what the state does not say. The summary fields that
 * repeated the state (mark, positions, open orders...) were written and shipped to Redis a
 * second time with every decision (issue #16); `orders_in_window` stays at the top, where
 * the store records the count its commit found.
 */
function inputsOf(state: RiskState, notional: Decimal | null, retries: number): Record<string, unknown> {
  return {
    ...(retries > 0 ? { book_retries: retries } : {}),
    notional: notional?.toString() ?? null,
    orders_in_window: state.ordersInWindow,
  };
}
