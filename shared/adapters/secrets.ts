import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { createSecretsManagerClient } from './aws-clients.js';

/**
 * Reads secrets through Powertools Parameters so a warm function asks Secrets Manager at
 * most once per `maxAgeSeconds`. Values are returned, never logged: callers must not put
 * them in errors or log lines either.
 */
export class SecretReader {
  private readonly provider: SecretsProvider;

  constructor(
    private readonly maxAgeSeconds = 300,
    provider?: SecretsProvider,
  ) {
    this.provider = provider ?? new SecretsProvider({ awsSdkV3Client: createSecretsManagerClient() });
  }

  /** The secret's string value; throws (without the value) when absent or not a string. */
  async getString(secretId: string): Promise<string> {
    const value = await this.provider.get(secretId, { maxAge: this.maxAgeSeconds });
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`secret ${secretId} has no string value`);
    }
    return value;
  }

  /** The secret parsed as a JSON object (e.g. `{"username":…,"password":…}`). */
  async getJson<T extends Record<string, unknown>>(secretId: string): Promise<T> {
    const text = await this.getString(secretId);
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as T;
    } catch {
      throw new Error(`secret ${secretId} is not a JSON object`);
    }
  }
}
