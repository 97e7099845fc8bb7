import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Decimal } from '../../../shared/domain/decimal.js';

/**
 * The account side of a fake Kraken: per API key, open orders with Kraken's lifecycle,
 * trades, balances, WebSocket tokens and the dead man's switch. The REST fake
 * (test/fakes/kraken-rest/server.ts: GetWebSocketsToken, AddOrder, CancelOrder, CancelAll,
 * CancelAllOrdersAfter, QueryOrders) and the authenticated WS v2 fake (./ws-server.ts: executions,
 * balances, cancel_order, cancel_all_orders_after) both drive this one venue, and tests
 * drive it directly (fill, partial fill, cancel, expire, amend, an order placed behind the
 * gate's back).
 *
 * Every change is emitted as the `executions` entry Kraken would send (same field names,
 * amounts as JSON numbers with their exact text), so the WS fake only forwards them.
 */

/** A JSON number written with this exact text (Kraken's `0.50000000`). */
export class WireNumber {
  constructor(readonly text: string) {}
}
export type WireValue = string | number | boolean | WireNumber | null | undefined | WireValue[] | WireObject;
export interface WireObject {
  [key: string]: WireValue;
}

const NUMBER_MARK = '\u0000n:';
/** JSON text of a wire object, {@link WireNumber}s written as bare numbers. */
export function wireJson(value: WireValue): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof WireNumber ? `${NUMBER_MARK}${v.text}` : v)).replace(
    /"\\u0000n:([^"]+)"/g,
    '$1',
  );
}

export type FakeOrderStatus = 'pending_new' | 'new' | 'partially_filled' | 'filled' | 'canceled' | 'expired';

export interface FakeOrder {
  readonly orderId: string;
  readonly apiKey: string;
  readonly clOrdId?: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly orderType: string;
  orderQty: string;
  limitPrice?: string;
  cumQty: string;
  cumCost: string;
  status: FakeOrderStatus;
  readonly openedAt: string;
  /** When it closed (filled, canceled, expired): Unix seconds, as REST `closetm`. */
  closeTime?: number;
  /** Why it was canceled or expired, as REST `reason`. */
  closeReason?: string;
}

export interface FakeTrade {
  readonly execId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly orderType: string;
  readonly qty: string;
  readonly price: string;
  readonly fee: string;
  readonly orderStatus: 'partially_filled' | 'filled';
  readonly timestamp: string;
}

export interface NewOrder {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly orderQty: string;
  readonly orderType?: string;
  readonly limitPrice?: string;
  readonly clOrdId?: string;
}

export interface VenueOptions {
  /** Length of one of Kraken's seconds for `cancel_all_orders_after`, so tests need not wait a minute. @default 1000 */
  readonly msPerSecond?: number;
  /** Fee rate charged on fills (USD). @default 0.0026 */
  readonly feeRate?: string;
}

interface AccountState {
  readonly balances: Map<string, string>;
  deadMansTimer?: NodeJS.Timeout;
  deadMansTriggerAt?: number;
}

/** Events: `execution` (apiKey, entry), `balance` (apiKey, entry), `deadMansSwitchFired` (apiKey, canceled count). */
export class FakeKrakenVenue extends EventEmitter {
  readonly msPerSecond: number;
  private readonly feeRate: Decimal;
  private readonly accounts = new Map<string, AccountState>();
  private readonly tokens = new Map<string, string>();
  private readonly orders = new Map<string, FakeOrder>();
  private readonly trades: FakeTrade[] = [];
  /** Every `cancel_all_orders_after` request: key, timeout, when. */
  readonly deadMansRequests: { apiKey: string; timeoutSeconds: number; at: number }[] = [];
  private clock = 0;
  /**
   * Trades an `executions` snapshot carries (Kraken: the last 50). A test shrinks it to make a
   * trade fall out of the snapshot, as it does on Kraken after 50 later trades.
   */
  snapshotTradeCount = 50;

  constructor(options: VenueOptions = {}) {
    super();
    this.msPerSecond = options.msPerSecond ?? 1_000;
    this.feeRate = Decimal.parse(options.feeRate ?? '0.0026');
  }

  registerKey(apiKey: string, balances: Record<string, string> = { USD: '100000.0000', BTC: '1.5000000000' }): void {
    if (!this.accounts.has(apiKey)) this.accounts.set(apiKey, { balances: new Map(Object.entries(balances)) });
  }

