import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, issueSetupToken } from '../../src/modules/users/users.service.js';
import type { RunningWorker } from '../../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { createBatch, drain, testWorker } from '../payout-helpers.js';
import { type Receiver, startReceiver } from '../receiver.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';

// Users and webhooks in Chromium, at desktop and phone width: an admin changes a role, unlocks a
// user locked by failed sign-ins, meets the last-admin guard, changes their own password; a
// webhook delivery shows its payload, its payout and status, and keeps its attempts when redelivered;
// a signing secret is copied.

const ADMIN_EMAIL = 'admin@example.com';
const USER_PASSWORD = 'a long user password';
const VIEWPORTS = [
  { width: 1280, height: 860, name: 'desktop', shots: 130 },
  { width: 390, height: 844, name: '390', shots: 131 },
] as const;

describe.skipIf(!haveBrowser)('users and webhooks in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let worker: RunningWorker;
  let receiver: Receiver;
  let key: string;
  let adminPassword = 'a long admin password';

  beforeAll(async () => {
    t = await createTestApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    worker = testWorker(t);
    receiver = await startReceiver();
    key = await t.createKey('sandbox');
    const setupToken = await issueSetupToken(t.db);
    const setup = await t.app.inject({ method: 'POST', url: '/auth/setup', payload: { email: ADMIN_EMAIL, password: adminPassword, setupToken } });
    expect(setup.statusCode).toBe(201);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await receiver?.close();
    await t?.close();
  });

  async function open(viewport: (typeof VIEWPORTS)[number]): Promise<{ context: BrowserContext; page: Page }> {
    // Clipboard access for the Copy buttons (127.0.0.1 is a secure context).
    const context = await browser.newContext({
      viewport: { width: viewport.width, height: viewport.height },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // Every change is confirmed first: accept each question.
    page.on('dialog', (dialog) => void dialog.accept());
    return { context, page };
  }
  const shot = (page: Page, n: number, name: string, fullPage = true) => page.screenshot({ path: `${ARTIFACTS}${n}-${name}.png`, fullPage });

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(base);
    await page.getByTestId('login').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  const toast = (page: Page) => page.getByTestId('toast');
  const row = (page: Page, email: string) => page.locator(`[data-testid="user-row"][data-email="${email}"]`);
  const roleOf = async (email: string) => (await t.db.query<{ role: string }>('select role from users where email = $1', [email]))[0]!.role;

  for (const viewport of VIEWPORTS) {
    it(`users at ${viewport.name}: change a role, unlock a locked user, the last-admin guard, my own password`, async () => {
      const ops = `ops-${viewport.name}@example.com`;
      const locked = `locked-${viewport.name}@example.com`;
      for (const [email, role] of [
        [ops, 'manager'],
        [locked, 'employee'],
      ] as const) {
        await createUser(t.db, t.config, { organizationId: t.defaultOrganizationId, email, password: USER_PASSWORD, role, createdBy: null });
      }
      const { context, page } = await open(viewport);
      await signIn(page, ADMIN_EMAIL, adminPassword);
      await page.getByTestId('account-link').waitFor();
      // The Users entry is in the navigation (at 390 px, behind the Menu button).
      if (viewport.width < 600) await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await page.getByTestId('users-table').waitFor();
      expect(page.url()).toContain('#/users');

      // Change a role.
      await row(page, ops).getByLabel(`Role of ${ops}`).selectOption('accountant');
      await row(page, ops).getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => toast(page).textContent()).toBe(`${ops} is now Accountant.`);
      expect(await roleOf(ops)).toBe('accountant');

      // Lock a user by failing to sign in as them, in their own browser.
      const { context: theirs, page: theirPage } = await open(viewport);
      let refused = '';
      for (let i = 0; i < 10 && !refused.includes('Too many failed sign-ins'); i++) {
        await signIn(theirPage, locked, 'not my password');
        refused = (await theirPage.getByRole('alert').textContent()) ?? '';
      }
      expect(refused).toContain('Too many failed sign-ins');
      await page.reload();
      await row(page, locked).getByTestId('user-locked').waitFor();
      await expect(row(page, locked).textContent()).resolves.toMatch(/Locked\s*until .*\(too many failed sign-ins\)/);
      await shot(page, viewport.shots, `users-locked-${viewport.name}`);
      await row(page, locked).getByRole('button', { name: 'Unlock' }).click();
      await expect.poll(() => toast(page).textContent()).toBe(`${locked} can sign in again.`);
      // The list is read again after the change: the lock and its button are gone.
      await expect.poll(() => row(page, locked).getByTestId('user-locked').count()).toBe(0);
      await expect.poll(() => row(page, locked).getByRole('button', { name: 'Unlock' }).count()).toBe(0);
      await signIn(theirPage, locked, USER_PASSWORD);
      await theirPage.getByTestId('account-link').waitFor();
      await theirs.close();

      // The only admin cannot step down.
      await row(page, ADMIN_EMAIL).getByLabel(`Role of ${ADMIN_EMAIL}`).selectOption('manager');
      await row(page, ADMIN_EMAIL).getByRole('button', { name: 'Save' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('An organization keeps at least one admin');
      expect(await roleOf(ADMIN_EMAIL)).toBe('admin');
      // The row shows the role the server kept, not the refused choice.
      await expect.poll(() => row(page, ADMIN_EMAIL).getByLabel(`Role of ${ADMIN_EMAIL}`).inputValue()).toBe('admin');
      await expect(row(page, ADMIN_EMAIL).getByRole('button', { name: 'Remove' }).count()).resolves.toBe(0);
      await shot(page, viewport.shots + 2, `users-last-admin-${viewport.name}`);

      // My own password, from the top bar.
      await page.getByTestId('account-link').click();
      await page.getByTestId('change-password').waitFor();
      const next = `${adminPassword} ${viewport.name}`;
      await page.getByLabel('Current password').fill(adminPassword);
      await page.getByLabel('New password', { exact: true }).fill(next);
      await page.getByLabel('New password again').fill(next);
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(() => toast(page).textContent()).toBe('Password changed.');
      await page.getByTestId('password-changed').waitFor();
      await shot(page, viewport.shots + 4, `own-password-${viewport.name}`);
      adminPassword = next;
      const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ADMIN_EMAIL, password: next } });
      expect(login.statusCode).toBe(200);
      await context.close();
    });

    it(`webhooks at ${viewport.name}: copy the secret, a delivery's payload and payout, redelivery keeps the attempts, paging`, async () => {
      const { context, page } = await open(viewport);
      await signIn(page, ADMIN_EMAIL, adminPassword);
      await page.getByTestId('account-link').waitFor();
      await page.goto(`${base}/#/webhooks`);
      const callbackUrl = `${receiver.url}/${viewport.name}`;
      await page.getByLabel('Callback URL').fill(callbackUrl);
      await page.getByRole('button', { name: 'Verify and add' }).click();
      const secret = (await page.getByTestId('webhook-secret-value').textContent())!.trim();
      expect(secret).toMatch(/^whsec_/);
      await page.getByTestId('webhook-secret').getByRole('button', { name: 'Copy' }).click();
      await expect.poll(() => page.getByTestId('webhook-secret').locator('.copy-feedback').textContent()).toBe('Copied.');
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(secret);
      await shot(page, viewport.shots + 6, `webhook-secret-copied-${viewport.name}`);

      // 26 payouts: one more than a page of deliveries. Each delivery fails once, then succeeds.
      const failedOnce = new Set<string>();
      receiver.respondWith((request) => {
        const id = String(request.headers['x-karat-webhook-id']);
        if (failedOnce.has(id)) return { status: 200, body: 'ok' };
        failedOnce.add(id);
        return { status: 500, body: 'receiver down' };
      });
      const payouts = (
        await createBatch(
          t,
          key,
          Array.from({ length: 26 }, (_, i) => ({ payeeEmail: 'sandbox+canceled@example.com', amount: 100 + i, referenceId: `${viewport.name}-${i}` })),
        )
      ).json().data.payouts as { id: string; referenceId: string }[];
      await drain(worker);

      await page.getByRole('link', { name: callbackUrl }).click();
      await page.getByTestId('deliveries').waitFor();
      await expect(page.getByTestId('delivery').count()).resolves.toBe(25);
      await expect(page.getByTestId('pager-summary').textContent()).resolves.toBe('Showing 1–25 of 26');
      const hrefs = async () => page.getByTestId('delivery-payout').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      const firstPage = await hrefs();
      expect(new Set(firstPage).size).toBe(25);
      const first = page.getByTestId('delivery').first();
      const newest = payouts.find((p) => `#/payouts/${p.id}` === firstPage[0])!;
      expect(newest).toBeDefined();
      await expect(first.locator('[data-status="canceled"]').textContent()).resolves.toBe('Canceled');
      await expect(first.textContent()).resolves.toContain('pending (HTTP 500)');
      await first.getByText('Payload').click();
      const payloadText = (await first.getByTestId('delivery-payload').textContent())!;
      const payload = JSON.parse(payloadText);
      expect(payload).toMatchObject({ event: 'payout.updated', data: { payout_intent_id: newest.id, status: 'canceled', reference_id: newest.referenceId } });
      expect(payloadText).toContain('\n  "event": "payout.updated"');
      // What the receiver got is what the page shows.
      const received = receiver
        .deliveries()
        .find((r) => r.body.data?.payout_intent_id === newest.id && String(r.headers['x-karat-subscription-id']) === payload.subscription_id)!;
      expect(JSON.parse(received.rawBody)).toEqual(payload);

      // Redeliver: the failed attempt stays, the new one is added after it.
      await first.getByRole('button', { name: 'Redeliver' }).click();
      await expect.poll(() => toast(page).textContent()).toBe('Delivery queued again.');
      await drain(worker);
      await page.reload();
      const again = page.getByTestId('delivery').first();
      await again.getByTestId('delivery-attempts').locator('summary').click();
      await expect(again.getByTestId('delivery-attempts').locator('summary').textContent()).resolves.toBe('2 attempts');
      const attempts = await again.getByTestId('delivery-attempts').locator('li').allTextContents();
      expect(attempts).toHaveLength(2);
      expect(attempts[0]).toContain('500');
      expect(attempts[0]).toContain('receiver down');
      expect(attempts[1]).toMatch(/· 200 ·/);
      await expect(again.textContent()).resolves.toContain('delivered (HTTP 200)');
      await again.getByText('Payload').click();
      // The page is 25 deliveries long: the picture is of the one redelivered.
      await again.scrollIntoViewIfNeeded();
      await shot(page, viewport.shots + 8, `webhook-delivery-history-${viewport.name}`, false);

      // Paging: the 26th (oldest) delivery is on the next page (kept in the address), and back.
      await page.getByRole('button', { name: 'Next' }).click();
      await expect.poll(() => page.getByTestId('delivery').count()).toBe(1);
      expect(page.url()).toContain('cursor=');
      await page.reload();
      await expect.poll(() => page.getByTestId('delivery').count()).toBe(1);
      // Every payout's delivery is on one page or the other.
      expect(new Set([...firstPage, ...(await hrefs())])).toEqual(new Set(payouts.map((p) => `#/payouts/${p.id}`)));
      await expect(page.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
      await page.getByRole('button', { name: 'Previous' }).click();
      await expect.poll(() => page.getByTestId('delivery').count()).toBe(25);

      // The payout link leads to the payout.
      await page.getByTestId('delivery').first().getByTestId('delivery-payout').click();
      await expect.poll(() => page.url()).toContain(`#/payouts/${newest.id}`);

      // A rotated secret has its Copy button too.
      await page.goBack();
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const rotated = (await page.getByTestId('webhook-secret-value').textContent())!.trim();
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(secret);
      await page.getByTestId('webhook-secret').getByRole('button', { name: 'Copy' }).click();
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(rotated);

      // Done with this subscription: the next viewport's payouts are not delivered to it.
      const id = new URL(page.url()).hash.split('/').at(-1)!;
      expect((await t.app.inject({ method: 'DELETE', url: `/events/subscription/${id}`, headers: bearer(key) })).statusCode).toBe(200);
      await context.close();
    });
  }
});
