// The ledger's entries on the balance accounts, newest first: paged in the address (list.ts), an
// export of every entry, and, from a batch or a payout, only that one's entries
// (`#/transactions?batchId=…`). The Balance page links here.
import { get } from '../api.js';
import { dateTime, money } from '../format.js';
import { exportButton, exportPath, type ListPage, mountList, pager, UrlList } from '../list.js';
import type { PageContext } from '../main.js';
import { empty, html, nothing } from '../ui.js';

interface Entry {
  id: string;
  postingId: string;
  account: string;
  amount: number;
  currency: string;
  kind: string;
  batchId: string | null;
  payoutId: string | null;
  createdAt: string;
}

const words = (text: string) => text.replace(/_/g, ' ');

export function transactionsPage(el: HTMLElement, _ctx: PageContext) {
  const list = new UrlList();
  const apiFilters = () => ({ batchId: list.filters.batchId, payoutId: list.filters.payoutId });
  mountList(
    el,
    list,
    () => get<ListPage<Entry>>(`/balance/transactions?${list.query(apiFilters())}`),
    (page) => {
      const { batchId, payoutId } = list.filters;
      return html`
        <p class="muted"><a href="#/balance">Balance</a></p>
        <div class="page-head"><h1>Transactions</h1><div class="head-actions">${exportButton(() => exportPath('/balance/transactions', apiFilters()), 'transactions')}</div></div>
        ${
          batchId || payoutId
            ? html`<p class="muted" data-testid="transactions-filter">Entries of ${
                batchId ? html`<a href="#/batches/${batchId}">this batch</a>` : html`<a href="#/payouts/${payoutId}">this payout</a>`
              } only · <a href="#/transactions">Show all</a></p>`
            : nothing
        }
        ${
          page.data.length === 0
            ? empty(list.state.cursor ? 'No entries on this page.' : 'No money has moved yet.')
            : html`<div class="table-scroll"><table class="table list-table" data-testid="transactions-table">
              <thead><tr><th class="wide-only">When</th><th>Account</th><th>Kind</th><th class="num">Amount</th><th>Payout</th></tr></thead>
              <tbody>
                ${page.data.map(
                  (e) => html`<tr>
                    <td class="wide-only">${dateTime(e.createdAt)}</td>
                    <td>${words(e.account)}</td>
                    <td>${words(e.kind)}<div class="muted phone-only">${dateTime(e.createdAt)}</div></td>
                    <td class="num">${money(e.amount)}</td>
                    <td>${e.payoutId ? html`<a href="#/payouts/${e.payoutId}">View payout</a>` : '—'}</td>
                  </tr>`,
                )}
              </tbody>
            </table></div>`
        }
        ${pager(list, page, 'entries')}
      `;
    },
  );
}
