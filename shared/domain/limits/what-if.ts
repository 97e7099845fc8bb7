import { isAmend, isCancel, type RiskRequest, riskRequestSchema } from '../order.js';
import type { Reason } from '../reasons.js';
import type { AccountLimits, AccountRecord } from '../risk/limits.js';
import { restoreState } from '../risk/recorded-state.js';
import { type Evaluation, evaluateAmend, evaluateCancel, evaluateOrder } from '../risk/rules.js';
import type { RiskState } from '../risk/state.js';
import { WhatIfRangeTooLongError } from './errors.js';

/**
 * The limits what-if: an account's recorded decisions replayed through the same rule code
 * (shared/domain/risk/rules.ts) under proposed limits, reporting every decision that would
 * have gone the other way, by reason code. Pure: the caller reads the decisions and the
 * limits versions they were made under; nothing here does I/O or reads a clock.
 *
 * Each decision is replayed on the state it was made on. First, under the limits it was
 * recorded with: a replay that does not give back the recorded answer and reasons is not
 * trusted, and the decision is reported as not replayable (REPLAY_DIVERGED) instead of
 * guessed at. Then under the proposal. What a flipped decision would have changed after it
 * (its reservation, its fills, the throttle count) is not simulated: every later decision
 * keeps the state it really saw. The report says so in `assumptions`.
 */

/** One row of the decision audit, as the what-if reads it. */
export interface RecordedDecision {
  readonly decisionId: string;
  /** ISO timestamp: the `nowMs` the rules ran with. */
  readonly decidedAt: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly decision: 'accept' | 'reject';
  readonly reasonCodes: readonly string[];
  readonly limitsVersion: number | null;
  /** The request as the strategy sent it. */
  readonly request: unknown;
  /** The decision's recorded inputs; `inputs.state` holds every rule input. */
  readonly inputs: unknown;
}

/** Why a recorded decision cannot be replayed; stable, machine-readable. */
export const NOT_REPLAYABLE_CAUSES = [
  /** Refused before the rules ran (store unavailable, duplicate order id, contended book, unknown account). */
  'NOT_EVALUATED',
  /** Recorded before decisions kept every rule input (`inputs.state`). */
  'STATE_NOT_RECORDED',
  /** `inputs.state` or the request is there but cannot be read back. */
  'STATE_UNREADABLE',
  /** The limits version the decision was made under is not known. */
  'LIMITS_VERSION_UNKNOWN',
  /** Under its own limits the replay does not give back the recorded answer. */
  'REPLAY_DIVERGED',
  /** The proposal changes the throttle window, and the recorded count cannot tell the answer. */
  'RATE_WINDOW_CHANGED',
] as const;
export type NotReplayableCause = (typeof NOT_REPLAYABLE_CAUSES)[number];

/** Reason codes with which the gate refused without running the rules: nothing to replay. */
const NOT_EVALUATED_CODES: ReadonlySet<string> = new Set([
  'UNKNOWN_ACCOUNT',
  'RISK_STATE_UNAVAILABLE',
  'DUPLICATE_ORDER_ID',
  'BOOK_CONTENDED',
]);

export interface FlipExample {
  readonly decision_id: string;
  readonly order_id: string;
  readonly symbol: string;
  readonly decided_at: string;
  readonly recorded: { readonly decision: 'accept' | 'reject'; readonly reasons: readonly string[] };
  readonly proposed: { readonly decision: 'accept' | 'reject'; readonly reasons: readonly Reason[] };
}

export interface FlipGroup {
  readonly count: number;
  /**
   * Per reason code, the flipped decisions it explains: for accept -> reject the codes the
   * proposal adds; for reject -> accept the recorded codes it lifts. A decision counts once
   * under each of its codes.
   */
  readonly by_reason: Readonly<Record<string, number>>;
  readonly examples: readonly FlipExample[];
}

export interface NotReplayableExample {
  readonly decision_id: string;
  readonly order_id: string;
  readonly decided_at: string;
  readonly cause: NotReplayableCause;
  readonly detail: string;
}

export interface WhatIfReport {
  readonly account_id: string;
  readonly from: string;
  readonly to: string;
  readonly totals: {
    /** Recorded decisions of the account in [from, to). */
    readonly decisions: number;
    readonly replayed: number;
    readonly unchanged: number;
    readonly flipped: number;
    readonly not_replayable: number;
  };
  readonly flips: { readonly accept_to_reject: FlipGroup; readonly reject_to_accept: FlipGroup };
  /** Rejected either way, but for other reasons. */
  readonly reasons_changed: FlipGroup;
  readonly not_replayable: {
    readonly count: number;
    readonly by_cause: Readonly<Partial<Record<NotReplayableCause, number>>>;
    readonly examples: readonly NotReplayableExample[];
  };
  /** The limits versions the replayed decisions were recorded under. */
  readonly recorded_limits_versions: readonly number[];
  readonly assumptions: readonly string[];
}

