import { Type } from '@sinclair/typebox';
import { type CsvColumn, csvMoney } from '../../platform/http/csv.js';
import { Timestamp } from '../../platform/http/schemas.js';
import { storedAmountToWire } from '../../platform/money.js';
import type { NecPayeeRow, PayeeWithoutW9Row } from './nec-report.repository.js';
import { maskedTin, type NecFilingRow, type NecReport } from './nec-report.service.js';

export const NecReportQuery = Type.Object(
  {
    year: Type.Integer({
      description: 'The calendar (tax) year, in the organization’s time zone: from 2000 to the current year. Out of that range: 400 `invalid_request`.',
    }),
  },
  { additionalProperties: false },
);

const NecPayee = Type.Object({
  taxFormId: Type.String({ description: 'The W-9 that names the payee: the most recently signed among the recipients paid in the year that share its TIN.' }),
  legalName: Type.String(),
  businessName: Type.Union([Type.String(), Type.Null()]),
  taxClassification: Type.String(),
  tinType: Type.Union([Type.Literal('ssn'), Type.Literal('ein')]),
  tin: Type.String({ description: 'Masked: `***-**-1234` (SSN) or `**-***1234` (EIN).' }),
  total: Type.Integer({ description: 'Cents paid in the year (the 1099-NEC box 1 amount).' }),
  recipientIds: Type.Array(Type.String(), { description: 'Every recipient record with this TIN.' }),
});

const PayeeWithoutW9 = Type.Object({
  recipientId: Type.String(),
  email: Type.String(),
  firstName: Type.Union([Type.String(), Type.Null()]),
  lastName: Type.Union([Type.String(), Type.Null()]),
  taxForm: Type.Union([Type.Literal('w8ben'), Type.Null()], { description: 'Their current form when it is a W-8BEN; null when they signed none.' }),
  total: Type.Integer({ description: 'Cents paid in the year.' }),
});

export const NecReportSchema = Type.Object({
  data: Type.Object({
    year: Type.Integer(),
    timeZone: Type.String({ description: 'The organization’s time zone the year was counted in.' }),
    threshold: Type.Integer({ description: 'The year’s reporting threshold in cents (NEC_THRESHOLDS); a payee is listed at or over it.' }),
    currency: Type.String(),
    from: Timestamp,
    to: Timestamp,
    payees: Type.Array(NecPayee, { description: 'Payees with a W-9, one per TIN, at or over the threshold; corporations and exempt payees left out.' }),
    payeesWithoutW9: Type.Array(PayeeWithoutW9, { description: 'Recipients at or over the threshold without a current W-9: collect one before filing.' }),
  }),
});

const renderPayee = (p: NecPayeeRow) => ({
  taxFormId: p.taxFormId,
  legalName: p.legalName,
  businessName: p.businessName,
  taxClassification: p.taxClassification,
  tinType: p.tinType,
  tin: maskedTin(p.tinType, p.tinLast4),
  total: storedAmountToWire(p.total),
  recipientIds: p.recipientIds,
});

const renderWithoutW9 = (p: PayeeWithoutW9Row) => ({ ...p, total: storedAmountToWire(p.total) });

export const renderNecReport = (r: NecReport) => ({
  data: {
    year: r.year,
    timeZone: r.timeZone,
    threshold: storedAmountToWire(r.threshold),
    currency: 'USD',
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    payees: r.payees.map(renderPayee),
    payeesWithoutW9: r.payeesWithoutW9.map(renderWithoutW9),
  },
});

/** One CSV line of the masked report: a W-9 payee (`reportable`) or a recipient without one (`missing_w9`). */
export type NecCsvRow = { section: 'reportable'; payee: NecPayeeRow } | { section: 'missing_w9'; payee: PayeeWithoutW9Row };

const w9 = (row: NecCsvRow) => (row.section === 'reportable' ? row.payee : undefined);
const other = (row: NecCsvRow) => (row.section === 'missing_w9' ? row.payee : undefined);

export const NEC_CSV_COLUMNS: CsvColumn<NecCsvRow>[] = [
  { header: 'section', value: (row) => row.section },
  { header: 'legalName', value: (row) => w9(row)?.legalName },
  { header: 'businessName', value: (row) => w9(row)?.businessName },
  { header: 'taxClassification', value: (row) => w9(row)?.taxClassification },
  { header: 'tinType', value: (row) => w9(row)?.tinType },
  { header: 'tin', value: (row) => (row.section === 'reportable' ? maskedTin(row.payee.tinType, row.payee.tinLast4) : null) },
  { header: 'total', value: (row) => csvMoney(row.payee.total) },
  { header: 'currency', value: () => 'USD' },
  { header: 'recipientIds', value: (row) => (row.section === 'reportable' ? row.payee.recipientIds.join(' ') : row.payee.recipientId) },
  { header: 'email', value: (row) => other(row)?.email },
  { header: 'firstName', value: (row) => other(row)?.firstName },
  { header: 'lastName', value: (row) => other(row)?.lastName },
  { header: 'taxForm', value: (row) => (row.section === 'reportable' ? 'w9' : row.payee.taxForm) },
  { header: 'taxFormId', value: (row) => w9(row)?.taxFormId },
];

export const necCsvRows = (r: NecReport): NecCsvRow[] => [
  ...r.payees.map((payee) => ({ section: 'reportable' as const, payee })),
  ...r.payeesWithoutW9.map((payee) => ({ section: 'missing_w9' as const, payee })),
];

/** The filing export: what a 1099-NEC needs, full TINs (admins only, every download recorded). */
export const NEC_FILING_CSV_COLUMNS: (year: number) => CsvColumn<NecFilingRow>[] = (year) => [
  { header: 'taxYear', value: () => String(year) },
  { header: 'tinType', value: (row) => row.tinType },
  { header: 'tin', value: (row) => row.tin },
  { header: 'legalName', value: (row) => row.legalName },
  { header: 'businessName', value: (row) => row.businessName },
  { header: 'address', value: (row) => row.address },
  { header: 'city', value: (row) => row.city },
  { header: 'state', value: (row) => row.state },
  { header: 'zip', value: (row) => row.zip },
  { header: 'nonemployeeCompensation', value: (row) => csvMoney(row.total) },
  { header: 'recipientIds', value: (row) => row.recipientIds.join(' ') },
  { header: 'taxFormId', value: (row) => row.taxFormId },
];
