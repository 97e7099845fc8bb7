import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALARMS } from '../../dashboards/panels.js';
import { burnAlarms } from '../../dashboards/slo.js';
import { recordAccountFeedCounts, recordFailedClosed } from '../../functions/account-feed/feed-metrics.js';
import { drainAuditSpool } from '../../functions/audit-drainer/drain-audit-spool.js';
import { recordDrainMetrics } from '../../functions/audit-drainer/drain-metrics.js';
import { executeKill } from '../../functions/kill-executor/execute-kill.js';
import { recordKillMetrics } from '../../functions/kill-executor/kill-metrics.js';
import { recordBatchMetrics } from '../../functions/market-evaluator/batch-metrics.js';
import { recordBufferOverflow, recordFeedMetrics } from '../../functions/market-ingester/feed-metrics.js';
import { recordMaintenanceMetrics } from '../../functions/partition-maintenance/maintenance-metrics.js';
import { recordPositionsMetrics } from '../../functions/positions/positions-metrics.js';
import type { PositionsSummary } from '../../functions/positions/process-batch.js';
import { connectRiskStores } from '../../functions/risk-api/adapters/store-adapters.js';
import { createRiskApi } from '../../functions/risk-api/app.js';
import { type RiskApiConfig, riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { riskApiMetricHooks } from '../../functions/risk-api/metrics.js';
import type { RiskApiAdapters } from '../../functions/risk-api/ports.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { STAGE_CONFIGS } from '../../infra/config/stages.js';
import { stacksOf, synthApp } from '../../infra/test-helpers.js';
import { createCoinGeckoClient } from '../../shared/adapters/coingecko-client.js';
import { PostgresDecisionAuditWriter } from '../../shared/adapters/postgres/decision-audit.js';
import { RedisAuditSpool } from '../../shared/adapters/redis/audit-spool.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import type { KillSwitchTriggeredEvent } from '../../shared/domain/controls/kill-switch.js';
import { dec } from '../../shared/domain/decimal.js';
import { ExchangeCallError } from '../../shared/domain/errors.js';
import { orderBody } from '../../shared/domain/risk/fixtures.js';
import { REDIS_KEYS } from '../../shared/names.js';
import { logger, metrics } from '../../shared/runtime/observability.js';
import { TcpProxy } from '../fakes/tcp-proxy.js';
import { databaseUrl, local } from '../local-env.js';
import { proxyEvent, writeMark } from '../risk-fixtures.js';
import {
  type AlarmState,
  type CfnResource,
  evaluateAlarm,
  evaluateCompositeRule,
  MetricIndex,
  metricsOfAlarm,
  resolveRule,
  type Timeline,
} from '../support/cloudwatch-alarms.js';
import { captureEmf, type EmfDataPoint } from '../support/emf.js';
import { seedPostgres, seedRedis } from '../support/seed.js';
import { establishStateEpoch } from '../support/state-epoch.js';

/**
 * Every custom-metric alarm of every stage, proven to fire on the fault it names.
 *
 * The real code runs through each fault and prints its EMF (Powertools, to stdout), which is
 * captured and laid out as a day of minutes: each unit reports what it printed in a normal run
 * every minute (a daily job once), and a fault replaces its unit's output for the last hour
 * (the fault persisting), or silences it. The synthesised templates of dev, staging and prod
 * are read for their AWS::CloudWatch::Alarm and CompositeAlarm resources on the RiskGate
 * namespace, and each is evaluated as CloudWatch would (test/support/cloudwatch-alarms.ts):
 * per exact dimension set, period and statistic. Each alarm must stay quiet in the normal day
 * and go to ALARM in every fault that names it; every alarm must be named by some fault.
 *
 * The risk API and the audit drainer run whole, over the local Redis and PostgreSQL reached
 * through TCP proxies that stop a store for them alone; the kill executor runs its use case
 * over port fakes; the other units start at their metric recorder (the function their
 * handler calls with the run's outcome), as noted on each fault.
 */

type Unit =
  | 'risk-api'
  | 'ingester'
  | 'audit-drainer'
  | 'kill-executor'
  | 'evaluator'
  | 'positions'
  | 'account-feed'
  | 'partition-maintenance'
  | 'reference-prices';

/** When a unit reports in the normal day: every minute, or once (a daily job, a rare event). */
const CADENCE: Record<Unit, 'minute' | { readonly atMinute: number }> = {
  'risk-api': 'minute',
  ingester: 'minute',
  'audit-drainer': 'minute',
  'kill-executor': { atMinute: 100 },
  evaluator: 'minute',
  positions: 'minute',
  'account-feed': 'minute',
  'partition-maintenance': { atMinute: 0 },
  'reference-prices': 'minute',
};
const DAY = 1_440;
const FAULT_MINUTES = 60;

interface Fault {
  readonly name: string;
  readonly unit: Unit;
  /** What the unit printed under the fault; empty for a unit gone silent. */
  readonly emf: EmfDataPoint[];
  /** Alarm ids (as in dashboards/panels.ts and dashboards/slo.ts) that must fire. */
  readonly fires: readonly string[];
}

/** What each unit prints in a normal minute (or its once-a-day report). */
const normal = new Map<Unit, EmfDataPoint[]>();
const faults: Fault[] = [];
const templates = new Map<string, Record<string, CfnResource>>();

let redis: Redis;
let pool: pg.Pool;
const redisProxy = new TcpProxy(local.redisHost, local.redisPort);
const pgProxy = new TcpProxy(local.pgHost, local.pgPort);

function riskConfig(extra: Record<string, string> = {}) {
  const dbUrl = new URL(databaseUrl());
  dbUrl.port = String(pgProxy.port);
  return riskApiConfigSchema.parse({
    STAGE: 'local',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redisProxy.port),
    REDIS_DB: String(local.testRedisDb),
    REDIS_TLS: 'false',
    REDIS_COMMAND_TIMEOUT_MS: '100',
    DATABASE_URL: dbUrl.toString(),
    DATABASE_TLS: 'false',
    LIMITS_CACHE_TTL_MS: '1',
    LIMITS_MAX_STALE_MS: '600000',
    ...extra,
  });
}

