import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf, userOf } from '../../platform/http/auth.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope } from '../../platform/http/schemas.js';
import { ApiKeySchema, renderApiKey } from './api-keys.schema.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from './api-keys.service.js';

// Keys are listed to integrators (never their secrets); they are created and revoked by signed-in
// dashboard users (Settings → API keys) and by operators with the CLI, never by another key.
export default async function apiKeyRoutes(app: AppInstance) {
  app.get('/api-keys', {
    config: { permission: 'keys:manage' },
    schema: {
      tags: ['API keys'],
      summary: "List the organization's API keys for the calling key's environment",
      response: { 200: ListEnvelope(Type.Ref(ApiKeySchema)), ...commonErrors },
    },
    handler: async (request) => {
      const tenant = tenantOf(request);
      const keys = await listApiKeys(app.db, tenant.organizationId, tenant.environment);
      return { data: keys.map(renderApiKey), hasMore: false, nextCursor: null };
    },
  });

  app.get('/api-keys/:id', {
    config: { permission: 'keys:manage' },
    schema: {
      tags: ['API keys'],
      summary: 'One API key (never its secret)',
      params: IdParams,
      response: { 200: DataEnvelope(Type.Ref(ApiKeySchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: renderApiKey(await getApiKey(app.db, tenantOf(request), request.params.id)) }),
  });

  app.post('/api-keys', {
    config: { permission: 'keys:manage', dashboardOnly: true },
    schema: {
      tags: ['API keys'],
      summary: 'Dashboard: create a key; the full key is in this answer only',
      body: Type.Object(
        { name: Type.String({ minLength: 1, maxLength: 100 }), environment: Type.Union([Type.Literal('sandbox'), Type.Literal('production')]) },
        { additionalProperties: false },
      ),
      response: { 201: DataEnvelope(Type.Object({ key: Type.String(), apiKey: Type.Ref(ApiKeySchema) })), ...commonErrors },
    },
    handler: async (request, reply) => {
      const { key, record } = await createApiKey(app.db, {
        organizationId: tenantOf(request).organizationId,
        environment: request.body.environment,
        name: request.body.name,
        createdBy: userOf(request).email,
      });
      return reply.status(201).send({ data: { key, apiKey: renderApiKey(record) } });
    },
  });

  app.delete('/api-keys/:id', {
    config: { permission: 'keys:manage', dashboardOnly: true },
    schema: {
      tags: ['API keys'],
      summary: 'Dashboard: revoke a key; it is refused from the next request on',
      params: IdParams,
      response: { 200: DataEnvelope(Type.Ref(ApiKeySchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: renderApiKey(await revokeApiKey(app.db, tenantOf(request).organizationId, request.params.id)) }),
  });
}
