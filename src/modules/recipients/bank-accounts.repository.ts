import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

/** An active bank account as a bank file needs it: the account number still sealed (platform/crypto). */
export interface ActiveBankAccount {
  methodId: string;
  recipientId: string;
  holderName: string;
  holderType: 'individual' | 'business';
  routingNumber: string;
  accountNumberEncrypted: string;
  accountNumberLast4: string;
  accountType: 'checking' | 'savings';
}

/** The active `us_bank_account` methods of these recipients of the tenant (others have none). */
export async function findActiveBankAccounts(ex: Executor, tenant: Tenant, recipientIds: string[]): Promise<Map<string, ActiveBankAccount>> {
  if (recipientIds.length === 0) return new Map();
  const rows = await ex.query<{
    id: string;
    recipient_id: string;
    account_holder_name: string;
    account_holder_type: 'individual' | 'business';
    routing_number: string;
    account_number_encrypted: string;
    account_number_last4: string;
    account_type: 'checking' | 'savings';
  }>(
    `select id, recipient_id, account_holder_name, account_holder_type, routing_number, account_number_encrypted, account_number_last4, account_type
     from payout_methods
     where organization_id = $1 and environment = $2 and recipient_id = any($3::uuid[]) and removed_at is null and type = 'us_bank_account'`,
    [tenant.organizationId, tenant.environment, recipientIds],
  );
  return new Map(
    rows.map((r) => [
      r.recipient_id,
      {
        methodId: r.id,
        recipientId: r.recipient_id,
        holderName: r.account_holder_name,
        holderType: r.account_holder_type,
        routingNumber: r.routing_number,
        accountNumberEncrypted: r.account_number_encrypted,
        accountNumberLast4: r.account_number_last4,
        accountType: r.account_type,
      },
    ]),
  );
}
