import * as z from 'zod';
import type { MarketEvent } from '../../shared/domain/market/events.js';

/** A decimal string as the ingester writes them (no exponent, no sign on prices). */
const amount = z.string().regex(/^\d{1,24}(\.\d{1,18})?$/);
const signedAmount = z.string().regex(/^-?\d{1,24}(\.\d{1,18})?$/);
const isoTime = z.iso.datetime({ offset: true });
const base = {
  event_id: z.string().min(1).max(256),
  symbol: z.string().regex(/^[A-Z0-9]{1,16}\/[A-Z0-9]{1,16}$/),
  exchange_ts: isoTime.nullable(),
  receive_ts: isoTime,
};

/** The contract of shared/domain/market/events.ts, checked on every record: anything else is poison. */
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

/** Decodes one Kinesis record's data (base64 JSON). Throws with a reason for poison. */
export function decodeMarketEvent(base64: string): MarketEvent {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw new PoisonRecordError('not JSON');
  }
  const parsed = marketEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PoisonRecordError(`not a market event: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`);
  }
  return parsed.data as MarketEvent;
}

/** A record that can never be processed (malformed): parked in the DLQ, not retried. */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}
