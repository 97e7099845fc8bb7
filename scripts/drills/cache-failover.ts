import { DescribeReplicationGroupsCommand, ElastiCacheClient, TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { ROUTES } from '../../shared/names.js';
import { TcpProxy } from '../../test/fakes/tcp-proxy.js';
import { seedPostgres, seedRedis } from '../../test/support/seed.js';
import {
  DecisionStream,
  type DrillGate,
  drillOrder,
  longestGapWithoutAccept,
  resetDrillBreaker,
  type StreamedDecision,
  sleep,
} from './drill-gate.js';
import { type LocalGate, startLocalGate } from './local-gate.js';
import { RedisPair } from './redis-pair.js';
import { remoteAudit, writeIds } from './remote-gate.js';

/** What the cache-failover drill measured (printed as JSON; docs/runbooks/cache-loss.md). */
export interface CacheFailoverReport {
  readonly drill: 'cache-failover';
  readonly stage: string;
  readonly decisions: number;
  /** The longest stretch without an accept for the free account, from the failover on. */
  readonly time_without_accepts_ms: number;
  /** Accepts for the account whose kill switch is engaged: must be 0. */
  readonly wrongful_accepts: number;
  /** Decisions answered with an id whose audit row is not in the audit table: must be 0. */
  readonly missing_audit_rows: number;
  /** The account kill switch engaged before the failover is still engaged after it. */
  readonly kill_switch_engaged_after: boolean;
  /** Stage only: decisions too old for the audit route to list (check them from the ids file). */
  readonly audit_rows_unchecked?: number;
  /** Decisions by answer from the failover on (`accept`, or the reject's first reason code). */
  readonly answers_after_failover: Record<string, number>;
  /** Local only: the replicas' received offsets when the primary died (the promoted one is the furthest). */
  readonly replica_offsets_at_failover?: { readonly promoted: number; readonly other: number };
}

/** The free account (its orders should be accepted) and the one under an account kill switch. */
const FREE = 'company';
const KILLED = 'director-a';

/**
 * Local variant: the gate on a private Redis primary with a real replica, through a TCP proxy
 * standing in for ElastiCache's primary endpoint; both the decision commit and the kill switch
 * wait for one replica, as in staging and prod. With a steady stream of validations for a
 * free account and a killed one, the primary is killed, the replica promoted (REPLICAOF NO
 * ONE) and the endpoint pointed at it. Then the audit spool is drained and every answered
 * decision looked up in the audit table.
 */
export async function cacheFailoverDrillLocal(
  env: Record<string, string | undefined>,
  options: { readonly streamMs?: number; readonly log?: (line: string) => void } = {},
): Promise<CacheFailoverReport> {
  const log = options.log ?? (() => undefined);
  const pair = new RedisPair();
  let proxy: TcpProxy | null = null;
  let gate: LocalGate | null = null;
  try {
    await pair.start();
    proxy = new TcpProxy('127.0.0.1', pair.primaryPort);
    const endpoint = await proxy.start();
    gate = await startLocalGate({
      ...env,
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(endpoint),
      REDIS_DB: '0',
      REDIS_TLS: 'false',
      REDIS_COMMAND_TIMEOUT_MS: '500',
      AUDIT_MIN_REPLICA_ACKS: '1',
      CONTROL_MIN_REPLICA_ACKS: '1',
      CONTROL_REPLICA_ACK_TIMEOUT_MS: '200',
    });
    // Local mode's seed accounts and instruments (idempotent), then the cache as a stage starts it.
    await seedPostgres(gate.pool);
    await seedRedis(gate.redis);
    await gate.rebuild({ force: true });
    await resetDrillBreaker(gate);
    await gate.freshMark();
    const before = await gate.validate(drillOrder(FREE, `cache-failover-pre-${Date.now()}`));
    if (before.decision !== 'accept') throw new Error(`the gate does not accept before the drill (${before.code})`);
    const engaged = await gate.admin('POST', ROUTES.adminKillSwitch, {
      scope: 'account',
      target: KILLED,
      reason: 'drill',
      actor: 'alice',
    });
    if (engaged.status !== 200) throw new Error(`engage answered ${engaged.status}`);
    const local = gate;
    const stream = new DecisionStream(local, [FREE, KILLED], () => local.freshMark(), `cache-failover-${Date.now()}`);
    stream.start();
    await sleep((options.streamMs ?? 2_000) / 4);

    log('fail over: kill the primary, promote the replica, point the endpoint at it');
    const failoverAtMs = Date.now();
    const offsets = await pair.failover();
    await proxy.stop();
    proxy = new TcpProxy('127.0.0.1', pair.replicaPort);
    await proxy.start(endpoint);
    await sleep(((options.streamMs ?? 2_000) * 3) / 4);
    // The gate's Redis client reconnects with a backoff of up to 2 s: on a loaded machine the
    // failover can outlast the window above, so the stream runs on (up to 10 s after the
    // failover) until the free account is accepted again; how long that took is the figure
    // the test bounds. The drain below needs the client back too.
    while (
      !stream.decisions.some((d) => d.atMs >= failoverAtMs && d.accountId === FREE && d.decision === 'accept') &&
      Date.now() - failoverAtMs < 10_000
    ) {
      await sleep(100);
    }
    const decisions = await stream.stop();
    const endMs = Date.now();

    log('drain the audit spool and look every decision up');
    await local.drainAudit();
    const status = await local.admin('GET', ROUTES.adminKillSwitch);
    // The drill's own switch, released as any other: two approvers (it is logged durably).
    for (const actor of ['alice', 'bob']) {
      await local.admin('POST', ROUTES.adminKillSwitchRelease, {
        scope: 'account',
        target: KILLED,
        actor,
        reason: 'drill complete',
      });
    }
    return {
      ...figures('local', decisions, failoverAtMs, endMs),
      missing_audit_rows: await missingLocally(local, decisions),
      kill_switch_engaged_after: JSON.stringify(status.body).includes(KILLED),
      replica_offsets_at_failover: offsets,
    };
  } finally {
    await gate?.close();
    await proxy?.stop();
    await pair.stop();
  }
}

/**
 * AWS variant: ElastiCache TestFailover on the stage's replication group (node group
 * `nodeGroupId`), with the same stream through the stage's API. The killed account's kill
 * switch is engaged by the drill and left engaged: release it with two approvers (the
 * runbook's release step). Audit rows are read back through `GET /v1/risk/decisions` once
 * the audit drainer has had `auditWaitMs` to copy them.
 */
export async function cacheFailoverDrillAws(
  gate: DrillGate,
  options: {
    readonly stage: string;
    readonly replicationGroupId: string;
    readonly nodeGroupId?: string;
    readonly freeAccount?: string;
    readonly killedAccount: string;
    readonly maxWaitMs?: number;
    readonly auditWaitMs?: number;
    readonly log?: (line: string) => void;
  },
): Promise<CacheFailoverReport> {
  const log = options.log ?? (() => undefined);
  const free = options.freeAccount ?? FREE;
  const elasticache = new ElastiCacheClient({});
  const engaged = await gate.admin('POST', ROUTES.adminKillSwitch, {
    scope: 'account',
    target: options.killedAccount,
    reason: 'drill',
    actor: 'cache-failover-drill',
  });
  if (engaged.status !== 200) throw new Error(`engage answered ${engaged.status}`);
  const stream = new DecisionStream(
    gate,
    [free, options.killedAccount],
    undefined,
    `cache-failover-${Date.now()}`,
    250,
  );
  stream.start();
  await sleep(10_000);
  log(`TestFailover ${options.replicationGroupId}/${options.nodeGroupId ?? '0001'}`);
  const failoverAtMs = Date.now();
  await elasticache.send(
    new TestFailoverCommand({
      ReplicationGroupId: options.replicationGroupId,
      NodeGroupId: options.nodeGroupId ?? '0001',
    }),
  );
  const deadline = failoverAtMs + (options.maxWaitMs ?? 15 * 60_000);
  let status = 'modifying';
  while (Date.now() < deadline) {
    await sleep(15_000);
    const { ReplicationGroups } = await elasticache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: options.replicationGroupId }),
    );
    status = ReplicationGroups?.[0]?.Status ?? 'unknown';
    log(`replication group ${status}`);
    if (status === 'available' && Date.now() - failoverAtMs > 60_000) break;
  }
  await sleep(30_000);
  const decisions = await stream.stop();
  const endMs = Date.now();
  log('waiting for the audit drainer');
  await sleep(options.auditWaitMs ?? 90_000);
  const audit = await remoteAudit(gate, decisions);
  log(`decision ids for a full audit check: ${writeIds('cache-failover', decisions)}`);
  const kills = await gate.admin('GET', ROUTES.adminKillSwitch);
  return {
    ...figures(options.stage, decisions, failoverAtMs, endMs, { free, killed: options.killedAccount }),
    missing_audit_rows: audit.missing,
    audit_rows_unchecked: audit.unchecked,
    kill_switch_engaged_after: JSON.stringify(kills.body).includes(options.killedAccount),
  };
}

