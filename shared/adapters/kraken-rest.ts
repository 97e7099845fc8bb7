import { createHash, createHmac } from 'node:crypto';
import type { KrakenAccountApi, KrakenCredentials } from '../domain/controls/ports.js';
import { ExchangeCallError } from '../domain/errors.js';

export type { KrakenCredentials } from '../domain/controls/ports.js';

/**
 * Kraken's private REST API (spot): request signing and the calls the controls need.
 * `API-Sign` = base64( HMAC-SHA512( base64decode(secret), path + SHA256(nonce + postData) ) ).
 * The base URL is configuration, so tests point it at a fake that verifies signatures.
 */
/** Kraken's own error strings; an {@link ExchangeCallError}, so use cases need not know Kraken's client. */
export class KrakenApiError extends ExchangeCallError {
  override readonly name: string = 'KrakenApiError';
  constructor(errors: readonly string[], retryable: boolean) {
    super(errors, retryable);
    this.message = `Kraken API error: ${errors.join(', ')}`;
  }
}

export function signKrakenRequest(path: string, nonce: string, postData: string, apiSecret: string): string {
  const digest = createHash('sha256')
    .update(nonce + postData)
    .digest();
  return createHmac('sha512', Buffer.from(apiSecret, 'base64'))
    .update(Buffer.concat([Buffer.from(path), digest]))
    .digest('base64');
}

let lastNonce = 0n;
/** Strictly increasing across calls in this process (Kraken rejects a nonce not above the last). */
export function nextNonce(nowMs: number = Date.now()): string {
  const candidate = BigInt(nowMs) * 1000n;
  lastNonce = candidate > lastNonce ? candidate : lastNonce + 1n;
  return lastNonce.toString();
}

/** Errors worth retrying: rate limits, busy/unavailable service, timeouts. */
const RETRYABLE = /^(EAPI:Rate limit|EService:(Unavailable|Busy|Deadline elapsed)|EGeneral:Temporary)/;

export class KrakenRestClient implements KrakenAccountApi {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async privateCall<T>(method: string, params: Record<string, string>, credentials: KrakenCredentials): Promise<T> {
    const path = `/0/private/${method}`;
    const nonce = nextNonce();
    const postData = new URLSearchParams({ nonce, ...params }).toString();
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method: 'POST',
        headers: {
          'API-Key': credentials.apiKey,
          'API-Sign': signKrakenRequest(path, nonce, postData, credentials.apiSecret),
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        },
        body: postData,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new KrakenApiError([`ENetwork:${(error as Error).name}`], true);
    }
    if (response.status >= 500 || response.status === 429) {
      throw new KrakenApiError([`EHttp:${response.status}`], true);
    }
    const body = (await response.json().catch(() => null)) as { error?: string[]; result?: T } | null;
    if (!body || !Array.isArray(body.error)) throw new KrakenApiError(['EGeneral:Malformed response'], true);
    if (body.error.length > 0) {
      throw new KrakenApiError(
        body.error,
        body.error.every((e) => RETRYABLE.test(e)),
      );
    }
    return body.result as T;
  }

  /** Account balances; used to prove a key works before storing it. */
  balance(credentials: KrakenCredentials): Promise<Record<string, string>> {
    return this.privateCall('Balance', {}, credentials);
  }

  /** Cancels every open order of the key's account. */
  cancelAll(credentials: KrakenCredentials): Promise<{ count: number }> {
    return this.privateCall('CancelAll', {}, credentials);
  }

  /** Dead man's switch: cancel everything after `timeoutSeconds` unless re-armed (0 disarms). */
  cancelAllOrdersAfter(
    credentials: KrakenCredentials,
    timeoutSeconds: number,
  ): Promise<{ currentTime: string; triggerTime: string }> {
    return this.privateCall('CancelAllOrdersAfter', { timeout: String(timeoutSeconds) }, credentials);
  }
}
