import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { local } from '../local-env.js';

/**
 * Where scripts/schemathesis.sh (run by scripts/services.sh) installs schemathesis: a venv
 * under the per-user cache named after the pin in requirements.txt, the file both read.
 */
const CONTRACT_DIR = path.join(local.root, 'test', 'contract');

export function schemathesisVersion(): string {
  const requirements = readFileSync(path.join(CONTRACT_DIR, 'requirements.txt'), 'utf8');
  const pin = /^schemathesis==([0-9.]+)/m.exec(requirements)?.[1];
  if (!pin) throw new Error('test/contract/requirements.txt has no schemathesis==<version> pin');
  return pin;
}

export function schemathesisBinary(): string {
  const cache = process.env.RISK_GATE_CACHE ?? path.join(os.homedir(), '.cache', 'risk-gate');
  return path.join(cache, `schemathesis-${schemathesisVersion()}`, 'bin', 'schemathesis');
}

/** Throws, naming the command that installs it, when the contract test could not run. */
export function assertSchemathesisInstalled(): void {
  if (!existsSync(schemathesisBinary())) {
    throw new Error(
      `schemathesis is not installed at ${schemathesisBinary()} (the OpenAPI contract test needs it)\n` +
        'install it with: bash scripts/services.sh up   (or bash scripts/schemathesis.sh)',
    );
  }
}

export interface SchemathesisRun {
  readonly exitCode: number;
  readonly output: string;
}

/**
 * Runs `schemathesis run` with the contract test's config and hooks. Asynchronous on
 * purpose: the server under test lives in this process, and a synchronous child would
 * block the event loop that has to answer its requests.
 */
export function runSchemathesis(args: readonly string[], timeoutMs: number): Promise<SchemathesisRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      schemathesisBinary(),
      ['--config-file', path.join(CONTRACT_DIR, 'schemathesis.toml'), 'run', ...args],
      {
        cwd: local.root,
        env: {
          ...process.env,
          PYTHONPATH: CONTRACT_DIR,
          SCHEMATHESIS_HOOKS: 'hooks',
          NO_COLOR: '1',
          COLUMNS: '160',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), output });
    });
  });
}
