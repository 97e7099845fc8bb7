import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PANELS } from '../../dashboards/panels.js';
import { buildConsole } from '../../functions/admin-api/console/build.js';
import { ROUTES } from '../../shared/names.js';

/**
 * The risk desk console on local mode's port, at `/console/`: built once at start from the
 * same sources a stage deploys to its bucket, with a `config.json` that says there is no
 * sign-in here (the person types their name; the admin API records it as the actor).
 */
export async function createLocalConsole(): Promise<(event: APIGatewayProxyEvent) => APIGatewayProxyResult | null> {
  const assets = buildConsole(PANELS);
  assets.set('config.json', { contentType: 'application/json', body: JSON.stringify({ auth: 'none' }) });
  const headers = (contentType: string) => ({
    'content-type': contentType,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  });
  return (event) => {
    if (event.path !== ROUTES.console && !event.path.startsWith(`${ROUTES.console}/`)) return null;
    if (event.path === ROUTES.console) {
      return { statusCode: 301, headers: { location: `${ROUTES.console}/` }, body: '' };
    }
    const name = event.path.slice(ROUTES.console.length + 1) || 'index.html';
    const asset = assets.get(name);
    if (!asset || event.httpMethod !== 'GET') {
      return { statusCode: 404, headers: headers('text/plain'), body: 'not found' };
    }
    return { statusCode: 200, headers: headers(asset.contentType), body: asset.body };
  };
}
