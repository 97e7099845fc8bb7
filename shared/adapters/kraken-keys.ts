import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { KrakenCredentials, KrakenKeyVault } from '../domain/controls/ports.js';
import { krakenKeySecretName } from '../names.js';
import { decodeKrakenKeySecret, encodeKrakenKeySecret, type KrakenKeySecret } from './secrets/kraken-key-secret.js';

/** What an account's Kraken key secret holds, without the key: for operators' views. */
export type KrakenKeyStatus = KrakenKeySecret['status'] | 'missing';

/**
 * Per-account Kraken API keys in Secrets Manager, one secret per account named by
 * `krakenKeySecretName(stage, accountId)`, laid out by the one codec
 * (shared/adapters/secrets/kraken-key-secret.ts). Values are never logged or returned to
 * callers; errors name the account, never the key.
 */
export class KrakenKeyStore implements KrakenKeyVault {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly stage: string,
    private readonly kmsKeyId?: string,
  ) {}

  secretName(accountId: string): string {
    return krakenKeySecretName(this.stage, accountId);
  }

  async store(accountId: string, credentials: KrakenCredentials): Promise<string> {
    const name = this.secretName(accountId);
    const value = encodeKrakenKeySecret(credentials);
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException))
        throw new Error(`storing the Kraken key of ${accountId} failed`);
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          KmsKeyId: this.kmsKeyId,
          Description: `Kraken API key of account ${accountId}`,
        }),
      );
    }
    return name;
  }

  /** The account's key, or null when none is stored (absent, placeholder or unusable). */
  async read(accountId: string): Promise<KrakenCredentials | null> {
    const secret = await this.decoded(accountId);
    return secret?.status === 'key' ? secret.credentials : null;
  }

  /** Whether the account's secret holds a usable key, a placeholder, something unusable, or nothing. */
  async status(accountId: string): Promise<KrakenKeyStatus> {
    return (await this.decoded(accountId))?.status ?? 'missing';
  }

  private async decoded(accountId: string): Promise<KrakenKeySecret | null> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretName(accountId) }));
      return decodeKrakenKeySecret(result.SecretString);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw new Error(`reading the Kraken key of ${accountId} failed`);
    }
  }
}
