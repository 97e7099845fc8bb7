import type { Redis } from 'ioredis';
import type { FakeKrakenRest } from '../../test/fakes/kraken-rest/server.js';
import { type DemoOrderOutcome, startDemoStrategy } from './demo-strategy.js';
import { startLocalAccountFeed } from './local-account-feed.js';
import { startLocalKraken } from './local-kraken.js';
import { startLocalPositions } from './local-positions.js';
import { localPricePrecision } from './local-seed.js';

/**
 * Local mode's trading loop (LOCAL_TRADING=on, what `npm start` runs): the local Kraken
 * (fake venue, private REST and WS v2, fills at the mark), the account feed on it, the
 * positions consumer polling kinesis-local's `executions`, and, once the gate listens, the
 * demo strategy. Order of a trade: strategy -> POST /v1/risk/validate -> accept (reservation)
 * -> AddOrder on the local Kraken -> executions over WS v2 -> account feed -> `executions`
 * -> positions (working orders, fills, PnL) -> the risk API's exposure. Never used in a stage.
 */
export interface LocalTrading {
  /** The local Kraken's REST API (also the kill executor's CancelAll target). */
  readonly krakenRest: FakeKrakenRest;
  readonly krakenWsAuthUrl: string;
  /** Starts the demo strategy against the gate at `gateUrl` (interval 0: not at all). */
  startDemo(gateUrl: string, intervalMs: number): () => Promise<void>;
  stop(): Promise<void>;
}

/** Per-order size of the demo: a few hundred dollars, inside every seed account's limits. */
const DEMO_QUANTITY: Record<string, string> = { 'BTC/USD': '0.01', 'ETH/USD': '0.2', 'SOL/USD': '4' };

export async function startLocalTrading(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly stage: string;
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly accountIds: readonly string[];
  /** @default STREAMS.executions (tests pass their own) */
  readonly executionsStream?: string;
  /** Where the account feed asks the risk API's health. @default http://HOST:PORT of `env` (npm start's own) */
  readonly riskApiUrl?: string;
}): Promise<LocalTrading> {
  const precision = localPricePrecision;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const kraken = await startLocalKraken({
      redis: options.redis,
      stage: options.stage,
      accountIds: options.accountIds,
      pricePrecision: precision,
    });
    stops.push(() => kraken.stop());
    const feed = await startLocalAccountFeed({
      redis: options.redis,
      redisUrl: options.redisUrl,
      stage: options.stage,
      krakenRestUrl: kraken.restUrl,
      krakenWsAuthUrl: kraken.wsAuthUrl,
      healthSymbols: ['BTC/USD', 'ETH/USD'],
      riskApiUrl: options.riskApiUrl ?? `http://${options.env.HOST ?? '127.0.0.1'}:${options.env.PORT ?? 8080}`,
      ...(options.executionsStream ? { stream: options.executionsStream } : {}),
    });
    stops.push(() => feed.stop());
    const positions = await startLocalPositions({ env: options.env, stage: options.stage, stream: feed.stream });
    stops.push(() => positions.stop());

    return {
      krakenRest: kraken.rest,
      krakenWsAuthUrl: kraken.wsAuthUrl,
      startDemo(gateUrl, intervalMs) {
        if (intervalMs <= 0) return async () => undefined;
        const stop = startDemoStrategy({
          gateUrl,
          krakenRestUrl: kraken.restUrl,
          redis: options.redis,
          credentials: kraken.credentials,
          book: Object.entries(DEMO_QUANTITY).map(([symbol, quantity]) => ({
            symbol,
            quantity,
            pricePrecision: precision(symbol),
          })),
          intervalMs,
          onOrder: printOutcome,
        });
        stops.push(stop);
        return stop;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function printOutcome(outcome: DemoOrderOutcome): void {
  console.log(`  demo ${outcome.decision.padEnd(6)} ${outcome.detail}`);
}
