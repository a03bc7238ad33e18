import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import type { KeyRing } from '../../platform/crypto.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/pagination.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';
import { EVENT_TYPES } from '../events/index.js';
import * as deliveries from './deliveries.repository.js';
import { WebhookHttpClient } from './http-client.js';
import { generateWebhookSecret, signedHeaders } from './signing.js';
import { sealWebhookSecret } from './reencrypt.js';
import { checkCallbackUrl } from './ssrf.js';
import * as repo from './subscriptions.repository.js';
import type { Subscription } from './subscriptions.repository.js';

export type { Subscription };

export const HANDSHAKE_TIMEOUT_MS = 30_000;

const verificationFailed = (detail: string) => new AppError('callback_verification_failed', `Callback URL verification failed: ${detail}`, 'callback_url');

const clients = new Map<boolean, WebhookHttpClient>();
const clientFor = (allowPrivate: boolean) => {
  let client = clients.get(allowPrivate);
  if (!client) {
    client = new WebhookHttpClient(allowPrivate);
    clients.set(allowPrivate, client);
  }
  return client;
};

/** Closes the handshake connections (at shutdown). */
export async function closeHandshakeClients(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.close()));
  clients.clear();
}

/**
 * Proves the caller controls the URL: POST a random challenge, expect it echoed in JSON with a
 * 2xx within 30 seconds. Each way of failing has its own exact message (the SPEC's four).
 */
async function verifyCallbackUrl(url: string, subscriptionId: string, secret: string, allowPrivate: boolean, timeoutMs: number): Promise<void> {
  const challenge = randomBytes(24).toString('base64url');
  const body = JSON.stringify({ type: 'url_verification', challenge });
  const headers = signedHeaders([secret], subscriptionId, `verify_${subscriptionId}`, Math.floor(Date.now() / 1000), body);
  let result: Awaited<ReturnType<WebhookHttpClient['post']>>;
  try {
    result = await clientFor(allowPrivate).post(url, headers, body, timeoutMs);
  } catch {
    throw verificationFailed('could not reach the URL');
  }
  if (result.statusCode < 200 || result.statusCode >= 300) throw verificationFailed(`received status ${result.statusCode}`);
  let answer: unknown;
  try {
    answer = JSON.parse(result.body);
  } catch {
    throw verificationFailed('invalid JSON response');
  }
  if ((answer as { challenge?: unknown } | null)?.challenge !== challenge) throw verificationFailed('challenge mismatch');
}

export interface VerifiedSubscription {
  id: string;
  eventName: string;
  callbackUrl: string;
  secret: string;
}

/**
 * Checks a new subscription and runs the URL handshake. It touches no database, so the up to
 * 30 seconds of the handshake never hold a transaction open; `saveSubscription` stores the result.
 */
export async function verifySubscription(
  config: Pick<Config, 'webhookAllowPrivate'>,
  input: { eventName: string; callbackUrl: string },
  handshakeTimeoutMs = HANDSHAKE_TIMEOUT_MS,
): Promise<VerifiedSubscription> {
  if (!EVENT_TYPES.some((t) => t.eventName === input.eventName)) {
    throw new AppError('invalid_request', `Unknown event \`${input.eventName}\`; GET /events lists the ones you can subscribe to.`, 'event_name');
  }
  const url = await checkCallbackUrl(input.callbackUrl, config.webhookAllowPrivate);
  const verified = { id: uuidv7(), eventName: input.eventName, callbackUrl: input.callbackUrl, secret: generateWebhookSecret() };
  await verifyCallbackUrl(url.toString(), verified.id, verified.secret, config.webhookAllowPrivate, handshakeTimeoutMs);
  return verified;
}

/** Stores a verified subscription with its secret sealed; answers the secret in clear, shown to the caller this once. */
export async function saveSubscription(
  tx: Executor,
  tenant: Tenant,
  keys: KeyRing,
  verified: VerifiedSubscription,
): Promise<{ subscription: Subscription; secret: string }> {
  const subscription = await repo.insertSubscription(tx, tenant, verified);
  await repo.insertSecret(tx, { id: uuidv7(), subscriptionId: verified.id, sealedSecret: sealWebhookSecret(keys, verified.secret) });
  return { subscription, secret: verified.secret };
}

