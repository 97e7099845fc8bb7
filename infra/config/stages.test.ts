import { describe, expect, it } from 'vitest';
import { DEPLOY_STAGES, STAGE_CONFIGS, stageConfig } from './stages.js';

describe('Config: STAGE_CONFIGS', () => {
  it('matches the reviewed snapshot (every difference between stages is a visible diff)', () => {
    expect(STAGE_CONFIGS).toMatchSnapshot();
  });

  it('passes its own guardrails in every stage', () => {
    for (const stage of DEPLOY_STAGES) expect(() => stageConfig(stage)).not.toThrow();
  });
});

describe('Function: stageConfig guardrails', () => {
  const prod = STAGE_CONFIGS.prod;

  it('refuses a stage whose ingester would not watch the depeg stablecoins, or trades a non-USD-spot pair', () => {
    expect(() => stageConfig('dev', { tradedSymbols: ['BTC/USD', 'USDC/USD'] })).toThrow(/must include USDT\/USD/);
    expect(() => stageConfig('dev', { tradedSymbols: ['BTC/EUR', 'USDC/USD', 'USDT/USD'] })).toThrow(/BTC\/EUR/);
    expect(() => stageConfig('dev', { tradedSymbols: ['XBT/USD', 'USDC/USD', 'USDT/USD'] })).toThrow(/XBT\/USD/);
  });

  it('refuses a prod that keeps the decision audit under seven years, and any retention under 2 days', () => {
    expect(() => stageConfig('prod', { retention: { ...prod.retention, riskDecisionsDays: 365 } })).toThrow(
      /seven years/,
    );
    expect(() => stageConfig('dev', { retention: { ...STAGE_CONFIGS.dev.retention, marketTicksDays: 1 } })).toThrow(
      /retention\.marketTicksDays/,
    );
  });

  it('keeps the retention docs/data-durability.md promises per stage', () => {
    expect([STAGE_CONFIGS.dev, STAGE_CONFIGS.staging, STAGE_CONFIGS.prod].map((c) => c.retention)).toEqual([
      { riskDecisionsDays: 30, marketTicksDays: 7, marketBarsDays: 30 },
      { riskDecisionsDays: 90, marketTicksDays: 30, marketBarsDays: 90 },
      { riskDecisionsDays: 2557, marketTicksDays: 90, marketBarsDays: 730 },
    ]);
  });

  it('refuses a prod without database readers, naming the setting', () => {
    expect(() => stageConfig('prod', { database: { ...prod.database, readers: 0 } })).toThrow(/database\.readers/);
  });

  it('refuses a prod without cache replicas or with short snapshot retention', () => {
    expect(() => stageConfig('prod', { cache: { ...prod.cache, replicas: 0 } })).toThrow(/cache\.replicas/);
    expect(() => stageConfig('prod', { cache: { ...prod.cache, snapshotRetentionDays: 1 } })).toThrow(
      /snapshots >= 7 days/,
    );
  });

  it('refuses a prod that would delete or unprotect its data', () => {
    expect(() => stageConfig('prod', { database: { ...prod.database, deletionProtection: false } })).toThrow(
      /deletionProtection/,
    );
    expect(() => stageConfig('prod', { database: { ...prod.database, backupRetentionDays: 7 } })).toThrow(
      /backups 35 days/,
    );
  });

  it('refuses stream retention a replay could not rebuild from, in any stage', () => {
    expect(() => stageConfig('prod', { streams: { ...prod.streams, retentionHours: 24 } })).toThrow(/168 h/);
    expect(() => stageConfig('dev', { streams: { ...STAGE_CONFIGS.dev.streams, retentionHours: 12 } })).toThrow(
      /streams\.retentionHours/,
    );
  });

  it('refuses backups shorter than 7 days even in dev', () => {
    expect(() => stageConfig('dev', { database: { ...STAGE_CONFIGS.dev.database, backupRetentionDays: 1 } })).toThrow(
      /backupRetentionDays/,
    );
  });
});

