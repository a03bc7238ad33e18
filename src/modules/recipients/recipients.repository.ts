import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

export interface Recipient {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  nickname: string | null;
  shouldCollectTaxInfo: boolean;
  autoAcceptPayouts: boolean;
  emailUndeliverable: boolean;
  createdAt: Date;
}

interface RecipientRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  nickname: string | null;
  should_collect_tax_info: boolean;
  auto_accept_payouts: boolean;
  email_undeliverable: boolean;
  created_at: Date;
}

const COLUMNS = 'id, email, first_name, last_name, nickname, should_collect_tax_info, auto_accept_payouts, email_undeliverable, created_at';

const toRecipient = (row: RecipientRow): Recipient => ({
  id: row.id,
  email: row.email,
  firstName: row.first_name,
  lastName: row.last_name,
  nickname: row.nickname,
  shouldCollectTaxInfo: row.should_collect_tax_info,
  autoAcceptPayouts: row.auto_accept_payouts,
  emailUndeliverable: row.email_undeliverable,
  createdAt: row.created_at,
});

export type NewRecipient = Omit<Recipient, 'createdAt' | 'emailUndeliverable'>;

/** Inserts the recipients whose email is new; existing emails are left untouched. */
export async function insertRecipientsIfNew(ex: Executor, tenant: Tenant, recipients: NewRecipient[]): Promise<void> {
  if (recipients.length === 0) return;
  // Sorted by email so concurrent inserts of overlapping sets take their index locks in one order.
  const sorted = [...recipients].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  await ex.query(
    `insert into recipients (id, organization_id, environment, email, first_name, last_name, nickname, should_collect_tax_info, auto_accept_payouts)
     select v.id, $1, $2, v.email, v.first_name, v.last_name, v.nickname, v.tax, v.auto_accept
     from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::boolean[])
       as v(id, email, first_name, last_name, nickname, tax, auto_accept)
     on conflict (organization_id, environment, email) do nothing`,
    [
      tenant.organizationId,
      tenant.environment,
      sorted.map((r) => r.id),
      sorted.map((r) => r.email),
      sorted.map((r) => r.firstName),
      sorted.map((r) => r.lastName),
      sorted.map((r) => r.nickname),
      sorted.map((r) => r.shouldCollectTaxInfo),
      sorted.map((r) => r.autoAcceptPayouts),
    ],
  );
}

export async function findRecipientsByEmails(ex: Executor, tenant: Tenant, emails: string[]): Promise<Recipient[]> {
  if (emails.length === 0) return [];
  const rows = await ex.query<RecipientRow>(`select ${COLUMNS} from recipients where organization_id = $1 and environment = $2 and email = any($3::text[])`, [
    tenant.organizationId,
    tenant.environment,
    emails,
  ]);
  return rows.map(toRecipient);
}

export async function findRecipientsByIds(ex: Executor, tenant: Tenant, ids: string[]): Promise<Recipient[]> {
  if (ids.length === 0) return [];
  const rows = await ex.query<RecipientRow>(`select ${COLUMNS} from recipients where organization_id = $1 and environment = $2 and id = any($3::uuid[])`, [
    tenant.organizationId,
    tenant.environment,
    ids,
  ]);
  return rows.map(toRecipient);
}

export async function listRecipients(ex: Executor, tenant: Tenant, filter: { email?: string; limit: number; before: string | null }): Promise<Recipient[]> {
  const rows = await ex.query<RecipientRow>(
    `select ${COLUMNS} from recipients
     where organization_id = $1 and environment = $2 and ($3::text is null or email = $3) and ($4::uuid is null or id < $4)
     order by id desc limit $5`,
    [tenant.organizationId, tenant.environment, filter.email ?? null, filter.before, filter.limit + 1],
  );
  return rows.map(toRecipient);
}

export interface RecipientChanges {
  firstName?: string;
  lastName?: string;
  nickname?: string | null;
  shouldCollectTaxInfo?: boolean;
  autoAcceptPayouts?: boolean;
}

export async function updateRecipientById(ex: Executor, tenant: Tenant, id: string, changes: RecipientChanges): Promise<Recipient | undefined> {
  const rows = await ex.query<RecipientRow>(
    `update recipients set
       first_name = case when $4::boolean then $5 else first_name end,
       last_name = case when $6::boolean then $7 else last_name end,
       nickname = case when $8::boolean then $9 else nickname end,
       should_collect_tax_info = coalesce($10, should_collect_tax_info),
       auto_accept_payouts = coalesce($11, auto_accept_payouts),
       updated_at = now()
     where organization_id = $1 and environment = $2 and id = $3
     returning ${COLUMNS}`,
    [
      tenant.organizationId,
      tenant.environment,
      id,
      changes.firstName !== undefined,
      changes.firstName ?? null,
      changes.lastName !== undefined,
      changes.lastName ?? null,
      changes.nickname !== undefined,
      changes.nickname ?? null,
      changes.shouldCollectTaxInfo ?? null,
      changes.autoAcceptPayouts ?? null,
    ],
  );
  return rows[0] && toRecipient(rows[0]);
}
