import { get } from '../api.js';
import { dateTime, money } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, html, page, statusBadge } from '../ui.js';

export function batchesPage(el: HTMLElement, _ctx: PageContext) {
  page(
    el,
    () => get('/batches?limit=100'),
    (list) => html`
    <div class="page-head"><h1>Batches</h1><a class="button primary" href="#/payouts/new">New batch</a></div>
    ${
      list.data.length === 0
        ? empty('No batches yet.')
        : html`<table class="table"><thead><tr><th>Created</th><th>Kind</th><th class="num">Payouts</th><th class="num">Total</th><th>By status</th></tr></thead><tbody>
          ${list.data.map(
            (b: any) => html`<tr>
            <td><a href="#/batches/${b.id}">${dateTime(b.createdAt)}</a></td><td>${b.kind}</td><td class="num">${b.payoutCount}</td><td class="num">${money(b.totalAmount)}</td>
            <td>${Object.entries(b.byStatus).map(([s, t]: [string, any]) => html`${statusBadge(s)} ${t.count} `)}</td>
          </tr>`,
          )}
        </tbody></table>`
    }
  `,
  );
}

export function batchDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  page(
    el,
    async () => ({ batch: (await get(`/batches/${id}`)).data, payouts: (await get(`/payments?batchId=${id}&limit=100`)).data }),
    ({ batch, payouts }, reload) => html`
      <div class="page-head"><h1>Batch of ${batch.payoutCount} payout${batch.payoutCount === 1 ? '' : 's'}, ${money(batch.totalAmount)}</h1><button @click=${() => reload()}>Refresh</button></div>
      <dl class="facts"><dt>Batch id</dt><dd><code>${batch.id}</code></dd><dt>Created</dt><dd>${dateTime(batch.createdAt)}</dd></dl>
      <div class="stat-row">${Object.entries(batch.byStatus).map(([s, t]: [string, any]) => html`<div class="stat">${statusBadge(s)}<strong>${t.count}</strong><span>${money(t.amount)}</span></div>`)}</div>
      <table class="table" data-testid="batch-payouts"><thead><tr><th>Recipient</th><th class="num">Amount</th><th>Status</th><th>Reference</th></tr></thead><tbody>
        ${payouts.map((p: any) => html`<tr><td><a href="#/payouts/${p.id}">${p.recipient.email}</a></td><td class="num">${money(p.amount)}</td><td>${statusBadge(p.status)}</td><td>${p.referenceId ?? '—'}</td></tr>`)}
      </tbody></table>
    `,
  );
}
