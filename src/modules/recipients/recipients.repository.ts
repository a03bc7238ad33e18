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
  country: string | null;
  /** Payouts may move: an active payout method, and a valid tax form when one is asked for (readiness.ts). */
  ready: boolean;
  /** The current tax form: none (null), valid, struck item 2 (backup withholding) or an expired W-8BEN. */
  taxFormState: TaxFormState | null;
  methodEverSetByRecipient: boolean;
  payoutsHeldUntil: Date | null;
  actionNeededReason: string | null;
  /** The active payout method, without its secret parts. */
  payoutMethod: ActiveMethod | null;
  createdAt: Date;
}

export type TaxFormState = 'valid' | 'backup_withholding' | 'expired';

/** What may be shown of an active method: never the account number, only its last 4. */
export type ActiveMethod =
  | { type: 'us_bank_account'; last4: string; holderType: 'individual' | 'business'; accountType: 'checking' | 'savings' }
  | { type: 'paypal'; email: string };

interface RecipientRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  nickname: string | null;
  should_collect_tax_info: boolean;
  auto_accept_payouts: boolean;
  email_undeliverable: boolean;
  country: string | null;
  ready: boolean;
  tax_form_state: TaxFormState | null;
  method_ever_set_by_recipient: boolean;
  payouts_held_until: Date | null;
  action_needed_reason: string | null;
  method_type: 'us_bank_account' | 'paypal' | null;
  method_last4: string | null;
  method_holder_type: 'individual' | 'business' | null;
  method_account_type: 'checking' | 'savings' | null;
  method_email: string | null;
  created_at: Date;
}

// Every read joins the active method (at most one per recipient, by a unique index).
const COLUMNS = `r.id, r.email, r.first_name, r.last_name, r.nickname, r.should_collect_tax_info, r.auto_accept_payouts, r.email_undeliverable,
  r.country, r.ready, r.tax_form_state, r.method_ever_set_by_recipient, r.payouts_held_until, r.action_needed_reason, r.created_at,
  m.type as method_type, m.account_number_last4 as method_last4, m.account_holder_type as method_holder_type,
  m.account_type as method_account_type, m.paypal_email as method_email`;
const FROM = 'recipients r left join payout_methods m on m.recipient_id = r.id and m.removed_at is null';

const toMethod = (row: RecipientRow): ActiveMethod | null =>
  row.method_type === 'us_bank_account'
    ? { type: 'us_bank_account', last4: row.method_last4!, holderType: row.method_holder_type!, accountType: row.method_account_type! }
    : row.method_type === 'paypal'
      ? { type: 'paypal', email: row.method_email! }
      : null;

const toRecipient = (row: RecipientRow): Recipient => ({
  id: row.id,
  email: row.email,
  firstName: row.first_name,
  lastName: row.last_name,
  nickname: row.nickname,
  shouldCollectTaxInfo: row.should_collect_tax_info,
  autoAcceptPayouts: row.auto_accept_payouts,
  emailUndeliverable: row.email_undeliverable,
  country: row.country,
  ready: row.ready,
  taxFormState: row.tax_form_state,
  methodEverSetByRecipient: row.method_ever_set_by_recipient,
  payoutsHeldUntil: row.payouts_held_until,
  actionNeededReason: row.action_needed_reason,
  payoutMethod: toMethod(row),
  createdAt: row.created_at,
});

export type NewRecipient = Pick<Recipient, 'id' | 'email' | 'firstName' | 'lastName' | 'nickname' | 'shouldCollectTaxInfo' | 'autoAcceptPayouts'>;

/** A new recipient has no payout method: the columns of COLUMNS, as an insert can return them. */
const INSERTED_COLUMNS = `id, email, first_name, last_name, nickname, should_collect_tax_info, auto_accept_payouts, email_undeliverable,
  country, ready, tax_form_state, method_ever_set_by_recipient, payouts_held_until, action_needed_reason, created_at,
  null::text as method_type, null::text as method_last4, null::text as method_holder_type, null::text as method_account_type,
  null::text as method_email`;

