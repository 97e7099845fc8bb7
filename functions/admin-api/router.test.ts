import { describe, expect, it } from 'vitest';
import { KrakenKeyRejectedError, ProposalAlreadyAppliedError } from '../../shared/domain/controls/errors.js';
import { NotFoundError, StateUnavailableError, UpstreamUnavailableError } from '../../shared/domain/errors.js';
import type { AccountLimitsInput } from '../../shared/domain/risk/limits.js';
import { proxyEvent } from '../../test/risk-fixtures.js';
import { createAccount, listAccounts, setAccountEnabled, showAccount } from './accounts.js';
import type { AdminServices } from './app.js';
import type { EngageResult } from './kill-switch-service.js';
import { KillSwitchService } from './kill-switch-service.js';
import type { LimitsAdministration } from './ports.js';
import { createAdminRouter } from './router.js';
import {
  MemoryAccountBook,
  MemoryControlLog,
  MemoryKeySecrets,
  MemoryKillSwitchStore,
} from './test-support/memory-ports.js';

const UUID = '00000000-0000-4000-8000-000000000001';

/** The admin router over in-memory ports; each `...Fails` option makes that service throw the given error. */
function admin(options: { notifierDown?: boolean; rotateFails?: Error; applyFails?: Error; resetFails?: Error } = {}) {
  const store = new MemoryKillSwitchStore();
  const log = new MemoryControlLog();
  const proposals: { accountId: string; limits: AccountLimitsInput }[] = [];
  const limits: LimitsAdministration = {
    current: async () => null,
    async propose(accountId, proposed) {
      proposals.push({ accountId, limits: proposed });
      return UUID;
    },
    async apply() {
      if (options.applyFails) throw options.applyFails;
      return 2;
    },
  };
  const book = new MemoryAccountBook();
  let ids = 0;
  const accountDeps = {
    accounts: book,
    limits: book,
    keys: new MemoryKeySecrets(),
    newId: () => `00000000-0000-4000-9000-${String(++ids).padStart(12, '0')}`,
  };
  const services: AdminServices = {
    killSwitch: {
      service: new KillSwitchService({
        store,
        log,
        events: { publish: async () => {} },
        notifier: {
          async notify() {
            if (options.notifierDown) throw new Error('topic gone');
          },
        },
        now: () => 1_000_000,
        newId: () => UUID,
      }),
      log,
      states: () => store.list(),
    },
    limits,
    accounts: {
      create: (request) => createAccount(request, accountDeps),
      list: () => listAccounts(accountDeps),
      show: (accountId) => showAccount(accountId, accountDeps),
      setEnabled: (request) => setAccountEnabled(request, accountDeps),
    },
    async rotateKrakenKey() {
      if (options.rotateFails) throw options.rotateFails;
      return { secretName: 'risk-gate/test/kraken/company', rotatedAt: '2025-01-01T00:00:00.000Z' };
    },
    async resetBreaker() {
      if (options.resetFails) throw options.resetFails;
      return { cleared: [] };
    },
  };
  const engaged: EngageResult[] = [];
  const route = createAdminRouter(services, { onEngaged: (result) => engaged.push(result) });
  const call = async (method: string, path: string, body?: unknown) => {
    const result = await route(proxyEvent(method, path, body));
    return { status: result.statusCode, body: JSON.parse(result.body) };
  };
  return { call, engaged, proposals, book };
}

const engage = { scope: 'global', reason: 'drill', actor: 'alice' };
const key = { api_key: 'key-0123456789abcdef', api_secret: 'c2VjcmV0LTAxMjM0NTY3ODk=', actor: 'alice' };

