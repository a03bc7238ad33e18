// A recipient's payout method and its history: which method, who set it, who removed or replaced
// it, and when. The API answers them masked (last 4 digits, `j***@example.com`).
import { api, get, RequestFailed } from '../api.js';
import { dateTime } from '../format.js';
import type { PageContext } from '../main.js';
import { methodDetails, methodLabel, type Recipient } from '../recipient-view.js';
import { errorBox, formValues, html, nothing, notify } from '../ui.js';

/** Who made a change: the recipient through the portal, or the business with a user or an API key. */
export interface Actor {
  kind: 'recipient' | 'user' | 'api_key';
  id: string | null;
}

export interface MethodHistoryEntry {
  id: string;
  type: 'us_bank_account' | 'paypal';
  accountHolderName: string | null;
  holderType: string | null;
  accountType: string | null;
  routingNumber: string | null;
  last4: string | null;
  email: string | null;
  active: boolean;
  setBy: Actor;
  createdAt: string;
  removedAt: string | null;
  removal: 'replaced' | 'removed' | null;
  removedBy: Actor | null;
}

export interface MethodHistory {
  entries: MethodHistoryEntry[];
  hasMore: boolean;
  /** Names for the ids in `setBy`/`removedBy`, as far as the viewer's role may list them. */
  names: Map<string, string>;
}

const HISTORY_LIMIT = 100;

/**
 * The history with the names of who acted: users' emails for roles that may list users, API keys'
 * names for roles that may list keys. Others see "a dashboard user" or "an API key".
 * A refusal is answered, not thrown, so the rest of the recipient's page still shows.
 */
export async function loadMethodHistory(recipientId: string, ctx: PageContext): Promise<MethodHistory | { error: unknown }> {
  try {
    const [history, users, keys] = await Promise.all([
      get<{ data: MethodHistoryEntry[]; hasMore: boolean }>(`/recipients/${recipientId}/payout-methods?limit=${HISTORY_LIMIT}`),
      ctx.can('users:manage') ? get<{ data: { id: string; email: string }[] }>('/users').catch(() => ({ data: [] })) : { data: [] },
      ctx.can('keys:manage') ? get<{ data: { id: string; name: string }[] }>('/api-keys').catch(() => ({ data: [] })) : { data: [] },
    ]);
    const names = new Map<string, string>([
      ...users.data.map((u) => [`user:${u.id}`, u.email] as const),
      ...keys.data.map((k) => [`api_key:${k.id}`, `API key “${k.name}”`] as const),
      [`user:${ctx.session.user.id}`, `you (${ctx.session.user.email})`],
    ]);
    return { entries: history.data, hasMore: history.hasMore, names };
  } catch (error) {
    return { error };
  }
}

export function actorLabel(actor: Actor | null, names: Map<string, string>): string {
  if (!actor) return 'unknown';
  if (actor.kind === 'recipient') return 'the recipient';
  const known = actor.id ? names.get(`${actor.kind}:${actor.id}`) : undefined;
  return known ?? (actor.kind === 'user' ? 'a dashboard user' : 'an API key');
}

const HOLDER_TYPES: Record<string, string> = { individual: 'Individual', business: 'Business' };
const ACCOUNT_TYPES: Record<string, string> = { checking: 'Checking', savings: 'Savings' };

function entryMethod(entry: MethodHistoryEntry) {
  if (entry.type === 'paypal') return methodLabel({ type: 'paypal', email: entry.email ?? '' });
  const label = methodLabel({ type: 'us_bank_account', last4: entry.last4 ?? '' });
  const details = [
    entry.accountHolderName,
    HOLDER_TYPES[entry.holderType ?? ''],
    ACCOUNT_TYPES[entry.accountType ?? ''],
    entry.routingNumber ? `routing ${entry.routingNumber}` : null,
  ].filter(Boolean);
  return html`${label}${details.length ? html`<div class="muted">${details.join(' · ')}</div>` : nothing}`;
}

