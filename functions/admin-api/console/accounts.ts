/// <reference lib="dom" />
import type { ExposureView } from '../../../shared/domain/risk/exposure-view.js';
import { ROUTES } from '../../../shared/names.js';
import type { AdminApiClient } from './api.js';
import { ApiError, describeError } from './api.js';
import { announce, byId, el, formatTime, replaceRows } from './dom.js';

interface AccountSummary {
  readonly account_id: string;
  readonly display_name: string;
  readonly enabled: boolean;
  readonly readiness: string;
  readonly limits_version: number | null;
}

interface Proposal {
  readonly proposal_id: string;
  readonly limits: Record<string, unknown>;
  readonly proposed_by: string;
  readonly reason: string;
  readonly proposed_at: string;
  readonly expires_at?: string;
  readonly what_if?: unknown;
}

interface AccountDetails {
  readonly account: AccountSummary;
  readonly limits: { version: number; limits: Record<string, unknown>; created_by: string; created_at: string } | null;
  readonly pending_proposals: Proposal[];
}

const accountPath = (id: string, rest = '') => `${ROUTES.adminAccounts}/${encodeURIComponent(id)}${rest}`;
/** How far back a proposal's what-if replays recorded decisions. */
const WHAT_IF_HOURS = 24;

/**
 * Per account: exposure and headroom per limit, the limits in force with their version,
 * pending proposals with their what-if, a proposal form and the second approver's apply.
 */
export function startAccountsView(api: AdminApiClient): () => Promise<void> {
  const select = byId<HTMLSelectElement>('account-select');
  const whatIfs = new Map<string, unknown>();
  let selected = '';

  select.addEventListener('change', () => {
    selected = select.value;
    // Never leave another account's limits in the form: a proposal is the whole next version.
    const textarea = byId<HTMLTextAreaElement>('proposal-limits');
    textarea.value = '';
    textarea.dataset.filledFor = '';
    void refresh().catch((error: unknown) => announce(describeError(error), 'error'));
  });

  byId<HTMLFormElement>('proposal-form').addEventListener('submit', (event) => {
    event.preventDefault();
    let limits: unknown;
    try {
      limits = JSON.parse(byId<HTMLTextAreaElement>('proposal-limits').value);
    } catch {
      announce('Proposed limits are not valid JSON', 'error');
      return;
    }
    api
      .post<{ proposal_id: string }>(accountPath(selected, '/limits/proposals'), {
        limits,
        reason: byId<HTMLInputElement>('proposal-reason').value.trim(),
      })
      .then(({ body }) => announce(`Proposal ${body.proposal_id} recorded; a second risk manager applies it`))
      .then(refresh)
      .catch((error: unknown) => announce(describeError(error), 'error'));
  });

  byId('proposal-list').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-apply]');
    if (!button?.dataset.apply) return;
    api
      .post<{ version: number }>(accountPath(selected, `/limits/proposals/${button.dataset.apply}/apply`), {})
      .then(({ body }) => announce(`Limits of ${selected} applied as version ${body.version}`))
      .then(refresh)
      .catch((error: unknown) => announce(describeError(error), 'error'));
  });

  async function whatIf(account: string, proposal: Proposal, current: AccountDetails['limits']): Promise<unknown> {
    if (proposal.what_if !== undefined) return proposal.what_if;
    const known = whatIfs.get(proposal.proposal_id);
    if (known !== undefined) return known;
    const to = new Date();
    const from = new Date(to.getTime() - WHAT_IF_HOURS * 3_600_000);
    try {
      const { body } = await api.post(accountPath(account, '/limits/what-if'), {
        limits: { ...(current?.limits ?? {}), ...proposal.limits },
        from: from.toISOString(),
        to: to.toISOString(),
      });
      whatIfs.set(proposal.proposal_id, body);
      return body;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      return { error: describeError(error) };
    }
  }

  async function refresh(): Promise<void> {
    const { body: list } = await api.get<{ accounts: AccountSummary[] }>(ROUTES.adminAccounts);
    if (select.options.length !== list.accounts.length) {
      select.replaceChildren(
        ...list.accounts.map((a) => el('option', { value: a.account_id }, `${a.account_id} (${a.display_name})`)),
      );
      select.value = selected || list.accounts[0]?.account_id || '';
    }
    selected = select.value;
    const account = selected;
    if (!account) return;
    const [{ body: details }, exposure] = await Promise.all([
      api.get<AccountDetails>(accountPath(account)),
      api
        .get<ExposureView>(accountPath(account, '/exposure'))
        .then((answer) => answer.body)
        .catch(() => null),
    ]);
    // The person picked another account meanwhile: its own refresh renders it.
    if (account !== select.value) return;
    renderLimits(details);
    renderExposure(exposure);
    const proposals = await Promise.all(
      details.pending_proposals.map(async (p) => ({ proposal: p, whatIf: await whatIf(account, p, details.limits) })),
    );
    if (account !== select.value) return;
    replaceRows(
      byId('proposal-list'),
      proposals.length === 0
        ? [el('li', {}, 'No pending proposals.')]
        : proposals.map(({ proposal, whatIf: result }) => renderProposal(proposal, details, result)),
    );
    const textarea = byId<HTMLTextAreaElement>('proposal-limits');
    if (textarea.dataset.filledFor !== account && details.limits) {
      textarea.value = JSON.stringify(details.limits.limits, null, 2);
      textarea.dataset.filledFor = account;
    }
  }
  return refresh;
}

