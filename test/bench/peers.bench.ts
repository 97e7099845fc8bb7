import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordedBookLap } from '../../functions/market-ingester/test-support/recorded-book-lap.js';
import { dec } from '../../shared/domain/decimal.js';
import { accountFixture, NOW_MS, orderFixture, stateFixture } from '../../shared/domain/risk/fixtures.js';
import { evaluateOrder } from '../../shared/domain/risk/rules.js';
import { throughputPerSecond } from '../bench-utils.js';
import { local } from '../local-env.js';

/**
 * peers.*: our code against the best peer doing the same work, same inputs, same run, one
 * core each (issue #16). The peers run from the bench's own virtualenv
 * (~/.cache/risk-gate/bench-peers-<PEERS_VERSION>, pins in test/bench/peers/requirements.txt,
 * installed by scripts/bench-peers.sh); a peer that is not installed is `null` with a note,
 * never a guess.
 * - evaluate_orders_per_s vs nautilus_orders_per_s: our rules (`evaluateOrder`, the pure
 *   domain, more than 20 rules) against NautilusTrader's RiskEngine pre-trade check
 *   (peers/nautilus_risk.py), the same order shapes: a cash account (USD 1,000,000 free),
 *   one instrument (BTC/USD), buys of 0.01, limit at the market and market in turn.
 * - book_updates_per_s vs python_kraken_sdk_updates_per_s: our ingester pipeline (frame
 *   parse, book, CRC32 checksum, normalised events and marks, sinks no-op) against
 *   python-kraken-sdk's v2 order book with checksum validation (peers/kraken_sdk_book.py),
 *   both fed the committed recording's book frames (test/recordings), a fresh book per lap.
 */
export const group = 'peers';
export const notes: string[] = [];

const RECORDING = path.join(local.root, 'test', 'recordings', 'kraken-v2-fake-seed42.jsonl');
const PEERS_DIR = path.join(local.root, 'test', 'bench', 'peers');
const DURATION_S = 3;

function peersVenv(): string {
  const pins = readFileSync(path.join(PEERS_DIR, 'requirements.txt'), 'utf8');
  const version = /PEERS_VERSION=(\S+)/.exec(pins)?.[1];
  if (!version) throw new Error('test/bench/peers/requirements.txt names no PEERS_VERSION');
  const cache = process.env.RISK_GATE_CACHE ?? path.join(os.homedir(), '.cache', 'risk-gate');
  return path.join(cache, `bench-peers-${version}`);
}

/** Installs the peers (scripts/bench-peers.sh) when their venv is missing; a failure is a note, not a crash. */
function ensurePeers(): void {
  if (existsSync(path.join(peersVenv(), 'bin', 'python'))) return;
  try {
    execFileSync('bash', [path.join(local.root, 'scripts', 'bench-peers.sh')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (error) {
    notes.push(`could not install the peers from PyPI: ${String(error).slice(0, 300)}`);
  }
}

/** Runs a peer script in the venv; null (with a note) when the venv or the peer is missing or fails. */
function runPeer(script: string, args: readonly string[]): Record<string, unknown> | null {
  const python = path.join(peersVenv(), 'bin', 'python');
  if (!existsSync(python)) {
    notes.push(`${script}: no peers virtualenv at ${peersVenv()} (run bash scripts/bench-peers.sh)`);
    return null;
  }
  try {
    const out = execFileSync(python, [path.join(PEERS_DIR, script), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const line = out.trim().split('\n').at(-1) ?? '';
    return JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    notes.push(`${script} failed: ${String((error as { stderr?: string }).stderr ?? error).slice(-500)}`);
    return null;
  }
}

function ourEvaluate(): number {
  const account = accountFixture({ nav: '1000000' });
  const state = stateFixture({ balances: new Map([['USD', dec('1000000')]]) });
  const orders = [
    orderFixture({ type: 'limit', quantity: '0.01', limit_price: '65000' }),
    orderFixture({ type: 'market', quantity: '0.01', limit_price: undefined }),
  ];
  for (const order of orders) {
    const result = evaluateOrder(order, account, state, NOW_MS);
    if (result.decision !== 'accept')
      throw new Error(`our ${order.type} order was not accepted: ${JSON.stringify(result)}`);
  }
  return throughputPerSecond(
    (i) => evaluateOrder(orders[i & 1] as (typeof orders)[number], account, state, NOW_MS),
    DURATION_S * 1000,
  );
}

function ourBook(): number {
  const { lap } = recordedBookLap(RECORDING, NOW_MS);
  for (let i = 0; i < 20; i++) lap();
  let updates = 0;
  const started = performance.now();
  while (performance.now() - started < DURATION_S * 1000) updates += lap();
  return (updates / (performance.now() - started)) * 1000;
}

export default async function run(): Promise<Record<string, number | null>> {
  const evaluatePerSecond = ourEvaluate();
  const bookPerSecond = ourBook();
  ensurePeers();
  const nautilus = runPeer('nautilus_risk.py', [String(DURATION_S)]);
  const sdk = runPeer('kraken_sdk_book.py', [RECORDING, String(DURATION_S)]);
  const num = (value: unknown) => (typeof value === 'number' ? Math.round(value) : null);
  if (nautilus) notes.push(`nautilus-trader ${String(nautilus.version)} on ${String(nautilus.instrument)}`);
  if (sdk) notes.push(`python-kraken-sdk ${String(sdk.version)}, ${String(sdk.updates_per_lap)} updates per lap`);
  return {
    evaluate_orders_per_s: Math.round(evaluatePerSecond),
    nautilus_orders_per_s: num(nautilus?.orders_per_s),
    book_updates_per_s: Math.round(bookPerSecond),
    python_kraken_sdk_updates_per_s: num(sdk?.updates_per_s),
  };
}
