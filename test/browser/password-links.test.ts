import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../../src/modules/users/users.service.js';
import { workerTasks } from '../../src/worker/tasks.js';
import { type RunningWorker, startWorker } from '../../src/worker/worker.js';
import { createTestApp, type TestApp } from '../harness.js';
import { type SmtpSink, startSmtpSink } from '../smtp-sink.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';

// Invitation and password reset end to end in Chromium: the links are read from the messages a
// real SMTP server received, in production mode with SMTP_URL set.

const ADMIN = { email: 'admin@example.com', password: 'a long admin password' };

describe.skipIf(!haveBrowser)('set-password links in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let smtp: SmtpSink;
  let worker: RunningWorker;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url, workerPollMs: 50 });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    worker = startWorker({ db: t.db, config: t.config, log: t.app.log as never }, workerTasks(t.config));
    const setupToken = await issueSetupToken(t.db);
    expect((await t.app.inject({ method: 'POST', url: '/auth/setup', payload: { ...ADMIN, setupToken } })).statusCode).toBe(201);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await t?.close();
    await smtp?.stop();
  });

  async function newPage(width: number, height: number): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return { context, page };
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  /** Waits (polling the sink, which the running worker feeds) for the `nth` message to `to`; answers its link, on this server. */
  async function linkFromMail(to: string, nth: number): Promise<string> {
    await expect
      .poll(() => smtp.messages.filter((m) => JSON.stringify(m.to).includes(to)).length, { timeout: 10_000, interval: 50 })
      .toBeGreaterThanOrEqual(nth);
    const message = smtp.messages.filter((m) => JSON.stringify(m.to).includes(to))[nth - 1]!;
    const link = /https?:\/\/\S+\/#\/set-password\?token=[\w%-]+/.exec(message.text ?? '')![0];
    // PUBLIC_URL names the configured port; the test server listens on its own.
    return `${base}/${new URL(link).hash}`;
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(base);
    await page.getByTestId('login').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('invitation: the admin invites, the invitee opens the emailed link, chooses a password and is signed in', async () => {
    const { context: adminContext, page: adminPage } = await newPage(1280, 860);
    await signIn(adminPage, ADMIN.email, ADMIN.password);
    await adminPage.getByRole('link', { name: 'Users', exact: true }).click();
    await expect(adminPage.getByLabel('First password').count()).resolves.toBe(0);
    await adminPage.getByLabel('User email').fill('mia@example.com');
    await adminPage.getByLabel('Role', { exact: true }).selectOption('manager');
    await adminPage.getByRole('button', { name: 'Send invitation' }).click();
    await expect(adminPage.getByTestId('invitation-sent').textContent()).resolves.toContain('mia@example.com');
    await adminPage.getByTestId('user-pending').waitFor();
    await shot(adminPage, '20-users-invitation-sent');
    // A resend voids the first link: only the second one works.
    adminPage.once('dialog', (dialog) => void dialog.accept());
    await adminPage.getByRole('button', { name: 'Resend invitation' }).click();
    const firstLink = await linkFromMail('mia@example.com', 1);
    const secondLink = await linkFromMail('mia@example.com', 2);
    expect(secondLink).not.toBe(firstLink);

    const { context, page } = await newPage(390, 844);
    await page.goto(firstLink);
    await page.getByTestId('set-password').waitFor();
    expect(page.url()).not.toContain('token=');
    await page.getByLabel('New password', { exact: true }).fill('amber falcon meadow 27');
    await page.getByLabel('Repeat the new password').fill('amber falcon meadow 27');
    await page.getByRole('button', { name: 'Save password and sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('invalid, expired or already used');

    await page.goto(secondLink);
    await page.getByTestId('set-password').waitFor();
    await page.getByLabel('New password', { exact: true }).fill('amber falcon meadow 27');
    await page.getByLabel('Repeat the new password').fill('amber falcon meadow 72');
    await page.getByRole('button', { name: 'Save password and sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The two passwords differ');
    await page.getByLabel('New password', { exact: true }).fill('password12');
    await page.getByLabel('Repeat the new password').fill('password12');
    await page.getByRole('button', { name: 'Save password and sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('too easy to guess');
    await shot(page, '21-set-password-weak-390');
    await page.getByLabel('New password', { exact: true }).fill('amber falcon meadow 27');
    await page.getByLabel('Repeat the new password').fill('amber falcon meadow 27');
    await page.getByRole('button', { name: 'Save password and sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await expect(page.getByText('mia@example.com · manager').isVisible()).resolves.toBe(true);
    await shot(page, '22-invited-user-signed-in-390');

    await adminPage.reload();
    await adminPage.getByTestId('users-table').waitFor();
    await expect(adminPage.getByTestId('user-pending').count()).resolves.toBe(0);
    await context.close();
    await adminContext.close();
  });

  it('password reset: "Forgot password?" → email → link → new password → signed in; the old password is refused', async () => {
    for (const [width, height, suffix] of [
      [1280, 860, 'desktop'],
      [390, 844, '390'],
    ] as const) {
      const { context, page } = await newPage(width, height);
      const before = smtp.messages.filter((m) => JSON.stringify(m.to).includes('mia@example.com')).length;
      const oldPassword = suffix === 'desktop' ? 'amber falcon meadow 27' : 'cobalt willow orchard 58';
      const newPassword = suffix === 'desktop' ? 'cobalt willow orchard 58' : 'harbor tulip granite 64';
      await page.goto(base);
      await page.getByTestId('login').waitFor();
      await shot(page, `23-sign-in-forgot-link-${suffix}`);
      await page.getByTestId('forgot-link').click();
      await page.getByTestId('forgot-password').waitFor();
      await page.getByLabel('Email').fill('mia@example.com');
      await page.getByRole('button', { name: 'Email me a link' }).click();
      await expect(page.getByTestId('reset-requested').textContent()).resolves.toContain('If mia@example.com belongs to a dashboard user');
      await shot(page, `24-reset-requested-${suffix}`);

      await page.goto(await linkFromMail('mia@example.com', before + 1));
      await page.getByTestId('set-password').waitFor();
      await shot(page, `25-set-password-${suffix}`);
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('Repeat the new password').fill(newPassword);
      await page.getByRole('button', { name: 'Save password and sign in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await shot(page, `26-reset-signed-in-${suffix}`);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByTestId('login').waitFor();
      await page.getByLabel('Email').fill('mia@example.com');
      await page.getByLabel('Password').fill(oldPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password');
      await page.getByLabel('Password').fill(newPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await context.close();
    }
  });

  it('asks for an unknown email the same way, and no email leaves', async () => {
    const before = smtp.messages.length;
    const { context, page } = await newPage(1280, 860);
    await page.goto(`${base}/#/forgot-password`);
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await expect(page.getByTestId('reset-requested').textContent()).resolves.toContain('If nobody@example.com belongs to a dashboard user');
    const [{ n }] = (await t.db.query<{ n: bigint }>(`select count(*)::bigint as n from emails where to_address = 'nobody@example.com'`)) as [{ n: bigint }];
    expect(n).toBe(0n);
    expect(smtp.messages.length).toBe(before);
    await context.close();
  });
});
