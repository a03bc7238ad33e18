import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/users/users.service.js';
import type { RunningWorker } from '../../src/worker/worker.js';
import { bearer, createTestApp, signInAs, type TestApp } from '../harness.js';
import { drain, testWorker } from '../payout-helpers.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';

// In production a payout waits in awaiting_acceptance until its recipient has a payout method. An
// operator without SMTP sets one from the recipient's page; the worker then moves the payout on.
const PASSWORD = 'a long test password';
const ACCOUNT_NUMBER = '000123456789';

describe.skipIf(!haveBrowser)('setting a payout method from the dashboard, in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let key: string;
  let worker: RunningWorker;
  const dialogs: string[] = [];

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  }

  /** A production recipient with no method and a payout waiting for one. */
  async function waitingRecipient(email: string) {
    const created = await call('POST', '/recipients', { recipients: [{ firstName: 'Ana', lastName: 'Lima', email, autoAcceptPayouts: true }] });
    expect(created.status).toBe(201);
    const recipientId = created.body.data.recipients[0].id as string;
    const paid = await call('POST', '/payments', { payouts: [{ recipientId, amount: 12_500, description: 'Design work' }] });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    await drain(worker);
    const payoutId = paid.body.data.payouts[0].id as string;
    expect((await call('GET', `/payments/${payoutId}`)).body.data).toMatchObject({ status: 'awaiting_acceptance' });
    return { recipientId, payoutId };
  }

  beforeAll(async () => {
    t = await createTestApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    worker = testWorker(t);
    await createUser(t.db, t.config, {
      organizationId: t.defaultOrganizationId,
      email: 'admin@example.com',
      password: PASSWORD,
      role: 'admin',
      createdBy: null,
    });
    key = await t.createKey('production');
    // Money to pay with: a deposit recorded as the bank received it.
    const funded = await t.app.inject({
      method: 'POST',
      url: '/balance/deposits',
      headers: (await signInAs(t, 'admin'))(),
      payload: { amount: 1_000_000, bankReference: 'WIRE-1', receivedOn: '2026-11-30' },
    });
    expect(funded.statusCode, funded.body).toBe(201);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    page.setDefaultTimeout(10_000);
    // The switch to production and the save both ask first; the operator means it.
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await t?.close();
  });

  async function signIn() {
    if ((await page.getByRole('button', { name: 'Sign out' }).count()) > 0) await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(base);
    await page.getByTestId('login').waitFor();
    await page.getByLabel('Email').fill('admin@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const production = page.getByRole('button', { name: 'Production', exact: true });
    if ((await production.getAttribute('aria-pressed')) !== 'true') await production.click();
    await expect.poll(() => production.getAttribute('aria-pressed')).toBe('true');
  }

  for (const [suffix, viewport, first] of [
    ['desktop', { width: 1280, height: 860 }, 140],
    ['phone', { width: 390, height: 844 }, 143],
  ] as const) {
    it(`an admin sets a bank account and the waiting payout moves on (${suffix})`, async () => {
      const shot = (n: number, name: string) => page.screenshot({ path: `${ARTIFACTS}${n}-recipient-method-${name}-${suffix}.png`, fullPage: true });
      await page.setViewportSize(viewport);
      const { recipientId, payoutId } = await waitingRecipient(`ana-${suffix}@example.com`);
      await signIn();
      await page.evaluate((target) => {
        location.hash = target;
      }, `#/recipients/${recipientId}`);
      await page.getByTestId('set-method-button').click();
      const form = page.getByTestId('method-form');
      await form.getByLabel('Account holder name').fill('Ana Lima');
      await form.getByLabel('Holder type').selectOption('individual');
      await form.getByLabel('Account type').selectOption('checking');
      await form.getByLabel('Routing number').fill('011000016');
      await form.getByLabel('Account number').fill(ACCOUNT_NUMBER);
      await expect(form.getByLabel('Account number').getAttribute('autocomplete')).resolves.toBe('off');
      await form.getByRole('button', { name: 'Save payout method' }).click();

      // The API's refusal shows beside the field it names, and nothing was saved.
      await expect.poll(() => page.getByTestId('method-problem-routingNumber').textContent()).toContain('check digit');
      await expect(form.getByLabel('Routing number').getAttribute('aria-invalid')).resolves.toBe('true');
      expect((await call('GET', `/recipients/${recipientId}`)).body.data.payoutMethod).toBeNull();
      await shot(first, 'bad-routing');

      dialogs.length = 0;
      await form.getByLabel('Routing number').fill('011000015');
      await form.getByRole('button', { name: 'Save payout method' }).click();
      await expect.poll(() => page.getByTestId('toast').textContent()).toBe('Payout method saved.');
      expect(dialogs).toEqual(['Pay Ana Lima to the account ending 6789 from now on?']);
      await expect.poll(() => page.getByTestId('current-method').textContent()).toContain('6789');
      await expect(page.getByTestId('method-form').count()).resolves.toBe(0);
      // Masked everywhere: the full number is neither in the page's markup nor in its text.
      expect(await page.content()).not.toContain(ACCOUNT_NUMBER);
      expect(await page.evaluate(() => document.body.textContent)).not.toContain(ACCOUNT_NUMBER);
      expect(await page.evaluate(() => [...document.querySelectorAll('input')].map((i) => i.value))).not.toContain(ACCOUNT_NUMBER);
      await shot(first + 1, 'saved');

      // The worker moves the waiting payout on; the page shows it Pending once loaded again.
      await drain(worker);
      expect((await call('GET', `/payments/${payoutId}`)).body.data).toMatchObject({ status: 'pending', rail: 'manual' });
      await page.reload();
      const status = page.locator(`[data-payout-id="${payoutId}"] [data-status]`);
      await expect.poll(() => status.textContent()).toBe('Pending');
      expect(await page.content()).not.toContain(ACCOUNT_NUMBER);
      await shot(first + 2, 'pending');
    });
  }

  it('hides the form for a recipient who set their own method, and says why', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    const created = await call('POST', '/recipients', { recipients: [{ firstName: 'Cleo', lastName: 'Park', email: 'cleo@example.com' }] });
    const recipientId = created.body.data.recipients[0].id as string;
    expect((await call('PUT', `/recipients/${recipientId}/payout-method`, { type: 'paypal', email: 'cleo@example.com' })).status).toBe(200);
    // As if Cleo had chosen it in the portal (the portal's code-by-email sign-in is covered elsewhere).
    await t.db.query(`update payout_methods set set_by_kind = 'recipient', set_by_id = null where recipient_id = $1`, [recipientId]);
    await t.db.query('update recipients set method_ever_set_by_recipient = true where id = $1', [recipientId]);
    expect((await call('PUT', `/recipients/${recipientId}/payout-method`, { type: 'paypal', email: 'other@example.com' })).status).toBe(409);
    await signIn();
    await page.evaluate((target) => {
      location.hash = target;
    }, `#/recipients/${recipientId}`);
    await expect
      .poll(() => page.getByTestId('method-managed-by-recipient').textContent())
      .toBe('cleo@example.com manages their own payout method in the portal.');
    await expect(page.getByTestId('set-method-button').count()).resolves.toBe(0);
  });
});