  /** A WebSocket token for the key (valid for any number of connections, as Kraken's is while in use). */
  issueToken(apiKey: string): string {
    this.requireAccount(apiKey);
    const token = randomBytes(24).toString('base64');
    this.tokens.set(token, apiKey);
    return token;
  }

  keyOfToken(token: string): string | undefined {
    return this.tokens.get(token);
  }

  /** Revokes every token of the key (a rotated or deleted key). */
  revokeTokens(apiKey: string): void {
    for (const [token, key] of this.tokens) if (key === apiKey) this.tokens.delete(token);
  }

  /** Places an order (AddOrder, or a test placing one "behind the gate's back"): pending_new then new. */
  addOrder(apiKey: string, order: NewOrder): FakeOrder {
    this.requireAccount(apiKey);
    const placed: FakeOrder = {
      orderId: krakenId('O'),
      apiKey,
      clOrdId: order.clOrdId,
      symbol: order.symbol,
      side: order.side,
      orderType: order.orderType ?? 'limit',
      orderQty: Decimal.parse(order.orderQty).toFixed(8),
      limitPrice: order.limitPrice,
      cumQty: '0',
      cumCost: '0',
      status: 'pending_new',
      openedAt: this.timestamp(),
    };
    this.orders.set(placed.orderId, placed);
    this.emitExecution(placed, {
      ...this.description(placed),
      exec_type: 'pending_new',
      order_status: 'pending_new',
      cum_cost: new WireNumber('0.00000'),
      fee_usd_equiv: new WireNumber('0.00000'),
      fee_ccy_pref: 'fciq',
      timestamp: placed.openedAt,
    });
    placed.status = 'new';
    this.emitExecution(placed, {
      timestamp: this.timestamp(),
      order_status: 'new',
      exec_type: 'new',
      order_userref: 0,
      order_id: placed.orderId,
    });
    return placed;
  }

  /** Fills `qty` (the rest of the order when omitted) at `price` (the limit when omitted). */
  fill(orderId: string, qty?: string, price?: string): FakeTrade {
    const order = this.openOrder(orderId);
    const remaining = Decimal.parse(order.orderQty).sub(Decimal.parse(order.cumQty));
    const fillQty = qty ? Decimal.min(Decimal.parse(qty), remaining) : remaining;
    const fillPrice = Decimal.parse(price ?? order.limitPrice ?? '1');
    const cost = fillQty.mul(fillPrice);
    const fee = cost.mul(this.feeRate).round(5, 'up');
    order.cumQty = Decimal.parse(order.cumQty).add(fillQty).toFixed(8);
    order.cumCost = Decimal.parse(order.cumCost).add(cost).toFixed(5);
    const complete = Decimal.parse(order.cumQty).gte(Decimal.parse(order.orderQty));
    const avg = Decimal.parse(order.cumCost).div(Decimal.parse(order.cumQty)).toFixed(1);
    const trade: FakeTrade = {
      execId: krakenId('T'),
      orderId,
      symbol: order.symbol,
      side: order.side,
      orderType: order.orderType,
      qty: fillQty.toFixed(8),
      price: fillPrice.toString(),
      fee: fee.toFixed(5),
      // Kraken spot: the trade may say partially_filled even when it completes the order.
      orderStatus: 'partially_filled',
      timestamp: this.timestamp(),
    };
    this.trades.push(trade);
    order.status = 'partially_filled';
    this.emitExecution(order, {
      order_id: orderId,
      order_userref: 0,
      exec_id: trade.execId,
      exec_type: 'trade',
      trade_id: this.trades.length,
      symbol: order.symbol,
      side: order.side,
      last_qty: new WireNumber(trade.qty),
      last_price: new WireNumber(trade.price),
      liquidity_ind: 'm',
      cost: new WireNumber(cost.toFixed(5)),
      order_type: order.orderType,
      timestamp: trade.timestamp,
      order_status: 'partially_filled',
      cum_qty: new WireNumber(order.cumQty),
      cum_cost: new WireNumber(order.cumCost),
      avg_price: new WireNumber(avg),
      fee_usd_equiv: new WireNumber(trade.fee),
      fees: [{ asset: 'USD', qty: new WireNumber(trade.fee) }],
    });
    this.moveBalances(order, fillQty, cost, fee);
    if (complete) {
      order.status = 'filled';
      order.closeTime = this.unixSeconds();
      // The trade that completed the order is the one a later snapshot shows as filled.
      this.trades[this.trades.length - 1] = { ...trade, orderStatus: 'filled' };
      this.emitExecution(order, {
        timestamp: this.timestamp(),
        order_status: 'filled',
        exec_type: 'filled',
        order_userref: 0,
        order_id: orderId,
        cum_qty: new WireNumber(order.cumQty),
        cum_cost: new WireNumber(order.cumCost),
        avg_price: new WireNumber(avg),
        fee_usd_equiv: new WireNumber(trade.fee),
      });
    }
    return trade;
  }

