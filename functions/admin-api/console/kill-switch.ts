/// <reference lib="dom" />
import { KILL_REASON_CODES } from '../../../shared/domain/controls/kill-switch.js';
import { ROUTES } from '../../../shared/names.js';
import type { AdminApiClient } from './api.js';
import { describeError } from './api.js';
import { announce, byId, el, formatTime, replaceRows } from './dom.js';

interface EngagedState {
  readonly scope: string;
  readonly target: string;
  readonly reason: string;
  readonly actor: string;
  readonly sinceMs: number;
  readonly allowReduceOnly: boolean;
}

interface HistoryEntry {
  readonly scope: string;
  readonly target: string;
  readonly action: string;
  readonly reason: string;
  readonly actor: string;
  readonly at: string;
}

/** Kill switch state, history, engage (one person) and release (two distinct people). */
export function startKillSwitchView(api: AdminApiClient): () => Promise<void> {
  const reasons = byId<HTMLSelectElement>('engage-reason');
  reasons.replaceChildren(...KILL_REASON_CODES.map((code) => el('option', { value: code }, code)));

  byId<HTMLFormElement>('engage-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const scope = byId<HTMLSelectElement>('engage-scope').value;
    const target = byId<HTMLInputElement>('engage-target').value.trim();
    const note = byId<HTMLInputElement>('engage-note').value.trim();
    api
      .post<{ failed_channels: string[] }>(ROUTES.adminKillSwitch, {
        scope,
        ...(scope === 'global' ? {} : { target }),
        reason: reasons.value,
        allow_reduce_only: byId<HTMLInputElement>('engage-reduce-only').checked,
        ...(note ? { note } : {}),
      })
      .then(({ status, body }) =>
        announce(
          status === 207
            ? `Kill switch engaged (${scope}); notifications failed: ${body.failed_channels.join(', ')}`
            : `Kill switch engaged (${scope}${scope === 'global' ? '' : ` ${target}`})`,
        ),
      )
      .then(refresh)
      .catch((error: unknown) => announce(describeError(error), 'error'));
  });

  byId('kill-rows').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-scope]');
    if (!button) return;
    const { scope, target } = button.dataset;
    const reason = byId<HTMLInputElement>('release-reason').value.trim();
    api
      .post<{ approvers: string[]; released?: boolean }>(ROUTES.adminKillSwitchRelease, { scope, target, reason })
      .then(({ status, body }) =>
        announce(
          status === 202
            ? `Release approval recorded (${body.approvers.join(', ')}); a second, different risk manager must confirm`
            : `Kill switch released by ${body.approvers.join(' and ')}`,
        ),
      )
      .then(refresh)
      .catch((error: unknown) => announce(describeError(error), 'error'));
  });

  async function refresh(): Promise<void> {
    const [{ body: state }, { body: history }] = await Promise.all([
      api.get<{ engaged: EngagedState[] }>(ROUTES.adminKillSwitch),
      api.get<{ history: HistoryEntry[] }>(ROUTES.adminKillSwitchHistory, { limit: '15' }),
    ]);
    byId('kill-summary').textContent =
      state.engaged.length === 0
        ? 'No kill switch engaged.'
        : `${state.engaged.length} kill switch${state.engaged.length > 1 ? 'es' : ''} engaged.`;
    replaceRows(
      byId('kill-rows'),
      state.engaged.map((s) =>
        el(
          'tr',
          { 'data-kill': `${s.scope}:${s.target}` },
          el('th', { scope: 'row' }, s.scope),
          el('td', {}, s.target),
          el('td', {}, s.reason),
          el('td', {}, s.actor),
          el('td', {}, formatTime(s.sinceMs)),
          el('td', {}, s.allowReduceOnly ? 'yes' : 'no'),
          el(
            'td',
            {},
            el(
              'button',
              {
                type: 'button',
                'data-scope': s.scope,
                'data-target': s.target,
                'aria-label': `Approve release of the ${s.scope} kill switch ${s.target}`,
              },
              'Approve release',
            ),
          ),
        ),
      ),
    );
    replaceRows(
      byId('kill-history'),
      history.history.map((h) =>
        el(
          'tr',
          {},
          el('td', {}, formatTime(h.at)),
          el('td', {}, h.action),
          el('td', {}, `${h.scope} ${h.target}`),
          el('td', {}, h.actor),
          el('td', {}, h.reason),
        ),
      ),
    );
  }
  return refresh;
}
