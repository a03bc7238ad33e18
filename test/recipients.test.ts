import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.js';

interface RecipientOut {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string;
  nickname: string | null;
  createdAt: string;
  onboardingUrl: string;
  autoAcceptPayouts: boolean;
  shouldCollectTaxInfo: boolean;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('recipients', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** A sandbox key on a brand-new organization, so counts are not disturbed by other tests. */
  const freshKey = async (environment: 'sandbox' | 'production' = 'sandbox') => t.createKey(environment, await t.createOrganization());
  const add = (key: string, recipients: unknown[]) => t.app.inject({ method: 'POST', url: '/recipients', headers: bearer(key), payload: { recipients } });
  const addOne = async (key: string, recipient: Record<string, unknown>): Promise<RecipientOut> => {
    const response = await add(key, [recipient]);
    expect(response.statusCode).toBe(201);
    return response.json().data.recipients[0];
  };
  const list = (key: string, query = '') => t.app.inject({ method: 'GET', url: `/recipients${query}`, headers: bearer(key) });
  const getOne = (key: string, id: string) => t.app.inject({ method: 'GET', url: `/recipients/${id}`, headers: bearer(key) });
  const patch = (key: string, id: string, payload: unknown) =>
    t.app.inject({
      method: 'PATCH',
      url: `/recipients/${id}`,
      headers: { ...bearer(key), 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
  const expectError = (response: LightMyRequestResponse, status: number, code: string, param?: string) => {
    expect(response.statusCode).toBe(status);
    const { error } = response.json();
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.requestId).toBe(response.headers['request-id']);
    if (param !== undefined) expect(error.param).toBe(param);
    expect(Object.keys(error).every((k) => ['code', 'message', 'param', 'requestId'].includes(k))).toBe(true);
  };

  it('adds recipients in bulk and answers them in request order with the documented shape', async () => {
    const key = await freshKey();
    const response = await add(key, [
      { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
      { firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com', nickname: 'Al', shouldCollectTaxInfo: true, autoAcceptPayouts: true },
    ]);
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.data.success).toBe(true);
    const [ada, alan] = body.data.recipients as RecipientOut[];
    expect(body.data.recipients).toHaveLength(2);
    expect(ada).toEqual({
      id: expect.stringMatching(UUID_V7),
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      nickname: null,
      createdAt: expect.any(String),
      onboardingUrl: expect.any(String),
      autoAcceptPayouts: false,
      shouldCollectTaxInfo: false,
      emailUndeliverable: false,
      status: 'invited',
      payoutMethod: null,
      country: null,
      actionNeededReason: null,
      taxFormState: null,
      payoutsHeldUntil: null,
    });
    expect(alan).toMatchObject({
      firstName: 'Alan',
      lastName: 'Turing',
      email: 'alan@example.com',
      nickname: 'Al',
      autoAcceptPayouts: true,
      shouldCollectTaxInfo: true,
    });
    for (const r of [ada!, alan!]) {
      expect(r.onboardingUrl.startsWith(t.config.publicUrl)).toBe(true);
      expect(r.onboardingUrl).toContain(r.id);
      expect(new Date(r.createdAt).toISOString()).toBe(r.createdAt);
    }
    expect(ada!.id).not.toBe(alan!.id);
    const fetched = await getOne(key, alan!.id);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual({ data: alan });
  });

  it('normalizes emails and answers the existing recipient for a known address', async () => {
    const key = await freshKey();
    const first = await addOne(key, { firstName: 'Grace', lastName: 'Hopper', email: 'Grace.Hopper@Example.COM' });
    expect(first.email).toBe('grace.hopper@example.com');
    const again = await add(key, [
      { firstName: 'Someone', lastName: 'Else', email: 'grace.hopper@example.com' },
      { firstName: 'New', lastName: 'Person', email: 'new@example.com' },
      { firstName: 'Dup', lastName: 'Licate', email: 'NEW@example.com' },
    ]);
    expect(again.statusCode).toBe(201);
    const [grace, fresh, dup] = again.json().data.recipients as RecipientOut[];
    expect(grace).toEqual(first); // unchanged: the existing recipient is answered as it is
    expect(dup!.id).toBe(fresh!.id);
    const all = (await list(key)).json();
    expect(all.data.map((r: RecipientOut) => r.email).sort()).toEqual(['grace.hopper@example.com', 'new@example.com']);
    // The email filter is normalized the same way.
    const filtered = (await list(key, `?email=${encodeURIComponent('  GRACE.hopper@example.com ')}`)).json();
    expect(filtered.data.map((r: RecipientOut) => r.id)).toEqual([first.id]);
  });

  it('keeps the same email apart across environments and organizations', async () => {
    const org = await t.createOrganization();
    const sandbox = await t.createKey('sandbox', org);
    const live = await t.createKey('production', org);
    const other = await t.createKey('sandbox', await t.createOrganization());
    const inSandbox = await addOne(sandbox, { firstName: 'Kay', lastName: 'Lee', email: 'kay@example.com' });
    const inLive = await addOne(live, { firstName: 'Kay', lastName: 'Lee', email: 'kay@example.com' });
    expect(inLive.id).not.toBe(inSandbox.id);
    expectError(await getOne(live, inSandbox.id), 404, 'not_found');
    expectError(await getOne(sandbox, inLive.id), 404, 'not_found');
    expectError(await getOne(other, inSandbox.id), 404, 'not_found');
    expect((await list(other, '?email=kay@example.com')).json().data).toEqual([]);
    expect((await list(live)).json().data.map((r: RecipientOut) => r.id)).toEqual([inLive.id]);
    const otherCopy = await addOne(other, { firstName: 'Kay', lastName: 'Lee', email: 'kay@example.com' });
    expect([inSandbox.id, inLive.id]).not.toContain(otherCopy.id);
  });

  it('lists newest first, filters by email and pages with a cursor', async () => {
    const key = await freshKey();
    const created: RecipientOut[] = [];
    for (let i = 1; i <= 5; i++) created.push(await addOne(key, { firstName: `R${i}`, lastName: 'Page', email: `r${i}@example.com` }));
    const newestFirst = created.map((r) => r.id).reverse();

    const full = (await list(key)).json();
    expect(full).toEqual({ data: [...created].reverse(), hasMore: false, nextCursor: null });

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const response = await list(key, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode).toBe(200);
      const page = response.json();
      const ids = page.data.map((r: RecipientOut) => r.id);
      pages.push(ids);
      expect(page.hasMore).toBe(pages.length < 3);
      expect(page.nextCursor).toBe(page.hasMore ? ids[ids.length - 1] : null);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);

    const byEmail = (await list(key, '?email=R3@Example.com')).json();
    expect(byEmail).toEqual({ data: [created[2]], hasMore: false, nextCursor: null });
    expect((await list(key, '?email=nobody@example.com')).json()).toEqual({ data: [], hasMore: false, nextCursor: null });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['colour=red', 'colour'],
  ])('rejects the list query %s with 400', async (query, param) => {
    expectError(await list(await freshKey(), `?${query}`), 400, 'invalid_request', param);
  });

  it('answers 404 for a malformed, unknown or foreign recipient id', async () => {
    const key = await freshKey();
    const mine = await addOne(key, { firstName: 'Me', lastName: 'Mine', email: 'me@example.com' });
    expectError(await getOne(key, 'not-an-id'), 404, 'not_found');
    expectError(await getOne(key, '0190a4b2-0000-7000-8000-000000000000'), 404, 'not_found');
    expectError(await getOne(await freshKey(), mine.id), 404, 'not_found');
    expectError(await patch(await freshKey(), mine.id, { firstName: 'Stolen' }), 404, 'not_found');
    expectError(await patch(key, 'not-an-id', { firstName: 'X' }), 404, 'not_found');
    expect((await getOne(key, mine.id)).json().data.firstName).toBe('Me');
  });

  it('updates names, nickname and autoAcceptPayouts, leaving the rest alone', async () => {
    const key = await freshKey();
    const before = await addOne(key, { firstName: 'Old', lastName: 'Name', email: 'patch@example.com', nickname: 'Oldie' });
    const response = await patch(key, before.id, { firstName: 'New', lastName: 'Surname', nickname: 'Newbie', autoAcceptPayouts: true });
    expect(response.statusCode).toBe(200);
    const after = response.json().data as RecipientOut;
    expect(after).toEqual({ ...before, firstName: 'New', lastName: 'Surname', nickname: 'Newbie', autoAcceptPayouts: true });
    expect((await getOne(key, before.id)).json().data).toEqual(after);

    const partial = await patch(key, before.id, { nickname: null });
    expect(partial.statusCode).toBe(200);
    expect(partial.json().data).toEqual({ ...after, nickname: null });
    const toggled = await patch(key, before.id, { autoAcceptPayouts: false, shouldCollectTaxInfo: true });
    expect(toggled.json().data).toMatchObject({ firstName: 'New', autoAcceptPayouts: false, shouldCollectTaxInfo: true });
  });

  it.each([
    ['an unknown field', { colour: 'red' }, 'colour'],
    ['an empty body', {}, undefined],
    ['the email', { email: 'other@example.com' }, 'email'],
    ['an empty first name', { firstName: '' }, 'firstName'],
    ['a non-boolean autoAcceptPayouts', { autoAcceptPayouts: 'yes' }, 'autoAcceptPayouts'],
  ])('rejects a PATCH with %s with 400 and changes nothing', async (_label, payload, param) => {
    const key = await freshKey();
    const before = await addOne(key, { firstName: 'Fixed', lastName: 'Person', email: 'fixed@example.com' });
    expectError(await patch(key, before.id, payload), 400, 'invalid_request', param);
    expect((await getOne(key, before.id)).json().data).toEqual(before);
  });

  it.each([
    [
      'a missing firstName',
      [
        { firstName: 'Ok', lastName: 'Fine', email: 'ok@example.com' },
        { lastName: 'X', email: 'x@example.com' },
      ],
      'recipients[1].firstName',
    ],
    ['a bad email', [{ firstName: 'Bad', lastName: 'Email', email: 'not-an-email' }], 'recipients[0].email'],
    ['an empty recipients array', [], 'recipients'],
    ['an unknown field', [{ firstName: 'A', lastName: 'B', email: 'ab@example.com', phone: '555' }], 'recipients[0].phone'],
    ['an empty lastName', [{ firstName: 'A', lastName: '', email: 'a2@example.com' }], 'recipients[0].lastName'],
  ])('rejects a POST with %s with 400 and writes nothing', async (_label, recipients, param) => {
    const key = await freshKey();
    expectError(await add(key, recipients), 400, 'invalid_request', param);
    expect((await list(key)).json().data).toEqual([]);
  });

  it('rejects a body without recipients, and an unauthenticated request', async () => {
    const key = await freshKey();
    const missing = await t.app.inject({ method: 'POST', url: '/recipients', headers: bearer(key), payload: {} });
    expectError(missing, 400, 'invalid_request', 'recipients');
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      payload: { recipients: [{ firstName: 'A', lastName: 'B', email: 'anon@example.com' }] },
    });
    expectError(anonymous, 401, 'unauthorized');
    expect((await list(key)).json().data).toEqual([]);
  });
});
