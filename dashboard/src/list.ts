// A list's place kept in the address: its filters, search and page live in the hash query
// (`#/payouts?status=failed&search=ann&cursor=…&back=…`), so a reload, a shared link and the
// browser's Back button all return to the same rows. Pages are cursor pages (newest first); the
// cursors of the pages before this one travel along in `back`, so Previous needs nothing from the
// server. Each change pushes a history entry and reloads the list in place; Back changes the hash,
// and the router mounts the page again from the address.
import { currentEnvironment, downloadCsv } from './api.js';
import { errorBox, html, messageOf, nothing, render, type TemplateResult } from './ui.js';

export const PAGE_SIZE = 25;

/** A list answer of the API; `total` only when asked with `includeTotal=true`. */
export interface ListPage<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
  total?: number;
}

export interface ListState {
  /** Filters and search as the page names them; empty values are left out. */
  filters: Record<string, string>;
  /** The page's cursor; null for the first page. */
  cursor: string | null;
  /** The cursors of the pages before this one, oldest first (the first page has none). */
  back: string[];
}

const PAGING_KEYS = new Set(['cursor', 'back']);
// Cursors are opaque but short and URL-safe; anything else in the address is not one of ours.
const CURSOR = /^[\w-]{1,200}$/;

/** The route part of the hash ("/payouts") and its query. */
export function splitHash(hash = location.hash): { path: string; query: URLSearchParams } {
  const [path = '/', query = ''] = hash.replace(/^#/, '').split(/\?(.*)/s);
  return { path: path || '/', query: new URLSearchParams(query) };
}

export function readListState(hash = location.hash): ListState {
  const { query } = splitHash(hash);
  const filters: Record<string, string> = {};
  for (const [key, value] of query) if (!PAGING_KEYS.has(key) && value.trim() !== '') filters[key] = value;
  const cursor = query.get('cursor');
  const back = (query.get('back') ?? '').split(',').filter((c) => CURSOR.test(c));
  return cursor && CURSOR.test(cursor) ? { filters, cursor, back } : { filters, cursor: null, back: [] };
}

/** "#/payouts?status=failed&cursor=…": filters first, in a stable order, then the page. */
export function listHash(path: string, state: ListState): string {
  const query = new URLSearchParams();
  for (const key of Object.keys(state.filters).sort()) {
    const value = state.filters[key];
    if (value !== undefined && value.trim() !== '') query.set(key, value);
  }
  if (state.cursor) {
    query.set('cursor', state.cursor);
    if (state.back.length > 0) query.set('back', state.back.join(','));
  }
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

/** The list of the page now showing: its state from the address, and the moves that change it. */
export class UrlList {
  readonly path = splitHash().path;
  state = readListState();
  /** What to do after a move: the page reloads its rows (set by `mountList`). */
  onChange: () => void = () => {};

  get filters(): Readonly<Record<string, string>> {
    return this.state.filters;
  }

  /** New filters (or search): back to the first page. */
  filter(filters: Record<string, string | undefined>) {
    const kept = Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].trim() !== ''));
    this.go({ filters: kept, cursor: null, back: [] });
  }

  next(cursor: string) {
    const { filters, cursor: current, back } = this.state;
    this.go({ filters, cursor, back: current ? [...back, current] : [] });
  }

  previous() {
    const { filters, back } = this.state;
    this.go({ filters, cursor: back.at(-1) ?? null, back: back.slice(0, -1) });
  }

  /** How many rows come before this page (every earlier page was a full one). */
  get offset(): number {
    return (this.state.cursor ? this.state.back.length + 1 : 0) * PAGE_SIZE;
  }

  /** The API query for this page: the page's own API filters, the page size, the cursor, and the total if wanted. */
  query(apiFilters: Record<string, string | undefined>, { total = true } = {}): URLSearchParams {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const [key, value] of Object.entries(apiFilters)) if (value) params.set(key, value);
    if (this.state.cursor) params.set('cursor', this.state.cursor);
    if (total) params.set('includeTotal', 'true');
    return params;
  }

  private go(state: ListState) {
    this.state = state;
    const hash = listHash(this.path, state);
    // pushState, not location.hash: the router would mount the whole page again; Back still
    // fires hashchange, which mounts it from the address.
    if (location.hash !== hash) history.pushState(null, '', hash);
    this.onChange();
  }
}

