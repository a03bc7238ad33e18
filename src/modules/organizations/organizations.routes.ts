import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { commonErrors, DataEnvelope } from '../../platform/http/schemas.js';
import { SenderSettingsSchema, UpdateSenderSettingsBody } from './organizations.schema.js';
import { getSenderSettings, updateSenderSettings } from './sender-settings.js';

// The organization's own settings: for its admins in the dashboard, never for API keys.
export default async function organizationRoutes(app: AppInstance) {
  const tags = ['Organization'];

  app.get('/organization/settings', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: { tags, summary: "The sender of the organization's emails", response: { 200: DataEnvelope(SenderSettingsSchema), ...commonErrors } },
    handler: async (request) => ({ data: await getSenderSettings(app.db, tenantOf(request).organizationId) }),
  });

  app.patch('/organization/settings', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: {
      tags,
      summary: "Set the sender name and reply-to address of the organization's emails",
      body: UpdateSenderSettingsBody,
      response: { 200: DataEnvelope(SenderSettingsSchema), ...commonErrors },
    },
    handler: async (request) => ({ data: await updateSenderSettings(app.db, tenantOf(request).organizationId, request.body) }),
  });
}