/**
 * Decision latency runs on virtual time: each round trip to the state store adds `roundTripMs`,
 * so the latency alarms are judged on the code's path (a store answering slowly) and not on
 * how loaded the build machine is. Everything else is real.
 */
const clock = { ms: 0, now: () => clock.ms };

function timedState(adapters: RiskApiAdapters, roundTripMs: number): RiskApiAdapters {
  const store = adapters.state;
  const state: RiskApiAdapters['state'] = Object.create(store);
  state.load = async (query) => {
    clock.ms += roundTripMs;
    return store.load(query);
  };
  state.commit = async (...args) => {
    clock.ms += roundTripMs;
    return store.commit(...args);
  };
  // Every decision takes its round trips (no cached copy to skip the load).
  state.cached = () => null;
  return { ...adapters, state };
}

/** A risk API with the handler's metric hooks, over the proxied stores (or `extra`'s direct ones). */
async function riskApi(extra: Record<string, string> = {}, roundTripMs = 3) {
  const hooks = riskApiMetricHooks(metrics, logger);
  const api = await createRiskApi(riskConfig(extra), {
    adapters: async (c: RiskApiConfig) => timedState(await connectRiskStores(c, hooks.stores), roundTripMs),
    ...hooks.app,
  });
  const route = createRouter(api.ports, 'local', clock);
  return {
    api,
    /** `count` orders through the router, each invocation's metrics flushed as logMetrics does. */
    async validate(count: number, body: () => unknown = () => orderBody({ quantity: '0.001' })) {
      const statuses: number[] = [];
      for (let i = 0; i < count; i++) {
        statuses.push((await route(proxyEvent('POST', '/v1/risk/validate', body()))).statusCode);
        metrics.publishStoredMetrics();
      }
      return statuses;
    },
    /** `count` orders of one account at once, as one invocation's metrics. */
    async validateConcurrently(count: number) {
      const answers = await Promise.all(
        Array.from({ length: count }, () =>
          route(proxyEvent('POST', '/v1/risk/validate', orderBody({ quantity: '0.001' }))),
        ),
      );
      metrics.publishStoredMetrics();
      return answers.map((a) => a.statusCode);
    },
  };
}

