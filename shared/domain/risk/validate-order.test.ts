import { describe, expect, it } from 'vitest';
import { orderRequestSchema } from '../order.js';
import { accountFixture, NOW_MS, orderBody, stateFixture } from './fixtures.js';
import type { AccountRecord } from './limits.js';
import type {
  AuditWriter,
  DecisionRecord,
  LimitsSource,
  LoadedState,
  RiskStateStore,
  StateMoved,
  StoredDecision,
} from './ports.js';
import { createValidateOrder } from './validate-order.js';

/** In-memory fakes of the ports: the store keeps what it is asked to commit. */
class FakeStore implements RiskStateStore {
  readonly committed: DecisionRecord[] = [];
  readonly audited: DecisionRecord[] = [];
  constructor(private readonly loaded: LoadedState) {}
  async load(): Promise<LoadedState> {
    return this.loaded;
  }
  async commit(record: DecisionRecord): Promise<StoredDecision | null> {
    this.committed.push(record);
    return null;
  }
  async appendAudit(record: DecisionRecord): Promise<void> {
    this.audited.push(record);
  }
}

function setup(account: AccountRecord) {
  const store = new FakeStore({ state: stateFixture(), previous: null });
  const limits: LimitsSource = { get: async () => account };
  const fallbackAudit: AuditWriter = { insert: async () => {} };
  const validate = createValidateOrder({
    limits,
    store,
    fallbackAudit,
    now: () => NOW_MS,
    monotonicMicros: () => 0,
    newId: () => 'dec-1',
  });
  return { store, validate };
}

describe('Function: createValidateOrder', () => {
  it('commits the reservation of an accepted order with its decision', async () => {
    // Prepare
    const { store, validate } = setup(accountFixture({ reservation_ttl_ms: 20_000 }));
    const body = orderBody({ account_id: 'acct-1', order_id: 'ord-1' });

    // Act
    const result = await validate(orderRequestSchema.parse(body), body, 'hash');

    // Assess
    expect(result.response.decision).toBe('accept');
    expect(store.committed[0]?.reservation).toMatchObject({
      order_id: 'ord-1',
      decision_id: 'dec-1',
      side: 'buy',
      qty: '0.1',
      worst_price: '65000',
      expires_at_ms: NOW_MS + 20_000,
    });
  });

  it('reserves nothing for a rejected order', async () => {
    // Prepare
    const { store, validate } = setup(accountFixture({ max_order_quantity: '0.01' }));
    const body = orderBody({ account_id: 'acct-1', order_id: 'ord-2' });

    // Act
    const result = await validate(orderRequestSchema.parse(body), body, 'hash');

    // Assess
    expect(result.response.decision).toBe('reject');
    expect(store.committed).toHaveLength(1);
    expect(store.committed[0]?.reservation).toBeUndefined();
  });
});

/**
 * A store that keeps a copy of the state (as the Redis store does after each round trip):
 * `cached` answers from the copies given, `commit` answers the outcomes given in turn and
 * counts its calls; `load` counts reads.
 */
class CopyKeepingStore implements RiskStateStore {
  loads = 0;
  readonly commits: { snapshot: string | undefined; decision: string }[] = [];
  constructor(
    private readonly copies: LoadedState[],
    private readonly outcomes: (StateMoved | null)[],
  ) {}
  cached(): LoadedState | null {
    return this.copies.shift() ?? null;
  }
  async load(): Promise<LoadedState> {
    this.loads++;
    return { state: stateFixture(), previous: null, snapshot: 'read', cached: false };
  }
  async commit(record: DecisionRecord, _ttl: number, options?: { snapshot?: string }) {
    this.commits.push({ snapshot: options?.snapshot, decision: record.decision });
    // Past the outcomes given, the state keeps moving.
    return this.outcomes.length > 0 ? (this.outcomes.shift() ?? null) : { stateMoved: true as const };
  }
  async appendAudit(): Promise<void> {}
}

function withStore(store: RiskStateStore, conflicts: string[]) {
  return createValidateOrder({
    limits: { get: async () => accountFixture() },
    store,
    fallbackAudit: { insert: async () => {} },
    now: () => NOW_MS,
    monotonicMicros: () => 0,
    newId: () => 'dec-2',
    maxBookRetries: 2,
    onBookConflict: (account) => conflicts.push(account),
  });
}

const copy = (snapshot: string, cached: boolean): LoadedState => ({
  state: stateFixture(),
  previous: null,
  snapshot,
  cached,
});

