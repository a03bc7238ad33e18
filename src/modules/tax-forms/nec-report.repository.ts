import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';
import type { TaxClassification } from './tax-form.js';

// The 1099-NEC report's reads. What counts as paid in a year, per recipient (`paid` below):
// - payouts `completed` now (a `returned` one came back, so it is out whenever it came back),
//   dated by when they completed (`status_changed_at`: `completed` changes only to `returned`);
// - external payments (recorded `completed`), dated by `paid_at`, else when they were recorded;
// - never a reimbursement. The expression is the one migration 0026 indexes.

const PAID_DATE = `case when p.kind = 'external' then coalesce(p.paid_at, p.created_at) else p.status_changed_at end`;

const PAID_IN_YEAR = `paid as (
  select p.recipient_id, sum(p.amount) as total
  from payouts p
  where p.organization_id = $1 and p.environment = $2 and p.status = 'completed' and not p.is_reimbursement
    and ${PAID_DATE} >= $3 and ${PAID_DATE} < $4
  group by p.recipient_id
)`;

// Each recipient's current W-9; recipients sharing a TIN (its keyed hash) are one payee, named
// by the most recently signed of their forms.
const CURRENT_W9 = `w9 as (
  select f.id, f.recipient_id, f.tin_hash, f.legal_name, f.business_name, f.tax_classification, f.exempt_payee_code, f.tin_type,
         f.tin_last4, f.signed_at, f.details_encrypted
  from tax_forms f
  where f.organization_id = $1 and f.environment = $2 and f.superseded_at is null and f.form_type = 'w9'
)`;

export interface NecPayeeRow {
  taxFormId: string;
  legalName: string;
  businessName: string | null;
  taxClassification: TaxClassification;
  tinType: 'ssn' | 'ein';
  tinLast4: string;
  total: bigint;
  recipientIds: string[];
  /** Only when asked for (the filing export): the sealed details of the naming form. */
  detailsEncrypted?: string;
}

interface PayeeRow {
  id: string;
  legal_name: string;
  business_name: string | null;
  tax_classification: TaxClassification;
  tin_type: 'ssn' | 'ein';
  tin_last4: string;
  total: string | number | bigint;
  recipient_ids: string;
  details_encrypted?: string;
}

/**
 * Payees with a W-9 whose year total reaches `threshold`, grouped by TIN, corporations and exempt
 * payees left out (by the naming form), ordered by name then form id.
 */
export async function selectNecPayees(
  ex: Executor,
  tenant: Tenant,
  range: { from: Date; to: Date },
  threshold: bigint,
  corporate: readonly string[],
  options: { withSealedDetails: boolean },
): Promise<NecPayeeRow[]> {
  const rows = await ex.query<PayeeRow>(
    `with ${PAID_IN_YEAR}, ${CURRENT_W9},
     grouped as (
       select w9.tin_hash, sum(paid.total) as total, string_agg(w9.recipient_id::text, ',' order by w9.recipient_id) as recipient_ids
       from w9 join paid on paid.recipient_id = w9.recipient_id
       group by w9.tin_hash
     ),
     naming as (
       select distinct on (w9.tin_hash) w9.* from w9 join grouped g on g.tin_hash = w9.tin_hash order by w9.tin_hash, w9.signed_at desc, w9.id desc
     )
     select n.id, n.legal_name, n.business_name, n.tax_classification, n.tin_type, n.tin_last4, g.total, g.recipient_ids
            ${options.withSealedDetails ? ', n.details_encrypted' : ''}
     from grouped g join naming n on n.tin_hash = g.tin_hash
     where g.total >= $5 and n.exempt_payee_code is null and not (n.tax_classification = any($6::text[]))
     order by n.legal_name, n.id`,
    [tenant.organizationId, tenant.environment, range.from, range.to, threshold, corporate],
  );
  return rows.map((row) => ({
    taxFormId: row.id,
    legalName: row.legal_name,
    businessName: row.business_name,
    taxClassification: row.tax_classification,
    tinType: row.tin_type,
    tinLast4: row.tin_last4,
    total: BigInt(String(row.total)),
    recipientIds: row.recipient_ids.split(','),
    ...(row.details_encrypted !== undefined ? { detailsEncrypted: row.details_encrypted } : {}),
  }));
}

export interface PayeeWithoutW9Row {
  recipientId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  /** Their current form when it is not a W-9 ('w8ben'), or null for none. */
  taxForm: 'w8ben' | null;
  total: bigint;
}

/** Recipients without a current W-9 whose own year total reaches `threshold`: no TIN to group by. */
export async function selectPayeesWithoutW9(ex: Executor, tenant: Tenant, range: { from: Date; to: Date }, threshold: bigint): Promise<PayeeWithoutW9Row[]> {
  const rows = await ex.query<{
    id: string;
    email: string;
    first_name: string | null;
    last_name: string | null;
    form_type: 'w8ben' | null;
    total: string | number | bigint;
  }>(
    `with ${PAID_IN_YEAR}
     select r.id, r.email, r.first_name, r.last_name, f.form_type, paid.total
     from paid
     join recipients r on r.id = paid.recipient_id
     left join tax_forms f on f.recipient_id = r.id and f.superseded_at is null
     where paid.total >= $5 and (f.id is null or f.form_type <> 'w9')
     order by r.email`,
    [tenant.organizationId, tenant.environment, range.from, range.to, threshold],
  );
  return rows.map((row) => ({
    recipientId: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    taxForm: row.form_type,
    total: BigInt(String(row.total)),
  }));
}

/**
 * Who downloaded the filing export (full TINs), and when. The tax-pdf work adds the shared
 * `insertSensitiveDownload` for the same table; until the branches meet, this one statement is
 * the report's own (the lead keeps one of the two).
 */
export async function insertNecFilingDownload(ex: Executor, tenant: Tenant, download: { id: string; userId: string; year: number }): Promise<void> {
  await ex.query(
    `insert into sensitive_downloads (id, organization_id, environment, user_id, kind, subject) values ($1, $2, $3, $4, 'nec_filing_export', $5)`,
    [download.id, tenant.organizationId, tenant.environment, download.userId, String(download.year)],
  );
}
