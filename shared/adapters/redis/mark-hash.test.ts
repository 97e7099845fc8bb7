import { describe, expect, it } from 'vitest';
import type { Mark } from '../../domain/market/events.js';
import { decodeMark, encodeMark, encodeMarkStale, encodeMarkVerified, MARK_FIELDS } from './mark-hash.js';

const mark: Mark = {
  symbol: 'BTC/USD',
  bid: '64000.1',
  ask: '64000.3',
  mid: '64000.2',
  spread_bps: '0.0312',
  last: '64000.0',
  exchange_ts_ms: '1700000000000',
  receive_ts_ms: '1700000000005',
  status: 'live',
};

describe('Module: mark-hash', () => {
  it('decodes what it encodes, exactly (decimal strings, no float rounding)', () => {
    // Act
    const decoded = decodeMark(encodeMark(mark));

    // Assess
    expect(decoded?.bid.toString()).toBe('64000.1');
    expect(decoded?.mid.toString()).toBe('64000.2');
    expect(decoded?.spreadBps.toString()).toBe('0.0312');
    expect(decoded?.receiveTsMs).toBe(1_700_000_000_005);
    expect(decoded?.verifiedTsMs).toBe(1_700_000_000_005);
    expect(decoded?.exchangeTsMs).toBe(1_700_000_000_000);
    expect(decoded?.live).toBe(true);
  });

  it('applies the partial updates the ingester sends: stale, then verified later', () => {
    // Prepare
    const fields = { ...encodeMark(mark), ...encodeMarkStale(), ...encodeMarkVerified(1_700_000_000_900) };

    // Act
    const decoded = decodeMark(fields);

    // Assess
    expect(decoded?.live).toBe(false);
    expect(decoded?.verifiedTsMs).toBe(1_700_000_000_900);
  });

  it('reads a mark with any unreadable required field as no mark (fail closed)', () => {
    for (const field of [
      MARK_FIELDS.bid,
      MARK_FIELDS.ask,
      MARK_FIELDS.mid,
      MARK_FIELDS.spreadBps,
      MARK_FIELDS.receiveTsMs,
    ]) {
      expect(decodeMark({ ...encodeMark(mark), [field]: 'x' }), field).toBeNull();
      const { [field]: _dropped, ...rest } = encodeMark(mark);
      expect(decodeMark(rest), `${field} missing`).toBeNull();
    }
  });
});
