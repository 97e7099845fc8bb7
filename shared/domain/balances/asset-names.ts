/**
 * Kraken names some assets differently from its v2 pair symbols: `XBT` for bitcoin and `XDG`
 * for dogecoin, and the REST API (and older feeds) carry legacy four-letter codes with an `X`
 * (crypto) or `Z` (fiat) prefix such as `XXBT` or `ZUSD`. Only those documented legacy codes are
 * stripped: a general "drop a leading X" rule would turn XRP into RP or XLM into LM.
 */
const LEGACY_CODES: Readonly<Record<string, string>> = {
  XXBT: 'XBT',
  XETH: 'ETH',
  XETC: 'ETC',
  XLTC: 'LTC',
  XXRP: 'XRP',
  XXLM: 'XLM',
  XXMR: 'XMR',
  XZEC: 'ZEC',
  XMLN: 'MLN',
  XREP: 'REP',
  XXDG: 'XDG',
  ZUSD: 'USD',
  ZEUR: 'EUR',
  ZGBP: 'GBP',
  ZCAD: 'CAD',
  ZJPY: 'JPY',
  ZAUD: 'AUD',
};

/** Kraken's own asset names that differ from the ticker its v2 pairs use. */
const RENAMED: Readonly<Record<string, string>> = { XBT: 'BTC', XDG: 'DOGE' };

/** The v2 pair base a Kraken balance asset trades as (`XXBT` -> `BTC`, `XDG` -> `DOGE`, `ETH` -> `ETH`). */
export function pairAssetOf(krakenAsset: string): string {
  const upper = krakenAsset.toUpperCase();
  const unprefixed = LEGACY_CODES[upper] ?? upper;
  return RENAMED[unprefixed] ?? unprefixed;
}
