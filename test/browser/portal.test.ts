import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerTasks } from '../../src/worker/tasks.js';
import { type RunningWorker, startWorker } from '../../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { ARTIFACTS, freePort, haveBrowser, launchChromium } from './chromium.js';

// The recipient portal in Chromium, at desktop width and at 390 px: from the payout email's link
// to the code (read from the sandbox's captured mailbox, as an integrator would) to the portal.

const SIZES = [
  [1280, 860, 'desktop'],
  [390, 844, '390'],
] as const;

describe.skipIf(!haveBrowser)('the recipient portal in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let worker: RunningWorker;
  let key: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({ sandboxDelayMs: 0, workerPollMs: 50, publicUrl: base });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    await t.app.listen({ port, host: '127.0.0.1' });
    worker = startWorker({ db: t.db, config: t.config, log: t.app.log as never }, workerTasks(t.config));
    key = await t.createKey('sandbox');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await t?.close();
  });

  async function newPage(width: number, height: number): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    return { context, page };
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  /** The captured emails of the sandbox, as GET /emails shows them to a sandbox key. */
  async function mailbox(recipientId: string, subjectStart: string): Promise<{ text: string }[]> {
    const listed = (await t.app.inject({ method: 'GET', url: `/emails?recipientId=${recipientId}`, headers: bearer(key) })).json().data as {
      subject: string;
      text: string;
    }[];
    return listed.filter((e) => e.subject.startsWith(subjectStart));
  }
  async function waitForMail(recipientId: string, subjectStart: string, count: number): Promise<string> {
    await expect.poll(async () => (await mailbox(recipientId, subjectStart)).length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(count);
    return (await mailbox(recipientId, subjectStart))[0]!.text;
  }

  it('payout email → link → "Email me a code" → code → the payout and the list of payouts, by keyboard, at both widths', async () => {
    for (const [width, height, suffix] of SIZES) {
      const payee = `sandbox+awaiting_acceptance@${suffix}.example`;
      const created = await t.app.inject({
        method: 'POST',
        url: '/payments',
        headers: bearer(key),
        payload: {
          payouts: [
            { payeeEmail: payee, amount: 25_000, description: 'Logo design, March' },
            { payeeEmail: payee, amount: 4_000 },
          ],
        },
      });
      expect(created.statusCode).toBe(201);
      const payoutId = created.json().data.payouts[0].id;
      const payment = (await t.app.inject({ method: 'GET', url: `/payments/${payoutId}`, headers: bearer(key) })).json().data;
      const recipientId = payment.recipient.id;
      const newPayoutMail = await waitForMail(recipientId, 'Acme Studios sent you', 1);
      const link = /https?:\/\/\S+\/p\/\S+/.exec(newPayoutMail)![0];

      const { context, page } = await newPage(width, height);
      await page.goto(link);
      await page.getByRole('heading', { name: /Acme Studios sent you \$(250|40)\.00/ }).waitFor();
      await expect(page.getByText('Sandbox: no real money moves').isVisible()).resolves.toBe(true);
      await expect(fitsWidth(page)).resolves.toBe(true);
      await shot(page, `40-portal-payout-link-${suffix}`);

      // Keyboard only: Tab to the button, Enter; the code field has the focus on arrival.
      const button = page.getByRole('button', { name: 'Email me a code' });
      for (let i = 0; i < 10 && !(await button.evaluate((b) => b === document.activeElement)); i++) await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByLabel('Email code').waitFor();
      await expect(page.getByLabel('Email code').evaluate((input) => input === document.activeElement)).resolves.toBe(true);
      const codeMail = await waitForMail(recipientId, 'Your code:', 1);
      const code = /Your code is (\d{6})/.exec(codeMail)![1]!;

      await page.keyboard.type(code === '000000' ? '111111' : '000000');
      await page.keyboard.press('Enter');
      await expect(page.getByRole('alert').textContent()).resolves.toContain('That code is not right');
      await expect(fitsWidth(page)).resolves.toBe(true);
      await shot(page, `41-portal-wrong-code-${suffix}`);

      await page.getByLabel('Email code').fill(code);
      await page.getByLabel('Email code').press('Enter');
      await page.getByTestId('timeline').waitFor();
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/\$(250|40)\.00/);
      await expect(page.getByTestId('timeline').textContent()).resolves.toContain('Waiting for you');
      await expect(fitsWidth(page)).resolves.toBe(true);
      await shot(page, `42-portal-payout-${suffix}`);

      await page.getByRole('link', { name: '← All your payouts' }).click();
      await page.getByRole('heading', { name: 'Your payouts from Acme Studios' }).waitFor();
      await expect(page.getByTestId('payout-list').getByRole('link').count()).resolves.toBe(2);
      await expect(page.getByText('2 payouts are waiting for you.').isVisible()).resolves.toBe(true);
      await expect(fitsWidth(page)).resolves.toBe(true);
      await shot(page, `43-portal-home-${suffix}`);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
      await page.goto(`${base}/portal`);
      await page.getByRole('heading', { name: 'Please open your link again' }).waitFor();
      await context.close();
    }
    expect(cspViolations).toEqual([]);
  });

  it('the whole onboarding from the email link: name and country, bank account typed twice, auto-accept, then Accept or Decline', async () => {
    for (const [width, height, suffix] of SIZES) {
      const payee = `sandbox+awaiting_acceptance@onboard-${suffix}.example`;
      const created = await t.app.inject({
        method: 'POST',
        url: '/payments',
        headers: bearer(key),
        payload: { payouts: [{ payeeEmail: payee, amount: 12_000, description: 'Illustrations' }] },
      });
      const payoutId = created.json().data.payouts[0].id;
      const recipientId = (await t.app.inject({ method: 'GET', url: `/payments/${payoutId}`, headers: bearer(key) })).json().data.recipient.id;
      expect((await t.app.inject({ method: 'POST', url: `/recipients/${recipientId}/invite`, headers: bearer(key) })).statusCode).toBe(202);
      const invitation = await waitForMail(recipientId, 'Acme Studios invites you', 1);
      const link = /https?:\/\/\S+\/r\/\S+/.exec(invitation)![0];

      const { context, page } = await newPage(width, height);
      await page.goto(link);
      await page.getByRole('heading', { name: 'Welcome' }).waitFor();
      await shot(page, `45-portal-welcome-${suffix}`);
      await page.getByRole('button', { name: 'Email me a code' }).click();
      const code = /Your code is (\d{6})/.exec(await waitForMail(recipientId, 'Your code:', 1))![1]!;
      await page.getByLabel('Email code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('Finish setting up to get paid.').waitFor();
      await shot(page, `46-portal-home-setup-${suffix}`);
      await page.getByRole('link', { name: 'Start' }).click();

      await page.getByLabel('First name').fill('Ana');
      await page.getByLabel('Last name').fill('Lima');
      await page.getByLabel('Country').selectOption('US');
      await shot(page, `47-portal-profile-${suffix}`);
      await page.getByRole('button', { name: 'Save and continue' }).click();

      await page.getByRole('heading', { name: 'How you want to be paid' }).waitFor();
      await page.getByLabel('Account holder name').fill('Ana Lima');
      await page.getByLabel('Individual').check();
      await page.getByLabel('Routing number').fill('011000015');
      await page.getByLabel('Account number', { exact: true }).fill('000123456789');
      await page.getByLabel('Confirm account number').fill('000123456780');
      await page.getByLabel('Savings').check();
      await page.getByRole('button', { name: 'Save and continue' }).first().click();
      const mismatch = page.locator('#accountNumberConfirmation-error');
      await expect(mismatch.textContent()).resolves.toBe('The two account numbers differ. Type the same account number twice.');
      await expect(page.getByLabel('Confirm account number').getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(page.getByLabel('Account number', { exact: true }).inputValue()).resolves.toBe('');
      await expect(fitsWidth(page)).resolves.toBe(true);
      await shot(page, `48-portal-method-mismatch-${suffix}`);
      await page.getByLabel('Account number', { exact: true }).fill('000123456789');
      await page.getByLabel('Confirm account number').fill('000123456789');
      await page.getByRole('button', { name: 'Save and continue' }).first().click();

      await page.getByLabel('Accept future payouts automatically').waitFor();
      await shot(page, `49-portal-auto-accept-${suffix}`);
      await page.getByRole('button', { name: 'Finish' }).click();
      await page.getByTestId('details').waitFor();
      await expect(page.getByTestId('details').textContent()).resolves.toContain('a savings account ending in 6789');
      await expect(page.getByTestId('details').textContent()).resolves.toContain('Ana Lima · United States');
      await expect(page.content()).resolves.not.toContain('000123456789');
      await expect(fitsWidth(page)).resolves.toBe(true);
      await shot(page, `50-portal-home-ready-${suffix}`);

      await page.getByTestId('payout-list').getByRole('link').first().click();
      await page.getByTestId('timeline').waitFor();
      if (suffix === 'desktop') {
        await page.getByRole('button', { name: 'Accept' }).click();
        await page.getByText('You accepted this payout.').waitFor();
        await shot(page, `51-portal-accepted-${suffix}`);
        expect((await t.app.inject({ method: 'GET', url: `/payments/${payoutId}`, headers: bearer(key) })).json().data.status).not.toBe('awaiting_acceptance');
      } else {
        await page.getByRole('button', { name: 'Decline' }).click();
        await page.getByRole('heading', { name: 'Decline $120.00 from Acme Studios?' }).waitFor();
        await shot(page, `51-portal-decline-confirm-${suffix}`);
        await page.getByRole('button', { name: 'Decline' }).click();
        await page.getByText('You declined this payout.').waitFor();
        await shot(page, `52-portal-declined-${suffix}`);
        const payment = (await t.app.inject({ method: 'GET', url: `/payments/${payoutId}`, headers: bearer(key) })).json().data;
        expect(payment.status).toBe('canceled');
        expect(payment.statusUpdates.at(-1).reason).toBe('Declined by the recipient');
      }
      await context.close();
    }
    expect(cspViolations).toEqual([]);
  });

  it('a tampered link shows the 404 page', async () => {
    const { context, page } = await newPage(390, 844);
    const response = await page.goto(`${base}/p/01a22db1-7228-7630-ac6e-ba3f945691f7.AAAAAAAAAAAAAAAAAAAAAAAA`);
    expect(response!.status()).toBe(404);
    await page.getByRole('heading', { name: 'This link is not valid' }).waitFor();
    await shot(page, '44-portal-not-found-390');
    await context.close();
  });
});
