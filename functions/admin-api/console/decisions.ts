/// <reference lib="dom" />
import { REASON_CODES } from '../../../shared/domain/reasons.js';
import { ROUTES } from '../../../shared/names.js';
import type { DecisionFeedEntry } from '../desk-reads.js';
import type { AdminApiClient } from './api.js';
import { byId, el, formatTime, replaceRows } from './dom.js';

/** Rows kept on the page: the stream is for watching, the audit table for looking back. */
const KEEP = 100;
/**
 * Each poll asks again for this much before the newest row shown: a decision reaches the
 * audit table when the drainer copies it, so one decided a moment earlier can land later.
 */
const OVERLAP_MS = 10_000;
/** Rows asked for per poll. */
const PAGE = 50;

/**
 * The rows to show after a poll: the page merged into what is shown, newest first, at most
 * `keep`. A full page may stop short of what is shown (more decisions landed since the last
 * poll than one page holds): merging would hide that hole, so the view starts over from the
 * page instead.
 */
export function mergeDecisions(
  shown: readonly DecisionFeedEntry[],
  page: readonly DecisionFeedEntry[],
  pageSize: number,
  keep: number,
): DecisionFeedEntry[] {
  const base = page.length >= pageSize ? [] : shown;
  const known = new Set(base.map((d) => d.decision_id));
  const fresh = page.filter((d) => !known.has(d.decision_id));
  return [...fresh, ...base].sort((a, b) => b.decided_at.localeCompare(a.decided_at)).slice(0, keep);
}

/** The live decisions stream: newest first, filtered by account, symbol, outcome and reason code. */
export function startDecisionsView(api: AdminApiClient): () => Promise<void> {
  const body = byId('decision-rows');
  const form = byId<HTMLFormElement>('decision-filters');
  byId('reason-codes').replaceChildren(...REASON_CODES.map((code) => el('option', { value: code })));
  let shown: DecisionFeedEntry[] = [];
  let filterKey = '';

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void refresh();
  });

  const filters = () => ({
    account_id: byId<HTMLInputElement>('filter-account').value.trim() || undefined,
    symbol: byId<HTMLInputElement>('filter-symbol').value.trim() || undefined,
    decision: byId<HTMLSelectElement>('filter-decision').value || undefined,
    reason: byId<HTMLInputElement>('filter-reason').value.trim() || undefined,
  });

  async function refresh(): Promise<void> {
    const current = filters();
    const key = JSON.stringify(current);
    if (key !== filterKey) {
      // New filters: start the stream over.
      filterKey = key;
      shown = [];
    }
    const newest = shown[0]?.decided_at;
    const { body: answer } = await api.get<{ decisions: DecisionFeedEntry[] }>(ROUTES.adminDecisions, {
      ...current,
      after: newest ? new Date(Date.parse(newest) - OVERLAP_MS).toISOString() : undefined,
      limit: String(PAGE),
    });
    if (key !== filterKey) return;
    const next = mergeDecisions(shown, answer.decisions, PAGE, KEEP);
    if (shown.length > 0 && next.length === shown.length && next.every((d, i) => d === shown[i])) return;
    shown = next;
    replaceRows(
      body,
      shown.map((d) =>
        el(
          'tr',
          { class: d.decision, 'data-decision': d.decision },
          el('td', {}, formatTime(d.decided_at)),
          el('td', {}, d.account_id),
          el('td', {}, d.symbol),
          el('td', {}, d.order_id),
          el('td', {}, d.decision.toUpperCase()),
          el('td', {}, d.reason_codes.join(', ')),
          el('td', { class: 'num' }, d.latency_ms === null ? '' : d.latency_ms.toFixed(2)),
        ),
      ),
    );
    byId('decision-count').textContent = `${shown.length} most recent decisions shown`;
  }
  return refresh;
}
