import { StateUnavailableError } from '../errors.js';
import type { AccountRecord } from './limits.js';
import type { LimitsSource } from './ports.js';

export interface CachedLimitsOptions {
  /** Refresh an entry older than this. A limits change takes effect within it. */
  readonly ttlMs: number;
  /** When the source fails, serve a cached entry up to this age; older -> unavailable. */
  readonly maxStaleMs: number;
  readonly now: () => number;
}

interface Entry {
  readonly record: AccountRecord | null;
  readonly fetchedAtMs: number;
}

/**
 * Limits from a slow source (Postgres) behind a per-process TTL cache. A refresh that
 * fails keeps serving the last good limits until `maxStaleMs`, then fails closed. One
 * fetch per account is in flight at a time, so a cold burst does not stampede the DB.
 */
export class CachedLimitsSource implements LimitsSource {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<AccountRecord | null>>();

  constructor(
    private readonly source: LimitsSource,
    private readonly options: CachedLimitsOptions,
  ) {}

  async get(accountId: string): Promise<AccountRecord | null> {
    const now = this.options.now();
    const entry = this.entries.get(accountId);
    if (entry && now - entry.fetchedAtMs < this.options.ttlMs) return entry.record;
    try {
      return await this.refresh(accountId);
    } catch (error) {
      if (entry && now - entry.fetchedAtMs <= this.options.maxStaleMs) return entry.record;
      throw error instanceof StateUnavailableError
        ? error
        : new StateUnavailableError('limits store', { cause: error });
    }
  }

  /** Drops every cached entry (after a limits change applied in this process). */
  invalidate(accountId?: string): void {
    if (accountId) this.entries.delete(accountId);
    else this.entries.clear();
  }

  private refresh(accountId: string): Promise<AccountRecord | null> {
    const pending = this.inFlight.get(accountId);
    if (pending) return pending;
    const fetch = this.source
      .get(accountId)
      .then((record) => {
        this.entries.set(accountId, { record, fetchedAtMs: this.options.now() });
        return record;
      })
      .finally(() => this.inFlight.delete(accountId));
    this.inFlight.set(accountId, fetch);
    return fetch;
  }
}
