import { Decimal } from '../../domain/decimal.js';
import type { InstrumentPair } from '../../domain/market/kraken-v2.js';
import type { Instrument } from '../../domain/risk/state.js';

/**
 * The one codec of an entry of the instruments hash at `REDIS_KEYS.instruments` (field: the
 * v2 symbol, value: JSON). The ingester writes every pair of Kraken's `instrument` channel
 * through {@link encodeInstrument}; the risk API reads through {@link decodeInstrument}.
 * Amounts stay decimal strings exactly as Kraken sent them (the ingester parses losslessly),
 * never JSON numbers: a float would turn 0.00000001 into 1e-8 and the increment checks
 * into guesses.
 */
export const INSTRUMENT_FIELDS = {
  status: 'status',
  base: 'base',
  quote: 'quote',
  priceIncrement: 'price_increment',
  qtyIncrement: 'qty_increment',
  qtyMin: 'qty_min',
  pricePrecision: 'price_precision',
  qtyPrecision: 'qty_precision',
} as const;

/** Everything the entry holds, decoded. */
export interface InstrumentEntry extends Instrument {
  readonly base: string;
  readonly quote: string;
  /** Absent in entries written before precisions were stored (the local seed). */
  readonly pricePrecision: number | null;
  readonly qtyPrecision: number | null;
}

/**
 * Why a pair Kraken sent cannot be published (empty when it can): the rules need positive
 * increments and a readable minimum, or every order on the pair would be judged on nothing.
 */
export function instrumentProblems(pair: InstrumentPair): string[] {
  const problems: string[] = [];
  if (!Decimal.tryParse(pair.priceIncrement)?.isPositive()) problems.push('price_increment');
  if (!Decimal.tryParse(pair.qtyIncrement)?.isPositive()) problems.push('qty_increment');
  const qtyMin = Decimal.tryParse(pair.qtyMin);
  if (!qtyMin || qtyMin.isNegative()) problems.push('qty_min');
  if (pair.status === '') problems.push('status');
  return problems;
}

/** The hash value of one pair. Throws when {@link instrumentProblems} finds any. */
export function encodeInstrument(pair: InstrumentPair): string {
  const problems = instrumentProblems(pair);
  if (problems.length > 0) throw new Error(`instrument ${pair.symbol} unreadable: ${problems.join(', ')}`);
  return JSON.stringify({
    [INSTRUMENT_FIELDS.status]: pair.status,
    [INSTRUMENT_FIELDS.base]: pair.base,
    [INSTRUMENT_FIELDS.quote]: pair.quote,
    [INSTRUMENT_FIELDS.priceIncrement]: pair.priceIncrement,
    [INSTRUMENT_FIELDS.qtyIncrement]: pair.qtyIncrement,
    [INSTRUMENT_FIELDS.qtyMin]: pair.qtyMin,
    [INSTRUMENT_FIELDS.pricePrecision]: pair.pricePrecision,
    [INSTRUMENT_FIELDS.qtyPrecision]: pair.qtyPrecision,
  });
}

function text(data: Record<string, unknown>, key: string): string {
  const value = data[key];
  return typeof value === 'string' ? value : '';
}

function precision(data: Record<string, unknown>, key: string): number | null {
  const value = data[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/**
 * Decodes an entry (as HGET returns it). Anything unreadable (not JSON, a missing or
 * non-positive increment, an amount sent as a JSON number) is no instrument at all, so the
 * rules reject with INSTRUMENT_UNKNOWN. A missing status reads as `unknown`, which the status
 * rule refuses: an entry never reads as `online` by default.
 */
export function decodeInstrument(symbol: string, value: unknown): InstrumentEntry | null {
  if (typeof value !== 'string') return null;
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    return null;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const fields = data as Record<string, unknown>;
  const priceIncrement = Decimal.tryParse(text(fields, INSTRUMENT_FIELDS.priceIncrement));
  const qtyIncrement = Decimal.tryParse(text(fields, INSTRUMENT_FIELDS.qtyIncrement));
  const qtyMin = Decimal.tryParse(text(fields, INSTRUMENT_FIELDS.qtyMin));
  if (!priceIncrement?.isPositive() || !qtyIncrement?.isPositive() || !qtyMin || qtyMin.isNegative()) return null;
  return {
    symbol,
    status: text(fields, INSTRUMENT_FIELDS.status) || 'unknown',
    base: text(fields, INSTRUMENT_FIELDS.base),
    quote: text(fields, INSTRUMENT_FIELDS.quote),
    priceIncrement,
    qtyIncrement,
    qtyMin,
    pricePrecision: precision(fields, INSTRUMENT_FIELDS.pricePrecision),
    qtyPrecision: precision(fields, INSTRUMENT_FIELDS.qtyPrecision),
  };
}