describe('Function: createValidateOrder, on a store that keeps a copy of the state', () => {
  const body = orderBody({ account_id: 'acct-1', order_id: 'ord-3' });

  it('decides on the copy with one commit and no read', async () => {
    // Prepare
    const store = new CopyKeepingStore([copy('kept', true)], [null]);
    const conflicts: string[] = [];

    // Act
    const result = await withStore(store, conflicts)(orderRequestSchema.parse(body), body, 'hash');

    // Assess
    expect(result.response.decision).toBe('accept');
    expect(store.loads).toBe(0);
    expect(store.commits).toEqual([{ snapshot: 'kept', decision: 'accept' }]);
    expect(conflicts).toEqual([]);
  });

  it('re-decides a stale copy on what the commit found, without counting a conflict', async () => {
    // Prepare: the commit on the kept copy finds the state moved and keeps what it found.
    const store = new CopyKeepingStore([copy('kept', true), copy('found', false)], [{ stateMoved: true }, null]);
    const conflicts: string[] = [];

    // Act
    const result = await withStore(store, conflicts)(orderRequestSchema.parse(body), body, 'hash');

    // Assess
    expect(result.response.decision).toBe('accept');
    expect(store.loads).toBe(0);
    expect(store.commits.map((c) => c.snapshot)).toEqual(['kept', 'found']);
    expect(conflicts).toEqual([]);
  });

  it('rejects BOOK_CONTENDED once the state moved under its own reads more than maxBookRetries times', async () => {
    // Prepare: no copy, and every commit finds the state moved.
    const store = new CopyKeepingStore([], []);
    const conflicts: string[] = [];

    // Act
    const result = await withStore(store, conflicts)(orderRequestSchema.parse(body), body, 'hash');

    // Assess
    expect(result.response.decision).toBe('reject');
    expect(result.response.reasons.map((r) => r.code)).toEqual(['BOOK_CONTENDED']);
    expect(store.commits).toHaveLength(3);
    expect(conflicts).toEqual(['acct-1', 'acct-1', 'acct-1']);
  });
});

/**
 * A store whose state has a version, as the Redis store's digest: a commit writes only when
 * the decision names the version it holds (else it answers moved and keeps what it found),
 * and `cached` answers the copy the last round trip left, like the Redis store's copy.
 */
class VersionedStore implements RiskStateStore {
  private version = 0;
  private kept: number | null = null;
  readonly commits: { snapshot: string | undefined; written: boolean }[] = [];
  cached(): LoadedState | null {
    return this.kept === null ? null : copy(`v${this.kept}`, true);
  }
  async load(): Promise<LoadedState> {
    await Promise.resolve();
    this.kept = this.version;
    return copy(`v${this.version}`, false);
  }
  async commit(_record: DecisionRecord, _ttl: number, options?: { snapshot?: string }) {
    // A round trip: every commit sent before this one answers first.
    await new Promise((resolve) => setTimeout(resolve, 1));
    const written = options?.snapshot === `v${this.version}`;
    if (written) this.version++;
    this.kept = this.version;
    this.commits.push({ snapshot: options?.snapshot, written });
    return written ? null : { stateMoved: true as const };
  }
  async appendAudit(): Promise<void> {}
}

describe('Function: createValidateOrder, concurrent orders of one account', () => {
  it('decides them one after another on the copy each commit leaves: one commit each, none finds the state moved', async () => {
    // Prepare: the account's first decision reads; the copy it leaves is then exact for the next.
    const store = new VersionedStore();
    const conflicts: string[] = [];
    const validate = withStore(store, conflicts);
    const bodies = Array.from({ length: 8 }, (_, i) => orderBody({ account_id: 'acct-1', order_id: `ord-c${i}` }));

    // Act
    const results = await Promise.all(
      bodies.map((b) => validate(orderRequestSchema.parse(b), b, `hash-${b.order_id}`)),
    );

    // Assess
    expect(results.map((r) => r.response.decision)).toEqual(Array(8).fill('accept'));
    expect(store.commits).toHaveLength(8);
    expect(store.commits.every((c) => c.written)).toBe(true);
    expect(conflicts).toEqual([]);
  });

  it('decides orders of different accounts side by side', async () => {
    // Prepare: a store whose commits resolve only once two are in flight at once.
    let inFlight = 0;
    let release: () => void = () => {};
    const both = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store: RiskStateStore = {
      load: async () => copy('read', false),
      commit: async () => {
        inFlight++;
        if (inFlight === 2) release();
        await both;
        return null;
      },
      appendAudit: async () => {},
    };
    const validate = withStore(store, []);
    const a = orderBody({ account_id: 'acct-1', order_id: 'ord-a' });
    const b = orderBody({ account_id: 'acct-2', order_id: 'ord-b' });

    // Act: were they queued behind each other, neither commit would ever resolve.
    const results = await Promise.all([
      validate(orderRequestSchema.parse(a), a, 'hash-a'),
      validate(orderRequestSchema.parse(b), b, 'hash-b'),
    ]);

    // Assess
    expect(results.map((r) => r.response.decision)).toEqual(['accept', 'accept']);
  });
});
