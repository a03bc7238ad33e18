// A dashboard with something on every page, for the shell and accessibility tests: an admin, a
// batch whose payouts completed, failed and wait, a webhook endpoint that fails, an email the mail
// server refused, served on a real port for Chromium.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { createUser } from '../../src/modules/users/users.service.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { drain, testWorker } from '../payout-helpers.js';
import { type Receiver, startReceiver } from '../receiver.js';
import { freePort } from './chromium.js';

export const ADMIN = { email: 'admin@example.com', password: 'a long test password' };
export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export interface SeededDashboard {
  t: TestApp;
  base: string;
  receiver: Receiver;
  ids: { payout: string; failedPayout: string; batch: string; recipient: string; email: string; webhook: string };
  close(): Promise<void>;
}

export async function seededDashboard(): Promise<SeededDashboard> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await createTestApp({ sandboxDelayMs: 0, publicUrl: base });
  await t.app.listen({ port, host: '127.0.0.1' });
  const receiver = await startReceiver();
  await createUser(t.db, t.config, { organizationId: t.defaultOrganizationId, email: ADMIN.email, password: ADMIN.password, role: 'admin', createdBy: null });
  const key = await t.createKey('sandbox');
  const inject = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });

  const subscribed = await inject('POST', '/events/subscription', { event_name: 'payout.updated', callback_url: receiver.url });
  expect(subscribed.statusCode).toBe(201);
  receiver.respondWith(() => ({ status: 500 }));
  const created = await inject('POST', '/payments', {
    payouts: [
      { payeeEmail: 'jordan@example.com', amount: 25_000, referenceId: 'inv_1042', description: 'October design work' },
      { payeeEmail: 'sandbox+failed@example.com', amount: 12_50 },
      { payeeEmail: 'sandbox+pending@example.com', amount: 9_900 },
      { payeeEmail: 'riley@example.com', amount: 4_000 },
    ],
  });
  expect(created.statusCode).toBe(201);
  const batch = created.json().data;
  await drain(testWorker(t));
  const payout = batch.payouts[0].id as string;
  const failedPayout = batch.payouts[1].id as string;
  // Some days of history for the chart.
  await t.db.query(`update payouts set created_at = now() - interval '3 days' where id = $1`, [batch.payouts[3].id]);
  // The sandbox captures its emails; one "refused by the mail server" for the overview to show.
  const [email] = await t.db.query<{ id: string }>(
    `update emails set status = 'failed', last_error = '550 5.1.1 mailbox unavailable' where id = (select id from emails order by id limit 1) returning id`,
  );
  const recipient = (await inject('GET', `/payments/${payout}`)).json().data.recipient.id as string;
  return {
    t,
    base,
    receiver,
    ids: { payout, failedPayout, batch: batch.batchId, recipient, email: email!.id, webhook: subscribed.json().data.subscription.id },
    async close() {
      await receiver.close();
      await t.close();
    },
  };
}

/** Signs in as the admin from the sign-in page and waits for the landing page. */
export async function signIn(page: Page, base: string, hash = '') {
  await page.goto(`${base}/${hash}`);
  await page.getByTestId('login').waitFor();
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** How wide the page is laid out: more than the window means something sticks out sideways. */
export const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);
