import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Readiness verdict with the reasons it is not ready (empty when ready). */
export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
  readonly detail?: Record<string, unknown>;
}

/**
 * `/healthz`: the process and its event loop are alive (200 while it can answer at all).
 * `/ready`: connected to Kraken, every subscription acknowledged, every book verified since
 * the last (re)connect and frames still arriving; 503 with the reasons otherwise. The ECS
 * container health check calls `/ready`.
 */
export async function startHealthServer(
  port: number,
  readiness: () => Readiness,
  host = '0.0.0.0',
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { code: 'METHOD_NOT_ALLOWED' });
    if (path === '/healthz') return reply(200, { status: 'alive' });
    if (path === '/ready') {
      const verdict = readiness();
      return reply(verdict.ready ? 200 : 503, {
        status: verdict.ready ? 'ready' : 'not_ready',
        reasons: verdict.reasons,
        ...verdict.detail,
      });
    }
    return reply(404, { code: 'NOT_FOUND' });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
