import { Decimal } from '../decimal.js';

const BPS = Decimal.fromInteger(10_000);

/** |mid - reference| / reference in basis points, exact to 18 digits. Null without a usable reference. */
export function deviationBps(mid: Decimal, reference: Decimal): Decimal | null {
  if (!reference.isPositive()) return null;
  return mid.sub(reference).abs().mul(BPS).div(reference);
}
