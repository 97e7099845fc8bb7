import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

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
const argv = process.argv.slice(2);
const command = argv[0];
const flag = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const baseUrl = (flag('url') ?? process.env.RISK_GATE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');

async function call(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<number> {
  const url = new URL(`${baseUrl}${path}`);
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/json' };
  const payload = body ? JSON.stringify(body) : undefined;
  if (url.protocol === 'https:') {
    const region = process.env.AWS_REGION ?? url.hostname.split('.')[2] ?? 'eu-west-1';
    const signer = new SignatureV4({
      service: 'execute-api',
      region,
      credentials: defaultProvider(),
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(
      new HttpRequest({
        method,
        protocol: 'https:',
        hostname: url.hostname,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: payload,
      }),
    );
    Object.assign(headers, signed.headers);
  }
  const response = await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  console.log(`${response.status} ${text}`);
  return response.status;
}

function need(name: string): string {
  const value = flag(name);
  if (!value) {
    console.error(`--${name} is required`);
    process.exit(2);
  }
  return value;
}

let status: number;
switch (command) {
  case 'engage':
    status = await call('POST', '/v1/admin/kill-switch', {
      scope: need('scope'),
      ...(flag('target') ? { target: flag('target') } : {}),
      reason: need('reason'),
      actor: need('actor'),
      ...(argv.includes('--no-reduce-only') ? { allow_reduce_only: false } : {}),
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
process.exit(status >= 200 && status < 300 ? 0 : 1);
