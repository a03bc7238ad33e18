import { parseAmount } from './csv-import.js';
const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Cents to "$1,234.56". */
export const money = (cents: number | null | undefined) => (cents == null ? '—' : currency.format(cents / 100));

export const dateTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' }) : '—');

/**
 * Dollars typed by a person to cents, by the one strict rule the CSV import uses (`parseAmount`):
 * `1234.56`, `1234` or `$1,234.56`; undefined for anything that could mean another amount, such as
 * a decimal comma (`10,50`), which a looser reading would take for $1,050.
 */
export function parseDollars(text: string): number | undefined {
  const reading = parseAmount(text);
  return reading.ok ? Number(reading.cents) : undefined;
}
