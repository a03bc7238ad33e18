import { createHmac, randomBytes } from 'node:crypto';

// Signatures per the SPEC: base64(HMAC-SHA256(key, "{webhookId}.{timestamp}.{rawBody}")), where
// the key is the 32 bytes behind `whsec_`. The same value goes out under Karat's headers and the
// Standard Webhooks headers, so stock verification libraries accept our deliveries.

export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export function signPayload(secret: string, webhookId: string, timestamp: number, rawBody: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${webhookId}.${timestamp}.${rawBody}`).digest('base64');
}

/** The headers of one delivery, signed with every live secret (two during a rotation's overlap). */
export function signedHeaders(secrets: string[], subscriptionId: string, webhookId: string, timestamp: number, rawBody: string): Record<string, string> {
  const signatures = secrets.map((secret) => signPayload(secret, webhookId, timestamp, rawBody));
  return {
    'content-type': 'application/json',
    'user-agent': 'Payouts-Webhooks/1',
    'x-karat-signature': signatures.map((s) => `v1=${s}`).join(' '),
    'x-karat-webhook-timestamp': String(timestamp),
    'x-karat-subscription-id': subscriptionId,
    'x-karat-webhook-id': webhookId,
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.map((s) => `v1,${s}`).join(' '),
  };
}
