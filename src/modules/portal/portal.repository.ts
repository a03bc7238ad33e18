import type { Executor } from '../../platform/db/database.js';
import type { Environment } from '../../platform/tenant.js';

// Looked up by id alone: these serve capability links, whose verified token is the authority.

export interface PayoutPage {
  organizationName: string;
  environment: Environment;
  amount: bigint;
  currency: string;
  description: string | null;
  status: string;
  statusReason: string | null;
}

export async function findPayoutPageById(ex: Executor, id: string): Promise<PayoutPage | undefined> {
  const rows = await ex.query<{
    name: string;
    environment: Environment;
    amount: string | bigint;
    currency: string;
    description: string | null;
    status: string;
    status_reason: string | null;
  }>(
    `select o.name, p.environment, p.amount, p.currency, p.description, p.status, p.status_reason
     from payouts p join organizations o on o.id = p.organization_id where p.id = $1`,
    [id],
  );
  const r = rows[0];
  return (
    r && {
      organizationName: r.name,
      environment: r.environment,
      amount: BigInt(r.amount),
      currency: r.currency,
      description: r.description,
      status: r.status,
      statusReason: r.status_reason,
    }
  );
}

export interface RecipientPage {
  organizationName: string;
  environment: Environment;
  firstName: string | null;
}

export async function findRecipientPageById(ex: Executor, id: string): Promise<RecipientPage | undefined> {
  const rows = await ex.query<{ name: string; environment: Environment; first_name: string | null }>(
    `select o.name, r.environment, r.first_name from recipients r join organizations o on o.id = r.organization_id where r.id = $1`,
    [id],
  );
  const r = rows[0];
  return r && { organizationName: r.name, environment: r.environment, firstName: r.first_name };
}
