/**
 * Kraken's authenticated WebSocket v2 (wss://ws-auth.kraken.com/v2): the frames the account
 * feed reads (`executions`, `balances`, method answers, heartbeat, status, pong) and the
 * requests it sends. Pure: text in, typed values out.
 *
 * Kraken sends prices and quantities as JSON numbers; `JSON.parse` would turn them into
 * binary floats and drop digits, so every numeric value is quoted before parsing and kept
 * as its exact text (exponent forms such as `1e-08` rewritten as plain decimals).
 *
 * Shapes as documented (docs.kraken.com, spot-websocket-v2/executions, balances,
 * cancel_after, cancel_order): an execution always carries `order_id`, `exec_type` and
 * `timestamp`; the other fields appear only where the event has them (an `exec_type: new`
 * update carries no symbol, side or quantity: the `pending_new` before it did).
 */

/** A frame that is not valid v2 JSON or lacks a field its channel requires. */
export class KrakenPrivateProtocolError extends Error {
  override readonly name = 'KrakenPrivateProtocolError';
}

/** Kraken's `exec_type` values (spot). Unknown values are kept, never guessed into one of these. */
export const KRAKEN_EXEC_TYPES = [
  'pending_new',
  'new',
  'trade',
  'filled',
  'iceberg_refill',
  'canceled',
  'expired',
  'amended',
  'restated',
  'status',
] as const;
export type KrakenExecType = (typeof KRAKEN_EXEC_TYPES)[number] | (string & {});

/** One entry of the `executions` channel, amounts as exact decimal text. */
export interface KrakenExecution {
  readonly execType: KrakenExecType;
  readonly orderId: string;
  readonly timestamp: string;
  readonly clOrdId?: string;
  readonly symbol?: string;
  readonly side?: 'buy' | 'sell';
  readonly orderType?: string;
  readonly orderStatus?: string;
  readonly orderQty?: string;
  readonly limitPrice?: string;
  /** `triggers.price` (v2) or the older `stop_price`, when non-zero. */
  readonly triggerPrice?: string;
  readonly cumQty?: string;
  readonly avgPrice?: string;
  readonly execId?: string;
  readonly lastQty?: string;
  readonly lastPrice?: string;
  readonly liquidity?: 'm' | 't';
  readonly feeUsdEquiv?: string;
  readonly reason?: string;
  readonly reduceOnly?: boolean;
}

export interface KrakenBalance {
  readonly asset: string;
  readonly balance: string;
  /** Updates only: the ledger entry that moved the balance (unique per entry). */
  readonly ledgerId?: string;
  readonly timestamp?: string;
}

export type PrivateFrame =
  | {
      readonly kind: 'executions';
      readonly type: 'snapshot' | 'update';
      readonly sequence: number | null;
      readonly data: readonly KrakenExecution[];
    }
  | {
      readonly kind: 'balances';
      readonly type: 'snapshot' | 'update';
      readonly sequence: number | null;
      readonly data: readonly KrakenBalance[];
    }
  | { readonly kind: 'heartbeat' }
  | { readonly kind: 'status'; readonly system: string }
  | { readonly kind: 'pong'; readonly reqId: number | null }
  | {
      readonly kind: 'response';
      readonly method: string;
      readonly success: boolean;
      readonly reqId: number | null;
      readonly error: string | null;
      readonly result: Record<string, unknown> | null;
    }
  | { readonly kind: 'other'; readonly channel: string };

type Json = Record<string, unknown>;

/** Quotes every numeric value (after `":`, optional spaces) so JSON.parse keeps its text. */
const NUMBER_VALUE = /":(\s*)(-?\d[\d.eE+-]*)/g;
const EXPONENT = /^(-?)(\d+)(?:\.(\d*))?[eE]([+-]?\d+)$/;

/** `1e-08` -> `0.00000001`, `2.5E3` -> `2500`; plain text unchanged. */
export function plainDecimalText(text: string): string {
  const match = EXPONENT.exec(text);
  if (!match) return text;
  const [, sign = '', intPart = '0', fracPart = '', exp = '0'] = match;
  const digits = `${intPart}${fracPart}`;
  const point = intPart.length + Number(exp);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  return `${sign}${out}`;
}

function decimalField(obj: Json, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KrakenPrivateProtocolError(`field "${key}" is not a number`);
  return plainDecimalText(value);
}

