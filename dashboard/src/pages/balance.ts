import { currentEnvironment, post, get } from '../api.js';
import { dateTime, money, parseDollars } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, nothing, page } from '../ui.js';

export function balancePage(el: HTMLElement, ctx: PageContext) {
  let error: unknown = null;
  page(
    el,
    async () => ({ balance: (await get('/balance')).data, entries: (await get('/balance/transactions?limit=100')).data }),
    ({ balance, entries }, reload) => {
      const topUp = async (event: Event) => {
        event.preventDefault();
        const cents = parseDollars(formValues(event.target as HTMLFormElement).amount ?? '');
        try {
          if (!cents) throw new Error('Enter an amount in dollars, like 1000.00.');
          await post('/balance/fundings', { amount: cents }, { 'idempotency-key': crypto.randomUUID() });
          error = null;
        } catch (failure) {
          error = failure;
        }
        await reload();
      };
      return html`
        <div class="page-head"><h1>Balance</h1></div>
        <div class="stat-row" data-testid="balances">
          <div class="stat"><span>Available</span><strong>${money(balance.available)}</strong></div>
          <div class="stat"><span>Held for payouts</span><strong>${money(balance.held)}</strong></div>
          <div class="stat"><span>Paid out</span><strong>${money(balance.paidOut)}</strong></div>
        </div>
        ${
          currentEnvironment() === 'sandbox' && ctx.can('payouts:write')
            ? html`<form class="card inline-form" @submit=${topUp}><strong>Sandbox top-up</strong><input name="amount" inputmode="decimal" placeholder="Amount in $" aria-label="Top-up amount" required /><button class="primary" type="submit">Add funds</button></form>`
            : html`<p class="muted">Production balances are funded by an operator (<code>npx payouts balance fund</code>).</p>`
        }
        ${errorBox(error)}
        <h2>Transactions</h2>
        ${
          entries.length === 0
            ? empty('No money has moved yet.')
            : html`<table class="table"><thead><tr><th>When</th><th>Account</th><th>Kind</th><th class="num">Amount</th><th>Payout</th></tr></thead><tbody>
          ${entries.map((e: any) => html`<tr><td>${dateTime(e.createdAt)}</td><td>${e.account.replace('_', ' ')}</td><td>${e.kind.replace(/_/g, ' ')}</td><td class="num">${money(e.amount)}</td><td>${e.payoutId ? html`<a href="#/payouts/${e.payoutId}">view</a>` : nothing}</td></tr>`)}
        </tbody></table>`
        }
      `;
    },
  );
}