function renderLimits(details: AccountDetails): void {
  const caption = byId('limits-caption');
  if (!details.limits) {
    caption.textContent = `${details.account.account_id}: no limits in force (${details.account.readiness})`;
    replaceRows(byId('limits-rows'), []);
    return;
  }
  caption.textContent = `${details.account.account_id}: limits version ${details.limits.version}, applied by ${details.limits.created_by} at ${formatTime(details.limits.created_at)}`;
  replaceRows(
    byId('limits-rows'),
    Object.entries(details.limits.limits).map(([name, value]) =>
      el('tr', {}, el('th', { scope: 'row' }, name), el('td', { class: 'num' }, formatValue(value))),
    ),
  );
}

function renderExposure(view: ExposureView | null): void {
  const summary = byId('exposure-summary');
  if (!view) {
    summary.textContent = 'Exposure unavailable.';
    replaceRows(byId('exposure-rows'), []);
    return;
  }
  summary.textContent =
    `Net ${view.total.net ?? 'n/a'}, gross ${view.total.gross ?? 'n/a'}, VaR 95% ${view.total.var_95 ?? 'n/a'}; ` +
    `headroom: NAV ${view.headroom.nav ?? 'n/a'}, VaR ${view.headroom.var ?? 'n/a'}, open orders ${view.headroom.open_orders}` +
    (view.unvalued.length ? `; unvalued: ${view.unvalued.join(', ')}` : '');
  replaceRows(
    byId('exposure-rows'),
    view.symbols.map((s) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, s.symbol),
        el('td', { class: 'num' }, s.position),
        el('td', { class: 'num' }, s.mark ?? 'no mark'),
        el('td', { class: 'num' }, s.worst_value ?? ''),
        el('td', { class: 'num' }, s.headroom.concentration ?? ''),
        el('td', { class: 'num' }, s.headroom.position_notional ?? ''),
        el('td', { class: 'num' }, s.headroom.position_quantity ?? ''),
        el('td', { class: 'num' }, String(s.headroom.open_orders)),
      ),
    ),
  );
}

function renderProposal(proposal: Proposal, details: AccountDetails, whatIf: unknown): HTMLElement {
  const current = details.limits?.limits ?? {};
  const changes = Object.entries(proposal.limits).filter(
    ([name, value]) => JSON.stringify(current[name]) !== JSON.stringify(value),
  );
  return el(
    'li',
    { 'data-proposal': proposal.proposal_id },
    el(
      'p',
      {},
      `Proposed by ${proposal.proposed_by} at ${formatTime(proposal.proposed_at)}: ${proposal.reason}`,
      proposal.expires_at ? ` (expires ${formatTime(proposal.expires_at)})` : '',
    ),
    el(
      'ul',
      { class: 'changes' },
      ...(changes.length
        ? changes.map(([name, value]) =>
            el('li', {}, `${name}: ${formatValue(current[name] ?? '(default)')} → ${formatValue(value)}`),
          )
        : [el('li', {}, 'No change to the limits in force.')]),
    ),
    renderWhatIf(whatIf),
    el(
      'button',
      { type: 'button', 'data-apply': proposal.proposal_id, 'aria-label': `Apply proposal by ${proposal.proposed_by}` },
      'Apply (second approver)',
    ),
  );
}

/**
 * The what-if answer as the admin API gives it: counts of flips by direction and reason,
 * examples, and what could not be replayed. Rendered field by field so a richer answer
 * shows without a console change.
 */
function renderWhatIf(result: unknown): HTMLElement {
  const box = el('section', { class: 'what-if', 'aria-label': 'What-if replay' }, el('h4', {}, 'What-if'));
  if (result === null) {
    box.append(el('p', {}, 'What-if replay is not available on this admin API.'));
    return box;
  }
  box.append(el('pre', { class: 'what-if-body' }, JSON.stringify(result, null, 2)));
  return box;
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
