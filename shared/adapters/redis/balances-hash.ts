import { Decimal } from '../../domain/decimal.js';

/**
 * The one codec of an account's balances hash at `REDIS_KEYS.balances(accountId)`: field =
 * Kraken's v2 asset name (`BTC`, `USD`), value = the balance as a plain decimal string.
 * Written by the positions consumer from `executions` balance events (rewritten whole from
 * PostgreSQL's `account_balances`, so a redelivered older event never wins); read by the
 * risk API for cash and spot-holding checks.
 *
 * A missing or empty hash means "no snapshot yet" (the rules then let positions stand in
 * for holdings); a hash with an asset missing means a zero balance of that asset.
 */
export const BALANCE_ASSET_PATTERN = /^[A-Z0-9.]{1,16}$/;

/** The whole hash of an account's balances. */
export function encodeBalances(balances: ReadonlyMap<string, Decimal>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [asset, balance] of balances) {
    if (!BALANCE_ASSET_PATTERN.test(asset)) throw new Error(`not a Kraken asset name: ${JSON.stringify(asset)}`);
    if (balance.isNegative()) throw new Error(`negative balance of ${asset}: ${balance.toString()}`);
    fields[asset] = balance.toString();
  }
  return fields;
}

export interface DecodedBalances {
  /** Null when no snapshot exists yet (the hash is missing or empty). */
  readonly balances: ReadonlyMap<string, Decimal> | null;
  /**
   * Fields that could not be read. A balance that cannot be read is not zero: a reader that
   * decides on balances must fail closed when this is not empty.
   */
  readonly unreadable: readonly string[];
}

/** Decodes the hash as HGETALL returns it. */
export function decodeBalances(fields: Record<string, string>): DecodedBalances {
  const entries = Object.entries(fields);
  if (entries.length === 0) return { balances: null, unreadable: [] };
  const balances = new Map<string, Decimal>();
  const unreadable: string[] = [];
  for (const [asset, text] of entries) {
    const balance = Decimal.tryParse(text);
    if (BALANCE_ASSET_PATTERN.test(asset) && balance && !balance.isNegative()) balances.set(asset, balance);
    else unreadable.push(asset);
  }
  return { balances, unreadable };
}