async function freshMarks(): Promise<void> {
  await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now() - 10, { mid: '65000' });
}

async function resetStores(): Promise<void> {
  await redis.flushdb();
  await seedRedis(redis);
  await establishStateEpoch(redis, pool);
  await freshMarks();
}

const positionsSummary = (overrides: Partial<PositionsSummary> = {}): PositionsSummary => ({
  applied: 2,
  duplicates: 0,
  poison: 0,
  orderEvents: 4,
  orderEventsDuplicate: 0,
  unreserved: 0,
  acknowledged: 2,
  reservationsExpired: 0,
  released: 1,
  balances: 1,
  balanceDrift: { accountId: 'company', asset: 'XBT', relative: dec('0.001') },
  ...overrides,
});

const killEvent = (engagedAgoMs: number): KillSwitchTriggeredEvent => ({
  type: 'KILL_SWITCH_TRIGGERED',
  event_id: `evt-${engagedAgoMs}-${Date.now()}`,
  scope: 'global',
  target: '*',
  reason: 'drill',
  actor: 'alice',
  engaged_at: new Date(Date.now() - engagedAgoMs).toISOString(),
  actions: ['CANCEL_OPEN_ORDERS'],
});

/** The kill executor's use case over port fakes; Kraken answers or fails every call. */
async function runKill(engagedAgoMs: number, krakenDown: boolean): Promise<void> {
  const event = killEvent(engagedAgoMs);
  const results = await executeKill(event, {
    accounts: { enabledAccountIds: async () => ['company', 'director-a'] },
    positions: { positionsOf: async () => ({}) },
    actions: { cancelled: async () => false, record: async () => {} },
    kraken: {
      cancelAll: async () => {
        if (krakenDown) throw new ExchangeCallError(['EService:Unavailable'], true);
        return { count: 2 };
      },
      cancelAllOrdersAfter: async () => ({ currentTime: '', triggerTime: '' }),
    },
    keys: { read: async (id) => ({ apiKey: `key-${id}`, apiSecret: 'c2VjcmV0' }) },
    events: { publish: async () => {} },
    sleep: async () => {},
    maxAttempts: 2,
  });
  recordKillMetrics(metrics, results, event.engaged_at, Date.now());
  metrics.publishStoredMetrics();
}

const drainPorts = (connectTimeoutMs: number) => {
  const c = createRedisClient({ host: '127.0.0.1', port: redisProxy.port, db: local.testRedisDb, tls: false });
  const p = new pg.Pool({ connectionString: riskConfig().DATABASE_URL, connectionTimeoutMillis: connectTimeoutMs });
  return { c, p, ports: { spool: new RedisAuditSpool(c), table: new PostgresDecisionAuditWriter(p) } };
};

