import { Type } from '@sinclair/typebox';
import { Timestamp } from '../../platform/http/schemas.js';
import type { AttemptRecord, LoggedDelivery } from './deliveries.repository.js';
import { webhookEnvelope } from './envelope.js';
import type { Subscription } from './subscriptions.repository.js';

export const SubscriptionSchema = Type.Object(
  {
    id: Type.String(),
    eventName: Type.String(),
    callbackUrl: Type.String(),
    createdAt: Timestamp,
    // Extensions (additive).
    status: Type.String({ description: 'active or disabled' }),
    disabledReason: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Subscription' },
);

export const renderSubscription = (s: Subscription) => ({
  id: s.id,
  eventName: s.eventName,
  callbackUrl: s.callbackUrl,
  createdAt: s.createdAt.toISOString(),
  status: s.status,
  disabledReason: s.disabledReason,
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const AttemptSchema = Type.Object({
  id: Type.String(),
  attemptedAt: Timestamp,
  statusCode: Nullable(Type.Integer()),
  durationMs: Type.Integer(),
  error: Nullable(Type.String()),
  responseExcerpt: Nullable(Type.String()),
});

export const DeliverySchema = Type.Object({
  id: Type.String({ description: 'The webhook id the receiver sees (X-Karat-Webhook-Id), the same on every retry.' }),
  eventId: Type.String(),
  event: Type.String(),
  status: Type.String({ description: 'pending, delivered or failed' }),
  attemptCount: Type.Integer({ description: 'Every attempt ever made, redeliveries included (the `attempts` log lists each)' }),
  nextAttemptAt: Nullable(Timestamp),
  lastStatusCode: Nullable(Type.Integer()),
  createdAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
  attempts: Type.Array(AttemptSchema, { description: 'Every attempt, oldest first; a redelivery adds to it, never replaces it' }),
  // Extensions (additive).
  payoutId: Nullable(Type.String({ description: 'The payout the event is about, if any' })),
  payoutStatus: Nullable(Type.String({ description: 'The status the event announced for that payout' })),
  payload: Type.Object(
    { id: Type.String(), event: Type.String(), created_at: Timestamp, subscription_id: Type.String(), data: Type.Unknown() },
    { description: 'The JSON body sent to the callback URL (the same on every attempt)' },
  ),
});

export const renderDelivery = (d: LoggedDelivery & { attempts: AttemptRecord[] }) => ({
  id: d.id,
  eventId: d.eventId,
  event: d.eventType,
  status: d.status,
  attemptCount: d.attemptCount,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  lastStatusCode: d.lastStatusCode,
  createdAt: d.createdAt.toISOString(),
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  attempts: d.attempts.map((a) => ({
    id: a.id,
    attemptedAt: a.attemptedAt.toISOString(),
    statusCode: a.statusCode,
    durationMs: a.durationMs,
    error: a.error,
    responseExcerpt: a.responseExcerpt,
  })),
  payoutId: d.payoutId,
  payoutStatus: d.payoutId === null ? null : announcedStatus(d.data),
  payload: webhookEnvelope(d),
});

function announcedStatus(data: unknown): string | null {
  const status = (data as { status?: unknown } | null)?.status;
  return typeof status === 'string' ? status : null;
}
