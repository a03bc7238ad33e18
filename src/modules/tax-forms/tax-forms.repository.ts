import type { Executor } from '../../platform/db/database.js';
import type { Page } from '../../platform/http/pagination.js';
import type { Tenant } from '../../platform/tenant.js';
import type { TaxClassification, TaxForm, TaxFormType } from './tax-form.js';

// Stored tax forms. This file never sees a TIN in clear: the service seals the details and hashes
// the TIN before a row is written, and reads answer the sealed details only to those who ask.

export interface NewTaxForm {
  id: string;
  recipientId: string;
  formType: TaxFormType;
  legalName: string;
  businessName: string | null;
  taxClassification: TaxClassification | null;
  exemptPayeeCode: string | null;
  tinType: 'ssn' | 'ein' | null;
  tinLast4: string | null;
  /** keyedHash() of the TIN (platform/crypto). */
  tinHash: string | null;
  /** encryptText() of the JSON of TaxFormDetails. */
  detailsEncrypted: string;
  backupWithholding: boolean;
  signature: string;
  signedAt: Date;
  signerSession: string | null;
  signerIp: string | null;
  signerUserAgent: string | null;
  expiresAt: Date | null;
}

interface TaxFormRow {
  id: string;
  recipient_id: string;
  form_type: TaxFormType;
  legal_name: string;
  business_name: string | null;
  tax_classification: TaxClassification | null;
  exempt_payee_code: string | null;
  tin_type: 'ssn' | 'ein' | null;
  tin_last4: string | null;
  backup_withholding: boolean;
  signature: string;
  signed_at: Date;
  signer_session: string | null;
  signer_ip: string | null;
  signer_user_agent: string | null;
  expires_at: Date | null;
  superseded_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id, recipient_id, form_type, legal_name, business_name, tax_classification, exempt_payee_code, tin_type, tin_last4,
  backup_withholding, signature, signed_at, signer_session, signer_ip, signer_user_agent, expires_at, superseded_at, created_at`;

const toTaxForm = (row: TaxFormRow): TaxForm => ({
  id: row.id,
  recipientId: row.recipient_id,
  formType: row.form_type,
  legalName: row.legal_name,
  businessName: row.business_name,
  taxClassification: row.tax_classification,
  exemptPayeeCode: row.exempt_payee_code,
  tinType: row.tin_type,
  tinLast4: row.tin_last4,
  backupWithholding: row.backup_withholding,
  signer: { signature: row.signature, signedAt: row.signed_at, session: row.signer_session, ip: row.signer_ip, userAgent: row.signer_user_agent },
  expiresAt: row.expires_at,
  supersededAt: row.superseded_at,
  createdAt: row.created_at,
});

export async function insertTaxForm(ex: Executor, tenant: Tenant, f: NewTaxForm): Promise<void> {
  await ex.query(
    `insert into tax_forms (id, organization_id, environment, recipient_id, form_type, legal_name, business_name, tax_classification,
       exempt_payee_code, tin_type, tin_last4, tin_hash, details_encrypted, backup_withholding, signature, signed_at, signer_session,
       signer_ip, signer_user_agent, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
    [
      f.id,
      tenant.organizationId,
      tenant.environment,
      f.recipientId,
      f.formType,
      f.legalName,
      f.businessName,
      f.taxClassification,
      f.exemptPayeeCode,
      f.tinType,
      f.tinLast4,
      f.tinHash,
      f.detailsEncrypted,
      f.backupWithholding,
      f.signature,
      f.signedAt,
      f.signerSession,
      f.signerIp,
      f.signerUserAgent,
      f.expiresAt,
    ],
  );
}

/** Marks the recipient's current form superseded (a new one is about to be inserted); answers whether there was one. */
export async function supersedeCurrentTaxForm(ex: Executor, tenant: Tenant, recipientId: string): Promise<boolean> {
  const rows = await ex.query(
    `update tax_forms set superseded_at = now()
     where organization_id = $1 and environment = $2 and recipient_id = $3 and superseded_at is null returning id`,
    [tenant.organizationId, tenant.environment, recipientId],
  );
  return rows.length > 0;
}

export async function findTaxForm(ex: Executor, tenant: Tenant, id: string): Promise<TaxForm | undefined> {
  const rows = await ex.query<TaxFormRow>(`select ${COLUMNS} from tax_forms where organization_id = $1 and environment = $2 and id = $3`, [
    tenant.organizationId,
    tenant.environment,
    id,
  ]);
  return rows[0] && toTaxForm(rows[0]);
}

export async function currentTaxForm(ex: Executor, tenant: Tenant, recipientId: string): Promise<TaxForm | undefined> {
  const rows = await ex.query<TaxFormRow>(
    `select ${COLUMNS} from tax_forms where organization_id = $1 and environment = $2 and recipient_id = $3 and superseded_at is null`,
    [tenant.organizationId, tenant.environment, recipientId],
  );
  return rows[0] && toTaxForm(rows[0]);
}

/** The sealed details of one form, for whoever must read them back (PDFs, the filing export). */
export async function sealedDetailsOf(ex: Executor, tenant: Tenant, id: string): Promise<string | undefined> {
  const rows = await ex.query<{ details_encrypted: string }>(
    'select details_encrypted from tax_forms where organization_id = $1 and environment = $2 and id = $3',
    [tenant.organizationId, tenant.environment, id],
  );
  return rows[0]?.details_encrypted;
}

/** Newest first, keyset-paged (limit + 1 rows); `recipientId` narrows to one recipient. */
export async function listTaxForms(ex: Executor, tenant: Tenant, page: Page, filter: { recipientId?: string } = {}): Promise<TaxForm[]> {
  const rows = await ex.query<TaxFormRow>(
    `select ${COLUMNS} from tax_forms
     where organization_id = $1 and environment = $2 and ($3::uuid is null or id < $3) and ($4::uuid is null or recipient_id = $4)
     order by id desc limit $5`,
    [tenant.organizationId, tenant.environment, page.before, filter.recipientId ?? null, page.limit + 1],
  );
  return rows.map(toTaxForm);
}
