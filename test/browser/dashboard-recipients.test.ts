import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/users/users.service.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';
import { signInAs as signInToDashboard } from './dashboard-sign-in.js';

// The dashboard's recipients: status and masked payout method in the list, the "Action needed"
// filter, a recipient's page with its method history, Edit and Resend invitation, in Chromium.
const PASSWORD = 'a long test password';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

describe.skipIf(!haveBrowser)('recipients in the dashboard, in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let key: string;
  const ids: Record<string, string> = {};

  /** The API as an integrator calls it, with the sandbox key. */
  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  beforeAll(async () => {
    t = await createTestApp({ sandboxDelayMs: 0 });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    for (const role of ['admin', 'accountant'] as const) {
      await createUser(t.db, t.config, { organizationId: t.defaultOrganizationId, email: `${role}@example.com`, password: PASSWORD, role, createdBy: null });
    }
    key = await t.createKey('sandbox');
    const created = await call('POST', '/recipients', {
      recipients: [
        { firstName: 'Ana', lastName: 'Lima', email: 'ana@example.com' },
        { firstName: 'Ben', lastName: 'Okafor', email: 'ben@example.com' },
        { firstName: 'Cleo', lastName: 'Park', email: 'cleo@example.com' },
        { firstName: 'Dev', lastName: 'Rao', email: 'dev@example.com' },
      ],
    });
    expect(created.status).toBe(201);
    for (const r of created.body.data.recipients) ids[r.email.split('@')[0]] = r.id;
    // Ana gives her bank account to the business; Cleo gets PayPal; Dev's method is set, then
    // removed, so Dev needs to act; Ben was only invited.
    const bank = {
      type: 'us_bank_account',
      accountHolderName: 'Ana Lima',
      accountHolderType: 'individual',
      routingNumber: '011000015',
      accountNumber: '000123456789',
      accountType: 'checking',
    };
    expect((await call('PUT', `/recipients/${ids.ana}/payout-method`, bank)).status).toBe(200);
    expect((await call('PUT', `/recipients/${ids.cleo}/payout-method`, { type: 'paypal', email: 'jcleo@example.com' })).status).toBe(200);
    expect((await call('PUT', `/recipients/${ids.dev}/payout-method`, { type: 'paypal', email: 'dev@example.com' })).status).toBe(200);
    expect((await call('DELETE', `/recipients/${ids.dev}/payout-method`)).status).toBeLessThan(300);
    const paid = await call('POST', '/payments', { payouts: [{ payeeEmail: 'ana@example.com', amount: 12_500, description: 'October design work' }] });
    expect(paid.status).toBe(201);

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  /** Nothing wider than the screen: the page itself never scrolls sideways (tables scroll in their box). */
  const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);

  const signInAs = (role: string) => signInToDashboard(page, base, role, PASSWORD);

  /** The table's rows as "email | status | method". */
  async function listedRows(): Promise<string[]> {
    await page.getByTestId('recipients-table').or(page.locator('.empty')).first().waitFor();
    return page
      .getByTestId('recipients-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('a')!, tr.children[2]!, tr.children[3]!].map((cell) => cell.textContent!.trim()).join(' | ')));
  }

  it('lists each recipient with its status and its payout method, masked', async () => {
    await signInAs('admin');
    await page.getByRole('link', { name: 'Recipients', exact: true }).click();
    await page.getByRole('heading', { name: 'Recipients' }).waitFor();
    expect((await listedRows()).sort()).toEqual([
      'ana@example.com | Ready | Bank ••••6789',
      'ben@example.com | Invited | —',
      'cleo@example.com | Ready | PayPal j***@example.com',
      'dev@example.com | Action needed | —',
    ]);
    // No full account number anywhere in the page.
    await expect(page.locator('body').textContent()).resolves.not.toContain('123456789');
    await shot('40-recipients-status');
  });

  it('filters "Action needed" through the API, by keyboard, and back to all', async () => {
    const asked = page.waitForRequest((r) => r.url().includes('/recipients?') && r.url().includes('status=action_needed'));
    const button = page.getByTestId('status-filter').getByRole('button', { name: 'Action needed' });
    await button.focus();
    await page.keyboard.press('Enter');
    await asked;
    // The list re-renders when the filtered answer arrives.
    await expect.poll(() => button.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(listedRows).toEqual(['dev@example.com | Action needed | —']);
    await shot('41-recipients-action-needed');
    await page.getByTestId('status-filter').getByRole('button', { name: 'All' }).click();
    await expect.poll(async () => (await listedRows()).length).toBe(4);
  });

  it("shows a recipient's method, its history (who and when) and its payouts", async () => {
    await page.getByRole('link', { name: 'ana@example.com' }).click();
    await page.getByRole('heading', { name: 'Ana Lima' }).waitFor();
    await expect(page.getByTestId('payout-method').textContent()).resolves.toBe('Bank ••••6789');
    const history = page.getByTestId('method-history');
    await expect(history.locator('tbody tr').count()).resolves.toBe(1);
    await expect(history.textContent()).resolves.toMatch(
      /Bank ••••6789[\s\S]*Ana Lima · Individual · Checking · routing 011000015[\s\S]*by API key “test key”[\s\S]*Active/,
    );
    await expect(page.getByTestId('recipient-payouts').textContent()).resolves.toContain('$125.00');
    await expect(page.locator('body').textContent()).resolves.not.toContain('123456789');
    await shot('42-recipient-detail');

    await page.goto(`${base}/#/recipients/${ids.dev}`);
    await page.getByRole('heading', { name: 'Dev Rao' }).waitFor();
    await expect(page.getByTestId('action-needed').textContent()).resolves.toContain('Action needed');
    await expect(page.getByTestId('payout-method').textContent()).resolves.toBe('—');
    await expect(page.getByTestId('method-history').textContent()).resolves.toMatch(
      /PayPal d\*\*\*@example\.com[\s\S]*by API key “test key”[\s\S]*Removed[\s\S]*by API key “test key”/,
    );
    await shot('43-recipient-action-needed');
  });

  it('shows a replaced method as replaced, and the hold it puts on payouts', async () => {
    const replaced = await call('PUT', `/recipients/${ids.cleo}/payout-method`, {
      type: 'us_bank_account',
      accountHolderName: 'Park Studio LLC',
      accountHolderType: 'business',
      routingNumber: '021000021',
      accountNumber: '98765432',
      accountType: 'savings',
    });
    expect(replaced.status).toBe(200);
    await page.goto(`${base}/#/recipients/${ids.cleo}`);
    await page.getByRole('heading', { name: 'Cleo Park' }).waitFor();
    await expect(page.getByTestId('payout-method').textContent()).resolves.toBe('Bank ••••5432');
    const rows = page.getByTestId('method-history').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.nth(0).textContent()).resolves.toMatch(/Bank ••••5432[\s\S]*Park Studio LLC · Business · Savings[\s\S]*Active/);
    await expect(rows.nth(1).textContent()).resolves.toMatch(/PayPal j\*\*\*@example\.com[\s\S]*Replaced[\s\S]*by API key “test key”/);
    await expect(page.getByTestId('payouts-held').textContent()).resolves.toContain('the payout method was replaced');
    await shot('43b-recipient-method-replaced');
  });

  it('edits a recipient by keyboard, refuses an emptied name in words, and saves what changed', async () => {
    await page.goto(`${base}/#/recipients/${ids.ben}`);
    await page.getByRole('heading', { name: 'Ben Okafor' }).waitFor();
    await page.getByTestId('edit-recipient-button').focus();
    await page.keyboard.press('Enter');
    // The form opens with the first field focused; Escape closes it and focus returns to "Edit".
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('edit-firstName');
    await page.keyboard.press('Escape');
    await page.getByTestId('edit-recipient').waitFor({ state: 'detached' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('edit-recipient-button');

    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('edit-firstName');
    await page.getByLabel('First name').fill(' ');
    await page.getByLabel('First name').press('Enter');
    await expect(page.getByTestId('edit-problem').textContent()).resolves.toBe('First name cannot be emptied once set.');
    await expect(page.getByLabel('First name').getAttribute('aria-invalid')).resolves.toBe('true');

    // A refusal from the API shows its envelope's message, the field named by its label, and
    // focus moves to that field; nothing is saved.
    await page.getByLabel('First name').fill('Benjamin');
    await page.getByLabel('Nickname').fill('Benji\u0000');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => page.getByTestId('edit-problem').textContent())
      .toBe('Nickname contains a character that is not allowed (NUL or an unpaired UTF-16 surrogate).');
    await expect(page.getByLabel('Nickname').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('edit-nickname');
    await shot('44-recipient-edit-refused');
    expect((await call('GET', `/recipients/${ids.ben}`)).body.data).toMatchObject({ firstName: 'Ben', nickname: null });

    await page.getByLabel('Nickname').fill('Benji');
    await page.getByLabel('Accept payouts automatically').check();
    await page.getByLabel('Collect tax information').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('recipient-saved').waitFor();
    await page.getByRole('heading', { name: 'Benjamin Okafor' }).waitFor();
    const facts = (await page.getByTestId('recipient-facts').textContent())!;
    expect(facts).toMatch(/Nickname\s*Benji/);
    expect(facts).toMatch(/Auto-accepts payouts\s*Yes/);
    expect(facts).toMatch(/Collects tax information\s*Yes/);
    const { body } = await call('GET', `/recipients/${ids.ben}`);
    expect(body.data).toMatchObject({ firstName: 'Benjamin', lastName: 'Okafor', nickname: 'Benji', autoAcceptPayouts: true, shouldCollectTaxInfo: true });

    // Clearing the nickname sends null: the API forgets it.
    await page.getByTestId('edit-recipient-button').click();
    await page.getByLabel('Nickname').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('recipient-saved').waitFor();
    expect((await call('GET', `/recipients/${ids.ben}`)).body.data.nickname).toBeNull();
  });

  it('resends the invitation; the email is queued for that recipient', async () => {
    const button = page.getByTestId('invite-recipient');
    await button.click();
    await expect(page.getByTestId('invite-sent').textContent()).resolves.toContain('Invitation queued for ben@example.com');
    await expect(button.textContent()).resolves.toBe('Resend invitation');
    // The notice is still on screen from the first click: wait for the second invitation's answer.
    await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/recipients/${ids.ben}/invite`) && r.request().method() === 'POST'), button.click()]);
    await page.getByTestId('invite-sent').waitFor();
    const emails = await call('GET', `/emails?recipientId=${ids.ben}`);
    expect(emails.body.data.filter((e: { template: string }) => e.template === 'onboarding_invitation')).toHaveLength(2);
    await shot('45-recipient-invited');
  });

  it('fits a 390 px phone: the list, the filter, the page and the edit form', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${base}/#/recipients`);
    await page.getByTestId('recipients-table').waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('46-recipients-phone');
    await page.getByTestId('status-filter').getByRole('button', { name: 'Action needed' }).click();
    await expect.poll(async () => (await listedRows()).length).toBe(1);
    await shot('47-recipients-action-needed-phone');
    await page.goto(`${base}/#/recipients/${ids.ana}`);
    await page.getByTestId('method-history').waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('48-recipient-detail-phone');
    await page.getByTestId('edit-recipient-button').click();
    await page.getByTestId('edit-recipient').waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('49-recipient-edit-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('shows an accountant status and method, but no Edit, no invitation, no adding', async () => {
    await signInAs('accountant');
    await page.goto(`${base}/#/recipients`);
    await expect.poll(async () => (await listedRows()).length).toBe(4);
    await expect(page.getByTestId('add-recipient').count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'ana@example.com' }).click();
    await expect(page.getByTestId('payout-method').textContent()).resolves.toBe('Bank ••••6789');
    await page.getByTestId('method-history').waitFor();
    await expect(page.getByTestId('edit-recipient-button').count()).resolves.toBe(0);
    await expect(page.getByTestId('invite-recipient').count()).resolves.toBe(0);
    await shot('50-recipient-accountant');
    // The server refuses it too, with the session's own CSRF token: the role is what it refuses.
    const refused = await page.evaluate(async (id) => {
      const { data } = await (await fetch('/auth/session')).json();
      const headers = { 'content-type': 'application/json', 'x-payouts-environment': 'sandbox', 'x-csrf-token': data.csrfToken };
      const answer = await fetch(`/recipients/${id}`, { method: 'PATCH', headers, body: '{"nickname":"x"}' });
      return { status: answer.status, code: (await answer.json()).error.code };
    }, ids.ana);
    expect(refused).toEqual({ status: 403, code: 'forbidden' });
  });
});
