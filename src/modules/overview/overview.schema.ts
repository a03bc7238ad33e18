import { Type } from '@sinclair/typebox';
import { Timestamp } from '../../platform/http/schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const OverviewSchema = Type.Object({
  since: Type.String({ format: 'date-time', description: 'Start of the window (midnight UTC, 29 days before today).' }),
  balance: Type.Object({ currency: Type.String(), available: Type.Integer(), held: Type.Integer(), paidOut: Type.Integer() }),
  payoutsByStatus: Type.Array(Type.Object({ status: Type.String(), count: Type.Integer(), amount: Type.Integer() }), {
    description: 'Payouts created in the window, per current status (every status listed).',
  }),
  payoutsByDay: Type.Array(Type.Object({ date: Type.String({ description: 'YYYY-MM-DD (UTC)' }), counts: Type.Record(Type.String(), Type.Integer()) }), {
    description: 'Payouts created each day of the window, per current status, oldest day first.',
  }),
  recentProblems: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Type.String(),
      reason: Nullable(Type.String()),
      amount: Type.Integer(),
      currency: Type.String(),
      referenceId: Nullable(Type.String()),
      recipientEmail: Type.String(),
      changedAt: Timestamp,
    }),
    { description: 'The latest payouts that failed or were returned.' },
  ),
  failingWebhooks: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.String(),
        eventName: Type.String(),
        callbackUrl: Type.String(),
        status: Type.String(),
        disabledReason: Nullable(Type.String()),
        failingSince: Nullable(Timestamp),
      }),
      { description: 'Endpoints failing now or disabled after failing. Only for roles with webhooks:read.' },
    ),
  ),
  failedEmails: Type.Optional(
    Type.Object(
      {
        countSince: Type.Integer({ description: 'Emails written in the window that could not be sent.' }),
        recent: Type.Array(
          Type.Object({ id: Type.String(), to: Type.String(), template: Type.String(), lastError: Nullable(Type.String()), createdAt: Timestamp }),
        ),
      },
      { description: 'Only for roles with recipients:write (who may see emails).' },
    ),
  ),
});