function historyTable(history: MethodHistory) {
  if (history.entries.length === 0) return html`<p class="muted" data-testid="method-history-empty">No payout method has been set yet.</p>`;
  return html`<div class="table-scroll"><table class="table" data-testid="method-history">
    <thead><tr><th>Method</th><th>Set</th><th>Until</th></tr></thead>
    <tbody>
      ${history.entries.map(
        (entry) => html`<tr>
          <td>${entryMethod(entry)}</td>
          <td>${dateTime(entry.createdAt)}<div class="muted">by ${actorLabel(entry.setBy, history.names)}</div></td>
          <td>${
            entry.active
              ? html`<span class="badge badge-recipient-ready">Active</span>`
              : html`${entry.removal === 'replaced' ? 'Replaced' : 'Removed'} ${dateTime(entry.removedAt)}<div class="muted">by ${actorLabel(entry.removedBy, history.names)}</div>`
          }</td>
        </tr>`,
      )}
    </tbody>
  </table></div>
  ${history.hasMore ? html`<p class="muted">Showing the ${HISTORY_LIMIT} most recent changes.</p>` : nothing}`;
}

/** The "Set payout method" form's state, kept by the recipient's page across its reloads. */
export interface MethodFormState {
  open: boolean;
  type: 'us_bank_account' | 'paypal';
  problem: { message: string; param?: string } | null;
  saving: boolean;
}

export const newMethodForm = (): MethodFormState => ({ open: false, type: 'us_bank_account', problem: null, saving: false });

/** What the business may do here: set a method only while the recipient never set one itself (the API refuses otherwise). */
export interface MethodWriter {
  state: MethodFormState;
  /** Re-renders the page (the form opened, a problem shown). */
  render: () => Promise<void>;
  /** After a save: the recipient's status and payouts change, so everything loads again. */
  saved: () => Promise<void>;
}

const FIELD_IDS = ['accountHolderName', 'accountHolderType', 'accountType', 'routingNumber', 'accountNumber', 'email'];

function setByRecipient(history: MethodHistory | { error: unknown }): boolean {
  return !('error' in history) && history.entries.some((entry) => entry.setBy.kind === 'recipient');
}

async function saveMethod(event: Event, recipient: Recipient, writer: MethodWriter) {
  event.preventDefault();
  const { state } = writer;
  if (state.saving) return;
  const values = formValues(event.target as HTMLFormElement);
  const body =
    state.type === 'paypal'
      ? { type: 'paypal', email: values.email?.trim() }
      : {
          type: 'us_bank_account',
          accountHolderName: values.accountHolderName?.trim(),
          accountHolderType: values.accountHolderType,
          accountType: values.accountType,
          routingNumber: values.routingNumber?.trim(),
          accountNumber: values.accountNumber?.trim(),
        };
  const target = body.type === 'paypal' ? `the PayPal account ${body.email}` : `the account ending ${(body.accountNumber ?? '').slice(-4)}`;
  if (!confirm(`Pay ${recipientLabel(recipient)} to ${target} from now on?`)) return;
  state.saving = true;
  await writer.render();
  try {
    await api('PUT', `/recipients/${recipient.id}/payout-method`, body);
    [state.open, state.problem] = [false, null];
    notify('Payout method saved.');
  } catch (error) {
    state.problem =
      error instanceof RequestFailed
        ? { message: error.error.message, ...(error.error.param && FIELD_IDS.includes(error.error.param) ? { param: error.error.param } : {}) }
        : { message: error instanceof Error ? error.message : String(error) };
  } finally {
    state.saving = false;
  }
  if (state.problem) {
    await writer.render();
    document.getElementById(state.problem.param ? `method-${state.problem.param}` : 'method-problem')?.focus();
  } else {
    await writer.saved();
  }
}

const recipientLabel = (r: Recipient) => [r.firstName, r.lastName].filter(Boolean).join(' ') || r.email;

