import { get, post } from '../api.js';
import { dateTime, money } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, html, nothing, page, statusBadge } from '../ui.js';
import type { Payment } from './payouts.js';

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
