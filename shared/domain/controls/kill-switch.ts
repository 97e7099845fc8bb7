import * as z from 'zod';
import { accountIdSchema, symbolSchema } from '../order.js';

/**
 * The kill switch, pure: request schemas, the event it emits, and the two-person release
 * rule. Engaging takes one risk manager; releasing takes two distinct ones within a window,
 * so no single person can undo it alone.
 */
export const KILL_SWITCH_SCOPES = ['global', 'account', 'symbol'] as const;
export type KillScope = (typeof KILL_SWITCH_SCOPES)[number];

export const KILL_REASON_CODES = [
  'manual',
  'spread_widening',
  'latency_stall',
  'loss_cap_breach',
  'exchange_incident',
  'data_quality',
  'drill',
] as const;

export const KILL_ACTIONS = ['CANCEL_OPEN_ORDERS', 'FLATTEN_POSITIONS'] as const;
export const KILL_SWITCH_TRIGGERED = 'KILL_SWITCH_TRIGGERED';
export const KILL_SWITCH_RELEASED = 'KILL_SWITCH_RELEASED';
/** Default time within which the second approver must follow the first. */
export const DEFAULT_RELEASE_WINDOW_MS = 15 * 60_000;

const actorSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9._@-]');

const scopeTarget = z.discriminatedUnion('scope', [
  z.strictObject({ scope: z.literal('global'), target: z.literal('*').default('*') }),
  z.strictObject({ scope: z.literal('account'), target: accountIdSchema }),
  z.strictObject({ scope: z.literal('symbol'), target: symbolSchema }),
]);

/**
 * Checks a request's `target` against its `scope` (`*` for global, an account id, a symbol)
 * and returns the request with the normalised target; issues are reported on `target`.
 */
function withScopedTarget<T extends { scope: KillScope; target?: string | undefined }>(
  body: T,
  ctx: z.RefinementCtx,
): Omit<T, 'target'> & { target: string } {
  const parsed = scopeTarget.safeParse({ scope: body.scope, target: body.target });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['target'] } as never);
    return z.NEVER;
  }
  return { ...body, target: parsed.data.target };
}

export const engageRequestSchema = z
  .strictObject({
    scope: z.enum(KILL_SWITCH_SCOPES),
    target: z.string().optional(),
    reason: z.enum(KILL_REASON_CODES),
    actor: actorSchema,
    /** Whether reduce-only orders may still pass while engaged. @default true */
    allow_reduce_only: z.boolean().default(true),
    note: z.string().max(500).optional(),
  })
  .transform(withScopedTarget);

export const releaseRequestSchema = z
  .strictObject({
    scope: z.enum(KILL_SWITCH_SCOPES),
    target: z.string().optional(),
    actor: actorSchema,
    reason: z.string().min(3).max(500),
  })
  .transform(withScopedTarget);

export type EngageRequest = z.output<typeof engageRequestSchema>;
export type ReleaseRequest = z.output<typeof releaseRequestSchema>;

/** The event consumers (kill-executor, OMS) act on. */
export interface KillSwitchTriggeredEvent {
  readonly type: typeof KILL_SWITCH_TRIGGERED;
  readonly event_id: string;
  readonly scope: KillScope;
  readonly target: string;
  readonly reason: string;
  readonly actor: string;
  readonly engaged_at: string;
  readonly actions: readonly (typeof KILL_ACTIONS)[number][];
}

/** An engaged kill switch of one scope: what the risk API enforces and the admin API lists. */
export interface KillSwitchState {
  readonly scope: KillScope;
  readonly target: string;
  readonly engaged: boolean;
  readonly reason: string;
  readonly actor: string;
  readonly sinceMs: number;
  readonly allowReduceOnly: boolean;
  readonly eventId: string;
}

export interface Approval {
  readonly actor: string;
  readonly atMs: number;
}

export type ReleaseOutcome =
  | { readonly kind: 'released'; readonly approvers: readonly string[] }
  | { readonly kind: 'pending'; readonly approvers: readonly string[]; readonly expiresAtMs: number }
  | { readonly kind: 'same_approver'; readonly approvers: readonly string[] };

/**
 * Adds `approval` to the approvals still inside the window. Two distinct actors release;
 * the same actor approving twice is refused; an approval older than the window no longer
 * counts (the first approver has to ask again).
 */
export function decideRelease(
  existing: readonly Approval[],
  approval: Approval,
  windowMs: number = DEFAULT_RELEASE_WINDOW_MS,
): ReleaseOutcome {
  const live = existing.filter((a) => approval.atMs - a.atMs <= windowMs);
  if (live.some((a) => a.actor === approval.actor)) {
    return { kind: 'same_approver', approvers: live.map((a) => a.actor) };
  }
  const approvers = [...live.map((a) => a.actor), approval.actor];
  if (approvers.length >= 2) return { kind: 'released', approvers };
  return { kind: 'pending', approvers, expiresAtMs: approval.atMs + windowMs };
}
