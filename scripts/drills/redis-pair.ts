import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { sleep } from './drill-gate.js';

/**
 * A private Redis replication group like prod's (a primary and two replicas, `replicaof`), as
 * child processes on free ports of 6390-6399, for the local cache-failover drill: nothing
 * persisted, nothing shared with the Redis other tests use. `failover()` is what ElastiCache
 * does on a primary loss: the primary dies, a replica is promoted (REPLICAOF NO ONE), the
 * other follows it; whatever the promoted one had not received is gone.
 */
export class RedisPair {
  private readonly processes: ChildProcess[] = [];
  primaryPort = 0;
  /** The replica promoted by {@link failover}. */
  replicaPort = 0;
  private secondReplicaPort = 0;

  async start(): Promise<void> {
    const [primary, replica, second] = await freePorts(3, 6390, 6399);
    this.primaryPort = primary as number;
    this.replicaPort = replica as number;
    this.secondReplicaPort = second as number;
    // No diskless-sync delay: a replica is in sync within a second, not five.
    const sync = ['--repl-diskless-sync-delay', '0'];
    this.spawn(this.primaryPort, sync);
    this.spawn(this.replicaPort, [...sync, '--replicaof', '127.0.0.1', String(this.primaryPort)]);
    this.spawn(this.secondReplicaPort, [...sync, '--replicaof', '127.0.0.1', String(this.primaryPort)]);
    await this.waitFor(this.primaryPort, (info) => /connected_slaves:2/.test(info) && !/state=(wait|send)/.test(info));
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

  /** Kills the primary (SIGKILL: no goodbye), promotes a replica, points the other at it. */
  async failover(): Promise<void> {
    this.processes[0]?.kill('SIGKILL');
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
  }

  async stop(): Promise<void> {
    for (const child of this.processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sleep(50);
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

  private async waitFor(port: number, ready: (info: string) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await client.connect();
        if (ready(await client.info('replication'))) return;
      } catch {
        // not up yet
      } finally {
        client.disconnect();
      }
      await sleep(50);
    }
    throw new Error(`redis-server on ${port} not ready within ${timeoutMs} ms`);
  }
}

/** `count` ports in [from, to] that nothing listens on. */
async function freePorts(count: number, from: number, to: number): Promise<number[]> {
  const free: number[] = [];
  for (let port = from; port <= to && free.length < count; port++) {
    if (await portFree(port)) free.push(port);
  }
  if (free.length < count) throw new Error(`no ${count} free ports in ${from}-${to}`);
  return free;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
