// Batches: the list (paged, kept in the address), and one batch with its payouts paged, an export
// of all of them, and "Cancel batch" for the payouts that can still be canceled.
import { get, post } from '../api.js';
import { dateTime, money } from '../format.js';
import { exportButton, exportPath, type ListPage, mountList, pager, UrlList } from '../list.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, html, nothing, notify, STATUS_LABELS, statusBadge } from '../ui.js';
import { CANCELABLE, type Payment } from './payouts.js';

interface Batch {
  id: string;
  kind: string;
  createdAt: string;
  payoutCount: number;
  totalAmount: number;
  byStatus: Record<string, { count: number; amount: number }>;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function batchesPage(el: HTMLElement, ctx: PageContext) {
  const list = new UrlList();
  mountList(
    el,
    list,
    () => get<ListPage<Batch>>(`/batches?${list.query({})}`),
    (page) => html`
    <div class="page-head"><h1>Batches</h1>${ctx.can('payouts:write') ? html`<a class="button primary" href="#/payouts/new">New batch</a>` : nothing}</div>
    ${
      page.data.length === 0
        ? empty('No batches yet.')
        : html`<div class="table-scroll"><table class="table list-table" data-testid="batches-table"><thead><tr><th>Created</th><th class="wide-only">Kind</th><th class="num">Payouts</th><th class="num">Total</th><th>By status</th></tr></thead><tbody>
          ${page.data.map(
            (b) => html`<tr>
            <td><a href="#/batches/${b.id}">${dateTime(b.createdAt)}</a></td><td class="wide-only">${b.kind}</td><td class="num">${b.payoutCount}</td><td class="num">${money(b.totalAmount)}</td>
            <td class="badges">${Object.entries(b.byStatus).map(([s, t]) => html`<span class="nowrap">${statusBadge(s)} ${t.count}</span> `)}</td>
          </tr>`,
          )}
        </tbody></table></div>`
    }
    ${pager(list, page, 'batches')}
  `,
  );
}

/** The part of a batch that "Cancel batch" would cancel, from its counts per status. */
function cancelableOf(batch: Batch) {
  const parts = Object.entries(batch.byStatus).filter(([status, t]) => CANCELABLE.has(status) && t.count > 0);
  return {
    count: parts.reduce((n, [, t]) => n + t.count, 0),
    amount: parts.reduce((n, [, t]) => n + t.amount, 0),
    words: parts.map(([status, t]) => `${t.count} ${STATUS_LABELS[status]?.toLowerCase() ?? status}`).join(', '),
  };
}

export function batchDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  const list = new UrlList();
  let cancelError: unknown = null;
  let canceling = false;
  const load = async () => {
    const [batch, payouts] = await Promise.all([
      get<{ data: Batch }>(`/batches/${encodeURIComponent(id)}`),
      get<ListPage<Payment>>(`/payments?${list.query({ batchId: id })}`),
    ]);
    return { batch: batch.data, payouts };
  };
  mountList(el, list, load, ({ batch, payouts }, { reload, rerender }) => {
    const cancelable = cancelableOf(batch);
    const cancelBatch = async () => {
      if (canceling) return;
      const others = batch.payoutCount - cancelable.count;
      const question =
        `Cancel the ${plural(cancelable.count, 'payout')} of this batch that can still be canceled (${cancelable.words}), ${money(cancelable.amount)} in all?` +
        (others > 0 ? ` The other ${plural(others, 'payout')} (already processing or finished) stay as they are.` : '');
      if (!confirm(question)) return;
      canceling = true;
      rerender();
      try {
        const { data } = await post<{ data: { canceled: number; notCancelable: number } }>(`/batches/${encodeURIComponent(id)}/cancel`);
        cancelError = null;
        notify(
          `Canceled ${plural(data.canceled, 'payout')} of this batch.${data.notCancelable > 0 ? ` ${plural(data.notCancelable, 'payout')} could not be canceled.` : ''}`,
        );
      } catch (error) {
        cancelError = error;
      } finally {
        canceling = false;
      }
      await reload();
    };
    return html`
      <p class="muted"><a href="#/batches">Batches</a></p>
      <div class="page-head">
        <h1>Batch of ${plural(batch.payoutCount, 'payout')}, ${money(batch.totalAmount)}</h1>
        <div class="head-actions">
          ${exportButton(() => exportPath('/payments', { batchId: id }), `batch-${id.slice(0, 8)}-payouts`)}
          ${
            ctx.can('payouts:write') && cancelable.count > 0
              ? html`<button type="button" class="danger" ?disabled=${canceling} @click=${cancelBatch} data-testid="cancel-batch">Cancel batch</button>`
              : nothing
          }
          <button type="button" @click=${() => reload()}>Refresh</button>
        </div>
      </div>
      ${errorBox(cancelError)}
      <dl class="facts"><dt>Batch id</dt><dd><code>${batch.id}</code></dd><dt>Created</dt><dd>${dateTime(batch.createdAt)}</dd>
        <dt>Ledger</dt><dd><a href="#/transactions?batchId=${batch.id}">This batch's transactions</a></dd></dl>
      <div class="stat-row">${Object.entries(batch.byStatus).map(([s, t]) => html`<div class="stat">${statusBadge(s)}<strong>${t.count}</strong><span>${money(t.amount)}</span></div>`)}</div>
      ${
        payouts.data.length === 0
          ? empty('No payouts on this page.')
          : html`<div class="table-scroll"><table class="table list-table" data-testid="batch-payouts"><thead><tr><th>Recipient</th><th class="num">Amount</th><th>Status</th><th class="wide-only">Reference</th></tr></thead><tbody>
        ${payouts.data.map(
          (p) =>
            html`<tr data-payout-id=${p.id}><td><a href="#/payouts/${p.id}">${p.recipient.email}</a><div class="muted phone-only">${p.referenceId ?? ''}</div></td><td class="num">${money(p.amount)}</td><td>${statusBadge(p.status)}</td><td class="wide-only">${p.referenceId ?? '—'}</td></tr>`,
        )}
      </tbody></table></div>`
      }
      ${pager(list, payouts, 'payouts')}
    `;
  });
}