function methodForm(recipient: Recipient, writer: MethodWriter) {
  const { state } = writer;
  const problemAt = (name: string) =>
    state.problem?.param === name
      ? html`<div class="error" role="alert" id="method-problem-${name}" data-testid="method-problem-${name}">${state.problem.message}</div>`
      : nothing;
  const attrs = (name: string) => ({
    invalid: state.problem?.param === name ? 'true' : 'false',
    describedBy: state.problem?.param === name ? `method-problem-${name}` : nothing,
  });
  const text = (name: string, label: string, extra: { inputmode?: string; maxlength: number; type?: string }) => {
    const a = attrs(name);
    return html`<div><label>${label}<input id="method-${name}" name=${name} type=${extra.type ?? 'text'} inputmode=${extra.inputmode ?? nothing} maxlength=${extra.maxlength} autocomplete="off" required aria-invalid=${a.invalid} aria-describedby=${a.describedBy} /></label>${problemAt(name)}</div>`;
  };
  const choice = (name: string, label: string, options: [string, string][]) => {
    const a = attrs(name);
    return html`<div><label>${label}<select id="method-${name}" name=${name} aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>${options.map(([value, words]) => html`<option value=${value}>${words}</option>`)}</select></label>${problemAt(name)}</div>`;
  };
  const pick = async (event: Event) => {
    state.type = (event.target as HTMLSelectElement).value as MethodFormState['type'];
    state.problem = null;
    await writer.render();
  };
  const cancel = async () => {
    [state.open, state.problem] = [false, null];
    await writer.render();
    document.querySelector<HTMLElement>('[data-testid="set-method-button"]')?.focus();
  };
  return html`<form class="card edit-form" data-testid="method-form" aria-labelledby="method-form-title" @submit=${(e: Event) => saveMethod(e, recipient, writer)} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && cancel()}>
    <h3 id="method-form-title">${recipient.payoutMethod ? 'Replace payout method' : 'Set payout method'}</h3>
    <label>Method<select id="method-type" name="type" .value=${state.type} @change=${pick}>
      <option value="us_bank_account" ?selected=${state.type === 'us_bank_account'}>US bank account</option>
      <option value="paypal" ?selected=${state.type === 'paypal'}>PayPal</option>
    </select></label>
    ${
      state.type === 'paypal'
        ? html`<div class="field-grid">${text('email', 'PayPal email', { type: 'email', maxlength: 320 })}</div>`
        : html`<div class="field-grid">
          ${text('accountHolderName', 'Account holder name', { maxlength: 200 })}
          ${choice('accountHolderType', 'Holder type', [
            ['individual', 'Individual'],
            ['business', 'Company'],
          ])}
          ${choice('accountType', 'Account type', [
            ['checking', 'Checking'],
            ['savings', 'Savings'],
          ])}
          ${text('routingNumber', 'Routing number', { inputmode: 'numeric', maxlength: 9 })}
          ${text('accountNumber', 'Account number', { inputmode: 'numeric', maxlength: 17 })}
        </div>`
    }
    ${state.problem && !state.problem.param ? html`<div class="error" role="alert" tabindex="-1" id="method-problem" data-testid="method-problem">${state.problem.message}</div>` : nothing}
    <div class="actions">
      <button type="submit" class="primary" ?disabled=${state.saving}>${state.saving ? 'Saving…' : 'Save payout method'}</button>
      <button type="button" @click=${cancel}>Cancel</button>
    </div>
  </form>`;
}

/** The business's way to set the method: a button opening the form, or why it cannot. */
function methodWriting(recipient: Recipient, history: MethodHistory | { error: unknown }, writer: MethodWriter) {
  if (setByRecipient(history)) {
    return html`<p class="muted" data-testid="method-managed-by-recipient">${recipient.email} manages their own payout method in the portal.</p>`;
  }
  if (writer.state.open) return methodForm(recipient, writer);
  const open = async () => {
    [writer.state.open, writer.state.problem] = [true, null];
    await writer.render();
    document.getElementById('method-type')?.focus();
  };
  return html`<p><button @click=${open} data-testid="set-method-button">${recipient.payoutMethod ? 'Replace payout method' : 'Set payout method'}</button></p>`;
}

export function methodSection(recipient: Recipient, history: MethodHistory | { error: unknown }, writer: MethodWriter | null) {
  return html`
    <h2 id="method-title">Payout method</h2>
    <dl class="facts" aria-labelledby="method-title">
      <dt>Current</dt><dd data-testid="current-method">${methodDetails(recipient.payoutMethod)}${recipient.payoutMethod ? nothing : html`<div class="muted">The recipient chooses how to be paid through the onboarding link.</div>`}</dd>
      ${recipient.payoutsHeldUntil ? html`<dt>Payouts held until</dt><dd data-testid="payouts-held">${dateTime(recipient.payoutsHeldUntil)} <span class="muted">(the payout method was replaced: its bank payouts wait until then)</span></dd>` : nothing}
    </dl>
    ${writer ? methodWriting(recipient, history, writer) : nothing}
    <h3>History</h3>
    ${'error' in history ? errorBox(history.error) : historyTable(history)}
  `;
}
