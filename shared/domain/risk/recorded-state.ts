import * as z from 'zod';
import { Decimal } from '../decimal.js';
import { orderTypeSchema, sideSchema, symbolSchema } from '../order.js';
import type { OpenOrders, SideOrders, SymbolOrders } from './exposure.js';
import type { OpenOrder, RiskState } from './state.js';

/**
 * Every input the rules read besides the order and the limits, as the decision's audit row
 * keeps it (`inputs.state`), so a recorded decision can be replayed through the same rule
 * code under other limits (the limits what-if). The older summary fields of `inputs` were
 * written for people and leave out what a replay needs (instrument increments, universe
 * membership, the marks of held symbols, open orders beyond their quantity, the amend's
 * target). Decimals are strings, exact; a decision recorded without this block is not
 * replayable, and the what-if says so.
 */
export const RECORDED_STATE_VERSION = 1;

/** Signed decimals (positions, PnL) as exact strings. */
const signed = z.string().transform((text, ctx) => {
  const value = Decimal.tryParse(text);
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a decimal: ${text.slice(0, 40)}` });
    return z.NEVER;
  }
  return value;
});
const decimalMap = z.record(z.string(), signed);

const sideOrdersSchema = z.strictObject({
  qty: signed,
  notional: signed,
  count: z.number().int().nonnegative(),
  reduce_only_qty: signed,
});
const bySide = z.strictObject({ buy: sideOrdersSchema, sell: sideOrdersSchema });

const recordedStateSchema = z.strictObject({
  v: z.literal(RECORDED_STATE_VERSION),
  account_enabled: z.boolean(),
  instrument: z
    .strictObject({ status: z.string(), price_increment: signed, qty_increment: signed, qty_min: signed })
    .nullable(),
  mark: z
    .strictObject({
      bid: signed,
      ask: signed,
      mid: signed,
      spread_bps: signed,
      receive_ts_ms: z.number(),
      verified_ts_ms: z.number().nullable(),
      exchange_ts_ms: z.number().nullable(),
      live: z.boolean(),
    })
    .nullable(),
  reference: z.strictObject({ price: signed, updated_at_ms: z.number() }).nullable(),
  breaker: z.strictObject({ reason: z.string() }).nullable(),
  kill_switches: z.array(
    z.strictObject({
      scope: z.enum(['global', 'account', 'symbol']),
      reason: z.string(),
      allow_reduce_only: z.boolean(),
    }),
  ),
  /** Whether the order's symbol was in the published universe; null when none was published. */
  in_universe: z.boolean().nullable(),
  positions: decimalMap,
  marks: decimalMap,
  daily_realised_pnl: signed,
  daily_fees: signed,
  orders_in_window: z.number().int().nonnegative(),
  open_orders: z.record(z.string(), z.strictObject({ working: bySide, pending: bySide })).nullable(),
  balances: decimalMap.nullable(),
  amend_target: z
    .strictObject({
      order_id: z.string(),
      symbol: symbolSchema,
      side: sideSchema,
      type: orderTypeSchema,
      stage: z.enum(['pending', 'working']),
      order_qty: signed,
      filled_qty: signed,
      limit_price: signed.nullable(),
      trigger_price: signed.nullable(),
      worst_price: signed,
      reduce_only: z.boolean(),
    })
    .nullable()
    .optional(),
  account_feed_usable: z.boolean().nullable(),
});

export type RecordedStateJson = z.input<typeof recordedStateSchema>;

const text = (d: Decimal) => d.toString();
const mapText = (m: ReadonlyMap<string, Decimal>) => Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));
const sideText = (s: SideOrders) => ({
  qty: text(s.qty),
  notional: text(s.notional),
  count: s.count,
  reduce_only_qty: text(s.reduceOnlyQty),
});
const symbolOrdersText = (o: SymbolOrders) => ({
  working: { buy: sideText(o.working.buy), sell: sideText(o.working.sell) },
  pending: { buy: sideText(o.pending.buy), sell: sideText(o.pending.sell) },
});

/** The state a decision was made on, JSON-ready, for the audit row. */
export function recordState(state: RiskState, symbol: string, accountEnabled: boolean): RecordedStateJson {
  const target = state.amendTarget;
  return {
    v: RECORDED_STATE_VERSION,
    account_enabled: accountEnabled,
    instrument: state.instrument
      ? {
          status: state.instrument.status,
          price_increment: text(state.instrument.priceIncrement),
          qty_increment: text(state.instrument.qtyIncrement),
          qty_min: text(state.instrument.qtyMin),
        }
      : null,
    mark: state.mark
      ? {
          bid: text(state.mark.bid),
          ask: text(state.mark.ask),
          mid: text(state.mark.mid),
          spread_bps: text(state.mark.spreadBps),
          receive_ts_ms: state.mark.receiveTsMs,
          verified_ts_ms: state.mark.verifiedTsMs ?? null,
          exchange_ts_ms: state.mark.exchangeTsMs,
          live: state.mark.live,
        }
      : null,
    reference: state.reference
      ? { price: text(state.reference.price), updated_at_ms: state.reference.updatedAtMs }
      : null,
    breaker: state.breaker ? { reason: state.breaker.reason } : null,
    kill_switches: state.killSwitches.map((k) => ({
      scope: k.scope,
      reason: k.reason,
      allow_reduce_only: k.allowReduceOnly,
    })),
    in_universe: state.universe ? state.universe.has(symbol) : null,
    positions: mapText(state.positions),
    marks: mapText(state.marks),
    daily_realised_pnl: text(state.dailyRealisedPnl),
    daily_fees: text(state.dailyFees),
    orders_in_window: state.ordersInWindow,
    open_orders: state.openOrders
      ? Object.fromEntries([...state.openOrders].map(([s, o]) => [s, symbolOrdersText(o)]))
      : null,
    balances: state.balances ? mapText(state.balances) : null,
    ...(target === undefined
      ? {}
      : {
          amend_target: target
            ? {
                order_id: target.orderId,
                symbol: target.symbol,
                side: target.side,
                type: target.type,
                stage: target.stage,
                order_qty: text(target.orderQty),
                filled_qty: text(target.filledQty),
                limit_price: target.limitPrice ? text(target.limitPrice) : null,
                trigger_price: target.triggerPrice ? text(target.triggerPrice) : null,
                worst_price: text(target.worstPrice),
                reduce_only: target.reduceOnly,
              }
            : null,
        }),
    account_feed_usable: state.accountFeedUsable ?? null,
  };
}

/** A recorded state read back: the rules' input, or why it cannot be. */
export type RestoredState =
  | { readonly ok: true; readonly state: RiskState; readonly accountEnabled: boolean }
  | { readonly ok: false; readonly detail: string };

/**
 * The {@link RiskState} a decision was made on, from its audit row's `inputs.state`, for the
 * order's `symbol`. Refuses (never guesses) a block that is missing or malformed.
 */
export function restoreState(recorded: unknown, symbol: string): RestoredState {
  if (recorded === undefined || recorded === null) return { ok: false, detail: 'no recorded state' };
  const parsed = recordedStateSchema.safeParse(recorded);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      detail: `recorded state unreadable at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    };
  }
  const r = parsed.data;
  const side = (s: z.output<typeof sideOrdersSchema>): SideOrders => ({
    qty: s.qty,
    notional: s.notional,
    count: s.count,
    reduceOnlyQty: s.reduce_only_qty,
  });
  const openOrders: OpenOrders | undefined = r.open_orders
    ? new Map(
        Object.entries(r.open_orders).map(([s, o]) => [
          s,
          {
            working: { buy: side(o.working.buy), sell: side(o.working.sell) },
            pending: { buy: side(o.pending.buy), sell: side(o.pending.sell) },
          },
        ]),
      )
    : undefined;
  const t = r.amend_target;
  const amendTarget: OpenOrder | null | undefined =
    t === undefined
      ? undefined
      : t === null
        ? null
        : {
            orderId: t.order_id,
            symbol: t.symbol,
            side: t.side,
            type: t.type,
            stage: t.stage,
            orderQty: t.order_qty,
            filledQty: t.filled_qty,
            ...(t.limit_price ? { limitPrice: t.limit_price } : {}),
            ...(t.trigger_price ? { triggerPrice: t.trigger_price } : {}),
            worstPrice: t.worst_price,
            reduceOnly: t.reduce_only,
          };
  const state: RiskState = {
    instrument: r.instrument
      ? {
          symbol,
          status: r.instrument.status,
          priceIncrement: r.instrument.price_increment,
          qtyIncrement: r.instrument.qty_increment,
          qtyMin: r.instrument.qty_min,
        }
      : null,
    mark: r.mark
      ? {
          bid: r.mark.bid,
          ask: r.mark.ask,
          mid: r.mark.mid,
          spreadBps: r.mark.spread_bps,
          receiveTsMs: r.mark.receive_ts_ms,
          ...(r.mark.verified_ts_ms === null ? {} : { verifiedTsMs: r.mark.verified_ts_ms }),
          exchangeTsMs: r.mark.exchange_ts_ms,
          live: r.mark.live,
        }
      : null,
    reference: r.reference ? { price: r.reference.price, updatedAtMs: r.reference.updated_at_ms } : null,
    breaker: r.breaker,
    killSwitches: r.kill_switches.map((k) => ({
      scope: k.scope,
      reason: k.reason,
      allowReduceOnly: k.allow_reduce_only,
    })),
    // The rules ask the universe one question, about the order's symbol: its answer is kept.
    universe: r.in_universe === null ? null : new Set(r.in_universe ? [symbol] : []),
    positions: new Map(Object.entries(r.positions)),
    marks: new Map(Object.entries(r.marks)),
    dailyRealisedPnl: r.daily_realised_pnl,
    dailyFees: r.daily_fees,
    ordersInWindow: r.orders_in_window,
    ...(openOrders ? { openOrders } : {}),
    ...(r.balances ? { balances: new Map(Object.entries(r.balances)) } : {}),
    ...(amendTarget !== undefined ? { amendTarget } : {}),
    ...(r.account_feed_usable === null ? {} : { accountFeedUsable: r.account_feed_usable }),
  };
  return { ok: true, state, accountEnabled: r.account_enabled };
}
