import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf, userOf } from '../../platform/http/auth.js';
import { sendIdempotent } from '../../platform/http/idempotent-route.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, ListEnvelope } from '../../platform/http/schemas.js';
import { createBatch } from './create-batch.js';
import { createExternalBatch } from './create-external-batch.js';
import {
  CreatedBatchSchema,
  CreateExternalPaymentsBody,
  CreatePaymentsBody,
  ListPaymentsQuery,
  PaymentParams,
  PaymentSchema,
  RecordedExternalSchema,
  renderPayment,
  SettlePaymentBody,
} from './payouts.schema.js';
import { acceptPayout, cancelPayout, getPayout, listPayouts, settlePayoutAsUser } from './payouts.service.js';

const idempotencyHeader = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) });
const moneyErrors = { ...commonErrors, 409: Type.Ref('ErrorResponse'), 422: Type.Ref('ErrorResponse'), 500: Type.Ref('ErrorResponse') };

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
      querystring: ListPaymentsQuery,
      response: { 200: ListEnvelope(Type.Ref(PaymentSchema)), ...commonErrors },
    },
    handler: async (request) => {
      const { status, batchId, recipientId, referenceId, createdFrom, createdTo } = request.query;
      const page = parsePage(request.query);
      const payouts = await listPayouts(app.db, tenantOf(request), {
        ...page,
        ...(status ? { status } : {}),
        ...(batchId ? { batchId } : {}),
        ...(recipientId ? { recipientId } : {}),
        ...(referenceId ? { referenceId } : {}),
        ...(createdFrom ? { createdFrom: new Date(createdFrom) } : {}),
        ...(createdTo ? { createdTo: new Date(createdTo) } : {}),
      });
      return toListEnvelope(payouts, page, render);
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
