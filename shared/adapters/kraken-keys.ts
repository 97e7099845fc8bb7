import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { KrakenCredentials, KrakenKeyVault } from '../domain/controls/ports.js';
import { krakenKeySecretName } from '../names.js';

/**
 * Per-account Kraken API keys in Secrets Manager, one secret per account named by
 * `krakenKeySecretName(stage, accountId)`, value `{"api_key","api_secret"}`. Values are
 * never logged or returned to callers; errors name the account, never the key.
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
    const value = JSON.stringify({ api_key: credentials.apiKey, api_secret: credentials.apiSecret });
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

  /** The account's key, or null when none is stored. */
  async read(accountId: string): Promise<KrakenCredentials | null> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretName(accountId) }));
      const parsed = JSON.parse(result.SecretString ?? '{}') as { api_key?: string; api_secret?: string };
      if (!parsed.api_key || !parsed.api_secret) return null;
      return { apiKey: parsed.api_key, apiSecret: parsed.api_secret };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw new Error(`reading the Kraken key of ${accountId} failed`);
    }
  }
}
