// A recipient's payout method and its history: which method, who set it, who removed or replaced
// it, and when. The API answers them masked (last 4 digits, `j***@example.com`).
import { get } from '../api.js';
import { dateTime } from '../format.js';
import type { PageContext } from '../main.js';
import { methodDetails, methodLabel, type Recipient } from '../recipient-view.js';
import { errorBox, html, nothing } from '../ui.js';

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

export function methodSection(recipient: Recipient, history: MethodHistory | { error: unknown }) {
  return html`
    <h2 id="method-title">Payout method</h2>
    <dl class="facts" aria-labelledby="method-title">
      <dt>Current</dt><dd>${methodDetails(recipient.payoutMethod)}${recipient.payoutMethod ? nothing : html`<div class="muted">The recipient chooses how to be paid through the onboarding link.</div>`}</dd>
      ${recipient.payoutsHeldUntil ? html`<dt>Payouts held until</dt><dd data-testid="payouts-held">${dateTime(recipient.payoutsHeldUntil)} <span class="muted">(the payout method was replaced: its bank payouts wait until then)</span></dd>` : nothing}
    </dl>
    <h3>History</h3>
    ${'error' in history ? errorBox(history.error) : historyTable(history)}
  `;
}
