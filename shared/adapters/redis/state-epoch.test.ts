import { describe, expect, it } from 'vitest';
import { decodeGeneration, decodeStateEpoch, encodeStateEpoch, STATE_EPOCH_FIELDS } from './state-epoch.js';

describe('Function: encodeStateEpoch / decodeStateEpoch', () => {
  it('round-trips an epoch through the hash layout', () => {
    // Prepare
    const epoch = { generation: 12, writtenAtMs: 1_700_000_000_123, writtenBy: 'rebuild:behind' };

    // Act
    const fields = encodeStateEpoch(epoch);

    // Assess
    expect(fields).toEqual({ generation: '12', written_at_ms: '1700000000123', written_by: 'rebuild:behind' });
    expect(decodeStateEpoch(fields)).toEqual(epoch);
  });

  it('reads a missing hash or an unreadable generation as no epoch (fail closed)', () => {
    expect(decodeStateEpoch({})).toBeNull();
    for (const bad of ['', '-1', '1.5', 'x', '1e3']) {
      expect(decodeStateEpoch({ [STATE_EPOCH_FIELDS.generation]: bad }), bad).toBeNull();
    }
  });

  it('refuses to encode a generation that no reader could compare', () => {
    expect(() => encodeStateEpoch({ generation: -1, writtenAtMs: 0, writtenBy: 'x' })).toThrow(/non-negative/);
    expect(() => encodeStateEpoch({ generation: 0.5, writtenAtMs: 0, writtenBy: 'x' })).toThrow(/non-negative/);
  });
});

describe('Function: decodeGeneration', () => {
  it('decodes the field the risk API reads alone', () => {
    expect(decodeGeneration('0')).toBe(0);
    expect(decodeGeneration('981')).toBe(981);
    expect(decodeGeneration(null)).toBeNull();
  });
});
