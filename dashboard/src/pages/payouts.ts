// The payouts list: filters (status, dates), search, paging and selection kept in the address
// (list.ts), Export CSV of every matching payout, and "Cancel selected" for the ones still cancelable.
import { get, post } from '../api.js';
import { dateTime, money } from '../format.js';
import { exportButton, exportPath, type ListPage, mountList, pager, UrlList } from '../list.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, nothing, notify, STATUS_LABELS, statusBadge } from '../ui.js';

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

/** The statuses a payout can still be canceled from (the server decides; this only offers the box). */
export const CANCELABLE = new Set(['created', 'pending', 'awaiting_acceptance']);

interface CancelResult {
  canceled: string[];
  notCanceled: { id: string; status: string; message: string }[];
}

/** The page's filters (as in the address) in the API's words; dates are whole local days. */
function apiFilters(filters: Readonly<Record<string, string>>): Record<string, string | undefined> {
  return {
    status: filters.status,
    search: filters.search?.trim(),
    createdFrom: filters.from ? new Date(`${filters.from}T00:00:00`).toISOString() : undefined,
    createdTo: filters.to ? new Date(`${filters.to}T23:59:59.999`).toISOString() : undefined,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function payoutsPage(el: HTMLElement, ctx: PageContext) {
  const list = new UrlList();
  const canCancel = ctx.can('payouts:write');
  const selected = new Set<string>();
  let refused: CancelResult['notCanceled'] = [];
  let cancelError: unknown = null;
  let canceling = false;
  const load = () => get<ListPage<Payment>>(`/payments?${list.query(apiFilters(list.filters))}`);
  mountList(el, list, load, (page, { reload, rerender }) => {
    // A selection belongs to the rows on screen: rows no longer listed drop out of it.
    for (const id of selected) if (!page.data.some((p) => p.id === id && CANCELABLE.has(p.status))) selected.delete(id);
    const cancelable = page.data.filter((p) => CANCELABLE.has(p.status));
    const toggle = (id: string, on: boolean) => {
      if (on) selected.add(id);
      else selected.delete(id);
      rerender();
    };
    const toggleAll = (on: boolean) => {
      for (const p of cancelable) on ? selected.add(p.id) : selected.delete(p.id);
      rerender();
    };
    const applyFilters = (event: Event) => {
      event.preventDefault();
      const v = formValues(event.target as HTMLFormElement);
      list.filter({ status: v.status, search: v.search?.trim(), from: v.from, to: v.to });
    };
    const cancelSelected = async () => {
      const rows = page.data.filter((p) => selected.has(p.id));
      if (rows.length === 0 || canceling) return;
      const total = rows.reduce((sum, p) => sum + p.amount, 0);
      if (!confirm(`Cancel ${plural(rows.length, 'payout')} (${money(total)})? The recipients are not paid and the money returns to the available balance.`))
        return;
      canceling = true;
      rerender();
      try {
        const { data } = await post<{ data: CancelResult }>('/payments/cancel', { ids: rows.map((p) => p.id) });
        refused = data.notCanceled;
        cancelError = null;
        selected.clear();
        notify(
          `Canceled ${plural(data.canceled.length, 'payout')}.${data.notCanceled.length > 0 ? ` ${plural(data.notCanceled.length, 'payout')} could not be canceled.` : ''}`,
        );
      } catch (error) {
        cancelError = error;
      } finally {
        canceling = false;
      }
      await reload();
    };
    const f = list.filters;
    const allChecked = cancelable.length > 0 && cancelable.every((p) => selected.has(p.id));
    return html`
      <div class="page-head">
        <h1>Payouts</h1>
        <div class="head-actions">
          ${exportButton(() => exportPath('/payments', apiFilters(list.filters)), 'payouts')}
          ${ctx.can('payouts:write') ? html`<a class="button primary" href="#/payouts/new">New batch</a>` : nothing}
        </div>
      </div>
      <form class="filters" @submit=${applyFilters} role="search" aria-label="Filter payouts">
        <label>Search <input name="search" type="search" placeholder="Email, name or reference" maxlength="200" .value=${f.search ?? ''} /></label>
        <label>Status
          <select name="status">
            <option value="">Any</option>
            ${Object.entries(STATUS_LABELS).map(([value, label]) => html`<option value=${value} ?selected=${f.status === value}>${label}</option>`)}
          </select>
        </label>
        <label>From <input name="from" type="date" .value=${f.from ?? ''} /></label>
        <label>To <input name="to" type="date" .value=${f.to ?? ''} /></label>
        <button type="submit">Apply</button>
        ${Object.keys(f).length > 0 ? html`<a class="link" href="#/payouts">Clear</a>` : nothing}
      </form>
      ${errorBox(cancelError)}
      ${
        refused.length > 0
          ? html`<div class="warn-banner" role="status" data-testid="not-canceled">
              <strong>Not canceled:</strong>
              <ul class="problems">${refused.map((r) => html`<li><a href="#/payouts/${r.id}">${r.id.slice(0, 8)}…</a> ${statusBadge(r.status)} ${r.message}</li>`)}</ul>
            </div>`
          : nothing
      }
      ${
        canCancel && cancelable.length > 0
          ? html`<div class="bulk-actions" data-testid="bulk-actions">
              <span class="muted">${selected.size === 0 ? 'Select payouts that are not yet processing to cancel them.' : `${plural(selected.size, 'payout')} selected`}</span>
              <button type="button" class="danger" ?disabled=${selected.size === 0 || canceling} @click=${cancelSelected} data-testid="cancel-selected">Cancel selected</button>
            </div>`
          : nothing
      }
      ${
        page.data.length === 0
          ? empty(Object.keys(f).length > 0 ? 'No payouts match these filters.' : 'No payouts yet. Create a batch to pay someone.')
          : html`<div class="table-scroll"><table class="table list-table" data-testid="payouts-table">
            <thead><tr>
              ${
                canCancel
                  ? html`<th class="select"><input type="checkbox" aria-label="Select every cancelable payout on this page" .checked=${allChecked} ?disabled=${cancelable.length === 0}
                      @change=${(e: Event) => toggleAll((e.target as HTMLInputElement).checked)} /></th>`
                  : nothing
              }
              <th>Recipient</th><th class="num">Amount</th><th>Status</th><th class="wide-only">Reference</th><th class="wide-only">Created</th>
            </tr></thead>
            <tbody>
              ${page.data.map(
                (p) => html`<tr data-payout-id=${p.id}>
                  ${
                    canCancel
                      ? html`<td class="select">${
                          CANCELABLE.has(p.status)
                            ? html`<input type="checkbox" aria-label="Select payout to ${p.recipient.email}, ${money(p.amount)}" .checked=${selected.has(p.id)}
                                @change=${(e: Event) => toggle(p.id, (e.target as HTMLInputElement).checked)} />`
                            : nothing
                        }</td>`
                      : nothing
                  }
                  <td><a href="#/payouts/${p.id}">${p.recipient.email}</a>
                    <div class="muted phone-only">${p.referenceId ?? ''} ${dateTime(p.createdAt)}</div></td>
                  <td class="num">${money(p.amount)}</td>
                  <td>${statusBadge(p.status)}</td>
                  <td class="wide-only">${p.referenceId ?? '—'}</td>
                  <td class="wide-only">${dateTime(p.createdAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
      }
      <div class="pager-row">${pager(list, page, 'payouts')}<button type="button" class="link" @click=${() => reload()}>Refresh</button></div>
    `;
  });
  // Another page or other filters: the outcome of the last cancel and the selection belong to the old rows.
  const reloadRows = list.onChange;
  list.onChange = () => {
    [refused, cancelError] = [[], null];
    selected.clear();
    reloadRows();
  };
}