/** One drainer run (the real use case over the proxied stores), reported as its handler does. */
/** `steady`: timeouts a loaded build machine cannot trip (the normal run); else short ones (a fault fails fast). */
async function runDrainer(steady = false): Promise<void> {
  const budgetMs = steady ? 1_500 : 300;
  const { c, p, ports } = drainPorts(steady ? 2_000 : 200);
  await c.connect();
  const started = Date.now();
  try {
    const report = await drainAuditSpool(
      ports,
      { remainingMs: () => budgetMs - (Date.now() - started), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      { batchSize: 500, maxBatches: 4, safetyMarginMs: 50, idleSleepMs: 20, failureBackoffMs: 20 },
    );
    recordDrainMetrics(metrics, report);
    metrics.publishStoredMetrics();
  } finally {
    c.disconnect();
    await p.end().catch(() => {});
  }
}

const maintenance =
  (daysAhead: number | null, rowsFoundInDefault = 0) =>
  () => {
    recordMaintenanceMetrics(
      {
        today: '2031-03-10' as never,
        tables: [],
        partitionsCreated: 1,
        partitionsDropped: 1,
        rowsFoundInDefault,
        daysAhead,
        failedTables: [],
      },
      metrics,
    );
    metrics.publishStoredMetrics();
  };

const feed = (ages: Record<string, number>, heartbeatAgeMs: number | null) => () => {
  recordFeedMetrics(metrics, { frames: 900, heartbeatAgeMs, dataAgeMs: new Map(Object.entries(ages)) });
  metrics.publishStoredMetrics();
};

/** The account feed's per-interval report, through its recorders (its service sums the sessions' counters into them). */
const accountFeed =
  (failedClosed: number, counters: Partial<Record<'unvetted' | 'withheld', number>> = {}) =>
  () => {
    recordFailedClosed(metrics, failedClosed);
    recordAccountFeedCounts(metrics, {
      events: 3,
      duplicates: 0,
      unvetted: counters.unvetted ?? 0,
      unvettedCanceled: 0,
      armed: counters.withheld ? 0 : 1,
      withheld: counters.withheld ?? 0,
      settled: 0,
      leftWorking: 0,
    });
    metrics.publishStoredMetrics();
  };

const evaluatorBatch = (poison: number) => () => {
  recordBatchMetrics(
    metrics,
    { applied: 40, duplicates: 0, poison, transitions: [], barsWritten: 1 },
    Date.now() - 300,
    Date.now(),
  );
  metrics.publishStoredMetrics();
};

const positionsBatch =
  (overrides: Partial<PositionsSummary> = {}) =>
  () => {
    recordPositionsMetrics(metrics, logger, positionsSummary(overrides));
    metrics.publishStoredMetrics();
  };

beforeAll(async () => {
  // The three stages, synthesised once (templates only: no bundling).
  const app = synthApp({}, { bundle: false });
  const assembly = app.synth();
  for (const stack of stacksOf(app)) {
    const stage = /risk-gate-(dev|staging|prod)/.exec(stack.node.path)?.[1];
    if (!stage) continue;
    const resources = assembly.getStackArtifact(stack.artifactId).template.Resources as Record<string, CfnResource>;
    templates.set(stage, { ...(templates.get(stage) ?? {}), ...resources });
  }

  await redisProxy.start();
  await pgProxy.start();
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
  await step('seed', () => seedPostgres(pool));
  await step('reset stores', resetStores);

  const record = async (name: string, unit: Unit, fires: readonly string[], act: () => unknown) =>
    faults.push({ name, unit, fires, emf: await step(name, () => captureEmf(act)) });

  // --- The normal day: what each unit prints per minute (or once).
  // Store timeouts a loaded build machine cannot trip: a normal run must not fail closed by accident.
  const steady = await riskApi({ REDIS_COMMAND_TIMEOUT_MS: '2000' });
  // Warm (a cold start's first decision loads limits and connections: provisioned concurrency's job).
  await steady.validate(3);
  normal.set('risk-api', await step('normal risk API', () => captureEmf(() => steady.validate(6))));
  await steady.api.close();
  normal.set('audit-drainer', await step('normal drainer', () => captureEmf(() => runDrainer(true))));
  const gate = await riskApi();
  await gate.validate(1);
  normal.set('ingester', await captureEmf(feed({ 'BTC/USD': 180, 'ETH/USD': 240, 'USDC/USD': 900 }, 700)));
  normal.set('kill-executor', await captureEmf(() => runKill(900, false)));
  normal.set('evaluator', await captureEmf(evaluatorBatch(0)));
  normal.set('positions', await captureEmf(positionsBatch()));
  normal.set('account-feed', await captureEmf(accountFeed(0)));
  normal.set('partition-maintenance', await captureEmf(maintenance(14)));
  normal.set('reference-prices', []);

  // --- Faults of the risk API (whole app over the proxied stores).
  const slow = await riskApi({}, 40);
  await record(
    'slow decisions (each state store round trip 40 ms)',
    'risk-api',
    ['DecisionLatencyP99', 'SloDecisionLatencyFastBurn', 'SloDecisionLatencySlowBurn'],
    () => slow.validate(6),
  );
  await slow.api.close();

  await record('cache came back empty (no state epoch)', 'risk-api', ['StateEpochMissing'], async () => {
    await redis.del(REDIS_KEYS.stateEpoch);
    await gate.validate(3);
  });
  await step('reset stores', resetStores);

  await record('Redis down', 'risk-api', ['StateUnavailable'], async () => {
    await redisProxy.stop();
    await gate.validate(3);
    await redisProxy.start(redisProxy.port);
  });
  await step('reset stores', resetStores);

  await record(
    'Redis and PostgreSQL down (audit loss)',
    'risk-api',
    ['StateUnavailable', 'AuditWriteFailures', 'SloAuditRecordsLostFastBurn', 'SloAuditRecordsLostSlowBurn'],
    async () => {
      await redisProxy.stop();
      await pgProxy.stop();
      await gate.validate(3);
      await pgProxy.start(pgProxy.port);
      await redisProxy.start(redisProxy.port);
    },
  );
  await gate.api.close();
  await step('reset stores', resetStores);

  // No replica acknowledges (local Redis has none) while the audit table is down.
  const acked = await riskApi({ AUDIT_MIN_REPLICA_ACKS: '1', AUDIT_REPLICA_ACK_TIMEOUT_MS: '5' });
  await acked.validate(1);
  await record(
    'cache replica shortfall with the audit table down',
    'risk-api',
    ['ReplicaAckShortfalls', 'AuditSpoolOnly'],
    async () => {
      await pgProxy.stop();
      await acked.validate(3);
      await pgProxy.start(pgProxy.port);
    },
  );
  await acked.api.close();

  await step('reset stores', resetStores);
  // Contention is between instances, as between Lambda instances in a stage: one process
  // queues an account's decisions (shared/domain/risk/validate-order.ts), so only another
  // process's commit can move the book under a decision. Eight instances, five orders of one
  // account each, at once: a commit that finds the book moved re-decides. How many collide
  // depends on scheduling, so waves go on (at most six) until the minute holds the contention
  // the alarm names (over 20 re-made decisions).
  const instances = await Promise.all(Array.from({ length: 8 }, () => riskApi()));
  for (const instance of instances) await instance.validate(1);
  const contended: EmfDataPoint[] = [];
  let conflicts = 0;
  for (let wave = 0; wave < 6 && conflicts <= 20; wave++) {
    const points = await step(`contention wave ${wave}`, () =>
      captureEmf(() => Promise.all(instances.map((instance) => instance.validateConcurrently(5)))),
    );
    contended.push(...points);
    conflicts += points.filter((p) => p.name === 'BookConflicts').reduce((n, p) => n + p.value, 0);
  }
  faults.push({
    name: `account book contended (${conflicts} decisions re-made in the minute)`,
    unit: 'risk-api',
    emf: contended,
    fires: ['BookConflictsSustained'],
  });
  await Promise.all(instances.map((instance) => instance.api.close()));

  // --- Faults of the audit drainer (real use case over the proxied stores).
  await step('reset stores', resetStores);
  await record('PostgreSQL down for the drainer', 'audit-drainer', ['AuditDrainFailing'], async () => {
    await redis.xadd(
      REDIS_KEYS.auditSpool,
      '*',
      'r',
      JSON.stringify({ decisionId: 'd-1', decidedAt: new Date().toISOString() }),
    );
    await pgProxy.stop();
    await runDrainer();
    await pgProxy.start(pgProxy.port);
  });
  await record(
    'audit spool backlog over 50 000 (PostgreSQL down)',
    'audit-drainer',
    ['AuditSpoolBacklog', 'AuditDrainFailing'],
    async () => {
      const batch = redis.pipeline();
      const record = JSON.stringify({ decisionId: 'd-backlog', decidedAt: new Date().toISOString() });
      for (let i = 0; i < 50_001; i++) batch.xadd(REDIS_KEYS.auditSpool, '*', 'r', record);
      await batch.exec();
      await pgProxy.stop();
      await runDrainer();
      await pgProxy.start(pgProxy.port);
    },
  );
  await step('reset stores', resetStores);
  await record('unreadable spool entry', 'audit-drainer', ['AuditDeadLetters'], async () => {
    await redis.xadd(REDIS_KEYS.auditSpool, '*', 'garbage', 'not a record');
    await runDrainer();
  });

  // --- Kill executor (use case over port fakes).
  await record('Kraken CancelAll fails', 'kill-executor', ['KillExecutorFailures'], () => runKill(900, true));
  await record(
    'kill switch slower than 5 s',
    'kill-executor',
    ['KillSwitchSlow', 'SloKillSwitchResponseFastBurn', 'SloKillSwitchResponseSlowBurn'],
    () => runKill(8_000, false),
  );

  // --- Ingester (its periodic recorder with the pipeline's ages).
  await record(
    'stale feed (one symbol 6 s old)',
    'ingester',
    ['MarketDataStale', 'SloMarketDataFreshnessFastBurn', 'SloMarketDataFreshnessSlowBurn'],
    feed({ 'BTC/USD': 180, 'ETH/USD': 6_000, 'USDC/USD': 900 }, 700),
  );
  faults.push({
    name: 'dead ingester (no task reports)',
    unit: 'ingester',
    emf: [],
    fires: [
      'MarketDataStale',
      'IngestHeartbeatStale',
      'SloMarketDataFreshnessFastBurn',
      'SloMarketDataFreshnessSlowBurn',
    ],
  });
  await record(
    'hung connection (no heartbeat for 15 s)',
    'ingester',
    ['IngestHeartbeatStale'],
    feed({ 'BTC/USD': 180 }, 15_000),
  );
  await record('Kinesis buffer overflow', 'ingester', ['IngestBufferOverflow'], () => {
    // What the ingester's Kinesis sink reports through onOverflow.
    recordBufferOverflow(metrics, 120);
    metrics.publishStoredMetrics();
  });

  // --- Stream consumers (their recorders with the batch summary).
  await record('poison market event', 'evaluator', ['EvaluatorPoisonRecords'], evaluatorBatch(1));
  await record('poison execution record', 'positions', ['PositionsPoisonRecords'], positionsBatch({ poison: 1 }));
  await record(
    'balance drifts 3% from position',
    'positions',
    ['BalanceDrift'],
    positionsBatch({
      balanceDrift: { accountId: 'company', asset: 'XBT', relative: dec('0.03') },
    }),
  );
  await record(
    'reservations expiring unacknowledged',
    'positions',
    ['ReservationsExpired'],
    positionsBatch({ reservationsExpired: 15 }),
  );

  // --- Account feed, partition maintenance, CoinGecko key.
  await record('account feed failed closed', 'account-feed', ['AccountFeedFailedClosed'], accountFeed(2));
  faults.push({
    name: 'no account feed task reports',
    unit: 'account-feed',
    emf: [],
    fires: ['AccountFeedFailedClosed'],
  });
  await record('unvetted order on Kraken', 'account-feed', ['UnvettedOrders'], accountFeed(0, { unvetted: 1 }));
  await record(
    "dead man's switch withheld",
    'account-feed',
    ['DeadMansSwitchWithheld'],
    accountFeed(0, { withheld: 2 }),
  );
  await record('rows in a DEFAULT partition', 'partition-maintenance', ['PartitionRowsInDefault'], maintenance(14, 5));
  await record(
    'partitions running out (3 days ahead)',
    'partition-maintenance',
    ['PartitionDaysAhead'],
    maintenance(3),
  );
  faults.push({
    name: 'partition maintenance did not run',
    unit: 'partition-maintenance',
    emf: [],
    fires: ['PartitionDaysAhead'],
  });
  await record('CoinGecko key still a placeholder', 'reference-prices', ['SecretPlaceholder'], async () => {
    const client = createCoinGeckoClient(
      { COINGECKO_BASE_URL: 'http://127.0.0.1:9', COINGECKO_API_KEY_SECRET_ID: 'risk-gate/test/coingecko' },
      { getString: async () => '' },
      { sleep: async () => {} },
    );
    await client.simplePrice(['bitcoin']).catch(() => {});
    metrics.publishStoredMetrics();
  });
}, 240_000);

afterAll(async () => {
  redis?.disconnect();
  await pool?.end();
  await redisProxy.stop();
  await pgProxy.stop();
});

/** A setup step that names itself when it hangs (a stuck store call would otherwise only time out the hook). */
async function step<T>(name: string, act: () => Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step "${name}" took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([act(), late]);
  } finally {
    clearTimeout(timer);
  }
}

