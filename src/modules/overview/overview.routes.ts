import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { commonErrors, DataEnvelope } from '../../platform/http/schemas.js';
import { storedAmountToWire } from '../../platform/money.js';
import { type Overview, getOverview } from './overview.service.js';
import { OverviewSchema } from './overview.schema.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function render(o: Overview) {
  return {
    since: o.since.toISOString(),
    balance: {
      currency: o.balance.currency,
      available: storedAmountToWire(o.balance.available),
      held: storedAmountToWire(o.balance.held),
      paidOut: storedAmountToWire(o.balance.paidOut),
    },
    payoutsByStatus: o.byStatus.map((s) => ({ status: s.status, count: s.count, amount: storedAmountToWire(s.amount) })),
    payoutsByDay: o.byDay,
    recentProblems: o.recentProblems.map((p) => ({
      id: p.id,
      status: p.status,
      reason: p.status_reason,
      amount: storedAmountToWire(p.amount),
      currency: p.currency,
      referenceId: p.reference_id,
      recipientEmail: p.recipient_email,
      changedAt: p.status_changed_at.toISOString(),
    })),
    ...(o.failingWebhooks
      ? {
          failingWebhooks: o.failingWebhooks.map((s) => ({
            id: s.id,
            eventName: s.event_name,
            callbackUrl: s.callback_url,
            status: s.status,
            disabledReason: s.disabled_reason,
            failingSince: iso(s.failing_since),
          })),
        }
      : {}),
    ...(o.failedEmails
      ? {
          failedEmails: {
            countSince: o.failedEmails.countSince,
            recent: o.failedEmails.recent.map((e) => ({
              id: e.id,
              to: e.to_address,
              template: e.template,
              lastError: e.last_error,
              createdAt: e.created_at.toISOString(),
            })),
          },
        }
      : {}),
  };
}

export default async function overviewRoutes(app: AppInstance) {
  app.get('/overview', {
    // The dashboard's home page; the parts behind other permissions are left out for roles without them.
    config: { permission: 'payouts:read', dashboardOnly: true },
    schema: {
      tags: ['Dashboard'],
      summary: 'The dashboard home page: balances, the last 30 days of payouts, and what needs attention',
      response: { 200: DataEnvelope(OverviewSchema), ...commonErrors },
    },
    handler: async (request) => {
      const parts = { webhooks: request.may('webhooks:read'), emails: request.may('recipients:write') };
      return { data: render(await getOverview(app.db, tenantOf(request), parts)) };
    },
  });
}
