/**
 * The one codec of the CoinGecko demo key secret (created by CDK in
 * infra/constructs/secrets.ts, overwritten by an operator): a plain string.
 *
 * Until an operator sets it, the secret holds a placeholder: either
 * {@link COINGECKO_KEY_PLACEHOLDER}, or the random string CDK has Secrets Manager generate
 * when a secret is created without a value (32 characters, punctuation included). Neither
 * is a key: sending one makes every call fail, so readers call without a key and report the
 * placeholder (metric `SecretPlaceholder`) instead.
 */

/** The recognisable value of a CoinGecko key secret nobody has set yet. */
export const COINGECKO_KEY_PLACEHOLDER = 'PLACEHOLDER-set-the-coingecko-demo-key';

export type CoinGeckoKeySecret =
  | { readonly status: 'key'; readonly key: string }
  | { readonly status: 'placeholder'; readonly why: 'marked' | 'generated' | 'empty' };

/** CoinGecko keys are `CG-` and letters, digits, `-` or `_`: no other punctuation. */
const KEY_ALPHABET = /^[A-Za-z0-9_-]+$/;
/** Secrets Manager's default generated password length (GetRandomPassword). */
const GENERATED_LENGTH = 32;

export function encodeCoinGeckoKeySecret(key: string): string {
  const decoded = decodeCoinGeckoKeySecret(key);
  if (decoded.status !== 'key') throw new Error('a CoinGecko key cannot be a placeholder');
  return decoded.key;
}

export function decodeCoinGeckoKeySecret(text: string | undefined): CoinGeckoKeySecret {
  const value = (text ?? '').trim();
  if (value === '') return { status: 'placeholder', why: 'empty' };
  if (value.startsWith('PLACEHOLDER')) return { status: 'placeholder', why: 'marked' };
  if (!value.startsWith('CG-') && value.length === GENERATED_LENGTH && !KEY_ALPHABET.test(value)) {
    return { status: 'placeholder', why: 'generated' };
  }
  return { status: 'key', key: value };
}