  /** Cancels one open order of the key by Kraken id or cl_ord_id; false when there is none. */
  cancelOrder(apiKey: string, idOrClOrdId: string, reason = 'User requested'): boolean {
    const order = [...this.orders.values()].find(
      (o) => o.apiKey === apiKey && isOpen(o) && (o.orderId === idOrClOrdId || o.clOrdId === idOrClOrdId),
    );
    if (!order) return false;
    this.close(order, 'canceled', reason);
    return true;
  }

  /** Cancels every open order of the key; the count canceled. */
  cancelAll(apiKey: string, reason = 'User requested'): number {
    const open = this.openOrders(apiKey);
    for (const order of open) this.close(order, 'canceled', reason);
    return open.length;
  }

  expire(orderId: string): void {
    this.close(this.openOrder(orderId), 'expired', 'Order expired');
  }

  amend(orderId: string, change: { orderQty?: string; limitPrice?: string }): void {
    const order = this.openOrder(orderId);
    if (change.orderQty) order.orderQty = Decimal.parse(change.orderQty).toFixed(8);
    if (change.limitPrice) order.limitPrice = change.limitPrice;
    this.emitExecution(order, {
      timestamp: this.timestamp(),
      exec_type: 'amended',
      order_status: order.status,
      cum_qty: new WireNumber(order.cumQty),
      reason: 'User requested',
      amended: true,
      order_qty: new WireNumber(order.orderQty),
      limit_price: order.limitPrice ? new WireNumber(order.limitPrice) : undefined,
      limit_price_type: 'static',
      order_userref: 0,
      order_id: orderId,
    });
  }

  /**
   * Kraken's dead man's switch on this venue's clock: every open order of the key is
   * canceled `timeoutSeconds` from now unless called again; 0 disarms.
   */
  cancelAllOrdersAfter(apiKey: string, timeoutSeconds: number): { currentTime: string; triggerTime: string } {
    const account = this.requireAccount(apiKey);
    this.deadMansRequests.push({ apiKey, timeoutSeconds, at: Date.now() });
    if (account.deadMansTimer) clearTimeout(account.deadMansTimer);
    account.deadMansTimer = undefined;
    account.deadMansTriggerAt = undefined;
    const now = new Date();
    if (timeoutSeconds > 0) {
      const delay = timeoutSeconds * this.msPerSecond;
      account.deadMansTriggerAt = now.getTime() + delay;
      account.deadMansTimer = setTimeout(() => {
        account.deadMansTimer = undefined;
        account.deadMansTriggerAt = undefined;
        // Kraken: once fired, the switch stays off until the next non-zero request.
        const count = this.cancelAll(apiKey, 'Dead man switch triggered');
        this.emit('deadMansSwitchFired', apiKey, count);
      }, delay);
      account.deadMansTimer.unref();
    }
    const trigger = new Date(now.getTime() + timeoutSeconds * 1_000);
    return { currentTime: isoSeconds(now), triggerTime: isoSeconds(trigger) };
  }

  /** Whether the key's switch is armed, and when it fires (venue clock, epoch ms). */
  deadMansSwitch(apiKey: string): { armed: boolean; triggerAtMs?: number } {
    const account = this.requireAccount(apiKey);
    return { armed: account.deadMansTimer !== undefined, triggerAtMs: account.deadMansTriggerAt };
  }

  openOrders(apiKey: string): FakeOrder[] {
    return [...this.orders.values()].filter((o) => o.apiKey === apiKey && isOpen(o));
  }

  order(orderId: string): FakeOrder | undefined {
    return this.orders.get(orderId);
  }

