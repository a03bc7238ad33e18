// What the bank says about a recipient's account, after a payment to it: a return that the account
// is closed or unknown ends the method (the recipient must give a new one), and a notification of
// change corrects its details in place. Both only touch the method the bank saw: if the recipient
// has changed it since, the bank's word is about an account no longer used. Each joins the caller's
// transaction.

import { encryptText } from '../../platform/crypto.js';
import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';
import { isValidRoutingNumber } from './payout-method-validation.js';
import type { RecipientContext } from './payout-methods.service.js';
import * as methodsRepo from './payout-methods.repository.js';
import { recomputeReadiness } from './readiness.js';
import * as repo from './recipients.repository.js';
import { uuidv7 } from '../../platform/ids.js';

const BANK = { byKind: 'bank', byId: null } as const;

/**
 * Ends the method a bank rejected (the bank removed it), if it is still the recipient's active one:
 * the recipient is no longer ready, with `reason` as what it must do, its pending payouts wait
 * again and it is emailed (the readiness hook). Answers whether the method was ended.
 */
export async function invalidateBankMethod(
  tx: Executor,
  tenant: Tenant,
  recipientId: string,
  methodId: string,
  reason: string,
  ctx: Pick<RecipientContext, 'hooks'>,
): Promise<boolean> {
  if (!(await repo.lockRecipient(tx, tenant, recipientId))) return false;
  if (!(await methodsRepo.endPayoutMethodById(tx, tenant, recipientId, methodId, { removal: 'removed', ...BANK }))) return false;
  await recomputeReadiness(tx, tenant, recipientId, ctx.hooks, { methodReason: reason });
  return true;
}

export interface CorrectedBankDetails {
  routingNumber?: string;
  accountNumber?: string;
  accountType?: 'checking' | 'savings';
}

export type CorrectionResult = 'corrected' | 'method_changed' | 'invalid_details';

/**
 * Records the bank's corrected details (a notification of change) as a new version of the method,
 * set by the bank, if the method is still the recipient's active one. No hold: the money goes to
 * the same account, which the bank itself identified; the recipient is told by email.
 */
export async function correctBankMethod(
  tx: Executor,
  tenant: Tenant,
  methodId: string,
  corrected: CorrectedBankDetails,
  ctx: Pick<RecipientContext, 'hooks' | 'encryptionKeys'>,
): Promise<CorrectionResult> {
  const seen = await methodsRepo.findBankMethodById(tx, tenant, methodId);
  if (!seen || !(await repo.lockRecipient(tx, tenant, seen.recipientId))) return 'method_changed';
  // Read again under the recipient's lock: a method change made meanwhile wins.
  const method = await methodsRepo.findBankMethodById(tx, tenant, methodId);
  if (!method?.active) return 'method_changed';
  const routingNumber = corrected.routingNumber ?? method.routingNumber;
  const accountNumber = corrected.accountNumber;
  if (!isValidRoutingNumber(routingNumber) || (accountNumber !== undefined && !/^\d{4,17}$/.test(accountNumber))) return 'invalid_details';
  const accountType = corrected.accountType ?? method.accountType;
  const last4 = accountNumber?.slice(-4) ?? method.accountNumberLast4;

  await methodsRepo.endPayoutMethodById(tx, tenant, method.recipientId, method.id, { removal: 'replaced', ...BANK });
  await methodsRepo.insertPayoutMethod(tx, tenant, {
    id: uuidv7(),
    recipientId: method.recipientId,
    type: 'us_bank_account',
    accountHolderName: method.accountHolderName,
    accountHolderType: method.accountHolderType,
    routingNumber,
    // An uncorrected account number is carried over sealed, never decrypted.
    accountNumberEncrypted: accountNumber === undefined ? method.accountNumberEncrypted : encryptText(ctx.encryptionKeys, accountNumber),
    accountNumberLast4: last4,
    accountType,
    paypalEmail: null,
    setByKind: 'bank',
    setById: null,
  });
  const described = `a ${accountType ?? 'bank'} account ending in ${last4}`;
  await ctx.hooks.methodChanged(tx, tenant, method.recipientId, { method: described, by: { kind: 'bank' }, replaced: true });
  return 'corrected';
}
