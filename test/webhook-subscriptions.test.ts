import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { startReceiver, type Receiver } from './receiver.js';

describe('webhook subscriptions', () => {
  let t: TestApp;
  let key: string;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('sandbox');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  const subscribe = (body: object, app = t) => app.app.inject({ method: 'POST', url: '/events/subscription', headers: bearer(key), payload: body });

  it('lists the subscribable events', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/events', headers: bearer(key) });
    expect(response.json().data.map((e: { eventName: string }) => e.eventName)).toEqual(['payout.updated', 'tax_form.created']);
  });

  it('verifies the URL with a challenge and returns the secret only once', async () => {
    const response = await subscribe({ event_name: 'payout.updated', callback_url: receiver.url });
    expect(response.statusCode).toBe(201);
    const { subscription, secret } = response.json().data;
    expect(subscription).toMatchObject({ id: expect.any(String), eventName: 'payout.updated', callbackUrl: receiver.url, createdAt: expect.any(String) });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const handshake = receiver.requests.at(-1)!;
    expect(handshake.body).toEqual({ type: 'url_verification', challenge: expect.any(String) });
    const listed = (await t.app.inject({ method: 'GET', url: '/events/subscriptions', headers: bearer(key) })).json();
    expect(listed.data.map((s: { id: string }) => s.id)).toContain(subscription.id);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(6));
  });

  it.each([
    ['a server error', () => ({ status: 500, body: 'oops' }), 'Callback URL verification failed: received status 500'],
    ['a non-JSON answer', () => ({ status: 200, body: 'hello' }), 'Callback URL verification failed: invalid JSON response'],
    ['the wrong challenge', () => ({ status: 200, body: '{"challenge":"nope"}' }), 'Callback URL verification failed: challenge mismatch'],
  ] as const)('refuses the subscription on %s, storing nothing', async (_label, answer, message) => {
    receiver.handshakeWith(answer);
    const before = (await t.app.inject({ method: 'GET', url: '/events/subscriptions', headers: bearer(key) })).json().data.length;
    const response = await subscribe({ event_name: 'payout.updated', callback_url: receiver.url });
    receiver.handshakeWith((request) => ({ status: 200, body: JSON.stringify({ challenge: request.body.challenge }) }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'callback_verification_failed', message, param: 'callback_url' });
    expect((await t.app.inject({ method: 'GET', url: '/events/subscriptions', headers: bearer(key) })).json().data.length).toBe(before);
  });

  it('refuses an unreachable URL', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const response = await subscribe({ event_name: 'payout.updated', callback_url: `http://127.0.0.1:${closedPort}/hook` });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe('Callback URL verification failed: could not reach the URL');
  });

  it('validates the snake_case body and the event name', async () => {
    expect((await subscribe({ eventName: 'payout.updated', callbackUrl: receiver.url })).statusCode).toBe(400);
    const unknown = await subscribe({ event_name: 'payout.exploded', callback_url: receiver.url });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.param).toBe('event_name');
    const ftp = await subscribe({ event_name: 'payout.updated', callback_url: 'ftp://example.com/x' });
    expect(ftp.json().error.code).toBe('invalid_callback_url');
  });

  it('refuses private and loopback targets unless the operator allows them', async () => {
    const strict = await createTestApp({ webhookAllowPrivate: false });
    try {
      const strictKey = await strict.createKey('sandbox');
      for (const url of [
        receiver.url,
        'http://localhost:9/x',
        'http://10.1.2.3/x',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]:8080/x',
        'http://192.168.1.1/x',
      ]) {
        const response = await strict.app.inject({
          method: 'POST',
          url: '/events/subscription',
          headers: bearer(strictKey),
          payload: { event_name: 'payout.updated', callback_url: url },
        });
        expect(response.statusCode, url).toBe(400);
        expect(response.json().error.code).toBe('invalid_callback_url');
        expect(response.json().error.message).toContain('WEBHOOK_ALLOW_PRIVATE=1');
      }
    } finally {
      await strict.close();
    }
  });

  it('deletes a subscription, and answers 404 for foreign ones', async () => {
    const id = (await subscribe({ event_name: 'payout.updated', callback_url: receiver.url })).json().data.subscription.id;
    const otherKey = await t.createKey('sandbox', await t.createOrganization());
    expect((await t.app.inject({ method: 'DELETE', url: `/events/subscription/${id}`, headers: bearer(otherKey) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/events/subscription/${id}/deliveries`, headers: bearer(otherKey) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/events/subscription/${id}`, headers: bearer(key) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/events/subscription/${id}`, headers: bearer(key) })).statusCode).toBe(404);
    const listed = (await t.app.inject({ method: 'GET', url: '/events/subscriptions', headers: bearer(key) })).json().data;
    expect(listed.map((s: { id: string }) => s.id)).not.toContain(id);
  });

  it('rotates a secret with no request body, using the default overlap', async () => {
    const id = (await subscribe({ event_name: 'payout.updated', callback_url: receiver.url })).json().data.subscription.id;
    const rotated = await t.app.inject({ method: 'POST', url: `/events/subscription/${id}/rotate-secret`, headers: bearer(key) });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().data.secret).toMatch(/^whsec_/);
    expect(Date.parse(rotated.json().data.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
  });
});
