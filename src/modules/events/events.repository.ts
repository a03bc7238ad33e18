import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

export interface NewEvent {
  id: string;
  tenant: Tenant;
  type: string;
  payoutId: string | null;
  data: unknown;
}

export interface EventRecord {
  id: string;
  type: string;
  payoutId: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

interface EventRow {
  id: string;
  type: string;
  payout_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

export async function insertEvents(ex: Executor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await ex.query(
    `insert into events (id, organization_id, environment, type, payout_id, data)
     select v.id, v.organization_id, v.environment, v.type, v.payout_id, v.data::jsonb
     from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[]) as v(id, organization_id, environment, type, payout_id, data)`,
    [
      events.map((e) => e.id),
      events.map((e) => e.tenant.organizationId),
      events.map((e) => e.tenant.environment),
      events.map((e) => e.type),
      events.map((e) => e.payoutId),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
}

export async function listEvents(
  ex: Executor,
  tenant: Tenant,
  filter: { payoutId?: string; type?: string; limit: number; before: string | null },
): Promise<EventRecord[]> {
  const rows = await ex.query<EventRow>(
    `select id, type, payout_id, data, created_at from events
     where organization_id = $1 and environment = $2 and ($3::uuid is null or payout_id = $3) and ($4::text is null or type = $4)
       and ($5::uuid is null or id < $5)
     order by id desc limit $6`,
    [tenant.organizationId, tenant.environment, filter.payoutId ?? null, filter.type ?? null, filter.before, filter.limit + 1],
  );
  return rows.map((row) => ({ id: row.id, type: row.type, payoutId: row.payout_id, data: row.data, createdAt: row.created_at }));
}
