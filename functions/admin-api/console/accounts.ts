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

/** A proposal as the change routes list it (issue #17's two-approver changes). */
interface ProposalView {
  readonly proposal_id: string;
  readonly proposed: Record<string, unknown>;
  readonly reason: string;
  readonly proposed_by: string;
  readonly proposed_at: string;
  readonly expires_at: string;
  readonly status: 'pending' | 'applied' | 'expired';
  readonly what_if: unknown;
}

interface FlipGroup {
  readonly count: number;
  readonly by_reason: Record<string, number>;
  readonly examples: readonly {
    readonly order_id: string;
    readonly symbol: string;
    readonly decided_at: string;
    readonly recorded: { readonly decision: string; readonly reasons: readonly string[] };
    readonly proposed: { readonly decision: string; readonly reasons: readonly { readonly code: string }[] };
  }[];
}

/** The what-if report (shared/domain/limits/what-if.ts), as far as the console shows it. */
interface WhatIfReport {
  readonly from: string;
  readonly to: string;
  readonly totals: { decisions: number; replayed: number; unchanged: number; flipped: number; not_replayable: number };
  readonly flips: { readonly accept_to_reject: FlipGroup; readonly reject_to_accept: FlipGroup };
  readonly not_replayable: { readonly count: number; readonly by_cause: Record<string, number> };
  readonly truncated?: boolean;
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

  /**
   * Pending proposals with the what-if attached when proposed (the change routes); where an
   * admin API predates them (405/404 on the list), the account's own pending list.
   */
  async function pendingProposals(account: string, details: AccountDetails): Promise<Proposal[]> {
    try {
      const { body } = await api.get<{ proposals: ProposalView[] }>(accountPath(account, '/limits/proposals'), {
        limit: '20',
      });
      return body.proposals
        .filter((p) => p.status === 'pending')
        .map((p) => ({
          proposal_id: p.proposal_id,
          limits: p.proposed,
          proposed_by: p.proposed_by,
          reason: p.reason,
          proposed_at: p.proposed_at,
          expires_at: p.expires_at,
          what_if: p.what_if,
        }));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return details.pending_proposals;
      throw error;
    }
  }

  /** The proposal's attached what-if, or one replayed now over the last day (kept for the page's life). */
  async function whatIf(account: string, proposal: Proposal): Promise<unknown> {
    if (proposal.what_if !== undefined && proposal.what_if !== null) return proposal.what_if;
    const known = whatIfs.get(proposal.proposal_id);
    if (known !== undefined) return known;
    const to = new Date();
    const from = new Date(to.getTime() - WHAT_IF_HOURS * 3_600_000);
    try {
      const { body } = await api.post(
        accountPath(account, '/limits/what-if'),
        { limits: proposal.limits, from: from.toISOString(), to: to.toISOString() },
        { actor: false },
      );
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
    const pending = await pendingProposals(account, details);
    const proposals = await Promise.all(pending.map(async (p) => ({ proposal: p, whatIf: await whatIf(account, p) })));
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
 * The what-if: the account's recorded decisions replayed under the proposal, as counts of
 * flips by direction and reason code, a few examples, and what could not be replayed.
 */
function renderWhatIf(result: unknown): HTMLElement {
  const box = el('section', { class: 'what-if', 'aria-label': 'What-if replay' }, el('h4', {}, 'What-if'));
  if (result === null) {
    box.append(el('p', {}, 'What-if replay is not available on this admin API.'));
    return box;
  }
  if (!isReport(result)) {
    box.append(el('pre', { class: 'what-if-body' }, JSON.stringify(result, null, 2)));
    return box;
  }
  const { totals } = result;
  box.append(
    el(
      'p',
      { class: 'what-if-totals' },
      `Replayed ${totals.replayed} of ${totals.decisions} recorded decisions (${formatTime(result.from)} to ${formatTime(result.to)}): ` +
        `${totals.flipped} would flip, ${totals.unchanged} unchanged, ${totals.not_replayable} not replayable` +
        (result.truncated ? ' (the newest only: the range held more)' : '') +
        '.',
    ),
    flipList('Accept → reject', result.flips.accept_to_reject),
    flipList('Reject → accept', result.flips.reject_to_accept),
  );
  if (result.not_replayable.count > 0) {
    const causes = Object.entries(result.not_replayable.by_cause).map(([cause, n]) => `${cause} ${n}`);
    box.append(el('p', {}, `Not replayable: ${causes.join(', ')}`));
  }
  return box;
}

function flipList(title: string, group: FlipGroup): HTMLElement {
  const reasons = Object.entries(group.by_reason).map(([code, n]) => `${code} ×${n}`);
  return el(
    'div',
    { class: 'flips' },
    el('p', {}, `${title}: ${group.count}${reasons.length ? ` (${reasons.join(', ')})` : ''}`),
    group.examples.length
      ? el(
          'ul',
          {},
          ...group.examples
            .slice(0, 3)
            .map((x) =>
              el(
                'li',
                {},
                `${formatTime(x.decided_at)} ${x.symbol} ${x.order_id}: ${x.recorded.decision} → ${x.proposed.decision}` +
                  (x.proposed.reasons.length ? ` (${x.proposed.reasons.map((r) => r.code).join(', ')})` : ''),
              ),
            ),
        )
      : null,
  );
}

function isReport(value: unknown): value is WhatIfReport {
  const report = value as Partial<WhatIfReport> | null;
  return typeof report?.totals?.replayed === 'number' && typeof report.flips?.accept_to_reject?.count === 'number';
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
