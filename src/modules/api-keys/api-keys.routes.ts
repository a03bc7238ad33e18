import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../app.js';
import { tenantOf } from '../../platform/http/auth.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope } from '../../platform/http/schemas.js';
import { ApiKeySchema, renderApiKey } from './api-keys.schema.js';
import { getApiKey, listApiKeys } from './api-keys.service.js';

// Keys are created and revoked in the dashboard and the CLI; the API only shows them, without
// secrets, so an integration can tell which of its keys are live.
export default async function apiKeyRoutes(app: AppInstance) {
  app.get('/api-keys', {
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
    schema: {
      tags: ['API keys'],
      summary: 'One API key (never its secret)',
      params: IdParams,
      response: { 200: DataEnvelope(Type.Ref(ApiKeySchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: renderApiKey(await getApiKey(app.db, tenantOf(request), request.params.id)) }),
  });
}
