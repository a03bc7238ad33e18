import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/modules/users/users.service.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';

// New batch from a CSV in Chromium, at desktop and phone width: a semicolon file, an unquoted
// thousands separator (flagged, never paid as $1.00), a file with a byte order mark, and 15,000 rows
// with two bad ones (summary, go to row, remove, confirmation with the balance, one batch created).
const PASSWORD = 'a long test password';
const VIEWPORTS = [
  { name: 'desktop', size: { width: 1280, height: 860 } },
  { name: 'phone', size: { width: 390, height: 844 } },
] as const;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const fixture = (name: string) => ({ name, mimeType: 'text/csv', buffer: readFileSync(new URL(`../fixtures/csv/${name}`, import.meta.url)) });

/** 15,000 payouts of $10.00; row 701 has an unquoted 1,000 and row 12,002 three decimals. */
function bigFile(prefix: string) {
  const lines = ['email,amount,description,reference'];
  for (let row = 2; row <= 15_001; row++) {
    const amount = row === 701 ? '1,000' : row === 12_002 ? '10.125' : '10.00';
    lines.push(`${prefix}${row}@example.com,${amount},November work,${prefix.toUpperCase()}-${row}`);
  }
  return { name: 'november.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\r\n')}\r\n`) };
}

describe.skipIf(!haveBrowser)('CSV upload on the New batch page, in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let key: string;

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
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function fund(cents: number) {
    const response = await fetch(`${base}/balance/fundings`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ amount: cents }),
    });
    expect(response.status).toBe(201);
  }

  async function availableCents(): Promise<number> {
    const response = await fetch(`${base}/balance`, { headers: bearer(key) });
    return (await response.json()).data.available;
  }
  const dollars = (cents: number) => `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;

  for (const { name: viewport, size } of VIEWPORTS) {
    describe(`at ${viewport} width`, () => {
      let page: Page;
      const desktop = viewport === 'desktop';
      // The 15,000-row page is tall: its shots show the screen the person sees.
      const shot = (file: string, fullPage = true) => page.screenshot({ path: `${ARTIFACTS}${file}.png`, fullPage });
      const checks = () => page.getByTestId('row-check');
      const summary = () => page.getByTestId('batch-summary');
      const createButton = () => page.getByRole('button', { name: 'Create batch' });
      /** axe-core's serious and critical findings in the page's content (the shell is checked by its own tests). */
      async function accessibilityProblems(): Promise<string[]> {
        await page.addScriptTag({ path: AXE });
        return page.evaluate(async () => {
          const { violations } = await (window as any).axe.run(document.querySelector('main'));
          return violations
            .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
            .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => `${n.target.join(' ')} ${n.any[0]?.message ?? ''}`).join(' / ')}`);
        });
      }
      /** Nothing wider than the screen: the page never scrolls sideways (the rows' table scrolls in its box). */
      const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);

      async function upload(file: { name: string; mimeType: string; buffer: Buffer }) {
        await page.goto(`${base}/#/payouts/new`);
        await page.reload(); // a page of its own for each file
        await page.getByRole('heading', { name: 'New batch' }).waitFor();
        await page.getByTestId('csv-input').setInputFiles(file);
        await page.getByTestId('csv-note').waitFor();
      }

      beforeAll(async () => {
        // bypassCSP: axe-core is injected as a script the page's policy would refuse.
        page = await (await browser.newContext({ viewport: size, bypassCSP: true })).newPage();
        page.setDefaultTimeout(20_000);
        await page.goto(base);
        await page.getByTestId('login').waitFor();
        await page.getByLabel('Email').fill('admin@example.com');
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('button', { name: 'Sign out' }).waitFor();
      });

      it('reads a semicolon file and flags the decimal comma and the European amount', async () => {
        await upload(fixture('semicolon.csv'));
        await expect(page.getByTestId('csv-note').textContent()).resolves.toContain('4 rows separated by semicolons');
        await expect(summary().textContent()).resolves.toMatch(/2 valid, 2 with problems — go to row 4, row 5/);
        await expect(checks().allTextContents()).resolves.toEqual([
          'OK',
          'OK',
          'amount uses a decimal comma (12,50) — write it with a dot, like 12.50',
          'amount is written the European way (1.000,50) — write it like 1234.56',
        ]);
        await expect(createButton().isDisabled()).resolves.toBe(true);
        expect(await pageWidth()).toBeLessThanOrEqual(size.width);
        await expect(accessibilityProblems()).resolves.toEqual([]);
        await shot(desktop ? '100-csv-semicolon' : '101-csv-semicolon-phone');

        // Fixed by hand, the rows are checked again; a total over the available balance is refused.
        await page.getByLabel('Amount, row 4').fill('12.50');
        await page.getByLabel('Amount, row 5').fill('5000000');
        await expect(checks().allTextContents()).resolves.toEqual(['OK', 'OK', 'OK', 'OK']);
        if (desktop) {
          const available = await availableCents();
          await createButton().click();
          const dialog = page.getByTestId('confirm-batch');
          await expect(dialog.getByTestId('confirm-text').textContent()).resolves.toBe(
            `Pay $5,002,242.50 to 4 people from Sandbox — available ${dollars(available)}`,
          );
          await expect(dialog.getByRole('alert').textContent()).resolves.toContain(
            `That is ${dollars(500_224_250 - available)} more than the available balance`,
          );
          await expect(dialog.getByRole('button', { name: 'Pay $5,002,242.50' }).isDisabled()).resolves.toBe(true);
          await expect(accessibilityProblems()).resolves.toEqual([]);
          await shot('109-csv-confirm-insufficient');
          await dialog.getByRole('button', { name: 'Back' }).click();
          await dialog.waitFor({ state: 'detached' });
        }
        await page.getByLabel('Amount, row 5').fill('1000.50');
        await expect(page.getByTestId('batch-total').textContent()).resolves.toBe('4 payouts, $3,243.00');
        await expect(createButton().isEnabled()).resolves.toBe(true);
      });

      it('flags an unquoted 1,000 instead of paying $1.00, and re-checks the row once the amount is edited', async () => {
        await upload(fixture('unquoted-thousands.csv'));
        await expect(checks().first().textContent()).resolves.toBe('amount looks split by a thousands separator — quote it or remove the comma');
        await expect(page.getByLabel('Amount, row 2').inputValue()).resolves.toBe('1,000');
        await expect(page.getByLabel('Description, row 2').inputValue()).resolves.toBe('October design work');
        // The quoted "1,000.00" reads as a thousand dollars.
        await expect(checks().nth(1).textContent()).resolves.toBe('OK');
        await expect(createButton().isDisabled()).resolves.toBe(true);
        await shot(desktop ? '102-csv-unquoted-thousands' : '103-csv-unquoted-thousands-phone');
        // A row with a readable amount but another problem is not in the total of the valid rows.
        await page.getByLabel('Email, row 3').fill('not an email');
        await expect(page.getByTestId('batch-total').textContent()).resolves.toBe('3 rows, $250.00 in the 1 valid');
        await page.getByLabel('Email, row 3').fill('ben@example.com');
        await page.getByLabel('Amount, row 2').fill('1000');
        await expect(checks().allTextContents()).resolves.toEqual(['OK', 'OK', 'OK']);
        await expect(page.getByTestId('batch-total').textContent()).resolves.toBe('3 payouts, $2,250.00');
        await expect(createButton().isEnabled()).resolves.toBe(true);
      });

      it('reads a file that starts with a byte order mark', async () => {
        await upload(fixture('bom.csv'));
        await expect(page.getByLabel('Email, row 2').inputValue()).resolves.toBe('ana@example.com');
        await expect(checks().allTextContents()).resolves.toEqual(['OK', 'OK']);
        await expect(summary().textContent()).resolves.toContain('2 valid, 0 with problems');
        await expect(page.getByTestId('batch-total').textContent()).resolves.toBe('2 payouts, $1,325.50');
      });

      it('handles 15,000 rows with two bad ones: summary, go to row, remove them, confirm, one batch', { timeout: 180_000 }, async () => {
        await fund(200_000_00);
        const prefix = desktop ? 'dsk' : 'phn';
        await upload(bigFile(prefix));
        await expect(summary().textContent()).resolves.toMatch(/14,998 valid, 2 with problems — go to row 701, row 12,002/);
        // Only one page of rows is in the page, whatever the file's size.
        await expect(page.getByTestId('batch-rows').locator('tbody tr').count()).resolves.toBe(50);
        await expect(page.getByTestId('rows-pager').textContent()).resolves.toMatch(/Rows 1–50 of 15,000/);
        await expect(createButton().isDisabled()).resolves.toBe(true);
        expect(await pageWidth()).toBeLessThanOrEqual(size.width);
        await shot(desktop ? '104-csv-15000-summary' : '107-csv-15000-summary-phone', false);

        await summary().getByRole('button', { name: 'row 12,002' }).click();
        await expect(page.getByTestId('rows-pager').textContent()).resolves.toMatch(/Rows 12,001–12,050 of 15,000/);
        await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Amount, row 12,002');
        await expect(page.locator('tr[data-row="12002"]').getByTestId('row-check').textContent()).resolves.toContain('more than two decimals (10.125)');
        if (desktop) await shot('105-csv-go-to-row', false);
        await summary().getByRole('button', { name: 'row 701' }).click();
        await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Amount, row 701');

        await summary().getByRole('button', { name: 'Show only rows with problems' }).click();
        await expect(page.getByTestId('batch-rows').locator('tbody tr').count()).resolves.toBe(2);
        await summary().getByRole('button', { name: 'Remove the 2 rows with problems' }).click();
        await expect(summary().textContent()).resolves.toContain('14,998 valid, 0 with problems');
        await expect(page.getByTestId('batch-total').textContent()).resolves.toBe('14,998 payouts, $149,980.00');

        await createButton().click();
        const dialog = page.getByTestId('confirm-batch');
        await expect(dialog.getByTestId('confirm-text').textContent()).resolves.toBe(
          `Pay $149,980.00 to 14,998 people from Sandbox — available ${dollars(await availableCents())}`,
        );
        await shot(desktop ? '106-csv-15000-confirm' : '108-csv-15000-confirm-phone', false);
        await dialog.getByRole('button', { name: 'Pay $149,980.00' }).dblclick();
        await page.waitForURL(/#\/batches\/[\w-]+$/, { timeout: 120_000 });
        await expect(page.getByTestId('toast').textContent()).resolves.toBe('Batch created: 14,998 payouts, $149,980.00.');
        const batchId = /#\/batches\/([\w-]+)$/.exec(page.url())![1]!;
        const counted = await t.db.query<{ n: bigint; total: bigint }>(
          'select count(*)::bigint as n, sum(amount)::bigint as total from payouts p join recipients r on r.id = p.recipient_id where p.batch_id = $1 and r.email like $2',
          [batchId, `${prefix}%`],
        );
        expect(counted[0]).toEqual({ n: 14_998n, total: 14_998_000n });
        const batches = await t.db.query<{ n: bigint }>(
          'select count(distinct p.batch_id)::bigint as n from payouts p join recipients r on r.id = p.recipient_id where r.email like $1',
          [`${prefix}%`],
        );
        expect(batches[0]!.n).toBe(1n);
      });
    });
  }
});