  /** The `executions` snapshot Kraken sends on subscribe: the last 50 trades, then open orders. */
  executionsSnapshot(apiKey: string, options: { snapOrders: boolean; snapTrades: boolean }): WireObject[] {
    const entries: WireObject[] = [];
    if (options.snapTrades) {
      const all = this.trades.filter((t) => this.orders.get(t.orderId)?.apiKey === apiKey);
      const own = this.snapshotTradeCount > 0 ? all.slice(-this.snapshotTradeCount) : [];
      for (const t of own) {
        entries.push({
          order_id: t.orderId,
          order_userref: 0,
          exec_id: t.execId,
          exec_type: 'trade',
          symbol: t.symbol,
          side: t.side,
          last_qty: new WireNumber(t.qty),
          last_price: new WireNumber(t.price),
          liquidity_ind: 'm',
          order_status: t.orderStatus,
          order_type: t.orderType,
          timestamp: t.timestamp,
          fee_usd_equiv: new WireNumber(t.fee),
          fees: [{ asset: 'USD', qty: new WireNumber(t.fee) }],
        });
      }
    }
    if (options.snapOrders) {
      for (const order of this.openOrders(apiKey)) {
        entries.push({
          ...this.description(order),
          exec_type: order.status === 'pending_new' ? 'pending_new' : 'new',
          order_status: order.status,
          cum_qty: new WireNumber(order.cumQty),
          cum_cost: new WireNumber(order.cumCost),
          timestamp: order.openedAt,
        });
      }
    }
    return entries;
  }

  /**
   * REST `QueryOrders` for the key: each id's order info in Kraken's shape, or null when an
   * id is not an order of the key (Kraken then fails the whole call with `EOrder:Invalid order`).
   */
  queryOrders(apiKey: string, orderIds: readonly string[]): Record<string, WireObject> | null {
    const result: Record<string, WireObject> = {};
    for (const id of orderIds) {
      const order = this.orders.get(id);
      if (!order || order.apiKey !== apiKey) return null;
      const fees = this.trades
        .filter((t) => t.orderId === id)
        .reduce((sum, t) => sum.add(Decimal.parse(t.fee)), Decimal.ZERO);
      const cumQty = Decimal.parse(order.cumQty);
      const price = cumQty.isZero() ? '0.00000' : Decimal.parse(order.cumCost).div(cumQty).toFixed(5);
      result[id] = {
        refid: null,
        userref: 0,
        cl_ord_id: order.clOrdId,
        status: REST_STATUS[order.status],
        opentm: new WireNumber(unixSecondsOf(order.openedAt).toFixed(4)),
        starttm: 0,
        expiretm: 0,
        descr: {
          pair: order.symbol,
          type: order.side,
          ordertype: order.orderType,
          price: order.limitPrice ?? '0',
          price2: '0',
          leverage: 'none',
          order:
            `${order.side} ${order.orderQty} ${order.symbol} @ ${order.orderType} ${order.limitPrice ?? ''}`.trim(),
          close: '',
        },
        vol: order.orderQty,
        vol_exec: cumQty.toFixed(8),
        cost: Decimal.parse(order.cumCost).toFixed(5),
        fee: fees.toFixed(5),
        price,
        stopprice: '0.00000',
        limitprice: '0.00000',
        misc: '',
        oflags: 'fciq',
        reason: order.closeReason ?? null,
        closetm: order.closeTime === undefined ? undefined : new WireNumber(order.closeTime.toFixed(4)),
      };
    }
    return result;
  }

  balancesSnapshot(apiKey: string): WireObject[] {
    const account = this.requireAccount(apiKey);
    return [...account.balances.entries()].map(([asset, balance]) => ({
      asset,
      asset_class: 'currency',
      balance: new WireNumber(balance),
      wallets: [{ type: 'spot', id: 'main', balance: new WireNumber(balance) }],
    }));
  }

  balances(apiKey: string): Record<string, string> {
    return Object.fromEntries(this.requireAccount(apiKey).balances);
  }

  /** Stops every dead man's switch timer (test teardown). */
  dispose(): void {
    for (const account of this.accounts.values()) if (account.deadMansTimer) clearTimeout(account.deadMansTimer);
  }

  private close(order: FakeOrder, status: 'canceled' | 'expired', reason: string): void {
    order.status = status;
    order.closeTime = this.unixSeconds();
    order.closeReason = reason;
    this.emitExecution(order, {
      timestamp: this.timestamp(),
      order_status: status,
      exec_type: status,
      cum_qty: new WireNumber(order.cumQty),
      cum_cost: new WireNumber(order.cumCost),
      fee_usd_equiv: new WireNumber('0.00000'),
      avg_price: new WireNumber('0.0'),
      order_userref: 0,
      cancel_reason: reason,
      reason,
      order_id: order.orderId,
    });
  }

