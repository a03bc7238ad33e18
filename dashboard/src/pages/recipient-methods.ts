// A recipient's payout method and its history: which method, who set it, who removed or replaced
// it, and when. The API answers them masked (last 4 digits, `j***@example.com`).
import { get } from '../api.js';
import { dateTime } from '../format.js';
import { methodDetails, methodLabel, type PayoutMethod, type Recipient } from '../recipient-view.js';
import { empty, errorBox, html, nothing } from '../ui.js';

/** Who made a change: the recipient through the portal, or the business with a user or an API key. */
export type Actor = { kind: 'recipient' } | { kind: 'user'; id: string; email?: string | null } | { kind: 'api_key'; id: string; name?: string | null };

export interface MethodHistoryEntry {
  id: string;
  method: PayoutMethod;
  setAt: string;
  setBy: Actor;
  removedAt: string | null;
  removedBy: Actor | null;
}

export function actorLabel(actor: Actor | null | undefined): string {
  if (!actor) return 'unknown';
  if (actor.kind === 'recipient') return 'the recipient';
  if (actor.kind === 'user') return actor.email ?? 'a dashboard user';
  return actor.name ? `API key “${actor.name}”` : 'an API key';
}

/** The history, or the refusal to show in its place (the rest of the page still works). */
export async function loadMethodHistory(recipientId: string): Promise<{ entries: MethodHistoryEntry[] } | { error: unknown }> {
  try {
    return { entries: (await get<{ data: MethodHistoryEntry[] }>(`/recipients/${recipientId}/payout-methods`)).data };
  } catch (error) {
    return { error };
  }
}

export function methodSection(recipient: Recipient, history: { entries: MethodHistoryEntry[] } | { error: unknown }) {
  return html`
    <h2 id="method-title">Payout method</h2>
    <dl class="facts" aria-labelledby="method-title">
      <dt>Current</dt><dd>${methodDetails(recipient.payoutMethod)}</dd>
      ${recipient.payoutMethod ? nothing : html`<dt></dt><dd class="muted">The recipient chooses how to be paid through the onboarding link.</dd>`}
    </dl>
    <h3>History</h3>
    ${
      'error' in history
        ? errorBox(history.error)
        : history.entries.length === 0
          ? empty('No payout method has been set yet.')
          : html`<div class="table-scroll"><table class="table" data-testid="method-history">
            <thead><tr><th>Method</th><th>Set</th><th>Removed or replaced</th></tr></thead>
            <tbody>
              ${history.entries.map(
                (entry) => html`<tr>
                  <td>${methodLabel(entry.method)}</td>
                  <td>${dateTime(entry.setAt)}<div class="muted">by ${actorLabel(entry.setBy)}</div></td>
                  <td>${entry.removedAt ? html`${dateTime(entry.removedAt)}<div class="muted">by ${actorLabel(entry.removedBy)}</div>` : html`<span class="badge badge-recipient-ready">Active</span>`}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
    }
  `;
}
