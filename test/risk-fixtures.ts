import type { Redis } from 'ioredis';
import { encodeMark, MARK_FIELDS } from '../shared/adapters/redis/mark-hash.js';
import { REDIS_KEYS } from '../shared/names.js';

/** Writes a mark the way the ingester does (hash at REDIS_KEYS.mark), for tests and benches. */
export async function writeMark(
  redis: Redis,
  symbol: string,
  bid: string,
  ask: string,
  receiveTsMs: number,
  options: {
    exchangeTsMs?: number;
    status?: 'live' | 'stale';
    mid?: string;
    spreadBps?: string;
    verifiedTsMs?: number;
  } = {},
): Promise<void> {
  const mid = options.mid ?? String((Number(bid) + Number(ask)) / 2);
  const spread = options.spreadBps ?? String(((Number(ask) - Number(bid)) / Number(mid)) * 10_000);
  const fields = encodeMark({
    symbol,
    bid,
    ask,
    mid,
    spread_bps: spread,
    last: mid,
    exchange_ts_ms: String(options.exchangeTsMs ?? receiveTsMs - 5),
    receive_ts_ms: String(receiveTsMs),
    status: options.status ?? 'live',
  });
  // A mark written before verification existed has no verified_ts_ms: tests of that case pass none.
  if (options.verifiedTsMs === undefined) delete fields[MARK_FIELDS.verifiedTsMs];
  else fields[MARK_FIELDS.verifiedTsMs] = String(options.verifiedTsMs);
  await redis.hset(REDIS_KEYS.mark(symbol), fields);
}

/** A proxy event as API Gateway REST sends it. */
export function proxyEvent(method: string, path: string, body?: unknown, query?: Record<string, string>) {
  return {
    httpMethod: method,
    path,
    resource: path,
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    // biome-ignore lint/suspicious/noExplicitAny: the request context is irrelevant to the router
    requestContext: {} as any,
  };
}
