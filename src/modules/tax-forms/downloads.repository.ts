import type { Executor } from '../../platform/db/database.js';
import { uuidv7 } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';

// Every download that shows a full TIN leaves a row here: who, when, what. Rows are only ever
// added. Call it in the same transaction as the read of the sealed data, so a download that
// happened is always recorded and a recorded one always happened.

export type SensitiveDownloadKind = 'tax_form_filing_copy' | 'nec_filing_export';

export interface SensitiveDownload {
  id: string;
  userId: string;
  kind: SensitiveDownloadKind;
  /** The tax form's id (filing copy) or the report's year (filing export). */
  subject: string;
  createdAt: Date;
}

interface SensitiveDownloadRow {
  id: string;
  user_id: string;
  kind: SensitiveDownloadKind;
  subject: string;
  created_at: Date;
}

const toDownload = (row: SensitiveDownloadRow): SensitiveDownload => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind,
  subject: row.subject,
  createdAt: row.created_at,
});

export async function insertSensitiveDownload(
  ex: Executor,
  tenant: Tenant,
  download: { userId: string; kind: SensitiveDownloadKind; subject: string },
): Promise<SensitiveDownload> {
  const rows = await ex.query<SensitiveDownloadRow>(
    `insert into sensitive_downloads (id, organization_id, environment, user_id, kind, subject)
     values ($1, $2, $3, $4, $5, $6) returning id, user_id, kind, subject, created_at`,
    [uuidv7(), tenant.organizationId, tenant.environment, download.userId, download.kind, download.subject],
  );
  return toDownload(rows[0]!);
}

/** Newest first; for audits and tests. */
export async function listSensitiveDownloads(
  ex: Executor,
  tenant: Tenant,
  filter: { kind?: SensitiveDownloadKind; subject?: string } = {},
): Promise<SensitiveDownload[]> {
  const rows = await ex.query<SensitiveDownloadRow>(
    `select id, user_id, kind, subject, created_at from sensitive_downloads
     where organization_id = $1 and environment = $2 and ($3::text is null or kind = $3) and ($4::text is null or subject = $4)
     order by id desc`,
    [tenant.organizationId, tenant.environment, filter.kind ?? null, filter.subject ?? null],
  );
  return rows.map(toDownload);
}
