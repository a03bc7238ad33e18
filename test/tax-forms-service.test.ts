import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTaxForm, type TaxFormContext, tinHashOf, w8BenExpiresAt } from '../src/modules/tax-forms/index.js';
import { decryptText } from '../src/platform/crypto.js';
import { AppError } from '../src/platform/http/errors.js';
import { checkExpiringLink } from '../src/platform/links.js';
import type { Tenant } from '../src/platform/tenant.js';
import { taxFormContextFor } from '../src/recipient-reactions.js';
import { bearer, createTestApp, TEST_LINK_SECRET, type TestApp } from './harness.js';
import { signer, W8_DATE_OF_BIRTH, W8_TIN, W9_STREET, W9_TIN, w8ben, w9 } from './tax-forms-fixtures.js';

// signTaxForm on a real database: what is stored (sealed, hashed, last 4), supersession, racing
// submissions, the W-8BEN expiry instant and the tax_form.created event.
describe('signTaxForm', () => {
  let t: TestApp;
  let key: string;
  let tenant: Tenant;
  let ctx: TaxFormContext;

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    ctx = taxFormContextFor(t.config);
  });
  afterAll(() => t.close());

  const newRecipient = async (email: string) =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName: 'Ana', lastName: 'Diaz', nickname: 'ana', email, shouldCollectTaxInfo: true }] },
      })
    ).json().data.recipients[0].id as string;
  const formsOf = (recipientId: string) => t.db.query<Record<string, unknown>>('select * from tax_forms where recipient_id = $1 order by id', [recipientId]);

  it('stores the details sealed, the TIN only as a keyed hash and its last 4, and makes the form current', async () => {
    const recipientId = await newRecipient('w9@example.com');
    const form = await signTaxForm(t.db, tenant, recipientId, w9(), signer('Ana Diaz'), ctx);
    expect(form).toMatchObject({ recipientId, formType: 'w9', legalName: 'Ana Diaz', tinType: 'ssn', tinLast4: '6789', supersededAt: null, expiresAt: null });

    const [row] = await formsOf(recipientId);
    expect(row).toMatchObject({ tin_last4: '6789', tin_hash: tinHashOf(t.config.encryptionKeys!, W9_TIN), signature: 'Ana Diaz', signer_ip: '203.0.113.9' });
    expect(JSON.parse(decryptText(t.config.encryptionKeys!, row!.details_encrypted as string))).toEqual(w9());
    // Nothing in clear: neither the TIN nor the street address in any column of the row.
    expect(JSON.stringify(row)).not.toContain(W9_TIN);
    expect(JSON.stringify(row)).not.toContain(W9_STREET);

    const [recipient] = await t.db.query<{ tax_form_state: string }>('select tax_form_state from recipients where id = $1', [recipientId]);
    expect(recipient!.tax_form_state).toBe('valid');
  });

  it('supersedes the current form with a new one; two submissions at once leave exactly one current form', async () => {
    const recipientId = await newRecipient('twice@example.com');
    const first = await signTaxForm(t.db, tenant, recipientId, w9(), signer('Ana Diaz'), ctx);
    const second = await signTaxForm(
      t.db,
      tenant,
      recipientId,
      w9({ tinType: 'ein', tin: '121234567', taxClassification: 'llc_p', businessName: 'Diaz LLC' }),
      signer('Ana Diaz'),
      ctx,
    );
    const rows = await formsOf(recipientId);
    expect(rows.map((r) => [r.id, r.superseded_at === null])).toEqual([
      [first.id, false],
      [second.id, true],
    ]);

    const racing = await Promise.allSettled([
      signTaxForm(t.db, tenant, recipientId, w9(), signer('Ana Diaz'), ctx),
      signTaxForm(t.db, tenant, recipientId, w9({ legalName: 'Ana M. Diaz' }), signer('Ana M. Diaz'), ctx),
    ]);
    // Both are answered (each took its turn on the recipient's lock) and exactly one form is current.
    expect(racing.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const after = await formsOf(recipientId);
    expect(after).toHaveLength(4);
    expect(after.filter((r) => r.superseded_at === null)).toHaveLength(1);
  });

  it('refuses an unknown recipient and saves nothing', async () => {
    const before = await t.db.query<{ n: number }>('select count(*)::int as n from tax_forms');
    const missing = await signTaxForm(t.db, tenant, '0190a0a0-0000-7000-8000-000000000000', w9(), signer('Ana Diaz'), ctx).catch((e) => e);
    expect(missing).toBeInstanceOf(AppError);
    expect(missing).toMatchObject({ code: 'not_found' });
    // Another organization's recipient is just as unknown.
    const otherTenant: Tenant = { organizationId: await t.createOrganization('Other'), environment: 'production' };
    const recipientId = await newRecipient('not-theirs@example.com');
    await expect(signTaxForm(t.db, otherTenant, recipientId, w9(), signer('Ana Diaz'), ctx)).rejects.toMatchObject({ code: 'not_found' });
    const after = await t.db.query<{ n: number }>('select count(*)::int as n from tax_forms');
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('gives a W-8BEN the first instant of the fourth calendar year after signing as its expiry, and seals the DOB', async () => {
    expect(w8BenExpiresAt(new Date('2026-05-03T15:00:00Z')).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(w8BenExpiresAt(new Date('2026-12-31T23:59:59Z')).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(w8BenExpiresAt(new Date('2027-01-01T00:00:00Z')).toISOString()).toBe('2031-01-01T00:00:00.000Z');

    const recipientId = await newRecipient('w8@example.com');
    const signedAt = new Date();
    const form = await signTaxForm(t.db, tenant, recipientId, w8ben(), signer('Mei Tanaka', signedAt), ctx);
    expect(form).toMatchObject({ formType: 'w8ben', tinType: 'ssn', tinLast4: '1234', taxClassification: null });
    expect(form.expiresAt!.toISOString()).toBe(`${signedAt.getUTCFullYear() + 4}-01-01T00:00:00.000Z`);
    const [row] = await formsOf(recipientId);
    for (const secret of [W8_TIN, W8_DATE_OF_BIRTH, '3-1-1 Kasumigaseki']) expect(JSON.stringify(row)).not.toContain(secret);

    // Without a US TIN: no TIN columns at all.
    const noTin = await signTaxForm(t.db, tenant, recipientId, w8ben({ tin: null }), signer('Mei Tanaka'), ctx);
    expect(noTin).toMatchObject({ tinType: null, tinLast4: null });
  });

  it('records tax_form.created in Karat’s shape with a 7-day signed link to the masked PDF', async () => {
    const recipientId = await newRecipient('event@example.com');
    const form = await signTaxForm(t.db, tenant, recipientId, w9(), signer('Ana Diaz'), ctx);
    const [event] = await t.db.query<{ type: string; data: Record<string, unknown>; payout_id: string | null }>(
      `select type, data, payout_id from events where type = 'tax_form.created' and data ->> 'id' = $1`,
      [form.id],
    );
    expect(event).toMatchObject({
      type: 'tax_form.created',
      payout_id: null,
      data: { id: form.id, recipient: { id: recipientId, firstName: 'Ana', lastName: 'Diaz', nickname: 'ana' }, createdAt: form.createdAt.toISOString() },
    });
    const url = new URL(event!.data.url as string);
    expect(url.pathname).toBe(`/links/tax-forms/${form.id}.pdf`);
    const expires = url.searchParams.get('expires')!;
    const signature = url.searchParams.get('signature')!;
    expect(Number(expires) * 1000 - Date.now()).toBeGreaterThan(7 * 24 * 3600 * 1000 - 60_000);
    expect(checkExpiringLink(TEST_LINK_SECRET, url.pathname, expires, signature)).toBe('valid');
    expect(checkExpiringLink(TEST_LINK_SECRET, url.pathname, expires, signature, new Date(Number(expires) * 1000 + 1))).toBe('expired');
    expect(JSON.stringify(event)).not.toContain(W9_TIN);
  });
});
