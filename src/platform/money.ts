// Money is integer minor units (cents) as bigint everywhere in the code and the database. JSON has
// only doubles, so amounts cross the wire as numbers and are checked to be exact there.

export const DEFAULT_CURRENCY = 'USD';

/** The largest amount a JSON number carries exactly. */
export const MAX_AMOUNT = BigInt(Number.MAX_SAFE_INTEGER);

/** An amount this server computed, for the wire; past 2^53−1 it is a bug, not a rounding. */
export const toWireAmount = (amount: bigint): number => {
  if (amount > MAX_AMOUNT || amount < -MAX_AMOUNT) throw new RangeError(`Amount ${amount} cannot be represented exactly in JSON.`);
  return Number(amount);
};

/**
 * A stored amount, total or balance, for the wire. Every write is bounded to ±(2^53−1) (services
 * and database constraints), but a database written before those bounds may hold more: such a value
 * is answered as the nearest JSON number rather than making the read fail for ever.
 */
export const storedAmountToWire = (amount: bigint): number => Number(amount);

/** Whether a sum of amounts can be stored and read back exactly. */
export const isWithinWireRange = (amount: bigint): boolean => amount <= MAX_AMOUNT && amount >= -MAX_AMOUNT;

export const TOTAL_TOO_LARGE_MESSAGE = `The total of the payouts in one request must not exceed ${MAX_AMOUNT} minor units (2^53−1), the largest amount the API can represent exactly.`;

/** "$1,234.56" style, for people (CLI output, logs). */
export function formatMoney(amount: bigint, currency: string = DEFAULT_CURRENCY): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const units = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${units}.${cents} ${currency}`;
}

/** "$1,234.56": an amount in cents as people read it in emails and pages. */
export function dollars(cents: number): string {
  const units = Math.floor(Math.abs(cents) / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 ? '-' : ''}$${units}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
}
