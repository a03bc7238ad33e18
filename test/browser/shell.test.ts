import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';
import { ADMIN, DESKTOP, PHONE, pageWidth, type SeededDashboard, seededDashboard, signIn } from './seeded-dashboard.js';

// The dashboard's frame in Chromium: the overview, an expired session, a server out of reach, the
// LIVE marker, and the phone layout. Screenshots 110–129.
describe.skipIf(!haveBrowser)('the dashboard shell in a real browser', () => {
  let d: SeededDashboard;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    d = await seededDashboard();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  const nav = () => page.getByRole('navigation', { name: 'Pages' });
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  it('lands on the overview after sign-in: balances, the 30-day chart with its table, and what needs attention', async () => {
    await signIn(page, d.base);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/');
    await expect(page.getByRole('navigation', { name: 'Pages' }).getByRole('link').first().textContent()).resolves.toBe('Overview');
    await expect(page.getByTestId('overview-balances').textContent()).resolves.toContain('Paid out');
    await expect(page.getByRole('img', { name: /Payouts created per day over the last 30 days: 4 in all/ }).count()).resolves.toBe(1);
    const statusRow = (status: string) => page.getByTestId('status-table').locator(`[data-status-row="${status}"] td`).first().textContent();
    await expect(statusRow('completed')).resolves.toBe('2');
    await expect(statusRow('failed')).resolves.toBe('1');
    await expect(page.getByTestId('failing-webhooks').textContent()).resolves.toContain(d.receiver.url);
    await expect(page.getByTestId('failed-emails').textContent()).resolves.toContain('550 5.1.1');
    await shot('110-overview-desktop');
    // The first Tab reaches the skip link, which moves the focus to the page's content.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to main content');
    await expect(page.getByRole('link', { name: 'Skip to main content' }).isVisible()).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main-content');
    await page.getByTestId('recent-problems').getByRole('link', { name: 'sandbox+failed@example.com' }).click();
    await page.getByTestId('timeline').waitFor();
    expect(page.url()).toContain(`#/payouts/${d.ids.failedPayout}`);
  });

  it('sends an expired session to sign-in with a message, and back to the same page after', async () => {
    await page.goto(`${d.base}/#/batches/${d.ids.batch}`);
    await page.getByTestId('batch-payouts').waitFor();
    // The session ends on the server (expired, or signed out elsewhere).
    await d.t.db.query('delete from sessions');
    await nav().getByRole('link', { name: 'Payouts', exact: true }).click();
    await page.getByTestId('sign-in-notice').waitFor();
    await expect(page.getByTestId('sign-in-notice').textContent()).resolves.toBe('Your session expired — sign in again.');
    await expect(page.getByText('Missing API key').count()).resolves.toBe(0);
    await shot('111-session-expired');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Payouts', exact: true }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/payouts');

    // The cookie gone (the server answers "Missing API key" then): the same message, never that one.
    await page.goto(`${d.base}/#/recipients/${d.ids.recipient}`);
    await page.getByRole('heading', { name: 'jordan@example.com' }).waitFor();
    await context.clearCookies();
    // A reload without the cookie: the sign-in page, and after it the page the address names.
    await page.reload();
    await page.getByTestId('login').waitFor();
    await signIn(page, d.base, `#/recipients/${d.ids.recipient}`);
    await page.getByRole('heading', { name: 'jordan@example.com' }).waitFor();
    await context.clearCookies();
    await nav().getByRole('link', { name: 'Batches', exact: true }).click();
    await page.getByTestId('sign-in-notice').waitFor();
    await expect(page.getByText('Missing API key').count()).resolves.toBe(0);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Batches', exact: true }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/batches');
  });

  it('shows a banner with Retry when the server cannot be reached, and Retry runs the page again', async () => {
    await page.route('**/overview', (route) => route.abort('connectionrefused'));
    await nav().getByRole('link', { name: 'Overview', exact: true }).click();
    const banner = page.getByTestId('connection-banner');
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toContain('The server could not be reached');
    await expect(page.getByRole('heading', { name: 'Overview' }).count()).resolves.toBe(0);
    await shot('112-server-unreachable');
    await page.unroute('**/overview');
    await banner.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await expect(banner.count()).resolves.toBe(0);

    // A proxy answering 503 for a server that is down is the same to the user.
    await page.route('**/balance', (route) => route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>Service Unavailable</h1>' }));
    await nav().getByRole('link', { name: 'Balance', exact: true }).click();
    await banner.waitFor();
    await page.unroute('**/balance');
    await banner.getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('balances').waitFor();
    await expect(banner.count()).resolves.toBe(0);
  });

  it('asks before switching to production, then marks every page LIVE', async () => {
    await nav().getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('button', { name: 'Production' }).click();
    expect(asked).toEqual(['Switch to production? Changes move real money.']);
    await expect(page.getByTestId('live-marker').count()).resolves.toBe(0);
    await expect(page.getByTestId('sandbox-banner').isVisible()).resolves.toBe(true);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Production' }).click();
    await page.getByTestId('live-marker').waitFor();
    await expect(page.getByTestId('live-marker').textContent()).resolves.toBe('LIVE');
    await expect(page.getByTestId('live-banner').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('sandbox-banner').count()).resolves.toBe(0);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('No payout failed or came back.').waitFor();
    await shot('113-production-live');
    await nav().getByRole('link', { name: 'Payouts', exact: true }).click();
    await page.getByRole('heading', { name: 'Payouts', exact: true }).waitFor();
    await expect(page.getByTestId('live-marker').isVisible()).resolves.toBe(true);
    // Back to the sandbox needs no confirmation.
    let dialogs = 0;
    page.on('dialog', () => dialogs++);
    await page.getByRole('button', { name: 'Sandbox' }).click();
    await page.getByTestId('sandbox-banner').waitFor();
    expect(dialogs).toBe(0);
  });

  it('folds the nav behind a Menu button at 390 px; every page fits the screen', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${d.base}/#/overview`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const menu = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Pages' });
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    await expect(nav.isVisible()).resolves.toBe(false);
    await shot('114-overview-phone');
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await menu.click();
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(nav.getByRole('link', { name: 'Recipients' }).isVisible()).resolves.toBe(true);
    await shot('115-menu-open-phone');
    await nav.getByRole('link', { name: 'Recipients' }).click();
    await page.getByRole('heading', { name: 'Recipients', exact: true }).waitFor();
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    await expect(nav.isVisible()).resolves.toBe(false);

    const pages: [string, string, string][] = [
      ['#/payouts', 'payouts', 'Payouts'],
      [`#/payouts/${d.ids.payout}`, 'payout', 'jordan@example.com'],
      ['#/payouts/new', 'new-batch', 'New batch'],
      ['#/batches', 'batches', 'Batches'],
      [`#/batches/${d.ids.batch}`, 'batch', 'Batch'],
      ['#/recipients', 'recipients', 'Recipients'],
      [`#/recipients/${d.ids.recipient}`, 'recipient', 'jordan@example.com'],
      ['#/emails', 'emails', 'Emails'],
      [`#/emails/${d.ids.email}`, 'email', ''],
      ['#/webhooks', 'webhooks', 'Webhooks'],
      [`#/webhooks/${d.ids.webhook}`, 'webhook', ''],
      ['#/balance', 'balance', 'Balance'],
      ['#/bank-files', 'bank-files', 'Bank files'],
      ['#/settings', 'settings', 'Settings'],
      ['#/transactions', 'transactions', 'Transactions'],
      ['#/users', 'users', 'Users'],
    ];
    const tooWide: string[] = [];
    for (const [i, [hash, name, heading]] of pages.entries()) {
      await page.goto(`${d.base}/${hash}`);
      await (heading ? page.getByRole('heading', { name: heading }).first() : page.locator('main h1').first()).waitFor();
      await page.waitForFunction(() => !document.body.textContent?.includes('Loading…'));
      if ((await pageWidth(page)) > PHONE.width) tooWide.push(`${hash} is ${await pageWidth(page)} px wide`);
      if (i < 14) await shot(`${116 + i}-${name}-phone`);
    }
    expect(tooWide).toEqual([]);
    await page.setViewportSize(DESKTOP);
  }, 120_000);
});
