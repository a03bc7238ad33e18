import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandNextBatchSlice } from '../../src/modules/emails/emails.service.js';
import { createUser } from '../../src/modules/users/users.service.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';

// The dashboard's lists in Chromium: paging through more rows than a page holds, search by an
// email fragment and a reference prefix, filters and position kept in the address (reload, Back),
// Export CSV of the filtered rows, Cancel selected, Cancel batch, a recipient's payouts, the
// ledger's transactions; at desktop and phone width.
const PASSWORD = 'a long test password';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
const ref = (i: number) => `inv-${String(i).padStart(4, '0')}`;

describe.skipIf(!haveBrowser)('lists in the dashboard, in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let key: string;
  let annId: string;
  let bigBatchId: string;
  let smallBatchId: string;

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...bearer(key), 'idempotency-key': crypto.randomUUID(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  beforeAll(async () => {
    t = await createTestApp({ sandboxDelayMs: 0 });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await createUser(t.db, t.config, {
      organizationId: t.defaultOrganizationId,
      email: 'admin@example.com',
      password: PASSWORD,
      role: 'admin',
      createdBy: null,
    });
    key = await t.createKey('sandbox');
    expect((await call('POST', '/balance/fundings', { amount: 10_000_000 })).status).toBe(201);
    const ann = await call('POST', '/recipients', { recipients: [{ firstName: 'Annabel', lastName: 'Lee', email: 'annabel.lee@example.com' }] });
    expect(ann.status).toBe(201);
    annId = ann.body.data.recipients[0].id;
    // 60 payouts in one batch (more than two pages): the first 30 to Annabel, the others to 30
    // people; references inv-0001 … inv-0060. No worker runs, so they all stay cancelable.
    const big = await call('POST', '/payments', {
      payouts: Array.from({ length: 60 }, (_, k) => ({
        payeeEmail: k < 30 ? 'annabel.lee@example.com' : `payee${String(k).padStart(2, '0')}@example.com`,
        amount: 1_000 + k,
        description: `Invoice ${k + 1}`,
        referenceId: ref(k + 1),
      })),
    });
    expect(big.status).toBe(201);
    bigBatchId = big.body.data.batchId;
    const small = await call('POST', '/payments', {
      payouts: Array.from({ length: 5 }, (_, k) => ({ payeeEmail: `small${k}@example.com`, amount: 500, description: 'Small', referenceId: `small-${k}` })),
    });
    expect(small.status).toBe(201);
    smallBatchId = small.body.data.batchId;
    expect(bigBatchId).toBeTruthy();
    expect(smallBatchId).toBeTruthy();
    // More ledger entries than two pages: top-ups of $1 (payouts hold money only once the worker
    // takes them, and no worker runs here).
    for (let k = 0; k < 50; k++) expect((await call('POST', '/balance/fundings', { amount: 100 })).status).toBe(201);
    // The batches' emails (one per payee: 36), as the worker would write them.
    while ((await expandNextBatchSlice(t.db)) > 0);

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: DESKTOP, acceptDownloads: true })).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(base);
    await page.getByTestId('login').waitFor();
    await page.getByLabel('Email').fill('admin@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  const summary = () => page.getByTestId('pager-summary').textContent();
  /** The payout ids listed in a table, once the pager says the page is the one expected. */
  async function listed(table: string, expected: string): Promise<string[]> {
    await expect.poll(summary).toBe(expected);
    return page
      .getByTestId(table)
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.payoutId!));
  }
  /** The references shown in the payouts table. */
  const references = () =>
    page
      .getByTestId('payouts-table')
      .locator('tbody tr td.wide-only:nth-last-child(2)')
      .evaluateAll((tds) => tds.map((td) => td.textContent!.trim()));
  async function search(text: string) {
    await page.getByLabel('Search', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Apply' }).click();
  }
  /** Nothing wider than the screen: the page itself never scrolls sideways (tables scroll in their box). */
  const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);

  it('pages through all 65 payouts, 25 at a time, and back', async () => {
    await page.goto(`${base}/#/payouts`);
    const first = await listed('payouts-table', 'Showing 1–25 of 65');
    await shot('80-payouts-paged');
    const next = page.getByRole('button', { name: 'Next' });
    await next.click();
    const second = await listed('payouts-table', 'Showing 26–50 of 65');
    await next.click();
    const third = await listed('payouts-table', 'Showing 51–65 of 65');
    await expect(next.isDisabled()).resolves.toBe(true);
    const all = [...first, ...second, ...third];
    expect(all).toHaveLength(65);
    expect(new Set(all).size).toBe(65);
    const inDb = await t.db.query<{ id: string }>('select id from payouts');
    expect(new Set(all)).toEqual(new Set(inDb.map((r) => r.id)));

    await page.getByRole('button', { name: 'Previous' }).click();
    await expect(listed('payouts-table', 'Showing 26–50 of 65')).resolves.toEqual(second);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect(listed('payouts-table', 'Showing 1–25 of 65')).resolves.toEqual(first);
    await expect(page.getByRole('button', { name: 'Previous' }).isDisabled()).resolves.toBe(true);
  });

  it('searches by an email fragment and by a reference prefix', async () => {
    await page.goto(`${base}/#/payouts`);
    await search('ee45@EXAMPLE');
    await expect.poll(summary).toBe('Showing 1–1 of 1');
    await expect(page.getByTestId('payouts-table').textContent()).resolves.toContain('payee45@example.com');
    expect(page.url()).toContain('search=ee45%40EXAMPLE');

    await search('inv-004');
    await expect.poll(summary).toBe('Showing 1–10 of 10');
    expect((await references()).sort()).toEqual(Array.from({ length: 10 }, (_, k) => ref(40 + k)));
    await shot('81-payouts-search');

    // A name, and a recipient's search on the recipients page.
    await search('annabel');
    await expect.poll(summary).toBe('Showing 1–25 of 30');
    await page.goto(`${base}/#/recipients`);
    await page.getByLabel('Search', { exact: true }).fill('NABEL L');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(summary).toBe('Showing 1–1 of 1');
    await expect(page.getByTestId('recipients-table').textContent()).resolves.toContain('annabel.lee@example.com');
  });

  it('keeps filters and position in the address: reload and Back return to them', async () => {
    await page.goto(`${base}/#/payouts`);
    await search('inv-00');
    await expect.poll(summary).toBe('Showing 1–25 of 60');
    await page.getByRole('button', { name: 'Next' }).click();
    const second = await listed('payouts-table', 'Showing 26–50 of 60');
    expect(page.url()).toMatch(/#\/payouts\?search=inv-00&cursor=/);

    await page.reload();
    await expect(listed('payouts-table', 'Showing 26–50 of 60')).resolves.toEqual(second);
    await expect(page.getByLabel('Search', { exact: true }).inputValue()).resolves.toBe('inv-00');

    // To a payout and Back: the same page of the same search.
    await page.getByTestId('payouts-table').locator('tbody tr a').first().click();
    await page.getByTestId('timeline').waitFor();
    await page.goBack();
    await expect(listed('payouts-table', 'Showing 26–50 of 60')).resolves.toEqual(second);
    // Back once more: the first page; and again: before the search.
    await page.goBack();
    await expect.poll(summary).toBe('Showing 1–25 of 60');
    await page.goBack();
    await expect.poll(summary).toBe('Showing 1–25 of 65');
    await expect(page.getByLabel('Search', { exact: true }).inputValue()).resolves.toBe('');
  });

  it('exports the filtered payouts as CSV, every matching row', async () => {
    await page.goto(`${base}/#/payouts?search=inv-004`);
    await expect.poll(summary).toBe('Showing 1–10 of 10');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^payouts-sandbox-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = Papa.parse<Record<string, string>>(readFileSync((await download.path())!, 'utf8'), { header: true, skipEmptyLines: true });
    expect(csv.errors).toEqual([]);
    expect(csv.data).toHaveLength(10);
    const refColumn = Object.keys(csv.data[0]!).find((c) => /reference/i.test(c))!;
    expect(csv.data.map((row) => row[refColumn]).sort()).toEqual(Array.from({ length: 10 }, (_, k) => ref(40 + k)));

    // A batch's export: all 60 of its payouts, though the page shows 25.
    await page.goto(`${base}/#/batches/${bigBatchId}`);
    await expect.poll(summary).toBe('Showing 1–25 of 60');
    const [batchDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const batchCsv = Papa.parse<Record<string, string>>(readFileSync((await batchDownload.path())!, 'utf8'), { header: true, skipEmptyLines: true });
    expect(batchCsv.data).toHaveLength(60);
  });

  it('cancels the selected payouts after a confirmation, and says so', async () => {
    await page.goto(`${base}/#/payouts?search=inv-001`);
    await expect.poll(summary).toBe('Showing 1–10 of 10');
    const rows = page.getByTestId('payouts-table').locator('tbody tr');
    const chosen: string[] = [];
    for (const n of [0, 2, 4]) {
      await rows.nth(n).getByRole('checkbox').check();
      chosen.push((await rows.nth(n).getAttribute('data-payout-id'))!);
    }
    await expect(page.getByTestId('bulk-actions').textContent()).resolves.toContain('3 payouts selected');
    await shot('82-payouts-selected');
    // Saying no cancels nothing.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByTestId('cancel-selected').click();
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    const before = await t.db.query<{ n: number }>(`select count(*)::int as n from payouts where status = 'canceled'`);
    expect(before[0]!.n).toBe(0);
    await page.getByTestId('cancel-selected').click();
    await expect.poll(() => page.getByTestId('toast').textContent()).toBe('Canceled 3 payouts.');
    expect(question).toMatch(/^Cancel 3 payouts \(\$/);
    await expect.poll(() => page.locator('[data-status="canceled"]').count()).toBe(3);
    const canceled = await t.db.query<{ id: string }>(`select id from payouts where status = 'canceled'`);
    expect(canceled.map((r) => r.id).sort()).toEqual(chosen.sort());
    // Canceled payouts can no longer be selected.
    for (const id of chosen) await expect(page.locator(`tr[data-payout-id="${id}"] input[type=checkbox]`).count()).resolves.toBe(0);
  });

  it('cancels what can still be canceled of a batch, naming it first', async () => {
    // One of the five is already on its way: it stays as it is.
    await t.db.query(`update payouts set status = 'processing' where batch_id = $1 and reference_id = 'small-0'`, [smallBatchId]);
    await page.goto(`${base}/#/batches/${smallBatchId}`);
    await expect.poll(summary).toBe('Showing 1–5 of 5');
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.getByTestId('cancel-batch').click();
    await expect.poll(() => page.getByTestId('toast').textContent()).toMatch(/^Canceled 4 payouts of this batch\./);
    expect(question).toMatch(/Cancel the 4 payouts of this batch that can still be canceled \(4 [a-z ]+\), \$20\.00 in all\? The other 1 payout/);
    await expect.poll(() => page.getByTestId('batch-payouts').locator('[data-status="canceled"]').count()).toBe(4);
    // Nothing left to cancel: the button is gone.
    await expect(page.getByTestId('cancel-batch').count()).resolves.toBe(0);
    await shot('83-batch-canceled');
    const statuses = await t.db.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from payouts where batch_id = $1 group by status order by status',
      [smallBatchId],
    );
    expect(statuses).toEqual([
      { status: 'canceled', n: 4 },
      { status: 'processing', n: 1 },
    ]);
  });

  it("lists a recipient's payouts on its page, paged", async () => {
    await page.goto(`${base}/#/recipients/${annId}`);
    const first = await listed('recipient-payouts', 'Showing 1–25 of 30');
    await shot('84-recipient-payouts');
    await page.getByRole('button', { name: 'Next' }).click();
    const second = await listed('recipient-payouts', 'Showing 26–30 of 30');
    expect(new Set([...first, ...second]).size).toBe(30);
    const annPayouts = await t.db.query<{ id: string }>('select id from payouts where recipient_id = $1', [annId]);
    expect(new Set([...first, ...second])).toEqual(new Set(annPayouts.map((r) => r.id)));
    await page.reload();
    await expect(listed('recipient-payouts', 'Showing 26–30 of 30')).resolves.toEqual(second);
  });

  it('pages the ledger and the emails, and keeps their place in the address', async () => {
    await page.goto(`${base}/#/transactions`);
    await expect.poll(summary).toMatch(/^Showing 1–25 of \d+$/);
    const total = Number((await summary())!.match(/of (\d+)/)![1]);
    expect(total).toBeGreaterThan(50);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(summary).toBe(`Showing 26–50 of ${total}`);
    await shot('85-transactions');
    await page.reload();
    await expect.poll(summary).toBe(`Showing 26–50 of ${total}`);

    await page.goto(`${base}/#/emails`);
    await page.getByTestId('emails-table').waitFor();
    await expect.poll(summary).toBe('Showing 1–25 of 36');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(summary).toBe('Showing 26–36 of 36');
    expect(page.url()).toContain('#/emails?cursor=');
    await page.reload();
    await expect.poll(summary).toBe('Showing 26–36 of 36');
  });

  it('works at phone width: tables scroll inside their box, every action reachable', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${base}/#/payouts?search=inv-002`);
    await expect.poll(summary).toBe('Showing 1–10 of 10');
    await expect(pageWidth()).resolves.toBeLessThanOrEqual(PHONE.width);
    for (const name of ['Export CSV', 'Cancel selected', 'Next', 'Apply']) {
      await expect(page.getByRole('button', { name }).first().isVisible(), name).resolves.toBe(true);
    }
    await shot('86-payouts-phone');
    await page.goto(`${base}/#/batches/${bigBatchId}`);
    await expect.poll(summary).toBe('Showing 1–25 of 60');
    await expect(pageWidth()).resolves.toBeLessThanOrEqual(PHONE.width);
    await expect(page.getByTestId('cancel-batch').isVisible()).resolves.toBe(true);
    await shot('87-batch-phone');
    await page.goto(`${base}/#/recipients/${annId}`);
    await expect.poll(summary).toBe('Showing 1–25 of 30');
    await expect(pageWidth()).resolves.toBeLessThanOrEqual(PHONE.width);
    await shot('88-recipient-phone');
    await page.goto(`${base}/#/transactions`);
    await expect.poll(summary).toMatch(/^Showing 1–25 of \d+$/);
    await expect(pageWidth()).resolves.toBeLessThanOrEqual(PHONE.width);
    await shot('89-transactions-phone');
    await page.setViewportSize(DESKTOP);
  });
});
