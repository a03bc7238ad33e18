// Verifies a delivery from this service (or Karat) in a receiver. Self-contained on purpose:
// copy this file into your project, or import it from here.
import { createHmac, timingSafeEqual } from 'node:crypto';

export class WebhookVerificationError extends Error {}

type Headers = Record<string, string | string[] | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Checks the signature and the timestamp of a delivery and answers the parsed envelope.
 * `rawBody` must be the exact bytes received (parse JSON only after verifying). `toleranceSeconds`
 * bounds how old or new the timestamp may be, which defeats replays of captured deliveries.
 * Accepts Karat's headers (X-Karat-Signature: v1=…) and the Standard Webhooks ones
 * (webhook-signature: v1,…); any one matching signature suffices, as during a secret rotation.
 */
export function verifyWebhook(secret: string, headers: Headers, rawBody: string | Buffer, toleranceSeconds = 300): unknown {
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const id = header(headers, 'x-karat-webhook-id') ?? header(headers, 'webhook-id');
  const timestamp = header(headers, 'x-karat-webhook-timestamp') ?? header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'x-karat-signature') ?? header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook id, timestamp or signature header.');
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) throw new WebhookVerificationError('Invalid webhook timestamp.');
  if (Math.abs(Date.now() / 1000 - seconds) > toleranceSeconds) throw new WebhookVerificationError('Webhook timestamp is outside the tolerance.');

  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest();
  const matches = signatures
    .split(' ')
    .map((part) => part.replace(/^v1[=,]/, ''))
    .some((candidate) => {
      const given = Buffer.from(candidate, 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matches) throw new WebhookVerificationError('No signature matches the secret.');
  return JSON.parse(body);
}
