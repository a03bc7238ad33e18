import { get } from '../api.js';
import { dateTime, money } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, formValues, html, nothing, page, STATUS_LABELS, statusBadge } from '../ui.js';

export interface Payment {
  id: string;
  amount: number;
  description: string | null;
  referenceId: string | null;
  createdAt: string;
  status: string;
  batchId: string;
  recipient: { id: string; email: string; firstName: string | null; lastName: string | null; autoAcceptPayouts: boolean };
  statusUpdates: { id: string; status: string; reason: string | null; date: string }[];
  payoutLink: string;
}

interface Filters {
  status?: string;
  search?: string;
  from?: string;
  to?: string;
}

/** Builds the list query; an email search is resolved to its recipient first. */
async function query(filters: Filters, cursor: string | null): Promise<string | null> {
  const params = new URLSearchParams({ limit: '25' });
  if (filters.status) params.set('status', filters.status);
  if (filters.from) params.set('createdFrom', new Date(`${filters.from}T00:00:00`).toISOString());
  if (filters.to) params.set('createdTo', new Date(`${filters.to}T23:59:59.999`).toISOString());
  if (cursor) params.set('cursor', cursor);
  const search = filters.search?.trim();
  if (search) {
    if (search.includes('@')) {
      const { data } = await get(`/recipients?email=${encodeURIComponent(search)}`);
      if (data.length === 0) return null;
      params.set('recipientId', data[0].id);
    } else params.set('referenceId', search);
  }
  return `/payments?${params}`;
}

export function payoutsPage(el: HTMLElement, ctx: PageContext) {
  let filters: Filters = {};
  const cursors: (string | null)[] = [null];
  const load = async () => {
    const path = await query(filters, cursors.at(-1)!);
    return path ? get<{ data: Payment[]; hasMore: boolean; nextCursor: string | null }>(path) : { data: [], hasMore: false, nextCursor: null };
  };
  const refresh = page(el, load, (list, reload) => {
    const applyFilters = (event: Event) => {
      event.preventDefault();
      filters = formValues(event.target as HTMLFormElement);
      cursors.splice(1);
      void reload();
    };
    return html`
      <div class="page-head">
        <h1>Payouts</h1>
        ${ctx.can('payouts:write') ? html`<a class="button primary" href="#/payouts/new">New batch</a>` : nothing}
      </div>
      <form class="filters" @submit=${applyFilters}>
        <label>Status
          <select name="status">
            <option value="">Any</option>
            ${Object.entries(STATUS_LABELS).map(([value, label]) => html`<option value=${value} ?selected=${filters.status === value}>${label}</option>`)}
          </select>
        </label>
        <label>Search <input name="search" placeholder="Recipient email or reference" .value=${filters.search ?? ''} /></label>
        <label>From <input name="from" type="date" .value=${filters.from ?? ''} /></label>
        <label>To <input name="to" type="date" .value=${filters.to ?? ''} /></label>
        <button type="submit">Apply</button>
      </form>
      ${
        list.data.length === 0
          ? empty('No payouts match. Create a batch to pay someone.')
          : html`<table class="table" data-testid="payouts-table">
            <thead><tr><th>Recipient</th><th class="num">Amount</th><th>Status</th><th>Reference</th><th>Created</th></tr></thead>
            <tbody>
              ${list.data.map(
                (p) => html`<tr>
                  <td><a href="#/payouts/${p.id}">${p.recipient.email}</a></td>
                  <td class="num">${money(p.amount)}</td>
                  <td>${statusBadge(p.status)}</td>
                  <td>${p.referenceId ?? '—'}</td>
                  <td>${dateTime(p.createdAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
      }
      <div class="pager">
        <button ?disabled=${cursors.length === 1} @click=${() => {
          cursors.pop();
          void reload();
        }}>Previous</button>
        <button ?disabled=${!list.hasMore} @click=${() => {
          cursors.push(list.nextCursor);
          void reload();
        }}>Next</button>
        <button class="link" @click=${() => reload()}>Refresh</button>
      </div>
    `;
  });
  void refresh;
}
