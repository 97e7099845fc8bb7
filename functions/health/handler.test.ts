import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';

const lambdaContext = {
  functionName: 'health',
  functionVersion: '1',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:health',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 1000,
} as unknown as Context;

async function importFresh() {
  vi.resetModules();
  return import('./handler.js');
}

describe('Handler: health', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('answers 200 with stage and version through the full middy chain', async () => {
    // Prepare
    vi.stubEnv('STAGE', 'dev');
    vi.stubEnv('BUILD_VERSION', 'abc123');
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    const { handler } = await importFresh();

    // Act
    const result = await handler({}, lambdaContext);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', stage: 'dev', version: 'abc123', simulation: false });
  });

  it('refuses to cold-start in production with simulation mode on', async () => {
    vi.stubEnv('STAGE', 'prod');
    vi.stubEnv('BUILD_VERSION', 'abc123');
    vi.stubEnv('SIMULATION_MODE', 'true');
    await expect(importFresh()).rejects.toThrow(/SIMULATION_MODE=true is refused when STAGE=prod/);
  });

  it('refuses to cold-start without its build version', async () => {
    vi.stubEnv('STAGE', 'dev');
    vi.stubEnv('BUILD_VERSION', undefined);
    await expect(importFresh()).rejects.toThrow(/BUILD_VERSION/);
  });
});
