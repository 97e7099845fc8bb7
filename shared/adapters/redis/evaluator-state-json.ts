import { EMPTY_SYMBOL_STATE, type SymbolEvaluatorState } from '../../domain/breakers/symbol-evaluator.js';
import type { VolatilityWindowState } from '../../domain/breakers/volatility.js';

/**
 * The one codec of the market evaluator's per-symbol state, a JSON string at
 * `REDIS_KEYS.evaluatorState(symbol)` (volatility window, causes, watermark). Only the
 * evaluator reads and writes it; it can be rebuilt by replaying the stream.
 *
 * Written as version 2 (issue #16: every batch reads and writes it, ~95 kB in version 1,
 * most of it the volatility window's numbers and the recent event ids as JSON text):
 * - `vol.sq`: the squared returns as little-endian float64, base64 (every double exactly:
 *   the breaker's sum and so its decisions are the same bit for bit);
 * - `vol.dt`: each return's time as `lastTs - ts`, little-endian uint32, base64, when every
 *   one is such an integer (always, for returns inside a window of ms); otherwise `vol.ts`,
 *   the times themselves as float64, base64;
 * - `ids`: the recent event ids, oldest first, each as `<length of the prefix it shares with
 *   the one before>|<rest>`, or `<length>,<k>|<rest>` for a prefix shared with the id k
 *   before (k <= 4): the ids of one symbol share most of their text.
 * Version 1 (the plain JSON of {@link SymbolEvaluatorState}) is still read: a state missing
 * is a symbol never seen, which would forget the volatility window, so the old one must not
 * be taken as missing.
 */
export function encodeEvaluatorState(state: SymbolEvaluatorState): string {
  const stored: StoredStateV2 = {
    v: 2,
    lastSeq: state.lastSeq,
    ids: encodeIds(state.recentIds),
    vol: encodeVolatility(state.vol),
    causes: state.causes,
    bar: state.bar,
  };
  return JSON.stringify(stored);
}

/**
 * A missing key is a symbol never seen: the empty state. A state that is not JSON, or of a
 * version or shape this code does not know, throws (the batch fails and is retried, as a
 * state that does not parse did before): never taken as empty, which would reset breakers.
 */
export function decodeEvaluatorState(text: string | null | undefined): SymbolEvaluatorState {
  if (!text) return EMPTY_SYMBOL_STATE;
  const stored = JSON.parse(text) as StoredStateV2 | SymbolEvaluatorState;
  const version: unknown = stored.v;
  if (stored.v === 1) return stored;
  if (stored.v !== 2) throw new Error(`evaluator state of unknown version ${String(version)}`);
  return {
    v: 1,
    lastSeq: stored.lastSeq,
    recentIds: decodeIds(stored.ids),
    vol: decodeVolatility(stored.vol),
    causes: stored.causes,
    bar: stored.bar,
  };
}

interface StoredVolatilityV2 {
  readonly lastPrice: number | null;
  readonly lastTs: number;
  /** Returns in the window. */
  readonly n: number;
  readonly sq: string;
  readonly dt?: string;
  readonly ts?: string;
}

interface StoredStateV2 {
  readonly v: 2;
  readonly lastSeq: string;
  readonly ids: readonly string[];
  readonly vol: StoredVolatilityV2;
  readonly causes: SymbolEvaluatorState['causes'];
  readonly bar: SymbolEvaluatorState['bar'];
}

const UINT32_LIMIT = 2 ** 32;

function encodeVolatility(vol: VolatilityWindowState): StoredVolatilityV2 {
  const n = vol.sq.length;
  if (vol.ts.length !== n) throw new Error(`volatility window of ${vol.ts.length} times and ${n} returns`);
  const sq = Buffer.allocUnsafe(n * 8);
  for (let i = 0; i < n; i++) sq.writeDoubleLE(vol.sq[i] as number, i * 8);
  const dt = Buffer.allocUnsafe(n * 4);
  for (let i = 0; i < n; i++) {
    const delta = vol.lastTs - (vol.ts[i] as number);
    if (!(Number.isInteger(delta) && delta >= 0 && delta < UINT32_LIMIT)) {
      // A time that is not a whole ms at or before the last one: kept as the double it is.
      const ts = Buffer.allocUnsafe(n * 8);
      for (let j = 0; j < n; j++) ts.writeDoubleLE(vol.ts[j] as number, j * 8);
      return { lastPrice: vol.lastPrice, lastTs: vol.lastTs, n, sq: sq.toString('base64'), ts: ts.toString('base64') };
    }
    dt.writeUInt32LE(delta, i * 4);
  }
  return { lastPrice: vol.lastPrice, lastTs: vol.lastTs, n, sq: sq.toString('base64'), dt: dt.toString('base64') };
}

