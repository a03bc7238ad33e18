import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../src/platform/tenant.js';
import type { TaxFormDetails, W9Details } from '../src/modules/tax-forms/index.js';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { drain, expectApiError, testWorker } from './payout-helpers.js';
import { insertSignedForm, signer, w9 as w9Form } from './tax-form-fixtures.js';

// The 1099-NEC report against hand-computed fixtures (default thresholds: $600 for 2025, $2,000
// for 2026; the organization's time zone America/New_York unless a test says otherwise).
// Amounts in cents; every total below is worked out by hand in the comments.

type Signer = Awaited<ReturnType<typeof signInAs>>;

describe('1099-NEC report', () => {
  let t: TestApp;
  let key: string;
  let tenant: Tenant;
  let admin: Signer;
  const ids: Record<string, string> = {};
  const paidOut: Record<string, string> = {};

  const api = (url: string, headers: Record<string, string> = bearer(key)) => t.app.inject({ method: 'GET', url, headers });
  const report = async (year: number) => {
    const response = await api(`/reports/1099-nec?year=${year}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().data;
  };

  async function addRecipient(name: string, email: string): Promise<string> {
    const [firstName, lastName] = name.split(' ');
    const response = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(key),
      payload: { recipients: [{ firstName, lastName, email }] },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().data.recipients[0].id;
  }

  const signForm = async (recipientId: string, details: TaxFormDetails, signedAt: string) =>
    (await insertSignedForm(t.db, tenant, t.config.encryptionKeys!, recipientId, details, signer(details.legalName, new Date(signedAt)))).id;
  const w9 = (legalName: string, tin: string, more: Partial<W9Details> = {}) => w9Form({ legalName, tin, ...more });

  async function external(recipientId: string, amount: number, paidAt?: string, isReimbursement?: boolean) {
    const response = await t.app.inject({
      method: 'POST',
      url: '/external-payments',
      headers: bearer(key),
      payload: { payouts: [{ recipientId, amount, ...(paidAt ? { paidAt } : {}), ...(isReimbursement ? { isReimbursement } : {}) }] },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().data.payouts[0].id as string;
  }

  /**
   * A sandbox payout run to its scenario's end by the worker. Its completion is then dated in the
   * past: the report reads when the payout completed, and a test cannot wait for last year.
   */
  async function paidThroughPlatform(recipientId: string, amount: number, completedAt: string, isReimbursement = false) {
    const response = await t.app.inject({
      method: 'POST',
      url: '/payments',
      headers: bearer(key),
      payload: { payouts: [{ recipientId, amount, ...(isReimbursement ? { isReimbursement } : {}) }] },
    });
    expect(response.statusCode, response.body).toBe(201);
    const id = response.json().data.payouts[0].id as string;
    await drain(testWorker(t));
    await t.db.query('update payouts set status_changed_at = $1 where id = $2', [new Date(completedAt), id]);
    return id;
  }

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('sandbox');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'sandbox' };
    admin = await signInAs(t, 'admin');
    expect(
      (await t.app.inject({ method: 'PATCH', url: '/organization/settings', headers: admin(), payload: { timeZone: 'America/New_York' } })).statusCode,
    ).toBe(200);

    // Alice: two recipient records, one SSN. Her second record's form (signed later) names her.
    ids.alice = await addRecipient('Alice Able', 'sandbox+completed@alice.example');
    ids.alice2 = await addRecipient('Alice Able', 'sandbox+returned@alice.example');
    await signForm(ids.alice, w9('Alice Able', '123456789'), '2025-01-10T12:00:00Z');
    ids.aliceForm = await signForm(ids.alice2, w9('Alice Able', '123456789', { businessName: 'Able Design' }), '2025-02-10T12:00:00Z');
    paidOut.aliceCompleted = await paidThroughPlatform(ids.alice, 40_000, '2025-06-01T12:00:00Z'); // counts
    paidOut.aliceReimbursed = await paidThroughPlatform(ids.alice, 50_000, '2025-06-02T12:00:00Z', true); // out: reimbursement
    paidOut.aliceReturned = await paidThroughPlatform(ids.alice2, 30_000, '2025-07-01T12:00:00Z'); // completed, then returned: out
    await external(ids.alice2, 25_000, '2025-03-01T12:00:00Z'); // counts
    // Alice 2025: 40,000 + 25,000 = 65,000 ≥ 60,000.

    // Bob: the year's edges in New York.
    ids.bob = await addRecipient('Bob Border', 'sandbox+completed@bob.example');
    await signForm(ids.bob, w9('Bob Border', '234567890'), '2024-05-01T12:00:00Z');
    await external(ids.bob, 50_000, '2025-12-31T23:30:00-05:00'); // 2026-01-01 04:30 UTC, still 2025 in New York
    await external(ids.bob, 20_000, '2026-01-01T00:30:00-05:00'); // 2026 in New York
    await external(ids.bob, 15_000, '2025-01-01T03:00:00Z'); // 2024-12-31 22:00 in New York
    await paidThroughPlatform(ids.bob, 10_000, '2025-07-01T12:00:00Z');
    // Bob 2025 (New York): 50,000 + 10,000 = 60,000, exactly the threshold. In UTC: 15,000 + 10,000.

    // Corporations and exempt payees are left out whatever they were paid.
    ids.carol = await addRecipient('Carol Corp', 'sandbox+completed@carol.example');
    await signForm(ids.carol, w9('Carol Corp Inc', '123456780', { taxClassification: 'c_corporation', tinType: 'ein' }), '2025-01-01T12:00:00Z');
    await external(ids.carol, 100_000, '2025-05-01T12:00:00Z');
    ids.sam = await addRecipient('Sam Scorp', 'sandbox+completed@sam.example');
    await signForm(ids.sam, w9('Sam LLC', '223456780', { taxClassification: 'llc_s', tinType: 'ein', businessName: 'Sam LLC' }), '2025-01-01T12:00:00Z');
    await external(ids.sam, 100_000, '2025-05-01T12:00:00Z');
    ids.dan = await addRecipient('Dan Exempt', 'sandbox+completed@dan.example');
    await signForm(ids.dan, w9('Dan Exempt', '345678901', { exemptPayeeCode: '5' }), '2025-01-01T12:00:00Z');
    await external(ids.dan, 100_000, '2025-05-01T12:00:00Z');

    // No W-9: Eve signed nothing, Frank a W-8BEN. Listed apart once over the threshold.
    ids.eve = await addRecipient('Eve None', 'sandbox+completed@eve.example');
    await external(ids.eve, 70_000, '2025-04-01T12:00:00Z');
    await external(ids.eve, 30_000, '2025-04-02T12:00:00Z', true); // reimbursement: out. Eve 2025: 70,000.
    ids.frank = await addRecipient('Frank Foreign', 'sandbox+completed@frank.example');
    await signForm(
      ids.frank,
      {
        formType: 'w8ben',
        legalName: 'Frank Foreign',
        citizenshipCountry: 'DE',
        address: 'Hauptstr. 1',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
        mailingAddress: null,
        mailingCity: null,
        mailingPostalCode: null,
        mailingCountry: null,
        tin: null,
        foreignTin: 'DE123',
        foreignTinNotRequired: false,
        dateOfBirth: '1980-01-01',
        treatyCountry: null,
        treatyArticle: null,
        treatyRate: null,
        treatyIncomeType: null,
      },
      '2025-01-01T12:00:00Z',
    );
    await external(ids.frank, 80_000, '2025-06-01T12:00:00Z');
    ids.ivy = await addRecipient('Ivy Under', 'sandbox+completed@ivy.example');
    await external(ids.ivy, 59_999, '2025-06-01T12:00:00Z'); // one cent under: not listed

    // Thresholds per year: Gina reaches 2025's $600 but not 2026's $2,000; Hal reaches 2026's exactly.
    ids.gina = await addRecipient('Gina Threshold', 'sandbox+completed@gina.example');
    await signForm(ids.gina, w9('Gina Threshold', '456789012'), '2025-01-01T12:00:00Z');
    await external(ids.gina, 61_000, '2025-02-01T12:00:00Z');
    await external(ids.gina, 150_000, '2026-03-01T12:00:00Z');
    ids.hal = await addRecipient('Hal High', 'sandbox+completed@hal.example');
    await signForm(
      ids.hal,
      w9('Hal High', '987654321', { taxClassification: 'partnership', tinType: 'ein', businessName: 'High Partners' }),
      '2025-01-01T12:00:00Z',
    );
    await external(ids.hal, 200_000, '2026-02-01T12:00:00Z');
  });
  afterAll(() => t?.close());

  it('sums 2025 per TIN in New York time: completed, external by paidAt; returned, reimbursements, corporations and exempt payees out', async () => {
    const data = await report(2025);
    expect(data).toMatchObject({
      year: 2025,
      timeZone: 'America/New_York',
      threshold: 60_000,
      currency: 'USD',
      from: '2025-01-01T05:00:00.000Z',
      to: '2026-01-01T05:00:00.000Z',
    });
    expect(data.payees).toEqual([
      {
        taxFormId: ids.aliceForm,
        legalName: 'Alice Able',
        businessName: 'Able Design',
        taxClassification: 'individual',
        tinType: 'ssn',
        tin: '***-**-6789',
        total: 65_000,
        recipientIds: [ids.alice, ids.alice2].sort(),
      },
      expect.objectContaining({ legalName: 'Bob Border', tin: '***-**-7890', total: 60_000, recipientIds: [ids.bob] }),
      expect.objectContaining({ legalName: 'Gina Threshold', total: 61_000 }),
    ]);
    expect(data.payeesWithoutW9).toEqual([
      { recipientId: ids.eve, email: 'sandbox+completed@eve.example', firstName: 'Eve', lastName: 'None', taxForm: null, total: 70_000 },
      { recipientId: ids.frank, email: 'sandbox+completed@frank.example', firstName: 'Frank', lastName: 'Foreign', taxForm: 'w8ben', total: 80_000 },
    ]);
  });

  it('uses each year its own threshold and time zone', async () => {
    // 2026: Hal 200,000 (= $2,000); Gina 150,000 and Bob 20,000 stay under.
    const data2026 = await report(2026);
    expect(data2026.threshold).toBe(200_000);
    expect(data2026.payees).toEqual([
      expect.objectContaining({ legalName: 'Hal High', businessName: 'High Partners', tinType: 'ein', tin: '**-***4321', total: 200_000 }),
    ]);
    expect(data2026.payeesWithoutW9).toEqual([]);
    // 2024 (New York) had Bob's 15,000 only.
    expect((await report(2024)).payees).toEqual([]);

    // In UTC Bob's year-end payment falls in 2026: 2025 is 15,000 + 10,000 = 25,000, under.
    expect((await t.app.inject({ method: 'PATCH', url: '/organization/settings', headers: admin(), payload: { timeZone: 'UTC' } })).statusCode).toBe(200);
    try {
      const utc = await report(2025);
      expect(utc.from).toBe('2025-01-01T00:00:00.000Z');
      expect(utc.payees.map((p: { legalName: string }) => p.legalName)).toEqual(['Alice Able', 'Gina Threshold']);
    } finally {
      await t.app.inject({ method: 'PATCH', url: '/organization/settings', headers: admin(), payload: { timeZone: 'America/New_York' } });
    }
  });

  it('returns isReimbursement on the payment, and counts a reimbursement nowhere', async () => {
    const payment = (await api(`/payments/${paidOut.aliceReimbursed}`)).json().data;
    expect(payment).toMatchObject({ status: 'completed', isReimbursement: true, paidAt: null });
    expect((await api(`/payments/${paidOut.aliceReturned}`)).json().data.status).toBe('returned');
  });

  it('answers the same table as CSV with Accept: text/csv, TINs masked', async () => {
    const response = await api('/reports/1099-nec?year=2025', { ...bearer(key), accept: 'text/csv' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/csv');
    expect(response.headers['content-disposition']).toContain('1099-nec-2025-sandbox-');
    const lines = response.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'section,legalName,businessName,taxClassification,tinType,tin,total,currency,recipientIds,email,firstName,lastName,taxForm,taxFormId',
    );
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 7).join(','))).toEqual([
      'reportable,Alice Able,Able Design,individual,ssn,***-**-6789,650.00',
      'reportable,Bob Border,,individual,ssn,***-**-7890,600.00',
      'reportable,Gina Threshold,,individual,ssn,***-**-9012,610.00',
      'missing_w9,,,,,,700.00',
      'missing_w9,,,,,,800.00',
    ]);
    expect(response.body).not.toContain('123456789');
    expect(response.body).not.toContain('123-45-6789');
  });

  it('refuses a year out of range with 400', async () => {
    const nextYear = new Date().getUTCFullYear() + 2;
    for (const year of ['1999', String(nextYear), 'abc', '2025.5', '']) {
      expectApiError(await api(`/reports/1099-nec?year=${year}`), 400, 'invalid_request');
    }
    expectApiError(await api('/reports/1099-nec'), 400, 'invalid_request');
  });

  it('shows the report to admins, managers and accountants but never to employees', async () => {
    for (const role of ['manager', 'accountant'] as const) {
      const session = await signInAs(t, role);
      expect((await api('/reports/1099-nec?year=2025', session('sandbox'))).statusCode).toBe(200);
    }
    const employee = await signInAs(t, 'employee');
    expectApiError(await api('/reports/1099-nec?year=2025', employee('sandbox')), 403, 'forbidden');
    expectApiError(await api('/reports/1099-nec?year=2025', {}), 401, 'unauthorized');
  });

  it('gives admins the filing export with full TINs and addresses, and records each download', async () => {
    const url = '/reports/1099-nec/filing-export?year=2025';
    const manager = await signInAs(t, 'manager');
    expectApiError(await api(url, manager('sandbox')), 403, 'forbidden');
    expectApiError(await api(url, bearer(key)), 403, 'forbidden');
    expect(await t.db.query('select id from sensitive_downloads')).toEqual([]);

    const response = await api(url, admin('sandbox'));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-disposition']).toContain('1099-nec-filing-2025-sandbox-');
    const lines = response.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('taxYear,tinType,tin,legalName,businessName,address,city,state,zip,nonemployeeCompensation,recipientIds,taxFormId');
    expect(lines[1]).toBe(
      `2025,ssn,123-45-6789,Alice Able,Able Design,1600 Sample Street Apt 7,Springfield,IL,62704,650.00,${[ids.alice, ids.alice2].sort().join(' ')},${ids.aliceForm}`,
    );
    expect(lines.slice(2).map((line) => line.split(',').slice(2, 4).join(','))).toEqual(['234-56-7890,Bob Border', '456-78-9012,Gina Threshold']);

    const downloads = await t.db.query<{ kind: string; subject: string; environment: string; user_id: string }>(
      'select kind, subject, environment, user_id from sensitive_downloads',
    );
    expect(downloads).toHaveLength(1);
    expect(downloads[0]).toMatchObject({ kind: 'nec_filing_export', subject: '2025', environment: 'sandbox' });
    const [user] = await t.db.query<{ role: string }>('select role from users where id = $1', [downloads[0]!.user_id]);
    expect(user!.role).toBe('admin');
  });
});
