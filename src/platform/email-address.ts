// A deliberately strict address check for anything that goes into a mail header: a bare
// local@domain (no display name, comments, quotes, angle brackets, spaces or CR/LF), so no
// address can smuggle a second recipient or a header into a message.

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isPlainEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at < 1) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  const labels = domain.split('.');
  return labels.length >= 1 && labels.every((label) => LABEL.test(label));
}

/** The host part of an address (for Message-IDs). */
export const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1);
