import { type TSchema, Type } from '@sinclair/typebox';

// The envelopes of the SPEC, as schemas shared by every route.

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      param: Type.Optional(Type.String()),
      requestId: Type.String(),
    }),
  },
  { $id: 'ErrorResponse' },
);

export const DataEnvelope = <T extends TSchema>(data: T) => Type.Object({ data });

export const ListEnvelope = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    hasMore: Type.Boolean(),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Opaque cursor of the next page (pass it as `cursor`), or null on the last page.' }),
    total: Type.Optional(Type.Integer({ description: 'With `includeTotal=true` only: how many rows match the filters in all (not just this page).' })),
  });

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Type.String() });
export const Timestamp = Type.String({ format: 'date-time' });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
  cursor: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Opaque paging cursor: pass the `nextCursor` of the previous page unchanged. Its content is not part of the API.',
    }),
  ),
};

/** `includeTotal=true` adds `total` to a list's envelope (one more count query, so only on request). */
export const IncludeTotalQuery = {
  includeTotal: Type.Optional(Type.Boolean({ description: 'Add `total`, the number of all rows matching the filters, to the envelope.' })),
};

/** Free-text search of a list (see each list for the fields it looks in). */
export const SearchQuery = (fields: string) => ({
  search: Type.Optional(
    Type.String({
      maxLength: 200,
      description: `Case-insensitive substring (so also prefix) match of ${fields}. Combines with the other filters; empty means no search.`,
    }),
  ),
});

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const commonErrors = {
  400: Type.Ref('ErrorResponse'),
  401: Type.Ref('ErrorResponse'),
  404: Type.Ref('ErrorResponse'),
};
