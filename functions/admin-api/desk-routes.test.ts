import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { proxyEvent } from '../../test/risk-fixtures.js';
import type { AdminServices } from './app.js';
import type { DecisionFeedQuery, MetricSeriesQuery } from './desk-reads.js';
import { KillSwitchService } from './kill-switch-service.js';
import { createAdminRouter } from './router.js';
import { MemoryControlLog, MemoryKillSwitchStore } from './test-support/memory-ports.js';

const NOW = Date.parse('2026-01-02T03:04:05.000Z');

/** The admin router over in-memory ports with recording desk reads. */
function desk() {
  const store = new MemoryKillSwitchStore();
  const log = new MemoryControlLog();
  const feedQueries: DecisionFeedQuery[] = [];
  const metricQueries: MetricSeriesQuery[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('not used here');
  };
  const services: AdminServices = {
    killSwitch: {
      service: new KillSwitchService({
        store,
        log,
        events: { publish: async () => {} },
        notifier: { notify: async () => {} },
        now: () => NOW,
        newId: () => '00000000-0000-4000-8000-000000000001',
      }),
      log,
      states: () => store.list(),
    },
    limits: { current: async () => null, propose: unused, apply: unused },
    accounts: { create: unused, list: async () => [], show: unused, setEnabled: unused },
    rotateKrakenKey: unused,
    resetBreaker: unused,
    now: () => NOW,
    desk: {
      market: {
        overview: async (nowMs) => ({ as_of: new Date(nowMs).toISOString(), feed: null, symbols: [] }),
      },
      decisions: {
        async recent(query) {
          feedQueries.push(query);
          return [];
        },
      },
      metrics: {
        async series(query) {
          metricQueries.push(query);
          return [{ label: 'accept', points: [{ t: NOW - 60_000, v: 3 }] }];
        },
      },
      exposure: async () => null,
    },
  };
  const route = createAdminRouter(services);
  const call = async (event: APIGatewayProxyEvent) => {
    const result = await route(event);
    return { status: result.statusCode, body: JSON.parse(result.body) };
  };
  return { call, feedQueries, metricQueries, log };
}

/** An event as API Gateway sends it through the console's Cognito authorizer. */
function signedIn(event: APIGatewayProxyEvent, username: string, groups: string): APIGatewayProxyEvent {
  return {
    ...event,
    requestContext: { authorizer: { claims: { 'cognito:username': username, 'cognito:groups': groups } } },
  } as unknown as APIGatewayProxyEvent;
}

describe('Function: routeDeskReads (through createAdminRouter)', () => {
  it('passes the decision stream filters through and refuses an unknown reason code', async () => {
    // Prepare
    const { call, feedQueries } = desk();

    // Act
    const ok = await call(
      proxyEvent('GET', '/v1/admin/decisions', undefined, {
        account_id: 'company',
        decision: 'reject',
        reason: 'MAX_ORDER_NOTIONAL',
        after: '2026-01-02T03:00:00.000Z',
        limit: '20',
      }),
    );
    const unknown = await call(proxyEvent('GET', '/v1/admin/decisions', undefined, { reason: 'NOT_A_CODE' }));

    // Assess
    expect(ok).toEqual({ status: 200, body: { decisions: [] } });
    expect(feedQueries).toEqual([
      {
        accountId: 'company',
        symbol: undefined,
        decision: 'reject',
        reason: 'MAX_ORDER_NOTIONAL',
        after: '2026-01-02T03:00:00.000Z',
        limit: 20,
      },
    ]);
    expect(unknown).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  });

  it('serves metric series only for metric names the code emits, and reads only with GET', async () => {
    // Prepare
    const { call, metricQueries } = desk();

    // Act
    const series = await call(
      proxyEvent('GET', '/v1/admin/metrics', undefined, { metric: 'Decisions', stat: 'Sum', dimension: 'decision' }),
    );
    const invented = await call(proxyEvent('GET', '/v1/admin/metrics', undefined, { metric: 'Nope', stat: 'Sum' }));
    const posted = await call(proxyEvent('POST', '/v1/admin/market', {}));

    // Assess
    expect(series).toEqual({
      status: 200,
      body: {
        metric: 'Decisions',
        stat: 'Sum',
        period: 60,
        series: [{ label: 'accept', points: [{ t: NOW - 60_000, v: 3 }] }],
      },
    });
    expect(metricQueries).toEqual([
      { metric: 'Decisions', stat: 'Sum', dimension: 'decision', minutes: 15, periodSeconds: 60 },
    ]);
    expect(invented).toMatchObject({ status: 400 });
    expect(posted).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
  });
});

describe('Function: createAdminRouter with Cognito callers', () => {
  it('records the signed-in user as the actor, whatever the body says, so one person cannot release alone', async () => {
    // Prepare
    const { call, log } = desk();
    const release = (user: string) =>
      call(
        signedIn(
          proxyEvent('POST', '/v1/admin/kill-switch/release', {
            scope: 'global',
            actor: 'someone-else',
            reason: 'over',
          }),
          user,
          'risk-manager',
        ),
      );
    await call(
      signedIn(
        proxyEvent('POST', '/v1/admin/kill-switch', { scope: 'global', reason: 'drill', actor: 'bob' }),
        'alice',
        'risk-manager',
      ),
    );

    // Act
    const first = await release('alice');
    const sameAgain = await release('alice');
    const second = await release('carol');

    // Assess
    expect(first).toMatchObject({ status: 202, body: { approvers: ['alice'] } });
    expect(sameAgain).toMatchObject({ status: 409, body: { code: 'SECOND_APPROVER_REQUIRED' } });
    expect(second).toEqual({ status: 200, body: { released: true, approvers: ['alice', 'carol'] } });
    expect((await log.history(10)).map((e) => e.actor)).toContain('alice');
    expect((await log.history(10)).map((e) => e.actor)).not.toContain('bob');
  });

  it('refuses a signed-in user outside the risk-manager group, reads included', async () => {
    // Prepare
    const { call } = desk();

    // Act
    const read = await call(signedIn(proxyEvent('GET', '/v1/admin/market'), 'mallory', 'viewers'));
    const grouped = await call(signedIn(proxyEvent('GET', '/v1/admin/market'), 'alice', 'viewers,risk-manager'));

    // Assess
    expect(read).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(grouped).toMatchObject({ status: 200, body: { as_of: new Date(NOW).toISOString() } });
  });

  it('refuses a sign-in token that names no user, so the body cannot choose the second approver', async () => {
    // Prepare: a risk-manager token without cognito:username, the body claiming to be bob
    const { call } = desk();
    const event = proxyEvent('POST', '/v1/admin/kill-switch/release', { scope: 'global', actor: 'bob', reason: 'x' });
    const nameless = { ...event, requestContext: { authorizer: { claims: { 'cognito:groups': 'risk-manager' } } } };

    // Act
    const answer = await call(nameless as unknown as typeof event);

    // Assess
    expect(answer).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });
});
