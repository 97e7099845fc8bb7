import type { KrakenCredentials } from '../../domain/controls/ports.js';

/**
 * The one codec of a Kraken key secret (`risk-gate/<stage>/kraken/<accountId>`): every
 * writer (admin API key rotation, the accounts CLI through it, the runbook's operator path)
 * and every reader (kill executor, account feed) goes through it, so a key stored by one is
 * a key read by the other.
 *
 * Stored shape: `{"api_key":"…","api_secret":"…"}`. Earlier docs told operators to write
 * `{"apiKey":"…","apiSecret":"…"}`; secrets already stored that way are read the same, so
 * no operator-stored key reads as absent. A secret created before the key exists holds
 * {@link KRAKEN_KEY_PLACEHOLDER} and reads as a placeholder, never as a key.
 */

/** The value of a Kraken key secret created before its key was issued. */
export const KRAKEN_KEY_PLACEHOLDER = JSON.stringify({ placeholder: 'set-by-operator' });

export type KrakenKeySecret =
  | { readonly status: 'key'; readonly credentials: KrakenCredentials }
  | { readonly status: 'placeholder' }
  /** Not a key the gate can sign with; `problem` names what is wrong, never a value. */
  | { readonly status: 'malformed'; readonly problem: string };

/** The secret string for `credentials`, in the stored shape. */
export function encodeKrakenKeySecret(credentials: KrakenCredentials): string {
  return JSON.stringify({ api_key: credentials.apiKey, api_secret: credentials.apiSecret });
}

/** Reads a Kraken key secret's string (either field spelling); never throws. */
export function decodeKrakenKeySecret(text: string | undefined): KrakenKeySecret {
  if (text === undefined || text.trim() === '') return { status: 'malformed', problem: 'empty secret' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: 'malformed', problem: 'not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { status: 'malformed', problem: 'not a JSON object' };
  }
  const fields = parsed as Record<string, unknown>;
  if ('placeholder' in fields) return { status: 'placeholder' };
  const apiKey = fields.api_key ?? fields.apiKey;
  const apiSecret = fields.api_secret ?? fields.apiSecret;
  if (typeof apiKey !== 'string' || apiKey.trim() === '') return { status: 'malformed', problem: 'no api_key' };
  if (typeof apiSecret !== 'string' || apiSecret.trim() === '') {
    return { status: 'malformed', problem: 'no api_secret' };
  }
  // Kraken issues the private key base64; anything else cannot sign a request.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(apiSecret.trim())) {
    return { status: 'malformed', problem: 'api_secret is not base64' };
  }
  return { status: 'key', credentials: { apiKey: apiKey.trim(), apiSecret: apiSecret.trim() } };
}
