import { callGate, exitWith, parseCliArgs } from './cli/gate-client.js';

/**
 * The risk desk's kill switch CLI (docs/runbooks/kill-switch.md).
 *
 *   npm run kill-switch -- engage  --scope account --target company --reason manual --actor alice
 *   npm run kill-switch -- release --scope account --target company --actor bob --reason "losses contained"
 *   npm run kill-switch -- status
 *   npm run kill-switch -- history [--limit 20]
 *
 * --url (or RISK_GATE_URL) picks the API: http://127.0.0.1:8080 (local mode, default) or the
 * stage's API Gateway URL, where requests are SigV4-signed with your current AWS session
 * (assume the risk manager role with MFA first). Exit code 0 on 2xx, 1 otherwise.
 */
const args = parseCliArgs();
const { flag, need } = args;
const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>) =>
  callGate(args.baseUrl, method, path, body);

let status: number;
switch (args.command) {
  case 'engage':
    status = await call('POST', '/v1/admin/kill-switch', {
      scope: need('scope'),
      ...(flag('target') ? { target: flag('target') } : {}),
      reason: need('reason'),
      actor: need('actor'),
      ...(args.has('no-reduce-only') ? { allow_reduce_only: false } : {}),
      ...(flag('note') ? { note: flag('note') } : {}),
    });
    break;
  case 'release':
    status = await call('POST', '/v1/admin/kill-switch/release', {
      scope: need('scope'),
      ...(flag('target') ? { target: flag('target') } : {}),
      actor: need('actor'),
      reason: need('reason'),
    });
    break;
  case 'status':
    status = await call('GET', '/v1/admin/kill-switch');
    break;
  case 'history':
    status = await call('GET', `/v1/admin/kill-switch/history?limit=${flag('limit') ?? '20'}`);
    break;
  default:
    console.error(
      'usage: npm run kill-switch -- engage|release|status|history [--scope ..] [--target ..] [--reason ..] [--actor ..]',
    );
    process.exit(2);
}
exitWith(status);
