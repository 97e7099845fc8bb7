import type { DeployStage } from './stages.js';

/**
 * Per-stage settings of the trading API (kept apart from the stateful stage config so the
 * two stacks' settings are owned and reviewed separately).
 */
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
}

export const API_CONFIGS = {
  dev: {
    provisionedConcurrency: 0,
    throttleRatePerSecond: 50,
    throttleBurst: 100,
    wafRateLimitPer5Min: 20_000,
    auditMinReplicaAcks: 0,
    memoryMb: 1024,
  },
  staging: {
    provisionedConcurrency: 1,
    throttleRatePerSecond: 200,
    throttleBurst: 400,
    wafRateLimitPer5Min: 100_000,
    auditMinReplicaAcks: 1,
    memoryMb: 1769,
  },
  prod: {
    provisionedConcurrency: 5,
    throttleRatePerSecond: 1_000,
    throttleBurst: 2_000,
    wafRateLimitPer5Min: 300_000,
    auditMinReplicaAcks: 1,
    memoryMb: 1769,
  },
} as const satisfies Record<DeployStage, ApiConfig>;
