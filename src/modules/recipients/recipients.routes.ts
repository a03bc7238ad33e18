import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope } from '../../platform/http/schemas.js';
import { CreateRecipientsBody, ListRecipientsQuery, RecipientSchema, renderRecipient, UpdateRecipientBody } from './recipients.schema.js';
import { addRecipients, getRecipient, listRecipients, type RecipientHooks, updateRecipient } from './recipients.service.js';

export default async function recipientRoutes(app: AppInstance, { hooks }: { hooks: RecipientHooks }) {
  const render = renderRecipient(app.config);
  const tags = ['Recipients'];

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
      summary: 'List recipients, newest first',
      querystring: ListRecipientsQuery,
      response: { 200: ListEnvelope(Type.Ref(RecipientSchema)), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      return toListEnvelope(await listRecipients(app.db, tenantOf(request), page, request.query.email), page, render);
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
}
