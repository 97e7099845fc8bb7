import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/names.js';
import { decisionFeedQuerySchema, metricsQuerySchema } from './desk-routes.js';
import { buildAdminOpenApi } from './openapi.js';

type Parameter = { name: string; required: boolean };
const operation = (document: Record<string, unknown>, route: string) =>
  ((document.paths as Record<string, Record<string, { parameters?: Parameter[] }>>)[route]?.get ?? {}) as {
    parameters?: Parameter[];
  };

describe('Function: buildAdminOpenApi', () => {
  it('is committed exactly as the code generates it (run `npm run openapi` after a change)', () => {
    // Prepare
    const file = path.resolve(import.meta.dirname, '../../docs/admin-openapi.json');

    // Act
    const committed = JSON.parse(readFileSync(file, 'utf8'));

    // Assess
    expect(committed).toEqual(buildAdminOpenApi());
  });

  it('documents exactly the query parameters the desk routes accept', () => {
    // Prepare
    const document = buildAdminOpenApi();

    // Act
    const decisions = operation(document, ROUTES.adminDecisions).parameters?.map((p) => p.name);
    const metrics = operation(document, ROUTES.adminMetrics).parameters?.map((p) => p.name);

    // Assess
    expect(decisions?.sort()).toEqual(Object.keys(decisionFeedQuerySchema.shape).sort());
    expect(metrics?.sort()).toEqual(Object.keys(metricsQuerySchema.shape).sort());
  });
});
