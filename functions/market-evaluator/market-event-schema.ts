import * as z from 'zod';
import type { MarketEvent } from '../../shared/domain/market/events.js';

/** A decimal string as the ingester writes them (no exponent, no sign on prices). */
const AMOUNT = /^\d{1,24}(\.\d{1,18})?$/;
const SIGNED_AMOUNT = /^-?\d{1,24}(\.\d{1,18})?$/;
const SYMBOL = /^[A-Z0-9]{1,16}\/[A-Z0-9]{1,16}$/;
/** Zod's own pattern for `z.iso.datetime({ offset: true })`, so both paths accept the same times. */
const ISO_TIME = z.regexes.datetime({ offset: true });

const amount = z.string().regex(AMOUNT);
const signedAmount = z.string().regex(SIGNED_AMOUNT);
const isoTime = z.iso.datetime({ offset: true });
const base = {
  event_id: z.string().min(1).max(256),
  symbol: z.string().regex(SYMBOL),
  exchange_ts: isoTime.nullable(),
  receive_ts: isoTime,
};

/**
 * The contract of shared/domain/market/events.ts, checked on every record: anything else is
 * poison. The reference: {@link decodeMarketEvent} accepts exactly what this accepts, and
 * gives its reasons for what it refuses.
 */
export const marketEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('top_of_book'),
    bid: amount,
    bid_qty: amount,
    ask: amount,
    ask_qty: amount,
    mid: amount.refine((s) => Number(s) > 0, 'mid must be > 0'),
    spread_bps: signedAmount,
  }),
  z.object({
    ...base,
    type: z.literal('trade'),
    trade_id: z.number().int(),
    side: z.enum(['buy', 'sell']),
    price: amount,
    qty: amount,
  }),
  z.object({
    ...base,
    type: z.literal('ticker'),
    last: amount,
    bid: amount,
    ask: amount,
    volume: amount,
    vwap: amount,
  }),
]);

/**
 * Decodes one Kinesis record's data (base64 JSON). Throws with a reason for poison.
 *
 * Every record of the stream goes through here, so the schema is checked by
 * {@link acceptMarketEvent}, a hand-written copy of {@link marketEventSchema} that builds
 * its output in one step (zod's runtime cost about as much as the decoding itself: profile
 * in docs/benchmarks.md). Only a record it refuses goes through zod, whose answer decides:
 * the reason of a poison record is zod's, word for word, and a record the copy refused by
 * mistake would still be accepted. market-event-schema.test.ts holds the two to the same
 * answers.
 */
export function decodeMarketEvent(base64: string): MarketEvent {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw new PoisonRecordError('not JSON');
  }
  const accepted = acceptMarketEvent(json);
  if (accepted !== undefined) return accepted;
  const parsed = marketEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PoisonRecordError(`not a market event: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`);
  }
  return parsed.data as MarketEvent;
}

type Json = Record<string, unknown>;

const isAmount = (v: unknown): v is string => typeof v === 'string' && AMOUNT.test(v);
const isIsoTime = (v: unknown): v is string => typeof v === 'string' && ISO_TIME.test(v);

/**
 * {@link marketEventSchema}'s accept path by hand: the event (a fresh object holding the
 * schema's keys only, in the schema's order, as zod returns it) or `undefined` where the
 * schema might refuse. Never accepts what the schema refuses.
 */
export function acceptMarketEvent(json: unknown): MarketEvent | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const o = json as Json;
  const { event_id, symbol, exchange_ts, receive_ts } = o;
  if (typeof event_id !== 'string' || event_id.length < 1 || event_id.length > 256) return undefined;
  if (typeof symbol !== 'string' || !SYMBOL.test(symbol)) return undefined;
  if (exchange_ts !== null && !isIsoTime(exchange_ts)) return undefined;
  if (!isIsoTime(receive_ts)) return undefined;
  switch (o.type) {
    case 'top_of_book': {
      const { bid, bid_qty, ask, ask_qty, mid, spread_bps } = o;
      if (!isAmount(bid) || !isAmount(bid_qty) || !isAmount(ask) || !isAmount(ask_qty)) return undefined;
      if (!isAmount(mid) || !(Number(mid) > 0)) return undefined;
      if (typeof spread_bps !== 'string' || !SIGNED_AMOUNT.test(spread_bps)) return undefined;
      return {
        event_id,
        symbol,
        exchange_ts,
        receive_ts,
        type: 'top_of_book',
        bid,
        bid_qty,
        ask,
        ask_qty,
        mid,
        spread_bps,
      };
    }
    case 'trade': {
      const { trade_id, side, price, qty } = o;
      if (!Number.isSafeInteger(trade_id)) return undefined;
      if (side !== 'buy' && side !== 'sell') return undefined;
      if (!isAmount(price) || !isAmount(qty)) return undefined;
      return {
        event_id,
        symbol,
        exchange_ts,
        receive_ts,
        type: 'trade',
        trade_id: trade_id as number,
        side,
        price,
        qty,
      };
    }
    case 'ticker': {
      const { last, bid, ask, volume, vwap } = o;
      if (!isAmount(last) || !isAmount(bid) || !isAmount(ask) || !isAmount(volume) || !isAmount(vwap)) return undefined;
      return { event_id, symbol, exchange_ts, receive_ts, type: 'ticker', last, bid, ask, volume, vwap };
    }
    default:
      return undefined;
  }
}

/** A record that can never be processed (malformed): parked in the DLQ, not retried. */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}
