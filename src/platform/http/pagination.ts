import { isUuid } from '../ids.js';
import { AppError } from './errors.js';

export interface Page {
  limit: number;
  /** Rows strictly older than this id (ids are UUIDv7, so id order is creation order). */
  before: string | null;
}

export function parsePage(query: { limit?: number; cursor?: string }): Page {
  const cursor = query.cursor ?? null;
  if (cursor !== null && !isUuid(cursor)) throw new AppError('invalid_request', 'The cursor is not one this API returned.', 'cursor');
  return { limit: query.limit ?? 25, before: cursor };
}

/**
 * Repositories fetch limit + 1 rows; the extra one only tells whether there is a next page.
 * `total` (all rows matching the filters, when the caller asked with `includeTotal=true`) is added
 * only when given, so the envelope is unchanged for everyone else.
 */
export function toListEnvelope<Row extends { id: string }, Out>(rows: Row[], page: Page, render: (row: Row) => Out, total?: number) {
  const hasMore = rows.length > page.limit;
  const pageRows = hasMore ? rows.slice(0, page.limit) : rows;
  return {
    data: pageRows.map(render),
    hasMore,
    nextCursor: hasMore ? pageRows[pageRows.length - 1]!.id : null,
    ...(total === undefined ? {} : { total }),
  };
}

/**
 * The `search` query parameter as an `ilike` pattern matching it anywhere (so prefixes too), its
 * own `%`, `_` and `\` taken literally; undefined for no search (absent, empty or only spaces).
 */
export function searchPattern(search: string | undefined): string | undefined {
  const text = search?.trim();
  if (!text) return undefined;
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
