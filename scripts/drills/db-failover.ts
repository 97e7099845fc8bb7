import { DescribeDBClustersCommand, FailoverDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { ROUTES } from '../../shared/names.js';
import { DecisionStream, type DrillGate, longestGapWithoutAccept, sleep } from './drill-gate.js';
import { remoteAudit, writeIds } from './remote-gate.js';

/** What the db-failover drill measured (printed as JSON; docs/runbooks/cache-loss.md). */
export interface DbFailoverReport {
  readonly drill: 'db-failover';
  readonly stage: string;
  readonly decisions: number;
  /** The longest stretch without an accept for the free account, from the failover on. */
  readonly time_without_accepts_ms: number;
  readonly wrongful_accepts: number;
  readonly missing_audit_rows: number;
  /** Decisions too old for the audit route to list (check them from the ids file). */
  readonly audit_rows_unchecked: number;
  /** Aurora's writer before and after. */
  readonly writer_before: string | null;
  readonly writer_after: string | null;
  /** From FailoverDBCluster to the cluster available with a new writer. */
  readonly failover_ms: number;
}

/**
 * Why there is no local variant: promoting a PostgreSQL replica needs a primary and a
 * standby in streaming replication (a second cluster from pg_basebackup, a replication
 * role and slot, `pg_ctl promote`). The local PostgreSQL is one shared cluster that tests
 * must not reconfigure or restart, and a private pair needs initdb run as a non-root
 * PostgreSQL user, which developer and CI machines do not share. The decision path's
 * behaviour without the database (limits from the cache up to LIMITS_MAX_STALE_MS, audit
 * spooled in Redis) is tested locally by functions/risk-api/risk-api.int.test.ts, which
 * cuts PostgreSQL through a TCP proxy; the failover itself is drilled in staging.
 */
export const DB_FAILOVER_LOCAL_UNAVAILABLE =
  'db-failover has no local variant: a replica promotion needs a streaming standby of PostgreSQL, ' +
  'which the shared local cluster cannot be given without reconfiguring and restarting it. ' +
  'Run it against staging: npm run drill -- db-failover --stage staging (docs/runbooks/cache-loss.md).';

/**
 * AWS variant: Aurora FailoverDBCluster on the stage's cluster (`risk-gate-<stage>-aurora`)
 * under a steady stream of validations through the stage's API, a free account and one
 * under an account kill switch (engaged by the drill, left for the two-person release).
 * Audit rows are read back through `GET /v1/risk/decisions` after `auditWaitMs`.
 */
export async function dbFailoverDrillAws(
  gate: DrillGate,
  options: {
    readonly stage: string;
    readonly clusterId?: string;
    readonly freeAccount?: string;
    readonly killedAccount: string;
    readonly maxWaitMs?: number;
    readonly auditWaitMs?: number;
    readonly log?: (line: string) => void;
  },
): Promise<DbFailoverReport> {
  const log = options.log ?? (() => undefined);
  const free = options.freeAccount ?? 'company';
  const clusterId = options.clusterId ?? `risk-gate-${options.stage}-aurora`;
  const rds = new RDSClient({});
  const writer = async () => {
    const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
    const cluster = DBClusters?.[0];
    return {
      status: cluster?.Status ?? 'unknown',
      writer: cluster?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier ?? null,
    };
  };
  const engaged = await gate.admin('POST', ROUTES.adminKillSwitch, {
    scope: 'account',
    target: options.killedAccount,
    reason: 'drill',
    actor: 'db-failover-drill',
  });
  if (engaged.status !== 200) throw new Error(`engage answered ${engaged.status}`);
  const before = await writer();
  const stream = new DecisionStream(gate, [free, options.killedAccount], undefined, `db-failover-${Date.now()}`, 250);
  stream.start();
  await sleep(10_000);
  log(`FailoverDBCluster ${clusterId} (writer ${before.writer})`);
  const failoverAtMs = Date.now();
  await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: clusterId }));
  let after = before;
  let failedOverAtMs = failoverAtMs;
  const deadline = failoverAtMs + (options.maxWaitMs ?? 15 * 60_000);
  while (Date.now() < deadline) {
    await sleep(5_000);
    after = await writer();
    log(`cluster ${after.status}, writer ${after.writer}`);
    if (after.status === 'available' && after.writer !== before.writer) {
      failedOverAtMs = Date.now();
      break;
    }
  }
  await sleep(30_000);
  const decisions = await stream.stop();
  const endMs = Date.now();
  log('waiting for the audit drainer');
  await sleep(options.auditWaitMs ?? 90_000);
  const audit = await remoteAudit(gate, decisions);
  log(`decision ids for a full audit check: ${writeIds('db-failover', decisions)}`);
  return {
    drill: 'db-failover',
    stage: options.stage,
    decisions: decisions.length,
    time_without_accepts_ms: longestGapWithoutAccept(
      decisions.filter((d) => d.accountId === free && d.decision === 'accept'),
      failoverAtMs,
      endMs,
    ),
    wrongful_accepts: decisions.filter((d) => d.accountId === options.killedAccount && d.decision === 'accept').length,
    missing_audit_rows: audit.missing,
    audit_rows_unchecked: audit.unchecked,
    writer_before: before.writer,
    writer_after: after.writer,
    failover_ms: failedOverAtMs - failoverAtMs,
  };
}