/**
 * Inserts the recipients whose email is new and answers those it inserted; existing emails are
 * left untouched (and not answered).
 */
export async function insertRecipientsIfNew(ex: Executor, tenant: Tenant, recipients: NewRecipient[]): Promise<Recipient[]> {
  if (recipients.length === 0) return [];
  // Sorted by email so concurrent inserts of overlapping sets take their index locks in one order.
  const sorted = [...recipients].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const rows = await ex.query<RecipientRow>(
    `insert into recipients (id, organization_id, environment, email, first_name, last_name, nickname, should_collect_tax_info, auto_accept_payouts)
     select v.id, $1, $2, v.email, v.first_name, v.last_name, v.nickname, v.tax, v.auto_accept
     from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::boolean[])
       as v(id, email, first_name, last_name, nickname, tax, auto_accept)
     on conflict (organization_id, environment, email) do nothing
     returning ${INSERTED_COLUMNS}`,
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
  return rows.map(toRecipient);
}

export async function findRecipientsByEmails(ex: Executor, tenant: Tenant, emails: string[]): Promise<Recipient[]> {
  if (emails.length === 0) return [];
  const rows = await ex.query<RecipientRow>(
    `select ${COLUMNS} from ${FROM} where r.organization_id = $1 and r.environment = $2 and r.email = any($3::text[])`,
    [tenant.organizationId, tenant.environment, emails],
  );
  return rows.map(toRecipient);
}

export async function findRecipientsByIds(ex: Executor, tenant: Tenant, ids: string[]): Promise<Recipient[]> {
  if (ids.length === 0) return [];
  const rows = await ex.query<RecipientRow>(`select ${COLUMNS} from ${FROM} where r.organization_id = $1 and r.environment = $2 and r.id = any($3::uuid[])`, [
    tenant.organizationId,
    tenant.environment,
    ids,
  ]);
  return rows.map(toRecipient);
}

export type RecipientStatus = 'invited' | 'action_needed' | 'ready';

/** The SQL twin of recipientStatus(): ready; not ready with a reason on file; else still invited. */
const STATUS_SQL = `case when r.ready then 'ready' when r.action_needed_reason is not null then 'action_needed' else 'invited' end`;

export interface RecipientFilter {
  email?: string;
  status?: RecipientStatus;
  /** An `ilike` pattern (escaped, wrapped in `%`) for the email or "first last" (trigram indexes, migration 0019). */
  searchPattern?: string;
}

const FILTER = `r.organization_id = $1 and r.environment = $2 and ($3::text is null or r.email = $3)
  and ($4::text is null or ${STATUS_SQL} = $4)
  and ($5::text is null or r.email ilike $5 or (coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, '')) ilike $5)`;

const filterParams = (tenant: Tenant, f: RecipientFilter) => [
  tenant.organizationId,
  tenant.environment,
  f.email ?? null,
  f.status ?? null,
  f.searchPattern ?? null,
];

/** One page, newest first: `limit + 1` rows, the extra one only telling whether there is more. */
export async function listRecipients(ex: Executor, tenant: Tenant, filter: RecipientFilter & { limit: number; before: string | null }): Promise<Recipient[]> {
  const rows = await ex.query<RecipientRow>(`select ${COLUMNS} from ${FROM} where ${FILTER} and ($6::uuid is null or r.id < $6) order by r.id desc limit $7`, [
    ...filterParams(tenant, filter),
    filter.before,
    filter.limit + 1,
  ]);
  return rows.map(toRecipient);
}

export async function countRecipients(ex: Executor, tenant: Tenant, filter: RecipientFilter): Promise<number> {
  const rows = await ex.query<{ total: bigint }>(`select count(*)::bigint as total from recipients r where ${FILTER}`, filterParams(tenant, filter));
  return Number(rows[0]!.total);
}

export interface RecipientChanges {
  firstName?: string;
  lastName?: string;
  nickname?: string | null;
  shouldCollectTaxInfo?: boolean;
  autoAcceptPayouts?: boolean;
  country?: string | null;
}

export async function updateRecipientById(ex: Executor, tenant: Tenant, id: string, changes: RecipientChanges): Promise<Recipient | undefined> {
  const rows = await ex.query<RecipientRow>(
    `with updated as (update recipients set
       first_name = case when $4::boolean then $5 else first_name end,
       last_name = case when $6::boolean then $7 else last_name end,
       nickname = case when $8::boolean then $9 else nickname end,
       should_collect_tax_info = coalesce($10, should_collect_tax_info),
       auto_accept_payouts = coalesce($11, auto_accept_payouts),
       country = case when $12::boolean then $13 else country end,
       updated_at = now()
     where organization_id = $1 and environment = $2 and id = $3
     returning *)
     select ${COLUMNS} from updated r left join payout_methods m on m.recipient_id = r.id and m.removed_at is null`,
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
      changes.country !== undefined,
      changes.country ?? null,
    ],
  );
  return rows[0] && toRecipient(rows[0]);
}

