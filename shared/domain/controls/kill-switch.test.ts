import { describe, expect, it } from 'vitest';
import { decideRelease, engageRequestSchema, releaseRequestSchema } from './kill-switch.js';

describe('Function: decideRelease (two distinct approvers within the window)', () => {
  const t0 = 1_000_000;

  it('keeps a single approval pending', () => {
    expect(decideRelease([], { actor: 'alice', atMs: t0 })).toEqual({
      kind: 'pending',
      approvers: ['alice'],
      expiresAtMs: t0 + 15 * 60_000,
    });
  });

  it('refuses the same approver twice', () => {
    expect(decideRelease([{ actor: 'alice', atMs: t0 }], { actor: 'alice', atMs: t0 + 1 }).kind).toBe('same_approver');
  });

  it('releases with a second, distinct approver inside the window', () => {
    expect(decideRelease([{ actor: 'alice', atMs: t0 }], { actor: 'bob', atMs: t0 + 15 * 60_000 })).toEqual({
      kind: 'released',
      approvers: ['alice', 'bob'],
    });
  });

  it('does not count an approval older than the window', () => {
    const outcome = decideRelease([{ actor: 'alice', atMs: t0 }], { actor: 'bob', atMs: t0 + 15 * 60_000 + 1 });
    expect(outcome).toMatchObject({ kind: 'pending', approvers: ['bob'] });
  });
});

describe('Schema: engageRequestSchema', () => {
  it('fills the global target and defaults to allowing reduce-only orders', () => {
    expect(engageRequestSchema.parse({ scope: 'global', reason: 'manual', actor: 'alice' })).toMatchObject({
      target: '*',
      allow_reduce_only: true,
    });
  });

  it.each([
    [{ scope: 'account', reason: 'manual', actor: 'alice' }, 'target'],
    [{ scope: 'symbol', target: 'btc-usd', reason: 'manual', actor: 'alice' }, 'target'],
    [{ scope: 'account', target: 'company', reason: 'because', actor: 'alice' }, 'reason'],
    [{ scope: 'account', target: 'company', reason: 'manual', actor: 'al ice' }, 'actor'],
  ])('refuses %j at %s', (body, field) => {
    const result = engageRequestSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('parses a release request', () => {
    expect(
      releaseRequestSchema.parse({ scope: 'symbol', target: 'BTC/USD', actor: 'bob', reason: 'spread normal' }),
    ).toMatchObject({ scope: 'symbol', target: 'BTC/USD' });
  });
});
