import { KrakenKeyRejectedError } from '../../shared/domain/controls/errors.js';
import type { KrakenAccountApi, KrakenCredentials, KrakenKeyVault } from '../../shared/domain/controls/ports.js';
import { ExchangeCallError, NotFoundError, UpstreamUnavailableError } from '../../shared/domain/errors.js';
import type { KeyRotationLog, LimitsAdministration } from './ports.js';

export interface RotateKrakenKeyDeps {
  readonly limits: Pick<LimitsAdministration, 'current'>;
  readonly kraken: Pick<KrakenAccountApi, 'balance'>;
  readonly keys: Pick<KrakenKeyVault, 'store'>;
  readonly rotations: KeyRotationLog;
  readonly now: () => number;
}

export interface KeyRotation {
  readonly secretName: string;
  readonly rotatedAt: string;
}

/**
 * Replaces an account's Kraken key. The key must first prove it works (a Balance call):
 * a key Kraken refuses is a `KrakenKeyRejectedError`; no answer from Kraken is an
 * `UpstreamUnavailableError`. Either way the working key in place stays.
 */
export async function rotateKrakenKey(
  request: { accountId: string; credentials: KrakenCredentials; actor: string },
  deps: RotateKrakenKeyDeps,
): Promise<KeyRotation> {
  const { accountId, credentials, actor } = request;
  if (!(await deps.limits.current(accountId))) throw new NotFoundError(`unknown account ${accountId}`);
  try {
    await deps.kraken.balance(credentials);
  } catch (error) {
    if (error instanceof ExchangeCallError && !error.retryable) throw new KrakenKeyRejectedError(error.errors);
    throw new UpstreamUnavailableError('kraken', 'Kraken did not answer; the key was not stored', { cause: error });
  }
  const secretName = await deps.keys.store(accountId, credentials);
  await deps.rotations.record(accountId, actor, secretName, credentials.apiKey);
  return { secretName, rotatedAt: new Date(deps.now()).toISOString() };
}
