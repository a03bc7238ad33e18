import type { Executor } from '../../platform/db/database.js';
import { insertEvents, type NewEvent } from './events.repository.js';

export const EVENT_TYPES = [
  { eventName: 'payout.updated', description: 'A payout’s status changes.' },
  { eventName: 'tax_form.created', description: 'A recipient completes a tax form.' },
] as const;

/** Stores events in the caller's transaction; whoever reacts to them (webhooks) does so in the same one. */
export async function recordEvents(tx: Executor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await insertEvents(tx, events);
}
