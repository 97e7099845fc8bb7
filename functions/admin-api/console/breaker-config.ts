/// <reference lib="dom" />
import { DEFAULT_BREAKER_CONFIG } from '../../../shared/domain/breakers/config.js';
import { ROUTES } from '../../../shared/names.js';
import type { AdminApiClient } from './api.js';
import { ApiError, describeError } from './api.js';
import { announce, byId, el, formatTime, replaceRows } from './dom.js';

interface ConfigInForce {
  readonly symbol: string;
  readonly version: number;
  readonly config: Record<string, unknown>;
  readonly created_by: string;
  readonly created_at: string;
}

interface BreakerProposal {
  readonly proposal_id: string;
  readonly subject: string;
  readonly proposed: Record<string, unknown>;
  readonly reason: string;
  readonly proposed_by: string;
  readonly proposed_at: string;
  readonly expires_at: string;
  readonly status: 'pending' | 'applied' | 'expired';
}

/**
 * Breaker thresholds (`breaker_config`): the versions in force per symbol (`*` for every
 * symbol without its own), pending proposals, a proposal form and the second approver's
 * apply, the same two-person path as limits. Hidden where the admin API predates them.
 */
export function startBreakerConfigView(api: AdminApiClient): () => Promise<void> {
  const section = byId('breaker-config');
  const textarea = byId<HTMLTextAreaElement>('breaker-proposal-config');
  if (!textarea.value) textarea.value = JSON.stringify(DEFAULT_BREAKER_CONFIG, null, 2);

  byId<HTMLFormElement>('breaker-proposal-form').addEventListener('submit', (event) => {
    event.preventDefault();
    let config: unknown;
    try {
      config = JSON.parse(textarea.value);
    } catch {
      announce('Proposed thresholds are not valid JSON', 'error');
      return;
    }
    const symbol = byId<HTMLInputElement>('breaker-proposal-symbol').value.trim();
    api
      .post<{ proposal_id: string }>(`${ROUTES.adminBreakerConfig}/proposals`, {
        symbol,
        config,
        reason: byId<HTMLInputElement>('breaker-proposal-reason').value.trim(),
      })
      .then(({ body }) => announce(`Breaker thresholds proposal ${body.proposal_id} for ${symbol} recorded`))
      .then(refresh)
      .catch((error: unknown) => announce(describeError(error), 'error'));
  });

  byId('breaker-proposal-list').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-apply-breaker]');
    if (!button?.dataset.applyBreaker) return;
    api
      .post<{ symbol: string; version: number }>(
        `${ROUTES.adminBreakerConfig}/proposals/${button.dataset.applyBreaker}/apply`,
        {},
      )
      .then(({ body }) => announce(`Breaker thresholds of ${body.symbol} applied as version ${body.version}`))
      .then(refresh)
      .catch((error: unknown) => announce(describeError(error), 'error'));
  });

  async function refresh(): Promise<void> {
    let configs: ConfigInForce[];
    let proposals: BreakerProposal[];
    try {
      [{ configs }, { proposals }] = await Promise.all([
        api.get<{ configs: ConfigInForce[] }>(ROUTES.adminBreakerConfig).then((a) => a.body),
        api
          .get<{ proposals: BreakerProposal[] }>(`${ROUTES.adminBreakerConfig}/proposals`, { limit: '20' })
          .then((a) => a.body),
      ]);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        section.hidden = true;
        return;
      }
      throw error;
    }
    section.hidden = false;
    replaceRows(
      byId('breaker-config-rows'),
      configs.map((c) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, c.symbol),
          el('td', { class: 'num' }, String(c.version)),
          el('td', {}, summary(c.config)),
          el('td', {}, `${c.created_by}, ${formatTime(c.created_at)}`),
        ),
      ),
    );
    const pending = proposals.filter((p) => p.status === 'pending');
    replaceRows(
      byId('breaker-proposal-list'),
      pending.length === 0
        ? [el('li', {}, 'No pending breaker threshold proposals.')]
        : pending.map((p) => {
            // What the symbol runs on now: the defaults, under the '*' version, under its own.
            const current: Record<string, unknown> = {
              ...DEFAULT_BREAKER_CONFIG,
              ...configs.find((c) => c.symbol === '*')?.config,
              ...configs.find((c) => c.symbol === p.subject)?.config,
            };
            const changes = Object.entries(p.proposed).filter(
              ([name, value]) => JSON.stringify(current[name]) !== JSON.stringify(value),
            );
            return el(
              'li',
              { 'data-breaker-proposal': p.proposal_id },
              el(
                'p',
                {},
                `${p.subject}: proposed by ${p.proposed_by} at ${formatTime(p.proposed_at)} (expires ${formatTime(p.expires_at)}): ${p.reason}`,
              ),
              el(
                'ul',
                { class: 'changes' },
                ...changes.map(([name, value]) =>
                  el('li', {}, `${name}: ${JSON.stringify(current[name] ?? '(default)')} → ${JSON.stringify(value)}`),
                ),
              ),
              el(
                'button',
                {
                  type: 'button',
                  'data-apply-breaker': p.proposal_id,
                  'aria-label': `Apply breaker thresholds of ${p.subject} proposed by ${p.proposed_by}`,
                },
                'Apply (second approver)',
              ),
            );
          }),
    );
  }
  return refresh;
}

function summary(config: Record<string, unknown>): string {
  if (Object.keys(config).length === 0) return 'the defaults';
  return Object.entries(config)
    .map(([name, value]) => `${name} ${JSON.stringify(value)}`)
    .join(', ');
}
