import { existsSync, writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/modules/users/users.service.js';
import { workerTasks } from '../../src/worker/tasks.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker.js';
import { createTestApp, type TestApp } from '../harness.js';
import { startReceiver, type Receiver } from '../receiver.js';
import { type SmtpSink, startSmtpSink } from '../smtp-sink.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';

// On CI the browser is installed by .ci/run and these tests must run; elsewhere they need it too.

describe.skipIf(!haveBrowser)('dashboard in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let worker: RunningWorker;
  let receiver: Receiver;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ sandboxDelayMs: 150, workerPollMs: 50, smtpUrl: smtp.url });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    worker = startWorker({ db: t.db, config: t.config, log: t.app.log as never }, workerTasks(t.config));
    receiver = await startReceiver();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await receiver?.close();
    await t?.close();
    await smtp?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  it('creates the first admin on first visit, only with the setup token the server printed', async () => {
    const setupToken = (await issueSetupToken(t.db))!;
    await page.goto(base);
    await page.getByTestId('setup').waitFor();
    await page.getByLabel('Setup token').fill('a-guessed-token');
    await page.getByLabel('Email').fill('evil@example.com');
    await page.getByLabel('Password').fill('a long admin password');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('setup token');
    await shot('01-setup-wrong-token');

    await page.goto(`${base}/?setup=${setupToken}`);
    await page.getByTestId('setup-token-from-link').waitFor();
    await expect(page.getByLabel('Setup token').count()).resolves.toBe(0);
    await shot('01-setup');
    await page.getByLabel('Email').fill('admin@example.com');
    await page.getByLabel('Password').fill('a long admin password');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    // The landing page is the overview; the payouts are one click away.
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(page.url()).not.toContain('setup=');
    await page.goto(`${base}/#/payouts`);
    await page.getByRole('heading', { name: 'Payouts', exact: true }).waitFor();
    await expect(page.getByTestId('sandbox-banner').isVisible()).resolves.toBe(true);
    await shot('02-payouts-empty');
  });

  it('generates an API key that works, then revokes it so the API refuses it', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Key name').fill('Payroll server');
    await page.getByRole('button', { name: 'Generate' }).click();
    const key = (await page.getByTestId('new-key-value').textContent())!.trim();
    expect(key).toMatch(/^sk_test_/);
    await shot('03-settings-new-key');
    const ok = await fetch(`${base}/balance`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('keys-table').getByRole('button', { name: 'Revoke' }).first().click();
    await page.getByText('Revoked', { exact: false }).first().waitFor();
    const refused = await fetch(`${base}/balance`, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(401);
  });

  it('validates a CSV per row, creates the batch once, and shows the payout reach completed', async () => {
    await page.goto(`${base}/#/payouts/new`);
    const csv = 'email,amount,description,reference\njordan@example.com,250.00,October design work,inv_1042\nnot-an-email,12.5,,bad\n';
    await page.getByTestId('csv-input').setInputFiles({ name: 'payouts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const checks = page.getByTestId('row-check');
    await expect(checks.nth(1).textContent()).resolves.toContain('not a valid email');
    await expect(page.getByRole('button', { name: 'Create batch' }).isDisabled()).resolves.toBe(true);
    await shot('04-new-batch-invalid');
    // Row numbers are the file's (the header is row 1); a confirmation comes before paying.
    await page.getByRole('button', { name: 'Remove row 3' }).click();
    await expect(checks.first().textContent()).resolves.toContain('OK');
    await page.getByRole('button', { name: 'Create batch' }).click();
    await page.getByRole('button', { name: 'Pay $250.00' }).dblclick();
    await page.getByTestId('batch-payouts').waitFor();
    const [{ n }] = (await t.db.query<{ n: bigint }>('select count(*)::bigint as n from batches')) as [{ n: bigint }];
    expect(n).toBe(1n);

    await page.goto(`${base}/#/payouts`);
    for (let i = 0; i < 50; i++) {
      await page.reload();
      await page.getByTestId('payouts-table').waitFor();
      if ((await page.locator('[data-status="completed"]').count()) > 0) break;
      await page.waitForTimeout(200);
    }
    await expect(page.locator('[data-status="completed"]').count()).resolves.toBe(1);
    await shot('05-payouts-completed');
    await page.getByRole('link', { name: 'jordan@example.com' }).click();
    await page.getByTestId('timeline').waitFor();
    await expect(page.getByTestId('timeline').textContent()).resolves.toMatch(/Created[\s\S]*Pending[\s\S]*Processing[\s\S]*Completed/);
    await shot('06-payout-detail');
  });

  it('adds a webhook subscription against a local receiver and shows the handshake result', async () => {
    await page.goto(`${base}/#/webhooks`);
    await page.getByLabel('Callback URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Verify and add' }).click();
    await expect(page.getByTestId('webhook-secret').textContent()).resolves.toContain('whsec_');
    expect(receiver.requests.some((r) => r.body.type === 'url_verification')).toBe(true);
    await shot('07-webhooks');
    receiver.handshakeWith(() => ({ status: 500 }));
    await page.getByLabel('Callback URL').fill(`${receiver.url}/other`);
    await page.getByRole('button', { name: 'Verify and add' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Callback URL verification failed: received status 500');
  });

  it('shows balances, batches and recipients as pages', async () => {
    for (const [route, name] of [
      ['balance', '08-balance'],
      ['batches', '09-batches'],
      ['recipients', '10-recipients'],
    ] as const) {
      await page.goto(`${base}/#/${route}`);
      await page.getByRole('heading', { name: route[0]!.toUpperCase() + route.slice(1) }).waitFor();
      await page.waitForLoadState('networkidle');
      await shot(name);
    }
    await expect(page.getByText('Nothing here').count()).resolves.toBe(0);
  });

  it('keeps a role without permission out of Settings, in the page and on the server', async () => {
    await page.goto(`${base}/#/users`);
    await page.getByLabel('User email').fill('emp@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('employee');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('cell', { name: 'emp@example.com' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByTestId('login').waitFor();

    // The invitee chooses a password from the emailed link, and is signed in.
    await expect.poll(() => smtp.messages.filter((m) => JSON.stringify(m.to).includes('emp@example.com')).length, { timeout: 10_000 }).toBe(1);
    const invitation = smtp.messages.find((m) => JSON.stringify(m.to).includes('emp@example.com'))!;
    const link = /https?:\/\/\S+\/#\/set-password\?token=[\w%-]+/.exec(invitation.text ?? '')![0];
    // Opened as from the email: a fresh page load, not a hash change inside the signed-out app.
    await page.goto('about:blank');
    await page.goto(`${base}/${new URL(link).hash}`);
    await page.getByLabel('New password', { exact: true }).fill('employee password');
    await page.getByLabel('Repeat the new password').fill('employee password');
    await page.getByRole('button', { name: 'Save password and sign in' }).click();
    await page.getByText('Your role has no pages yet').waitFor();
    await expect(page.getByRole('link', { name: 'Settings' }).count()).resolves.toBe(0);
    await page.goto(`${base}/#/settings`);
    await page.getByTestId('forbidden').waitFor();
    await shot('11-employee-forbidden');
    const status = await page.evaluate(async () => (await fetch('/api-keys')).status);
    expect(status).toBe(403);
  });

  it('lets any role change their password from the top bar; the old one stops working', async () => {
    // Still signed in as the employee from the previous test.
    await page.getByTestId('account-link').click();
    await page.getByTestId('change-password').waitFor();
    await page.getByLabel('Current password').fill('employee password');
    await page.getByLabel('New password', { exact: true }).fill('password12');
    await page.getByLabel('New password again').fill('password12');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('too easy to guess');
    await page.getByLabel('New password', { exact: true }).fill('quiet orchard bicycle lamp');
    await page.getByLabel('New password again').fill('quiet orchard bicycle lamp');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByTestId('password-changed').waitFor();
    await shot('12-password-changed');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.getByTestId('login').waitFor();
    await page.getByLabel('Email').fill('emp@example.com');
    await page.getByLabel('Password').fill('employee password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password');
    await page.getByLabel('Password').fill('quiet orchard bicycle lamp');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Your role has no pages yet').waitFor();
  });
});

// Keep a note of where the screenshots are for whoever reads the CI log.
afterAll(() => {
  if (existsSync(ARTIFACTS)) writeFileSync(`${ARTIFACTS}README.txt`, 'Screenshots of the main dashboard pages, taken by test/browser/dashboard.test.ts.\n');
});
