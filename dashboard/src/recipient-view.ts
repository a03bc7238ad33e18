// How a recipient reads in the dashboard: its status in words, its payout method masked, and who
// changed what. Shared by the recipients list and the recipient's own page.
import { html, nothing } from './ui.js';

export type RecipientStatus = 'invited' | 'action_needed' | 'ready';

/** The API masks what it returns (last 4 digits, `j***@example.com`); the dashboard never sees more. */
export type PayoutMethod = { type: 'us_bank_account'; last4: string; holderType?: string } | { type: 'paypal'; email: string };

export interface Recipient {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string;
  nickname: string | null;
  createdAt: string;
  onboardingUrl: string;
  autoAcceptPayouts: boolean;
  shouldCollectTaxInfo: boolean;
  emailUndeliverable: boolean;
  status?: RecipientStatus;
  payoutMethod?: PayoutMethod | null;
  actionNeededReason?: string | null;
  country?: string | null;
  payoutsHeldUntil?: string | null;
}

export const RECIPIENT_STATUS_LABELS: Record<RecipientStatus, string> = {
  invited: 'Invited',
  action_needed: 'Action needed',
  ready: 'Ready',
};

export const recipientStatusBadge = (status: RecipientStatus | undefined) =>
  status ? html`<span class="badge badge-recipient-${status}" data-recipient-status=${status}>${RECIPIENT_STATUS_LABELS[status] ?? status}</span>` : '—';

/** "Bank ••••1234", "PayPal j***@example.com", or "—" while none is set. */
export function methodLabel(method: PayoutMethod | null | undefined): string {
  if (!method) return '—';
  if (method.type === 'us_bank_account') return `Bank ••••${method.last4}`;
  if (method.type === 'paypal') return `PayPal ${method.email}`;
  return '—';
}

const HOLDER_TYPES: Record<string, string> = { individual: 'Individual', business: 'Business' };

/** The method with what the API shows beside it: whose account (an individual's or a business's). */
export function methodDetails(method: PayoutMethod | null | undefined) {
  const holder = method?.type === 'us_bank_account' ? HOLDER_TYPES[method.holderType ?? ''] : undefined;
  return html`<span data-testid="payout-method">${methodLabel(method)}</span>${holder ? html` <span class="muted">(${holder})</span>` : nothing}`;
}

export const recipientName = (r: { firstName: string | null; lastName: string | null }) => [r.firstName, r.lastName].filter(Boolean).join(' ');

export const undeliverableBadge = html`<span class="badge badge-undeliverable" data-testid="undeliverable-badge" title="A permanent SMTP refusal: emails to this address do not arrive">Email undeliverable</span>`;