function decodeVolatility(stored: StoredVolatilityV2): VolatilityWindowState {
  const { n, lastTs } = stored;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`evaluator state: bad volatility window length ${n}`);
  const sqBytes = bytesOf(stored.sq, n * 8, 'sq');
  const sq = new Array<number>(n);
  for (let i = 0; i < n; i++) sq[i] = sqBytes.readDoubleLE(i * 8);
  const ts = new Array<number>(n);
  if (stored.dt !== undefined) {
    const dt = bytesOf(stored.dt, n * 4, 'dt');
    for (let i = 0; i < n; i++) ts[i] = lastTs - dt.readUInt32LE(i * 4);
  } else {
    const tsBytes = bytesOf(stored.ts, n * 8, 'ts');
    for (let i = 0; i < n; i++) ts[i] = tsBytes.readDoubleLE(i * 8);
  }
  return { lastPrice: stored.lastPrice, lastTs, ts, sq };
}

function bytesOf(base64: string | undefined, length: number, field: string): Buffer {
  const bytes = typeof base64 === 'string' ? Buffer.from(base64, 'base64') : undefined;
  if (bytes === undefined || bytes.length !== length) {
    throw new Error(`evaluator state: volatility ${field} is not ${length} bytes`);
  }
  return bytes;
}

/**
 * How many ids back an id's prefix may come from: the ids of one symbol interleave a few
 * kinds (Kraken's `tob`, `trade`, `ticker`), each sharing most of its text with the last of
 * its kind, not with the id just before.
 */
const ID_REFERENCES = 4;

function encodeIds(ids: readonly string[]): string[] {
  const out = new Array<string>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    let best = 0;
    let bestBack = 1;
    for (let back = 1; back <= ID_REFERENCES && back <= i; back++) {
      const reference = ids[i - back] as string;
      const max = Math.min(id.length, reference.length);
      let shared = 0;
      while (shared < max && id.charCodeAt(shared) === reference.charCodeAt(shared)) shared++;
      if (shared > best) {
        best = shared;
        bestBack = back;
      }
    }
    out[i] = bestBack === 1 ? `${best}|${id.slice(best)}` : `${best},${bestBack}|${id.slice(best)}`;
  }
  return out;
}

function decodeIds(stored: readonly string[]): string[] {
  if (!Array.isArray(stored)) throw new Error('evaluator state: ids is not a list');
  const out = new Array<string>(stored.length);
  for (let i = 0; i < stored.length; i++) {
    const entry = stored[i];
    const bar = typeof entry === 'string' ? entry.indexOf('|') : -1;
    const head = bar > 0 ? (entry as string).slice(0, bar) : '';
    const comma = head.indexOf(',');
    const shared = comma < 0 ? Number(head || Number.NaN) : Number(head.slice(0, comma) || Number.NaN);
    const back = comma < 0 ? 1 : Number(head.slice(comma + 1) || Number.NaN);
    // The first id is stored whole (a prefix of ''); no other refers before the first.
    const reference =
      Number.isSafeInteger(back) && back >= 1 && back <= ID_REFERENCES && back <= i
        ? out[i - back]
        : i === 0 && back === 1
          ? ''
          : undefined;
    if (reference === undefined || !Number.isSafeInteger(shared) || shared < 0 || shared > reference.length) {
      throw new Error(`evaluator state: bad recent id entry #${i}`);
    }
    out[i] = reference.slice(0, shared) + (entry as string).slice(bar + 1);
  }
  return out;
}