/** Locks the recipient's row for a change to its method or readiness (one change at a time). */
export async function lockRecipient(ex: Executor, tenant: Tenant, id: string): Promise<boolean> {
  const rows = await ex.query('select id from recipients where organization_id = $1 and environment = $2 and id = $3 for update', [
    tenant.organizationId,
    tenant.environment,
    id,
  ]);
  return rows.length > 0;
}

/**
 * Locks the recipient's row against method and readiness changes while a decision that depends on
 * its readiness is made (an Accept), and answers that readiness; undefined when there is none.
 */
export async function readinessForDecision(ex: Executor, tenant: Tenant, id: string): Promise<boolean | undefined> {
  const rows = await ex.query<{ ready: boolean }>('select ready from recipients where organization_id = $1 and environment = $2 and id = $3 for share', [
    tenant.organizationId,
    tenant.environment,
    id,
  ]);
  return rows[0]?.ready;
}

/**
 * The same for a worker's batch of moves: locks the recipients (in id order) and answers the ids
 * of those that are ready. Each recipient is matched within its own organization and environment.
 */
export async function readyForDecisions(ex: Executor, recipients: readonly { tenant: Tenant; id: string }[]): Promise<Set<string>> {
  if (recipients.length === 0) return new Set();
  const sorted = [...recipients].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rows = await ex.query<{ id: string; ready: boolean }>(
    `select r.id, r.ready from recipients r
     join unnest($1::uuid[], $2::text[], $3::uuid[]) as v(organization_id, environment, id)
       on r.organization_id = v.organization_id and r.environment = v.environment and r.id = v.id
     order by r.id for share of r`,
    [sorted.map((r) => r.tenant.organizationId), sorted.map((r) => r.tenant.environment), sorted.map((r) => r.id)],
  );
  return new Set(rows.filter((r) => r.ready).map((r) => r.id));
}

export interface ReadinessChange {
  ready: boolean;
  actionNeededReason: string | null;
  setByRecipient: boolean;
  holdHours: number | null;
}

/** Records the recipient's tax form state; readiness.ts recomputes readiness from it. */
export async function updateTaxFormState(ex: Executor, tenant: Tenant, id: string, state: TaxFormState | null): Promise<void> {
  await ex.query('update recipients set tax_form_state = $4, updated_at = now() where organization_id = $1 and environment = $2 and id = $3', [
    tenant.organizationId,
    tenant.environment,
    id,
    state,
  ]);
}

/** Records readiness (readiness.ts); a hold only ever extends, never shortens. */
export async function updateRecipientReadiness(ex: Executor, tenant: Tenant, id: string, change: ReadinessChange): Promise<void> {
  await ex.query(
    `update recipients set ready = $4, action_needed_reason = $5,
       method_ever_set_by_recipient = method_ever_set_by_recipient or $6,
       payouts_held_until = case when $7::integer is null then payouts_held_until
         else greatest(coalesce(payouts_held_until, now()), now() + $7::integer * interval '1 hour') end,
       updated_at = now()
     where organization_id = $1 and environment = $2 and id = $3`,
    [tenant.organizationId, tenant.environment, id, change.ready, change.actionNeededReason, change.setByRecipient, change.holdHours],
  );
}
