import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, nextRetryDelayMs, parseRetryAfter, RETRY_SCHEDULE_MS } from './retry.js';
import { generateWebhookSecret, signedHeaders } from './signing.js';
import { checkCallbackUrl, isPrivateAddress } from './ssrf.js';
import { verifyWebhook, WebhookVerificationError } from './verify-webhook.js';

describe('retry schedule', () => {
  it('follows 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with ±10% jitter, then gives up', () => {
    expect(MAX_ATTEMPTS).toBe(8);
    RETRY_SCHEDULE_MS.forEach((ms, i) => {
      expect(nextRetryDelayMs(i + 1, undefined, () => 0)).toBe(Math.round(ms * 0.9));
      expect(nextRetryDelayMs(i + 1, undefined, () => 1)).toBe(Math.round(ms * 1.1));
    });
    expect(nextRetryDelayMs(8)).toBeUndefined();
  });

  it('honors Retry-After within one second and ten hours', () => {
    expect(nextRetryDelayMs(1, 120_000)).toBe(120_000);
    expect(nextRetryDelayMs(1, 0)).toBe(1000);
    expect(nextRetryDelayMs(1, 100 * 3600_000)).toBe(10 * 3600_000);
    expect(parseRetryAfter('30')).toBe(30_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(55_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('private address guard', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.5',
    '172.20.1.1',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    'not-an-ip',
  ])('refuses %s', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])('allows %s', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });
  // IPv6 forms that embed an IPv4 address, or are special ranges (issue #9, finding 10).
  it.each([
    ['::7f00:1', 'IPv4-compatible loopback'],
    ['::127.0.0.1', 'IPv4-compatible, dotted'],
    ['::a9fe:a9fe', 'IPv4-compatible metadata address'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::10.0.0.1', 'NAT64 of a private address, dotted'],
    ['64:ff9b:1::1', 'NAT64 local-use'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['2002:a9fe:a9fe::1', '6to4 of the metadata address'],
    ['::ffff:0:7f00:1', 'IPv4-translated loopback'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated, dotted'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback in hex'],
    ['0:0:0:0:0:ffff:c0a8:1', 'IPv4-mapped private, written in full'],
    ['::FFFF:A9FE:A9FE', 'IPv4-mapped metadata, upper case'],
    ['fec0::1', 'site-local'],
    ['feff::1', 'site-local, top of the range'],
    ['100::1', 'discard-only'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['::', 'unspecified'],
  ])('refuses %s (%s)', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });
  it('refuses the IPv6 forms in a callback URL', async () => {
    for (const host of ['[::7f00:1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::]', '[::ffff:0:7f00:1]', '[fec0::1]', '[100::1]', '[::ffff:7f00:1]']) {
      await expect(checkCallbackUrl(`https://${host}/hook`, false), host).rejects.toMatchObject({ code: 'invalid_callback_url' });
    }
  });
});

describe('verifyWebhook', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ id: 'w1', event: 'payout.updated', data: { status: 'completed' } });
  const now = Math.floor(Date.now() / 1000);

  it('accepts a delivery signed with the secret, under either header set', () => {
    const headers = signedHeaders([secret], 'sub', 'w1', now, body);
    expect(verifyWebhook(secret, headers, body)).toEqual(JSON.parse(body));
    const standardOnly = {
      'webhook-id': headers['webhook-id'],
      'webhook-timestamp': headers['webhook-timestamp'],
      'webhook-signature': headers['webhook-signature'],
    };
    expect(verifyWebhook(secret, standardOnly, Buffer.from(body))).toEqual(JSON.parse(body));
  });

  it('accepts any of several signatures, as during a rotation', () => {
    const other = generateWebhookSecret();
    const headers = signedHeaders([other, secret], 'sub', 'w1', now, body);
    expect(() => verifyWebhook(secret, headers, body)).not.toThrow();
    expect(() => verifyWebhook(other, headers, body)).not.toThrow();
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp and missing headers', () => {
    const headers = signedHeaders([secret], 'sub', 'w1', now, body);
    expect(() => verifyWebhook(secret, headers, body.replace('completed', 'failed'))).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(generateWebhookSecret(), headers, body)).toThrow(WebhookVerificationError);
    const old = signedHeaders([secret], 'sub', 'w1', now - 3600, body);
    expect(() => verifyWebhook(secret, old, body)).toThrow(/tolerance/);
    expect(() => verifyWebhook(secret, {}, body)).toThrow(/Missing/);
  });
});
