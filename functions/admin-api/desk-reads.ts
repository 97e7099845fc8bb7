import type { ExposureView } from '../../shared/domain/risk/exposure-view.js';

/**
 * What the risk desk console reads beyond the control routes: the market as the gate sees
 * it, the decisions stream across accounts, and metric series for the charts. Read only:
 * nothing here changes state, and each read is bounded (rows, minutes).
 */

/** One symbol as the risk API would judge it right now. */
export interface SymbolStatus {
  readonly symbol: string;
  /** Null when the cache holds no readable mark: the risk API rejects the symbol. */
  readonly mark: {
    readonly bid: string;
    readonly ask: string;
    readonly mid: string;
    readonly spread_bps: string;
    /** Now minus the later of receive and verification time, as the stale-data rule measures it. */
    readonly age_ms: number;
    /** False while the ingester resyncs the symbol's book. */
    readonly live: boolean;
  } | null;
  readonly reference: { readonly price: string; readonly age_ms: number } | null;
  readonly breaker: {
    readonly state: 'tripped' | 'clear';
    readonly causes: readonly string[];
    readonly reason: string | null;
    readonly since: string | null;
  };
  readonly in_universe: boolean;
}

export interface MarketOverview {
  readonly as_of: string;
  /** The ingester's feed state; null when it never wrote one (treated as unknown, not live). */
  readonly feed: { readonly status: string; readonly reason: string; readonly since: string } | null;
  readonly symbols: readonly SymbolStatus[];
}

/** Port: the market overview from the hot state. */
export interface MarketOverviewSource {
  overview(nowMs: number): Promise<MarketOverview>;
}

export interface DecisionFeedQuery {
  readonly accountId?: string;
  readonly symbol?: string;
  readonly decision?: 'accept' | 'reject';
  /** A reason code the decision must carry. */
  readonly reason?: string;
  /** Only decisions after this instant (ISO), for polling the stream. */
  readonly after?: string;
  readonly limit: number;
}

export interface DecisionFeedEntry {
  readonly decision_id: string;
  readonly decided_at: string;
  readonly account_id: string;
  readonly order_id: string;
  readonly symbol: string;
  readonly decision: 'accept' | 'reject';
  readonly reason_codes: readonly string[];
  readonly limits_version: number | null;
  readonly latency_ms: number | null;
}

/** Port: recorded decisions across accounts, newest first. */
export interface DecisionFeed {
  recent(query: DecisionFeedQuery): Promise<DecisionFeedEntry[]>;
}

export interface MetricSeriesQuery {
  /** A metric name of `METRICS`. */
  readonly metric: string;
  readonly stat: 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'p99' | 'p50';
  /** The extra dimension to split by (one series per value), as the panel names it. */
  readonly dimension?: string;
  readonly minutes: number;
  /** Width of one point. */
  readonly periodSeconds: number;
}

export interface MetricSeries {
  /** The dimension's value, or the metric name when unsplit. */
  readonly label: string;
  /** Oldest first; `t` is the period's start (epoch ms). */
  readonly points: readonly { readonly t: number; readonly v: number }[];
}

/** Port: metric series as the dashboards chart them (CloudWatch in a stage, local metrics in local mode). */
export interface MetricsSource {
  series(query: MetricSeriesQuery, nowMs: number): Promise<MetricSeries[]>;
}

/** The console's read ports, beside the admin services. */
export interface DeskReads {
  readonly market: MarketOverviewSource;
  readonly decisions: DecisionFeed;
  readonly metrics: MetricsSource;
  /** An account's exposure and headroom per limit, as the risk API measures it; null for an account without limits. */
  exposure(accountId: string): Promise<ExposureView | null>;
}
