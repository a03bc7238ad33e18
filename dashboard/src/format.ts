const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Cents to "$1,234.56". */
export const money = (cents: number | null | undefined) => (cents == null ? '—' : currency.format(cents / 100));

export const dateTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' }) : '—');

/** "12.50" or "12" dollars to cents; undefined when it is not an amount. */
export function parseDollars(text: string): number | undefined {
  const cleaned = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return undefined;
  const [units, fraction = ''] = cleaned.split('.');
  return Number(units) * 100 + Number(fraction.padEnd(2, '0'));
}

export const isEmail = (text: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim());
