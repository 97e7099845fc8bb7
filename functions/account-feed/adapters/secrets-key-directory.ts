import { createHash } from 'node:crypto';
import { GetSecretValueCommand, ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { decodeKrakenKeySecret } from '../../../shared/adapters/secrets/kraken-key-secret.js';
import { KRAKEN_KEY_ACCOUNT_PATTERN } from '../../../shared/names.js';
import type { AccountKey, AccountKeyDirectory, FeedLog } from '../ports.js';

/**
 * Every account with a Kraken key: the secrets under the stage's prefix
 * (`risk-gate/<stage>/kraken/<accountId>`, read through the one Kraken key secret codec), listed on every
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
        const secret = decodeKrakenKeySecret(value.SecretString);
        if (secret.status !== 'key') {
          // A placeholder (key not issued yet) or a malformed value: the account fails closed.
          this.log('warn', 'Kraken key secret holds no usable key; account left out', {
            accountId,
            secret: name,
            status: secret.status,
            ...(secret.status === 'malformed' ? { problem: secret.problem } : {}),
          });
          continue;
        }
        const { apiKey, apiSecret } = secret.credentials;
        keys.push({
          accountId,
          credentials: { apiKey, apiSecret },
          fingerprint: createHash('sha256').update(`${apiKey}\n${apiSecret}`).digest('hex').slice(0, 16),
        });
      } catch {
        this.log('warn', 'Kraken key secret unreadable; account left out', { accountId, secret: name });
      }
    }
    return keys;
  }
}