export interface WhatIfInput {
  readonly accountId: string;
  /** Inclusive start and exclusive end (ISO), as read. */
  readonly from: string;
  readonly to: string;
  readonly proposed: AccountLimits;
  /** Every limits version of the account the decisions may name. */
  readonly recordedLimits: ReadonlyMap<number, AccountLimits>;
  /** The account's decisions in the range, oldest first. */
  readonly decisions: readonly RecordedDecision[];
  /** Examples kept per group. */
  readonly maxExamples: number;
}

export const WHAT_IF_ASSUMPTIONS: readonly string[] = [
  'Each decision is replayed on the state it was made on (marks, positions, open orders, breakers, kill switches), through the same rules.',
  'A decision is trusted only when its replay under the limits it was recorded with gives back the recorded answer and reasons; otherwise it is listed as not replayable.',
  'What a flipped decision would have changed afterwards (its reservation, its fills, the throttle count) is not simulated: later decisions keep the state they saw.',
];

/** Refuses a range longer than the bound (the caller checks `from < to` with its schema). */
export function checkWhatIfRange(from: string, to: string, maxRangeMs: number): void {
  const span = Date.parse(to) - Date.parse(from);
  if (span > maxRangeMs) throw new WhatIfRangeTooLongError(span, maxRangeMs);
}

interface GroupBuilder {
  count: number;
  byReason: Map<string, number>;
  examples: FlipExample[];
}

const newGroup = (): GroupBuilder => ({ count: 0, byReason: new Map(), examples: [] });

function addTo(group: GroupBuilder, codes: Iterable<string>, example: FlipExample, maxExamples: number): void {
  group.count += 1;
  for (const code of new Set(codes)) group.byReason.set(code, (group.byReason.get(code) ?? 0) + 1);
  if (group.examples.length < maxExamples) group.examples.push(example);
}

function groupJson(group: GroupBuilder): FlipGroup {
  return {
    count: group.count,
    by_reason: Object.fromEntries([...group.byReason].sort(([a], [b]) => a.localeCompare(b))),
    examples: group.examples,
  };
}

const sameCodes = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((code, i) => code === [...b].sort()[i]);

/** Runs the rules on one request, as the risk API's use case does. */
function evaluate(request: RiskRequest, account: AccountRecord, state: RiskState, nowMs: number): Evaluation {
  if (isCancel(request)) return evaluateCancel();
  if (isAmend(request)) return evaluateAmend(request, account, state, nowMs);
  return evaluateOrder(request, account, state, nowMs);
}

/**
 * The throttle count the proposal's window would have seen, when the recorded count settles
 * it: a shorter window holds at most as many orders (a pass stays a pass), a longer one at
 * least as many (a breach stays a breach). Null when it cannot be told.
 */
function rateCountUnder(recorded: AccountLimits, proposed: AccountLimits, count: number): number | null {
  if (proposed.order_rate_window_ms === recorded.order_rate_window_ms) return count;
  if (proposed.order_rate_window_ms < recorded.order_rate_window_ms && count <= proposed.max_orders_per_window) {
    return count;
  }
  if (proposed.order_rate_window_ms > recorded.order_rate_window_ms && count > proposed.max_orders_per_window) {
    return count;
  }
  return null;
}

type Replay =
  | { readonly ok: true; readonly proposed: Evaluation }
  | { readonly ok: false; readonly cause: NotReplayableCause; readonly detail: string };

