import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { baseConfigSchema, parseConfig } from '../../shared/config/env.js';

/**
 * One typed configuration per stage: sizes, retention, AZ count, API limits, stream consumer
 * sizing and guardrails. Every per-stage setting lives here and constructs receive them as
 * props; code reads them through {@link stageConfig}. Nothing in a stack tests
 * `stage === 'prod'` directly, so every difference between stages is visible here and
 * snapshot-tested.
 */
export type DeployStage = 'dev' | 'staging' | 'prod';
export const DEPLOY_STAGES: readonly DeployStage[] = ['dev', 'staging', 'prod'];

/** Network: the VPC and how its private subnets reach the internet. */
export interface NetworkConfig {
  /**
   * NAT gateways for the egress to Kraken and CoinGecko. One per AZ survives an AZ loss;
   * fewer saves money where an AZ outage may stop the ingester.
   */
  readonly natGateways: number;
  /**
   * Route 53 Resolver DNS Firewall: the VPC resolves only the allow-listed domains
   * (Kraken, CoinGecko, AWS), so egress cannot reach anything else by name.
   */
  readonly dnsEgressAllowlist: boolean;
  /** Which VPC flow records to keep (REJECT is the cheap, security-relevant subset). */
  readonly flowLogTraffic: 'ALL' | 'REJECT';
}

/** Aurora PostgreSQL Serverless v2. */
export interface DatabaseConfig {
  /** Lowest capacity in ACUs (0.5 is the floor; 0 would auto-pause and add cold starts). */
  readonly minCapacityAcu: number;
  readonly maxCapacityAcu: number;
  /** Readers besides the writer; each lands in another AZ and can take over as writer. */
  readonly readers: number;
  /** Automated backups and point-in-time restore window, days (1..35). */
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  /** Performance Insights, 7 days retention (the free tier). */
  readonly performanceInsights: boolean;
  /** Enhanced monitoring interval in seconds; 0 turns it off. */
  readonly enhancedMonitoringSeconds: 0 | 1 | 5 | 10 | 15 | 30 | 60;
  /** Days between automatic rotations of the admin credentials. */
  readonly credentialRotationDays: number;
}

/** ElastiCache replication group (Valkey, Redis OSS compatible). */
export interface CacheConfig {
  readonly nodeType: string;
  /** Replicas of the one shard; >= 1 enables Multi-AZ with automatic failover. */
  readonly replicas: number;
  /** Days of daily snapshots kept (0 turns snapshots off; this config never does). */
  readonly snapshotRetentionDays: number;
  /** A non-default port: harmless, and one less thing scanners find. */
  readonly port: number;
}

/** Kinesis Data Streams: market-events and executions. */
export interface StreamsConfig {
  readonly mode: 'ON_DEMAND' | 'PROVISIONED';
  /** Shards per stream when provisioned (ignored on demand). */
  readonly shards: number;
  /** How far back a consumer can replay, hours (24..8760). */
  readonly retentionHours: number;
}

/** Optional Amazon Timestream for LiveAnalytics sink (closed to new AWS accounts in 2025). */
export interface TimestreamConfig {
  readonly enabled: boolean;
  /** Hours a record stays in the memory store (fast writes and queries). */
  readonly memoryRetentionHours: number;
  /** Days a record stays in the magnetic store. */
  readonly magneticRetentionDays: number;
  /** The account's ingest cell (from DescribeEndpoints), for the VPC endpoint. */
  readonly ingestCell: string;
}

/** The trading API (API Gateway in front of the risk-api Lambda). */
export interface ApiConfig {
  /** Provisioned concurrency of the risk-api alias; 0 = on-demand only. */
  readonly provisionedConcurrency: number;
  /** Usage-plan steady rate (requests/s) and burst per API key. */
  readonly throttleRatePerSecond: number;
  readonly throttleBurst: number;
  /** WAF rate-based rule: requests per 5 minutes per source IP before blocking. */
  readonly wafRateLimitPer5Min: number;
  /** Replica acknowledgements each decision waits for (Redis WAIT); see docs/risk-api.md. */
  readonly auditMinReplicaAcks: number;
  /** Lambda memory (MB): CPU scales with it, and the p99 with CPU. */
  readonly memoryMb: number;
  /**
   * Reject an account's orders while its private Kraken feed is not live (ACCOUNT_FEED_REQUIRED):
   * without it the gate cannot count working orders it did not see. Required in staging and prod.
   */
  readonly accountFeedRequired: boolean;
}

/** How one Kinesis consumer is fed (Lambda event source mapping) and sized. */
export interface StreamConsumerConfig {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Concurrent batches per shard (1..10); order per partition key is kept regardless. */
  readonly parallelizationFactor: number;
  /** Retries of a failing batch (with bisection) before it goes to the on-failure queue. */
  readonly retryAttempts: number;
  /** Records older than this skip to the on-failure queue instead of blocking the shard. */
  readonly maxRecordAgeHours: number;
  readonly memoryMb: number;
}

