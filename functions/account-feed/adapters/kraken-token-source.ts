import type { KrakenCredentials, KrakenRestClient } from '../../../shared/adapters/kraken-rest.js';
import type { WebSocketTokenSource } from '../ports.js';

/** REST `GetWebSocketsToken`, signed like every private call by the shared client. */
export class KrakenRestTokenSource implements WebSocketTokenSource {
  constructor(private readonly rest: KrakenRestClient) {}

  async token(credentials: KrakenCredentials): Promise<string> {
    const result = await this.rest.privateCall<{ token?: unknown }>('GetWebSocketsToken', {}, credentials);
    if (typeof result?.token !== 'string' || result.token.length === 0) throw new Error('GetWebSocketsToken: no token');
    return result.token;
  }
}
