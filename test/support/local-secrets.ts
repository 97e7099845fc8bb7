import { DeleteSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KrakenKeyStore } from '../../shared/adapters/kraken-keys.js';

/**
 * Deletes, at once and for good, the Kraken key secret a test stored for an account in the
 * local stage. Local mode's account feed lists every such secret: one left behind is tried on
 * the fake Kraken by every later `npm start` (EAPI:Invalid key). A secret already gone is fine.
 */
export async function deleteLocalKrakenKey(secrets: SecretsManagerClient, accountId: string): Promise<void> {
  await secrets
    .send(
      new DeleteSecretCommand({
        SecretId: new KrakenKeyStore(secrets, 'local').secretName(accountId),
        ForceDeleteWithoutRecovery: true,
      }),
    )
    .catch(() => undefined);
}