/** Answered decisions whose audit row is not in the audit table (after the spool was drained). */
async function missingLocally(gate: LocalGate, decisions: readonly StreamedDecision[]): Promise<number> {
  const ids = decisions.map((d) => d.decisionId).filter((id): id is string => id !== null);
  const found = await gate.audited(ids);
  return ids.filter((id) => !found.has(id)).length;
}

function figures(
  stage: string,
  decisions: readonly StreamedDecision[],
  failoverAtMs: number,
  endMs: number,
  accounts: { readonly free: string; readonly killed: string } = { free: FREE, killed: KILLED },
): Omit<CacheFailoverReport, 'kill_switch_engaged_after' | 'missing_audit_rows'> {
  const answers: Record<string, number> = {};
  for (const d of decisions) {
    if (d.atMs < failoverAtMs) continue;
    const key = d.decision === 'accept' ? 'accept' : (d.code ?? 'reject');
    answers[key] = (answers[key] ?? 0) + 1;
  }
  return {
    drill: 'cache-failover',
    stage,
    decisions: decisions.length,
    time_without_accepts_ms: longestGapWithoutAccept(
      decisions.filter((d) => d.accountId === accounts.free && d.decision === 'accept'),
      failoverAtMs,
      endMs,
    ),
    wrongful_accepts: decisions.filter((d) => d.accountId === accounts.killed && d.decision === 'accept').length,
    answers_after_failover: answers,
  };
}
