// What a payout method must look like, checked field by field so each mistake names its own field
// (the API's `param`, the portal's form field). Pure: nothing is saved until everything passes.

export type PayoutMethodInput =
  | {
      type: 'us_bank_account';
      accountHolderName: string;
      accountHolderType: 'individual' | 'business';
      routingNumber: string;
      accountNumber: string;
      accountType: 'checking' | 'savings';
    }
  | { type: 'paypal'; email: string };

export interface FieldError {
  param: string;
  message: string;
}

export type ValidationResult = { ok: true; value: PayoutMethodInput } | { ok: false; errors: FieldError[] };

/** ABA routing number checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) is a multiple of 10. */
export function isValidRoutingNumber(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  const d = [...routing].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]! + d[8]!);
  return sum % 10 === 0 && routing !== '000000000';
}

const EMAIL = /^[^\s@<>()",;:\\]+@[^\s@<>()",;:\\]+\.[^\s@<>()",;:\\]+$/;
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : undefined);

function oneOf<T extends string>(value: unknown, allowed: readonly T[], param: string, label: string, errors: FieldError[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    errors.push({ param, message: `${label} must be ${allowed.map((a) => `\`${a}\``).join(' or ')}.` });
  }
  return value as T;
}

function bankAccount(input: Record<string, unknown>, errors: FieldError[]): PayoutMethodInput {
  const accountHolderName = text(input.accountHolderName);
  if (!accountHolderName || accountHolderName.length > 200) {
    errors.push({ param: 'accountHolderName', message: 'The account holder name is required (up to 200 characters).' });
  }
  const accountHolderType = oneOf(input.accountHolderType, ['individual', 'business'] as const, 'accountHolderType', 'The account holder type', errors);
  const routingNumber = text(input.routingNumber) ?? '';
  if (!/^\d{9}$/.test(routingNumber)) errors.push({ param: 'routingNumber', message: 'The routing number must be exactly 9 digits.' });
  else if (!isValidRoutingNumber(routingNumber)) {
    errors.push({ param: 'routingNumber', message: 'This is not a valid routing number (its check digit does not match). Please check it.' });
  }
  // The message never repeats the number: it may be a real account number with a typo.
  const accountNumber = text(input.accountNumber) ?? '';
  if (!/^\d{4,17}$/.test(accountNumber)) errors.push({ param: 'accountNumber', message: 'The account number must be 4 to 17 digits, with nothing else.' });
  const accountType = oneOf(input.accountType, ['checking', 'savings'] as const, 'accountType', 'The account type', errors);
  return { type: 'us_bank_account', accountHolderName: accountHolderName ?? '', accountHolderType, routingNumber, accountNumber, accountType };
}

const BANK_FIELDS = ['type', 'accountHolderName', 'accountHolderType', 'routingNumber', 'accountNumber', 'accountType'];
const PAYPAL_FIELDS = ['type', 'email'];

/** Checks a payout method as the API or the portal received it; every field's mistake is reported. */
export function validatePayoutMethod(input: unknown): ValidationResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ param: 'type', message: 'A payout method is required.' }] };
  }
  const fields = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  let value: PayoutMethodInput;
  if (fields.type === 'us_bank_account') value = bankAccount(fields, errors);
  else if (fields.type === 'paypal') {
    const email = text(fields.email)?.toLowerCase() ?? '';
    if (!EMAIL.test(email) || email.length > 320) errors.push({ param: 'email', message: 'The PayPal email must be an email address.' });
    value = { type: 'paypal', email };
  } else {
    return { ok: false, errors: [{ param: 'type', message: 'The payout method type must be `us_bank_account` or `paypal`.' }] };
  }
  const known = value.type === 'paypal' ? PAYPAL_FIELDS : BANK_FIELDS;
  for (const key of Object.keys(fields)) {
    if (!known.includes(key)) errors.push({ param: key, message: `\`${key}\` is not a field of a \`${value.type}\` payout method.` });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

const REGIONS = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

// Intl also names groupings, private-use codes (EU, UN, EZ, QO, XA…) and the exceptionally
// reserved ones (Ascension Island, Canary Islands…): none is an ISO 3166-1 country.
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'UN', 'EZ', 'AC', 'CP', 'DG', 'EA', 'IC', 'TA']);

/** ISO 3166-1 alpha-2 in current use, upper case (`US`, `DE`); what Intl knows as a region name. */
export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code) || code.startsWith('Q') || (code.startsWith('X') && code !== 'XK')) return false;
  try {
    // A retired code (DD, UK, YU, SU, ZR…) is an alias of a current one: offering both would list
    // Germany twice and store East Germany for one of them.
    if (Intl.getCanonicalLocales(`und-${code}`)[0] !== `und-${code}`) return false;
    return REGIONS.of(code) !== undefined;
  } catch {
    return false;
  }
}
