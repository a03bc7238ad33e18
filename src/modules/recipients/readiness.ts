// Readiness: whether a recipient's payouts may move, and if not, what the recipient must do. One
// rule (readinessOf) and one function that applies it (recomputeReadiness), used by every change
// that can affect it: a payout method set or removed, a bank's return, a tax form signed or
// expired, and the business turning tax collection on or off.

import type { Executor } from '../../platform/db/database.js';
import { notFound } from '../../platform/http/errors.js';
import { isUuid } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';
import * as repo from './recipients.repository.js';
import type { Recipient, TaxFormState } from './recipients.repository.js';

/** Why a recipient without a method is not ready (after "Recipient action needed: "). */
export const NO_METHOD_REASON = 'no payout method on file';
export const TAX_FORM_NEEDED_REASON = 'a tax form (W-9 or W-8BEN) is needed';
export const BACKUP_WITHHOLDING_REASON =
  'backup withholding applies (certification item 2 was struck), which this service does not support — contact the sender';
export const TAX_FORM_EXPIRED_REASON = 'the W-8BEN expired — sign a new one';

const TAX_REASONS: ReadonlySet<string> = new Set([TAX_FORM_NEEDED_REASON, BACKUP_WITHHOLDING_REASON, TAX_FORM_EXPIRED_REASON]);

/** What happens elsewhere when readiness changes (wired in app.ts: payouts move, the recipient is emailed). */
export interface ReadinessHooks {
  /** Readiness changed; `reason` says why it is lost (null when it became ready). */
  readinessChanged(tx: Executor, tenant: Tenant, recipientId: string, change: { ready: boolean; reason: string | null }): Promise<void>;
}

export interface ReadinessFacts {
  hasMethod: boolean;
  shouldCollectTaxInfo: boolean;
  taxFormState: TaxFormState | null;
  /** The reason on file now: a bank's reason for ending the method is kept while no method replaces it. */
  currentReason: string | null;
}

export interface Readiness {
  ready: boolean;
  /** null with `ready: false` means "invited": the recipient has not onboarded yet, nothing went wrong. */
  reason: string | null;
}

/**
 * ready = an active payout method AND (tax information not asked for OR a valid current form).
 * A struck certification item 2 holds payouts even when the business no longer asks for tax
 * information: the recipient told us backup withholding applies, and paying in full would be
 * wrong whatever the setting. The method comes first: without one, nothing else can be done.
 */
export function readinessOf(facts: ReadinessFacts, methodReason?: string): Readiness {
  if (!facts.hasMethod) {
    if (methodReason !== undefined) return { ready: false, reason: methodReason };
    // Never onboarded (no reason on file): still "invited", whatever the tax settings say.
    if (facts.currentReason === null) return { ready: false, reason: null };
    return { ready: false, reason: TAX_REASONS.has(facts.currentReason) ? NO_METHOD_REASON : facts.currentReason };
  }
  if (facts.taxFormState === 'backup_withholding') return { ready: false, reason: BACKUP_WITHHOLDING_REASON };
  if (facts.shouldCollectTaxInfo && facts.taxFormState === null) return { ready: false, reason: TAX_FORM_NEEDED_REASON };
  if (facts.shouldCollectTaxInfo && facts.taxFormState === 'expired') return { ready: false, reason: TAX_FORM_EXPIRED_REASON };
  return { ready: true, reason: null };
}

export interface RecomputeOptions {
  /** Why the method is gone, when this change ended it (a removal, a bank's return). */
  methodReason?: string;
  /** The recipient set the method itself (from now on only it may change it). */
  setByRecipient?: boolean;
  /** Hold the recipient's payouts this many hours (a replaced method). */
  holdHours?: number | null;
}

/**
 * Applies the rule to the recipient as it is now in `tx` and records the result. The caller holds
 * the recipient's row lock (lockRecipientForChange). `hooks.readinessChanged` runs only when
 * readiness itself changed: it moves payouts (pending ↔ awaiting_acceptance) and emails the
 * recipient, which a mere change of reason must not repeat.
 */
export async function recomputeReadiness(
  tx: Executor,
  tenant: Tenant,
  recipientId: string,
  hooks: ReadinessHooks,
  options: RecomputeOptions = {},
): Promise<Recipient> {
  const before = await reloadRecipient(tx, tenant, recipientId);
  const after = readinessOf(
    {
      hasMethod: before.payoutMethod !== null,
      shouldCollectTaxInfo: before.shouldCollectTaxInfo,
      taxFormState: before.taxFormState,
      currentReason: before.actionNeededReason,
    },
    options.methodReason,
  );
  await repo.updateRecipientReadiness(tx, tenant, recipientId, {
    ready: after.ready,
    actionNeededReason: after.reason,
    setByRecipient: options.setByRecipient ?? false,
    holdHours: options.holdHours ?? null,
  });
  if (after.ready !== before.ready) await hooks.readinessChanged(tx, tenant, recipientId, { ready: after.ready, reason: after.reason });
  return reloadRecipient(tx, tenant, recipientId);
}

/** Locks the recipient's row for a change to its method, tax form or readiness, and answers it. */
export async function lockRecipientForChange(tx: Executor, tenant: Tenant, recipientId: string): Promise<Recipient> {
  if (!isUuid(recipientId) || !(await repo.lockRecipient(tx, tenant, recipientId))) throw notFound('recipient', 'id');
  return reloadRecipient(tx, tenant, recipientId);
}

export async function reloadRecipient(ex: Executor, tenant: Tenant, recipientId: string): Promise<Recipient> {
  const [recipient] = isUuid(recipientId) ? await repo.findRecipientsByIds(ex, tenant, [recipientId]) : [];
  if (!recipient) throw notFound('recipient', 'id');
  return recipient;
}

/**
 * Records the recipient's tax form state (a form signed, or a W-8BEN expired) and recomputes its
 * readiness. Locks the recipient (again, harmlessly, when the caller already holds the lock).
 */
export async function setTaxFormState(
  tx: Executor,
  tenant: Tenant,
  recipientId: string,
  state: TaxFormState | null,
  ctx: { hooks: ReadinessHooks },
): Promise<Recipient> {
  await lockRecipientForChange(tx, tenant, recipientId);
  await repo.updateTaxFormState(tx, tenant, recipientId, state);
  return recomputeReadiness(tx, tenant, recipientId, ctx.hooks);
}
