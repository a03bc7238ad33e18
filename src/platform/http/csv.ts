import { Readable } from 'node:stream';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Environment } from '../tenant.js';

// CSV exports of the list endpoints (`Accept: text/csv`): RFC 4180 text, streamed page by page
// from the database so an export of any size holds one page in memory, with every text cell that
// a spreadsheet would run as a formula neutralized (SPEC "Sensitive data").

/** A number we formatted ourselves (money, counts): written as is, never taken for a formula. */
export interface CsvNumber {
  readonly csvNumber: string;
}

export type CsvValue = string | number | bigint | boolean | Date | CsvNumber | null | undefined;

export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => CsvValue;
}

/** Minor units as a decimal amount with two places (`1250n` → `12.50`, `-5n` → `-0.05`). */
export function csvMoney(minor: bigint): CsvNumber {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  return { csvNumber: `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}` };
}

/** Spreadsheets run a cell starting with one of these as a formula (or a command, with tab/CR). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: text that could run as a formula gets a leading `'`; quoted when it holds `"`, `,` or a line break. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'string') text = FORMULA_START.test(value) ? `'${value}` : value;
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'object') text = value.csvNumber;
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: CsvValue[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/** Rows per database query: memory stays bounded by one page whatever the export's size. */
export const CSV_PAGE_SIZE = 1000;

/**
 * The header line, then every row, fetched by keyset pages: `fetchPage(last)` answers the (at
 * most CSV_PAGE_SIZE) rows after `last` in the export's order (from the start when undefined).
 * The next page is fetched only when the client has taken the previous one (the stream is pulled
 * by the response), so a slow download never piles rows up in memory.
 */
export function csvStream<Row>(columns: CsvColumn<Row>[], fetchPage: (last: Row | undefined) => Promise<Row[]>): Readable {
  async function* lines(): AsyncGenerator<string> {
    yield csvLine(columns.map((c) => c.header));
    let last: Row | undefined;
    for (;;) {
      const rows = await fetchPage(last);
      if (rows.length > 0) yield rows.map((row) => csvLine(columns.map((c) => c.value(row)))).join('');
      if (rows.length < CSV_PAGE_SIZE) return;
      last = rows[rows.length - 1];
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

/** Whether the client asked for CSV (`Accept: text/csv`, alone or among other types). */
export function wantsCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (!accept) return false;
  return accept.split(',').some((type) => type.split(';')[0]!.trim().toLowerCase() === 'text/csv');
}

/** Sends the export as a download named `<what>-<environment>-<YYYY-MM-DD>.csv`. */
export function sendCsv(reply: FastifyReply, what: string, environment: Environment, stream: Readable, today: Date = new Date()): FastifyReply {
  const filename = `${what}-${environment}-${today.toISOString().slice(0, 10)}.csv`;
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .send(stream);
}

/**
 * A list's 200 answer: its JSON envelope, or with `Accept: text/csv` the export. Declared per media
 * type, so Fastify serializes the JSON answer with its schema as before and the OpenAPI document
 * shows both.
 */
export const JsonOrCsv = <T extends TSchema>(json: T) => ({
  content: {
    'application/json': { schema: json },
    'text/csv': {
      schema: Type.String({
        description:
          "With `Accept: text/csv`: a header row and every matching row (limit and cursor ignored), streamed; money as decimal amounts beside a currency column, dates in ISO 8601, text that could run as a spreadsheet formula prefixed with `'`.",
      }),
    },
  },
});
