// What other modules may use of events: the catalogue of event types and the event store.
export type { NewEvent } from './events.repository.js';
export { EVENT_TYPES, recordEvents } from './events.service.js';