/**
 * The stream consumers. The market evaluator wants large batches (state is written once per
 * symbol per batch); positions wants small ones (each fill is a transaction, and a fill
 * should reach the risk API's daily loss within a second or two).
 */
export interface EvaluatorsConfig {
  readonly marketEvaluator: StreamConsumerConfig;
  readonly positions: StreamConsumerConfig;
}

/**
 * Days each day-partitioned table keeps (partition maintenance drops older days whole; see
 * docs/data-durability.md#retention-of-the-partitioned-tables).
 */
export interface RetentionConfig {
  /** The decision audit; prod keeps seven years (the job refuses less in prod). */
  readonly riskDecisionsDays: number;
  readonly marketTicksDays: number;
  readonly marketBarsDays: number;
}

/**
 * Kraken's private feed (functions/account-feed, docs/account-feed.md): one Fargate task per
 * shard, and which accounts get the dead man's switch and the unvetted-order cancel.
 */
export interface AccountFeedStageConfig {
  /** Tasks the accounts are spread over (SHARD_COUNT), by a hash of the account id. */
  readonly shards: number;
  /** Accounts whose Kraken dead man's switch is kept armed while the gate is healthy: `*` or ids. */
  readonly deadMansSwitchAccounts: '*' | readonly string[];
  /** Accounts whose orders without an accepted decision are canceled (all are reported): `*` or ids. */
  readonly cancelUnvettedAccounts: '*' | readonly string[];
  /** Pairs whose marks must be fresh for the gate to count as healthy (a subset of tradedSymbols). */
  readonly healthSymbols: readonly string[];
}

/** Who an alarm's SNS topic notifies (both on ALARM and on OK). */
export interface AlarmSubscriptions {
  readonly emails: readonly string[];
  /** HTTPS webhooks (the paging service's CloudWatch integration URL). */
  readonly httpsEndpoints: readonly string[];
}

/**
 * The standard AWS resource alarms (infra/constructs/monitoring.ts) and where every alarm of
 * the stage routes: `page` wakes the on-call, `ticket` is looked at in working hours
 * (docs/runbooks/README.md#severities). Every threshold is the last healthy value: an alarm
 * fires past it (above, or below for a floor). Counts are per 5-minute period.
 */
export interface AlarmsConfig {
  readonly page: AlarmSubscriptions;
  readonly ticket: AlarmSubscriptions;
  readonly lambda: {
    readonly errorsPer5Min: number;
    readonly throttlesPer5Min: number;
    /** Duration p99 as a percent of the function's timeout (a function near its timeout gets killed). */
    readonly durationP99PercentOfTimeout: number;
    /** Duration p99 of the risk API handler, ms: the request path has its own, tighter bound. */
    readonly riskApiDurationP99Ms: number;
    /** Age of the oldest record a Kinesis consumer has not processed, ms. */
    readonly iteratorAgeMs: number;
  };
  readonly api: {
    readonly fault5xxRatePercent: number;
    readonly error4xxRatePercent: number;
    /** API Gateway `Latency` p99, ms (the SLO's burn-rate alarms are separate). */
    readonly latencyP99Ms: number;
  };
  readonly streams: { readonly writeThrottledRecordsPer5Min: number };
  readonly deadLetterQueues: { readonly visibleMessages: number; readonly oldestMessageAgeMinutes: number };
  readonly services: { readonly cpuPercent: number; readonly memoryPercent: number };
  readonly database: {
    readonly cpuPercent: number;
    /** Connections to the cluster (the proxy pools them; a climb means pinning or a leak). */
    readonly connections: number;
    readonly replicaLagMs: number;
    readonly freeableMemoryMb: number;
    /** RDS Proxy: p99 wait for a pooled connection, ms. */
    readonly proxyBorrowLatencyP99Ms: number;
  };
  readonly cache: {
    readonly engineCpuPercent: number;
    readonly memoryPercent: number;
    readonly replicationLagSeconds: number;
    readonly evictionsPer5Min: number;
  };
}

/**
 * Reserved concurrency of the functions that run many at a time: it guarantees each its
 * share of the account's Lambda concurrency (the risk API is never starved by a stream
 * backlog) and caps what a runaway can take. The one-at-a-time jobs (schema migrator, audit
 * drainer, reference prices, universe, partition maintenance, state rebuild) are fixed at 1
 * in their constructs in every stage, because running alone is what keeps them correct. The
 * risk API's provisioned concurrency (api.provisionedConcurrency) counts inside its share.
 */
