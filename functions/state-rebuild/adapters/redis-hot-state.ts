import type { Redis } from 'ioredis';
import { RedisBreakerStore } from '../../../shared/adapters/breakers/breaker-store.js';
import {
  ACCOUNT_BOOK_FIELDS,
  type AccountBookOp,
  compareAndSetAccountBook,
  decodeAccountBook,
  decodeWorkingOrder,
  deleteWorkingOrderOp,
  encodeWorkingOrder,
  setWorkingOrderOp,
} from '../../../shared/adapters/redis/account-book-hash.js';
import { encodeBalances } from '../../../shared/adapters/redis/balances-hash.js';
import { encodeInstrument } from '../../../shared/adapters/redis/instruments-hash.js';
import { decodeKillSwitch, encodeKillSwitch, killSwitchKey } from '../../../shared/adapters/redis/kill-switch-hash.js';
import { encodeDailyCounters, encodePositions } from '../../../shared/adapters/redis/positions-hash.js';
import { queueUniverseSwap } from '../../../shared/adapters/redis/universe-set.js';
import type { StateEpochStore } from '../../../shared/adapters/state-epoch.js';
import type { WorkingOrder } from '../../../shared/domain/executions/working-orders.js';
import type { EpochVerdict, StateEpoch } from '../../../shared/domain/state-epoch.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { DurableState, HotStateStore, RestoreCounts } from '../ports.js';

/** The book kept moving under the restore (another writer) past every retry. */
export class AccountBookRestoreConflictError extends Error {
  override readonly name = 'AccountBookRestoreConflictError';
}

/**
 * The writes that make an account book's working orders agree with PostgreSQL's open ones:
 * each open order set (when the cache differs), and an `o:` field the cache holds open (or
 * cannot read) that PostgreSQL has not open deleted, since PostgreSQL is the source of
 * truth the positions consumer writes first. Tombstones the cache holds stay (harmless, the
 * consumer prunes them); reservations stay (they are not in PostgreSQL at all).
 */
export function bookRestoreOps(fields: Record<string, string>, open: readonly WorkingOrder[]): AccountBookOp[] {
  const ops: AccountBookOp[] = [];
  const wanted = new Map(open.map((o) => [setWorkingOrderOp(o).field, o]));
  for (const [field, order] of wanted) {
    if (fields[field] !== encodeWorkingOrder(order)) ops.push(setWorkingOrderOp(order));
  }
  for (const [field, value] of Object.entries(fields)) {
    if (!field.startsWith(ACCOUNT_BOOK_FIELDS.orderPrefix) || wanted.has(field)) continue;
    const held = decodeWorkingOrder(value);
    if (!held || held.closedAtMs === null) {
      ops.push(deleteWorkingOrderOp(field.slice(ACCOUNT_BOOK_FIELDS.orderPrefix.length)));
    }
  }
  return ops;
}

/**
 * The cache side of the rebuild, every layout through its codec in shared/adapters/redis:
 * kill switch hashes, breaker hashes (through the breaker store's script, which keeps the
 * summary fields right), the instruments hash, the universe set, positions, daily counters
 * and balances in one MULTI; then each account book's working orders through the book's
 * compare-and-set (the positions consumer writes the same hash, so its version must move
 * with every write); the epoch (through {@link StateEpochStore}) after both.
 */
export class RedisHotState implements HotStateStore {
  private readonly breakers: RedisBreakerStore;

  constructor(
    private readonly redis: Redis,
    private readonly epoch: StateEpochStore,
    private readonly bookAttempts = 8,
  ) {
    // No epoch on this one: restoring a trip is not a new control change.
    this.breakers = new RedisBreakerStore(redis);
  }

  verifyEpoch(): Promise<EpochVerdict> {
    return this.epoch.verify();
  }

  dropEpoch(): Promise<void> {
    return this.epoch.drop();
  }

  writeEpoch(epoch: StateEpoch): Promise<void> {
    return this.epoch.write(epoch);
  }

