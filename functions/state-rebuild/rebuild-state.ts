import type { EpochVerdict } from '../../shared/domain/state-epoch.js';
import type { DurableStateSource, HotStateStore, RestoreCounts } from './ports.js';

export interface RebuildStateDeps {
  readonly durable: DurableStateSource;
  readonly hot: HotStateStore;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Restore attempts while control changes keep landing during the restore. @default 3 */
  readonly attempts?: number;
}

/** Why a rebuild ran: the cache had no epoch, was behind, or an operator forced it. */
export type RebuildTrigger = 'missing' | 'behind' | 'forced';

export type RebuildOutcome =
  | { readonly action: 'skipped'; readonly generation: number }
  | {
      readonly action: 'rebuilt';
      readonly trigger: RebuildTrigger;
      readonly generation: number;
      readonly restored: RestoreCounts;
      /** From the start of the rebuild to the epoch written (the cache serving again). */
      readonly durationMs: number;
      readonly attempts: number;
    };

/** The durable generation moved during every attempt: the epoch was not written (still failing closed). */
export class RebuildUnsettledError extends Error {
  override readonly name = 'RebuildUnsettledError';
  constructor(readonly attempts: number) {
    super(`the state generation moved during each of ${attempts} restore attempts; the epoch was not written`);
  }
}

/**
 * The state rebuild (issue #18): restores the cache from Aurora when it has no state epoch
 * or is behind the durable generation (see shared/domain/state-epoch.ts), then writes the
 * epoch LAST. Run every minute by a schedule (a current cache is left alone), at local
 * mode's start and by an operator (`npm run rebuild-state`, `force` to rebuild a current
 * cache too).
 *
 * Order: the epoch is dropped first (a cache being rewritten is not served); the durable
 * generation is read BEFORE the state, so a control change that lands during the restore
 * moves it; the restore is repeated until the generation held still across one, and only
 * then is the epoch written at that generation. A change that lands after that is in the
 * cache already (every control writes the cache before advancing the generation) and
 * raises the epoch itself.
 *
 * Marks, the evaluators' windows, reference prices and rate windows are not restored: they
 * refill from the live feed within seconds, and until they do the rules reject (stale data).
 */
export async function rebuildState(
  deps: RebuildStateDeps,
  options: { readonly force?: boolean } = {},
): Promise<RebuildOutcome> {
  const verdict: EpochVerdict = await deps.hot.verifyEpoch();
  if (verdict.kind === 'current' && !options.force) return { action: 'skipped', generation: verdict.generation };
  const trigger: RebuildTrigger = verdict.kind === 'current' ? 'forced' : verdict.kind;

  const startedMs = deps.now();
  await deps.hot.dropEpoch();
  const attempts = deps.attempts ?? 3;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const generation = await deps.durable.generation();
    const restored = await deps.hot.restore(await deps.durable.read());
    if ((await deps.durable.generation()) !== generation) continue;
    const writtenAtMs = deps.now();
    await deps.hot.writeEpoch({ generation, writtenAtMs, writtenBy: `rebuild:${trigger}` });
    return { action: 'rebuilt', trigger, generation, restored, durationMs: writtenAtMs - startedMs, attempts: attempt };
  }
  throw new RebuildUnsettledError(attempts);
}