  private description(order: FakeOrder): WireObject {
    return {
      order_id: order.orderId,
      cl_ord_id: order.clOrdId,
      symbol: order.symbol,
      order_qty: new WireNumber(order.orderQty),
      time_in_force: 'GTC',
      side: order.side,
      order_type: order.orderType,
      order_userref: 0,
      limit_price_type: order.limitPrice ? 'static' : undefined,
      limit_price: order.limitPrice ? new WireNumber(order.limitPrice) : undefined,
      stop_price: new WireNumber('0.0'),
    };
  }

  private moveBalances(order: FakeOrder, qty: Decimal, cost: Decimal, fee: Decimal): void {
    const balances = this.requireAccount(order.apiKey).balances;
    const base = order.symbol.split('/')[0] ?? order.symbol;
    const sign = order.side === 'buy' ? 1 : -1;
    const get = (asset: string) => Decimal.parse(balances.get(asset) ?? '0');
    const usd = sign > 0 ? get('USD').sub(cost).sub(fee) : get('USD').add(cost).sub(fee);
    const held = sign > 0 ? get(base).add(qty) : get(base).sub(qty);
    balances.set('USD', usd.toFixed(4));
    balances.set(base, held.toFixed(10));
    const timestamp = this.timestamp();
    for (const [asset, amount, balance] of [
      ['USD', sign > 0 ? cost.add(fee).neg() : cost.sub(fee), usd.toFixed(4)],
      [base, sign > 0 ? qty : qty.neg(), held.toFixed(10)],
    ] as const) {
      this.emit('balance', order.apiKey, {
        ledger_id: krakenId('L'),
        ref_id: krakenId('T'),
        timestamp,
        type: 'trade',
        asset,
        asset_class: 'currency',
        category: 'trade',
        wallet_type: 'spot',
        wallet_id: 'main',
        amount: new WireNumber(amount.toString()),
        fee: new WireNumber(asset === 'USD' ? fee.toFixed(5) : '0'),
        balance: new WireNumber(balance),
      } satisfies WireObject);
    }
  }

  private emitExecution(order: FakeOrder, entry: WireObject): void {
    this.emit('execution', order.apiKey, entry);
  }

  private openOrder(orderId: string): FakeOrder {
    const order = this.orders.get(orderId);
    if (!order || !isOpen(order)) throw new Error(`no open order ${orderId}`);
    return order;
  }

  private requireAccount(apiKey: string): AccountState {
    const account = this.accounts.get(apiKey);
    if (!account) throw new Error('unknown API key');
    return account;
  }

  /** Now on the venue's clock as Unix seconds (REST `closetm`, four decimals as Kraken writes). */
  private unixSeconds(): number {
    this.clock = Math.max(this.clock + 1, Date.now() * 1000);
    return Math.floor(this.clock / 100) / 10_000;
  }

  /** RFC 3339 with microseconds, strictly increasing (Kraken's executions timestamps). */
  private timestamp(): string {
    this.clock = Math.max(this.clock + 1, Date.now() * 1000);
    const ms = Math.floor(this.clock / 1000);
    return `${new Date(ms).toISOString().slice(0, 23)}${String(this.clock % 1000).padStart(3, '0')}Z`;
  }
}

const REST_STATUS: Record<FakeOrderStatus, string> = {
  pending_new: 'pending',
  new: 'open',
  partially_filled: 'open',
  filled: 'closed',
  canceled: 'canceled',
  expired: 'expired',
};

function unixSecondsOf(timestamp: string): number {
  return Date.parse(timestamp) / 1000;
}

function isOpen(order: FakeOrder): boolean {
  return order.status === 'pending_new' || order.status === 'new' || order.status === 'partially_filled';
}

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** An id shaped like Kraken's (`OQCLML-BW3P3-BUCMWZ`). */
function krakenId(prefix: string): string {
  const bytes = randomBytes(16);
  let text = prefix;
  for (let i = 0; i < 16; i++) text += ALPHABET[(bytes[i] as number) % ALPHABET.length];
  return `${text.slice(0, 6)}-${text.slice(6, 11)}-${text.slice(11, 17)}`;
}
