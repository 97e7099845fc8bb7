import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** A Lambda proxy handler as API Gateway REST calls it, minus the Lambda context. */
export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Serves API Gateway proxy handlers over plain HTTP for local mode, turning each request
 * into the same event shape API Gateway REST sends, so local and deployed share routes,
 * bodies and status codes. Not for production: no auth, loopback only by default.
 */
export function createLocalServer(handle: ProxyHandler): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        send(res, {
          statusCode: 413,
          body: JSON.stringify({ code: 'PAYLOAD_TOO_LARGE', message: 'body over 64 KiB' }),
        });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const event = toProxyEvent(req, url, Buffer.concat(chunks).toString('utf8'));
      handle(event)
        .then((result) => send(res, result))
        .catch(() =>
          send(res, { statusCode: 500, body: JSON.stringify({ code: 'INTERNAL_ERROR', message: 'internal error' }) }),
        );
    });
  });
}

function toProxyEvent(req: http.IncomingMessage, url: URL, body: string): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers[key] = value;
    else if (Array.isArray(value)) headers[key] = value.join(',');
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const requestId = randomUUID();
  return {
    httpMethod: req.method ?? 'GET',
    path: url.pathname,
    resource: url.pathname,
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body.length > 0 ? body : null,
    isBase64Encoded: false,
    requestContext: {
      requestId,
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      stage: 'local',
      identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userArn: null, caller: null },
      requestTimeEpoch: Date.now(),
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

function send(res: http.ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key.toLowerCase()] = String(value);
  res.writeHead(result.statusCode, headers);
  res.end(result.body);
}
