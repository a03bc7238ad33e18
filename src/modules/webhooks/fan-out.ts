import type { Executor } from '../../platform/db/database.js';
import { uuidv7 } from '../../platform/ids.js';
import { type NewEvent, recordEvents } from '../events/index.js';
import { type NewDelivery, upsertDeliveries } from './deliveries.repository.js';
import { findActiveSubscriptionsOf } from './subscriptions.repository.js';

/**
 * Records events and, in the same transaction, one webhook delivery per active subscription to
 * each event's type (the outbox): an event is delivered if and only if it was committed.
 */
export async function publishEvents(tx: Executor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await recordEvents(tx, events);
  const subscriptions = await findActiveSubscriptionsOf(tx, [...new Set(events.map((e) => e.tenant.organizationId))]);
  if (subscriptions.length === 0) return;
  const deliveries: NewDelivery[] = [];
  for (const event of events) {
    for (const s of subscriptions) {
      if (s.organizationId !== event.tenant.organizationId || s.environment !== event.tenant.environment || s.eventName !== event.type) continue;
      const sequence = (event.data as { sequence?: unknown }).sequence;
      deliveries.push({
        id: uuidv7(),
        subscriptionId: s.id,
        eventId: event.id,
        tenant: event.tenant,
        payoutId: event.payoutId,
        sequence: typeof sequence === 'number' ? sequence : null,
      });
    }
  }
  await upsertDeliveries(tx, deliveries);
}
