import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `/healthz`: the process answers. `/ready`: the task is serving (keys listed, not
 * stopping). An account whose feed is down is not a task failure (the task keeps
 * reconnecting and the account is failed closed in Redis), so `/ready` does not depend on it.
 */
export async function startHealthServer(
  port: number,
  ready: () => { ready: boolean; detail: Record<string, unknown> },
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
      const verdict = ready();
      return reply(verdict.ready ? 200 : 503, { status: verdict.ready ? 'ready' : 'not_ready', ...verdict.detail });
    }
    return reply(404, { code: 'NOT_FOUND' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
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
