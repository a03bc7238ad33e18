import { type Static, Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf, userOf } from '../../platform/http/auth.js';
import { sendIdempotent } from '../../platform/http/idempotent-route.js';
import { csvStream, JsonOrCsv, sendCsv, wantsCsv } from '../../platform/http/csv.js';
import { parsePage, searchPattern, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, ListEnvelope } from '../../platform/http/schemas.js';
import { createBatch } from './create-batch.js';
import { createExternalBatch } from './create-external-batch.js';
import {
  CancelPaymentsBody,
  CanceledPaymentsSchema,
  CreatedBatchSchema,
  CreateExternalPaymentsBody,
  CreatePaymentsBody,
  ListPaymentsQuery,
  PAYMENT_CSV_COLUMNS,
  PaymentParams,
  PaymentSchema,
  RecordedExternalSchema,
  renderPayment,
  SettlePaymentBody,
} from './payouts.schema.js';
import { cancelPayouts } from './bulk-cancel.js';
import {
  acceptPayout,
  cancelPayout,
  checkPayoutFilter,
  exportPayoutsPage,
  getPayout,
  listPayouts,
  type PayoutFilter,
  settlePayoutAsUser,
} from './payouts.service.js';

const idempotencyHeader = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) });
const moneyErrors = { ...commonErrors, 409: Type.Ref('ErrorResponse'), 422: Type.Ref('ErrorResponse'), 500: Type.Ref('ErrorResponse') };

/** The list's filters from its query string (shared by the JSON page and the CSV export). */
function payoutFilterOf(query: Static<typeof ListPaymentsQuery>): PayoutFilter {
  const { status, batchId, recipientId, referenceId, createdFrom, createdTo, search } = query;
  const pattern = searchPattern(search);
  return {
    ...(status ? { status } : {}),
    ...(batchId ? { batchId } : {}),
    ...(recipientId ? { recipientId } : {}),
    ...(referenceId ? { referenceId } : {}),
    ...(createdFrom ? { createdFrom: new Date(createdFrom) } : {}),
    ...(createdTo ? { createdTo: new Date(createdTo) } : {}),
    ...(pattern ? { searchPattern: pattern } : {}),
  };
}

export default async function payoutRoutes(app: AppInstance) {
  const render = renderPayment(app.config);
  const tags = ['Payments'];

  app.post('/payments', {
    config: { permission: 'payouts:write' },
    schema: {
      tags,
      summary: 'Create a batch of payouts (all or nothing)',
      description:
        'Moves the batch total from available to held. Amounts ≤ 0 answer 400; a batch larger than the available balance answers 500 `insufficient_funds`, as Karat does.',
      headers: idempotencyHeader,
      body: CreatePaymentsBody,
      response: { 201: CreatedBatchSchema, ...moneyErrors },
    },
    // The hold on the balance commits the transaction, after the idempotent answer is stored.
    handler: (request, reply) =>
      sendIdempotent(request, reply, async (tx) => {
        const { created, holdFunds } = await createBatch(tx, tenantOf(request), request.body.payouts, app.config.sandboxDelayMs);
        return { body: { data: created }, lastStep: holdFunds };
      }),
  });

  app.get('/payments', {
    config: { permission: 'payouts:read' },
    schema: {
      tags,
      summary: 'List payouts, newest first',
      description: 'With `Accept: text/csv`, every matching payout as a CSV download (`limit` and `cursor` ignored).',
      querystring: ListPaymentsQuery,
      response: { 200: JsonOrCsv(ListEnvelope(Type.Ref(PaymentSchema))), ...commonErrors },
    },
    handler: async (request, reply) => {
      if (wantsCsv(request)) {
        const tenant = tenantOf(request);
        const filter = checkPayoutFilter(payoutFilterOf(request.query));
        const rows = csvStream(PAYMENT_CSV_COLUMNS, (last) => exportPayoutsPage(app.db, tenant, filter, last?.id ?? null));
        return sendCsv(reply, 'payments', tenant.environment, rows);
      }
      const page = parsePage(request.query);
      const { payouts, total } = await listPayouts(app.db, tenantOf(request), payoutFilterOf(request.query), page, {
        includeTotal: request.query.includeTotal === true,
      });
      return toListEnvelope(payouts, page, render, total);
    },
  });

  app.get('/payments/:paymentId', {
    config: { permission: 'payouts:read' },
    schema: {
      tags,
      summary: 'One payout with its status history',
      params: PaymentParams,
      response: { 200: DataEnvelope(Type.Ref(PaymentSchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: render(await getPayout(app.db, tenantOf(request), request.params.paymentId)) }),
  });

  app.post('/payments/:paymentId/cancel', {
    config: { permission: 'payouts:write' },
    schema: {
      tags,
      summary: 'Cancel a payout that has not reached processing',
      params: PaymentParams,
      response: { 200: DataEnvelope(Type.Ref(PaymentSchema)), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request) => ({ data: render(await cancelPayout(app.db, tenantOf(request), request.params.paymentId)) }),
  });

  app.post('/payments/cancel', {
    config: { permission: 'payouts:write' },
    schema: {
      tags,
      summary: 'Cancel many payouts at once (those still created, pending or awaiting acceptance)',
      description:
        'Each payout is canceled as by `POST /payments/{id}/cancel` (its held money goes back to available, a `payout.updated` event is sent). Every id that was not canceled is reported with its status and why; repeating the request cancels nothing more.',
      body: CancelPaymentsBody,
      response: { 200: CanceledPaymentsSchema, ...commonErrors },
    },
    handler: async (request) => ({ data: await cancelPayouts(app.db, tenantOf(request), request.body.ids) }),
  });

  app.post('/payments/:paymentId/accept', {
    config: { permission: 'payouts:write' },
    schema: {
      tags,
      summary: 'Sandbox: accept a payout awaiting acceptance, as its recipient would',
      params: PaymentParams,
      response: { 200: DataEnvelope(Type.Ref(PaymentSchema)), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request) => ({ data: render(await acceptPayout(app.db, tenantOf(request), request.params.paymentId, app.config.sandboxDelayMs)) }),
  });

  // A person's statement about money sent by hand: dashboard users only (admins and managers), so
  // a leaked API key cannot mark payouts paid; the CLI does the same from the server's shell.
  app.post('/payments/:paymentId/settle', {
    config: { permission: 'payouts:write', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Record the outcome of a payout on the manual rail (paid, failed or returned)',
      description:
        'Only for payouts on the `manual` rail, and only once the recipient has accepted: `completed` or `failed` from `pending` or `processing`, `returned` from `completed`. The status update records who did it (`recordedBy`).',
      params: PaymentParams,
      body: SettlePaymentBody,
      response: { 200: DataEnvelope(Type.Ref(PaymentSchema)), ...commonErrors, 403: Type.Ref('ErrorResponse'), 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request) => ({
      data: render(await settlePayoutAsUser(app.db, tenantOf(request), request.params.paymentId, request.body, userOf(request).email)),
    }),
  });

  app.post('/external-payments', {
    config: { permission: 'payouts:write' },
    schema: {
      tags,
      summary: 'Record payments made outside the platform (no money moves)',
      headers: idempotencyHeader,
      body: CreateExternalPaymentsBody,
      response: { 201: RecordedExternalSchema, ...moneyErrors },
    },
    handler: (request, reply) =>
      sendIdempotent(request, reply, async (tx) => ({ body: { data: await createExternalBatch(tx, tenantOf(request), request.body.payouts) } })),
  });
}
