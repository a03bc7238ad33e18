import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

export type ActorKind = 'recipient' | 'user' | 'api_key' | 'bank';

export interface NewPayoutMethod {
  id: string;
  recipientId: string;
  type: 'us_bank_account' | 'paypal';
  accountHolderName: string | null;
  accountHolderType: 'individual' | 'business' | null;
  routingNumber: string | null;
  /** Already sealed by platform/crypto: this module never writes an account number in clear. */
  accountNumberEncrypted: string | null;
  accountNumberLast4: string | null;
  accountType: 'checking' | 'savings' | null;
  paypalEmail: string | null;
  setByKind: ActorKind;
  setById: string | null;
}

export async function insertPayoutMethod(ex: Executor, tenant: Tenant, m: NewPayoutMethod): Promise<void> {
  await ex.query(
    `insert into payout_methods (id, organization_id, environment, recipient_id, type, account_holder_name, account_holder_type, routing_number,
       account_number_encrypted, account_number_last4, account_type, paypal_email, set_by_kind, set_by_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      m.id,
      tenant.organizationId,
      tenant.environment,
      m.recipientId,
      m.type,
      m.accountHolderName,
      m.accountHolderType,
      m.routingNumber,
      m.accountNumberEncrypted,
      m.accountNumberLast4,
      m.accountType,
      m.paypalEmail,
      m.setByKind,
      m.setById,
    ],
  );
}

/** Whether the recipient ever had a payout method (active or ended). */
export async function hadPayoutMethod(ex: Executor, tenant: Tenant, recipientId: string): Promise<boolean> {
  const rows = await ex.query('select 1 from payout_methods where organization_id = $1 and environment = $2 and recipient_id = $3 limit 1', [
    tenant.organizationId,
    tenant.environment,
    recipientId,
  ]);
  return rows.length > 0;
}

/** Ends the recipient's active method (replaced or removed, by whom); answers whether there was one. */
export async function endActivePayoutMethod(
  ex: Executor,
  tenant: Tenant,
  recipientId: string,
  end: { removal: 'replaced' | 'removed'; byKind: ActorKind; byId: string | null },
): Promise<boolean> {
  const rows = await ex.query(
    `update payout_methods set removed_at = now(), removal = $4, removed_by_kind = $5, removed_by_id = $6
     where organization_id = $1 and environment = $2 and recipient_id = $3 and removed_at is null
     returning id`,
    [tenant.organizationId, tenant.environment, recipientId, end.removal, end.byKind, end.byId],
  );
  return rows.length > 0;
}

export interface PayoutMethodRecord {
  id: string;
  type: 'us_bank_account' | 'paypal';
  accountHolderName: string | null;
  accountHolderType: 'individual' | 'business' | null;
  routingNumber: string | null;
  accountNumberLast4: string | null;
  accountType: 'checking' | 'savings' | null;
  paypalEmail: string | null;
  setByKind: ActorKind;
  setById: string | null;
  createdAt: Date;
  removedAt: Date | null;
  removal: 'replaced' | 'removed' | null;
  removedByKind: ActorKind | null;
  removedById: string | null;
}

interface PayoutMethodRow {
  id: string;
  type: 'us_bank_account' | 'paypal';
  account_holder_name: string | null;
  account_holder_type: 'individual' | 'business' | null;
  routing_number: string | null;
  account_number_last4: string | null;
  account_type: 'checking' | 'savings' | null;
  paypal_email: string | null;
  set_by_kind: ActorKind;
  set_by_id: string | null;
  created_at: Date;
  removed_at: Date | null;
  removal: 'replaced' | 'removed' | null;
  removed_by_kind: ActorKind | null;
  removed_by_id: string | null;
}

/** A recipient's methods, newest first; the encrypted account number is not even read. */
export async function listPayoutMethods(
  ex: Executor,
  tenant: Tenant,
  recipientId: string,
  page: { limit: number; before: string | null },
): Promise<PayoutMethodRecord[]> {
  const rows = await ex.query<PayoutMethodRow>(
    `select id, type, account_holder_name, account_holder_type, routing_number, account_number_last4, account_type, paypal_email,
       set_by_kind, set_by_id, created_at, removed_at, removal, removed_by_kind, removed_by_id
     from payout_methods
     where organization_id = $1 and environment = $2 and recipient_id = $3 and ($4::uuid is null or id < $4)
     order by id desc limit $5`,
    [tenant.organizationId, tenant.environment, recipientId, page.before, page.limit + 1],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    accountHolderName: r.account_holder_name,
    accountHolderType: r.account_holder_type,
    routingNumber: r.routing_number,
    accountNumberLast4: r.account_number_last4,
    accountType: r.account_type,
    paypalEmail: r.paypal_email,
    setByKind: r.set_by_kind,
    setById: r.set_by_id,
    createdAt: r.created_at,
    removedAt: r.removed_at,
    removal: r.removal,
    removedByKind: r.removed_by_kind,
    removedById: r.removed_by_id,
  }));
}

/** A bank account method as stored (sealed account number included), for the bank's own corrections. */
export interface StoredBankMethod {
  id: string;
  recipientId: string;
  accountHolderName: string | null;
  accountHolderType: 'individual' | 'business' | null;
  routingNumber: string;
  accountNumberEncrypted: string;
  accountNumberLast4: string;
  accountType: 'checking' | 'savings' | null;
  active: boolean;
}

export async function findBankMethodById(ex: Executor, tenant: Tenant, id: string): Promise<StoredBankMethod | undefined> {
  const rows = await ex.query<{
    id: string;
    recipient_id: string;
    account_holder_name: string | null;
    account_holder_type: 'individual' | 'business' | null;
    routing_number: string;
    account_number_encrypted: string;
    account_number_last4: string;
    account_type: 'checking' | 'savings' | null;
    removed_at: Date | null;
  }>(
    `select id, recipient_id, account_holder_name, account_holder_type, routing_number, account_number_encrypted, account_number_last4, account_type, removed_at
     from payout_methods where organization_id = $1 and environment = $2 and id = $3 and type = 'us_bank_account'`,
    [tenant.organizationId, tenant.environment, id],
  );
  const [r] = rows;
  return r
    ? {
        id: r.id,
        recipientId: r.recipient_id,
        accountHolderName: r.account_holder_name,
        accountHolderType: r.account_holder_type,
        routingNumber: r.routing_number,
        accountNumberEncrypted: r.account_number_encrypted,
        accountNumberLast4: r.account_number_last4,
        accountType: r.account_type,
        active: r.removed_at === null,
      }
    : undefined;
}

/** Ends this method if it is still the recipient's active one; answers whether it was. */
export async function endPayoutMethodById(
  ex: Executor,
  tenant: Tenant,
  recipientId: string,
  id: string,
  end: { removal: 'replaced' | 'removed'; byKind: ActorKind; byId: string | null },
): Promise<boolean> {
  const rows = await ex.query(
    `update payout_methods set removed_at = now(), removal = $5, removed_by_kind = $6, removed_by_id = $7
     where organization_id = $1 and environment = $2 and recipient_id = $3 and id = $4 and removed_at is null
     returning id`,
    [tenant.organizationId, tenant.environment, recipientId, id, end.removal, end.byKind, end.byId],
  );
  return rows.length > 0;
}