export interface ReservedConcurrencyConfig {
  readonly health: number;
  /** Throttle rate x handler duration, with burst headroom; beyond it callers get errors (fail closed). */
  readonly riskApi: number;
  readonly adminApi: number;
  readonly killExecutor: number;
  /** At least shards x parallelizationFactor, or the stream backs up (on demand starts at 4 shards). */
  readonly marketEvaluator: number;
  readonly positions: number;
}

/** Stablecoins the depeg breaker watches: every stage must subscribe them, or it never runs. */
export const DEPEG_WATCHED_SYMBOLS = ['USDC/USD', 'USDT/USD'] as const;

/** A multi-window burn-rate alarm: pages when both windows spend the error budget `burnRate` times too fast. */
export interface BurnWindow {
  /** The window that makes the alarm significant (budget really being spent). */
  readonly longMinutes: number;
  /** The window that makes it reset quickly once the fault is fixed. */
  readonly shortMinutes: number;
  /** Multiple of the steady spend that exhausts the budget exactly at the end of the 30-day period. */
  readonly burnRate: number;
}

/** The SLOs of docs/slo.md and their burn-rate alarms (dashboards/slo.ts, infra/constructs/observability.ts). */
export interface SloConfig {
  /** Risk decision latency bound, ms, and the share of decisions that must meet it (p99 = 0.99). */
  readonly decisionLatencyMs: number;
  readonly decisionLatencyTarget: number;
  /** A minute is fresh when its stalest symbol's data age stays at or under this, ms. */
  readonly marketDataMaxAgeMs: number;
  readonly freshMinutesTarget: number;
  /** Kill switch engage to all cancels confirmed, ms, and the share of engages that must meet it. */
  readonly killSwitchMs: number;
  readonly killSwitchTarget: number;
  /** Pages: 2% of a 30-day budget gone in an hour. */
  readonly fastBurn: BurnWindow;
  /** Pages too, later: 5% gone in six hours. */
  readonly slowBurn: BurnWindow;
}

/** Same objectives in every stage: staging and dev prove the alarms prod relies on. */
const SLO_TARGETS: SloConfig = {
  decisionLatencyMs: 30,
  decisionLatencyTarget: 0.99,
  marketDataMaxAgeMs: 2_000,
  freshMinutesTarget: 0.999,
  killSwitchMs: 5_000,
  killSwitchTarget: 0.99,
  fastBurn: { longMinutes: 60, shortMinutes: 5, burnRate: 14.4 },
  slowBurn: { longMinutes: 360, shortMinutes: 30, burnRate: 6 },
};

export interface StageConfig {
  readonly stage: DeployStage;
  /**
   * USD spot pairs (Kraken v2 spelling) the ingester subscribes from its first second: what
   * the gate trades on day one plus the stablecoins of the depeg breaker. The universe job's
   * set adds to them while running (docs/ingester.md).
   */
  readonly tradedSymbols: readonly string[];
  readonly retention: RetentionConfig;
  /** Region; the account comes from `-c account=` or CDK_DEFAULT_ACCOUNT at synth time. */
  readonly region: string;
  /** Availability zones the VPC spans (the stores' replicas follow). */
  readonly azCount: number;
  readonly logRetention: RetentionDays;
  /**
   * The key every CloudWatch log group of the stage is encrypted with: `stage-key` (the
   * stage's customer-managed key: reading the logs then also needs the key, and CloudTrail
   * records each use) or `aws-owned` (CloudWatch's default encryption, acknowledged on each
   * log group for the template scans). Applied by infra/constructs/stage-encryption.ts.
   */
  readonly logEncryption: 'stage-key' | 'aws-owned';
  readonly reservedConcurrency: ReservedConcurrencyConfig;
  /** What happens to stateful resources when their stack is deleted. */
  readonly statefulRemovalPolicy: RemovalPolicy;
  readonly network: NetworkConfig;
  readonly database: DatabaseConfig;
  readonly cache: CacheConfig;
  readonly streams: StreamsConfig;
  readonly timestream: TimestreamConfig;
  readonly api: ApiConfig;
  readonly evaluators: EvaluatorsConfig;
  readonly accountFeed: AccountFeedStageConfig;
  readonly slo: SloConfig;
  readonly alarms: AlarmsConfig;
  /** Settings every function receives and validates at cold start (and preflight checks). */
  readonly runtime: {
    readonly SIMULATION_MODE: 'true' | 'false';
    readonly ALLOW_INSECURE_DEFAULTS: 'true' | 'false';
    readonly LOG_LEVEL: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
    /** HH:MM UTC; the positions consumer and the risk API must agree on it. */
    readonly TRADING_DAY_BOUNDARY_UTC: string;
  };
}

const TIMESTREAM_OFF: TimestreamConfig = {
  enabled: false,
  memoryRetentionHours: 24,
  magneticRetentionDays: 365,
  ingestCell: 'cell1',
};

