import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * What every risk-desk CLI (kill-switch, accounts) shares: its flags and one HTTP client
 * for the gate. `--url` (or RISK_GATE_URL) picks the API: http://127.0.0.1:8080 (local
 * mode, default) or the stage's API Gateway URL, where requests are SigV4-signed with the
 * current AWS session (assume the risk manager role with MFA first).
 */
export interface CliArgs {
  readonly command: string | undefined;
  flag(name: string): string | undefined;
  /** The flag's value; exits 2 naming it when missing. */
  need(name: string): string;
  has(name: string): boolean;
  readonly baseUrl: string;
}

export function parseCliArgs(argv: readonly string[] = process.argv.slice(2)): CliArgs {
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    command: argv[0],
    flag,
    need(name) {
      const value = flag(name);
      if (!value) {
        console.error(`--${name} is required`);
        process.exit(2);
      }
      return value;
    },
    has: (name) => argv.includes(`--${name}`),
    baseUrl: (flag('url') ?? process.env.RISK_GATE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
  };
}

/** Sends one request (signed against a stage); returns the status and the body's text. */
export async function requestGate(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: Record<string, unknown>,
): Promise<{ status: number; text: string }> {
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
  return { status: response.status, text: await response.text() };
}

/** Sends one request, prints `<status> <body>`, returns the status. */
export async function callGate(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: Record<string, unknown>,
): Promise<number> {
  const { status, text } = await requestGate(baseUrl, method, path, body);
  console.log(`${status} ${text}`);
  return status;
}

/** Exit 0 on 2xx, 1 otherwise: what scripts and the runbook tests key on. */
export function exitWith(status: number): never {
  process.exit(status >= 200 && status < 300 ? 0 : 1);
}
