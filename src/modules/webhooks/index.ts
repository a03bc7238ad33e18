// What other modules may use of webhooks: publishing events, each delivered to its subscribers.
export { publishEvents } from './fan-out.js';
// Sealed signing secrets: the start-up sealing of clear ones and `payouts encryption re-encrypt`.
export { reencryptWebhookSecrets, sealClearWebhookSecrets } from './reencrypt.js';
