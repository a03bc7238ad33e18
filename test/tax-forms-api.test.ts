import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTaxForm, type TaxFormContext } from '../src/modules/tax-forms/index.js';
import { verifyWebhook } from '../src/modules/webhooks/verify-webhook.js';
import { checkExpiringLink } from '../src/platform/links.js';
import type { Tenant } from '../src/platform/tenant.js';
import { taxFormContextFor } from '../src/recipient-reactions.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, signInAs, TEST_LINK_SECRET, type TestApp } from './harness.js';
import { drain, expectApiError, testWorker } from './payout-helpers.js';
import { type Receiver, startReceiver } from './receiver.js';
import { signer, W8_DATE_OF_BIRTH, W8_TIN, W9_STREET, W9_TIN, w8ben, w9 } from './tax-forms-fixtures.js';

// GET /tax-forms and GET /tax-forms/{id}: masked, paged, per tenant, for the roles that may see
// them; and tax_form.created delivered to a real receiver, signed, with a working link.
describe('tax forms API and webhook', () => {
  let t: TestApp;
  let key: string;
  let sandboxKey: string;
  let tenant: Tenant;
  let ctx: TaxFormContext;
  let receiver: Receiver;
  let worker: RunningWorker;

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    sandboxKey = await t.createKey('sandbox');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    ctx = taxFormContextFor(t.config);
    receiver = await startReceiver();
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await receiver.close();
    await t.close();
  });

  const get = (url: string, headers: Record<string, string> = bearer(key)) => t.app.inject({ method: 'GET', url, headers });
  const newRecipient = async (email: string) =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName: 'Ana', lastName: 'Diaz', email, shouldCollectTaxInfo: true }] },
      })
    ).json().data.recipients[0].id as string;
  const SECRETS = [W9_TIN, W8_TIN, W8_DATE_OF_BIRTH, W9_STREET, '3-1-1 Kasumigaseki', 'JP-4455667788'];
  const expectNothingSensitive = (text: string) => {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  };

  it('answers one form masked, in the documented shape', async () => {
    const recipientId = await newRecipient('one@example.com');
    const form = await signTaxForm(t.db, tenant, recipientId, w9({ businessName: 'Diaz Design' }), signer('Ana Diaz'), ctx);
    const response = await get(`/tax-forms/${form.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toEqual({
      id: form.id,
      recipientId,
      formType: 'W-9',
      legalName: 'Ana Diaz',
      businessName: 'Diaz Design',
      taxClassification: 'individual',
      tinType: 'ssn',
      tinLast4: '6789',
      backupWithholding: false,
      signedAt: form.signer.signedAt.toISOString(),
      expiresAt: null,
      supersededAt: null,
      createdAt: form.createdAt.toISOString(),
      signature: { name: 'Ana Diaz', signedAt: form.signer.signedAt.toISOString(), ipAddress: '203.0.113.9', userAgent: 'Mozilla/5.0 (test)' },
    });
    expectNothingSensitive(response.body);

    const w8 = await signTaxForm(t.db, tenant, recipientId, w8ben(), signer('Mei Tanaka'), ctx);
    const answer = await get(`/tax-forms/${w8.id}`);
    expect(answer.json().data).toMatchObject({ formType: 'W-8BEN', taxClassification: null, tinLast4: '1234', expiresAt: w8.expiresAt!.toISOString() });
    expectNothingSensitive(answer.body);
    // The W-9 is now superseded, and says so.
    expect((await get(`/tax-forms/${form.id}`)).json().data.supersededAt).toEqual(expect.any(String));
  });

  it('answers 404 for an unknown form, one of another environment, and a malformed id', async () => {
    const recipientId = await newRecipient('hidden@example.com');
    const form = await signTaxForm(t.db, tenant, recipientId, w9(), signer('Ana Diaz'), ctx);
    expectApiError(await get('/tax-forms/0190a0a0-0000-7000-8000-000000000000'), 404, 'not_found', 'id');
    expectApiError(await get(`/tax-forms/${form.id}`, bearer(sandboxKey)), 404, 'not_found', 'id');
    expectApiError(await get('/tax-forms/not-a-uuid'), 404, 'not_found', 'id');
    const otherOrganization = await t.createOrganization('Elsewhere');
    expectApiError(await get(`/tax-forms/${form.id}`, bearer(await t.createKey('production', otherOrganization))), 404, 'not_found', 'id');
  });

  it('lists forms newest first in pages, and one recipient’s forms with recipientId', async () => {
    const recipientId = await newRecipient('list@example.com');
    const first = await signTaxForm(t.db, tenant, recipientId, w9(), signer('Ana Diaz'), ctx);
    const second = await signTaxForm(t.db, tenant, recipientId, w9({ legalName: 'Ana M. Diaz' }), signer('Ana M. Diaz'), ctx);
    const mine = await get(`/tax-forms?recipientId=${recipientId}`);
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ hasMore: false, nextCursor: null });
    expect(mine.json().data.map((f: { id: string; supersededAt: string | null }) => [f.id, f.supersededAt === null])).toEqual([
      [second.id, true],
      [first.id, false],
    ]);

    const page1 = (await get('/tax-forms?limit=1')).json();
    expect(page1).toMatchObject({ hasMore: true, nextCursor: page1.data[0].id });
    const page2 = (await get(`/tax-forms?limit=1&cursor=${page1.nextCursor}`)).json();
    expect(page2.data[0].id < page1.data[0].id).toBe(true);

    const all = await get('/tax-forms?limit=100');
    expectNothingSensitive(all.body);
    expect((await get('/tax-forms', bearer(sandboxKey))).json().data).toEqual([]);
    expectApiError(await get('/tax-forms?recipientId=nope'), 400, 'invalid_request');
    expectApiError(await get('/tax-forms?cursor=nope'), 400, 'invalid_request', 'cursor');
  });

  it('shows forms to admins, managers and accountants, never to employees, and nothing without a key', async () => {
    for (const role of ['admin', 'manager', 'accountant'] as const) {
      const headers = (await signInAs(t, role))('production');
      expect((await get('/tax-forms', headers)).statusCode, role).toBe(200);
    }
    const employee = (await signInAs(t, 'employee'))('production');
    expect((await get('/tax-forms', employee)).statusCode).toBe(403);
    expect((await get('/tax-forms/0190a0a0-0000-7000-8000-000000000000', employee)).statusCode).toBe(403);
    expect((await get('/tax-forms', {})).statusCode).toBe(401);
  });

  it('delivers tax_form.created to the subscriber, signed, with a link that checks out for 7 days', async () => {
    const created = (
      await t.app.inject({
        method: 'POST',
        url: '/events/subscription',
        headers: bearer(key),
        payload: { event_name: 'tax_form.created', callback_url: receiver.url },
      })
    ).json().data;
    const recipientId = await newRecipient('hook@example.com');
    const form = await signTaxForm(t.db, tenant, recipientId, w9(), signer('Ana Diaz'), ctx);
    await drain(worker);

    const [delivery] = receiver.deliveries().filter((r) => r.body.data?.id === form.id);
    expect(delivery).toBeDefined();
    const envelope = verifyWebhook(created.secret, delivery!.headers, delivery!.rawBody) as Record<string, unknown>;
    expect(new Webhook(created.secret).verify(delivery!.rawBody, delivery!.headers as Record<string, string>)).toEqual(envelope);
    expect(envelope).toMatchObject({ event: 'tax_form.created', subscription_id: created.subscription.id, id: delivery!.headers['x-karat-webhook-id'] });
    const data = envelope.data as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(['createdAt', 'id', 'recipient', 'url']);
    expect(data).toMatchObject({ id: form.id, recipient: { id: recipientId, firstName: 'Ana', lastName: 'Diaz', nickname: null } });
    const url = new URL(data.url as string);
    expect(`${url.origin}`).toBe(new URL(t.config.publicUrl).origin);
    const check = (at?: Date) => checkExpiringLink(TEST_LINK_SECRET, url.pathname, url.searchParams.get('expires')!, url.searchParams.get('signature')!, at);
    expect(url.pathname).toBe(`/links/tax-forms/${form.id}.pdf`);
    expect(check()).toBe('valid');
    expect(check(new Date(Date.now() + 6.9 * 24 * 3600 * 1000))).toBe('valid');
    expect(check(new Date(Date.now() + 7.1 * 24 * 3600 * 1000))).toBe('expired');
    expectNothingSensitive(delivery!.rawBody);
  });
});
