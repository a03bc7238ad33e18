// How other modules react to a recipient's changes: payouts move with readiness and acceptance,
// the recipient is emailed about method changes and lost readiness. Wired here, at the top, so
// recipients imports neither payouts nor emails (both of which import recipients).

import type { Config } from './config.js';
import { queueEmail } from './modules/emails/index.js';
import { findOrganization } from './modules/organizations/index.js';
import { reactToReadiness, wakeAwaitingPayoutsOf } from './modules/payouts/index.js';
import { type Actor, getRecipient, type RecipientContext, type RecipientHooks } from './modules/recipients/index.js';
import type { TaxFormContext } from './modules/tax-forms/index.js';
import type { Executor } from './platform/db/database.js';
import { encryptionKeysOf } from './platform/encryption-key.js';
import type { Tenant } from './platform/tenant.js';

const ACTOR_DESCRIPTIONS: Record<Actor['kind'], string> = {
  recipient: 'you',
  user: 'a team member of the sender',
  api_key: 'the sender (through its API)',
  bank: 'your bank (a notification of change)',
};
const describeActor = (actor: Actor) => ACTOR_DESCRIPTIONS[actor.kind];

/** Where the recipient's email goes, and the sender's name it carries. */
async function addressOf(tx: Executor, tenant: Tenant, recipientId: string) {
  const recipient = await getRecipient(tx, tenant, recipientId);
  const organization = await findOrganization(tx, tenant.organizationId);
  return { to: recipient.email, organizationName: organization?.name ?? 'Payouts' };
}

export const recipientHooks: RecipientHooks = {
  acceptanceChanged: wakeAwaitingPayoutsOf,
  async readinessChanged(tx, tenant, recipientId, change) {
    await reactToReadiness(tx, tenant, recipientId, change);
    // Sandbox payees count as ready whatever happens, so only production payees are told to act.
    if (change.ready || tenant.environment === 'sandbox') return;
    const { to, organizationName } = await addressOf(tx, tenant, recipientId);
    await queueEmail(tx, tenant, {
      recipientId,
      to,
      template: 'recipient_action_needed',
      data: { organizationName, recipientId, reason: change.reason ?? 'details missing' },
    });
  },
  async methodChanged(tx, tenant, recipientId, change) {
    const { to, organizationName } = await addressOf(tx, tenant, recipientId);
    await queueEmail(tx, tenant, {
      recipientId,
      to,
      template: 'payout_method_changed',
      data: { organizationName, recipientId, method: change.method, changedBy: describeActor(change.by), changedAt: new Date().toUTCString() },
    });
  },
};

/** What recipients' changes need, for the API's routes and the portal's. */
export const recipientContextFor = (config: Readonly<Config>): RecipientContext => ({
  hooks: recipientHooks,
  encryptionKeys: encryptionKeysOf(config),
  methodChangeHoldHours: config.methodChangeHoldHours,
});

/** What signing a tax form needs (the portal's tax form step; a form changes readiness). */
export const taxFormContextFor = (config: Readonly<Config>): TaxFormContext => ({
  hooks: recipientHooks,
  encryptionKeys: encryptionKeysOf(config),
  links: config,
});