describe('Function: createAdminRouter', () => {
  it('answers 200 to a complete engage and 207 naming the failed channel to a partial one, telling the observer', async () => {
    // Prepare
    const complete = admin();
    const partial = admin({ notifierDown: true });

    // Act
    const ok = await complete.call('POST', '/v1/admin/kill-switch', engage);
    const degraded = await partial.call('POST', '/v1/admin/kill-switch', engage);

    // Assess
    expect(ok).toMatchObject({ status: 200, body: { event_id: UUID, failed_channels: [] } });
    expect(degraded).toMatchObject({ status: 207, body: { failed_channels: ['notification'] } });
    expect(complete.engaged.map((r) => r.outcome)).toEqual(['complete']);
    expect(partial.engaged.map((r) => r.outcome)).toEqual(['partial']);
  });

  it('maps the two-person release errors to 409 with their codes', async () => {
    // Prepare
    const { call } = admin();
    const release = (actor: string) =>
      call('POST', '/v1/admin/kill-switch/release', { scope: 'global', actor, reason: 'over' });

    // Act
    const notEngaged = await release('alice');
    await call('POST', '/v1/admin/kill-switch', engage);
    const pending = await release('alice');
    const same = await release('alice');

    // Assess
    expect(notEngaged).toMatchObject({ status: 409, body: { code: 'KILL_SWITCH_NOT_ENGAGED' } });
    expect(pending).toMatchObject({ status: 202, body: { code: 'RELEASE_PENDING_SECOND_APPROVAL' } });
    expect(same).toEqual({
      status: 409,
      body: {
        code: 'SECOND_APPROVER_REQUIRED',
        message: 'alice already approved; a second, different approver must release',
        approvers: ['alice'],
      },
    });
  });

  it.each([
    [new KrakenKeyRejectedError(['EAPI:Invalid key']), 422, 'KRAKEN_KEY_REJECTED'],
    [
      new UpstreamUnavailableError('kraken', 'Kraken did not answer; the key was not stored'),
      502,
      'UPSTREAM_UNAVAILABLE',
    ],
    [new NotFoundError('unknown account company'), 404, 'NOT_FOUND'],
    [new Error('secret internals'), 500, 'INTERNAL_ERROR'],
  ] as const)('maps the key rotation failure %s to %i %s', async (error, status, code) => {
    // Prepare
    const { call } = admin({ rotateFails: error });

    // Act
    const result = await call('PUT', '/v1/admin/accounts/company/kraken-key', key);

    // Assess
    expect(result).toMatchObject({ status, body: { code } });
    expect(JSON.stringify(result.body)).not.toContain('secret internals');
  });

  it('maps a proposal applied twice to 409 IDEMPOTENCY_CONFLICT and a store outage to 503', async () => {
    // Prepare
    const applied = admin({ applyFails: new ProposalAlreadyAppliedError(UUID) });
    const outage = admin({ resetFails: new StateUnavailableError('postgres') });

    // Act
    const twice = await applied.call('POST', `/v1/admin/accounts/company/limits/proposals/${UUID}/apply`, {
      actor: 'bob',
    });
    const reset = await outage.call('POST', '/v1/admin/breakers/reset', {
      symbol: 'BTC/USD',
      actor: 'carol',
      reason: 'bad print',
    });

    // Assess
    expect(twice).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_CONFLICT' } });
    expect(reset).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE' } });
  });

  it('stores proposed limits as sent (no defaults filled) and refuses bad ones naming the field', async () => {
    // Prepare
    const { call, proposals } = admin();
    const limits = { nav: '250000', max_order_notional: '100' };

    // Act
    const created = await call('POST', '/v1/admin/accounts/company/limits/proposals', {
      limits,
      actor: 'alice',
      reason: 'tighten',
    });
    const bad = await call('POST', '/v1/admin/accounts/company/limits/proposals', {
      limits: { nav: '-5' },
      actor: 'alice',
      reason: 'oops',
    });

    // Assess
    expect(created).toEqual({ status: 201, body: { proposal_id: UUID } });
    expect(proposals).toEqual([{ accountId: 'company', limits }]);
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].field).toBe('limits.nav');
  });

  it('answers 404 for unknown limits and routes, 405 for a wrong method, 400 for a body that is not JSON', async () => {
    // Prepare
    const { call } = admin();

    // Act
    const limits = await call('GET', '/v1/admin/accounts/company/limits');
    const route = await call('GET', '/v1/admin/nowhere');
    const method = await call('DELETE', '/v1/admin/kill-switch/release');
    const json = await call('POST', '/v1/admin/kill-switch', '{not json');

    // Assess
    expect(limits).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(route).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(method).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    expect(json).toMatchObject({ status: 400, body: { code: 'INVALID_JSON' } });
  });

  describe('Accounts', () => {
    const create = {
      account_id: 'desk-1',
      display_name: 'Desk one',
      kind: 'strategy',
      limits: { nav: '100000', max_order_notional: '5000' },
      actor: 'alice',
      reason: 'new desk',
    };

    it('creates an account pending its limits and answers the proposal a second approver applies', async () => {
      // Prepare
      const { call, book } = admin();

      // Act
      const created = await call('POST', '/v1/admin/accounts', create);
      const listed = await call('GET', '/v1/admin/accounts');

      // Assess
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        account: { account_id: 'desk-1', enabled: true, readiness: 'pending_limits', limits_version: null },
        proposal_id: '00000000-0000-4000-9000-000000000001',
        kraken_key_secret: 'risk-gate/test/kraken/desk-1',
      });
      expect(book.proposals).toMatchObject([{ accountId: 'desk-1', limits: create.limits, applied: false }]);
      expect(listed.body.accounts.map((a: { account_id: string }) => a.account_id)).toEqual(['desk-1']);
    });

    it('shows limits, pending proposals, the key secret state and the audit of one account', async () => {
      // Prepare
      const { call } = admin();
      await call('POST', '/v1/admin/accounts', create);

      // Act
      const shown = await call('GET', '/v1/admin/accounts/desk-1');
      const unknown = await call('GET', '/v1/admin/accounts/nobody');

      // Assess
      expect(shown).toMatchObject({
        status: 200,
        body: {
          account: { readiness: 'pending_limits' },
          limits: null,
          pending_proposals: [{ proposal_id: '00000000-0000-4000-9000-000000000001', proposed_by: 'alice' }],
          kraken_key: { secret_name: 'risk-gate/test/kraken/desk-1', status: 'missing' },
          history: [{ action: 'create', actor: 'alice', reason: 'new desk' }],
        },
      });
      expect(unknown).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    });

    it('disables and re-enables with the actor on record; setting the same state again changes nothing', async () => {
      // Prepare
      const { call, book } = admin();
      await call('POST', '/v1/admin/accounts', create);

      // Act
      const disabled = await call('POST', '/v1/admin/accounts/desk-1/disable', { actor: 'bob', reason: 'breach' });
      const again = await call('POST', '/v1/admin/accounts/desk-1/disable', { actor: 'bob', reason: 'breach' });
      const enabled = await call('POST', '/v1/admin/accounts/desk-1/enable', { actor: 'carol', reason: 'cleared' });

      // Assess
      expect(disabled).toMatchObject({ status: 200, body: { changed: true, account: { readiness: 'disabled' } } });
      expect(again).toMatchObject({ status: 200, body: { changed: false } });
      expect(enabled).toMatchObject({ status: 200, body: { changed: true, account: { enabled: true } } });
      expect(book.log.map((e) => [e.action, e.actor])).toEqual([
        ['create', 'alice'],
        ['disable', 'bob'],
        ['enable', 'carol'],
      ]);
    });

    it.each([
      ['an id taken', [create, create], 409, 'ACCOUNT_EXISTS'],
      ['a key account that is not an account', [{ ...create, kraken_key_account: 'ghost' }], 400, 'INVALID_REQUEST'],
      ['an unknown kind', [{ ...create, kind: 'whale' }], 400, 'INVALID_REQUEST'],
      ['bad limits', [{ ...create, limits: { nav: '-1' } }], 400, 'INVALID_REQUEST'],
      ['an unknown field', [{ ...create, enabled: true }], 400, 'INVALID_REQUEST'],
    ] as const)('refuses a create with %s: %i %s', async (_case, bodies, status, code) => {
      // Prepare
      const { call } = admin();

      // Act
      let result = { status: 0, body: {} as Record<string, unknown> };
      for (const body of bodies) result = await call('POST', '/v1/admin/accounts', body);

      // Assess
      expect(result).toMatchObject({ status, body: { code } });
    });

    it('answers 404 to disabling an unknown account and 405 to a wrong method', async () => {
      // Prepare
      const { call } = admin();

      // Act
      const unknown = await call('POST', '/v1/admin/accounts/nobody/disable', { actor: 'bob', reason: 'breach' });
      const method = await call('DELETE', '/v1/admin/accounts');

      // Assess
      expect(unknown).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      expect(method).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    });
  });
});