/**
 * Alarm thresholds shared by staging and prod: what a healthy gate never reaches. Dev keeps
 * the same alarms with looser numbers, so a broken alarm shows up there first.
 */
const ALARM_THRESHOLDS = {
  lambda: {
    errorsPer5Min: 0,
    throttlesPer5Min: 0,
    durationP99PercentOfTimeout: 80,
    riskApiDurationP99Ms: 50,
    iteratorAgeMs: 30_000,
  },
  api: { fault5xxRatePercent: 1, error4xxRatePercent: 10, latencyP99Ms: 100 },
  streams: { writeThrottledRecordsPer5Min: 0 },
  deadLetterQueues: { visibleMessages: 0, oldestMessageAgeMinutes: 30 },
  services: { cpuPercent: 80, memoryPercent: 80 },
  database: {
    cpuPercent: 80,
    connections: 400,
    replicaLagMs: 1_000,
    freeableMemoryMb: 256,
    proxyBorrowLatencyP99Ms: 20,
  },
  cache: { engineCpuPercent: 70, memoryPercent: 75, replicationLagSeconds: 1, evictionsPer5Min: 0 },
} as const satisfies Omit<AlarmsConfig, 'page' | 'ticket'>;

export const STAGE_CONFIGS = {
  dev: {
    stage: 'dev',
    region: 'eu-west-1',
    tradedSymbols: ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD', 'USDC/USD', 'USDT/USD'],
    retention: { riskDecisionsDays: 30, marketTicksDays: 7, marketBarsDays: 30 },
    azCount: 2,
    logRetention: RetentionDays.ONE_WEEK,
    logEncryption: 'stage-key',
    reservedConcurrency: { health: 2, riskApi: 20, adminApi: 5, killExecutor: 5, marketEvaluator: 10, positions: 10 },
    statefulRemovalPolicy: RemovalPolicy.DESTROY,
    network: { natGateways: 1, dnsEgressAllowlist: true, flowLogTraffic: 'REJECT' },
    database: {
      minCapacityAcu: 0.5,
      maxCapacityAcu: 2,
      readers: 0,
      backupRetentionDays: 7,
      deletionProtection: false,
      performanceInsights: true,
      enhancedMonitoringSeconds: 0,
      credentialRotationDays: 30,
    },
    cache: { nodeType: 'cache.t4g.micro', replicas: 0, snapshotRetentionDays: 1, port: 6380 },
    streams: { mode: 'ON_DEMAND', shards: 1, retentionHours: 24 },
    timestream: TIMESTREAM_OFF,
    slo: SLO_TARGETS,
    api: {
      provisionedConcurrency: 0,
      throttleRatePerSecond: 50,
      throttleBurst: 100,
      wafRateLimitPer5Min: 20_000,
      auditMinReplicaAcks: 0,
      memoryMb: 1024,
      // Dev runs the account feed too (one shard): a dev gate that accepted without it would
      // test a different system than staging and prod. Local mode (npm start) has no feed and
      // keeps the schema's default, off.
      accountFeedRequired: true,
    },
    evaluators: {
      marketEvaluator: {
        batchSize: 500,
        maxBatchingWindowSeconds: 1,
        parallelizationFactor: 1,
        retryAttempts: 3,
        maxRecordAgeHours: 1,
        memoryMb: 512,
      },
      positions: {
        batchSize: 50,
        maxBatchingWindowSeconds: 0,
        parallelizationFactor: 1,
        retryAttempts: 5,
        maxRecordAgeHours: 6,
        memoryMb: 256,
      },
    },
    // Dev keys also trade by hand (Kraken's UI): report unvetted orders, but cancel nothing and
    // arm no switch, so a dev gate being down never cancels someone's manual order.
    accountFeed: {
      shards: 1,
      deadMansSwitchAccounts: [],
      cancelUnvettedAccounts: [],
      healthSymbols: ['BTC/USD', 'ETH/USD'],
    },
    alarms: {
      // Dev wakes no one: its page alarms reach the team's inbox, like its tickets, so an alarm
      // that misfires is seen in dev before it pages in prod.
      page: { emails: ['risk-gate-dev@example.com'], httpsEndpoints: [] },
      ticket: { emails: ['risk-gate-dev@example.com'], httpsEndpoints: [] },
      ...ALARM_THRESHOLDS,
      lambda: {
        ...ALARM_THRESHOLDS.lambda,
        errorsPer5Min: 4,
        throttlesPer5Min: 9,
        riskApiDurationP99Ms: 500,
        iteratorAgeMs: 300_000,
      },
      api: { fault5xxRatePercent: 5, error4xxRatePercent: 25, latencyP99Ms: 1_000 },
      streams: { writeThrottledRecordsPer5Min: 100 },
      deadLetterQueues: { visibleMessages: 0, oldestMessageAgeMinutes: 1_440 },
      database: { ...ALARM_THRESHOLDS.database, connections: 100, freeableMemoryMb: 128, proxyBorrowLatencyP99Ms: 100 },
    },
    runtime: {
      SIMULATION_MODE: 'false',
      ALLOW_INSECURE_DEFAULTS: 'false',
      LOG_LEVEL: 'DEBUG',
      TRADING_DAY_BOUNDARY_UTC: '00:00',
    },
  },
  staging: {
    stage: 'staging',
    region: 'eu-west-1',
    tradedSymbols: ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD', 'USDC/USD', 'USDT/USD'],
    retention: { riskDecisionsDays: 90, marketTicksDays: 30, marketBarsDays: 90 },
    azCount: 2,
    logRetention: RetentionDays.ONE_MONTH,
    logEncryption: 'stage-key',
    reservedConcurrency: { health: 2, riskApi: 50, adminApi: 5, killExecutor: 10, marketEvaluator: 20, positions: 20 },
    statefulRemovalPolicy: RemovalPolicy.SNAPSHOT,
    network: { natGateways: 2, dnsEgressAllowlist: true, flowLogTraffic: 'REJECT' },
    database: {
      minCapacityAcu: 0.5,
      maxCapacityAcu: 8,
      readers: 1,
      backupRetentionDays: 7,
      deletionProtection: true,
      performanceInsights: true,
      enhancedMonitoringSeconds: 60,
      credentialRotationDays: 30,
    },
    cache: { nodeType: 'cache.t4g.small', replicas: 1, snapshotRetentionDays: 3, port: 6380 },
    streams: { mode: 'ON_DEMAND', shards: 1, retentionHours: 72 },
    timestream: TIMESTREAM_OFF,
    slo: SLO_TARGETS,
    api: {
      provisionedConcurrency: 1,
      throttleRatePerSecond: 200,
      throttleBurst: 400,
      wafRateLimitPer5Min: 100_000,
      auditMinReplicaAcks: 1,
      memoryMb: 1769,
      accountFeedRequired: true,
    },
    evaluators: {
      marketEvaluator: {
        batchSize: 1000,
        maxBatchingWindowSeconds: 1,
        parallelizationFactor: 2,
        retryAttempts: 5,
        maxRecordAgeHours: 1,
        memoryMb: 1024,
      },
      positions: {
        batchSize: 50,
        maxBatchingWindowSeconds: 0,
        parallelizationFactor: 2,
        retryAttempts: 10,
        maxRecordAgeHours: 24,
        memoryMb: 256,
      },
    },
    accountFeed: {
      shards: 1,
      deadMansSwitchAccounts: '*',
      cancelUnvettedAccounts: '*',
      healthSymbols: ['BTC/USD', 'ETH/USD'],
    },
    alarms: {
      page: { emails: ['risk-gate-staging-oncall@example.com'], httpsEndpoints: [] },
      ticket: { emails: ['risk-gate-staging@example.com'], httpsEndpoints: [] },
      ...ALARM_THRESHOLDS,
      api: { ...ALARM_THRESHOLDS.api, latencyP99Ms: 200 },
      deadLetterQueues: { visibleMessages: 0, oldestMessageAgeMinutes: 240 },
    },
    runtime: {
      SIMULATION_MODE: 'false',
      ALLOW_INSECURE_DEFAULTS: 'false',
      LOG_LEVEL: 'INFO',
      TRADING_DAY_BOUNDARY_UTC: '00:00',
    },
  },
  prod: {
    stage: 'prod',
    region: 'eu-west-1',
    tradedSymbols: ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD', 'USDC/USD', 'USDT/USD'],
    retention: { riskDecisionsDays: 2557, marketTicksDays: 90, marketBarsDays: 730 },
    azCount: 3,
    logRetention: RetentionDays.ONE_YEAR,
    logEncryption: 'stage-key',
    // The risk API: 1,000 requests/s x ~50 ms is 50 busy instances; 200 covers the 2,000 burst.
    reservedConcurrency: {
      health: 5,
      riskApi: 200,
      adminApi: 10,
      killExecutor: 20,
      marketEvaluator: 40,
      positions: 40,
    },
    statefulRemovalPolicy: RemovalPolicy.RETAIN,
    network: { natGateways: 3, dnsEgressAllowlist: true, flowLogTraffic: 'ALL' },
    database: {
      minCapacityAcu: 1,
      maxCapacityAcu: 32,
      readers: 1,
      backupRetentionDays: 35,
      deletionProtection: true,
      performanceInsights: true,
      enhancedMonitoringSeconds: 30,
      credentialRotationDays: 30,
    },
    cache: { nodeType: 'cache.r7g.large', replicas: 2, snapshotRetentionDays: 7, port: 6380 },
    streams: { mode: 'PROVISIONED', shards: 4, retentionHours: 168 },
    timestream: TIMESTREAM_OFF,
    slo: SLO_TARGETS,
    api: {
      provisionedConcurrency: 5,
      throttleRatePerSecond: 1_000,
      throttleBurst: 2_000,
      wafRateLimitPer5Min: 300_000,
      auditMinReplicaAcks: 1,
      memoryMb: 1769,
      accountFeedRequired: true,
    },
    evaluators: {
      marketEvaluator: {
        batchSize: 1000,
        maxBatchingWindowSeconds: 1,
        parallelizationFactor: 4,
        retryAttempts: 5,
        maxRecordAgeHours: 1,
        memoryMb: 1024,
      },
      positions: {
        batchSize: 50,
        maxBatchingWindowSeconds: 0,
        parallelizationFactor: 4,
        retryAttempts: 10,
        maxRecordAgeHours: 24,
        memoryMb: 512,
      },
    },
    accountFeed: {
      shards: 2,
      deadMansSwitchAccounts: '*',
      cancelUnvettedAccounts: '*',
      healthSymbols: ['BTC/USD', 'ETH/USD'],
    },
    alarms: {
      // The paging service's CloudWatch integration URL joins httpsEndpoints once it exists;
      // until then the on-call rota's address is paged by email.
      page: { emails: ['risk-gate-oncall@example.com'], httpsEndpoints: [] },
      ticket: { emails: ['risk-gate-sre@example.com'], httpsEndpoints: [] },
      ...ALARM_THRESHOLDS,
    },
    runtime: {
      SIMULATION_MODE: 'false',
      ALLOW_INSECURE_DEFAULTS: 'false',
      LOG_LEVEL: 'INFO',
      TRADING_DAY_BOUNDARY_UTC: '00:00',
    },
  },
} as const satisfies Record<DeployStage, StageConfig>;

