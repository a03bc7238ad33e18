import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimIdempotencyKey } from '../src/platform/idempotency/idempotency.repository.js';
import { hashRequest, purgeIdempotencyKeys } from '../src/platform/idempotency/idempotency.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { countPayouts, getBalance } from './payout-helpers.js';

describe('idempotency', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('sandbox');
  });
  afterAll(() => t.close());

  const pay = (body: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/payments', headers: { ...bearer(key), ...headers }, payload: body });
  const batch = (email: string, amount = 100) => ({ payouts: [{ payeeEmail: email, amount }] });

  it('replays the original status and body for the same key and request', async () => {
    const first = await pay({ ...batch('a@example.com'), idempotencyKey: 'batch-001' });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const payoutsAfterFirst = await countPayouts(t);
    const again = await pay({ ...batch('a@example.com'), idempotencyKey: 'batch-001' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await countPayouts(t)).toBe(payoutsAfterFirst);
  });

  it('takes the key from the Idempotency-Key header too, and treats body key order as irrelevant', async () => {
    const first = await pay({ payouts: [{ payeeEmail: 'h@example.com', amount: 7, referenceId: 'r' }] }, { 'idempotency-key': 'hdr-1' });
    const again = await pay({ payouts: [{ referenceId: 'r', amount: 7, payeeEmail: 'h@example.com' }] }, { 'idempotency-key': 'hdr-1' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const both = await pay({ ...batch('h@example.com'), idempotencyKey: 'body-key' }, { 'idempotency-key': 'other-key' });
    expect(both.statusCode).toBe(400);
  });

  it('answers 422 when the key comes back with a different request', async () => {
    await pay({ ...batch('b@example.com', 100), idempotencyKey: 'batch-002' });
    const response = await pay({ ...batch('b@example.com', 101), idempotencyKey: 'batch-002' });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('idempotency_key_reused');
  });

  it('answers 409 while the first request still holds the key', async () => {
    const body = batch('c@example.com');
    const hash = hashRequest('POST', '/payments', body);
    await claimIdempotencyKey(
      t.db,
      { organizationId: t.defaultOrganizationId, environment: 'sandbox' },
      'in-flight',
      hash,
      '01a20cc7-930f-713c-942f-93b959e2b413',
      24,
    );
    const response = await pay({ ...body, idempotencyKey: 'in-flight' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('idempotency_key_in_use');
  });

  it('frees the key when the request created nothing, so a corrected retry succeeds', async () => {
    const ownKey = await t.createKey('sandbox', await t.createOrganization('Retry Co'));
    const payOwn = (body: object) => t.app.inject({ method: 'POST', url: '/payments', headers: bearer(ownKey), payload: body });
    const { available } = await getBalance(t, ownKey);
    const tooBig = await payOwn({ ...batch('d@example.com', available + 1), idempotencyKey: 'retry-me' });
    expect(tooBig.statusCode).toBe(500);
    await t.app.inject({ method: 'POST', url: '/balance/fundings', headers: bearer(ownKey), payload: { amount: 10 } });
    const retried = await payOwn({ ...batch('d@example.com', available + 1), idempotencyKey: 'retry-me' });
    expect(retried.statusCode).toBe(201);
  });

  it('creates exactly one batch for 20 concurrent identical requests', async () => {
    const before = await countPayouts(t);
    const body = { ...batch('e@example.com', 3), idempotencyKey: 'concurrent-1' };
    const responses = await Promise.all(Array.from({ length: 20 }, () => pay(body)));
    const created = responses.filter((r) => r.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of responses) expect([201, 409]).toContain(r.statusCode);
    expect(new Set(created.map((r) => r.json().data.batchId)).size).toBe(1);
    expect(await countPayouts(t)).toBe(before + 1n);
  });

  it('scopes keys to the organization and environment', async () => {
    const otherKey = await t.createKey('sandbox', await t.createOrganization());
    const mine = await pay({ ...batch('f@example.com'), idempotencyKey: 'shared-key' });
    const theirs = await t.app.inject({
      method: 'POST',
      url: '/payments',
      headers: bearer(otherKey),
      payload: { ...batch('f@example.com'), idempotencyKey: 'shared-key' },
    });
    expect(theirs.statusCode).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json().data.batchId).not.toBe(mine.json().data.batchId);
  });

  it('purges expired keys, after which the key is new again', async () => {
    await pay({ ...batch('g@example.com'), idempotencyKey: 'old-key' });
    await t.db.query(`update idempotency_keys set expires_at = now() - interval '1 second' where key = 'old-key'`);
    const purged = await purgeIdempotencyKeys.run(t.db, { db: t.db, config: t.config, log: t.app.log as never });
    expect(purged).toBeGreaterThanOrEqual(1);
    const fresh = await pay({ ...batch('g@example.com'), idempotencyKey: 'old-key' });
    expect(fresh.statusCode).toBe(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
  });
});
