import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { startReceiver } from './receiver.js';

// Issue #9, findings 6, 7 and 9: timeouts on slow clients, rate limits, security headers.

/** Sends `text` on a raw socket, never finishes the request, and answers all it got once closed. */
function stall(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('slow clients', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({ requestTimeoutMs: 300, headersTimeoutMs: 150 });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('answers 408 and closes a connection whose body stalls after the headers', async () => {
    const key = await t.createKey();
    const answer = await stall(
      port,
      `POST /payments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"payouts": [`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"code":"request_timeout"');
  });

  it('closes a connection whose headers stall', async () => {
    const answer = await stall(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ rateLimitPerKey: 3, rateLimitSignIn: 2, rateLimitPublic: 0 });
  });
  afterAll(() => t.close());

  it('answers 429 in the envelope with Retry-After and RateLimit headers past the per-key limit; another key is unaffected', async () => {
    const key = await t.createKey();
    const other = await t.createKey();
    for (let i = 0; i < 3; i++) {
      const ok = await t.app.inject({ method: 'GET', url: '/balance', headers: bearer(key) });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['ratelimit-limit']).toBe('3');
      expect(ok.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await t.app.inject({ method: 'GET', url: '/balance', headers: bearer(key) });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'too_many_requests' });
    expect(limited.json().error.requestId).toBe(limited.headers['request-id']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-limit']).toBe('3');
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect((await t.app.inject({ method: 'GET', url: '/balance', headers: bearer(other) })).statusCode).toBe(200);
  });

  it('limits sign-in attempts per client address; another address is unaffected', async () => {
    const attempt = (remoteAddress: string) =>
      t.app.inject({ method: 'POST', url: '/auth/login', remoteAddress, payload: { email: 'nobody@example.com', password: 'not-the-password' } });
    for (let i = 0; i < 2; i++) expect((await attempt('203.0.113.7')).statusCode).not.toBe(429);
    const limited = await attempt('203.0.113.7');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('too_many_requests');
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await attempt('203.0.113.8')).statusCode).not.toBe(429);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
    const attempt = (forwardedFor: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '198.51.100.1',
        headers: { 'x-forwarded-for': forwardedFor },
        payload: { email: 'nobody@example.com', password: 'not-the-password' },
      });
    await attempt('192.0.2.1');
    await attempt('192.0.2.2');
    expect((await attempt('192.0.2.3')).statusCode).toBe(429);
  });
});

describe('rate limits behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ rateLimitSignIn: 1, trustProxy: ['127.0.0.1'] });
  });
  afterAll(() => t.close());

  it('counts per forwarded client address', async () => {
    const attempt = (forwardedFor: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': forwardedFor },
        payload: { email: 'nobody@example.com', password: 'not-the-password' },
      });
    expect((await attempt('192.0.2.1')).statusCode).not.toBe(429);
    expect((await attempt('192.0.2.1')).statusCode).toBe(429);
    expect((await attempt('192.0.2.2')).statusCode).not.toBe(429);
  });
});

describe('security headers', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey();
  });
  afterAll(() => t.close());

  it('sends nosniff on API answers, errors and the dashboard', async () => {
    for (const request of [
      { method: 'GET' as const, url: '/balance', headers: bearer(key) },
      { method: 'GET' as const, url: '/balance' },
      { method: 'GET' as const, url: '/no-such-route' },
      { method: 'GET' as const, url: '/' },
      { method: 'GET' as const, url: '/assets/app.js' },
      { method: 'GET' as const, url: '/openapi.json' },
    ]) {
      const response = await t.app.inject(request);
      expect(response.headers['x-content-type-options'], request.url).toBe('nosniff');
    }
  });

  it('sends a CSP that forbids framing on the dashboard and the docs', async () => {
    const dashboard = await t.app.inject({ method: 'GET', url: '/' });
    expect(dashboard.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(dashboard.headers['content-security-policy']).toContain("script-src 'self'");
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBeLessThan(400);
    expect(docs.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('sends no HSTS when the public URL is http', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).headers['strict-transport-security']).toBeUndefined();
  });

  it('sends HSTS when the public URL is https', async () => {
    const secure = await createTestApp({ publicUrl: 'https://pay.example.com' });
    try {
      const response = await secure.app.inject({ method: 'GET', url: '/healthz' });
      expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    } finally {
      await secure.close();
    }
  });

  it('marks answers carrying a key or a secret no-store', async () => {
    const receiver = await startReceiver();
    const subscription = await t.app
      .inject({ method: 'POST', url: '/events/subscription', headers: bearer(key), payload: { event_name: 'payout.updated', callback_url: receiver.url } })
      .finally(() => receiver.close());
    expect(subscription.statusCode).toBe(201);
    expect(subscription.body).toContain('whsec_');
    expect(subscription.headers['cache-control']).toBe('no-store');
    const id = subscription.json().data.subscription.id as string;
    const rotated = await t.app.inject({ method: 'POST', url: `/events/subscription/${id}/rotate-secret`, headers: bearer(key), payload: {} });
    expect(rotated.statusCode).toBeLessThan(300);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(
      (await t.app.inject({ method: 'POST', url: '/api-keys', headers: bearer(key), payload: { name: 'ci', environment: 'sandbox' } })).headers[
        'cache-control'
      ],
    ).toBe('no-store');
    expect((await t.app.inject({ method: 'GET', url: '/auth/session' })).headers['cache-control']).toBe('no-store');
    // Static files keep their own caching.
    expect((await t.app.inject({ method: 'GET', url: '/assets/app.js' })).headers['cache-control']).toBe('no-cache');
  });
});