/**
 * The durability floor every stage must meet; {@link stageConfig} refuses a config below it
 * so a typo cannot ship a prod without backups or replicas. Dev may be smaller than prod,
 * never smaller than this.
 */
function stateGuardrailViolations(config: StageConfig): string[] {
  const problems: string[] = [];
  const { database, cache, streams, network } = config;
  if (config.azCount < 2) problems.push('azCount must be >= 2 (stores need a subnet in a second AZ)');
  if (database.backupRetentionDays < 7 || database.backupRetentionDays > 35) {
    problems.push('database.backupRetentionDays must be within 7..35');
  }
  if (database.minCapacityAcu < 0.5 || database.maxCapacityAcu < database.minCapacityAcu) {
    problems.push('database capacity must satisfy 0.5 <= minCapacityAcu <= maxCapacityAcu');
  }
  if (database.readers >= config.azCount) problems.push('database.readers must leave every instance its own AZ');
  if (cache.snapshotRetentionDays < 1) problems.push('cache.snapshotRetentionDays must be >= 1');
  if (cache.replicas > 5) problems.push('cache.replicas must be <= 5');
  if (streams.retentionHours < 24 || streams.retentionHours > 8760) {
    problems.push('streams.retentionHours must be within 24..8760');
  }
  if (network.natGateways < 1 || network.natGateways > config.azCount) {
    problems.push('network.natGateways must be within 1..azCount');
  }
  for (const [table, days] of Object.entries(config.retention)) {
    // The job never drops today or yesterday; less than 2 days would be refused at cold start.
    if (!Number.isInteger(days) || days < 2) problems.push(`retention.${table} must be an integer >= 2`);
  }
  // The production floor: what docs/data-durability.md promises for prod.
  if (config.stage === 'prod') {
    if (config.retention.riskDecisionsDays < 2557) {
      problems.push('prod keeps the decision audit seven years (retention.riskDecisionsDays >= 2557)');
    }
    if (config.statefulRemovalPolicy !== RemovalPolicy.RETAIN) problems.push('prod must RETAIN stateful resources');
    if (!database.deletionProtection) problems.push('prod must keep database.deletionProtection on');
    if (database.readers < 1) problems.push('prod needs database.readers >= 1 (Multi-AZ writer failover)');
    if (database.backupRetentionDays < 35) problems.push('prod keeps database backups 35 days');
    if (cache.replicas < 1) problems.push('prod needs cache.replicas >= 1 (Multi-AZ automatic failover)');
    if (cache.snapshotRetentionDays < 7) problems.push('prod keeps cache snapshots >= 7 days');
    if (streams.retentionHours < 168) problems.push('prod keeps streams >= 168 h so hot state can be replayed');
    if (config.azCount < 3) problems.push('prod spans 3 AZs');
  }
  return problems;
}

