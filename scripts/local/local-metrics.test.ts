import { describe, expect, it } from 'vitest';
import { riskApiMetricHooks } from '../../functions/risk-api/metrics.js';
import type { ValidateOrderResult } from '../../shared/domain/risk/validate-order.js';
import { LocalMetrics } from './local-metrics.js';

const T0 = Date.parse('2026-01-02T03:00:00.000Z');

function decided(decision: 'accept' | 'reject', codes: string[] = []): ValidateOrderResult {
  return {
    replayed: false,
    response: { decision, reasons: codes.map((code) => ({ code, message: code })) },
  } as unknown as ValidateOrderResult;
}

describe('Class: LocalMetrics', () => {
  describe('Method: series', () => {
    it('answers like GetMetricData: per period, split by the asked dimension, the {service} set when unsplit', async () => {
      // Prepare
      const metrics = new LocalMetrics();
      const { onDecision } = riskApiMetricHooks(metrics.sink, console).app;
      const at = (ms: number, run: () => void) => {
        const now = Date.now;
        Date.now = () => T0 + ms;
        try {
          run();
        } finally {
          Date.now = now;
        }
      };
      at(1_000, () => onDecision(decided('accept'), 2));
      at(2_000, () => onDecision(decided('reject', ['MAX_ORDER_QUANTITY', 'VAR_BREACH']), 8));
      at(61_000, () => onDecision(decided('reject', ['VAR_BREACH']), 4));
      const query = { minutes: 5, periodSeconds: 60 };
      const now = T0 + 120_000;

      // Act
      const byOutcome = await metrics.series(
        { ...query, metric: 'Decisions', stat: 'Sum', dimension: 'decision' },
        now,
      );
      const all = await metrics.series({ ...query, metric: 'Decisions', stat: 'Sum' }, now);
      const p99 = await metrics.series({ ...query, metric: 'DecisionLatencyMs', stat: 'p99' }, now);
      const reasons = await metrics.series({ ...query, metric: 'RejectReasons', stat: 'Sum', dimension: 'code' }, now);
      const unsplitReasons = await metrics.series({ ...query, metric: 'RejectReasons', stat: 'Sum' }, now);

      // Assess
      expect(byOutcome).toEqual([
        { label: 'accept', points: [{ t: T0, v: 1 }] },
        {
          label: 'reject',
          points: [
            { t: T0, v: 1 },
            { t: T0 + 60_000, v: 1 },
          ],
        },
      ]);
      expect(all).toEqual([
        {
          label: 'Decisions',
          points: [
            { t: T0, v: 2 },
            { t: T0 + 60_000, v: 1 },
          ],
        },
      ]);
      expect(p99).toEqual([
        {
          label: 'DecisionLatencyMs',
          points: [
            { t: T0, v: 8 },
            { t: T0 + 60_000, v: 4 },
          ],
        },
      ]);
      expect(reasons.map((s) => [s.label, s.points.reduce((n, p) => n + p.v, 0)])).toEqual([
        ['MAX_ORDER_QUANTITY', 1],
        ['VAR_BREACH', 2],
      ]);
      // RejectReasons is published per code only (the catalogue), so there is no {service} series.
      expect(unsplitReasons).toEqual([]);
    });
  });
});
