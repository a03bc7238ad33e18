import { get, post } from '../api.js';
import { dateTime, money } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, nothing, page, STATUS_LABELS, statusBadge } from '../ui.js';

interface Payment {
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

export function payoutDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  let actionError: unknown = null;
  page(
    el,
    async () => {
      const [payment, ledger, deliveries] = await Promise.all([
        get<{ data: Payment }>(`/payments/${id}`),
        get(`/balance/transactions?payoutId=${id}&limit=100`),
        get(`/events/deliveries?payoutId=${id}`),
      ]);
      return { payment: payment.data, ledger: ledger.data as any[], deliveries: deliveries.data as any[] };
    },
    ({ payment, ledger, deliveries }, reload) => {
      const cancel = async () => {
        if (!confirm('Cancel this payout? The money returns to your available balance.')) return;
        try {
          await post(`/payments/${id}/cancel`);
          actionError = null;
        } catch (error) {
          actionError = error;
        }
        await reload();
      };
      const cancelable = ['created', 'pending', 'awaiting_acceptance'].includes(payment.status);
      return html`
        <div class="page-head">
          <h1>${money(payment.amount)} to ${payment.recipient.email}</h1>
          ${statusBadge(payment.status)}
          <span class="spacer"></span>
          ${ctx.can('payouts:write') && cancelable ? html`<button class="danger" @click=${cancel}>Cancel payout</button>` : nothing}
        </div>
        ${errorBox(actionError)}
        <dl class="facts">
          <dt>Payout id</dt><dd><code>${payment.id}</code></dd>
          <dt>Batch</dt><dd><a href="#/batches/${payment.batchId}">${payment.batchId}</a></dd>
          <dt>Description</dt><dd>${payment.description ?? '—'}</dd>
          <dt>Reference</dt><dd>${payment.referenceId ?? '—'}</dd>
          <dt>Recipient</dt><dd><a href="#/recipients/${payment.recipient.id}">${[payment.recipient.firstName, payment.recipient.lastName].filter(Boolean).join(' ') || payment.recipient.email}</a></dd>
          <dt>Payout link</dt><dd><code>${payment.payoutLink}</code></dd>
        </dl>
        <h2>Timeline</h2>
        <ol class="timeline" data-testid="timeline">
          ${payment.statusUpdates.map((u) => html`<li>${statusBadge(u.status)} <span class="muted">${dateTime(u.date)}</span> ${u.reason ? html`<div class="reason">${u.reason}</div>` : nothing}</li>`)}
        </ol>
        <h2>Ledger entries</h2>
        ${
          ledger.length === 0
            ? empty('No money has moved for this payout itself yet (the batch holds its amount).')
            : html`<table class="table"><thead><tr><th>When</th><th>Account</th><th>Kind</th><th class="num">Amount</th></tr></thead><tbody>
              ${ledger.map((e) => html`<tr><td>${dateTime(e.createdAt)}</td><td>${e.account.replace('_', ' ')}</td><td>${e.kind.replace(/_/g, ' ')}</td><td class="num">${money(e.amount)}</td></tr>`)}
            </tbody></table>`
        }
        <h2>Webhook deliveries</h2>
        ${
          deliveries.length === 0
            ? empty('No webhook deliveries for this payout (no subscription, or no status change yet).')
            : html`<table class="table" data-testid="payout-deliveries"><thead><tr><th>When</th><th>Endpoint</th><th>Delivery</th><th>Attempts</th></tr></thead><tbody>
              ${deliveries.map((d) => html`<tr><td>${dateTime(d.createdAt)}</td><td><a href="#/webhooks/${d.subscriptionId}">${d.callbackUrl}</a></td><td>${d.status}${d.lastStatusCode ? ` (HTTP ${d.lastStatusCode})` : ''}</td><td>${d.attemptCount}</td></tr>`)}
            </tbody></table>`
        }
      `;
    },
  );
}
