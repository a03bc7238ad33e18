import { Type } from '@sinclair/typebox';
import { Timestamp } from '../../platform/http/schemas.js';
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
