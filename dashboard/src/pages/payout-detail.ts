import { get, post } from '../api.js';
import { dateTime, money } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, notify, nothing, page, STATUS_LABELS, statusBadge } from '../ui.js';
import type { Payment } from './payouts.js';

/** The payout as this page reads it: with its rail and who recorded a status by hand. */
type DetailPayment = Omit<Payment, 'statusUpdates'> & {
  rail?: 'sandbox' | 'manual' | 'ach' | null;
  statusUpdates: (Payment['statusUpdates'][number] & { recordedBy?: string })[];
};

type Outcome = 'completed' | 'failed' | 'returned';

// What an operator may record for a payout on the manual rail, by status (the server's
// SETTLE_FROM): never before the recipient has accepted. Anything else shows no button.
const SETTLE_FROM: Record<Outcome, readonly string[]> = {
  completed: ['pending', 'processing'],
  failed: ['pending', 'processing'],
  returned: ['completed'],
};
const OUTCOME_ACTION: Record<Outcome, { button: string; done: string; explain: string }> = {
  completed: {
    button: 'Mark as paid',
    done: 'Payout marked as paid.',
    explain: 'Record that the money reached the recipient. The held amount moves to paid out and the recipient is told.',
  },
  failed: {
    button: 'Mark as failed',
    done: 'Payout marked as failed.',
    explain: 'Record that the payment did not go through. The held amount returns to your available balance; the recipient sees the reason.',
  },
  returned: {
    button: 'Mark as returned',
    done: 'Payout marked as returned.',
    explain: 'Record that the money came back. The amount returns to your available balance; the recipient sees the reason.',
  },
};
const RAIL_LABELS: Record<string, string> = {
  manual: 'Manual (sent by your team, recorded here)',
  ach: 'ACH (bank file)',
  sandbox: 'Sandbox (simulated)',
};

export function payoutDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  let actionError: unknown = null;
  let settling: Outcome | null = null;
  page(
    el,
    async () => {
      const [payment, ledger, deliveries] = await Promise.all([
        get<{ data: DetailPayment }>(`/payments/${id}`),
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
      const outcomes =
        ctx.can('payouts:write') && payment.rail === 'manual'
          ? (Object.keys(SETTLE_FROM) as Outcome[]).filter((o) => SETTLE_FROM[o].includes(payment.status))
          : [];
      const settle = async (event: Event) => {
        event.preventDefault();
        const reason = formValues(event.target as HTMLFormElement).reason;
        const outcome = settling!;
        try {
          await post(`/payments/${id}/settle`, { status: outcome, ...(reason ? { reason } : {}) });
          settling = null;
          actionError = null;
          notify(OUTCOME_ACTION[outcome].done);
        } catch (error) {
          actionError = error;
        }
        await reload();
      };
      const choose = (outcome: Outcome | null) => {
        settling = outcome;
        actionError = null;
        void reload();
      };
      const settlePanel = (outcome: Outcome) => html`
        <form class="card confirm" data-testid="confirm-settle" @submit=${settle} aria-labelledby="settle-title">
          <h2 id="settle-title">${OUTCOME_ACTION[outcome].button}: ${money(payment.amount)} to ${payment.recipient.email}?</h2>
          <p>${OUTCOME_ACTION[outcome].explain} This cannot be undone.</p>
          ${outcome === 'completed' ? nothing : html`<label class="field">Reason<input name="reason" maxlength="500" required placeholder=${outcome === 'failed' ? 'Account closed' : 'Returned by the recipient’s bank'} /></label>`}
          <div class="actions"><button class=${outcome === 'completed' ? 'primary' : 'danger'} type="submit">Confirm: ${OUTCOME_ACTION[outcome].button.toLowerCase()}</button>
            <button type="button" @click=${() => choose(null)}>Back</button></div>
        </form>`;
      return html`
        <div class="page-head">
          <h1>${money(payment.amount)} to ${payment.recipient.email}</h1>
          ${statusBadge(payment.status)}
          <span class="spacer"></span>
          ${outcomes.map((o) => html`<button class=${o === 'completed' ? 'primary' : ''} @click=${() => choose(o)}>${OUTCOME_ACTION[o].button}</button>`)}
          ${ctx.can('payouts:write') && cancelable ? html`<button class="danger" @click=${cancel}>Cancel payout</button>` : nothing}
        </div>
        ${errorBox(actionError)}
        ${settling && outcomes.includes(settling) ? settlePanel(settling) : nothing}
        <dl class="facts">
          <dt>Payout id</dt><dd><code>${payment.id}</code></dd>
          <dt>Batch</dt><dd><a href="#/batches/${payment.batchId}">${payment.batchId}</a></dd>
          <dt>Description</dt><dd>${payment.description ?? '—'}</dd>
          <dt>Reference</dt><dd>${payment.referenceId ?? '—'}</dd>
          <dt>Recipient</dt><dd><a href="#/recipients/${payment.recipient.id}">${[payment.recipient.firstName, payment.recipient.lastName].filter(Boolean).join(' ') || payment.recipient.email}</a></dd>
          <dt>Rail</dt><dd data-testid="rail">${payment.rail ? (RAIL_LABELS[payment.rail] ?? payment.rail) : `Not chosen yet (${STATUS_LABELS[payment.status]?.toLowerCase() ?? payment.status})`}</dd>
          <dt>Payout link</dt><dd><code>${payment.payoutLink}</code></dd>
        </dl>
        <h2>Timeline</h2>
        <ol class="timeline" data-testid="timeline">
          ${payment.statusUpdates.map((u) => html`<li>${statusBadge(u.status)} <span class="muted">${dateTime(u.date)}</span> ${u.recordedBy ? html`<span class="muted">· recorded by ${u.recordedBy === 'cli' ? 'the CLI' : u.recordedBy}</span>` : nothing} ${u.reason ? html`<div class="reason">${u.reason}</div>` : nothing}</li>`)}
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
