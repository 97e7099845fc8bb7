import { endianness } from 'node:os';
import { EMPTY_SYMBOL_STATE, type SymbolEvaluatorState } from '../../domain/breakers/symbol-evaluator.js';
import type { VolatilityWindowState } from '../../domain/breakers/volatility.js';

/**
 * The one codec of the market evaluator's per-symbol state, a JSON string at
 * `REDIS_KEYS.evaluatorState(symbol)` (volatility window, causes, watermark). Only the
 * evaluator reads and writes it; it can be rebuilt by replaying the stream.
 *
 * Written as version 3 (issue #16: every batch reads and writes it, ~95 kB in version 1,
 * most of it the volatility window's numbers and the recent event ids as JSON text):
 * - `vol.sq`: the squared returns as little-endian float64, base64 (every double exactly:
 *   the breaker's sum and so its decisions are the same bit for bit);
 * - `vol.dt`: each return's time as `lastTs - ts`, little-endian uint32, base64, when every
 *   one is such an integer (always, for returns inside a window of ms); otherwise `vol.ts`,
 *   the times themselves as float64, base64;
 * - `ids`: the recent event ids, oldest first, joined by newlines (a list when an id is
 *   empty or holds one).
 * Encoding and decoding are native copies (typed arrays, base64, join, split): version 1's
 * cost was mostly rendering and parsing the doubles as JSON text.
 * Version 2 (the same, with each id stored as the length of a prefix shared with one of the
 * 4 ids before it and the rest: smaller, but slower to write than the JSON it replaced) and
 * version 1 (the plain JSON of {@link SymbolEvaluatorState}) are still read: a state missing
 * is a symbol never seen, which would forget the volatility window, so the old one must not
 * be taken as missing.
 */
export function encodeEvaluatorState(state: SymbolEvaluatorState): string {
  const stored: StoredStateV3 = {
    v: 3,
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
  const stored = JSON.parse(text) as StoredState | SymbolEvaluatorState;
  const version: unknown = stored.v;
  if (stored.v === 1) return stored;
  if (stored.v !== 3 && stored.v !== 2) throw new Error(`evaluator state of unknown version ${String(version)}`);
  return {
    v: 1,
    lastSeq: stored.lastSeq,
    recentIds: stored.v === 3 ? decodeIds(stored.ids) : decodePrefixedIds(stored.ids),
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

interface StoredStateV3 {
  readonly v: 3;
  readonly lastSeq: string;
  readonly ids: string | readonly string[];
  readonly vol: StoredVolatilityV2;
  readonly causes: SymbolEvaluatorState['causes'];
  readonly bar: SymbolEvaluatorState['bar'];
}

/** Version 2 (two commits of issue #16, a92bee1 and before): version 3 with prefix-compressed ids. */
interface StoredStateV2 extends Omit<StoredStateV3, 'v' | 'ids'> {
  readonly v: 2;
  readonly ids: readonly string[];
}

type StoredState = StoredStateV3 | StoredStateV2;

const UINT32_LIMIT = 2 ** 32;
/** Typed arrays use the platform's byte order; the stored bytes are little-endian. */
const BIG_ENDIAN = endianness() === 'BE';

/** The doubles' bytes, little-endian, as base64: one native copy and one native encoding. */
function float64Base64(values: readonly number[]): string {
  const bytes = Buffer.from(Float64Array.from(values).buffer);
  return (BIG_ENDIAN ? bytes.swap64() : bytes).toString('base64');
}

function encodeVolatility(vol: VolatilityWindowState): StoredVolatilityV2 {
  const n = vol.sq.length;
  if (vol.ts.length !== n) throw new Error(`volatility window of ${vol.ts.length} times and ${n} returns`);
  const dt = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const delta = vol.lastTs - (vol.ts[i] as number);
    if (!(Number.isInteger(delta) && delta >= 0 && delta < UINT32_LIMIT)) {
      // A time that is not a whole ms at or before the last one: kept as the double it is.
      return { lastPrice: vol.lastPrice, lastTs: vol.lastTs, n, sq: float64Base64(vol.sq), ts: float64Base64(vol.ts) };
    }
    dt[i] = delta;
  }
  const dtBytes = Buffer.from(dt.buffer);
  return {
    lastPrice: vol.lastPrice,
    lastTs: vol.lastTs,
    n,
    sq: float64Base64(vol.sq),
    dt: (BIG_ENDIAN ? dtBytes.swap32() : dtBytes).toString('base64'),
  };
}

function decodeVolatility(stored: StoredVolatilityV2): VolatilityWindowState {
  const { n, lastTs } = stored;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`evaluator state: bad volatility window length ${n}`);
  const sq = Array.from(new Float64Array(alignedBytes(stored.sq, n * 8, 'sq', 8)));
  let ts: number[];
  if (stored.dt !== undefined) {
    const dt = new Uint32Array(alignedBytes(stored.dt, n * 4, 'dt', 4));
    ts = new Array<number>(n);
    for (let i = 0; i < n; i++) ts[i] = lastTs - (dt[i] as number);
  } else {
    ts = Array.from(new Float64Array(alignedBytes(stored.ts, n * 8, 'ts', 8)));
  }
  return { lastPrice: stored.lastPrice, lastTs, ts, sq };
}

/** The base64's bytes in a buffer of their own (typed arrays need aligned offsets), in platform order. */
function alignedBytes(base64: string | undefined, length: number, field: string, width: 4 | 8): ArrayBuffer {
  const decoded = typeof base64 === 'string' ? Buffer.from(base64, 'base64') : undefined;
  if (decoded === undefined || decoded.length !== length) {
    throw new Error(`evaluator state: volatility ${field} is not ${length} bytes`);
  }
  const own = new ArrayBuffer(length);
  const bytes = Buffer.from(own);
  decoded.copy(bytes);
  if (BIG_ENDIAN) width === 8 ? bytes.swap64() : bytes.swap32();
  return own;
}

/**
 * The ids joined by newlines (one native join and split; ids from the ingester never hold
 * one); the list as it is when an id is empty or holds a newline, which a join would lose.
 */
function encodeIds(ids: readonly string[]): string | readonly string[] {
  for (const id of ids) if (id === '' || id.includes('\n')) return ids;
  return ids.join('\n');
}

function decodeIds(stored: string | readonly string[]): string[] {
  if (typeof stored === 'string') return stored === '' ? [] : stored.split('\n');
  if (!Array.isArray(stored) || !stored.every((id) => typeof id === 'string')) {
    throw new Error('evaluator state: ids is neither text nor a list of text');
  }
  return [...stored];
}

/** Version 2's ids: `<shared>|<rest>` or `<shared>,<k>|<rest>` (a prefix of the id k before). */
const ID_REFERENCES = 4;

function decodePrefixedIds(stored: readonly string[]): string[] {
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
