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

/** Repositories fetch limit + 1 rows; the extra one only tells whether there is a next page. */
export function toListEnvelope<Row extends { id: string }, Out>(rows: Row[], page: Page, render: (row: Row) => Out) {
  const hasMore = rows.length > page.limit;
  const pageRows = hasMore ? rows.slice(0, page.limit) : rows;
  return {
    data: pageRows.map(render),
    hasMore,
    nextCursor: hasMore ? pageRows[pageRows.length - 1]!.id : null,
  };
}
