import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startHealthServer } from './health-server.js';

const run = promisify(execFile);

async function healthcheckExitCode(port: number): Promise<number> {
  try {
    await run(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'healthcheck.ts')], {
      env: { ...process.env, HEALTH_PORT: String(port) },
    });
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

describe('Function: startHealthServer', () => {
  it('answers /healthz while alive and /ready 200 or 503 with reasons; the container check follows /ready', async () => {
    let reasons: string[] = ['not_connected'];
    const server = await startHealthServer(0, () => ({ ready: reasons.length === 0, reasons }), '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ status: 'not_ready', reasons: ['not_connected'] });
      expect(await healthcheckExitCode(server.port)).toBe(1);

      reasons = [];
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      expect(await healthcheckExitCode(server.port)).toBe(0);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
