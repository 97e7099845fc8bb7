import { describe, expect, it } from 'vitest';
import type { DecisionFeedEntry } from '../desk-reads.js';
import { mergeDecisions } from './decisions.js';

const at = (second: number): DecisionFeedEntry => ({
  decision_id: `d-${second}`,
  decided_at: new Date(Date.UTC(2026, 11, 3, 12, 0, second)).toISOString(),
  account_id: 'acct',
  order_id: `o-${second}`,
  symbol: 'BTC/USD',
  decision: 'accept',
  reason_codes: [],
  limits_version: 1,
  latency_ms: 1,
});
const ids = (rows: readonly DecisionFeedEntry[]) => rows.map((d) => d.decision_id);

describe('Function: mergeDecisions', () => {
  it('adds the new rows of a short page above what is shown, once each, newest first', () => {
    // Prepare: shown 3..1; the page repeats 3 (the overlap) and brings 5 and 4
    const shown = [at(3), at(2), at(1)];
    const page = [at(5), at(4), at(3)];

    // Act
    const next = mergeDecisions(shown, page, 50, 100);

    // Assess
    expect(ids(next)).toEqual(['d-5', 'd-4', 'd-3', 'd-2', 'd-1']);
  });

  it('places a late row (one the drainer copied late) by its time, and keeps at most `keep`', () => {
    const next = mergeDecisions([at(9), at(7), at(6)], [at(10), at(8)], 50, 4);
    expect(ids(next)).toEqual(['d-10', 'd-9', 'd-8', 'd-7']);
  });

  it('starts over from a full page rather than show a hole between it and the older rows', () => {
    // Prepare: 1..2 shown; 3 pages' worth landed since, the page holds only the newest 3 (9..7)
    const shown = [at(2), at(1)];
    const page = [at(9), at(8), at(7)];

    // Act
    const next = mergeDecisions(shown, page, 3, 100);

    // Assess: 3..6 were never fetched, so 2 and 1 must not sit right under 7
    expect(ids(next)).toEqual(['d-9', 'd-8', 'd-7']);
  });
});
