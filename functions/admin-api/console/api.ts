/// <reference lib="dom" />
import type { Session } from './auth.js';

/** An admin API answer other than 2xx, with its machine-readable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/**
 * The console's only way to the gate: the admin API (same origin; CloudFront forwards
 * `/v1/*` in a stage, local mode serves both on one port). The signed-in user's token goes
 * with every call; the API records that user as the actor.
 */
export class AdminApiClient {
  constructor(private readonly session: Session) {}

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<ApiAnswer<T>> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
    const search = params.toString();
    return this.send<T>('GET', search ? `${path}?${search}` : path);
  }

  /**
   * A POST whose body carries the actor (used locally; in a stage the token's user wins);
   * `actor: false` for the reads that take a body and no actor (the what-if).
   */
  post<T>(path: string, body: Record<string, unknown>, options: { actor?: boolean } = {}): Promise<ApiAnswer<T>> {
    return this.send<T>('POST', path, options.actor === false ? body : { ...body, actor: this.session.actor() });
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.session.token();
    if (token) headers.authorization = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) this.session.expired();
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    if (response.status >= 400) {
      const code = typeof parsed.code === 'string' ? parsed.code : `HTTP_${response.status}`;
      const message = typeof parsed.message === 'string' ? parsed.message : response.statusText;
      throw new ApiError(response.status, code, message, parsed);
    }
    return { status: response.status, body: parsed as T };
  }
}

/** A failed call in one line for the status region. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
