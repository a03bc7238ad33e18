import { Type } from '@sinclair/typebox';
import { Timestamp } from '../../platform/http/schemas.js';
import { linkFor, type LinkConfig } from '../../platform/links.js';
import { storedAmountToWire } from '../../platform/money.js';
import type { BatchSummary, PayoutDetail } from './payouts.service.js';
import { PAYOUT_STATUSES } from './state.js';

const NullableText = Type.Union([Type.String(), Type.Null()]);
export const PayoutStatusSchema = Type.Union(PAYOUT_STATUSES.map((s) => Type.Literal(s)));

const Amount = Type.Integer({
  description:
    'Minor units (cents); must be greater than zero (answered 400 `invalid_amount`, "All payout amounts must be greater than zero."). The total of one request must not exceed 9007199254740991.',
  maximum: Number.MAX_SAFE_INTEGER,
});
const PayoutItem = {
  payeeEmail: Type.Optional(Type.String({ format: 'email', maxLength: 320, description: 'Exactly one of `payeeEmail` or `recipientId` per payout.' })),
  recipientId: Type.Optional(Type.String({ format: 'uuid', description: 'Exactly one of `payeeEmail` or `recipientId` per payout.' })),
  amount: Amount,
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  referenceId: Type.Optional(Type.String({ maxLength: 255 })),
};
const IdempotencyKey = Type.Optional(Type.String({ minLength: 1, maxLength: 255 }));
export const MAX_BATCH_ITEMS = 50_000;

export const CreatePaymentsBody = Type.Object(
  {
    payouts: Type.Array(Type.Object(PayoutItem, { additionalProperties: false }), { minItems: 1, maxItems: MAX_BATCH_ITEMS }),
    idempotencyKey: IdempotencyKey,
  },
  { additionalProperties: false },
);

export const CreateExternalPaymentsBody = Type.Object(
  {
    payouts: Type.Array(Type.Object({ ...PayoutItem, idempotencyKey: IdempotencyKey }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: MAX_BATCH_ITEMS,
    }),
    idempotencyKey: IdempotencyKey,
  },
  { additionalProperties: false },
);

const CreatedPayout = Type.Object({
  id: Type.String(),
  payeeEmail: Type.String(),
  amount: Type.Integer(),
  description: NullableText,
  referenceId: NullableText,
});

export const CreatedBatchSchema = Type.Object({ data: Type.Object({ batchId: Type.String(), payouts: Type.Array(CreatedPayout) }) });
export const RecordedExternalSchema = Type.Object({
  data: Type.Object({
    batchId: Type.Union([Type.String(), Type.Null()]),
    payouts: Type.Array(Type.Object({ ...CreatedPayout.properties, idempotencyKey: NullableText })),
  }),
});

export const PaymentSchema = Type.Object(
  {
    id: Type.String(),
    amount: Type.Integer(),
    description: NullableText,
    referenceId: NullableText,
    createdAt: Timestamp,
    statusUpdates: Type.Array(
      Type.Object({
        id: Type.String(),
        status: PayoutStatusSchema,
        reason: NullableText,
        date: Timestamp,
        // Extension (additive): present only on a status an operator recorded by hand.
        recordedBy: Type.Optional(Type.String({ description: 'Who recorded this status by hand: the dashboard user’s email, or `cli`.' })),
      }),
    ),
    recipient: Type.Object({ id: Type.String(), firstName: NullableText, lastName: NullableText, email: Type.String(), autoAcceptPayouts: Type.Boolean() }),
    payoutLink: Type.String(),
    // Extensions (additive).
    status: PayoutStatusSchema,
    batchId: Type.String(),
    currency: Type.String(),
    external: Type.Boolean(),
    rail: Type.Union([Type.Literal('sandbox'), Type.Literal('manual'), Type.Literal('ach'), Type.Null()], {
      description:
        'How the payout is paid, recorded when it becomes `pending`: `ach` (a bank file), `manual` (settled by an operator) or `sandbox`; null before.',
    }),
  },
  { $id: 'Payment' },
);

export const ListPaymentsQuery = Type.Object(
  {
    status: Type.Optional(PayoutStatusSchema),
    batchId: Type.Optional(Type.String({ maxLength: 64 })),
    recipientId: Type.Optional(Type.String({ maxLength: 64 })),
    referenceId: Type.Optional(Type.String({ maxLength: 255 })),
    createdFrom: Type.Optional(Type.String({ format: 'date-time' })),
    createdTo: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    cursor: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Opaque paging cursor: pass the `nextCursor` of the previous page unchanged. Its content is not part of the API.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PaymentParams = Type.Object({ paymentId: Type.String() });

export const renderPayment = (links: LinkConfig) => (d: PayoutDetail) => ({
  id: d.payout.id,
  amount: storedAmountToWire(d.payout.amount),
  description: d.payout.description,
  referenceId: d.payout.referenceId,
  createdAt: d.payout.createdAt.toISOString(),
  statusUpdates: d.statusUpdates.map((u) => ({
    id: u.id,
    status: u.status,
    reason: u.reason,
    date: u.createdAt.toISOString(),
    ...(u.recordedBy ? { recordedBy: u.recordedBy } : {}),
  })),
  recipient: {
    id: d.recipient.id,
    firstName: d.recipient.firstName,
    lastName: d.recipient.lastName,
    email: d.recipient.email,
    autoAcceptPayouts: d.recipient.autoAcceptPayouts,
  },
  payoutLink: linkFor(links, 'payout', d.payout.id),
  status: d.payout.status,
  batchId: d.payout.batchId,
  currency: d.payout.currency,
  external: d.payout.kind === 'external',
  rail: d.payout.rail,
});

const StatusTotals = Type.Record(Type.String(), Type.Object({ count: Type.Integer(), amount: Type.Integer() }));

export const BatchSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('payout'), Type.Literal('external')]),
    currency: Type.String(),
    payoutCount: Type.Integer(),
    totalAmount: Type.Integer(),
    createdAt: Timestamp,
    byStatus: StatusTotals,
  },
  { $id: 'Batch' },
);

export const renderBatch = (b: BatchSummary) => ({
  id: b.id,
  kind: b.kind,
  currency: b.currency,
  payoutCount: b.payoutCount,
  totalAmount: storedAmountToWire(b.totalAmount),
  createdAt: b.createdAt.toISOString(),
  byStatus: Object.fromEntries(Object.entries(b.byStatus).map(([status, t]) => [status, { count: t!.count, amount: storedAmountToWire(t!.amount) }])),
});

export const SettlePaymentBody = Type.Object(
  {
    status: Type.Union([Type.Literal('completed'), Type.Literal('failed'), Type.Literal('returned')], {
      description: '`completed` (paid), `failed` or `returned`; only from the statuses the lifecycle allows.',
    }),
    reason: Type.Optional(Type.String({ maxLength: 500, description: 'Why it failed or came back; required for `failed` and `returned`.' })),
  },
  { additionalProperties: false },
);
