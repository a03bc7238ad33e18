import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

export type SubscriptionStatus = 'active' | 'disabled' | 'deleted';

export interface Subscription {
  id: string;
  eventName: string;
  callbackUrl: string;
  status: SubscriptionStatus;
  disabledReason: string | null;
  createdAt: Date;
}

interface SubscriptionRow {
  id: string;
  event_name: string;
  callback_url: string;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  created_at: Date;
}

const COLUMNS = 'id, event_name, callback_url, status, disabled_reason, created_at';
const toSubscription = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  eventName: r.event_name,
  callbackUrl: r.callback_url,
  status: r.status,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
});

export async function insertSubscription(ex: Executor, tenant: Tenant, s: { id: string; eventName: string; callbackUrl: string }): Promise<Subscription> {
  const rows = await ex.query<SubscriptionRow>(
    `insert into webhook_subscriptions (id, organization_id, environment, event_name, callback_url) values ($1, $2, $3, $4, $5) returning ${COLUMNS}`,
    [s.id, tenant.organizationId, tenant.environment, s.eventName, s.callbackUrl],
  );
  return toSubscription(rows[0]!);
}

export async function findSubscription(ex: Executor, tenant: Tenant, id: string): Promise<Subscription | undefined> {
  const rows = await ex.query<SubscriptionRow>(
    `select ${COLUMNS} from webhook_subscriptions where organization_id = $1 and environment = $2 and id = $3 and status <> 'deleted'`,
    [tenant.organizationId, tenant.environment, id],
  );
  return rows[0] && toSubscription(rows[0]);
}

export async function listSubscriptions(ex: Executor, tenant: Tenant): Promise<Subscription[]> {
  const rows = await ex.query<SubscriptionRow>(
    `select ${COLUMNS} from webhook_subscriptions where organization_id = $1 and environment = $2 and status <> 'deleted' order by id desc`,
    [tenant.organizationId, tenant.environment],
  );
  return rows.map(toSubscription);
}

export async function setSubscriptionStatus(
  ex: Executor,
  tenant: Tenant,
  id: string,
  status: SubscriptionStatus,
  reason: string | null,
): Promise<Subscription | undefined> {
  const rows = await ex.query<SubscriptionRow>(
    `update webhook_subscriptions set status = $4, disabled_reason = $5, failing_since = null, updated_at = now()
     where organization_id = $1 and environment = $2 and id = $3 and status <> 'deleted' returning ${COLUMNS}`,
    [tenant.organizationId, tenant.environment, id, status, reason],
  );
  return rows[0] && toSubscription(rows[0]);
}

/** Stores a signing secret, already sealed (reencrypt.ts: never a secret in clear in the database). */
export async function insertSecret(ex: Executor, s: { id: string; subscriptionId: string; sealedSecret: string }): Promise<void> {
  await ex.query('insert into webhook_secrets (id, subscription_id, secret) values ($1, $2, $3)', [s.id, s.subscriptionId, s.sealedSecret]);
}

/** Starts the end of a rotation's overlap: the secrets live now stop signing after `overlapSeconds`. */
export async function expireLiveSecrets(ex: Executor, subscriptionId: string, overlapSeconds: number): Promise<Date | null> {
  const rows = await ex.query<{ expires_at: Date }>(
    `update webhook_secrets set expires_at = now() + $2 * interval '1 second'
     where subscription_id = $1 and (expires_at is null or expires_at > now() + $2 * interval '1 second') returning expires_at`,
    [subscriptionId, overlapSeconds],
  );
  return rows[0]?.expires_at ?? null;
}

/** The secrets that sign now, per subscription, oldest first. */
/** Disables subscriptions: those named (410 Gone), and any of `candidates` failing for longer than allowed. */
export async function disableSubscriptions(ex: Executor, gone: string[], candidates: string[], failingForSeconds: number): Promise<void> {
  if (gone.length > 0) {
    await ex.query(
      `update webhook_subscriptions set status = 'disabled', disabled_reason = 'The endpoint answered 410 Gone.', updated_at = now()
       where id = any($1::uuid[]) and status = 'active'`,
      [gone],
    );
  }
  if (candidates.length > 0) {
    await ex.query(
      `update webhook_subscriptions set status = 'disabled', disabled_reason = 'Every delivery failed for 5 days.', updated_at = now()
       where id = any($1::uuid[]) and status = 'active' and failing_since < now() - $2 * interval '1 second'`,
      [candidates, failingForSeconds],
    );
  }
}

/** Active subscriptions of the given tenants, for the fan-out of their new events. */
export async function findActiveSubscriptionsOf(
  ex: Executor,
  organizationIds: string[],
): Promise<{ id: string; organizationId: string; environment: string; eventName: string }[]> {
  const rows = await ex.query<{ id: string; organization_id: string; environment: string; event_name: string }>(
    `select id, organization_id, environment, event_name from webhook_subscriptions where organization_id = any($1::uuid[]) and status = 'active'`,
    [organizationIds],
  );
  return rows.map((r) => ({ id: r.id, organizationId: r.organization_id, environment: r.environment, eventName: r.event_name }));
}