/**
 * Limits of the compute settings: what Lambda and API Gateway accept, and what must agree
 * with the stateful config (a decision cannot wait for more cache replicas than exist).
 */
function computeGuardrailViolations(config: StageConfig): string[] {
  const problems: string[] = [];
  const { api, evaluators, cache } = config;
  const usdSpot = /^[A-Z0-9]{2,12}\/USD$/;
  const badSymbols = config.tradedSymbols.filter((s) => !usdSpot.test(s) || s.startsWith('XBT/'));
  if (badSymbols.length > 0)
    problems.push(`tradedSymbols must be USD spot pairs in v2 spelling: ${badSymbols.join(', ')}`);
  if (new Set(config.tradedSymbols).size !== config.tradedSymbols.length) problems.push('tradedSymbols repeats a pair');
  const unwatched = DEPEG_WATCHED_SYMBOLS.filter((s) => !config.tradedSymbols.includes(s));
  if (unwatched.length > 0) {
    problems.push(`tradedSymbols must include ${unwatched.join(', ')}: the depeg breaker reads their marks`);
  }
  const lambdaMemory = (name: string, mb: number) => {
    if (!Number.isInteger(mb) || mb < 128 || mb > 10_240) problems.push(`${name} must be an integer within 128..10240`);
  };
  lambdaMemory('api.memoryMb', api.memoryMb);
  if (!Number.isInteger(api.provisionedConcurrency) || api.provisionedConcurrency < 0) {
    problems.push('api.provisionedConcurrency must be an integer >= 0');
  }
  if (api.throttleRatePerSecond <= 0 || api.throttleBurst < api.throttleRatePerSecond) {
    problems.push('api throttling must satisfy 0 < throttleRatePerSecond <= throttleBurst');
  }
  // WAF rejects a rate-based limit below 10 requests per window.
  if (api.wafRateLimitPer5Min < 10) problems.push('api.wafRateLimitPer5Min must be >= 10');
  if (config.stage !== 'dev' && !api.accountFeedRequired) {
    problems.push('api.accountFeedRequired must be true outside dev: an account without a live feed is rejected');
  }
  if (api.auditMinReplicaAcks < 0 || api.auditMinReplicaAcks > cache.replicas) {
    problems.push('api.auditMinReplicaAcks must be within 0..cache.replicas (WAIT cannot count absent replicas)');
  }
  for (const [name, consumer] of Object.entries(evaluators) as [string, StreamConsumerConfig][]) {
    const at = `evaluators.${name}`;
    lambdaMemory(`${at}.memoryMb`, consumer.memoryMb);
    if (consumer.batchSize < 1 || consumer.batchSize > 10_000) problems.push(`${at}.batchSize must be within 1..10000`);
    if (consumer.maxBatchingWindowSeconds < 0 || consumer.maxBatchingWindowSeconds > 300) {
      problems.push(`${at}.maxBatchingWindowSeconds must be within 0..300`);
    }
    if (consumer.parallelizationFactor < 1 || consumer.parallelizationFactor > 10) {
      problems.push(`${at}.parallelizationFactor must be within 1..10`);
    }
    if (consumer.retryAttempts < 0 || consumer.retryAttempts > 10_000) {
      problems.push(`${at}.retryAttempts must be within 0..10000`);
    }
    // Kinesis event source mappings accept a maximum record age of 60 s..7 days.
    if (consumer.maxRecordAgeHours * 3600 < 60 || consumer.maxRecordAgeHours > 168) {
      problems.push(`${at}.maxRecordAgeHours must be within 1 min..168 h`);
    }
  }
  problems.push(...accountFeedViolations(config));
  problems.push(...concurrencyViolations(config));
  problems.push(...alarmViolations(config));
  return problems;
}

