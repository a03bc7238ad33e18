import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf, userOf } from '../../platform/http/auth.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope, PageQuery, Timestamp } from '../../platform/http/schemas.js';
import { MAX_AMOUNT, storedAmountToWire } from '../../platform/money.js';
import {
  type DepositRecord,
  listDeposits,
  MAX_BANK_REFERENCE_LENGTH,
  MAX_REVERSAL_REASON_LENGTH,
  type Recorder,
  recordDeposit,
  reverseDeposit,
} from './deposits.service.js';

const DepositSchema = Type.Object({
  id: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  bankReference: Type.String(),
  receivedOn: Type.String({ format: 'date' }),
  recordedBy: Type.String({ description: 'The dashboard user’s email, or `cli`.' }),
  createdAt: Timestamp,
  reversal: Type.Union([Type.Object({ reversedAt: Timestamp, reversedBy: Type.String(), reason: Type.String() }), Type.Null()]),
});

const renderDeposit = (d: DepositRecord) => ({
  id: d.id,
  amount: storedAmountToWire(d.amount),
  currency: d.currency,
  bankReference: d.bankReference,
  receivedOn: d.receivedOn,
  recordedBy: d.recordedBy,
  createdAt: d.createdAt.toISOString(),
  reversal: d.reversedAt ? { reversedAt: d.reversedAt.toISOString(), reversedBy: d.reversedBy!, reason: d.reversalReason! } : null,
});

const recorderOf = (request: FastifyRequest): Recorder => {
  const user = userOf(request);
  return { label: user.email, userId: user.id };
};

const errors = { ...commonErrors, 403: Type.Ref('ErrorResponse'), 409: Type.Ref('ErrorResponse') };

/**
 * Deposits credit real money in production, so recording and reversing them is for signed-in
 * admins only, never an API key: a leaked key could otherwise mint a balance and pay it out.
 * (The CLI records them too, for whoever runs the server.) Anyone who sees the balance sees them.
 */
export async function depositRoutes(app: AppInstance) {
  const tags = ['Balance'];
  app.post('/balance/deposits', {
    config: { permission: 'balance:fund', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Record money received in the bank: credits the available balance once per bank reference',
      description:
        'Idempotent on `bankReference` (per organization and environment, ignoring case): the same reference again answers 200 with the deposit already recorded and credits nothing; with another amount or date it answers 409 `conflict`.',
      body: Type.Object(
        {
          amount: Type.Integer({ minimum: 1, maximum: Number(MAX_AMOUNT), description: 'Cents.' }),
          bankReference: Type.String({ minLength: 1, maxLength: MAX_BANK_REFERENCE_LENGTH * 2 }),
          receivedOn: Type.String({ maxLength: 10, description: 'YYYY-MM-DD, not in the future.' }),
        },
        { additionalProperties: false },
      ),
      response: { 200: DataEnvelope(DepositSchema), 201: DataEnvelope(DepositSchema), ...errors },
    },
    handler: async (request, reply) => {
      const { amount, bankReference, receivedOn } = request.body;
      const { deposit, created } = await recordDeposit(app.db, tenantOf(request), { amount: BigInt(amount), bankReference, receivedOn }, recorderOf(request));
      return reply.code(created ? 201 : 200).send({ data: renderDeposit(deposit) });
    },
  });

  app.get('/balance/deposits', {
    config: { permission: 'payouts:read' },
    schema: {
      tags,
      summary: 'Deposits recorded, newest first',
      querystring: Type.Object(PageQuery, { additionalProperties: false }),
      response: { 200: ListEnvelope(DepositSchema), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      return toListEnvelope(await listDeposits(app.db, tenantOf(request), page), page, renderDeposit);
    },
  });

  app.post('/balance/deposits/:id/reverse', {
    config: { permission: 'balance:fund', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Reverse a deposit recorded by mistake: a reversing ledger entry, once',
      description: 'Refused (409 `invalid_state`) when the available balance cannot cover it, or when it was already reversed.',
      params: IdParams,
      body: Type.Object({ reason: Type.String({ maxLength: MAX_REVERSAL_REASON_LENGTH * 2 }) }, { additionalProperties: false }),
      response: { 200: DataEnvelope(DepositSchema), ...errors },
    },
    handler: async (request) => ({
      data: renderDeposit(await reverseDeposit(app.db, tenantOf(request), request.params.id, request.body.reason, recorderOf(request))),
    }),
  });
}
