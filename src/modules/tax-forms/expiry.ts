// A W-8BEN is valid until the end of the third calendar year after signing (w8BenExpiresAt). When
// that instant passes, the recipient's tax state becomes `expired`: a recipient asked for tax
// information loses readiness (its pending payouts wait again, it is emailed to sign a new form).
// A periodic task, every minute, in slices of one short transaction each.
import type { Executor } from '../../platform/db/database.js';
import type { PeriodicTask } from '../../platform/schedule/schedule.js';
import { type RecipientHooks, setTaxFormState } from '../recipients/index.js';
import { lockRecipientsWithExpiredW8Ben } from './expiry.repository.js';

/** Recipients per transaction: bounds how long a slice holds its locks. */
export const TAX_FORM_EXPIRY_SLICE = 200;

/** Marks one slice of recipients whose W-8BEN ran out; answers how many. */
export async function expireW8BenSlice(tx: Executor, hooks: Pick<RecipientHooks, 'readinessChanged'>, limit = TAX_FORM_EXPIRY_SLICE): Promise<number> {
  const due = await lockRecipientsWithExpiredW8Ben(tx, limit);
  for (const { tenant, recipientId } of due) await setTaxFormState(tx, tenant, recipientId, 'expired', { hooks });
  return due.length;
}

/** The periodic task; the readiness hooks come from the app's wiring (payouts move, emails go). */
export const expireW8BenForms = (hooks: Pick<RecipientHooks, 'readinessChanged'>): PeriodicTask => ({
  name: 'expire-w8ben-forms',
  cron: '* * * * *',
  slice: TAX_FORM_EXPIRY_SLICE,
  run: (tx) => expireW8BenSlice(tx, hooks),
});
