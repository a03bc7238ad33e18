import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSensitiveDownloads, queueTaxFormReceivedEmail, type TaxForm } from '../../src/modules/tax-forms/index.js';
import { supersedeCurrentTaxForm } from '../../src/modules/tax-forms/tax-forms.repository.js';
import { createUser } from '../../src/modules/users/users.service.js';
import type { Tenant } from '../../src/platform/tenant.js';
import { bearer, createTestApp, type TestApp, TEST_ENCRYPTION_KEYS } from '../harness.js';
import { drain, testWorker } from '../payout-helpers.js';
import { insertSignedForm, pdfText, W8BEN, W9 } from '../tax-form-fixtures.js';
import { ARTIFACTS, freePort, haveBrowser, launchChromium } from './chromium.js';
import { signInAs as signInToDashboard } from './dashboard-sign-in.js';
import { pageWidth } from './seeded-dashboard.js';

// The dashboard's Tax forms page and a recipient's current form, in Chromium at 1280 and 390 px:
// masked TINs, the masked PDF for every reader, the filing copy for admins only (recorded).
const PASSWORD = 'a long test password';
// The list comes from GET /tax-forms (the tax-core branch): until it is merged there is no list.
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

describe.skipIf(!haveBrowser)('the Tax forms page in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let tenant: Tenant;
  let ada: { recipientId: string; form: TaxForm };
  let lukasz: { recipientId: string; form: TaxForm };
  let emailId: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({ sandboxDelayMs: 0, publicUrl: base });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    await t.app.listen({ port, host: '127.0.0.1' });
    for (const role of ['admin', 'manager', 'accountant', 'employee'] as const) {
      await createUser(t.db, t.config, { organizationId: t.defaultOrganizationId, email: `${role}@example.com`, password: PASSWORD, role, createdBy: null });
    }
    const key = await t.createKey('sandbox');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'sandbox' };
    const add = async (firstName: string, lastName: string, email: string) => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName, lastName, email, shouldCollectTaxInfo: true }] },
      });
      expect(response.statusCode).toBe(201);
      return response.json().data.recipients[0].id as string;
    };
    const adaId = await add('Ada', 'Lovelace', 'ada@example.com');
    // Ada signed twice: an older W-9 (an EIN) superseded by the current one.
    await insertSignedForm(t.db, tenant, TEST_ENCRYPTION_KEYS, adaId, { ...W9, tinType: 'ein', tin: '987654321' });
    await supersedeCurrentTaxForm(t.db, tenant, adaId);
    ada = { recipientId: adaId, form: await insertSignedForm(t.db, tenant, TEST_ENCRYPTION_KEYS, adaId, W9) };
    const lukaszId = await add('Łukasz', 'Nowak', 'lukasz@example.com');
    lukasz = { recipientId: lukaszId, form: await insertSignedForm(t.db, tenant, TEST_ENCRYPTION_KEYS, lukaszId, W8BEN) };
    emailId = await t.db.transaction((tx) => queueTaxFormReceivedEmail(tx, tenant, ada.form, W9, TEST_ENCRYPTION_KEYS));
    await drain(testWorker(t));
    browser = await launchChromium();
    // axe is injected as an inline script, which the dashboard's CSP rightly refuses: tests only.
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true, bypassCSP: true });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  const signInAs = (role: string) => signInToDashboard(page, base, role, PASSWORD);

  /** Clicks a download button and answers the text of the PDF it saved. */
  async function downloadedText(button: ReturnType<Page['getByRole']>): Promise<string> {
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    return pdfText(new Uint8Array(readFileSync((await download.path())!)));
  }

  /** axe-core's serious and critical violations on the page as it is now (the populated page; the accessibility suite sees the empty one). */
  async function axeViolations(): Promise<string[]> {
    await page.addScriptTag({ path: AXE });
    return page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }
      ).axe;
      const { violations } = await axe.run(document);
      return violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
  }

  const row = (form: TaxForm) => page.locator(`tr[data-tax-form-id="${form.id}"]`);

  it('lists the forms to an admin with masked TINs, the masked PDF and the recorded filing copy', async () => {
    await signInAs('admin');
    await page.getByRole('link', { name: 'Tax forms' }).click();
    await page.getByTestId('tax-forms-table').waitFor();
    await expect.poll(() => page.locator('[data-tax-form-id]').count()).toBe(3);
    await expect.poll(() => row(ada.form).textContent()).toContain('***-**-6789');
    expect(await row(ada.form).locator('[data-form-state="current"]:visible').count()).toBe(1);
    expect(await page.locator('[data-form-state="superseded"]:visible').count()).toBe(1);
    expect(await row(lukasz.form).textContent()).toContain('W-8BEN');
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).not.toContain('123-45-6789');
    expect(body).not.toContain('987654321');
    await shot('170-tax-forms-admin');
    expect(await axeViolations()).toEqual([]);

    const masked = await downloadedText(row(ada.form).getByRole('button', { name: /Download the PDF/ }));
    expect(masked).toContain('Ada Lovelace');
    expect(masked).toContain('***-**-6789');
    expect(masked).not.toContain('123-45-6789');
    expect(await listSensitiveDownloads(t.db, tenant)).toHaveLength(0);

    const filing = await downloadedText(row(ada.form).getByRole('button', { name: /Download the filing copy/ }));
    expect(filing).toContain('Filing copy - full TIN');
    expect(filing).toContain('123-45-6789');
    const [admin] = await t.db.query<{ id: string }>(`select id from users where email = 'admin@example.com'`);
    const downloads = await listSensitiveDownloads(t.db, tenant);
    expect(downloads).toHaveLength(1);
    expect(downloads[0]).toMatchObject({ kind: 'tax_form_filing_copy', subject: ada.form.id, userId: admin!.id });
  });

  it("shows a recipient's current form on its page", async () => {
    await page.goto(`${base}/#/recipients/${ada.recipientId}`);
    const current = page.getByTestId('current-tax-form');
    await current.waitFor();
    const text = (await current.textContent()) ?? '';
    expect(text).toContain('W-9');
    expect(text).toContain('***-**-6789');
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('203.0.113.7');
    expect(text).not.toContain('**-***4321'); // the superseded form is not the current one
    await shot('171-recipient-tax-form');
    expect(await axeViolations()).toEqual([]);
  });

  it("lists the email's attachment on the Emails page", async () => {
    await page.goto(`${base}/#/emails/${emailId}`);
    await page.getByTestId('email-attachments').waitFor();
    expect(await page.getByTestId('email-attachments').textContent()).toContain('Form W-9 (TIN masked).pdf');
    await shot('172-email-with-tax-form');
  });

  it('gives managers and accountants the masked PDF but no filing copy, and employees no page', async () => {
    for (const role of ['manager', 'accountant']) {
      await signInAs(role);
      await page.getByRole('link', { name: 'Tax forms' }).click();
      await page.getByTestId('tax-forms-table').waitFor();
      await expect.poll(() => page.locator('[data-tax-form-id]').count()).toBe(3);
      expect(await page.getByTestId('filing-copy').count()).toBe(0);
      const masked = await downloadedText(row(lukasz.form).getByRole('button', { name: /Download the PDF/ }));
      expect(masked).toContain('Lukasz Nowak');
      expect(masked).not.toContain('1985-07-14');
    }
    await shot('173-tax-forms-accountant');
    await signInAs('employee');
    expect(await page.getByRole('link', { name: 'Tax forms' }).count()).toBe(0);
    await page.goto(`${base}/#/tax-forms`);
    await page.getByTestId('forbidden').waitFor();
    await shot('174-tax-forms-employee');
  });

  it('fits a 390 px phone: the list and the recipient page, nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signInAs('admin');
    await page.goto(`${base}/#/tax-forms`);
    await page.getByTestId('tax-forms-table').waitFor();
    await expect.poll(() => page.locator('[data-tax-form-id]').count()).toBe(3);
    // The state moves under the name; the copies stay on screen.
    expect(await page.locator('[data-form-state="superseded"]:visible').count()).toBe(1);
    const copies = await row(ada.form).getByTestId('filing-copy').boundingBox();
    expect(copies!.x + copies!.width).toBeLessThanOrEqual(390);
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot('175-tax-forms-phone');
    expect(await axeViolations()).toEqual([]);
    await page.goto(`${base}/#/recipients/${lukasz.recipientId}`);
    await page.getByTestId('current-tax-form').waitFor();
    expect(await page.getByTestId('current-tax-form').textContent()).toContain('Expires');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot('176-recipient-tax-form-phone');
  });
});
