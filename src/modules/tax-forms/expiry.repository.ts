import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

/**
 * Current W-8BEN forms past their expiry whose recipient still counts them as valid, with the
 * recipients' rows locked (in id order). A recipient whose row is locked (a form being signed at
 * this moment) is skipped: the next run sees the outcome, a new form or the same one still due.
 */
export async function lockRecipientsWithExpiredW8Ben(ex: Executor, limit: number): Promise<{ tenant: Tenant; recipientId: string }[]> {
  const rows = await ex.query<{ organization_id: string; environment: Tenant['environment']; recipient_id: string }>(
    `select r.organization_id, r.environment, r.id as recipient_id
     from tax_forms f join recipients r on r.id = f.recipient_id
     where f.superseded_at is null and f.expires_at is not null and f.expires_at <= now() and f.form_type = 'w8ben'
       and r.tax_form_state = 'valid'
     order by r.id limit $1
     for update of r skip locked`,
    [limit],
  );
  return rows.map((r) => ({ tenant: { organizationId: r.organization_id, environment: r.environment }, recipientId: r.recipient_id }));
}
