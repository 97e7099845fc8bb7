import { pairAssetOf } from '../balances/asset-names.js';
import { Decimal } from '../decimal.js';
import type { AccountLimits } from './limits.js';
import type { RiskState } from './state.js';

const QUOTE_ASSET = 'USD';

/** The NAV the percentage limits are measured against, or why there is none to trust. */
export type NavOutcome =
  | { readonly known: true; readonly nav: Decimal }
  | { readonly known: false; readonly detail: string };

/**
 * The account's NAV: the fixed `nav` limit, or with `nav_source: 'balances'` the USD balance
 * plus every other balance valued at its pair's mark mid. Fails closed rather than guess: no
 * balances snapshot yet, a held asset with no mark, or a NAV at or below zero (the percentage
 * caps would be meaningless) all leave it unknown.
 */
export function navOf(limits: AccountLimits, state: Pick<RiskState, 'balances' | 'marks'>): NavOutcome {
  if (limits.nav_source === 'fixed') return { known: true, nav: limits.nav };
  if (!state.balances) return { known: false, detail: 'no Kraken balances snapshot for the account yet' };
  let nav = Decimal.ZERO;
  const unpriced: string[] = [];
  for (const [asset, balance] of state.balances) {
    const base = pairAssetOf(asset);
    if (base === QUOTE_ASSET) {
      nav = nav.add(balance);
      continue;
    }
    if (balance.isZero()) continue;
    const mid = state.marks.get(`${base}/${QUOTE_ASSET}`);
    if (!mid) unpriced.push(asset);
    else nav = nav.add(balance.mul(mid));
  }
  if (unpriced.length > 0) return { known: false, detail: `no mark to value the balance of ${unpriced.join(', ')}` };
  if (!nav.isPositive()) return { known: false, detail: `NAV from balances is ${nav}, not above zero` };
  return { known: true, nav };
}
