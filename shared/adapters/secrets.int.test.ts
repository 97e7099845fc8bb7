import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecretsManagerClient } from './aws-clients.js';
import { SecretReader } from './secrets.js';

describe('Secrets Manager (AWS emulator)', () => {
  const client = createSecretsManagerClient();
  const name = `risk-gate/it/${randomUUID()}`;

  afterAll(async () => {
    await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })).catch(() => {});
    client.destroy();
  });

  it('creates a secret and reads it back through Powertools Parameters, cached', async () => {
    await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ token: 'first' }) }));
    const reader = new SecretReader(300);
    expect(await reader.getJson(name)).toEqual({ token: 'first' });

    // A rotation inside the cache window is not seen; a fresh reader sees it.
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify({ token: 'second' }) }));
    expect(await reader.getJson(name)).toEqual({ token: 'first' });
    expect(await new SecretReader(300).getJson(name)).toEqual({ token: 'second' });
  });

  it('fails without leaking anything when the secret does not exist', async () => {
    await expect(new SecretReader().getString(`${name}-missing`)).rejects.toThrow();
  });
});
