import type { Redis } from 'ioredis';
import type pg from 'pg';
import { type AdminApi, createAdminApi } from '../../functions/admin-api/app.js';
import { adminApiConfigSchema } from '../../functions/admin-api/config.js';
import { createAdminRouter } from '../../functions/admin-api/router.js';
import { moveSpoolBatches } from '../../functions/audit-drainer/drain-audit-spool.js';
import { createRiskApi, type RiskApi } from '../../functions/risk-api/app.js';
import { riskApiConfigSchema } from '../../functions/risk-api/config.js';
import { createRouter } from '../../functions/risk-api/router.js';
import { createStateRebuildApp, type StateRebuildApp } from '../../functions/state-rebuild/app.js';
import { stateRebuildConfigSchema } from '../../functions/state-rebuild/config.js';
import type { RebuildOutcome } from '../../functions/state-rebuild/rebuild-state.js';
import { PostgresDecisionAuditWriter } from '../../shared/adapters/postgres/decision-audit.js';
import { RedisAuditSpool } from '../../shared/adapters/redis/audit-spool.js';
import { proxyEvent, writeMark } from '../../test/risk-fixtures.js';
import type { DrillDecision, DrillGate } from './drill-gate.js';

/**
 * The gate a local drill runs against: the risk API, the admin API, the state rebuild and
 * the audit drainer's use case composed in-process on the stores `env` names (local mode's,
 * or a test's), with the same adapters and routers as the Lambdas. The kill switch's
 * event and notification channels are left out (the kill executor is not under drill).
 */
export interface LocalGate extends DrillGate {
  readonly redis: Redis;
  readonly pool: pg.Pool;
  /** Writes a fresh BTC/USD mark, as the live feed does every second. */
  freshMark(): Promise<void>;
  /** Copies the audit spool into the audit table (the audit drainer's work). */
  drainAudit(): Promise<number>;
  /** Whether the audit table holds a decision. */
  audited(decisionIds: readonly string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

const silent = { publish: async () => undefined, notify: async () => undefined };

export async function startLocalGate(env: Record<string, string | undefined>): Promise<LocalGate> {
  const risk: RiskApi = await createRiskApi(riskApiConfigSchema.parse(env));
  const admin: AdminApi = await createAdminApi(
    adminApiConfigSchema.parse({
      ...env,
      KILL_EVENT_BUS_NAME: 'drill',
      KILL_NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:drill',
    }),
    { events: silent, notifier: silent },
  );
  const rebuild: StateRebuildApp = await createStateRebuildApp(stateRebuildConfigSchema.parse(env));
  const riskRoute = createRouter(risk.ports, 'local');
  const adminRoute = createAdminRouter(admin.services);
  const { redis, pool } = risk.adapters;
  const spool = { spool: new RedisAuditSpool(redis), table: new PostgresDecisionAuditWriter(pool) };
  const request = (method: string, path: string, body?: unknown) => proxyEvent(method, path, body);
  return {
    redis,
    pool,
    async validate(body): Promise<DrillDecision> {
      const result = await riskRoute(request('POST', '/v1/risk/validate', body));
      const parsed = JSON.parse(result.body) as {
        decision?: string;
        decision_id?: string;
        reasons?: { code: string }[];
        code?: string;
      };
      return {
        status: result.statusCode,
        decision: parsed.decision === 'accept' ? 'accept' : 'reject',
        decisionId: parsed.decision_id ?? null,
        code: parsed.reasons?.[0]?.code ?? parsed.code ?? null,
      };
    },
    async admin(method, path, body) {
      const result = await adminRoute(request(method, path, body));
      return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
    },
    rebuild: (options): Promise<RebuildOutcome> => rebuild.run(options),
    async freshMark() {
      await writeMark(redis, 'BTC/USD', '64999.5', '65000.5', Date.now(), { mid: '65000' });
    },
    async drainAudit() {
      let moved = 0;
      for (;;) {
        const pass = await moveSpoolBatches(spool, { batchSize: 500, maxBatches: 20 });
        moved += pass.moved;
        if (pass.moved + pass.parked === 0) return moved;
      }
    },
    async audited(decisionIds) {
      const { rows } = await pool.query<{ id: string }>(
        'SELECT decision_id::text AS id FROM risk_decisions WHERE decision_id = ANY($1::uuid[])',
        [decisionIds],
      );
      return new Set(rows.map((row) => row.id));
    },
    async close() {
      await rebuild.close();
      await admin.close();
      await risk.close();
    },
  };
}
