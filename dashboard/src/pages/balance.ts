import { api, currentEnvironment, get, post } from '../api.js';
import { dateTime, money, parseDollars } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, notify, nothing, page, render } from '../ui.js';

interface Deposit {
  id: string;
  amount: number;
  bankReference: string;
  receivedOn: string;
  recordedBy: string;
  createdAt: string;
  reversal: { reversedAt: string; reversedBy: string; reason: string } | null;
}

interface DepositDraft {
  amount: number;
  bankReference: string;
  receivedOn: string;
}

/** Today in the user's own calendar, YYYY-MM-DD (what a date input shows). */
const today = () => {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
};

/**
 * Balances, funding (sandbox top-up; in production the organization's funding instructions), the
 * deposits recorded (admins record and reverse them, each after a confirmation), and a link to
 * every ledger transaction.
 */
export function balancePage(el: HTMLElement, ctx: PageContext) {
  const production = currentEnvironment() === 'production';
  const mayFund = ctx.can('balance:fund');
  const mayEditInstructions = ctx.can('users:manage');
  let error: unknown = null;
  // One pending step at a time: a deposit to confirm, a deposit to reverse, or instructions to edit.
  let draft: DepositDraft | null = null;
  let reversing: Deposit | null = null;
  let editingInstructions = false;
  let extra: Deposit[] = [];
  let nextCursor: string | null = null;

  page(
    el,
    async () => {
      const [balance, deposits, instructions] = await Promise.all([
        get('/balance'),
        get<{ data: Deposit[]; hasMore: boolean; nextCursor: string | null }>('/balance/deposits?limit=25'),
        production ? get('/organization/funding-instructions') : Promise.resolve(null),
      ]);
      extra = [];
      nextCursor = deposits.nextCursor;
      return { balance: balance.data, deposits: deposits.data, instructions: instructions?.data ?? null };
    },
    ({ balance, deposits, instructions }, reload) => {
      // One step of the page's own state (open a form, go back), drawn again at once.
      const step = (change: () => void) => () => {
        change();
        void reload();
      };
      const attempt = async (work: () => Promise<void>) => {
        try {
          await work();
          error = null;
        } catch (failure) {
          error = failure;
        }
        await reload();
      };

      const topUp = (event: Event) => {
        event.preventDefault();
        const cents = parseDollars(formValues(event.target as HTMLFormElement).amount ?? '');
        return attempt(async () => {
          if (!cents) throw new Error('Enter an amount in dollars, like 1000.00.');
          await post('/balance/fundings', { amount: cents }, { 'idempotency-key': crypto.randomUUID() });
          notify('Sandbox balance topped up.');
        });
      };

      const review = (event: Event) => {
        event.preventDefault();
        const values = formValues(event.target as HTMLFormElement);
        const cents = parseDollars(values.amount ?? '');
        if (!cents) {
          error = new Error('Enter the amount received in dollars, like 5000.00.');
        } else {
          error = null;
          draft = { amount: cents, bankReference: (values.reference ?? '').trim(), receivedOn: values.receivedOn ?? '' };
        }
        return reload();
      };

      const record = () =>
        attempt(async () => {
          const newest = deposits[0]?.id ?? '';
          const { data } = await post<{ data: Deposit }>('/balance/deposits', draft);
          draft = null;
          // A repeated bank reference answers the deposit already recorded, which is not newer
          // than what this page showed (ids are time-ordered): nothing was added.
          notify(data.id > newest ? 'Deposit recorded.' : `Bank reference ${data.bankReference} was already recorded; nothing was added.`);
        });

      const reverse = (event: Event) => {
        event.preventDefault();
        const reason = formValues(event.target as HTMLFormElement).reason ?? '';
        return attempt(async () => {
          await post(`/balance/deposits/${reversing!.id}/reverse`, { reason });
          reversing = null;
          notify('Deposit reversed.');
        });
      };

      const saveInstructions = (event: Event) => {
        event.preventDefault();
        const text = formValues(event.target as HTMLFormElement).instructions ?? '';
        return attempt(async () => {
          await api('PATCH', '/organization/settings', { fundingInstructions: text });
          editingInstructions = false;
          notify('Funding instructions saved.');
        });
      };

      const more = async () => {
        if (!nextCursor) return;
        const page = await get<{ data: Deposit[]; nextCursor: string | null }>(`/balance/deposits?limit=25&cursor=${nextCursor}`);
        extra = [...extra, ...page.data];
        nextCursor = page.nextCursor;
        // Draws again without fetching the first page anew.
        render(view(), el);
      };

      const all = () => [...deposits, ...extra];
      const view = () => html`
        <div class="page-head"><h1>Balance</h1></div>
        <div class="stat-row" data-testid="balances">
          <div class="stat"><span>Available</span><strong data-testid="available">${money(balance.available)}</strong></div>
          <div class="stat"><span>Held for payouts</span><strong>${money(balance.held)}</strong></div>
          <div class="stat"><span>Paid out</span><strong>${money(balance.paidOut)}</strong></div>
        </div>
        <p><a href="#/transactions" data-testid="all-transactions">All transactions</a></p>
        ${errorBox(error)}
        ${production ? fundingInstructions(instructions) : sandboxTopUp()}
        ${mayFund ? depositForm() : nothing}
        <h2>Deposits</h2>
        ${
          all().length === 0
            ? empty(production ? 'No deposit recorded yet. Record one when money reaches your bank account.' : 'No deposit recorded in the sandbox.')
            : depositsTable(all())
        }
        ${reversing ? reversePanel(reversing) : nothing}
        ${nextCursor ? html`<div class="pager"><button type="button" @click=${more}>Show more deposits</button></div>` : nothing}
      `;

      const sandboxTopUp = () =>
        ctx.can('payouts:write')
          ? html`<form class="card inline-form" @submit=${topUp}><strong>Sandbox top-up</strong><input name="amount" inputmode="decimal" placeholder="Amount in $" aria-label="Top-up amount" required /><button class="primary" type="submit">Add funds</button></form>`
          : nothing;

      const fundingInstructions = (info: { organizationId: string; fundingInstructions: string | null } | null) => html`
        <section class="card funding" data-testid="funding-instructions" aria-labelledby="funding-title">
          <h2 id="funding-title">How to fund this balance</h2>
          ${
            editingInstructions
              ? html`<form @submit=${saveInstructions} class="stack">
                  <label class="field">Funding instructions (plain text, up to 2,000 characters)
                    <textarea name="instructions" rows="6" maxlength="2000" .value=${info?.fundingInstructions ?? ''}></textarea></label>
                  <div class="actions"><button class="primary" type="submit">Save instructions</button>
                    <button type="button" @click=${step(() => {
                      editingInstructions = false;
                    })}>Back</button></div>
                </form>`
              : html`${
                  info?.fundingInstructions
                    ? html`<div class="funding-text">${info.fundingInstructions}</div>`
                    : html`<p class="muted">${mayEditInstructions ? 'No funding instructions yet: add where your team should wire money.' : 'Ask an admin where to wire money.'}</p>`
                }
                <p>Reference your organization id on every transfer: <code data-testid="org-id">${info?.organizationId ?? ''}</code></p>
                ${
                  mayEditInstructions
                    ? html`<button type="button" @click=${step(() => {
                        editingInstructions = true;
                      })}>Edit instructions</button>`
                    : nothing
                }`
          }
        </section>`;

      const depositForm = () =>
        draft
          ? html`<section class="card confirm" data-testid="confirm-deposit" aria-labelledby="confirm-deposit-title">
              <h2 id="confirm-deposit-title">Record this deposit?</h2>
              <p>${money(draft.amount)} received on ${draft.receivedOn}, bank reference <strong>${draft.bankReference}</strong>, adds to the
                ${production ? html`<strong>production</strong>` : 'sandbox'} available balance. A bank reference is recorded once: submitting it again adds nothing.</p>
              <div class="actions"><button class="primary" type="button" @click=${record}>Record deposit</button>
                <button type="button" @click=${step(() => {
                  draft = null;
                })}>Back</button></div>
            </section>`
          : html`<form class="card deposit-form" @submit=${review} data-testid="deposit-form">
              <h2>Record a deposit</h2>
              <p class="muted">When money reaches your bank account, record it here to add it to the available balance.</p>
              <div class="field-grid">
                <label class="field">Amount received ($)<input name="amount" inputmode="decimal" placeholder="5000.00" required /></label>
                <label class="field">Bank reference<input name="reference" maxlength="100" placeholder="As on the bank statement" required /></label>
                <label class="field">Date received<input name="receivedOn" type="date" max=${today()} .value=${today()} required /></label>
              </div>
              <div class="actions"><button class="primary" type="submit">Review deposit</button></div>
            </form>`;

      const depositsTable = (rows: Deposit[]) => html`
        <div class="table-scroll"><table class="table deposits-table" data-testid="deposits">
          <thead><tr><th scope="col">Received</th><th scope="col">Bank reference</th><th scope="col" class="num">Amount</th><th scope="col">Recorded by</th><th scope="col">Status</th>${mayFund ? html`<th scope="col">Action</th>` : nothing}</tr></thead>
          <tbody>${rows.map(
            (d) => html`<tr data-reference=${d.bankReference}>
              <td class="nowrap">${d.receivedOn}</td><td>${d.bankReference}</td><td class="num">${money(d.amount)}</td>
              <td>${d.recordedBy === 'cli' ? 'CLI' : d.recordedBy}<div class="muted">${dateTime(d.createdAt)}</div></td>
              <td>${d.reversal ? html`<span class="badge badge-canceled">Reversed</span><div class="muted">${d.reversal.reason}</div>` : html`<span class="badge badge-completed">Credited</span>`}</td>
              ${
                mayFund
                  ? html`<td>${
                      d.reversal
                        ? nothing
                        : html`<button type="button" class="danger" @click=${step(() => {
                            reversing = d;
                          })}>Reverse</button>`
                    }</td>`
                  : nothing
              }
            </tr>`,
          )}</tbody>
        </table></div>`;

      const reversePanel = (d: Deposit) => html`
        <form class="card confirm" @submit=${reverse} data-testid="confirm-reverse" aria-labelledby="reverse-title">
          <h2 id="reverse-title">Reverse the ${money(d.amount)} deposit ${d.bankReference}?</h2>
          <p>A reversing entry takes it back out of the available balance (refused if that balance cannot cover it). The deposit stays listed, marked reversed.</p>
          <label class="field">Reason<input name="reason" maxlength="500" required placeholder="Entered twice by mistake" /></label>
          <div class="actions"><button class="danger" type="submit">Reverse deposit</button>
            <button type="button" @click=${step(() => {
              reversing = null;
            })}>Back</button></div>
        </form>`;

      return view();
    },
  );
}
