import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { commonErrors, DataEnvelope } from '../../platform/http/schemas.js';
import { FundingInstructionsSchema, SenderSettingsSchema, UpdateSenderSettingsBody } from './organizations.schema.js';
import { getFundingInstructions, getSenderSettings, updateSenderSettings } from './sender-settings.js';

// The organization's own settings: for its admins in the dashboard, never for API keys; the
// funding instructions are also readable by everyone who sees the balance.
export default async function organizationRoutes(app: AppInstance) {
  const tags = ['Organization'];

  app.get('/organization/settings', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: {
      tags,
      summary: "The sender of the organization's emails and its funding instructions",
      response: { 200: DataEnvelope(SenderSettingsSchema), ...commonErrors },
    },
    handler: async (request) => ({ data: await getSenderSettings(app.db, tenantOf(request).organizationId) }),
  });

  app.patch('/organization/settings', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: {
      tags,
      summary: "Set the sender name and reply-to address of the organization's emails, or its funding instructions",
      body: UpdateSenderSettingsBody,
      response: { 200: DataEnvelope(SenderSettingsSchema), ...commonErrors },
    },
    handler: async (request) => ({ data: await updateSenderSettings(app.db, tenantOf(request).organizationId, request.body) }),
  });

  app.get('/organization/funding-instructions', {
    config: { permission: 'payouts:read' },
    schema: {
      tags,
      summary: 'Where to wire money to fund production (plain text), for everyone who sees the balance',
      response: { 200: DataEnvelope(FundingInstructionsSchema), ...commonErrors },
    },
    handler: async (request) => ({ data: await getFundingInstructions(app.db, tenantOf(request).organizationId) }),
  });
}
