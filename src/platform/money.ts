// Money is integer minor units (cents) as bigint everywhere in the code and the database. JSON has
// only doubles, so amounts cross the wire as numbers and are checked to be exact there.

export const DEFAULT_CURRENCY = 'USD';

/** The largest amount a JSON number carries exactly. */
export const MAX_AMOUNT = BigInt(Number.MAX_SAFE_INTEGER);

export const toWireAmount = (amount: bigint): number => {
  if (amount > MAX_AMOUNT || amount < -MAX_AMOUNT) throw new RangeError(`Amount ${amount} cannot be represented exactly in JSON.`);
  return Number(amount);
};

/** "$1,234.56" style, for people (CLI output, logs). */
export function formatMoney(amount: bigint, currency: string = DEFAULT_CURRENCY): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const units = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${units}.${cents} ${currency}`;
}