function replayOne(input: WhatIfInput, d: RecordedDecision): Replay {
  const refusedBy = d.reasonCodes.filter((code) => NOT_EVALUATED_CODES.has(code));
  if (refusedBy.length > 0) {
    return { ok: false, cause: 'NOT_EVALUATED', detail: `refused before the rules ran: ${refusedBy.join(', ')}` };
  }
  const request = riskRequestSchema.safeParse(d.request);
  if (!request.success) return { ok: false, cause: 'STATE_UNREADABLE', detail: 'the recorded request does not parse' };
  const nowMs = Date.parse(d.decidedAt);
  if (isCancel(request.data)) return { ok: true, proposed: evaluateCancel() };

  const recordedState = (d.inputs as { state?: unknown } | null)?.state;
  if (recordedState === undefined) {
    return {
      ok: false,
      cause: 'STATE_NOT_RECORDED',
      detail: 'recorded before decisions kept every rule input (instrument increments, universe, marks, open orders)',
    };
  }
  const restored = restoreState(recordedState, d.symbol);
  if (!restored.ok) return { ok: false, cause: 'STATE_UNREADABLE', detail: restored.detail };

  const recordedLimits = d.limitsVersion === null ? undefined : input.recordedLimits.get(d.limitsVersion);
  if (!recordedLimits || d.limitsVersion === null) {
    return { ok: false, cause: 'LIMITS_VERSION_UNKNOWN', detail: `limits version ${d.limitsVersion} is not on record` };
  }
  const accountUnder = (limits: AccountLimits): AccountRecord => ({
    accountId: input.accountId,
    enabled: restored.accountEnabled,
    limitsVersion: d.limitsVersion as number,
    limits,
  });

  const baseline = evaluate(request.data, accountUnder(recordedLimits), restored.state, nowMs);
  const baselineCodes = baseline.reasons.map((r) => r.code);
  if (baseline.decision !== d.decision || !sameCodes(baselineCodes, d.reasonCodes)) {
    return {
      ok: false,
      cause: 'REPLAY_DIVERGED',
      detail: `recorded ${d.decision} [${d.reasonCodes.join(', ')}], replayed ${baseline.decision} [${baselineCodes.join(', ')}]`,
    };
  }

  const count = rateCountUnder(recordedLimits, input.proposed, restored.state.ordersInWindow);
  if (count === null) {
    return {
      ok: false,
      cause: 'RATE_WINDOW_CHANGED',
      detail: `${restored.state.ordersInWindow} orders in ${recordedLimits.order_rate_window_ms} ms do not tell how many a ${input.proposed.order_rate_window_ms} ms window held`,
    };
  }
  const state = { ...restored.state, ordersInWindow: count };
  return { ok: true, proposed: evaluate(request.data, accountUnder(input.proposed), state, nowMs) };
}

/** Replays the account's recorded decisions under the proposed limits; see the module comment. */
export function replayUnderLimits(input: WhatIfInput): WhatIfReport {
  const acceptToReject = newGroup();
  const rejectToAccept = newGroup();
  const reasonsChanged = newGroup();
  const notReplayable: NotReplayableExample[] = [];
  const byCause = new Map<NotReplayableCause, number>();
  const versions = new Set<number>();
  let notReplayableCount = 0;
  let unchanged = 0;

  for (const d of input.decisions) {
    const replay = replayOne(input, d);
    if (!replay.ok) {
      notReplayableCount += 1;
      byCause.set(replay.cause, (byCause.get(replay.cause) ?? 0) + 1);
      if (notReplayable.length < input.maxExamples) {
        notReplayable.push({
          decision_id: d.decisionId,
          order_id: d.orderId,
          decided_at: d.decidedAt,
          cause: replay.cause,
          detail: replay.detail,
        });
      }
      continue;
    }
    if (d.limitsVersion !== null) versions.add(d.limitsVersion);
    const proposedCodes = replay.proposed.reasons.map((r) => r.code);
    const example: FlipExample = {
      decision_id: d.decisionId,
      order_id: d.orderId,
      symbol: d.symbol,
      decided_at: d.decidedAt,
      recorded: { decision: d.decision, reasons: d.reasonCodes },
      proposed: { decision: replay.proposed.decision, reasons: replay.proposed.reasons },
    };
    if (d.decision === 'accept' && replay.proposed.decision === 'reject') {
      addTo(acceptToReject, proposedCodes, example, input.maxExamples);
    } else if (d.decision === 'reject' && replay.proposed.decision === 'accept') {
      addTo(rejectToAccept, d.reasonCodes, example, input.maxExamples);
    } else {
      unchanged += 1;
      if (d.decision === 'reject' && !sameCodes(proposedCodes, d.reasonCodes)) {
        const added = proposedCodes.filter((code) => !d.reasonCodes.includes(code));
        const lifted = d.reasonCodes.filter((code) => !(proposedCodes as readonly string[]).includes(code));
        addTo(
          reasonsChanged,
          [...added.map((c) => `+${c}`), ...lifted.map((c) => `-${c}`)],
          example,
          input.maxExamples,
        );
      }
    }
  }

  return {
    account_id: input.accountId,
    from: input.from,
    to: input.to,
    totals: {
      decisions: input.decisions.length,
      replayed: input.decisions.length - notReplayableCount,
      unchanged,
      flipped: acceptToReject.count + rejectToAccept.count,
      not_replayable: notReplayableCount,
    },
    flips: { accept_to_reject: groupJson(acceptToReject), reject_to_accept: groupJson(rejectToAccept) },
    reasons_changed: groupJson(reasonsChanged),
    not_replayable: {
      count: notReplayableCount,
      by_cause: Object.fromEntries([...byCause].sort(([a], [b]) => a.localeCompare(b))),
      examples: notReplayable,
    },
    recorded_limits_versions: [...versions].sort((a, b) => a - b),
    assumptions: WHAT_IF_ASSUMPTIONS,
  };
}
