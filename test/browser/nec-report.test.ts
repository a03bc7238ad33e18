import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/users/users.service.js';
import type { Tenant } from '../../src/platform/tenant.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { insertSignedForm, signer, w9 } from '../tax-form-fixtures.js';
import { ARTIFACTS, freePort, haveBrowser, launchChromium } from './chromium.js';
import { signInAs as signInToDashboard } from './dashboard-sign-in.js';
import { DESKTOP, PHONE, pageWidth } from './seeded-dashboard.js';

// The 1099-NEC page in Chromium: the year's table with masked TINs, the CSV export, the admin's
// filing export (full TINs, recorded), an accountant without it, a phone's width, and the time
// zone setting it counts in.
const PASSWORD = 'a long test password';

describe.skipIf(!haveBrowser)('dashboard: 1099-NEC report', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({ publicUrl: base });
    await t.app.listen({ port, host: '127.0.0.1' });
    for (const role of ['admin', 'accountant', 'employee'] as const) {
      await createUser(t.db, t.config, { organizationId: t.defaultOrganizationId, email: `${role}@example.com`, password: PASSWORD, role, createdBy: null });
    }
    await t.db.query(`update organizations set time_zone = 'America/New_York' where id = $1`, [t.defaultOrganizationId]);
    const key = await t.createKey('sandbox');
    const tenant: Tenant = { organizationId: t.defaultOrganizationId, environment: 'sandbox' };
    const recipients = (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: {
          recipients: [
            { firstName: 'Ana', lastName: 'Ortiz', email: 'ana@example.com' },
            { firstName: 'Ana', lastName: 'Ortiz', email: 'ana.studio@example.com' },
            { firstName: 'Noor', lastName: 'Haddad', email: 'noor@example.com' },
          ],
        },
      })
    ).json().data.recipients as { id: string }[];
    const [ana, anaStudio, noor] = recipients.map((r) => r.id);
    await insertSignedForm(
      t.db,
      tenant,
      t.config.encryptionKeys!,
      ana!,
      w9({ legalName: 'Ana Ortiz', tin: '123456789' }),
      signer('Ana Ortiz', new Date('2025-01-05T12:00:00Z')),
    );
    await insertSignedForm(
      t.db,
      tenant,
      t.config.encryptionKeys!,
      anaStudio!,
      w9({ legalName: 'Ana Ortiz', tin: '123456789', businessName: 'Ortiz Studio' }),
      signer('Ana Ortiz', new Date('2025-02-05T12:00:00Z')),
    );
    const paid = await t.app.inject({
      method: 'POST',
      url: '/external-payments',
      headers: bearer(key),
      payload: {
        payouts: [
          { recipientId: ana, amount: 45_000, paidAt: '2025-03-01T12:00:00Z' },
          { recipientId: anaStudio, amount: 30_000, paidAt: '2025-12-31T23:00:00-05:00' },
          { recipientId: anaStudio, amount: 9_000, paidAt: '2025-06-01T12:00:00Z', isReimbursement: true },
          { recipientId: noor, amount: 120_000, paidAt: '2025-08-01T12:00:00Z' },
        ],
      },
    });
    expect(paid.statusCode).toBe(201);

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: DESKTOP, acceptDownloads: true })).newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  const signInAs = (role: string) => signInToDashboard(page, base, role, PASSWORD);

  async function openYear(year: string) {
    await page.getByRole('link', { name: '1099-NEC', exact: true }).click();
    await page.getByRole('heading', { name: '1099-NEC' }).waitFor();
    await page.getByLabel('Tax year').selectOption(year);
    await page
      .getByTestId('nec-summary')
      .filter({ hasText: `in ${year}` })
      .waitFor();
  }

  const rows = (testId: string) =>
    page
      .getByTestId(testId)
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => (td as HTMLElement).innerText.replace(/\s+/g, ' ').trim()).join(' | ')));

  async function download(click: () => Promise<void>): Promise<{ name: string; text: string }> {
    const [file] = await Promise.all([page.waitForEvent('download'), click()]);
    return { name: file.suggestedFilename(), text: await readFile((await file.path())!, 'utf8') };
  }

  it('shows the year per TIN in the organization’s time zone, TINs masked, and those without a W-9 apart', async () => {
    await signInAs('admin');
    await openYear('2025');
    // Ana's two records are one payee: 45,000 + 30,000 (23:00 in New York on 31 December); the reimbursement is out.
    expect(await rows('nec-table')).toEqual(['Ana Ortiz Ortiz Studio | ***-**-6789 SSN | Individual / sole proprietor | Recipient 1, Recipient 2 | $750.00']);
    expect(await rows('nec-missing-table')).toEqual(['Noor Haddad noor@example.com | None | $1,200.00']);
    expect(await page.getByTestId('nec-summary').innerText()).toContain('$600.00');
    await expect(page.locator('body').textContent()).resolves.not.toContain('123-45-6789');
    await shot('180-nec-report');
  });

  it('exports the table as CSV, and gives the admin the filing export with full TINs, recorded', async () => {
    const csv = await download(() => page.getByTestId('export-csv').click());
    expect(csv.name).toMatch(/^1099-nec-2025-sandbox-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv.text).toContain('reportable,Ana Ortiz,Ortiz Studio,individual,ssn,***-**-6789,750.00');
    expect(csv.text).not.toContain('123-45-6789');

    const filing = await download(() => page.getByTestId('nec-filing-export').click());
    expect(filing.name).toBe('1099-nec-filing-2025-sandbox.csv');
    expect(filing.text).toContain('2025,ssn,123-45-6789,Ana Ortiz,Ortiz Studio,1600 Sample Street Apt 7,Springfield,IL,62704,750.00');
    const recorded = await t.db.query<{ kind: string; subject: string }>('select kind, subject from sensitive_downloads');
    expect(recorded).toEqual([{ kind: 'nec_filing_export', subject: '2025' }]);
  });

  it('fits a phone', async () => {
    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByTestId('nec-table').waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await shot('181-nec-report-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('shows accountants the report without the filing export, and employees neither', async () => {
    await signInAs('accountant');
    await openYear('2025');
    await page.getByTestId('nec-table').waitFor();
    expect(await page.getByTestId('nec-filing-export').count()).toBe(0);
    await shot('182-nec-report-accountant');
    await signInAs('employee');
    expect(await page.getByRole('link', { name: '1099-NEC', exact: true }).count()).toBe(0);
    await page.goto(`${base}/#/1099-nec`);
    await page.getByTestId('forbidden').waitFor();
  });

  it('lets the admin set the time zone the year is counted in, and the report follows it', async () => {
    await signInAs('admin');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const form = page.getByTestId('reporting-settings');
    await expect.poll(() => form.getByLabel('Time zone').inputValue()).toBe('America/New_York');
    await form.getByLabel('Time zone').selectOption('UTC');
    await form.getByRole('button', { name: 'Save time zone' }).click();
    await page.getByTestId('time-zone-saved').waitFor();
    await shot('183-settings-time-zone');
    // In UTC Ana's 31 December payment falls in 2026: 45,000 is under $600.
    await openYear('2025');
    await page.getByTestId('nec-summary').filter({ hasText: 'UTC' }).waitFor();
    expect(await page.getByTestId('nec-table').count()).toBe(0);
    expect(await rows('nec-missing-table')).toEqual(['Noor Haddad noor@example.com | None | $1,200.00']);
  });
});
