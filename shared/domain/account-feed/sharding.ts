/**
 * Which task serves which account. Every task of a deployment runs with the same
 * SHARD_COUNT and its own SHARD_INDEX; an account belongs to exactly one index, so no two
 * tasks ever hold a private feed (or refresh a dead man's switch) for the same account.
 * The hash is FNV-1a over the account id's UTF-8 bytes: stable across processes and
 * releases, unlike anything seeded.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardOf(accountId: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError('shardCount must be >= 1');
  return fnv1a32(accountId) % shardCount;
}

export function ownsAccount(accountId: string, shardIndex: number, shardCount: number): boolean {
  if (!Number.isInteger(shardIndex) || shardIndex < 0 || shardIndex >= shardCount) {
    throw new RangeError('shardIndex must be in [0, shardCount)');
  }
  return shardOf(accountId, shardCount) === shardIndex;
}
