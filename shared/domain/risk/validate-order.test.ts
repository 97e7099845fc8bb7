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
