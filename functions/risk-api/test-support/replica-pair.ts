import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A private Redis primary and a replica of it (`replicaof`), started and killed by the test
 * that needs real replica acknowledgements (WAIT). Ports come from 6380-6389; nothing is
 * shared with the suite's Redis on 6379, and nothing is written to disk.
 */
export interface ReplicaPair {
  readonly primaryPort: number;
  readonly replicaPort: number;
  /** Kills the replica: WAIT then counts no acknowledgement. */
  killReplica(): Promise<void>;
  stop(): Promise<void>;
}

function startServer(port: number, extra: string[]): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), `redis-${port}-`));
  return spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
    { stdio: 'ignore' },
  );
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export async function startReplicaPair(primaryPort: number, replicaPort: number): Promise<ReplicaPair> {
  const primary = startServer(primaryPort, []);
  const replica = startServer(replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)]);
  const probe = new Redis({ port: replicaPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  // Refused connections are expected while the replica starts: until() retries them.
  probe.on('error', () => undefined);
  try {
    await until(async () => {
      if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
      const info = await probe.info('replication');
      return /master_link_status:up/.test(info);
    }, 'the replica to sync');
  } finally {
    probe.disconnect();
  }
  return {
    primaryPort,
    replicaPort,
    killReplica: () => stopProcess(replica),
    stop: async () => {
      await stopProcess(replica);
      await stopProcess(primary);
    },
  };
}
