import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope } from '../../platform/http/schemas.js';
import { EmailDeliverySchema, EmailSchema, ListEmailsQuery, renderEmailView } from './emails.schema.js';
import { emailDelivery, getEmailView, inviteRecipient, listEmailViews } from './emails.service.js';

export default async function emailRoutes(app: AppInstance) {
  const tags = ['Emails'];
  // The public pages the emails link to (capability links; no key).

  app.post('/recipients/:id/invite', {
    config: { permission: 'recipients:write' },
    schema: {
      tags: ['Recipients'],
      summary: 'Email the recipient an invitation to set up how to be paid (onboardingUrl)',
      params: IdParams,
      response: { 202: DataEnvelope(Type.Object({ emailId: Type.String() })), ...commonErrors },
    },
    handler: async (request, reply) => reply.status(202).send({ data: { emailId: await inviteRecipient(app.db, tenantOf(request), request.params.id) } }),
  });

  app.get('/emails', {
    config: { permission: 'recipients:write' },
    schema: {
      tags,
      summary: 'Emails sent or captured for this environment, newest first (production secrets hidden)',
      querystring: ListEmailsQuery,
      response: { 200: ListEnvelope(EmailSchema), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      const { views, total } = await listEmailViews(app.db, tenantOf(request), app.config, page, request.query.recipientId, {
        includeTotal: request.query.includeTotal === true,
      });
      return toListEnvelope(views, page, renderEmailView(app.config.mailFrom, false), total);
    },
  });

  app.get('/emails/settings', {
    config: { permission: 'recipients:write' },
    schema: {
      tags,
      summary: "How this environment's emails are delivered: sent over SMTP, or captured (kept, never sent)",
      response: { 200: DataEnvelope(EmailDeliverySchema), ...commonErrors },
    },
    handler: async (request) => ({ data: emailDelivery(app.config, tenantOf(request).environment) }),
  });

  app.get('/emails/:id', {
    config: { permission: 'recipients:write' },
    schema: { tags, summary: 'One email with its SMTP attempts', params: IdParams, response: { 200: DataEnvelope(EmailSchema), ...commonErrors } },
    handler: async (request) => ({
      data: renderEmailView(app.config.mailFrom, true)(await getEmailView(app.db, tenantOf(request), app.config, request.params.id)),
    }),
  });
}
