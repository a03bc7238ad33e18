import { TAX_FORM_NAMES, type TaxForm } from '../tax-forms/index.js';

// How the portal words times and emails for people.

const TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const DAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });

/** "30 Nov 2026, 20:54 UTC" */
export const formatTime = (at: Date) => `${TIME.format(at)} UTC`;
export const formatDay = (at: Date) => DAY.format(at);

/** "a***@example.com": enough to recognise one's address, not enough to learn it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** "W-9, TIN ending in 6789, signed 1 Dec 2026" (+ ", valid through 31 Dec 2029" for a W-8BEN). */
export function describeTaxForm(form: TaxForm, now: Date): string {
  const tin = form.tinLast4 ? `, TIN ending in ${form.tinLast4}` : '';
  // A W-8BEN expires at the first instant of a year: it is valid through the day before.
  const lastDay = form.expiresAt && new Date(form.expiresAt.getTime() - 1);
  const expiry =
    form.expiresAt && lastDay ? (form.expiresAt > now ? `, valid through ${formatDay(lastDay)}` : `, expired on ${formatDay(form.expiresAt)}`) : '';
  return `${TAX_FORM_NAMES[form.formType]}${tin}, signed ${formatDay(form.signer.signedAt)}${expiry}`;
}
