// Payout methods and readiness: who may set a method, what is recorded, and what other modules
// hear about it (hooks, wired in app.ts). Every function joins the caller's transaction.

import { encryptText, type KeyRing } from '../../platform/crypto.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';
import { type FieldError, isCountryCode, type PayoutMethodInput, validatePayoutMethod } from './payout-method-validation.js';
import * as methodsRepo from './payout-methods.repository.js';
import { lockRecipientForChange, NO_METHOD_REASON, type ReadinessHooks, recomputeReadiness, reloadRecipient } from './readiness.js';
import * as repo from './recipients.repository.js';
import type { ActiveMethod, Recipient, RecipientStatus } from './recipients.repository.js';

/** Who made a change: the recipient (portal session), a dashboard user, an API key, or the bank (a return or a notification of change). */
export type Actor = { kind: 'recipient' } | { kind: 'user'; id: string } | { kind: 'api_key'; id: string } | { kind: 'bank' };

/**
 * What other modules do when a recipient changes, inside the same transaction. The app wires them
 * (payouts reacts to acceptance and readiness, emails to method changes), so recipients depends on
 * no module that depends on it.
 */
export interface RecipientHooks extends ReadinessHooks {
  /** The recipient now accepts payouts automatically: its waiting payouts may move on. */
  acceptanceChanged(tx: Executor, tenant: Tenant, recipientId: string): Promise<void>;
  /** A method was set or replaced; `method` describes it for people, masked ("bank account ending 6789"). */
  methodChanged(tx: Executor, tenant: Tenant, recipientId: string, change: { method: string; by: Actor; replaced: boolean }): Promise<void>;
}

export interface RecipientContext {
  hooks: RecipientHooks;
  encryptionKeys: KeyRing;
  methodChangeHoldHours: number;
}

export const recipientStatus = (r: Pick<Recipient, 'ready' | 'actionNeededReason'>): RecipientStatus =>
  r.ready ? 'ready' : r.actionNeededReason !== null ? 'action_needed' : 'invited';

/** `jane@example.com` → `j***@example.com`. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
};

export type MaskedPayoutMethod = { type: 'us_bank_account'; last4: string; holderType: 'individual' | 'business' } | { type: 'paypal'; email: string };

export const maskPayoutMethod = (method: ActiveMethod | null): MaskedPayoutMethod | null =>
  method === null
    ? null
    : method.type === 'us_bank_account'
      ? { type: 'us_bank_account', last4: method.last4, holderType: method.holderType }
      : { type: 'paypal', email: maskEmail(method.email) };

const describeMethod = (input: PayoutMethodInput): string =>
  input.type === 'us_bank_account' ? `a ${input.accountType} account ending in ${input.accountNumber.slice(-4)}` : `PayPal (${maskEmail(input.email)})`;

const actorId = (actor: Actor) => ('id' in actor ? actor.id : null);

function refuseBusinessOverRecipient(recipient: Recipient, actor: Actor): void {
  if (actor.kind !== 'recipient' && recipient.methodEverSetByRecipient) {
    throw new AppError(
      'conflict',
      'This recipient has set its own payout method, so only the recipient can change it (through its onboarding link). Ask the recipient to update it.',
      'id',
    );
  }
}

/**
 * Sets the recipient's payout method (the input already validated). A business may do so only
 * while the recipient never set one itself; replacing a method holds the recipient's payouts for
 * METHOD_CHANGE_HOLD_HOURS. The account number is sealed before it reaches any SQL.
 */
export async function setPayoutMethod(
  tx: Executor,
  tenant: Tenant,
  recipientId: string,
  input: PayoutMethodInput,
  actor: Actor,
  ctx: RecipientContext,
): Promise<Recipient> {
  const before = await lockRecipientForChange(tx, tenant, recipientId);
  refuseBusinessOverRecipient(before, actor);
  // A method after an earlier one counts as a change (and holds payouts) even when the earlier
  // one was removed first: removing and then setting must not get around the hold.
  const hadOne = await methodsRepo.hadPayoutMethod(tx, tenant, recipientId);
  const replaced = await methodsRepo.endActivePayoutMethod(tx, tenant, recipientId, { removal: 'replaced', byKind: actor.kind, byId: actorId(actor) });
  const bank = input.type === 'us_bank_account' ? input : undefined;
  await methodsRepo.insertPayoutMethod(tx, tenant, {
    id: uuidv7(),
    recipientId,
    type: input.type,
    accountHolderName: bank?.accountHolderName ?? null,
    accountHolderType: bank?.accountHolderType ?? null,
    routingNumber: bank?.routingNumber ?? null,
    accountNumberEncrypted: bank ? encryptText(ctx.encryptionKeys, bank.accountNumber) : null,
    accountNumberLast4: bank ? bank.accountNumber.slice(-4) : null,
    accountType: bank?.accountType ?? null,
    paypalEmail: input.type === 'paypal' ? input.email : null,
    setByKind: actor.kind,
    setById: actorId(actor),
  });
  await ctx.hooks.methodChanged(tx, tenant, recipientId, { method: describeMethod(input), by: actor, replaced: replaced || hadOne });
  return recomputeReadiness(tx, tenant, recipientId, ctx.hooks, {
    setByRecipient: actor.kind === 'recipient',
    holdHours: hadOne && ctx.methodChangeHoldHours > 0 ? ctx.methodChangeHoldHours : null,
  });
}

