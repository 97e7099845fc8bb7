/// <reference lib="dom" />

type Child = Node | string | null | undefined | false;

/** Builds an element: attributes as given (`class`, `aria-*`, `data-*`...), children appended in order. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** The element with this id; a missing one is a bug in index.html, so it throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing from the page`);
  return node as T;
}

/** Replaces a container's rows in one step (no flicker, focus outside it kept). */
export function replaceRows(body: HTMLElement, rows: readonly Node[]): void {
  body.replaceChildren(...rows);
}

/** A duration for people: 850 ms, 3.2 s, 4 min. */
export function formatAge(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function formatTime(iso: string | number | null): string {
  if (iso === null) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace('T', ' ').slice(0, 19);
}

/** Tells screen readers and sighted users alike what an action did (the page's one live region). */
export function announce(message: string, kind: 'ok' | 'error' = 'ok'): void {
  const status = byId('status');
  status.textContent = message;
  status.dataset.kind = kind;
}
