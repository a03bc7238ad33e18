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
