import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { databaseUrl, local } from '../../local-env.js';

/** A server the bench started in a process of its own (the API is not on the load generator's event loop). */
export interface ChildServer {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `script` under tsx and waits for it to print `listening on <url>`. `nodeArgs` go to
 * node before the script (e.g. `--cpu-prof`: the profile is written when the child exits on stop()).
 */
export async function startChildServer(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
  nodeArgs: readonly string[] = [],
): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(local.root, script), ...args], {
    cwd: local.root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not listen in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output = `${output}${chunk.toString()}`.slice(-20_000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before listening:\n${output}`));
    });
  });
  // Keep reading so a chatty child never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The bench's own database for local mode (BENCH_DB_NAME, default <TEST_DB_NAME>_bench), created if missing. */
export async function ensureBenchDatabase(): Promise<string> {
  const name = process.env.BENCH_DB_NAME ?? `${local.testDbName}_bench`;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`BENCH_DB_NAME must be a plain identifier, got ${name}`);
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return name;
}
