// Webhook signing secrets are sealed at rest (platform/crypto): they sign every delivery, so the
// service must read them back, but a copy of the database must not let anyone forge webhooks.
// Secrets stored before they were encrypted are sealed once at start-up (`sealClearWebhookSecrets`).
import type { Executor } from '../../platform/db/database.js';
import { decryptText, encryptText, type KeyRing } from '../../platform/crypto.js';
import { type ResealReport, resealColumn, type SealedColumn } from '../../platform/reseal.js';

const WEBHOOK_SECRETS: SealedColumn = {
  label: 'webhook_secrets.secret',
  table: 'webhook_secrets',
  key: [{ column: 'id', type: 'uuid' }],
  column: 'secret',
  mayHoldClear: true,
};

/** A secret as stored: sealed under the first key. */
export const sealWebhookSecret = (keys: KeyRing, secret: string): string => encryptText(keys, secret);

/**
 * The secret a stored value holds. A value still in clear (`whsec_…`: written before secrets were
 * encrypted, by a process that has not run the start-up sealing yet) is taken as it is, so
 * deliveries never stop during an upgrade.
 */
export const openWebhookSecret = (keys: KeyRing, stored: string): string => (stored.startsWith('whsec_') ? stored : decryptText(keys, stored));

/** Start-up: seals the secrets still stored in clear. Once per row, safe with two processes starting together. */
export const sealClearWebhookSecrets = (ex: Executor, keys: KeyRing): Promise<ResealReport> => resealColumn(ex, keys, WEBHOOK_SECRETS, { scope: 'clear-only' });

/** `payouts encryption re-encrypt`: every secret sealed under the first key (and any clear one sealed). */
export const reencryptWebhookSecrets = async (ex: Executor, keys: KeyRing, sliceSize?: number): Promise<ResealReport[]> => [
  await resealColumn(ex, keys, WEBHOOK_SECRETS, { sliceSize }),
];
