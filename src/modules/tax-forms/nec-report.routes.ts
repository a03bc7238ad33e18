import { Type } from '@sinclair/typebox';
import { encryptionKeysOf } from '../../platform/encryption-key.js';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf, userOf } from '../../platform/http/auth.js';
import { CSV_PAGE_SIZE, csvStream, JsonOrCsv, sendCsv, wantsCsv } from '../../platform/http/csv.js';
import { commonErrors } from '../../platform/http/schemas.js';
import { NEC_CSV_COLUMNS, NEC_FILING_CSV_COLUMNS, necCsvRows, NecReportQuery, NecReportSchema, renderNecReport } from './nec-report.schema.js';
import { necFilingExport, necReport } from './nec-report.service.js';

/**
 * The report is one aggregate query (its size is the number of payees, not of payouts); the CSV
 * goes out page by page as the client reads it, like every other export.
 */
function pagesOf<Row>(rows: Row[]): () => Promise<Row[]> {
  let offset = 0;
  return async () => {
    const page = rows.slice(offset, offset + CSV_PAGE_SIZE);
    offset += page.length;
    return page;
  };
}

export default async function necReportRoutes(app: AppInstance) {
  const tags = ['Reports'];

  app.get('/reports/1099-nec', {
    config: { permission: 'tax_forms:read' },
    schema: {
      tags,
      summary: 'The 1099-NEC report of a year: per payee (grouped by TIN) what was paid, TINs masked',
      description:
        'Completed payouts (by completion date; returned ones left out) and external payments (by `paidAt`, else when recorded) in the calendar year in the organization’s time zone, reimbursements left out; payees at or over the year’s threshold; C and S corporations and exempt payees left out; recipients at or over it without a W-9 listed apart. With `Accept: text/csv`, the same as a CSV download.',
      querystring: NecReportQuery,
      response: { 200: JsonOrCsv(NecReportSchema), ...commonErrors },
    },
    handler: async (request, reply) => {
      const tenant = tenantOf(request);
      const report = await necReport(app.db, tenant, request.query.year, app.config.necThresholds);
      if (!wantsCsv(request)) return renderNecReport(report);
      const rows = necCsvRows(report);
      return sendCsv(reply, `1099-nec-${report.year}`, tenant.environment, csvStream(NEC_CSV_COLUMNS, pagesOf(rows)));
    },
  });

  app.get('/reports/1099-nec/filing-export', {
    config: { permission: 'tax_forms:filing', dashboardOnly: true },
    schema: {
      tags,
      summary: 'The 1099-NEC filing export of a year, with full TINs (admins; every download is recorded)',
      description:
        'The reportable payees of `GET /reports/1099-nec` with their full TIN and address from the W-9, as CSV. Each download is recorded (who, when).',
      querystring: NecReportQuery,
      response: { 200: Type.String({ description: 'CSV' }), ...commonErrors },
    },
    handler: async (request, reply) => {
      const tenant = tenantOf(request);
      const { report, rows } = await necFilingExport(app.db, tenant, request.query.year, userOf(request).id, {
        thresholds: app.config.necThresholds,
        keys: encryptionKeysOf(app.config),
      });
      return sendCsv(reply, `1099-nec-filing-${report.year}`, tenant.environment, csvStream(NEC_FILING_CSV_COLUMNS(report.year), pagesOf(rows)));
    },
  });
}
