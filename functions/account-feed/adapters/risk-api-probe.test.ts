import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RISK_API_UNANSWERED, RiskApiProbe } from './risk-api-probe.js';

/** A local stand-in for the risk API: each request is answered by `answer` (or never). */
type Answer = (req: IncomingMessage, res: ServerResponse) => void;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('Class: RiskApiProbe', () => {
  let server: Server;
  let url: string;
  let answer: Answer;
  const requests: IncomingMessage[] = [];
  const hanging: ServerResponse[] = [];

  const ok: Answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', stage: 'local', checks: {} }));
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req);
      answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev`;
  });

  beforeEach(() => {
    requests.length = 0;
    answer = ok;
  });

  afterAll(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const probe = (overrides: Partial<ConstructorParameters<typeof RiskApiProbe>[0]> = {}) =>
    new RiskApiProbe({ url, timeoutMs: 300, intervalMs: 1_000, signing: null, ...overrides });

  it('answers on 200 with the health body, under the stage path, then 503 and a hang are unanswered', async () => {
    // Prepare
    const subject = probe();

    // Act
    const healthy = await subject.reasons(0);
    answer = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'degraded', stage: 'local', checks: { redis: false } }));
    };
    const degraded = await subject.reasons(1_000);
    answer = (_req, res) => void hanging.push(res);
    const started = Date.now();
    const hung = await subject.reasons(2_000);
    const waitedMs = Date.now() - started;

    // Assess
    expect(healthy).toEqual([]);
    expect(degraded).toEqual([RISK_API_UNANSWERED]);
    expect(hung).toEqual([RISK_API_UNANSWERED]);
    expect(waitedMs).toBeGreaterThanOrEqual(250);
    expect(waitedMs).toBeLessThan(1_500);
    expect(requests.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/dev/v1/health'],
      ['GET', '/dev/v1/health'],
      ['GET', '/dev/v1/health'],
    ]);
    expect(requests[0]?.headers['user-agent']).toBe('risk-gate-account-feed');
    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it.each([
    ['a 200 that is not the health body', (_req: IncomingMessage, res: ServerResponse) => res.end('<html>ok</html>')],
    [
      'a 200 saying degraded',
      (_req: IncomingMessage, res: ServerResponse) => res.end(JSON.stringify({ status: 'degraded' })),
    ],
    [
      'a 403 (not allowed to invoke)',
      (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(403);
        res.end(JSON.stringify({ message: 'Forbidden' }));
      },
    ],
  ])('counts %s as unanswered', async (_name, reply) => {
    // Prepare
    answer = reply;

    // Act
    const reasons = await probe().reasons(0);

    // Assess
    expect(reasons).toEqual([RISK_API_UNANSWERED]);
  });

  it('counts a refused connection as unanswered', async () => {
    // Prepare: a port nothing listens on (a server opened and closed again)
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const reasons = await probe({ url: `http://127.0.0.1:${port}` }).reasons(0);

    // Assess
    expect(reasons).toEqual([RISK_API_UNANSWERED]);
  });

  it('probes at most once per interval and reuses the last result in between, failures included', async () => {
    // Prepare
    const subject = probe({ intervalMs: 5_000 });

    // Act
    const first = await Promise.all([subject.reasons(0), subject.reasons(0)]);
    answer = (_req, res) => {
      res.writeHead(500);
      res.end();
    };
    const cached = await subject.reasons(4_999);
    const requestsWithin = requests.length;
    const next = await subject.reasons(5_000);
    answer = ok;
    const stillCached = await subject.reasons(9_999);
    const recovered = await subject.reasons(10_000);

    // Assess
    expect(first).toEqual([[], []]);
    expect(requestsWithin).toBe(1);
    expect(cached).toEqual([]);
    expect(next).toEqual([RISK_API_UNANSWERED]);
    expect(stillCached).toEqual([RISK_API_UNANSWERED]);
    expect(recovered).toEqual([]);
    expect(requests).toHaveLength(3);
  });

  it('signs for execute-api with SigV4 when signing is on, a signature the API can verify', async () => {
    // Prepare
    const subject = probe({ signing: { region: 'eu-west-1', credentials } });

    // Act
    const reasons = await subject.reasons(0);

    // Assess
    expect(reasons).toEqual([]);
    const req = requests[0] as IncomingMessage;
    const authorization = String(req.headers.authorization);
    const amzDate = String(req.headers['x-amz-date']);
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-date[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    // Recompute the signature over the request as received: host, path and headers all match.
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const [host, port] = String(req.headers.host).split(':');
    const received = new HttpRequest({
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: host as string,
      port: Number(port),
      path: req.url ?? '',
      headers: Object.fromEntries(signedHeaders.map((name) => [name, String(req.headers[name])])),
    });
    const verifier = new SignatureV4({
      service: 'execute-api',
      region: 'eu-west-1',
      credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
    const signingDate = new Date(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    const expected = await verifier.sign(received, { signingDate });
    expect(expected.headers.authorization).toBe(authorization);
  });

  it('counts credentials that cannot be resolved as unanswered, within the timeout', async () => {
    // Prepare: a provider that never resolves (a hung credentials endpoint)
    const subject = probe({
      signing: { region: 'eu-west-1', credentials: () => new Promise(() => undefined) },
    });

    // Act
    const started = Date.now();
    const reasons = await subject.reasons(0);

    // Assess
    expect(reasons).toEqual([RISK_API_UNANSWERED]);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(requests).toHaveLength(0);
  });
});
