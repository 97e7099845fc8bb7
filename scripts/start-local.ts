import { createLocalServer } from '../shared/runtime/local-http.js';

/**
 * Local mode entry point (`npm start`). Serves the same routes as API Gateway on
 * 127.0.0.1:PORT.
 */
process.env.STAGE ??= 'local';
process.env.BUILD_VERSION ??= 'local';
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

const { healthHandler } = await import('../functions/health/handler.js');
const server = createLocalServer(async () => healthHandler());
server.listen(port, host, () => {
  console.log(`risk-gate local: http://${host}:${port}/v1/health`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
