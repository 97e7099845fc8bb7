import { readFileSync } from 'node:fs';
import { callGate, exitWith, parseCliArgs, requestGate } from './cli/gate-client.js';

/**
 * The risk desk's accounts CLI (docs/runbooks/onboarding-an-account.md).
 *
 *   npm run accounts -- create --account desk-7 --name "Desk 7" --kind strategy \
 *       --limits '{"nav":"250000","max_order_notional":"10000"}' --actor alice --reason "new desk" \
 *       [--key-account master]            (trade with another account's Kraken key)
 *       [--limits-file limits.json]       (instead of --limits)
 *   npm run accounts -- list
 *   npm run accounts -- show --account desk-7
 *   npm run accounts -- approve-limits --account desk-7 --actor bob [--proposal <id>]
 *   npm run accounts -- set-key --account desk-7 --actor alice   (KRAKEN_API_KEY, KRAKEN_API_SECRET from the environment)
 *   npm run accounts -- disable --account desk-7 --actor alice --reason "limit breach"
 *   npm run accounts -- enable  --account desk-7 --actor bob --reason "cleared"
 *
 * Targets as in scripts/cli/gate-client.ts (--url or RISK_GATE_URL; SigV4 against a stage).
 * The Kraken key never goes on the command line (shell history, process list): set-key
 * reads it from the environment. Exit code 0 on 2xx, 1 otherwise, 2 on a usage error.
 */
const args = parseCliArgs();
const { flag, need } = args;
const path = (accountId: string, rest = '') => `/v1/admin/accounts/${encodeURIComponent(accountId)}${rest}`;

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('usage: npm run accounts -- create|list|show|approve-limits|set-key|disable|enable [--account ..] ...');
  process.exit(2);
}

function limitsArgument(): unknown {
  const text = flag('limits') ?? (flag('limits-file') ? readFileSync(need('limits-file'), 'utf8') : undefined);
  if (!text) usage('--limits or --limits-file is required');
  try {
    return JSON.parse(text);
  } catch {
    usage('--limits is not JSON');
  }
}

/**
 * The proposal to apply: the one named, or the account's single pending one. With several
 * pending the approver must name one, so nobody approves figures they did not pick.
 */
async function proposalToApprove(accountId: string): Promise<string> {
  const named = flag('proposal');
  if (named) return named;
  const shown = await requestGate(args.baseUrl, 'GET', path(accountId));
  if (shown.status !== 200) {
    console.log(`${shown.status} ${shown.text}`);
    exitWith(shown.status);
  }
  const body = JSON.parse(shown.text) as { pending_proposals?: { proposal_id: string; limits: unknown }[] };
  const pending = body.pending_proposals ?? [];
  if (pending.length !== 1) usage(`${pending.length} proposals pending for ${accountId}: name one with --proposal`);
  console.log(`approving ${pending[0]?.proposal_id}: ${JSON.stringify(pending[0]?.limits)}`);
  return pending[0]?.proposal_id as string;
}

let status: number;
switch (args.command) {
  case 'create':
    status = await callGate(args.baseUrl, 'POST', '/v1/admin/accounts', {
      account_id: need('account'),
      display_name: need('name'),
      kind: need('kind'),
      ...(flag('key-account') ? { kraken_key_account: flag('key-account') } : {}),
      limits: limitsArgument(),
      actor: need('actor'),
      reason: need('reason'),
    });
    break;
  case 'list':
    status = await callGate(args.baseUrl, 'GET', '/v1/admin/accounts');
    break;
  case 'show':
    status = await callGate(args.baseUrl, 'GET', path(need('account')));
    break;
  case 'approve-limits': {
    const accountId = need('account');
    const actor = need('actor');
    const proposalId = await proposalToApprove(accountId);
    status = await callGate(args.baseUrl, 'POST', path(accountId, `/limits/proposals/${proposalId}/apply`), {
      actor,
    });
    break;
  }
  case 'set-key': {
    const apiKey = process.env.KRAKEN_API_KEY;
    const apiSecret = process.env.KRAKEN_API_SECRET;
    if (!apiKey || !apiSecret) usage('set-key reads the key from KRAKEN_API_KEY and KRAKEN_API_SECRET');
    status = await callGate(args.baseUrl, 'PUT', path(need('account'), '/kraken-key'), {
      api_key: apiKey,
      api_secret: apiSecret,
      actor: need('actor'),
    });
    break;
  }
  case 'disable':
  case 'enable':
    status = await callGate(args.baseUrl, 'POST', path(need('account'), `/${args.command}`), {
      actor: need('actor'),
      reason: need('reason'),
    });
    break;
  default:
    usage();
}
exitWith(status);
