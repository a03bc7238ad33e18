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
const ACCOUNT_TYPES: Record<string, string> = { checking: 'Checking', savings: 'Savings' };

/** The method with the details the API lets us show beside it: holder and account type. */
export function methodDetails(method: (PayoutMethod & { accountType?: string }) | null | undefined) {
  if (!method) return html`<span data-testid="payout-method">—</span>`;
  const extras = method.type === 'us_bank_account' ? [HOLDER_TYPES[method.holderType ?? ''], ACCOUNT_TYPES[method.accountType ?? '']].filter(Boolean) : [];
  return html`<span data-testid="payout-method">${methodLabel(method)}</span>${extras.length ? html` <span class="muted">(${extras.join(', ')})</span>` : nothing}`;
}

export const recipientName = (r: { firstName: string | null; lastName: string | null }) => [r.firstName, r.lastName].filter(Boolean).join(' ');

export const undeliverableBadge = html`<span class="badge badge-undeliverable" data-testid="undeliverable-badge" title="A permanent SMTP refusal: emails to this address do not arrive">Email undeliverable</span>`;
