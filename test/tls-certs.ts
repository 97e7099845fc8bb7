import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A throwaway CA and a server certificate it signed, for TLS tests against local servers. */
export interface TestCertificates {
  readonly dir: string;
  readonly caPem: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** A second, unrelated CA: a client that trusts only this must refuse the server. */
  readonly otherCaPem: string;
  readonly cleanup: () => void;
}

/**
 * Generates, with the system's openssl, a CA and a server certificate for `localhost` and
 * 127.0.0.1 (EC P-256: fast). Nothing is committed: keys live in a temp folder for one run.
 */
export function generateTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'risk-gate-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newCa = (name: string) => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file(`${name}.key`));
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      file(`${name}.key`),
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-out',
      file(`${name}.crt`),
    );
  };
  newCa('risk-gate-test-ca');
  newCa('unrelated-ca');
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('server.key'));
  openssl('req', '-new', '-key', file('server.key'), '-subj', '/CN=localhost', '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('risk-gate-test-ca.crt'),
    '-CAkey',
    file('risk-gate-test-ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  );
  return {
    dir,
    caPem: readFileSync(file('risk-gate-test-ca.crt'), 'utf8'),
    caFile: file('risk-gate-test-ca.crt'),
    certFile: file('server.crt'),
    keyFile: file('server.key'),
    certPem: readFileSync(file('server.crt'), 'utf8'),
    keyPem: readFileSync(file('server.key'), 'utf8'),
    otherCaPem: readFileSync(file('unrelated-ca.crt'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
