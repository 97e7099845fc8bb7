import { describe, expect, it } from 'vitest';
import { BreakerConfigSet } from '../../shared/domain/breakers/config.js';
import type { BreakerTransition } from '../../shared/domain/breakers/hysteresis.js';
import type { BreakerAudit, BreakerWriter } from '../../shared/domain/breakers/ports.js';
import { Decimal } from '../../shared/domain/decimal.js';
import type { ReferencePriceStore, ReferenceQuote, ReferenceQuoteSource, SymbolMarketView } from './ports.js';
import { type ReferencePricesDeps, refreshReferencePrices } from './reference-prices.js';

const NOW = 1_772_445_600_000;

/** The job's Redis state in memory: references written, marks and deviation causes as given. */
class MemoryReferencePriceStore implements ReferencePriceStore {
  notBeforeMs = 0;
  readonly written = new Map<string, { price: Decimal; updatedAtMs: number }>();
  readonly views = new Map<string, SymbolMarketView>();

  async notBefore(): Promise<number> {
    return this.notBeforeMs;
  }
  async holdOff(untilMs: number): Promise<void> {
    this.notBeforeMs = untilMs;
  }
  async publish(references: ReadonlyMap<string, { price: Decimal; updatedAtMs: number }>) {
    for (const [symbol, reference] of references) this.written.set(symbol, reference);
    return new Map(
      [...references.keys()].map((s) => [s, this.views.get(s) ?? { mark: null, deviationTripped: false }]),
    );
  }
}

class ScriptedQuoteSource implements ReferenceQuoteSource {
  calls = 0;
  constructor(
    private readonly answer:
      | { kind: 'quotes'; quotes: ReadonlyMap<string, ReferenceQuote> }
      | { kind: 'rate-limited'; retryAtMs: number },
  ) {}
  async quotes() {
    this.calls++;
    return this.answer;
  }
}

class MemoryBreakers implements BreakerWriter, BreakerAudit {
  readonly applied: BreakerTransition[] = [];
  readonly audited: { transitions: readonly unknown[]; version: number }[] = [];
  async apply(transitions: readonly BreakerTransition[]): Promise<void> {
    this.applied.push(...transitions);
  }
  async record(transitions: readonly unknown[], version: number): Promise<void> {
    if (transitions.length > 0) this.audited.push({ transitions, version });
  }
}

function deps(quotes: ScriptedQuoteSource, store: MemoryReferencePriceStore, breakers = new MemoryBreakers()) {
  return {
    quotes,
    store,
    breakers,
    audit: breakers,
    configs: { get: async () => new BreakerConfigSet(new Map(), undefined, 7) },
    coins: { 'BTC/USD': 'bitcoin', 'ETH/USD': 'ethereum' },
    maxQuoteAgeMs: 180_000,
    maxMarkAgeMs: 10_000,
    now: () => NOW,
  } satisfies ReferencePricesDeps;
}

const quote = (price: string, ageMs: number): ReferenceQuote => ({
  price: Decimal.parse(price),
  lastUpdatedAtMs: NOW - ageMs,
});

describe('Function: refreshReferencePrices', () => {
  it('does not call the provider before a held-off time', async () => {
    // Prepare
    const source = new ScriptedQuoteSource({ kind: 'quotes', quotes: new Map() });
    const store = new MemoryReferencePriceStore();
    store.notBeforeMs = NOW + 5_000;

    // Act
    const summary = await refreshReferencePrices(deps(source, store));

    // Assess
    expect(summary).toMatchObject({ outcome: 'backing-off', retryAtMs: NOW + 5_000 });
    expect(source.calls).toBe(0);
  });

  it('holds off until the rate limit passes and writes nothing', async () => {
    // Prepare
    const store = new MemoryReferencePriceStore();

    // Act
    const summary = await refreshReferencePrices(
      deps(new ScriptedQuoteSource({ kind: 'rate-limited', retryAtMs: NOW + 120_000 }), store),
    );

    // Assess
    expect(summary).toMatchObject({ outcome: 'rate-limited', retryAtMs: NOW + 120_000 });
    expect(store.notBeforeMs).toBe(NOW + 120_000);
    expect(store.written.size).toBe(0);
  });

  it('writes fresh quotes, skips stale ones, and trips deviation only on a fresh mark', async () => {
    // Prepare
    const source = new ScriptedQuoteSource({
      kind: 'quotes',
      quotes: new Map([
        ['bitcoin', quote('60000', 1_000)],
        ['ethereum', quote('3000', 200_000)],
      ]),
    });
    const store = new MemoryReferencePriceStore();
    store.views.set('BTC/USD', {
      mark: { mid: Decimal.parse('66000'), receiveTsMs: NOW - 100 },
      deviationTripped: false,
    });
    const breakers = new MemoryBreakers();

    // Act
    const summary = await refreshReferencePrices(deps(source, store, breakers));

    // Assess
    expect(summary.written).toEqual(['BTC/USD']);
    expect(summary.stale).toEqual(['ETH/USD']);
    expect(store.written.get('BTC/USD')?.price.toString()).toBe('60000');
    expect(breakers.applied).toMatchObject([{ symbol: 'BTC/USD', cause: 'deviation', tripped: true }]);
    expect(breakers.audited).toEqual([{ transitions: breakers.applied, version: 7 }]);
  });

  it('leaves the deviation breaker alone when the mark is too old to compare', async () => {
    // Prepare
    const source = new ScriptedQuoteSource({ kind: 'quotes', quotes: new Map([['bitcoin', quote('60000', 1_000)]]) });
    const store = new MemoryReferencePriceStore();
    store.views.set('BTC/USD', {
      mark: { mid: Decimal.parse('66000'), receiveTsMs: NOW - 10_001 },
      deviationTripped: false,
    });

    // Act
    const summary = await refreshReferencePrices(deps(source, store));

    // Assess
    expect(summary).toMatchObject({ outcome: 'refreshed', written: ['BTC/USD'], transitions: [] });
  });
});
