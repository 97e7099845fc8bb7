import { decodeCoinGeckoKeySecret } from './coingecko-key-secret.js';
import { decodeKrakenKeySecret } from './kraken-key-secret.js';

/**
 * The deploy-time check that no secret the stage runs on still holds its placeholder (or
 * something its codec cannot read): the CoinGecko key, and the Kraken key of every enabled
 * account. Meant for the preflight command run with the stage's credentials, after the
 * template checks. Returns problems naming secrets, never values.
 */
export interface PlaceholderCheckInput {
  /** Reads a secret's string; null when it does not exist. */
  readonly read: (secretId: string) => Promise<string | null>;
  readonly coinGeckoSecretId: string;
  /** Kraken key secret names of the enabled accounts (`krakenKeySecretName`). */
  readonly krakenKeySecrets: readonly string[];
}

export async function findSecretPlaceholders(input: PlaceholderCheckInput): Promise<string[]> {
  const problems: string[] = [];
  const coinGecko = decodeCoinGeckoKeySecret((await input.read(input.coinGeckoSecretId)) ?? undefined);
  if (coinGecko.status !== 'key') {
    problems.push(`${input.coinGeckoSecretId}: CoinGecko key still holds its placeholder (${coinGecko.why})`);
  }
  for (const name of input.krakenKeySecrets) {
    const text = await input.read(name);
    if (text === null) {
      problems.push(`${name}: no Kraken key stored (the kill switch cannot cancel this account's orders)`);
      continue;
    }
    const kraken = decodeKrakenKeySecret(text);
    if (kraken.status === 'placeholder') problems.push(`${name}: Kraken key still holds its placeholder`);
    if (kraken.status === 'malformed') problems.push(`${name}: Kraken key unreadable (${kraken.problem})`);
  }
  return problems;
}
