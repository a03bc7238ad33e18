// Fixed-width field helpers shared by the writer and the parser.

export const RECORD_LENGTH = 94;
export const BLOCKING_FACTOR = 10;
export const PADDING_RECORD = '9'.repeat(RECORD_LENGTH);

/** Characters NACHA accepts in alphameric fields (upper case only: we never write lower case). */
const NACHA_CHARACTER = /[A-Z0-9 !"&'()*+,\-./:;?=%~@[\]{}\\|<>#$]/;

/** Upper-cases, drops accents (É → E rather than a space) and replaces anything outside the NACHA set by a space. */
export function nachaText(value: string): string {
  const plain = value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase();
  let out = '';
  for (const ch of plain) out += NACHA_CHARACTER.test(ch) ? ch : ' ';
  return out;
}

/** Left-justified, space-filled, truncated to `width`. */
export function alpha(value: string, width: number): string {
  return nachaText(value).slice(0, width).padEnd(width, ' ');
}

/** Right-justified, zero-filled; throws when the number does not fit (a silently cut amount or count is a wrong file). */
export function numeric(value: bigint | number, width: number, what: string): string {
  const text = value.toString();
  if (!/^\d+$/.test(text) || text.length > width) throw new Error(`${what} ${text} does not fit in ${width} digits.`);
  return text.padStart(width, '0');
}

/** The ABA check digit rule (weights 3, 7, 1). Kept here so nacha/ stays self-contained. */
export function isAbaRoutingNumber(routing: string): boolean {
  if (!/^\d{9}$/.test(routing) || routing === '000000000') return false;
  const d = [...routing].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]! + d[8]!);
  return sum % 10 === 0;
}

/** Credit transaction codes end in 1–4 (22 credit, 21 its return/NOC…), debit codes in 6–9. */
export function isDebitTransactionCode(code: number): boolean {
  return code % 10 >= 5;
}

export const ENTRY_HASH_MODULUS = 10_000_000_000n;
