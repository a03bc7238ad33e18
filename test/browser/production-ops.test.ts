import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/users/users.service.js';
import type { RunningWorker } from '../../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { drain, expectLedgerConsistent, testWorker } from '../payout-helpers.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';

// Production run from the web (issue #14), in Chromium: an admin writes the funding instructions,
// records a deposit (once, even when submitted again), reverses one, and marks a manual payout
// paid; on a phone-sized window too, where another is marked failed with a reason. A manager sees
// the instructions and may settle, but not record deposits.
const PASSWORD = 'a long test password';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

describe.skipIf(!haveBrowser)('production operations in the dashboard, in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let key: string;
  let worker: RunningWorker;

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  }

  /** A production payout; with a payout method the recipient is ready and it goes `pending` on the manual rail. */
  async function payout(email: string, amount: number, options: { ready: boolean }) {
    const created = await call('POST', '/recipients', { recipients: [{ firstName: 'Ana', lastName: 'Lima', email, autoAcceptPayouts: true }] });
    expect(created.status).toBe(201);
    const recipientId = created.body.data.recipients[0].id;
    if (options.ready) expect((await call('PUT', `/recipients/${recipientId}/payout-method`, { type: 'paypal', email })).status).toBe(200);
    const paid = await call('POST', '/payments', { payouts: [{ recipientId, amount, description: 'Design work' }] });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    await drain(worker);
    const id = paid.body.data.payouts[0].id as string;
    expect((await call('GET', `/payments/${id}`)).body.data).toMatchObject(
      options.ready ? { status: 'pending', rail: 'manual' } : { status: 'awaiting_acceptance', rail: null },
    );
    return id;
  }

  beforeAll(async () => {
    t = await createTestApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    worker = testWorker(t);
    for (const role of ['admin', 'manager'] as const) {
      await createUser(t.db, t.config, { organizationId: t.defaultOrganizationId, email: `${role}@example.com`, password: PASSWORD, role, createdBy: null });
    }
    key = await t.createKey('production');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // Switching to production may ask for a confirmation; the operator means it.
    page.on('dialog', (dialog) => void dialog.accept());
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  const go = async (hash: string) => {
    await page.evaluate((target) => {
      location.hash = target;
    }, hash);
  };
  const available = () => page.getByTestId('available').textContent();
  const toast = () => page.getByTestId('toast');

  async function signIn(role: string) {
    if ((await page.getByRole('button', { name: 'Sign out' }).count()) > 0) await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(base);
    await page.getByTestId('login').waitFor();
    await page.getByLabel('Email').fill(`${role}@example.com`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const production = page.getByRole('button', { name: 'Production', exact: true });
    if ((await production.getAttribute('aria-pressed')) !== 'true') await production.click();
    await expect.poll(() => production.getAttribute('aria-pressed')).toBe('true');
  }

  it('shows the funding instructions an admin writes, as plain text, with the organization id', async () => {
    await signIn('admin');
    await go('#/balance');
    await page.getByTestId('funding-instructions').waitFor();
    await expect(available()).resolves.toBe('$0.00');
    await page.getByRole('button', { name: 'Edit instructions' }).click();
    await page
      .getByLabel(/Funding instructions/)
      .fill('Wire to First Bank of Examples\nRouting 011000015 · Account 123456789\n<b>Reference</b>: your organization id');
    await page.getByRole('button', { name: 'Save instructions' }).click();
    await expect.poll(() => toast().textContent()).toBe('Funding instructions saved.');
    const shown = page.getByTestId('funding-instructions');
    await expect(shown.locator('.funding-text').textContent()).resolves.toContain('<b>Reference</b>: your organization id');
    await expect(shown.locator('b').count()).resolves.toBe(0);
    await expect(page.getByTestId('org-id').textContent()).resolves.toBe(t.defaultOrganizationId);
    await shot('90-balance-funding-instructions');
  });

  it('records a deposit after a confirmation, credits it once, and reverses another with a reason', async () => {
    await page.getByLabel('Amount received ($)').fill('5,000.00');
    await page.getByLabel('Bank reference').fill('WIRE-9001');
    // A fixed day: the form's default (the browser's today) would differ for a resubmission after midnight.
    await page.getByLabel('Date received').fill('2026-11-30');
    await page.getByRole('button', { name: 'Review deposit' }).click();
    await page.getByTestId('confirm-deposit').waitFor();
    await expect(page.getByTestId('confirm-deposit').textContent()).resolves.toMatch(/\$5,000\.00 received on 2026-11-30, bank reference WIRE-9001/);
    await shot('91-deposit-confirm');
    await page.getByRole('button', { name: 'Record deposit' }).click();
    await expect.poll(() => toast().textContent()).toBe('Deposit recorded.');
    await expect.poll(available).toBe('$5,000.00');
    await expect(page.getByTestId('deposits').locator('tbody tr').count()).resolves.toBe(1);

    // The same bank reference again (a double submit, or a colleague): nothing is added.
    await page.getByLabel('Amount received ($)').fill('5000');
    await page.getByLabel('Bank reference').fill('wire-9001');
    await page.getByLabel('Date received').fill('2026-11-30');
    await page.getByRole('button', { name: 'Review deposit' }).click();
    await page.getByRole('button', { name: 'Record deposit' }).click();
    await expect.poll(() => toast().textContent()).toBe('Bank reference WIRE-9001 was already recorded; nothing was added.');
    await expect.poll(available).toBe('$5,000.00');
    await expect(page.getByTestId('deposits').locator('tbody tr').count()).resolves.toBe(1);

    await page.getByLabel('Amount received ($)').fill('10');
    await page.getByLabel('Bank reference').fill('WIRE-TYPO');
    await page.getByRole('button', { name: 'Review deposit' }).click();
    await page.getByRole('button', { name: 'Record deposit' }).click();
    await expect.poll(available).toBe('$5,010.00');
    await page.locator('tr[data-reference="WIRE-TYPO"]').getByRole('button', { name: 'Reverse' }).click();
    await page.getByTestId('confirm-reverse').getByLabel('Reason').fill('Entered by mistake');
    await page.getByRole('button', { name: 'Reverse deposit' }).click();
    await expect.poll(() => toast().textContent()).toBe('Deposit reversed.');
    await expect.poll(available).toBe('$5,000.00');
    const typo = page.locator('tr[data-reference="WIRE-TYPO"]');
    await expect(typo.textContent()).resolves.toContain('Reversed');
    await expect(typo.textContent()).resolves.toContain('Entered by mistake');
    await expect(typo.getByRole('button', { name: 'Reverse' }).count()).resolves.toBe(0);
    await expect(page.getByTestId('all-transactions').getAttribute('href')).resolves.toBe('#/transactions');
    await shot('92-deposits');
    await expectLedgerConsistent(t.db);
  });

  it('marks a manual payout paid after a confirmation, recording who; refused moves show no button', async () => {
    const waiting = await payout('waiting@example.com', 1_000, { ready: false });
    const id = await payout('ana@example.com', 25_000, { ready: true });
    await go(`#/payouts/${waiting}`);
    await page.getByTestId('rail').waitFor();
    await expect(page.getByRole('button', { name: /Mark as/ }).count()).resolves.toBe(0);

    await go(`#/payouts/${id}`);
    await expect.poll(() => page.getByTestId('rail').textContent()).toContain('Manual');
    await expect(page.getByRole('button', { name: 'Mark as returned' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Mark as paid' }).click();
    await page.getByTestId('confirm-settle').waitFor();
    await shot('93-settle-confirm');
    await page.getByRole('button', { name: 'Confirm: mark as paid' }).click();
    await expect.poll(() => toast().textContent()).toBe('Payout marked as paid.');
    await expect.poll(() => page.locator('.page-head [data-status]').first().getAttribute('data-status')).toBe('completed');
    await expect(page.getByTestId('timeline').textContent()).resolves.toContain('recorded by admin@example.com');
    await expect(page.getByRole('button', { name: 'Mark as paid' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Mark as returned' }).count()).resolves.toBe(1);
    await shot('94-payout-marked-paid');
    expect((await call('GET', '/balance')).body.data).toMatchObject({ available: 5_000_00 - 25_000 - 1_000, held: 1_000, paidOut: 25_000 });
    await expectLedgerConsistent(t.db);
  });

  it('works at phone width: the balance page, and marking a payout failed with a reason', async () => {
    await page.setViewportSize(PHONE);
    await go('#/balance');
    await page.getByTestId('deposit-form').waitFor();
    await shot('95-balance-phone');
    const id = await payout('bo@example.com', 700, { ready: true });
    await go(`#/payouts/${id}`);
    await page.getByRole('button', { name: 'Mark as failed' }).click();
    await page.getByTestId('confirm-settle').getByLabel('Reason').fill('PayPal account closed');
    await shot('96-settle-failed-phone');
    await page.getByRole('button', { name: 'Confirm: mark as failed' }).click();
    await expect.poll(() => toast().textContent()).toBe('Payout marked as failed.');
    // On a phone the toast sits at the bottom, one line or two high: it must not cover the page.
    const box = (await toast().boundingBox())!;
    expect(box.height).toBeLessThan(100);
    expect(box.y).toBeGreaterThan(PHONE.height / 2);
    await expect.poll(() => page.getByTestId('timeline').textContent()).toContain('PayPal account closed');
    await expect(page.getByRole('button', { name: /Mark as/ }).count()).resolves.toBe(0);
    // Everything the operator needs fits the width: nothing of these pages scrolls sideways.
    for (const selector of ['[data-testid="timeline"]', '.facts', '.page-head']) {
      const right = await page
        .locator(selector)
        .first()
        .evaluate((node) => node.getBoundingClientRect().right);
      expect(right, selector).toBeLessThanOrEqual(PHONE.width);
    }
    await shot('97-payout-failed-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('lets a manager read the instructions and settle, but not record or reverse deposits', async () => {
    await signIn('manager');
    await go('#/balance');
    await page.getByTestId('funding-instructions').waitFor();
    await expect(page.getByTestId('funding-instructions').textContent()).resolves.toContain('Wire to First Bank of Examples');
    await expect(page.getByTestId('deposit-form').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Reverse' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Edit instructions' }).count()).resolves.toBe(0);
    await shot('98-balance-manager');
    const id = await payout('cy@example.com', 300, { ready: true });
    await go(`#/payouts/${id}`);
    await page.getByRole('button', { name: 'Mark as paid' }).waitFor();
  });
});
