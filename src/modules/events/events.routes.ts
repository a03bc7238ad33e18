import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, ListEnvelope, PageQuery, Timestamp } from '../../platform/http/schemas.js';
import { listEvents } from './events.repository.js';

const EventSchema = Type.Object({
  id: Type.String(),
  event: Type.String(),
  created_at: Timestamp,
  data: Type.Record(Type.String(), Type.Unknown()),
});

export default async function eventRoutes(app: AppInstance) {
  app.get('/events/log', {
    config: { permission: 'payouts:read' },
    schema: {
      tags: ['Events'],
      summary: 'Events recorded for this environment, newest first (what webhooks deliver)',
      querystring: Type.Object(
        { ...PageQuery, payoutId: Type.Optional(Type.String({ format: 'uuid' })), event: Type.Optional(Type.String({ maxLength: 100 })) },
        { additionalProperties: false },
      ),
      response: { 200: ListEnvelope(EventSchema), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      const { payoutId, event } = request.query;
      const events = await listEvents(app.db, tenantOf(request), { ...page, ...(payoutId ? { payoutId } : {}), ...(event ? { type: event } : {}) });
      return toListEnvelope(events, page, (e) => ({ id: e.id, event: e.type, created_at: e.createdAt.toISOString(), data: e.data }));
    },
  });
}
