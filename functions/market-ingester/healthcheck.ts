/**
 * Container health check (ECS `healthCheck.command`): exit 0 when /ready answers 200. The
 * runtime image has no shell or curl, so the check is this script run by node itself.
 */
import { INGESTER_DEFAULTS } from './defaults.js';

const port = process.env.HEALTH_PORT ?? String(INGESTER_DEFAULTS.HEALTH_PORT);
try {
  const response = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(3_000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