const days = new Map<Fault | undefined, Timeline>();
const indexes = new WeakMap<Timeline, MetricIndex>();

/** A day of minutes: every unit's normal output, the faulted unit's replaced for the last hour. */
function day(fault?: Fault): Timeline {
  const cached = days.get(fault);
  if (cached) return cached;
  const built = buildDay(fault);
  days.set(fault, built);
  return built;
}

function buildDay(fault?: Fault): Timeline {
  const runs: { from: number; to: number; points: EmfDataPoint[] }[] = [];
  const faultFrom = DAY - FAULT_MINUTES;
  for (const [unit, emf] of normal) {
    const cadence = CADENCE[unit];
    const faulted = fault?.unit === unit;
    if (cadence === 'minute') {
      runs.push({ from: 0, to: faulted ? faultFrom : DAY, points: emf });
      if (faulted) runs.push({ from: faultFrom, to: DAY, points: (fault as Fault).emf });
    } else if (faulted) {
      // A once-a-day report: the fault's report is the day's (in the last minute), or there is none.
      runs.push({ from: DAY - 1, to: DAY, points: (fault as Fault).emf });
    } else {
      runs.push({ from: cadence.atMinute, to: cadence.atMinute + 1, points: emf });
    }
  }
  return { minutes: DAY, runs };
}