/** Removes the active method: the recipient is no longer ready and its pending payouts wait again. */
export async function removePayoutMethod(tx: Executor, tenant: Tenant, recipientId: string, actor: Actor, ctx: RecipientContext): Promise<Recipient> {
  const before = await lockRecipientForChange(tx, tenant, recipientId);
  if (!before.payoutMethod) throw notFound('payout method', 'id');
  refuseBusinessOverRecipient(before, actor);
  await methodsRepo.endActivePayoutMethod(tx, tenant, recipientId, { removal: 'removed', byKind: actor.kind, byId: actorId(actor) });
  return recomputeReadiness(tx, tenant, recipientId, ctx.hooks, { methodReason: NO_METHOD_REASON });
}

export interface RecipientProfile {
  firstName: string;
  lastName: string;
  country: string;
}

/** The onboarding's first step: name and country (ISO 3166-1 alpha-2), each mistake on its field. */
export async function updateRecipientProfile(tx: Executor, tenant: Tenant, recipientId: string, profile: RecipientProfile): Promise<Recipient> {
  const errors: FieldError[] = [];
  const firstName = profile.firstName?.trim() ?? '';
  const lastName = profile.lastName?.trim() ?? '';
  const country = profile.country?.trim().toUpperCase() ?? '';
  if (!firstName || firstName.length > 200) errors.push({ param: 'firstName', message: 'The first name is required (up to 200 characters).' });
  if (!lastName || lastName.length > 200) errors.push({ param: 'lastName', message: 'The last name is required (up to 200 characters).' });
  if (!isCountryCode(country)) errors.push({ param: 'country', message: 'The country must be a two-letter ISO 3166-1 code, such as `US`.' });
  const [first] = errors;
  if (first) throw new AppError('invalid_request', first.message, first.param);
  if (!isUuid(recipientId)) throw notFound('recipient', 'id');
  const recipient = await repo.updateRecipientById(tx, tenant, recipientId, { firstName, lastName, country });
  if (!recipient) throw notFound('recipient', 'id');
  return recipient;
}

/** "Accept future payouts automatically": turning it on lets waiting payouts of a ready recipient move on. */
export async function setAutoAccept(tx: Executor, tenant: Tenant, recipientId: string, on: boolean, ctx: Pick<RecipientContext, 'hooks'>): Promise<Recipient> {
  if (!isUuid(recipientId)) throw notFound('recipient', 'id');
  const recipient = await repo.updateRecipientById(tx, tenant, recipientId, { autoAcceptPayouts: on });
  if (!recipient) throw notFound('recipient', 'id');
  if (on) await ctx.hooks.acceptanceChanged(tx, tenant, recipientId);
  return recipient;
}

export async function listPayoutMethodHistory(ex: Executor, tenant: Tenant, recipientId: string, page: { limit: number; before: string | null }) {
  await reloadRecipient(ex, tenant, recipientId);
  return methodsRepo.listPayoutMethods(ex, tenant, recipientId, page);
}

/** `PUT /recipients/{id}/payout-method`: the first field at fault is the answer's `param`; nothing is saved unless all pass. */
export async function putPayoutMethod(
  db: Database,
  tenant: Tenant,
  recipientId: string,
  body: unknown,
  actor: Actor,
  ctx: RecipientContext,
): Promise<Recipient> {
  const checked = validatePayoutMethod(body);
  if (!checked.ok) {
    const [first] = checked.errors;
    throw new AppError('invalid_request', first!.message, first!.param);
  }
  return db.transaction((tx) => setPayoutMethod(tx, tenant, recipientId, checked.value, actor, ctx));
}

export const deletePayoutMethod = (db: Database, tenant: Tenant, recipientId: string, actor: Actor, ctx: RecipientContext): Promise<Recipient> =>
  db.transaction((tx) => removePayoutMethod(tx, tenant, recipientId, actor, ctx));
