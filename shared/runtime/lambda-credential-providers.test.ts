import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as stub from './lambda-credential-providers.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** `{ fromX }` / `{ fromX: alias }` the SDK's chains take from a package the bundles alias to the stub. */
function namesImportedFromAliasedPackages(): Set<string> {
  const names = new Set<string>();
  for (const pkg of ['credential-provider-node', 'credential-providers']) {
    const dir = path.join(root, 'node_modules', '@aws-sdk', pkg, 'dist-es');
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const pattern =
        /const \{([^}]*)\} = await import\("@aws-sdk\/credential-provider-(?:sso|ini|login|process|web-identity|http)"\)/g;
      for (const match of text.matchAll(pattern)) {
        for (const part of (match[1] as string).split(',')) names.add(part.split(':')[0]?.trim() as string);
      }
    }
  }
  return names;
}

describe('Lambda credential providers stub', () => {
  it('exports every provider the SDK chains import from the aliased packages', () => {
    // Act
    const imported = namesImportedFromAliasedPackages();
    // Assess
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter((name) => !(name in stub))).toEqual([]);
  });

  it('passes the chain on: each provider rejects as a provider without its configuration does', async () => {
    for (const [name, factory] of Object.entries(stub)) {
      // Act
      const error = await factory({})().catch((e: unknown) => e);
      // Assess
      expect(error, name).toMatchObject({ name: 'CredentialsProviderError', tryNextLink: true });
    }
  });
});