const CUSTOM_NAMESPACE = 'RiskGate';

/** The custom-metric alarms of a stage template: metric alarms on RiskGate and composites over them. */
function customAlarms(resources: Record<string, CfnResource>) {
  const metricAlarms = Object.entries(resources).filter(
    ([, r]) =>
      r.Type === 'AWS::CloudWatch::Alarm' && metricsOfAlarm(r.Properties).some((m) => m.namespace === CUSTOM_NAMESPACE),
  );
  const ids = new Set(metricAlarms.map(([id]) => id));
  const composites = Object.entries(resources).filter(
    ([, r]) =>
      r.Type === 'AWS::CloudWatch::CompositeAlarm' &&
      [...resolveRule(r.Properties.AlarmRule).matchAll(/ALARM\("([^"]+)"\)/g)].every((m) => ids.has(m[1] as string)),
  );
  return { metricAlarms, composites };
}

/** The alarm id of a logical id (`Observability<Id><8 hex>` in the stateless stack). */
const alarmIdOf = (logicalId: string) => logicalId.replace(/^Observability/, '').slice(0, -8);

/** The state of every custom alarm of a stage over a timeline. */
function evaluateStage(
  resources: Record<string, CfnResource>,
  timeline: Timeline,
  mutate?: (logicalId: string, props: Record<string, unknown>) => Record<string, unknown>,
): Map<string, AlarmState> {
  const index = indexes.get(timeline) ?? new MetricIndex(timeline);
  indexes.set(timeline, index);
  const { metricAlarms, composites } = customAlarms(resources);
  const states = new Map<string, AlarmState>();
  for (const [id, r] of metricAlarms)
    states.set(id, evaluateAlarm(mutate ? mutate(id, r.Properties) : r.Properties, index));
  for (const [id, r] of composites) states.set(id, evaluateCompositeRule(resolveRule(r.Properties.AlarmRule), states));
  const byAlarmId = new Map<string, AlarmState>();
  for (const [id, state] of states) byAlarmId.set(alarmIdOf(id), state);
  return byAlarmId;
}

const STAGES = ['dev', 'staging', 'prod'] as const;

describe('Custom-metric alarms, evaluated from the synthesised templates over the EMF the code prints', () => {
  it.each(STAGES)('%s: every alarm stays quiet through a normal day', (stage) => {
    const resources = templates.get(stage) as Record<string, CfnResource>;
    const states = evaluateStage(resources, day());
    const firing = [...states].filter(([, s]) => s === 'ALARM').map(([id]) => id);
    expect(firing).toEqual([]);
    // Every alarm of the lists, found in the template: the panel alarms and, per SLO and speed, two windows and a composite.
    expect(states.size).toBe(ALARMS.length + burnAlarms(STAGE_CONFIGS[stage].slo).length * 3);
    expect([...states.keys()].sort()).toEqual(
      [
        ...ALARMS.map((a) => a.id),
        ...burnAlarms(STAGE_CONFIGS[stage].slo).flatMap((b) => [b.id, `${b.id}Long`, `${b.id}Short`]),
      ].sort(),
    );
  });

  it.each(STAGES)('%s: every alarm fires in each fault that names it, and every alarm is named by a fault', (stage) => {
    const resources = templates.get(stage) as Record<string, CfnResource>;
    const named = new Set<string>();
    const missed: string[] = [];
    for (const fault of faults) {
      const states = evaluateStage(resources, day(fault));
      for (const id of fault.fires) {
        named.add(id);
        // A burn-rate alarm is its composite; its windows must both be in ALARM for it to be.
        if (states.get(id) !== 'ALARM')
          missed.push(`${fault.name}: ${id} is ${states.get(id) ?? 'not in the template'}`);
      }
    }
    expect(missed).toEqual([]);
    const unproven = [...evaluateStage(resources, day()).keys()].filter(
      (id) => !named.has(id) && !named.has(id.replace(/(Long|Short)$/, '')),
    );
    expect(unproven).toEqual([]);
  });

  it('fails to prove an alarm whose metric name or dimension set is changed (every prod alarm, both mutations)', () => {
    const resources = templates.get('prod') as Record<string, CfnResource>;
    const { metricAlarms } = customAlarms(resources);
    const quietDay = day();
    const proven = (logicalId: string, mutate?: (props: Record<string, unknown>) => Record<string, unknown>) => {
      const only = (id: string, props: Record<string, unknown>) => (id === logicalId && mutate ? mutate(props) : props);
      const alarmId = alarmIdOf(logicalId);
      const base = alarmId.replace(/(Long|Short)$/, '');
      const firing = faults
        .filter((f) => f.fires.includes(base))
        .every((f) => evaluateStage(resources, day(f), only).get(alarmId) === 'ALARM');
      return firing && evaluateStage(resources, quietDay, only).get(alarmId) !== 'ALARM';
    };
    const survivors: string[] = [];
    for (const [logicalId] of metricAlarms) {
      expect(proven(logicalId), `${logicalId} unmutated`).toBe(true);
      if (proven(logicalId, (p) => renameMetric(p, (name) => `${name}Renamed`))) survivors.push(`${logicalId}: name`);
      if (proven(logicalId, (p) => withDimensions(p, (d) => [...d, { Name: 'decision', Value: 'accept' }])))
        survivors.push(`${logicalId}: + decision dimension`);
    }
    expect(survivors).toEqual([]);
  });
});

type Dimension = { Name: string; Value: string };

/** A copy of alarm properties with every metric's name changed. */
function renameMetric(props: Record<string, unknown>, rename: (name: string) => string): Record<string, unknown> {
  const copy = structuredClone(props);
  if (typeof copy.MetricName === 'string') copy.MetricName = rename(copy.MetricName);
  for (const q of (copy.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[] | undefined) ?? []) {
    if (q.MetricStat) q.MetricStat.Metric.MetricName = rename(q.MetricStat.Metric.MetricName);
  }
  return copy;
}

/** A copy of alarm properties with every metric's dimension set changed. */
function withDimensions(
  props: Record<string, unknown>,
  change: (d: Dimension[]) => Dimension[],
): Record<string, unknown> {
  const copy = structuredClone(props);
  if (typeof copy.MetricName === 'string') copy.Dimensions = change((copy.Dimensions as Dimension[]) ?? []);
  for (const q of (copy.Metrics as { MetricStat?: { Metric: { Dimensions?: Dimension[] } } }[] | undefined) ?? []) {
    if (q.MetricStat) q.MetricStat.Metric.Dimensions = change(q.MetricStat.Metric.Dimensions ?? []);
  }
  return copy;
}
