import { describe, expect, it } from 'vitest';
import { decodeFeedStatus, encodeFeedStatus } from './feed-status-hash.js';

describe('Module: feed-status-hash', () => {
  it('decodes what it encodes, in the field layout readers of feed:status expect', () => {
    // Act
    const fields = encodeFeedStatus({
      status: 'degraded',
      reason: 'kinesis_buffer_overflow',
      sinceMs: 1_700_000_000_123,
    });

    // Assess
    expect(fields).toEqual({ status: 'degraded', reason: 'kinesis_buffer_overflow', since_ms: '1700000000123' });
    expect(decodeFeedStatus(fields)).toEqual({
      status: 'degraded',
      reason: 'kinesis_buffer_overflow',
      sinceMs: 1_700_000_000_123,
    });
  });

  it('reads a missing, unknown or half-written hash as no state (the reader fails closed)', () => {
    expect(decodeFeedStatus({})).toBeNull();
    expect(decodeFeedStatus({ status: 'ok', reason: '', since_ms: '1' })).toBeNull();
    expect(decodeFeedStatus({ status: 'live', reason: '' })).toBeNull();
    expect(decodeFeedStatus({ status: 'live', reason: '', since_ms: 'soon' })).toBeNull();
  });
});
