// What the ACH rail asks of payouts: the organization's pending ACH payouts to put in a file, and
// rail corrections when a payout can no longer go by ACH.
import type { Executor } from '../../platform/db/database.js';
import { COLUMNS, type PayoutRail, type PayoutRecord, type PayoutRow, toPayout } from './payouts.repository.js';

/**
 * Locks up to `limit` pending ACH payouts of the organization's production side whose recipient
 * is not held (a recent method change), in id order. Rows another cut has locked are skipped, so
 * two concurrent cuts share the payouts out between them and none is taken twice.
 */
export async function lockPendingAchPayouts(ex: Executor, organizationId: string, limit: number): Promise<PayoutRecord[]> {
  const rows = await ex.query<PayoutRow>(
    `select ${COLUMNS} from payouts p
     where p.organization_id = $1 and p.environment = 'production' and p.status = 'pending' and p.rail = 'ach' and p.kind = 'payout'
       and not exists (select 1 from recipients r where r.id = p.recipient_id and r.payouts_held_until > now())
     order by p.id limit $2 for update of p skip locked`,
    [organizationId, limit],
  );
  return rows.map(toPayout);
}

/** Sets the rail of these pending payouts (a payout whose recipient no longer has a bank account). */
export async function setPendingRail(ex: Executor, ids: string[], rail: PayoutRail): Promise<void> {
  if (ids.length === 0) return;
  await ex.query(`update payouts set rail = $2, updated_at = now() where id = any($1::uuid[]) and status = 'pending'`, [ids, rail]);
}

/** The organization's pending payouts on one rail move to another (ACH turned off: they go by hand). */
export async function switchPendingRail(ex: Executor, organizationId: string, from: PayoutRail, to: PayoutRail): Promise<number> {
  const rows = await ex.query<{ id: string }>(
    `update payouts set rail = $3, updated_at = now()
     where organization_id = $1 and environment = 'production' and status = 'pending' and rail = $2 returning id`,
    [organizationId, from, to],
  );
  return rows.length;
}
