import { Decimal } from '../decimal.js';
import { pairAssetOf } from './asset-names.js';

/** Every pair the gate trades is quoted in USD: that balance is cash, not a position. */
const QUOTE_ASSET = 'USD';
/**
 * The smallest denominator of a relative drift: a zero balance against a non-zero position is
 * a full drift (capped by this floor), not a division by zero.
 */
const TINY = Decimal.parse('0.00000001');

/** How far one asset's Kraken balance is from the position the ledger holds for its USD pair. */
export interface AssetDrift {
  /** The balance's asset as Kraken named it. */
  readonly asset: string;
  readonly symbol: string;
  readonly balance: Decimal;
  readonly position: Decimal;
  /** |balance - position| / max(|balance|, tiny), a fraction (0.01 = 1%). */
  readonly relative: Decimal;
}

/**
 * Compares each non-USD balance with the position in `<ASSET>/USD` (absent = zero) and
 * returns the drifts, largest first. Positions in symbols with no balance are not compared:
 * a balances snapshot lists what the account holds, and a missing asset may simply not have
 * arrived yet in this batch.
 */
export function balanceDrifts(
  balances: ReadonlyMap<string, Decimal>,
  positions: ReadonlyMap<string, Decimal>,
): AssetDrift[] {
  const drifts: AssetDrift[] = [];
  for (const [asset, balance] of balances) {
    const base = pairAssetOf(asset);
    if (base === QUOTE_ASSET) continue;
    const symbol = `${base}/${QUOTE_ASSET}`;
    const position = positions.get(symbol) ?? Decimal.ZERO;
    const relative = balance.sub(position).abs().div(Decimal.max(balance.abs(), TINY));
    drifts.push({ asset, symbol, balance, position, relative });
  }
  return drifts.sort((a, b) => b.relative.cmp(a.relative));
}
