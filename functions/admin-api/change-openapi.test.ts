import { describe, expect, it } from 'vitest';
import { breakerConfigSchema } from '../../shared/domain/breakers/config.js';
import { accountLimitsSchema } from '../../shared/domain/risk/limits.js';
import { ROUTES } from '../../shared/names.js';
import { limitChangePaths, limitChangeSchemas } from './change-openapi.js';
import { attachWhatIfSchema, breakerProposalSchema, whatIfRequestSchema } from './change-routes.js';
import { buildAdminOpenApi } from './openapi.js';

type Operation = { requestBody?: { content: { 'application/json': { schema: { properties: object } } } } };
const bodyFields = (route: string, method = 'post') => {
  const operation = (limitChangePaths()[route] as Record<string, Operation>)[method];
  return Object.keys(operation?.requestBody?.content['application/json'].schema.properties ?? {}).sort();
};
const account = `${ROUTES.adminAccounts}/{id}/limits`;

describe('Function: limitChangePaths', () => {
  it('documents exactly the body fields the change routes accept', () => {
    expect(bodyFields(`${account}/what-if`)).toEqual(Object.keys(whatIfRequestSchema.shape).sort());
    expect(bodyFields(`${account}/proposals/{pid}/what-if`)).toEqual(Object.keys(attachWhatIfSchema.shape).sort());
    expect(bodyFields(`${ROUTES.adminBreakerConfig}/proposals`)).toEqual(
      Object.keys(breakerProposalSchema.shape).sort(),
    );
  });

  it('describes limits and breaker configs field for field from the schemas the routes check with', () => {
    // Act
    const schemas = limitChangeSchemas() as Record<string, { properties: object }>;

    // Assess
    expect(Object.keys(schemas.AccountLimits?.properties ?? {}).sort()).toEqual(
      Object.keys(accountLimitsSchema.shape).sort(),
    );
    expect(Object.keys(schemas.BreakerConfig?.properties ?? {}).sort()).toEqual(
      Object.keys(breakerConfigSchema.shape).sort(),
    );
  });

  it('is part of the admin API document', () => {
    const paths = Object.keys((buildAdminOpenApi() as { paths: object }).paths);
    expect(paths).toEqual(expect.arrayContaining(Object.keys(limitChangePaths())));
  });
});
