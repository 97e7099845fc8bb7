import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { sleep } from './drill-gate.js';

/**
 * A private Redis replication group like prod's (a primary and two replicas, `replicaof`), as
 * child processes on free ports of 6390-6399, for the local cache-failover drill: nothing
 * persisted, nothing shared with the Redis other tests use. `failover()` is what ElastiCache
 * does on a primary loss: the primary dies, a replica is promoted (REPLICAOF NO ONE), the
 * other follows it; whatever the promoted one had not received is gone.
 *
 * Several drills may run at once on one machine (engineers' runs side by side). A port that
 * merely looks free is not enough: two drills probing together took the same three ports, the
 * second one's servers could not bind, and both drove the first one's servers (one killed the
 * other's primary, drained its audit spool into its own database, released its kill switch).
 * So each port is claimed first (a claim file holding the drill's pid, until {@link stop}), and
 * each server is checked to be the process this pair spawned before the pair is used.
 */
export class RedisPair {
  private readonly processes: ChildProcess[] = [];
  primaryPort = 0;
  /** The replica promoted by {@link failover}. */
  replicaPort = 0;
  private secondReplicaPort = 0;

  private claimed: number[] = [];

  async start(): Promise<void> {
    // A server that could not bind (something took the port since it was claimed) is retried on others.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startOnce();
        break;
      } catch (error) {
        await this.stop();
        if (attempt >= 3) throw error;
      }
    }
    // Online is not yet acknowledging: wait until a write is acknowledged, as the gate's will be.
    const client = new Redis({ port: this.primaryPort, lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        await client.set('drill:replica-ready', String(attempt));
        if (Number(await client.wait(1, 500)) >= 1) return;
      }
      throw new Error('the replica never acknowledged a write');
    } finally {
      await client.del('drill:replica-ready').catch(() => undefined);
      client.disconnect();
    }
  }

  private async startOnce(): Promise<void> {
    this.claimed = await claimFreePorts(3, 6390, 6399);
    const [primary, replica, second] = this.claimed;
    this.primaryPort = primary as number;
    this.replicaPort = replica as number;
    this.secondReplicaPort = second as number;
    // No diskless-sync delay: a replica is in sync within a second, not five.
    const sync = ['--repl-diskless-sync-delay', '0'];
    this.spawn(this.primaryPort, sync);
    this.spawn(this.replicaPort, [...sync, '--replicaof', '127.0.0.1', String(this.primaryPort)]);
    this.spawn(this.secondReplicaPort, [...sync, '--replicaof', '127.0.0.1', String(this.primaryPort)]);
    await this.waitFor(this.primaryPort, (info) => /connected_slaves:2/.test(info) && !/state=(wait|send)/.test(info), {
      ownServersUp: true,
    });
    // Whoever answers on each port must be the server spawned here, not another drill's.
    const ports = [this.primaryPort, this.replicaPort, this.secondReplicaPort];
    for (const [index, port] of ports.entries()) {
      const pid = this.processes[index]?.pid;
      await this.waitFor(port, (_info, server) => new RegExp(`^process_id:${pid}\\r?$`, 'm').test(server), {
        ownServersUp: true,
        timeoutMs: 2_000,
      });
    }
  }

  /**
   * Kills the primary (SIGKILL: no goodbye), promotes the replica that received the most of
   * its stream (ElastiCache promotes the replica with the least replication lag, which is
   * what keeps a write acknowledged by WAIT 1 alive whichever replica acknowledged it), and
   * points the other at it.
   */
  async failover(): Promise<{ readonly promoted: number; readonly other: number }> {
    this.processes[0]?.kill('SIGKILL');
    const [first, second] = await Promise.all([
      replicationOffset(this.replicaPort),
      replicationOffset(this.secondReplicaPort),
    ]);
    if (second > first) [this.replicaPort, this.secondReplicaPort] = [this.secondReplicaPort, this.replicaPort];
    const offsets = { promoted: Math.max(first, second), other: Math.min(first, second) };
    const promoted = new Redis({ port: this.replicaPort, lazyConnect: true, maxRetriesPerRequest: 1 });
    const follower = new Redis({ port: this.secondReplicaPort, lazyConnect: true, maxRetriesPerRequest: 1 });
    await Promise.all([promoted.connect(), follower.connect()]);
    try {
      await promoted.replicaof('NO', 'ONE');
      await follower.replicaof('127.0.0.1', this.replicaPort);
    } finally {
      promoted.disconnect();
      follower.disconnect();
    }
    await this.waitFor(this.replicaPort, (info) => /role:master/.test(info));
    return offsets;
  }

  async stop(): Promise<void> {
    for (const child of this.processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.processes.length = 0;
    await sleep(50);
    for (const port of this.claimed) releasePort(port);
    this.claimed = [];
  }

  private spawn(port: number, extra: readonly string[]): void {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        ...extra,
      ],
      { stdio: 'ignore' },
    );
    this.processes.push(child);
  }

  private async waitFor(
    port: number,
    ready: (replication: string, server: string) => boolean,
    options: { readonly ownServersUp?: boolean; readonly timeoutMs?: number } = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // A server of this pair that exited while starting (its port was taken): give up at once.
      if (
        options.ownServersUp &&
        this.processes.some((child) => child.exitCode !== null || child.signalCode !== null)
      ) {
        throw new Error(`a redis-server of the pair exited while starting (ports ${this.claimed.join(', ')})`);
      }
      const info = await serverInfo(port);
      if (info && ready(info.replication, info.server)) return;
      await sleep(50);
    }
    throw new Error(`redis-server on ${port} not ready within ${timeoutMs} ms`);
  }
}

/** Where drills on this machine claim their ports: a file per port holding the claimer's pid. */
const CLAIMS_DIR = path.join(tmpdir(), 'risk-gate-redis-pair-ports');

/** `count` ports in [from, to] that nothing listens on, each claimed for this process. */
async function claimFreePorts(count: number, from: number, to: number): Promise<number[]> {
  const claimed: number[] = [];
  for (let port = from; port <= to && claimed.length < count; port++) {
    if (!claimPort(port)) continue;
    if (await portFree(port)) claimed.push(port);
    else releasePort(port);
  }
  if (claimed.length < count) {
    for (const port of claimed) releasePort(port);
    throw new Error(`no ${count} free, unclaimed ports in ${from}-${to} (claims in ${CLAIMS_DIR})`);
  }
  return claimed;
}

/** Claims a port (exclusive create); a claim whose process is gone is taken over. */
function claimPort(port: number): boolean {
  mkdirSync(CLAIMS_DIR, { recursive: true });
  const file = path.join(CLAIMS_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) return false;
    rmSync(file, { force: true });
  }
  return false;
}

/** Gives a port back, if this process holds its claim. */
function releasePort(port: number): void {
  const file = path.join(CLAIMS_DIR, String(port));
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
  } catch {
    // no claim: nothing to give back
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** How much of its primary's stream a replica has received (`slave_repl_offset`); -1 when unreadable. */
async function replicationOffset(port: number): Promise<number> {
  const match = /^slave_repl_offset:(\d+)\r?$/m.exec((await serverInfo(port))?.replication ?? '');
  return match ? Number(match[1]) : -1;
}

/** One server's INFO replication and server sections, on a throwaway connection; null when it does not answer. */
async function serverInfo(port: number): Promise<{ replication: string; server: string } | null> {
  const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused while a server starts or after it died: connect() rejects, and the event needs no report.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return { replication: await client.info('replication'), server: await client.info('server') };
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}
