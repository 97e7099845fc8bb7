import * as z from 'zod';
import { baseConfigShape, parseConfig, positiveInt } from '../../shared/config/env.js';
import { checkStoresConfig, storesConfigShape } from '../../shared/config/stores.js';
import type { DrainSettings } from './drain-audit-spool.js';

/**
 * Configuration of the audit drainer, parsed once per cold start (and by local mode, which
 * drains the spool in-process with the same settings).
 */
export const auditDrainerConfigSchema = z
  .object({
    ...baseConfigShape,
    ...storesConfigShape,
    /** Spool entries read and inserted per batch (one multi-row INSERT). */
    AUDIT_DRAIN_BATCH_SIZE: positiveInt.max(5_000).default(500),
    /** Batches per pass before the drainer checks its deadline again. */
    AUDIT_DRAIN_MAX_BATCHES: positiveInt.default(20),
    /**
     * Time left before the Lambda timeout at which the drainer stops starting passes, so
     * its metrics are flushed before the function is cut off.
     */
    AUDIT_DRAIN_SAFETY_MARGIN_MS: positiveInt.default(5_000),
    /** Pause after a pass that found the spool empty. */
    AUDIT_DRAIN_IDLE_SLEEP_MS: positiveInt.default(250),
    /** Pause after a failed pass (the audit table or Redis did not answer). */
    AUDIT_DRAIN_FAILURE_BACKOFF_MS: positiveInt.default(1_000),
  })
  .superRefine(checkStoresConfig);

export type AuditDrainerConfig = z.output<typeof auditDrainerConfigSchema>;

export function loadAuditDrainerConfig(env: NodeJS.ProcessEnv = process.env): AuditDrainerConfig {
  return parseConfig(auditDrainerConfigSchema, env);
}

/** The use case's settings from a parsed configuration. */
export function drainSettingsFrom(config: AuditDrainerConfig): DrainSettings {
  return {
    batchSize: config.AUDIT_DRAIN_BATCH_SIZE,
    maxBatches: config.AUDIT_DRAIN_MAX_BATCHES,
    safetyMarginMs: config.AUDIT_DRAIN_SAFETY_MARGIN_MS,
    idleSleepMs: config.AUDIT_DRAIN_IDLE_SLEEP_MS,
    failureBackoffMs: config.AUDIT_DRAIN_FAILURE_BACKOFF_MS,
  };
}
