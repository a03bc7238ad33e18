import { type Static, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { csvStream, JsonOrCsv, sendCsv, wantsCsv } from '../../platform/http/csv.js';
import { parsePage, searchPattern, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope, PageQuery } from '../../platform/http/schemas.js';
import { type Actor, deletePayoutMethod, listPayoutMethodHistory, putPayoutMethod, type RecipientContext } from './payout-methods.service.js';
import {
  CreateRecipientsBody,
  ListRecipientsQuery,
  PayoutMethodBody,
  PayoutMethodHistorySchema,
  RECIPIENT_CSV_COLUMNS,
  RecipientSchema,
  renderPayoutMethodHistory,
  renderRecipient,
  UpdateRecipientBody,
} from './recipients.schema.js';
import { addRecipients, exportRecipientsPage, getRecipient, listRecipients, type RecipientListFilter, updateRecipient } from './recipients.service.js';

/** The business's side of a change: the signed-in user, or the API key. */
function actorOf(request: FastifyRequest): Actor {
  const caller = tenantOf(request);
  return caller.user ? { kind: 'user', id: caller.user.id } : { kind: 'api_key', id: caller.apiKeyId ?? 'unknown' };
}

/** The list's filters from its query string (shared by the JSON page and the CSV export). */
function recipientFilterOf(query: Static<typeof ListRecipientsQuery>): RecipientListFilter {
  const pattern = searchPattern(query.search);
  return {
    ...(query.email ? { email: query.email } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(pattern ? { searchPattern: pattern } : {}),
  };
}

export default async function recipientRoutes(app: AppInstance, { context }: { context: RecipientContext }) {
  const render = renderRecipient(app.config);
  const tags = ['Recipients'];
  const { hooks } = context;

  app.post('/recipients', {
    config: { permission: 'recipients:write' },
    schema: {
      tags,
      summary: 'Add recipients in bulk (an existing email answers its recipient)',
      body: CreateRecipientsBody,
      response: { 201: DataEnvelope(Type.Object({ success: Type.Boolean(), recipients: Type.Array(Type.Ref(RecipientSchema)) })), ...commonErrors },
    },
    handler: async (request, reply) => {
      const recipients = await addRecipients(app.db, tenantOf(request), request.body.recipients);
      return reply.status(201).send({ data: { success: true, recipients: recipients.map(render) } });
    },
  });

  app.get('/recipients', {
    config: { permission: 'recipients:read' },
    schema: {
      tags,
      summary: 'List recipients, newest first (optionally by email or status)',
      querystring: ListRecipientsQuery,
      description: 'With `Accept: text/csv`, every matching recipient as a CSV download (`limit` and `cursor` ignored).',
      response: { 200: JsonOrCsv(ListEnvelope(Type.Ref(RecipientSchema))), ...commonErrors },
    },
    handler: async (request, reply) => {
      if (wantsCsv(request)) {
        const tenant = tenantOf(request);
        const filter = recipientFilterOf(request.query);
        const rows = csvStream(RECIPIENT_CSV_COLUMNS, (last) => exportRecipientsPage(app.db, tenant, filter, last?.id ?? null));
        return sendCsv(reply, 'recipients', tenant.environment, rows);
      }
      const page = parsePage(request.query);
      const { recipients, total } = await listRecipients(app.db, tenantOf(request), page, recipientFilterOf(request.query), {
        includeTotal: request.query.includeTotal === true,
      });
      return toListEnvelope(recipients, page, render, total);
    },
  });

  app.get('/recipients/:id', {
    config: { permission: 'recipients:read' },
    schema: { tags, summary: 'One recipient', params: IdParams, response: { 200: DataEnvelope(Type.Ref(RecipientSchema)), ...commonErrors } },
    handler: async (request) => ({ data: render(await getRecipient(app.db, tenantOf(request), request.params.id)) }),
  });

  app.patch('/recipients/:id', {
    config: { permission: 'recipients:write' },
    schema: {
      tags,
      summary: 'Update a recipient (turning on autoAcceptPayouts accepts its waiting payouts)',
      params: IdParams,
      body: UpdateRecipientBody,
      response: { 200: DataEnvelope(Type.Ref(RecipientSchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: render(await updateRecipient(app.db, tenantOf(request), request.params.id, request.body, hooks)) }),
  });

  app.put('/recipients/:id/payout-method', {
    config: { permission: 'recipients:write' },
    schema: {
      tags,
      summary: "Set the recipient's payout method (only while the recipient has never set one itself; replacing one holds its payouts)",
      params: IdParams,
      body: PayoutMethodBody,
      response: { 200: DataEnvelope(Type.Ref(RecipientSchema)), ...commonErrors },
    },
    handler: async (request) => ({
      data: render(await putPayoutMethod(app.db, tenantOf(request), request.params.id, request.body, actorOf(request), context)),
    }),
  });

  app.delete('/recipients/:id/payout-method', {
    config: { permission: 'recipients:write' },
    schema: {
      tags,
      summary: "Remove the recipient's payout method (its pending payouts wait for a new one)",
      params: IdParams,
      response: { 200: DataEnvelope(Type.Ref(RecipientSchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: render(await deletePayoutMethod(app.db, tenantOf(request), request.params.id, actorOf(request), context)) }),
  });

  app.get('/recipients/:id/payout-methods', {
    config: { permission: 'recipients:read' },
    schema: {
      tags,
      summary: "The recipient's payout methods, newest first: who set, replaced or removed each, and when (masked)",
      params: IdParams,
      querystring: Type.Object(PageQuery, { additionalProperties: false }),
      response: { 200: ListEnvelope(PayoutMethodHistorySchema), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      return toListEnvelope(await listPayoutMethodHistory(app.db, tenantOf(request), request.params.id, page), page, renderPayoutMethodHistory);
    },
  });
}
