import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSensitiveDownloads, type TaxForm } from '../src/modules/tax-forms/index.js';
import { taxFormLinkPath } from '../src/modules/tax-forms/index.js';
import { expiringLink } from '../src/platform/links.js';
import type { Tenant } from '../src/platform/tenant.js';
import { bearer, createTestApp, signInAs, type TestApp, TEST_ENCRYPTION_KEYS } from './harness.js';
import { insertSignedForm, pdfText, W8BEN, W9 } from './tax-form-fixtures.js';

const DAY = 86_400_000;

describe('tax form PDFs', () => {
  let t: TestApp;
  let key: string;
  let tenant: Tenant;
  let w9: TaxForm;
  let w8ben: TaxForm;

  const addRecipient = async (email: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(key),
      payload: { recipients: [{ firstName: 'Ada', lastName: 'Lovelace', email, shouldCollectTaxInfo: true }] },
    });
    expect(response.statusCode).toBe(201);
    return response.json().data.recipients[0].id as string;
  };

  beforeAll(async () => {
    t = await createTestApp();
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    key = await t.createKey('production');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    w9 = await insertSignedForm(t.db, tenant, TEST_ENCRYPTION_KEYS, await addRecipient('ada@example.com'), W9);
    w8ben = await insertSignedForm(t.db, tenant, TEST_ENCRYPTION_KEYS, await addRecipient('lukasz@example.com'), W8BEN);
  });
  afterAll(() => t.close());

  it('answers the masked PDF to an API key: the name and the last 4 of the TIN only', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/tax-forms/${w9.id}/pdf`, headers: bearer(key) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['cache-control']).toBe('no-store');
    const text = await pdfText(response.rawPayload);
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('Acme Studios');
    expect(text).toContain('***-**-6789');
    expect(text).not.toContain('123-45-6789');
    expect(text).not.toContain('12345');
  });

  it('answers the masked PDF to managers and accountants, never to employees, and 404 for another organization', async () => {
    for (const role of ['manager', 'accountant', 'admin'] as const) {
      const headers = (await signInAs(t, role))();
      const response = await t.app.inject({ method: 'GET', url: `/tax-forms/${w8ben.id}/pdf`, headers });
      expect(response.statusCode, role).toBe(200);
      expect(await pdfText(response.rawPayload)).not.toContain('1985-07-14');
    }
    const employee = (await signInAs(t, 'employee'))();
    expect((await t.app.inject({ method: 'GET', url: `/tax-forms/${w9.id}/pdf`, headers: employee })).statusCode).toBe(403);
    const sandboxKey = await t.createKey('sandbox');
    const other = await t.app.inject({ method: 'GET', url: `/tax-forms/${w9.id}/pdf`, headers: bearer(sandboxKey) });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('not_found');
    const malformed = await t.app.inject({ method: 'GET', url: '/tax-forms/not-a-uuid/pdf', headers: bearer(key) });
    expect(malformed.statusCode).toBe(404);
  });

  describe('the signed link of tax_form.created', () => {
    const link = (id: string, expiresAt: Date) => new URL(expiringLink(t.config, taxFormLinkPath(id), expiresAt));
    const get = (url: URL) => t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });

    it('answers the masked PDF without a key while valid', async () => {
      const response = await get(link(w9.id, new Date(Date.now() + 7 * DAY)));
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      const text = await pdfText(response.rawPayload);
      expect(text).toContain('Ada Lovelace');
      expect(text).toContain('***-**-6789');
      expect(text).not.toContain('123-45-6789');
    });

    it('refuses an expired link with 403 in the envelope', async () => {
      const response = await get(link(w9.id, new Date(Date.now() - 1000)));
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('expired') });
      expect(response.json().error.requestId).toMatch(/^req_/);
    });

    it('refuses a tampered link (another form, a later expiry, a changed or missing signature) with 403', async () => {
      const genuine = link(w9.id, new Date(Date.now() + 7 * DAY));
      const otherForm = new URL(genuine);
      otherForm.pathname = taxFormLinkPath(w8ben.id);
      const later = new URL(genuine);
      later.searchParams.set('expires', String(Number(genuine.searchParams.get('expires')) + 86_400));
      const forged = new URL(genuine);
      const signature = genuine.searchParams.get('signature')!;
      forged.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`);
      const unsigned = new URL(genuine);
      unsigned.searchParams.delete('signature');
      for (const url of [otherForm, later, forged, unsigned]) {
        const response = await get(url);
        expect(response.statusCode, url.toString()).toBe(403);
        expect(response.json().error.code).toBe('forbidden');
      }
    });
  });

  describe('the filing copy', () => {
    const url = () => `/tax-forms/${w9.id}/filing-copy.pdf`;

    it('is refused to a manager and to API keys, and nothing is recorded', async () => {
      const manager = (await signInAs(t, 'manager'))();
      expect((await t.app.inject({ method: 'GET', url: url(), headers: manager })).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'GET', url: url(), headers: bearer(key) })).statusCode).toBe(403);
      expect(await listSensitiveDownloads(t.db, tenant, { kind: 'tax_form_filing_copy' })).toHaveLength(0);
    });

    it('gives an admin the full TIN and records who downloaded it', async () => {
      const admin = (await signInAs(t, 'admin'))();
      const response = await t.app.inject({ method: 'GET', url: url(), headers: admin });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-disposition']).toBe(`attachment; filename="tax-form-${w9.id}-filing-copy.pdf"`);
      const text = await pdfText(response.rawPayload);
      expect(text).toContain('Filing copy - full TIN');
      expect(text).toContain('123-45-6789');
      const session = await t.app.inject({ method: 'GET', url: '/auth/session', headers: admin });
      const downloads = await listSensitiveDownloads(t.db, tenant, { kind: 'tax_form_filing_copy' });
      expect(downloads).toHaveLength(1);
      expect(downloads[0]).toMatchObject({ subject: w9.id, userId: session.json().data.user.id });
    });

    it('records nothing for a form that does not exist', async () => {
      const admin = (await signInAs(t, 'admin'))();
      const before = (await listSensitiveDownloads(t.db, tenant)).length;
      const missing = await t.app.inject({ method: 'GET', url: '/tax-forms/01900000-0000-7000-8000-000000000000/filing-copy.pdf', headers: admin });
      expect(missing.statusCode).toBe(404);
      expect(await listSensitiveDownloads(t.db, tenant)).toHaveLength(before);
    });
  });
});
