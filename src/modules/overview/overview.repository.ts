// Read-only aggregates for the dashboard's home page. Each statement is tenant-scoped and served
// by an index (migration 0022), so the page stays fast however many payouts an organization has.
import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

export interface DayStatusRow {
  day: string;
  status: string;
  count: bigint;
  amount: bigint;
}

/** Payouts created since `since`, counted and summed per UTC day and status (index-only scan). */
export async function countPayoutsByDayAndStatus(ex: Executor, tenant: Tenant, since: Date): Promise<DayStatusRow[]> {
  const rows = await ex.query<{ day: string; status: string; count: bigint | string; amount: bigint | string }>(
    // Grouped on the date and only then turned into text: formatting every row costs more than the scan.
    `select day::text as day, status, count, amount from (
       select (created_at at time zone 'UTC')::date as day, status, count(*)::bigint as count, sum(amount)::bigint as amount
       from payouts
       where organization_id = $1 and environment = $2 and created_at >= $3
       group by 1, 2
     ) per_day`,
    [tenant.organizationId, tenant.environment, since],
  );
  return rows.map((r) => ({ day: r.day, status: r.status, count: BigInt(r.count), amount: BigInt(r.amount) }));
}

export interface ProblemPayoutRow {
  id: string;
  status: string;
  status_reason: string | null;
  amount: bigint;
  currency: string;
  reference_id: string | null;
  status_changed_at: Date;
  recipient_email: string;
}

/** The payouts that failed or came back most recently. */
export async function listRecentProblemPayouts(ex: Executor, tenant: Tenant, limit: number): Promise<ProblemPayoutRow[]> {
  const rows = await ex.query<ProblemPayoutRow & { amount: bigint | string }>(
    `select p.id, p.status, p.status_reason, p.amount, p.currency, p.reference_id, p.status_changed_at, r.email as recipient_email
     from payouts p join recipients r on r.id = p.recipient_id
     where p.organization_id = $1 and p.environment = $2 and p.status in ('failed', 'returned')
     order by p.status_changed_at desc, p.id desc
     limit $3`,
    [tenant.organizationId, tenant.environment, limit],
  );
  return rows.map((r) => ({ ...r, amount: BigInt(r.amount) }));
}

export interface FailingSubscriptionRow {
  id: string;
  event_name: string;
  callback_url: string;
  status: string;
  disabled_reason: string | null;
  failing_since: Date | null;
  updated_at: Date;
}

/** Webhook endpoints failing now, or disabled because they kept failing (the only way they get disabled). */
export async function listFailingSubscriptions(ex: Executor, tenant: Tenant, limit: number): Promise<FailingSubscriptionRow[]> {
  return ex.query<FailingSubscriptionRow>(
    `select id, event_name, callback_url, status, disabled_reason, failing_since, updated_at
     from webhook_subscriptions
     where organization_id = $1 and environment = $2
       and ((status = 'active' and failing_since is not null) or status = 'disabled')
     order by coalesce(failing_since, updated_at) desc, id desc
     limit $3`,
    [tenant.organizationId, tenant.environment, limit],
  );
}

export interface FailedEmailRow {
  id: string;
  to_address: string;
  template: string;
  last_error: string | null;
  created_at: Date;
}

/** The most recent emails that could not be sent. */
export async function listRecentFailedEmails(ex: Executor, tenant: Tenant, limit: number): Promise<FailedEmailRow[]> {
  return ex.query<FailedEmailRow>(
    `select id, to_address, template, last_error, created_at
     from emails
     where organization_id = $1 and environment = $2 and status = 'failed'
     order by created_at desc, id desc
     limit $3`,
    [tenant.organizationId, tenant.environment, limit],
  );
}

/** How many emails written since `since` could not be sent. */
export async function countFailedEmailsSince(ex: Executor, tenant: Tenant, since: Date): Promise<bigint> {
  const rows = await ex.query<{ count: bigint | string }>(
    `select count(*)::bigint as count from emails
     where organization_id = $1 and environment = $2 and status = 'failed' and created_at >= $3`,
    [tenant.organizationId, tenant.environment, since],
  );
  return BigInt(rows[0]!.count);
}
