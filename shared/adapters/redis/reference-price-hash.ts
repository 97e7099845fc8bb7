import { Decimal } from '../../domain/decimal.js';

/**
 * The one codec of a symbol's reference (CoinGecko) price hash at
 * `REDIS_KEYS.referencePrice(symbol)`: the reference-price job (and local mode's stand-ins
 * for it) encode through it, the risk API decodes through it.
 */
export const REFERENCE_PRICE_FIELDS = {
  price: 'price',
  /** The quote's own time (CoinGecko's last_updated_at), not the time it was written. */
  updatedAtMs: 'updated_at_ms',
} as const;

export interface ReferencePrice {
  readonly price: Decimal;
  readonly updatedAtMs: number;
}

/** The whole hash of a reference price; `price` may be given as its exact decimal text. */
export function encodeReferencePrice(reference: {
  readonly price: Decimal | string;
  readonly updatedAtMs: number;
}): Record<string, string> {
  return {
    [REFERENCE_PRICE_FIELDS.price]: reference.price.toString(),
    [REFERENCE_PRICE_FIELDS.updatedAtMs]: String(reference.updatedAtMs),
  };
}

/** Decodes a reference price hash (as HGETALL returns it); any unreadable field means no reference. */
export function decodeReferencePrice(fields: Record<string, string>): ReferencePrice | null {
  const priceText = fields[REFERENCE_PRICE_FIELDS.price];
  const price = priceText ? Decimal.tryParse(priceText) : undefined;
  const updatedText = fields[REFERENCE_PRICE_FIELDS.updatedAtMs];
  const updatedAtMs = updatedText ? Number(updatedText) : Number.NaN;
  if (!price || !Number.isSafeInteger(updatedAtMs)) return null;
  return { price, updatedAtMs };
}
