import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestCertificates, type TestCertificates } from '../../../test/tls-certs.js';
import { createPostgresPool } from './pool.js';

/**
 * The local PostgreSQL runs without TLS, so these tests put a minimal PostgreSQL-protocol
 * server on loopback that does what a TLS-only server (Aurora with rds.force_ssl, RDS
 * Proxy with RequireTLS) does up to authentication: answers the client's SSLRequest with
 * 'S', completes a TLS handshake with a certificate from a CA made for this run, reads the
 * StartupMessage inside TLS, then ends the session with a FATAL error of its own. The
 * adapter's TLS path (CA pinning, hostname check, refusal of untrusted servers) is exercised
 * for real; what happens after authentication is covered by the plain local-server tests.
 */
const SSL_REQUEST_CODE = 80_877_103;
const FAKE_FATAL = 'fake server: startup received over TLS';

interface FakeServer {
  port: number;
  /** `user` of each StartupMessage read inside TLS. */
  startupsOverTls: string[];
  tlsHandshakeErrors: number;
  close: () => Promise<void>;
}

function errorResponse(message: string): Buffer {
  const fields = Buffer.concat([
    Buffer.from('SFATAL\0'),
    Buffer.from('C28000\0'),
    Buffer.from(`M${message}\0`),
    Buffer.from('\0'),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

function startupUser(message: Buffer): string {
  const pairs = message.subarray(8).toString('utf8').split('\0');
  const index = pairs.indexOf('user');
  return index >= 0 ? (pairs[index + 1] ?? '') : '';
}

async function startFakeTlsPostgres(certs: TestCertificates): Promise<FakeServer> {
  const state = { startupsOverTls: [] as string[], tlsHandshakeErrors: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('data', (first) => {
      if (first.length !== 8 || first.readInt32BE(4) !== SSL_REQUEST_CODE) {
        socket.end(errorResponse('fake server: plaintext refused'));
        return;
      }
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, cert: certs.certPem, key: certs.keyPem });
      secure.on('error', () => {
        state.tlsHandshakeErrors += 1;
      });
      secure.once('data', (startup) => {
        state.startupsOverTls.push(startupUser(startup));
        secure.end(errorResponse(FAKE_FATAL));
      });
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get startupsOverTls() {
      return state.startupsOverTls;
    },
    get tlsHandshakeErrors() {
      return state.tlsHandshakeErrors;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let certs: TestCertificates;
let fake: FakeServer;

beforeAll(async () => {
  certs = generateTestCertificates();
  fake = await startFakeTlsPostgres(certs);
});

afterAll(async () => {
  await fake.close();
  certs.cleanup();
});

async function attempt(overrides: { ca?: string; host?: string; tls?: boolean; user: string }) {
  const pool = createPostgresPool({
    host: overrides.host ?? '127.0.0.1',
    port: fake.port,
    database: 'riskgate',
    user: overrides.user,
    password: 'unused',
    tls: overrides.tls ?? true,
    ca: overrides.ca,
    connectTimeoutMs: 2_000,
  });
  try {
    await pool.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error as Error & { code?: string };
  } finally {
    await pool.end().catch(() => {});
  }
}

describe('Postgres adapter TLS (PostgreSQL protocol over TLS, CA made at test time)', () => {
  it('negotiates TLS, verifies the server against the given CA and sends the startup only inside TLS', async () => {
    const error = await attempt({ ca: certs.caPem, user: 'tls_ok' });
    expect(error?.message).toBe(FAKE_FATAL);
    expect(fake.startupsOverTls).toContain('tls_ok');
  });

  it('verifies the host name as well: a certificate for localhost is accepted by name', async () => {
    const error = await attempt({ ca: certs.caPem, host: 'localhost', user: 'tls_by_name' });
    expect(error?.message).toBe(FAKE_FATAL);
    expect(fake.startupsOverTls).toContain('tls_by_name');
  });

  it('refuses a server whose certificate another CA signed, before sending any credentials', async () => {
    const error = await attempt({ ca: certs.otherCaPem, user: 'wrong_ca' });
    expect(error?.message).toMatch(/self[- ]signed|unable to (verify|get)|certificate/i);
    expect(fake.startupsOverTls).not.toContain('wrong_ca');
  });

  it('refuses the server when trusting only the system store (no CA given)', async () => {
    const error = await attempt({ user: 'system_store' });
    expect(error?.message).toMatch(/self[- ]signed|unable to (verify|get)|certificate/i);
    expect(fake.startupsOverTls).not.toContain('system_store');
  });

  it('never falls back to plaintext when the server answers the SSLRequest with N', async () => {
    const plain = net.createServer((socket) => socket.once('data', () => socket.write('N')));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const pool = createPostgresPool({
      host: '127.0.0.1',
      port: (plain.address() as net.AddressInfo).port,
      user: 'u',
      tls: true,
      ca: certs.caPem,
    });
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/does not support SSL/);
    } finally {
      await pool.end().catch(() => {});
      plain.close();
    }
  });
});

describe('Postgres adapter timeouts', () => {
  it('fails within its connect timeout, instead of hanging, when the server accepts but never answers', async () => {
    const sockets: net.Socket[] = [];
    const blackHole = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    for (const useTls of [false, true]) {
      const pool = createPostgresPool({
        host: '127.0.0.1',
        port: (blackHole.address() as net.AddressInfo).port,
        user: 'u',
        tls: useTls,
        ca: certs.caPem,
        connectTimeoutMs: 300,
      });
      const started = performance.now();
      try {
        await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout/i);
        expect(performance.now() - started).toBeLessThan(1_500);
      } finally {
        await pool.end().catch(() => {});
      }
    }
    for (const socket of sockets) socket.destroy();
    blackHole.close();
  });
});