/** Alarm routing and thresholds: prod pages someone, and every threshold is one its metric can cross. */
function alarmViolations(config: StageConfig): string[] {
  const problems: string[] = [];
  const { page, ticket, ...thresholds } = config.alarms;
  // An alarm that notifies no one is a dashboard line: prod must page somebody.
  if (config.stage === 'prod' && page.emails.length + page.httpsEndpoints.length === 0) {
    problems.push('prod needs alarms.page subscriptions (emails or httpsEndpoints)');
  }
  for (const [severity, subscribers] of Object.entries({ page, ticket })) {
    if (subscribers.httpsEndpoints.some((url) => !url.startsWith('https://'))) {
      problems.push(`alarms.${severity}.httpsEndpoints must be https:// URLs`);
    }
    if (subscribers.emails.some((email) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))) {
      problems.push(`alarms.${severity}.emails must be email addresses`);
    }
  }
  for (const [group, values] of Object.entries(thresholds)) {
    for (const [name, value] of Object.entries(values as Record<string, number>)) {
      const percent = /Percent/.test(name);
      if (!Number.isFinite(value) || value < 0 || (percent && (value <= 0 || value > 100))) {
        problems.push(`alarms.${group}.${name} must be ${percent ? 'within (0, 100]' : 'a number >= 0'}`);
      }
    }
  }
  return problems;
}

