// What other modules may use of webhooks: publishing events, each delivered to its subscribers.
export { publishEvents } from './fan-out.js';