  async restore(state: DurableState): Promise<RestoreCounts> {
    const multi = this.redis.multi();

    // Kill switches: an engagement the log released is cleared; one the log does not know
    // (an engage whose log write is in flight or failed) is kept: never relax what we cannot see.
    const engaged = state.killSwitches.filter((k) => k.action === 'engage').map((k) => k.state);
    const engagedKeys = new Set(engaged.map((s) => killSwitchKey(s.scope, s.target)));
    let cleared = 0;
    for (const [key, held] of await this.heldKillSwitches()) {
      if (!engagedKeys.has(key) && state.releasedEventIds.has(held)) {
        multi.del(key);
        cleared++;
      }
    }
    for (const s of engaged) multi.hset(killSwitchKey(s.scope, s.target), encodeKillSwitch(s));

    // Breakers: trips only; a cause the cache holds tripped stays so until evaluated or reset.
    this.breakers.queue(
      multi,
      state.breakerTrips.map((t) => ({ ...t, tripped: true, value: 'restored', threshold: '-', sourceId: 'rebuild' })),
    );

    if (state.instruments.length > 0) {
      multi.hset(
        REDIS_KEYS.instruments,
        Object.fromEntries(state.instruments.map((pair) => [pair.symbol, encodeInstrument(pair)])),
      );
    }
    if (state.universe && state.universe.length > 0) queueUniverseSwap(multi, state.universe);

    for (const account of state.accounts) {
      const positionsKey = REDIS_KEYS.positions(account.accountId);
      const positions = encodePositions(account.positions);
      multi.del(positionsKey);
      if (positions) multi.hset(positionsKey, positions);
      if (account.daily) {
        multi.del(REDIS_KEYS.dailyCounters(account.accountId));
        multi.hset(REDIS_KEYS.dailyCounters(account.accountId), encodeDailyCounters(account.daily));
      }
      if (account.balances && account.balances.size > 0) {
        multi.del(REDIS_KEYS.balances(account.accountId));
        multi.hset(REDIS_KEYS.balances(account.accountId), encodeBalances(account.balances));
      }
    }

    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw new Error(`state restore failed: ${failed?.[0]?.message ?? 'aborted'}`);

    let workingOrders = 0;
    for (const account of state.accounts) {
      await this.restoreBook(account.accountId, account.workingOrders);
      workingOrders += account.workingOrders.length;
    }
    return {
      killSwitchesEngaged: engaged.length,
      killSwitchesCleared: cleared,
      breakerTrips: state.breakerTrips.length,
      instruments: state.instruments.length,
      universe: state.universe?.length ?? 0,
      accounts: state.accounts.length,
      workingOrders,
      balances: state.accounts.filter((a) => a.balances && a.balances.size > 0).length,
    };
  }

  /** A book lost with the cache is absent, version 0: the first write makes it 1. */
  private async restoreBook(accountId: string, open: readonly WorkingOrder[]): Promise<void> {
    const key = REDIS_KEYS.accountBook(accountId);
    for (let attempt = 1; attempt <= this.bookAttempts; attempt++) {
      const fields = await this.redis.hgetall(key);
      const ops = bookRestoreOps(fields, open);
      if (ops.length === 0) return;
      const { version } = decodeAccountBook(accountId, fields);
      if ((await compareAndSetAccountBook(this.redis, key, version, ops)).applied) return;
    }
    throw new AccountBookRestoreConflictError(
      `account book of ${accountId} moved on each of ${this.bookAttempts} attempts to restore it`,
    );
  }

  /** Every engaged kill switch hash in the cache: key -> the engagement's event id. */
  private async heldKillSwitches(): Promise<Map<string, string>> {
    const keys: string[] = [REDIS_KEYS.killSwitchGlobal];
    for (const pattern of [REDIS_KEYS.killSwitchAccount('*'), REDIS_KEYS.killSwitchSymbol('*')]) {
      let cursor = '0';
      do {
        const [next, found] = await this.redis.scan(cursor, 'MATCH', pattern.replace('{*}', '*'), 'COUNT', 500);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(key);
    const results = (await pipeline.exec()) ?? [];
    const held = new Map<string, string>();
    results.forEach(([error, fields], i) => {
      if (error) throw error;
      const state = decodeKillSwitch(fields as Record<string, string>);
      if (state) held.set(keys[i] as string, state.eventId);
    });
    return held;
  }
}
