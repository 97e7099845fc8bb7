import type { Redis } from 'ioredis';
import { RedisBreakerStore } from '../../../shared/adapters/breakers/breaker-store.js';
import { encodeInstrument } from '../../../shared/adapters/redis/instruments-hash.js';
import { decodeKillSwitch, encodeKillSwitch, killSwitchKey } from '../../../shared/adapters/redis/kill-switch-hash.js';
import { encodeDailyCounters, encodePositions } from '../../../shared/adapters/redis/positions-hash.js';
import { queueUniverseSwap } from '../../../shared/adapters/redis/universe-set.js';
import type { StateEpochStore } from '../../../shared/adapters/state-epoch.js';
import type { EpochVerdict, StateEpoch } from '../../../shared/domain/state-epoch.js';
import { REDIS_KEYS } from '../../../shared/names.js';
import type { DurableState, HotStateStore, RestoreCounts } from '../ports.js';

/**
 * The cache side of the rebuild, every layout through its codec in shared/adapters/redis:
 * kill switch hashes, breaker hashes (through the breaker store's script, which keeps the
 * summary fields right), the instruments hash, the universe set, positions and daily
 * counters. One MULTI for the restore; the epoch (through {@link StateEpochStore}) after it.
 */
export class RedisHotState implements HotStateStore {
  private readonly breakers: RedisBreakerStore;

  constructor(
    private readonly redis: Redis,
    private readonly epoch: StateEpochStore,
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
    }

    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw new Error(`state restore failed: ${failed?.[0]?.message ?? 'aborted'}`);
    return {
      killSwitchesEngaged: engaged.length,
      killSwitchesCleared: cleared,
      breakerTrips: state.breakerTrips.length,
      instruments: state.instruments.length,
      universe: state.universe?.length ?? 0,
      accounts: state.accounts.length,
    };
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
