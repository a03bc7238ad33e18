import type { Executor } from '../../platform/db/database.js';
import type { Environment, Tenant } from '../../platform/tenant.js';

// Two kinds of look-ups. By id alone: these serve capability links, whose verified token is the
// authority. Everything a portal session reads is scoped by its tenant *and* its recipient, so a
// session can never reach another recipient's data, in this organization or any other.

export interface PayoutPage {
  id: string;
  recipientId: string;
  organizationName: string;
  environment: Environment;
  amount: bigint;
  currency: string;
  description: string | null;
  status: string;
  statusReason: string | null;
  createdAt: Date;
}

interface PayoutPageRow {
  id: string;
  recipient_id: string;
  name: string;
  environment: Environment;
  amount: string | bigint;
  currency: string;
  description: string | null;
  status: string;
  status_reason: string | null;
  created_at: Date;
}

const PAYOUT_COLUMNS = 'p.id, p.recipient_id, o.name, p.environment, p.amount, p.currency, p.description, p.status, p.status_reason, p.created_at';

const toPayoutPage = (r: PayoutPageRow): PayoutPage => ({
  id: r.id,
  recipientId: r.recipient_id,
  organizationName: r.name,
  environment: r.environment,
  amount: BigInt(r.amount),
  currency: r.currency,
  description: r.description,
  status: r.status,
  statusReason: r.status_reason,
  createdAt: r.created_at,
});

export async function findPayoutPageById(ex: Executor, id: string): Promise<PayoutPage | undefined> {
  const rows = await ex.query<PayoutPageRow>(`select ${PAYOUT_COLUMNS} from payouts p join organizations o on o.id = p.organization_id where p.id = $1`, [id]);
  return rows[0] && toPayoutPage(rows[0]);
}

export interface PortalRecipient {
  id: string;
  tenant: Tenant;
  organizationName: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  autoAcceptPayouts: boolean;
  /** The sender collects a tax form: onboarding has 4 steps. */
  shouldCollectTaxInfo: boolean;
}

export async function findPortalRecipientById(ex: Executor, id: string): Promise<PortalRecipient | undefined> {
  const rows = await ex.query<{
    id: string;
    organization_id: string;
    environment: Environment;
    name: string;
    email: string;
    first_name: string | null;
    last_name: string | null;
    auto_accept_payouts: boolean;
    should_collect_tax_info: boolean;
  }>(
    `select r.id, r.organization_id, r.environment, o.name, r.email, r.first_name, r.last_name, r.auto_accept_payouts, r.should_collect_tax_info
     from recipients r join organizations o on o.id = r.organization_id where r.id = $1`,
    [id],
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      tenant: { organizationId: r.organization_id, environment: r.environment },
      organizationName: r.name,
      email: r.email,
      firstName: r.first_name,
      lastName: r.last_name,
      autoAcceptPayouts: r.auto_accept_payouts,
      shouldCollectTaxInfo: r.should_collect_tax_info,
    }
  );
}

export async function findPayoutOfRecipient(ex: Executor, tenant: Tenant, recipientId: string, payoutId: string): Promise<PayoutPage | undefined> {
  const rows = await ex.query<PayoutPageRow>(
    `select ${PAYOUT_COLUMNS} from payouts p join organizations o on o.id = p.organization_id
     where p.organization_id = $1 and p.environment = $2 and p.recipient_id = $3 and p.id = $4`,
    [tenant.organizationId, tenant.environment, recipientId, payoutId],
  );
  return rows[0] && toPayoutPage(rows[0]);
}

export interface TimelineEntry {
  status: string;
  reason: string | null;
  at: Date;
}

export async function findTimelineOfPayout(ex: Executor, tenant: Tenant, payoutId: string): Promise<TimelineEntry[]> {
  const rows = await ex.query<{ status: string; reason: string | null; created_at: Date }>(
    `select status, reason, created_at from payout_status_updates
     where organization_id = $1 and environment = $2 and payout_id = $3 order by sequence`,
    [tenant.organizationId, tenant.environment, payoutId],
  );
  return rows.map((r) => ({ status: r.status, reason: r.reason, at: r.created_at }));
}
