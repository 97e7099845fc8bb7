import { describe, expect, it } from 'vitest';
import { iamAuthTokenProvider } from './auth.js';
import { isLoopbackHost, postgresPoolOptions } from './pool.js';

describe('Function: postgresPoolOptions', () => {
  it('verifies the server by default: TLS on with rejectUnauthorized and the given CA', () => {
    const options = postgresPoolOptions({ host: 'proxy.example', database: 'd', user: 'u', tls: true, ca: 'PEM' });
    expect(options.ssl).toEqual({ rejectUnauthorized: true, ca: 'PEM', servername: undefined, minVersion: 'TLSv1.2' });
    expect(options.connectionTimeoutMillis).toBe(1_000);
    expect(options.statement_timeout).toBe(2_000);
    expect(options.query_timeout).toBe(2_500);
  });

  it('refuses plaintext to anything but a loopback host', () => {
    expect(() => postgresPoolOptions({ host: 'db.internal', tls: false })).toThrow(/plaintext.*db\.internal/);
    expect(() => postgresPoolOptions({ connectionString: 'postgres://u@10.0.0.5/db', tls: false })).toThrow(
      /plaintext/,
    );
    expect(postgresPoolOptions({ connectionString: 'postgres://u@127.0.0.1:5432/db', tls: false }).ssl).toBe(false);
  });

  it('refuses TLS settings in the URL, which pg would let override the tls option', () => {
    for (const query of ['sslmode=disable', 'ssl=false', 'sslrootcert=/tmp/x']) {
      expect(() => postgresPoolOptions({ connectionString: `postgres://u@db.example/db?${query}`, tls: true })).toThrow(
        /must not set/,
      );
    }
  });

  it('connects as the explicit user, not the URL’s (one local URL serves every unit’s login)', () => {
    const options = postgresPoolOptions({
      connectionString: 'postgres://riskgate:pw@127.0.0.1:5432/db',
      user: 'rg_risk_api_login',
      tls: false,
    });
    const url = new URL(options.connectionString as string);
    expect([url.username, url.password, url.pathname]).toEqual(['rg_risk_api_login', 'pw', '/db']);
    expect(
      postgresPoolOptions({ connectionString: 'postgres://riskgate@127.0.0.1/db', tls: false }).connectionString,
    ).toBe('postgres://riskgate@127.0.0.1/db');
  });

  it('knows which hosts are loopback', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'db.local', '128.0.0.1'].some(isLoopbackHost)).toBe(false);
  });
});

describe('Function: iamAuthTokenProvider', () => {
  it('signs an rds-db connect token for the proxy host, port and user without calling AWS', async () => {
    const token = await iamAuthTokenProvider({
      hostname: 'proxy.example.eu-west-1.rds.amazonaws.com',
      port: 5432,
      username: 'riskgate_admin',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    })();
    expect(token.startsWith('proxy.example.eu-west-1.rds.amazonaws.com:5432/?')).toBe(true);
    const query = new URLSearchParams(token.split('?')[1]);
    expect(query.get('Action')).toBe('connect');
    expect(query.get('DBUser')).toBe('riskgate_admin');
    expect(query.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/);
    expect(query.get('X-Amz-Expires')).toBe('900');
  });
});
