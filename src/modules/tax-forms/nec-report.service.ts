// The 1099-NEC year-end report (SPEC "Tax forms and year-end reporting"): per payee, grouped by
// TIN, what was paid in the calendar year in the organization's time zone, at or over the year's
// threshold; corporations, exempt payees and reimbursements left out; recipients who reached the
// threshold without a W-9 listed apart. The ordinary report shows TINs masked; the filing export,
// for admins, has them in full and every download is recorded.

import type { NecThresholds } from '../../config.js';
import type { Database } from '../../platform/db/database.js';
import { decryptText, type KeyRing } from '../../platform/crypto.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import type { Tenant } from '../../platform/tenant.js';
import { findOrganization } from '../organizations/index.js';
import { insertSensitiveDownload } from './downloads.repository.js';
import * as repo from './nec-report.repository.js';
import { CORPORATE_CLASSIFICATIONS, type W9Details } from './tax-form.js';
import { taxYearBounds, yearIn } from './tax-year.js';

/** The first year the report answers for (external payments cannot be dated earlier). */
export const FIRST_REPORT_YEAR = 2000;

export interface NecReport {
  year: number;
  timeZone: string;
  /** The year's threshold, in cents. */
  threshold: bigint;
  /** The instants that bound the year in `timeZone`: [from, to). */
  from: Date;
  to: Date;
  payees: repo.NecPayeeRow[];
  payeesWithoutW9: repo.PayeeWithoutW9Row[];
}

/** The year's threshold: the listed year's, else the nearest listed year before (or the first). */
export function thresholdFor(thresholds: NecThresholds, year: number): bigint {
  let amount = thresholds[0]!.amount;
  for (const entry of thresholds) if (entry.year <= year) amount = entry.amount;
  return amount;
}

/** `***-**-1234` for an SSN, `**-***1234` for an EIN: the last 4 only, shaped like the number. */
export const maskedTin = (tinType: 'ssn' | 'ein', last4: string): string => (tinType === 'ssn' ? `***-**-${last4}` : `**-***${last4}`);

/** 123-45-6789 / 12-3456789: the IRS's written forms of the two numbers. */
export const formattedTin = (tinType: 'ssn' | 'ein', tin: string): string =>
  tinType === 'ssn' ? `${tin.slice(0, 3)}-${tin.slice(3, 5)}-${tin.slice(5)}` : `${tin.slice(0, 2)}-${tin.slice(2)}`;

interface YearContext {
  year: number;
  timeZone: string;
  threshold: bigint;
  range: { from: Date; to: Date };
}

async function yearContext(db: Database, tenant: Tenant, year: number, thresholds: NecThresholds, now: Date): Promise<YearContext> {
  const organization = await findOrganization(db, tenant.organizationId);
  if (!organization) throw notFound('organization');
  const timeZone = organization.timeZone;
  const current = yearIn(now, timeZone);
  if (!Number.isInteger(year) || year < FIRST_REPORT_YEAR || year > current) {
    throw new AppError('invalid_request', `The year must be between ${FIRST_REPORT_YEAR} and ${current}.`, 'year');
  }
  return { year, timeZone, threshold: thresholdFor(thresholds, year), range: taxYearBounds(year, timeZone) };
}

export async function necReport(db: Database, tenant: Tenant, year: number, thresholds: NecThresholds, now = new Date()): Promise<NecReport> {
  const context = await yearContext(db, tenant, year, thresholds, now);
  const { payees, payeesWithoutW9 } = await repo.selectNecReport(db, tenant, context.range, context.threshold, CORPORATE_CLASSIFICATIONS, {
    withSealedDetails: false,
  });
  return { year, timeZone: context.timeZone, threshold: context.threshold, ...context.range, payees, payeesWithoutW9 };
}

/** One line of the filing export: what a 1099-NEC needs of the payee, the TIN in full. */
export interface NecFilingRow {
  taxFormId: string;
  tinType: 'ssn' | 'ein';
  tin: string;
  legalName: string;
  businessName: string | null;
  address: string;
  city: string;
  state: string;
  zip: string;
  total: bigint;
  recipientIds: string[];
}

/**
 * The filing export's rows, full TINs from the sealed W-9s, and the record that `userId`
 * downloaded it: the record is committed before any TIN is read, so no export goes unrecorded.
 */
export async function necFilingExport(
  db: Database,
  tenant: Tenant,
  year: number,
  userId: string,
  settings: { thresholds: NecThresholds; keys: KeyRing },
  now = new Date(),
): Promise<{ report: Omit<NecReport, 'payees' | 'payeesWithoutW9'>; rows: NecFilingRow[] }> {
  const context = await yearContext(db, tenant, year, settings.thresholds, now);
  await insertSensitiveDownload(db, tenant, { userId, kind: 'nec_filing_export', subject: String(year) });
  const { payees } = await repo.selectNecReport(db, tenant, context.range, context.threshold, CORPORATE_CLASSIFICATIONS, { withSealedDetails: true });
  const rows = payees.map((payee) => {
    const details = JSON.parse(decryptText(settings.keys, payee.detailsEncrypted!)) as W9Details;
    return {
      taxFormId: payee.taxFormId,
      tinType: payee.tinType,
      tin: formattedTin(payee.tinType, details.tin),
      legalName: payee.legalName,
      businessName: payee.businessName,
      address: details.address,
      city: details.city,
      state: details.state,
      zip: details.zip,
      total: payee.total,
      recipientIds: payee.recipientIds,
    };
  });
  return { report: { year, timeZone: context.timeZone, threshold: context.threshold, ...context.range }, rows };
}
