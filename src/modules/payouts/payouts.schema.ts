import { Type } from '@sinclair/typebox';
import { type CsvColumn, csvMoney } from '../../platform/http/csv.js';
import { IncludeTotalQuery, SearchQuery, Timestamp } from '../../platform/http/schemas.js';
import { linkFor, type LinkConfig } from '../../platform/links.js';
import { storedAmountToWire } from '../../platform/money.js';
import type { PayoutExportRow } from './payouts-list.repository.js';
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
  // Extension (additive).
  isReimbursement: Type.Optional(
    Type.Boolean({
      description:
        'Expenses paid back, not pay for work: left out of the 1099-NEC report. Default false (not filled in by validation, so the idempotency hash of a body stays what the client sent).',
    }),
  ),
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
    payouts: Type.Array(
      Type.Object(
        {
          ...PayoutItem,
          idempotencyKey: IdempotencyKey,
          // Extension (additive).
          paidAt: Type.Optional(
            Type.String({
              format: 'date-time',
              description:
                'When the payment was made (ISO 8601); default: when it is recorded. The 1099-NEC report counts it in the calendar year of this date in the organization’s time zone. Not before 2000-01-01 and at most one day ahead of now (a payment dated today in a time zone ahead of UTC).',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_BATCH_ITEMS },
    ),
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
    isReimbursement: Type.Boolean({ description: 'Expenses paid back: left out of the 1099-NEC report.' }),
    paidAt: Type.Union([Timestamp, Type.Null()], {
      description: 'External payments: when it was paid, as recorded with `paidAt`; null when not given (then it counts as paid when recorded).',
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
    ...SearchQuery('the recipient\'s email, first name, last name or "first last", and the payout\'s referenceId'),
    ...IncludeTotalQuery,
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

/** The payouts export: one line per payout with its recipient, money as a decimal beside its currency. */
export const PAYMENT_CSV_COLUMNS: CsvColumn<PayoutExportRow>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'createdAt', value: (p) => p.createdAt },
  { header: 'status', value: (p) => p.status },
  { header: 'statusReason', value: (p) => p.statusReason },
  { header: 'amount', value: (p) => csvMoney(p.amount) },
  { header: 'currency', value: (p) => p.currency },
  { header: 'recipientEmail', value: (p) => p.recipientEmail },
  { header: 'recipientFirstName', value: (p) => p.recipientFirstName },
  { header: 'recipientLastName', value: (p) => p.recipientLastName },
  { header: 'recipientId', value: (p) => p.recipientId },
  { header: 'description', value: (p) => p.description },
  { header: 'referenceId', value: (p) => p.referenceId },
  { header: 'batchId', value: (p) => p.batchId },
  { header: 'rail', value: (p) => p.rail },
  { header: 'external', value: (p) => p.kind === 'external' },
];

export const PaymentParams = Type.Object({ paymentId: Type.String() });

export const MAX_BULK_CANCEL = 1000;

export const CancelPaymentsBody = Type.Object(
  {
    ids: Type.Array(Type.String({ format: 'uuid' }), {
      minItems: 1,
      maxItems: MAX_BULK_CANCEL,
      description: 'The payouts to cancel (up to 1,000). Ids of other organizations or environments are reported as not found.',
    }),
  },
  { additionalProperties: false },
);

export const CanceledPaymentsSchema = Type.Object({
  data: Type.Object({
    canceled: Type.Array(Type.String(), { description: 'The payouts this request canceled.' }),
    notCanceled: Type.Array(
      Type.Object({
        id: Type.String(),
        status: Type.Union([PayoutStatusSchema, Type.Null()], { description: 'Its status now; null when there is no such payout.' }),
        message: Type.String(),
      }),
      { description: 'Every other id: already canceled, past `pending`, an external record, or not found.' },
    ),
  }),
});

export const CanceledBatchSchema = Type.Object({
  data: Type.Object({
    canceled: Type.Integer({ description: 'Payouts of the batch this request canceled.' }),
    notCancelable: Type.Integer({ description: 'The rest of the batch: already canceled, past `pending`, or external records.' }),
  }),
});

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
  isReimbursement: d.payout.isReimbursement,
  paidAt: d.payout.paidAt ? d.payout.paidAt.toISOString() : null,
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
