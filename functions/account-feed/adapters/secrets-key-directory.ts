import { createHash } from 'node:crypto';
import { GetSecretValueCommand, ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KRAKEN_KEY_ACCOUNT_PATTERN } from '../../../shared/names.js';
import type { AccountKey, AccountKeyDirectory, FeedLog } from '../ports.js';

/**
 * Every account with a Kraken key: the secrets under the stage's prefix
 * (`risk-gate/<stage>/kraken/<accountId>`, value `{"api_key","api_secret"}`), listed on every
 * refresh so new and rotated keys are picked up without a restart. A secret that cannot be
 * read is left out (its account fails closed) and logged by name, never by value.
 */
export class SecretsManagerKeyDirectory implements AccountKeyDirectory {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly log: FeedLog,
  ) {}

  async list(): Promise<AccountKey[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'name', Values: [this.prefix] }],
          NextToken: nextToken,
          MaxResults: 100,
        }),
      );
      for (const secret of page.SecretList ?? []) {
        if (secret.Name?.startsWith(this.prefix) && !secret.DeletedDate) names.push(secret.Name);
      }
      nextToken = page.NextToken;
    } while (nextToken);

    const keys: AccountKey[] = [];
    for (const name of names) {
      const accountId = name.slice(this.prefix.length);
      if (!KRAKEN_KEY_ACCOUNT_PATTERN.test(accountId)) continue;
      try {
        const value = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
        const parsed = JSON.parse(value.SecretString ?? '{}') as { api_key?: unknown; api_secret?: unknown };
        if (typeof parsed.api_key !== 'string' || typeof parsed.api_secret !== 'string') throw new Error('malformed');
        keys.push({
          accountId,
          credentials: { apiKey: parsed.api_key, apiSecret: parsed.api_secret },
          fingerprint: createHash('sha256')
            .update(`${parsed.api_key}\n${parsed.api_secret}`)
            .digest('hex')
            .slice(0, 16),
        });
      } catch {
        this.log('warn', 'Kraken key secret unreadable; account left out', { accountId, secret: name });
      }
    }
    return keys;
  }
}
