import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';
import type { TaxClassification } from './tax-form.js';

// The 1099-NEC report's reads. What counts as paid in a year, per recipient (`paid` below):
// - payouts `completed` now (a `returned` one came back, so it is out whenever it came back),
//   dated by when they completed (`status_changed_at`: `completed` changes only to `returned`);
// - external payments (recorded `completed`), dated by `paid_at`, else when they were recorded;
// - never a reimbursement. The expression is the one migration 0026 indexes; the CTE is read
//   twice, so PostgreSQL computes it once.

const PAID_DATE = `case when p.kind = 'external' then coalesce(p.paid_at, p.created_at) else p.status_changed_at end`;

const PAID_IN_YEAR = `paid as (
  select p.recipient_id, sum(p.amount) as total
  from payouts p
  where p.organization_id = $1 and p.environment = $2 and p.status = 'completed' and not p.is_reimbursement
    and ${PAID_DATE} >= $3 and ${PAID_DATE} < $4
  group by p.recipient_id
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

export interface PayeeWithoutW9Row {
  recipientId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  /** Their current form when it is not a W-9 ('w8ben'), or null for none. */
  taxForm: 'w8ben' | null;
  total: bigint;
}

interface ReportRow {
  section: 'w9' | 'other';
  id: string;
  name: string;
  business_name: string | null;
  tax_classification: TaxClassification | null;
  tin_type: 'ssn' | 'ein' | null;
  tin_last4: string | null;
  total: string | number | bigint;
  recipient_ids: string;
  first_name: string | null;
  last_name: string | null;
  form_type: 'w8ben' | null;
  details_encrypted?: string;
}

/**
 * Both parts of the report in one statement, so the year's payouts are read once:
 * - `w9`: recipients with a current W-9, one line per TIN (its keyed hash) at or over `threshold`,
 *   named by the most recently signed form of the group (found by its primary key: no self-join
 *   of the forms, whose sizes the planner cannot guess from the year's range); corporations and
 *   exempt payees (by that form) left out; ordered by name, then form id.
 * - `other`: recipients without a current W-9 at or over `threshold` on their own (no TIN to
 *   group by), ordered by email.
 */
export async function selectNecReport(
  ex: Executor,
  tenant: Tenant,
  range: { from: Date; to: Date },
  threshold: bigint,
  corporate: readonly string[],
  options: { withSealedDetails: boolean },
): Promise<{ payees: NecPayeeRow[]; payeesWithoutW9: PayeeWithoutW9Row[] }> {
  const rows = await ex.query<ReportRow>(
    `with ${PAID_IN_YEAR},
     forms as (
       select f.id, f.recipient_id, f.form_type, f.tin_hash, f.signed_at
       from tax_forms f
       where f.organization_id = $1 and f.environment = $2 and f.superseded_at is null
     ),
     groups as (
       select (array_agg(f.id order by f.signed_at desc, f.id desc))[1] as naming_id, sum(paid.total) as total,
              string_agg(f.recipient_id::text, ',' order by f.recipient_id) as recipient_ids
       from paid join forms f on f.recipient_id = paid.recipient_id and f.form_type = 'w9'
       group by f.tin_hash
       having sum(paid.total) >= $5
     )
     select 'w9' as section, n.id, n.legal_name as name, n.business_name, n.tax_classification, n.tin_type, n.tin_last4, g.total, g.recipient_ids,
            null as first_name, null as last_name, null as form_type ${options.withSealedDetails ? ', n.details_encrypted' : ''}
     from groups g join tax_forms n on n.id = g.naming_id
     where n.exempt_payee_code is null and not (n.tax_classification = any($6::text[]))
     union all
     select 'other', r.id, r.email, null, null, null, null, paid.total, r.id::text, r.first_name, r.last_name, f.form_type
            ${options.withSealedDetails ? ', null' : ''}
     from paid join recipients r on r.id = paid.recipient_id
     left join forms f on f.recipient_id = paid.recipient_id
     where paid.total >= $5 and (f.id is null or f.form_type <> 'w9')
     order by 1 desc, 3, 2`,
    [tenant.organizationId, tenant.environment, range.from, range.to, threshold, corporate],
  );
  const payees: NecPayeeRow[] = [];
  const payeesWithoutW9: PayeeWithoutW9Row[] = [];
  for (const row of rows) {
    const total = BigInt(String(row.total));
    if (row.section === 'w9') {
      payees.push({
        taxFormId: row.id,
        legalName: row.name,
        businessName: row.business_name,
        taxClassification: row.tax_classification!,
        tinType: row.tin_type!,
        tinLast4: row.tin_last4!,
        total,
        recipientIds: row.recipient_ids.split(','),
        ...(row.details_encrypted ? { detailsEncrypted: row.details_encrypted } : {}),
      });
    } else {
      payeesWithoutW9.push({ recipientId: row.id, email: row.name, firstName: row.first_name, lastName: row.last_name, taxForm: row.form_type, total });
    }
  }
  return { payees, payeesWithoutW9 };
}
