import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/users/users.service.js';
import { workerTasks } from '../../src/worker/tasks.js';
import { type RunningWorker, startWorker } from '../../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { ARTIFACTS, freePort, haveBrowser, launchChromium } from './chromium.js';
import { signInAs as signInToDashboard } from './dashboard-sign-in.js';

// The dashboard's Emails page, the recipient's invite button and the sender settings, in Chromium.
const PASSWORD = 'a long test password';
const PAYEES = ['ana@example.com', 'ben@example.com', 'cleo@example.com'];

/** A free port, so PUBLIC_URL (and so every link in the emails) points at this very server. */
describe.skipIf(!haveBrowser)('the Emails page in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let worker: RunningWorker;
  let sandboxKey: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({ sandboxDelayMs: 0, workerPollMs: 50, publicUrl: base });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    await t.app.listen({ port, host: '127.0.0.1' });
    worker = startWorker({ db: t.db, config: t.config, log: t.app.log as never }, workerTasks(t.config));
    for (const role of ['admin', 'manager', 'accountant'] as const) {
      await createUser(t.db, t.config, { organizationId: t.defaultOrganizationId, email: `${role}@example.com`, password: PASSWORD, role, createdBy: null });
    }
    sandboxKey = await t.createKey('sandbox');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // The email's own HTML may use inline styles the dashboard's CSP refuses (harmless); anything
    // else refused by the CSP would mean the page itself broke it.
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy/i.test(text) && !/inline style/i.test(text)) cspViolations.push(text);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  const signInAs = (role: string) => signInToDashboard(page, base, role, PASSWORD);

  /** The listed emails the worker has captured, as "to | subject". */
  async function capturedRows(): Promise<string[]> {
    await page.getByTestId('emails-table').or(page.getByText('No emails')).first().waitFor();
    const rows = page
      .getByTestId('emails-table')
      .locator('tbody tr')
      .filter({ has: page.locator('[data-email-status="captured"]') });
    return (await rows.evaluateAll((trs) => trs.map((tr) => `${tr.children[0]!.textContent!.trim()} | ${tr.children[1]!.textContent!.trim()}`))).sort();
  }

  /** Refreshes the list until the worker (on its own loop) has captured what `done` waits for. */
  async function waitForCaptured(done: (rows: string[]) => boolean): Promise<string[]> {
    for (let i = 0; i < 100; i++) {
      const rows = await capturedRows();
      if (done(rows)) return rows;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForLoadState('networkidle');
    }
    throw new Error(`the expected emails were not captured: ${(await capturedRows()).join(', ')}`);
  }

  it('lists one captured email per payee of a sandbox batch, and opens one with a working payout link', async () => {
    const created = await fetch(`${base}/payments`, {
      method: 'POST',
      headers: { ...bearer(sandboxKey), 'content-type': 'application/json' },
      body: JSON.stringify({ payouts: PAYEES.map((payeeEmail, i) => ({ payeeEmail, amount: 10_000 * (i + 1), description: `Invoice ${i + 1}` })) }),
    });
    expect(created.status).toBe(201);

    await signInAs('admin');
    await page.getByRole('link', { name: 'Emails', exact: true }).click();
    await page.getByRole('heading', { name: 'Emails' }).waitFor();
    const newPayout = (rows: string[]) => rows.filter((r) => r.includes('Acme Studios sent you'));
    const rows = await waitForCaptured((r) => newPayout(r).length >= PAYEES.length);
    expect(newPayout(rows)).toEqual([
      'ana@example.com | Acme Studios sent you $100.00',
      'ben@example.com | Acme Studios sent you $200.00',
      'cleo@example.com | Acme Studios sent you $300.00',
    ]);
    await expect(page.getByTestId('captured-banner').textContent()).resolves.toContain('Sandbox emails are captured');
    await shot('20-emails');

    await page.getByRole('link', { name: 'Acme Studios sent you $200.00', exact: true }).click();
    await page.getByTestId('email-facts').waitFor();
    const facts = (await page.getByTestId('email-facts').textContent())!;
    expect(facts).toContain('ben@example.com');
    expect(facts).toContain('Acme Studios <payouts@localhost>');
    expect(facts).toContain('Captured');
    await expect(page.getByTestId('email-text').textContent()).resolves.toContain('$200.00 — Invoice 2');
    // The HTML part is shown in a frame that can run nothing and reach nothing.
    const frame = page.getByTestId('email-html');
    await expect(frame.getAttribute('sandbox')).resolves.toBe('');
    const inner = page.frames().find((f) => f !== page.mainFrame())!;
    await expect(inner.locator('body').textContent()).resolves.toContain('Acme Studios sent you $200.00');
    await shot('21-email-detail');

    const link = page.getByTestId('email-links').getByRole('link');
    await expect(link.count()).resolves.toBe(1);
    const href = (await link.getAttribute('href'))!;
    expect(href.startsWith(`${base}/p/`)).toBe(true);
    const [hosted] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await hosted.waitForLoadState();
    expect(hosted.url()).toBe(href);
    await expect(hosted.locator('h1').textContent()).resolves.toBe('Acme Studios sent you $200.00');
    await expect(hosted.locator('body').textContent()).resolves.toContain('Invoice 2');
    await hosted.screenshot({ path: `${ARTIFACTS}22-hosted-payout.png`, fullPage: true });
    await hosted.close();

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('email-facts').waitFor();
    const phoneFrame = page.frames().find((f) => f !== page.mainFrame())!;
    await expect(phoneFrame.locator('body').textContent()).resolves.toContain('Invoice 2');
    await shot('23-email-detail-phone');
    // Chromium paints an out-of-process frame only once it has been on screen.
    await page.getByTestId('email-html').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}23b-email-html-phone.png` });
    await page.goto(`${base}/#/emails`);
    await page.getByTestId('emails-table').waitFor();
    await shot('24-emails-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(cspViolations).toEqual([]);
  });

  it('invites a recipient from its page, then offers to resend; the invitation shows in its emails', async () => {
    await page.goto(`${base}/#/emails`);
    await page.getByRole('link', { name: 'Acme Studios sent you $100.00', exact: true }).click();
    await page.getByRole('link', { name: 'Recipient', exact: true }).click();
    const button = page.getByTestId('invite-recipient');
    await expect(button.textContent()).resolves.toBe('Invite');
    await button.click();
    await expect(page.getByTestId('invite-sent').textContent()).resolves.toContain('Invitation queued for ana@example.com');
    await expect(button.textContent()).resolves.toBe('Resend invitation');
    await shot('25-recipient-invited');
    await page.getByTestId('recipient-emails').click();
    await page.getByTestId('recipient-filter').waitFor();
    const rows = await waitForCaptured((r) => r.some((row) => row.includes('invites you')));
    expect(rows).toContain('ana@example.com | Acme Studios invites you to get paid');
    expect(rows).toContain('ana@example.com | Acme Studios sent you $100.00');
    expect(rows.every((row) => row.startsWith('ana@example.com | '))).toBe(true);
  });

  it('shows an undeliverable recipient with a clear badge, in the list and on its page', async () => {
    await t.db.query(`update recipients set email_undeliverable = true where email = 'cleo@example.com'`);
    await page.goto(`${base}/#/recipients`);
    await page.getByRole('link', { name: 'cleo@example.com' }).waitFor();
    await expect(page.getByTestId('undeliverable-badge').count()).resolves.toBe(1);
    await page.getByRole('link', { name: 'cleo@example.com' }).click();
    await expect(page.getByTestId('undeliverable').textContent()).resolves.toContain('permanently refused');
    await shot('26-recipient-undeliverable');
  });

  it('says production emails are captured, not sent, while SMTP_URL is unset', async () => {
    await page.goto(`${base}/#/emails`);
    // Switching to production asks first (real money): yes.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Production' }).click();
    const banner = page.getByTestId('captured-banner');
    await expect(banner.textContent()).resolves.toMatch(/captured, not sent[\s\S]*hidden/);
    await shot('27-emails-production-captured');
    await page.getByRole('button', { name: 'Sandbox' }).click();
  });

  it('lets the admin set the sender in Settings and refuses an address in the name', async () => {
    await page.goto(`${base}/#/settings`);
    await page.getByLabel('Sender name').fill('Acme <payouts@bank.example>');
    await page.getByRole('button', { name: 'Save sender' }).click();
    await expect(page.getByTestId('sender-settings').getByRole('alert').textContent()).resolves.toContain('cannot contain an address');
    await page.getByLabel('Sender name').fill('Acme Payouts');
    await page.getByLabel('Reply-to address').fill('help@acme.example');
    await page.getByRole('button', { name: 'Save sender' }).click();
    await page.getByTestId('sender-saved').waitFor();
    await shot('28-settings-sender');
    // Emails show the new sender from now on.
    const list = await (await fetch(`${base}/emails?limit=1`, { headers: bearer(sandboxKey) })).json();
    expect(list.data[0]).toMatchObject({ from: 'Acme Payouts <payouts@localhost>', replyTo: 'help@acme.example' });
  });

  it('shows the page to a manager but not to an accountant, in the page and on the server', async () => {
    await signInAs('manager');
    await page.getByRole('link', { name: 'Emails', exact: true }).click();
    await page.getByTestId('emails-table').waitFor();
    await expect(page.getByTestId('sender-settings').count()).resolves.toBe(0);
    await page.goto(`${base}/#/settings`);
    await page.getByTestId('generate-key').waitFor();
    await expect(page.getByTestId('sender-settings').count()).resolves.toBe(0);

    await signInAs('accountant');
    await expect(page.getByRole('link', { name: 'Emails', exact: true }).count()).resolves.toBe(0);
    await page.goto(`${base}/#/emails`);
    await page.getByTestId('forbidden').waitFor();
    await shot('29-accountant-no-emails');
    const status = await page.evaluate(async () => (await fetch('/emails', { headers: { 'x-payouts-environment': 'sandbox' } })).status);
    expect(status).toBe(403);
    // Nor may it invite: the button is not there.
    await page.goto(`${base}/#/recipients`);
    await page.getByRole('link', { name: 'ben@example.com' }).click();
    await page.getByRole('heading', { name: 'ben@example.com' }).waitFor();
    await expect(page.getByTestId('invite-recipient').count()).resolves.toBe(0);
  });
});