describe('Function: stageConfig compute guardrails', () => {
  const prod = STAGE_CONFIGS.prod;

  it('refuses an audit that waits for more cache replicas than the stage has', () => {
    expect(() => stageConfig('dev', { api: { ...STAGE_CONFIGS.dev.api, auditMinReplicaAcks: 1 } })).toThrow(
      /api\.auditMinReplicaAcks/,
    );
  });

  it('refuses a staging or prod risk API that would accept without a live account feed', () => {
    for (const stage of ['staging', 'prod'] as const) {
      expect(() => stageConfig(stage, { api: { ...STAGE_CONFIGS[stage].api, accountFeedRequired: false } })).toThrow(
        /api\.accountFeedRequired/,
      );
    }
    expect(() => stageConfig('dev', { api: { ...STAGE_CONFIGS.dev.api, accountFeedRequired: false } })).not.toThrow();
  });

  it('refuses API throttling whose burst is below its steady rate', () => {
    expect(() =>
      stageConfig('prod', { api: { ...prod.api, throttleBurst: prod.api.throttleRatePerSecond - 1 } }),
    ).toThrow(/throttleRatePerSecond <= throttleBurst/);
  });

  it('refuses stream consumer settings Lambda would reject, naming the consumer and setting', () => {
    const positions = prod.evaluators.positions;
    expect(() =>
      stageConfig('prod', {
        evaluators: { ...prod.evaluators, positions: { ...positions, parallelizationFactor: 11 } },
      }),
    ).toThrow(/evaluators\.positions\.parallelizationFactor/);
    expect(() =>
      stageConfig('prod', { evaluators: { ...prod.evaluators, positions: { ...positions, maxRecordAgeHours: 169 } } }),
    ).toThrow(/evaluators\.positions\.maxRecordAgeHours/);
    expect(() =>
      stageConfig('prod', {
        evaluators: { ...prod.evaluators, marketEvaluator: { ...prod.evaluators.marketEvaluator, memoryMb: 64 } },
      }),
    ).toThrow(/evaluators\.marketEvaluator\.memoryMb/);
  });

  it('refuses reserved concurrency that would starve a stream consumer, undercut the provisioned alias or exceed the account', () => {
    const reserved = prod.reservedConcurrency;
    // Prod's provisioned streams: 4 shards x parallelizationFactor 4 = 16 concurrent batches.
    expect(() => stageConfig('prod', { reservedConcurrency: { ...reserved, positions: 15 } })).toThrow(
      /reservedConcurrency\.positions must be >= shards x parallelizationFactor \(16\)/,
    );
    expect(() => stageConfig('prod', { reservedConcurrency: { ...reserved, riskApi: 4 } })).toThrow(
      /reservedConcurrency\.riskApi must be >= api\.provisionedConcurrency/,
    );
    expect(() => stageConfig('prod', { reservedConcurrency: { ...reserved, riskApi: 900 } })).toThrow(/totals 1021/);
    expect(() =>
      stageConfig('dev', { reservedConcurrency: { ...STAGE_CONFIGS.dev.reservedConcurrency, health: 0 } }),
    ).toThrow(/reservedConcurrency\.health must be an integer >= 1/);
  });

  it('refuses alarm settings that page no one in prod or can never fire', () => {
    const alarms = prod.alarms;
    expect(() => stageConfig('prod', { alarms: { ...alarms, page: { emails: [], httpsEndpoints: [] } } })).toThrow(
      /prod needs alarms\.page subscriptions/,
    );
    expect(() =>
      stageConfig('prod', { alarms: { ...alarms, ticket: { emails: [], httpsEndpoints: ['http://pager.example'] } } }),
    ).toThrow(/alarms\.ticket\.httpsEndpoints must be https/);
    expect(() =>
      stageConfig('prod', { alarms: { ...alarms, services: { cpuPercent: 120, memoryPercent: 80 } } }),
    ).toThrow(/alarms\.services\.cpuPercent must be within \(0, 100\]/);
    expect(() =>
      stageConfig('dev', {
        alarms: { ...STAGE_CONFIGS.dev.alarms, lambda: { ...STAGE_CONFIGS.dev.alarms.lambda, errorsPer5Min: -1 } },
      }),
    ).toThrow(/alarms\.lambda\.errorsPer5Min must be a number >= 0/);
  });
});
