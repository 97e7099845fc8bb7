import type { RiskApiAdapters } from '../../functions/risk-api/ports.js';
import { Decimal, dec } from '../../shared/domain/decimal.js';
import { type AccountRecord, parseLimits } from '../../shared/domain/risk/limits.js';
import type {
  AuditWriter,
  DecisionRecord,
  LimitsSource,
  LoadedState,
  LoadQuery,
  RiskStateStore,
  StoredDecision,
} from '../../shared/domain/risk/ports.js';
import type { EngagedKillSwitch, Instrument, MarkSnapshot, ReferencePrice } from '../../shared/domain/risk/state.js';
import { LOCAL_ACCOUNTS, memoryInstruments } from './local-seed.js';

/**
 * In-memory adapters behind the risk API's ports, for `RISK_STATE=memory` (a local demo with
 * no PostgreSQL or Redis). Single process, nothing durable: refused in production by the
 * config guards (scripts/local/config.ts).
 */
export class MemoryLimitsSource implements LimitsSource {
  readonly accounts = new Map<string, AccountRecord>();

  async get(accountId: string): Promise<AccountRecord | null> {
    return this.accounts.get(accountId) ?? null;
  }
}

export class MemoryAuditWriter implements AuditWriter {
  readonly records: DecisionRecord[] = [];

  async insert(records: readonly DecisionRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

export class MemoryRiskStateStore implements RiskStateStore {
  readonly marks = new Map<string, MarkSnapshot>();
  readonly references = new Map<string, ReferencePrice>();
  readonly breakers = new Map<string, string>();
  readonly killSwitches: {
    global?: EngagedKillSwitch;
    accounts: Map<string, EngagedKillSwitch>;
    symbols: Map<string, EngagedKillSwitch>;
  } = {
    accounts: new Map(),
    symbols: new Map(),
  };
  universe: Set<string> | null = null;
  readonly instruments = new Map<string, Instrument>();
  readonly positions = new Map<string, Map<string, Decimal>>();
  readonly orders = new Map<string, { stored: StoredDecision; expiresAtMs: number }>();
  private readonly rateWindows = new Map<string, number[]>();

  constructor(
    private readonly audit: MemoryAuditWriter,
    private readonly now: () => number,
  ) {}

  async load(query: LoadQuery): Promise<LoadedState> {
    const orderKey = `${query.accountId}:${query.orderId}`;
    const existing = this.orders.get(orderKey);
    const previous = existing && existing.expiresAtMs > query.nowMs ? existing.stored : null;
    let ordersInWindow = 0;
    if (!previous) {
      const window = (this.rateWindows.get(query.accountId) ?? []).filter((t) => t > query.nowMs - query.rateWindowMs);
      window.push(query.nowMs);
      this.rateWindows.set(query.accountId, window);
      ordersInWindow = window.length;
    }
    const positions = this.positions.get(query.accountId) ?? new Map<string, Decimal>();
    const marks = new Map<string, Decimal>();
    for (const symbol of [...positions.keys(), query.symbol]) {
      const mark = this.marks.get(symbol);
      if (mark) marks.set(symbol, mark.mid);
    }
    const breaker = this.breakers.get(query.symbol);
    return {
      previous,
      state: {
        instrument: this.instruments.get(query.symbol) ?? null,
        mark: this.marks.get(query.symbol) ?? null,
        reference: this.references.get(query.symbol) ?? null,
        breaker: breaker ? { reason: breaker } : null,
        killSwitches: [
          this.killSwitches.global,
          this.killSwitches.accounts.get(query.accountId),
          this.killSwitches.symbols.get(query.symbol),
        ].filter((k): k is EngagedKillSwitch => k !== undefined),
        universe: this.universe,
        positions,
        marks,
        dailyRealisedPnl: Decimal.ZERO,
        dailyFees: Decimal.ZERO,
        ordersInWindow,
      },
    };
  }

  async commit(record: DecisionRecord, idempotencyTtlMs: number): Promise<StoredDecision | null> {
    const key = `${record.accountId}:${record.orderId}`;
    const existing = this.orders.get(key);
    if (existing && existing.expiresAtMs > this.now()) return existing.stored;
    this.orders.set(key, {
      stored: { requestHash: record.requestHash, response: record.response },
      expiresAtMs: this.now() + idempotencyTtlMs,
    });
    await this.audit.insert([record]);
    return null;
  }

  async appendAudit(record: DecisionRecord): Promise<void> {
    await this.audit.insert([record]);
  }
}

/** The risk API's adapters in memory, with the stores local mode seeds and feeds marks into. */
export interface MemoryRiskAdapters extends RiskApiAdapters {
  readonly state: MemoryRiskStateStore;
  readonly limits: MemoryLimitsSource;
  readonly fallbackAudit: MemoryAuditWriter;
}

export function memoryRiskAdapters(now: () => number = Date.now): MemoryRiskAdapters {
  const audit = new MemoryAuditWriter();
  return {
    state: new MemoryRiskStateStore(audit, now),
    limits: new MemoryLimitsSource(),
    fallbackAudit: audit,
    decisions: {
      // Every decision is audited in memory at once: there is no spool to drain.
      recent: async (accountId, limit) =>
        audit.records
          .filter((r) => r.accountId === accountId)
          .slice(-limit)
          .reverse()
          .map((r) => r.response),
    },
    health: async () => ({ healthy: true, checks: { memory: 'ok' } }),
    close: async () => {},
  };
}

/** Memory mode's whole state (scripts/local/local-seed.ts), as the stores would hold it. */
export function seedMemory(adapters: MemoryRiskAdapters): void {
  for (const account of LOCAL_ACCOUNTS) {
    adapters.limits.accounts.set(account.accountId, {
      accountId: account.accountId,
      enabled: true,
      limitsVersion: 1,
      limits: parseLimits(account.limits),
    });
  }
  const instruments = memoryInstruments();
  adapters.state.universe = new Set(instruments.map((i) => i.symbol));
  for (const i of instruments) {
    adapters.state.instruments.set(i.symbol, {
      symbol: i.symbol,
      status: 'online',
      priceIncrement: dec(i.priceIncrement),
      qtyIncrement: dec(i.qtyIncrement),
      qtyMin: dec(i.qtyMin),
    });
  }
}
