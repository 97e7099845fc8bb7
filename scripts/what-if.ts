import { readFileSync } from 'node:fs';
import { exitWith, parseCliArgs, requestGate } from './cli/gate-client.js';

/**
 * The limits what-if from the command line (issue #17): replays an account's recorded
 * decisions under proposed limits through the admin API (`POST
 * /v1/admin/accounts/{id}/limits/what-if`), side-effect free.
 *
 *   npm run what-if -- company --from 2026-12-01T00:00:00Z [--to 2026-12-02T00:00:00Z] --limits limits.json
 *
 * `--limits` names a JSON file of the whole proposed limit set (as `accounts create` takes
 * it); `--to` defaults to now. Targets as in scripts/cli/gate-client.ts (--url or
 * RISK_GATE_URL; SigV4 against a stage). Prints the flips by reason code, then the whole
 * report as JSON on the last line. Exit 0 on 2xx, 1 otherwise (a 422 names the bound the
 * range broke), 2 on a usage error.
 */
const args = parseCliArgs();
const { flag, need } = args;

function usage(message: string): never {
  console.error(message);
  console.error(
    'usage: npm run what-if -- <account> --from <ISO time> [--to <ISO time>] --limits <file.json> [--url URL]',
  );
  process.exit(2);
}

const accountId = args.command;
if (!accountId || accountId.startsWith('--')) usage('the account id comes first');
let limits: unknown;
try {
  limits = JSON.parse(readFileSync(need('limits'), 'utf8'));
} catch (error) {
  usage(`--limits: ${(error as Error).message}`);
}

const { status, text } = await requestGate(
  args.baseUrl,
  'POST',
  `/v1/admin/accounts/${encodeURIComponent(accountId)}/limits/what-if`,
  { limits, from: need('from'), to: flag('to') ?? new Date().toISOString() },
);
if (status !== 200) {
  console.log(`${status} ${text}`);
  exitWith(status);
}

interface Group {
  count: number;
  by_reason: Record<string, number>;
}
const report = JSON.parse(text) as {
  totals: Record<string, number>;
  flips: { accept_to_reject: Group; reject_to_accept: Group };
  reasons_changed: Group;
  not_replayable: { by_cause: Record<string, number> };
};
const line = (label: string, counts: Record<string, number>) =>
  console.log(
    `${label}: ${
      Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
  );
line('decisions', report.totals);
line(`accept -> reject (${report.flips.accept_to_reject.count})`, report.flips.accept_to_reject.by_reason);
line(`reject -> accept (${report.flips.reject_to_accept.count})`, report.flips.reject_to_accept.by_reason);
line(`reject, other reasons (${report.reasons_changed.count})`, report.reasons_changed.by_reason);
line('not replayable', report.not_replayable.by_cause);
console.log(text);
exitWith(status);
