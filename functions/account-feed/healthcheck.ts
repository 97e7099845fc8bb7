/**
 * Container health check (ECS `healthCheck.command`): exit 0 when /ready answers 200. The
 * runtime image has no shell or curl, so the check is this script run by node itself. It
 * does not parse the whole config (a health check must not fail on a setting it never
 * reads); 8081 is config.ts's HEALTH_PORT default, and the task definition sets it anyway.
 */
const port = process.env.HEALTH_PORT ?? '8081';
try {
  const response = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(3_000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
