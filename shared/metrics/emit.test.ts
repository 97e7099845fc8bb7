import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { captureEmf } from '../../test/support/emf.js';
import { CATALOGUE, CATALOGUE_ENTRIES } from './catalogue.js';
import { emitMetric } from './emit.js';
import { meaningOf } from './meanings.js';

const sink = () => new Metrics({ namespace: 'RiskGate', serviceName: 'risk-gate' });

describe('Function: emitMetric', () => {
  it('publishes a per-symbol metric under both of its declared dimension sets and nothing else', async () => {
    // Prepare
    const metrics = sink();
    // Act
    const points = await captureEmf(() => emitMetric(metrics, CATALOGUE.ingestDataAgeMs, 2_500, { symbol: 'BTC/USD' }));
    // Assess
    expect(points.map((p) => p.dimensions)).toEqual([
      { service: 'risk-gate', symbol: 'BTC/USD' },
      { service: 'risk-gate' },
    ]);
    expect(points.every((p) => p.name === 'IngestDataAgeMs' && p.value === 2_500)).toBe(true);
  });

  it('keeps a dimensioned metric from splitting the service-only metrics of the same invocation', async () => {
    // Prepare
    const metrics = sink();
    // Act
    const points = await captureEmf(() => {
      emitMetric(metrics, CATALOGUE.decisions, 1, { decision: 'reject' });
      emitMetric(metrics, CATALOGUE.decisionLatencyMs, 12);
      emitMetric(metrics, CATALOGUE.auditWriteFailures, 1);
      metrics.publishStoredMetrics();
    });
    // Assess
    const latency = points.filter((p) => p.name === 'DecisionLatencyMs');
    expect(latency.map((p) => p.dimensions)).toEqual([{ service: 'risk-gate' }]);
    expect(points.filter((p) => p.name === 'AuditWriteFailures').map((p) => p.dimensions)).toEqual([
      { service: 'risk-gate' },
    ]);
  });

  it('refuses, at compile time, a metric outside the catalogue and dimensions it does not declare', () => {
    const metrics = sink();
    const compileOnly = () => {
      // @ts-expect-error an ad-hoc metric is not a catalogue entry
      emitMetric(metrics, { name: 'Made Up', unit: 'Count', dimensionSets: [['service']], emittedBy: [] }, 1);
      // @ts-expect-error AuditWriteFailures is {service} only: no decision dimension
      emitMetric(metrics, CATALOGUE.auditWriteFailures, 1, { decision: 'accept' });
      // @ts-expect-error IngestDataAgeMs needs its symbol
      emitMetric(metrics, CATALOGUE.ingestDataAgeMs, 1);
      // @ts-expect-error RejectReasons declares `code`, not `reason`
      emitMetric(metrics, CATALOGUE.rejectReasons, 1, { reason: 'STALE' });
    };
    expect(typeof compileOnly).toBe('function');
  });
});

describe('Catalogue', () => {
  it('has one entry per name, each dimension set led by service', () => {
    const names = CATALOGUE_ENTRIES.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of CATALOGUE_ENTRIES) {
      for (const set of m.dimensionSets) expect(set[0], m.name).toBe('service');
      expect(meaningOf(m).length, m.name).toBeGreaterThan(10);
      expect(m.emittedBy.length, m.name).toBeGreaterThan(0);
    }
  });
});

describe('Emitters', () => {
  it('leave the meanings out of their bundles: no runtime code imports shared/metrics/meanings', () => {
    // Prepare
    const root = path.resolve(import.meta.dirname, '..', '..');
    const sources = ['functions', 'shared'].flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .map((file) => path.join(dir, file)),
    );
    // Act
    const importers = sources.filter((file) =>
      /from '[^']*\/meanings\.js'/.test(readFileSync(path.join(root, file), 'utf8')),
    );
    // Assess
    expect(sources.length).toBeGreaterThan(50);
    expect(importers).toEqual([]);
  });

  it('emit only through emitMetric: no Powertools addMetric or addDimension outside shared/metrics', () => {
    // Prepare
    const root = path.resolve(import.meta.dirname, '..', '..');
    const sources = ['functions', 'shared'].flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .map((file) => path.join(dir, file)),
    );
    // Act
    const offenders = sources.filter(
      (file) =>
        !file.startsWith(path.join('shared', 'metrics')) &&
        /\.(addMetric|addDimension|addDimensions|setDefaultDimensions)\(/.test(
          readFileSync(path.join(root, file), 'utf8'),
        ),
    );
    // Assess
    expect(sources.length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });
});