const count = new Intl.NumberFormat('en-US');

/** "Showing 26–50 of 1,234" with Previous and Next. */
export function pager(list: UrlList, page: ListPage<unknown>, noun = 'rows'): TemplateResult {
  const first = list.offset + 1;
  const last = list.offset + page.data.length;
  const summary =
    page.data.length === 0
      ? page.total === undefined
        ? `No ${noun} on this page`
        : `No ${noun} here (${count.format(page.total)} in all)`
      : `Showing ${count.format(first)}–${count.format(last)}${page.total === undefined ? '' : ` of ${count.format(page.total)}`}`;
  return html`<nav class="pager" aria-label="Pagination" data-testid="pager">
    <span class="pager-summary" data-testid="pager-summary" aria-live="polite">${summary}</span>
    <button type="button" ?disabled=${!list.state.cursor} @click=${() => list.previous()}>Previous</button>
    <button type="button" ?disabled=${!page.hasMore || !page.nextCursor} @click=${() => page.nextCursor && list.next(page.nextCursor)}>Next</button>
  </nav>`;
}

/** Today in the form the export file names use ("2026-12-01"), local time. */
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/**
 * "Export CSV": the list endpoint with the page's filters (no limit, no cursor: every matching
 * row), saved as `<what>-<environment>-<date>.csv`. A failure shows beside the button.
 */
export function exportButton(apiPath: () => string, what: string): TemplateResult {
  const run = async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    const problem = button.parentElement?.querySelector<HTMLElement>('.export-problem');
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    if (problem) render(nothing, problem);
    try {
      await downloadCsv(apiPath(), `${what}-${currentEnvironment()}-${today()}.csv`);
    } catch (error) {
      if (problem) render(errorBox(new Error(`The export failed: ${messageOf(error)}`)), problem);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  };
  return html`<span class="export"><button type="button" @click=${run} data-testid="export-csv">Export CSV</button><span class="export-problem"></span></span>`;
}

/** The API path for an export: the list's filters without paging. */
export function exportPath(path: string, apiFilters: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(apiFilters)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export interface Mounted {
  /** Fetch again and render. */
  reload: () => Promise<void>;
  /** Render the last answer again (after a change of local state such as a selection). */
  rerender: () => void;
}

/**
 * Like ui.ts `page`, for a list: loads, renders, reloads when the list moves, and can render again
 * without fetching. An answer that arrives after a newer move is dropped, so quick clicks on Next
 * never show an older page last.
 */
export function mountList<T>(el: HTMLElement, list: UrlList | null, load: () => Promise<T>, view: (data: T, mounted: Mounted) => TemplateResult): Mounted {
  let last: { data: T } | null = null;
  let generation = 0;
  const mounted: Mounted = {
    reload: async () => {
      const mine = ++generation;
      try {
        const data = await load();
        if (mine !== generation) return;
        last = { data };
        render(view(data, mounted), el);
      } catch (error) {
        if (mine !== generation) return;
        last = null;
        render(
          html`${errorBox(error)}${list?.state.cursor ? html`<p><a href=${listHash(list.path, { ...list.state, cursor: null, back: [] })}>Back to the first page</a></p>` : nothing}`,
          el,
        );
      }
    },
    rerender: () => {
      if (last) render(view(last.data, mounted), el);
    },
  };
  if (list) list.onChange = () => void mounted.reload();
  render(html`<p class="muted">Loading…</p>`, el);
  void mounted.reload();
  return mounted;
}