async function findSubscription(db: Database, tenant: Tenant, id: string): Promise<Subscription> {
  const subscription = isUuid(id) ? await repo.findSubscription(db, tenant, id) : undefined;
  if (!subscription) throw notFound('subscription', 'id');
  return subscription;
}

export const getSubscription = findSubscription;
export const listSubscriptions = (db: Database, tenant: Tenant) => repo.listSubscriptions(db, tenant);

export async function deleteSubscription(db: Database, tenant: Tenant, id: string): Promise<Subscription> {
  await findSubscription(db, tenant, id);
  return (await repo.setSubscriptionStatus(db, tenant, id, 'deleted', null))!;
}

/** Re-enables a disabled subscription (after the receiver was fixed). */
export async function enableSubscription(db: Database, tenant: Tenant, id: string): Promise<Subscription> {
  await findSubscription(db, tenant, id);
  return (await repo.setSubscriptionStatus(db, tenant, id, 'active', null))!;
}

/**
 * A new signing secret, shown once. The old one keeps signing beside it for `overlapSeconds`, so
 * receivers can switch without dropping a delivery.
 */
export async function rotateSecret(
  db: Database,
  tenant: Tenant,
  keys: KeyRing,
  id: string,
  overlapSeconds: number,
): Promise<{ secret: string; previousSecretExpiresAt: Date | null }> {
  await findSubscription(db, tenant, id);
  const secret = generateWebhookSecret();
  return db.transaction(async (tx) => {
    const previousSecretExpiresAt = await repo.expireLiveSecrets(tx, id, overlapSeconds);
    await repo.insertSecret(tx, { id: uuidv7(), subscriptionId: id, sealedSecret: sealWebhookSecret(keys, secret) });
    return { secret, previousSecretExpiresAt };
  });
}

export async function listDeliveries(db: Database, tenant: Tenant, subscriptionId: string, page: Page, options: { includeTotal?: boolean } = {}) {
  await findSubscription(db, tenant, subscriptionId);
  const rows = await deliveries.listDeliveries(db, tenant, subscriptionId, page);
  const attempts = await deliveries.findAttempts(
    db,
    rows.map((r) => r.id),
  );
  const withAttempts = rows.map((row) => ({ ...row, attempts: attempts.filter((a) => a.deliveryId === row.id) }));
  return { rows: withAttempts, ...(options.includeTotal ? { total: await deliveries.countDeliveries(db, tenant, subscriptionId) } : {}) };
}

export async function redeliver(db: Database, tenant: Tenant, subscriptionId: string, deliveryId: string): Promise<void> {
  await findSubscription(db, tenant, subscriptionId);
  if (!isUuid(deliveryId) || !(await deliveries.requeueDelivery(db, tenant, subscriptionId, deliveryId))) throw notFound('delivery', 'deliveryId');
}

/** Sends every event of the subscription's type since `since` again, including events older than the subscription. */
export async function replay(db: Database, tenant: Tenant, subscriptionId: string, since: Date): Promise<number> {
  const subscription = await findSubscription(db, tenant, subscriptionId);
  return db.transaction(async (tx) => {
    const events = await deliveries.findEventsSince(tx, tenant, subscription.eventName, since);
    await deliveries.upsertDeliveries(
      tx,
      events.map((e) => ({ id: uuidv7(), subscriptionId, eventId: e.id, tenant, payoutId: e.payoutId, sequence: e.sequence })),
    );
    return events.length;
  });
}

/** The webhook deliveries of one payout's events, for the dashboard's payout page. */
export async function listPayoutDeliveries(db: Database, tenant: Tenant, payoutId: string) {
  return isUuid(payoutId) ? deliveries.listDeliveriesOfPayout(db, tenant, payoutId) : [];
}
