import { describe, expect, it } from 'vitest';
import { ORDER_TYPES } from '../order.js';
import { checkInstrumentStatus, INSTRUMENT_STATUSES, type StatusCheckedOrder } from './instrument-status.js';

const plainLimit: StatusCheckedOrder = { type: 'limit', postOnly: false, reduceOnly: false };

describe('Function: checkInstrumentStatus', () => {
  it('admits any order on an online pair', () => {
    // Prepare / Act
    const verdicts = ORDER_TYPES.map((type) =>
      checkInstrumentStatus('BTC/USD', 'online', { type, postOnly: false, reduceOnly: false }),
    );

    // Assess
    expect(verdicts.every((v) => v.admitted)).toBe(true);
  });

  it.each(['cancel_only', 'maintenance', 'delisted', 'work_in_progress'])(
    'refuses every new order on a %s pair, even one flagged post-only and reduce-only',
    (status) => {
      // Prepare
      const flagged: StatusCheckedOrder = { type: 'limit', postOnly: true, reduceOnly: true };

      // Act
      const verdict = checkInstrumentStatus('ETH/USD', status, flagged);

      // Assess
      expect(verdict).toEqual({
        admitted: false,
        code: 'INSTRUMENT_NOT_TRADING',
        detail: `ETH/USD: ${status} on Kraken: no new orders`,
      });
    },
  );

  it('lets a cancel through whatever the status, unknown ones included', () => {
    // Prepare / Act
    const verdicts = [...INSTRUMENT_STATUSES, 'halted_by_aliens'].map((status) =>
      checkInstrumentStatus('SOL/USD', status, { ...plainLimit, action: 'cancel' }),
    );

    // Assess
    expect(verdicts.every((v) => v.admitted)).toBe(true);
  });

  it('judges an amend like a new order', () => {
    // Prepare / Act
    const verdict = checkInstrumentStatus('SOL/USD', 'cancel_only', { ...plainLimit, action: 'amend' });

    // Assess
    expect(verdict.admitted).toBe(false);
  });

  it('admits only post-only orders on a post_only pair', () => {
    // Prepare / Act
    const postOnly = checkInstrumentStatus('BTC/USD', 'post_only', { ...plainLimit, postOnly: true });
    const taker = checkInstrumentStatus('BTC/USD', 'post_only', plainLimit);

    // Assess
    expect(postOnly.admitted).toBe(true);
    expect(taker).toMatchObject({ admitted: false, code: 'INSTRUMENT_NOT_TRADING' });
  });

  it('admits only plain limit orders (limit, iceberg) on a limit_only pair', () => {
    // Prepare / Act
    const admitted = ORDER_TYPES.filter(
      (type) => checkInstrumentStatus('BTC/USD', 'limit_only', { type, postOnly: false, reduceOnly: false }).admitted,
    );

    // Assess
    expect(admitted).toEqual(['limit', 'iceberg']);
  });

  it("admits only orders carrying Kraken's reduce_only flag on a reduce_only pair", () => {
    // Prepare / Act
    const reducing = checkInstrumentStatus('BTC/USD', 'reduce_only', {
      type: 'market',
      postOnly: false,
      reduceOnly: true,
    });
    const opening = checkInstrumentStatus('BTC/USD', 'reduce_only', {
      type: 'market',
      postOnly: false,
      reduceOnly: false,
    });

    // Assess
    expect(reducing.admitted).toBe(true);
    expect(opening).toMatchObject({
      admitted: false,
      detail: 'BTC/USD: reduce_only on Kraken: only reduce-only orders',
    });
  });

  it('refuses on a status it does not know (fail closed), and on an empty one', () => {
    // Prepare / Act
    const unknown = checkInstrumentStatus('BTC/USD', 'paused', plainLimit);
    const empty = checkInstrumentStatus('BTC/USD', '', plainLimit);

    // Assess
    expect(unknown).toMatchObject({ admitted: false, code: 'INSTRUMENT_NOT_TRADING' });
    expect(empty.admitted).toBe(false);
  });
});