/** One-at-a-time jobs, fixed at 1 each in their constructs (see ReservedConcurrencyConfig). */
const SINGLE_RUN_FUNCTIONS = 6;
/** Lambda's default regional concurrency quota, less the 100 it always keeps unreserved. */
const RESERVABLE_CONCURRENCY = 1_000 - 100;
/** Shards an on-demand stream starts with (it may add more under load). */
const ON_DEMAND_INITIAL_SHARDS = 4;

/** Reservations Lambda accepts, that keep every stream consumer fed and leave the API its alias. */
function concurrencyViolations(config: StageConfig): string[] {
  const problems: string[] = [];
  const reserved = config.reservedConcurrency;
  for (const [name, value] of Object.entries(reserved)) {
    if (!Number.isInteger(value) || value < 1) problems.push(`reservedConcurrency.${name} must be an integer >= 1`);
  }
  const total = Object.values(reserved).reduce((sum, value) => sum + value, SINGLE_RUN_FUNCTIONS);
  if (total > RESERVABLE_CONCURRENCY) {
    problems.push(
      `reservedConcurrency totals ${total}: above the ${RESERVABLE_CONCURRENCY} a default account can reserve`,
    );
  }
  if (reserved.riskApi < config.api.provisionedConcurrency) {
    problems.push('reservedConcurrency.riskApi must be >= api.provisionedConcurrency');
  }
  const shards = config.streams.mode === 'PROVISIONED' ? config.streams.shards : ON_DEMAND_INITIAL_SHARDS;
  for (const name of ['marketEvaluator', 'positions'] as const) {
    const needed = shards * config.evaluators[name].parallelizationFactor;
    if (reserved[name] < needed) {
      problems.push(`reservedConcurrency.${name} must be >= shards x parallelizationFactor (${needed})`);
    }
  }
  return problems;
}

/** The account feed's settings: ids it can parse, marks the ingester actually subscribes. */
function accountFeedViolations(config: StageConfig): string[] {
  const problems: string[] = [];
  const { shards, deadMansSwitchAccounts, cancelUnvettedAccounts, healthSymbols } = config.accountFeed;
  if (!Number.isInteger(shards) || shards < 1 || shards > 16) problems.push('accountFeed.shards must be within 1..16');
  const accountId = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
  for (const [name, selection] of Object.entries({ deadMansSwitchAccounts, cancelUnvettedAccounts })) {
    if (selection !== '*' && !selection.every((id) => accountId.test(id))) {
      problems.push(`accountFeed.${name} must be '*' or account ids`);
    }
  }
  // A pair the ingester never subscribes is never fresh: the switch would never be armed.
  const unsubscribed = healthSymbols.filter((s) => !config.tradedSymbols.includes(s));
  if (healthSymbols.length === 0 || unsubscribed.length > 0) {
    problems.push(`accountFeed.healthSymbols must be tradedSymbols pairs: ${unsubscribed.join(', ') || '(none)'}`);
  }
  return problems;
}

/**
 * Returns the stage's config after running the same validation a function runs at cold
 * start, so a prod config with simulation on fails the synth, the preflight and the deploy.
 * The data-durability guardrails run too: a prod config without backups or replicas fails,
 * and so does a compute setting Lambda or API Gateway would reject at deploy time.
 */
export function stageConfig(stage: string, overrides: Partial<StageConfig> = {}): StageConfig {
  if (!(DEPLOY_STAGES as readonly string[]).includes(stage)) {
    throw new Error(`unknown stage "${stage}": expected one of ${DEPLOY_STAGES.join(', ')}`);
  }
  const config: StageConfig = { ...STAGE_CONFIGS[stage as DeployStage], ...overrides };
  parseConfig(baseConfigSchema, { STAGE: config.stage, ...config.runtime });
  const problems = [...stateGuardrailViolations(config), ...computeGuardrailViolations(config)];
  if (problems.length > 0) {
    throw new Error(`stage config "${config.stage}" breaks its guardrails:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

/**
 * Removal policy for stateful resources that cannot be snapshotted (keys, log groups):
 * where the stage asks for a snapshot, keep them instead.
 */
export function retainPolicy(config: StageConfig): RemovalPolicy {
  return config.statefulRemovalPolicy === RemovalPolicy.SNAPSHOT ? RemovalPolicy.RETAIN : config.statefulRemovalPolicy;
}