function textField(obj: Json, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function requiredText(obj: Json, key: string): string {
  const value = textField(obj, key);
  if (value === undefined) throw new KrakenPrivateProtocolError(`missing field "${key}"`);
  return value;
}

function optionalInt(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/** Positive amount text, or undefined for absent or zero (Kraken sends `stop_price: 0.0` when there is none). */
function positiveOrUndefined(text: string | undefined): string | undefined {
  return text !== undefined && /[1-9]/.test(text) && !text.startsWith('-') ? text : undefined;
}

function parseExecution(entry: Json): KrakenExecution {
  const side = textField(entry, 'side');
  const liquidity = textField(entry, 'liquidity_ind');
  const triggers = entry.triggers && typeof entry.triggers === 'object' ? (entry.triggers as Json) : undefined;
  const triggerPrice = positiveOrUndefined(
    (triggers ? decimalField(triggers, 'price') : undefined) ?? decimalField(entry, 'stop_price'),
  );
  return {
    execType: requiredText(entry, 'exec_type'),
    orderId: requiredText(entry, 'order_id'),
    timestamp: requiredText(entry, 'timestamp'),
    clOrdId: textField(entry, 'cl_ord_id'),
    symbol: textField(entry, 'symbol'),
    side: side === 'buy' || side === 'sell' ? side : undefined,
    orderType: textField(entry, 'order_type'),
    orderStatus: textField(entry, 'order_status'),
    orderQty: decimalField(entry, 'order_qty'),
    limitPrice: positiveOrUndefined(decimalField(entry, 'limit_price')),
    triggerPrice,
    cumQty: decimalField(entry, 'cum_qty'),
    avgPrice: positiveOrUndefined(decimalField(entry, 'avg_price')),
    execId: textField(entry, 'exec_id'),
    lastQty: decimalField(entry, 'last_qty'),
    lastPrice: decimalField(entry, 'last_price'),
    liquidity: liquidity === 'm' || liquidity === 't' ? liquidity : undefined,
    feeUsdEquiv: decimalField(entry, 'fee_usd_equiv'),
    reason: textField(entry, 'reason') ?? textField(entry, 'cancel_reason'),
    reduceOnly: typeof entry.reduce_only === 'boolean' ? entry.reduce_only : undefined,
  };
}

function parseBalance(entry: Json): KrakenBalance {
  const balance = decimalField(entry, 'balance');
  if (balance === undefined) throw new KrakenPrivateProtocolError('balance entry without "balance"');
  return {
    asset: requiredText(entry, 'asset'),
    balance,
    ledgerId: textField(entry, 'ledger_id'),
    timestamp: textField(entry, 'timestamp'),
  };
}

function channelType(msg: Json): 'snapshot' | 'update' {
  if (msg.type !== 'snapshot' && msg.type !== 'update') {
    throw new KrakenPrivateProtocolError(`unexpected type ${String(msg.type)}`);
  }
  return msg.type;
}

function dataArray(msg: Json): Json[] {
  if (!Array.isArray(msg.data)) throw new KrakenPrivateProtocolError('channel frame without a data array');
  return msg.data as Json[];
}

/** Parses one text frame of the authenticated v2 API. Throws {@link KrakenPrivateProtocolError}. */
export function parsePrivateFrame(text: string): PrivateFrame {
  let msg: Json;
  try {
    const parsed: unknown = JSON.parse(text.replace(NUMBER_VALUE, '":$1"$2"'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    msg = parsed as Json;
  } catch {
    throw new KrakenPrivateProtocolError('frame is not a JSON object');
  }
  if (typeof msg.channel === 'string') {
    switch (msg.channel) {
      case 'heartbeat':
        return { kind: 'heartbeat' };
      case 'status': {
        const first = dataArray(msg)[0] ?? {};
        return { kind: 'status', system: String(first.system ?? 'unknown') };
      }
      case 'executions':
        return {
          kind: 'executions',
          type: channelType(msg),
          sequence: optionalInt(msg.sequence),
          data: dataArray(msg).map(parseExecution),
        };
      case 'balances':
        return {
          kind: 'balances',
          type: channelType(msg),
          sequence: optionalInt(msg.sequence),
          data: dataArray(msg).map(parseBalance),
        };
      default:
        return { kind: 'other', channel: msg.channel };
    }
  }
  if (typeof msg.method === 'string') {
    const reqId = optionalInt(msg.req_id);
    if (msg.method === 'pong') return { kind: 'pong', reqId };
    const result = msg.result && typeof msg.result === 'object' ? (msg.result as Json) : null;
    return {
      kind: 'response',
      method: msg.method,
      success: msg.success === true,
      reqId,
      error: typeof msg.error === 'string' ? msg.error : null,
      result,
    };
  }
  throw new KrakenPrivateProtocolError('frame is neither a channel message nor a method answer');
}

/**
 * Subscribe to `executions`: open orders in the snapshot, the last trades too (so a
 * reconnect sees fills it missed), and every status transition (`order_status`).
 */
export function subscribeExecutionsRequest(token: string, reqId: number): string {
  return JSON.stringify({
    method: 'subscribe',
    params: { channel: 'executions', token, snap_orders: true, snap_trades: true, order_status: true },
    req_id: reqId,
  });
}

export function subscribeBalancesRequest(token: string, reqId: number): string {
  return JSON.stringify({ method: 'subscribe', params: { channel: 'balances', token, snapshot: true }, req_id: reqId });
}

/** Kraken's dead man's switch: cancel every order of the account after `timeoutSeconds` (0 disarms). */
export function cancelAllOrdersAfterRequest(timeoutSeconds: number, token: string, reqId: number): string {
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0 || timeoutSeconds > 86_400) {
    throw new RangeError('timeoutSeconds must be an integer in [0, 86400]');
  }
  return JSON.stringify({
    method: 'cancel_all_orders_after',
    params: { timeout: timeoutSeconds, token },
    req_id: reqId,
  });
}

/** Cancels orders by Kraken order id. */
export function cancelOrderRequest(orderIds: readonly string[], token: string, reqId: number): string {
  return JSON.stringify({ method: 'cancel_order', params: { order_id: [...orderIds], token }, req_id: reqId });
}

export function privatePingRequest(reqId: number): string {
  return JSON.stringify({ method: 'ping', req_id: reqId });
}
