/// <reference lib="dom" />
import { ROUTES } from '../../../shared/names.js';
import type { MarketOverview } from '../desk-reads.js';
import type { AdminApiClient } from './api.js';
import { describeError } from './api.js';
import { announce, byId, el, formatAge, formatTime, replaceRows } from './dom.js';

/** Beyond this a mark is stale for the risk API (its stale-data rule), so the console says so too. */
const STALE_MS = 1_000;

/** Per symbol: mark, spread, data age, breaker state and cause, refreshed every second. */
export function startMarketView(api: AdminApiClient): () => Promise<void> {
  const body = byId('market-rows');
  const feed = byId('feed-status');
  byId('market-rows').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-reset]');
    if (!button?.dataset.reset) return;
    const reason = byId<HTMLInputElement>('breaker-reason').value.trim();
    api
      .post(ROUTES.adminBreakerReset, { symbol: button.dataset.reset, reason })
      .then(() => announce(`Breaker of ${button.dataset.reset} reset`))
      .catch((error: unknown) => announce(describeError(error), 'error'));
  });
  return async () => {
    const { body: market } = await api.get<MarketOverview>(ROUTES.adminMarket);
    feed.textContent = market.feed
      ? `Market feed: ${market.feed.status}${market.feed.reason ? ` (${market.feed.reason})` : ''} since ${formatTime(market.feed.since)}`
      : 'Market feed: unknown (the ingester has written no status)';
    feed.dataset.status = market.feed?.status ?? 'unknown';
    replaceRows(
      body,
      market.symbols.map((s) => {
        const stale = !s.mark || s.mark.age_ms > STALE_MS || !s.mark.live;
        const tripped = s.breaker.state === 'tripped';
        return el(
          'tr',
          { 'data-symbol': s.symbol, class: [stale ? 'stale' : '', tripped ? 'tripped' : ''].join(' ').trim() },
          el('th', { scope: 'row' }, s.symbol),
          el('td', { class: 'num', 'data-field': 'mid' }, s.mark?.mid ?? 'no mark'),
          el('td', { class: 'num' }, s.mark ? `${s.mark.bid} / ${s.mark.ask}` : ''),
          el('td', { class: 'num', 'data-field': 'spread' }, s.mark?.spread_bps ?? ''),
          el('td', { class: 'num', 'data-field': 'age' }, s.mark ? formatAge(s.mark.age_ms) : ''),
          el('td', { 'data-field': 'feed' }, !s.mark ? 'none' : stale ? (s.mark.live ? 'stale' : 'resyncing') : 'live'),
          el('td', { 'data-field': 'breaker' }, tripped ? 'TRIPPED' : 'clear'),
          el(
            'td',
            { 'data-field': 'cause' },
            tripped ? `${s.breaker.causes.join(', ')}${s.breaker.reason ? `: ${s.breaker.reason}` : ''}` : '',
          ),
          el('td', {}, tripped ? formatTime(s.breaker.since) : ''),
          el(
            'td',
            {},
            tripped
              ? el(
                  'button',
                  { type: 'button', 'data-reset': s.symbol, 'aria-label': `Reset breaker of ${s.symbol}` },
                  'Reset',
                )
              : '',
          ),
        );
      }),
    );
  };
}

const refreshErrors = new Map<string, string>();

/** Shows which views failed their last refresh (and clears a view's line once it succeeds again). */
export function reportRefresh(where: string, error?: unknown): void {
  if (error === undefined) refreshErrors.delete(where);
  else refreshErrors.set(where, `${where}: ${describeError(error)}`);
  byId('refresh-errors').textContent = [...refreshErrors.values()].join(' · ');
}
