// An organization's ACH bank settings, checked field by field so each mistake names its own field
// (the API's `param`, the dashboard's form field). Pure: nothing is saved until everything passes.
import { isValidRoutingNumber } from '../recipients/index.js';

export interface AchSettingsInput {
  odfiRouting: string;
  immediateDestination: string;
  immediateDestinationName: string;
  immediateOrigin: string;
  immediateOriginName: string;
  companyId: string;
  companyName: string;
  companyEntryDescription: string;
  balanced: boolean;
  offsetRoutingNumber: string | null;
  /** Write-only; undefined keeps the stored one. */
  offsetAccountNumber?: string | null;
  offsetAccountType: 'checking' | 'savings' | null;
  cutoffTime: string;
}

export interface FieldError {
  param: string;
  message: string;
}

/** Printable ASCII: what every bank's NACHA reader accepts (stored upper-cased, as files carry it). */
const NACHA_TEXT = /^[ -~]+$/;
const CUTOFF = /^([01]\d|2[0-3]):[0-5]\d$/;

const str = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

function textField(input: Record<string, unknown>, param: string, label: string, max: number, errors: FieldError[]): string {
  const value = str(input[param]).toUpperCase();
  if (value === '' || value.length > max || !NACHA_TEXT.test(value)) {
    errors.push({ param, message: `${label} is required: up to ${max} letters, digits, spaces or punctuation.` });
  }
  return value;
}

function routingField(input: Record<string, unknown>, param: string, label: string, errors: FieldError[]): string {
  const value = str(input[param]);
  if (!isValidRoutingNumber(value)) errors.push({ param, message: `${label} must be a valid 9-digit routing number (its check digit must match).` });
  return value;
}

/**
 * Checks a whole settings form. `hasStoredOffsetAccount` lets a balanced organization save other
 * changes without typing its offset account number again (the number is never shown back).
 */
export function validateAchSettings(
  raw: unknown,
  hasStoredOffsetAccount: boolean,
): { ok: true; value: AchSettingsInput } | { ok: false; errors: FieldError[] } {
  const input = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const odfiRouting = routingField(input, 'odfiRouting', 'The ODFI routing number', errors);
  // The immediate destination is the bank that receives the file, nearly always the ODFI itself.
  const immediateDestination =
    str(input.immediateDestination) === '' ? odfiRouting : routingField(input, 'immediateDestination', 'The immediate destination', errors);
  const immediateDestinationName = textField(input, 'immediateDestinationName', 'The immediate destination name', 23, errors);
  const immediateOrigin = str(input.immediateOrigin);
  if (!/^\d{9,10}$/.test(immediateOrigin)) {
    errors.push({ param: 'immediateOrigin', message: 'The immediate origin must be 9 or 10 digits, as your bank assigned it.' });
  }
  const immediateOriginName = textField(input, 'immediateOriginName', 'The immediate origin name', 23, errors);
  const companyId = str(input.companyId).toUpperCase();
  if (!/^[0-9A-Z]{10}$/.test(companyId))
    errors.push({ param: 'companyId', message: 'The company ID must be 10 letters or digits (often 1 followed by your EIN).' });
  const companyName = textField(input, 'companyName', 'The company name', 16, errors);
  const companyEntryDescription = textField(input, 'companyEntryDescription', 'The company entry description', 10, errors);
  if (input.balanced !== undefined && typeof input.balanced !== 'boolean') errors.push({ param: 'balanced', message: 'Balanced must be true or false.' });
  const balanced = input.balanced === true;
  let offsetRoutingNumber: string | null = null;
  let offsetAccountNumber: string | null | undefined = null;
  let offsetAccountType: 'checking' | 'savings' | null = null;
  if (balanced) {
    offsetRoutingNumber = routingField(input, 'offsetRoutingNumber', 'The offset routing number', errors);
    const account = str(input.offsetAccountNumber);
    if (account === '' && hasStoredOffsetAccount) offsetAccountNumber = undefined;
    else if (!/^\d{4,17}$/.test(account)) errors.push({ param: 'offsetAccountNumber', message: 'The offset account number must be 4 to 17 digits.' });
    else offsetAccountNumber = account;
    if (input.offsetAccountType !== 'checking' && input.offsetAccountType !== 'savings') {
      errors.push({ param: 'offsetAccountType', message: 'The offset account type must be `checking` or `savings`.' });
    } else offsetAccountType = input.offsetAccountType;
  }
  const cutoffTime = str(input.cutoffTime) === '' ? '16:00' : str(input.cutoffTime);
  if (!CUTOFF.test(cutoffTime)) errors.push({ param: 'cutoffTime', message: 'The daily cut-off must be a time as HH:MM (24-hour), in the bank’s time zone.' });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      odfiRouting,
      immediateDestination,
      immediateDestinationName,
      immediateOrigin,
      immediateOriginName,
      companyId,
      companyName,
      companyEntryDescription,
      balanced,
      offsetRoutingNumber,
      offsetAccountNumber,
      offsetAccountType,
      cutoffTime,
    },
  };
}
