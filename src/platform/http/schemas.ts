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

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const commonErrors = {
  400: Type.Ref('ErrorResponse'),
  401: Type.Ref('ErrorResponse'),
  404: Type.Ref('ErrorResponse'),
};
