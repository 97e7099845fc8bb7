import { describe, expect, it } from 'vitest';
import { DecisionStream, type DrillDecision, longestGapWithoutAccept, type StreamedDecision } from './drill-gate.js';

const at = (atMs: number, decision: 'accept' | 'reject'): StreamedDecision => ({
  atMs,
  answeredAtMs: atMs + 1,
  accountId: 'company',
  decision,
  status: 200,
  decisionId: null,
  code: null,
});

describe('Function: longestGapWithoutAccept', () => {
  it('measures the longest stretch between accepts inside the window, its edges included', () => {
    // Prepare: accepts at 100 and 150, a failover at 200, rejects until an accept at 900
    const decisions = [at(100, 'accept'), at(150, 'accept'), at(300, 'reject'), at(900, 'accept'), at(950, 'accept')];

    // Act & Assess
    expect(longestGapWithoutAccept(decisions, 200, 1_000)).toBe(700);
    expect(longestGapWithoutAccept(decisions, 0, 1_000)).toBe(750);
  });

  it('counts the whole window when nothing was accepted in it', () => {
    expect(longestGapWithoutAccept([at(300, 'reject')], 200, 1_000)).toBe(800);
  });
});

describe('Class: DecisionStream', () => {
  it('asks for every account in turn until stopped, with a unique order id each time', async () => {
    // Prepare
    const asked: Record<string, unknown>[] = [];
    const gate = {
      async validate(body: Record<string, unknown>): Promise<DrillDecision> {
        asked.push(body);
        return { status: 200, decision: 'accept', decisionId: `d-${asked.length}`, code: null };
      },
    };
    const stream = new DecisionStream(gate, ['company', 'director-a'], undefined, 'unit', 1);

    // Act
    stream.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const decisions = await stream.stop();

    // Assess
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    expect(decisions.map((d) => d.accountId).slice(0, 2)).toEqual(['company', 'director-a']);
    expect(new Set(asked.map((b) => b.order_id)).size).toBe(asked.length);
  });
});
