import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../../src/modules/ledger/ledger.service.js';
import { createUser } from '../../src/modules/users/users.service.js';
import type { RunningWorker } from '../../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { drain, testWorker } from '../payout-helpers.js';
import { ARTIFACTS, haveBrowser, launchChromium } from './chromium.js';
import { signInAs as signInToDashboard } from './dashboard-sign-in.js';

// The ACH rail in the dashboard, in Chromium: an admin sets up Settings → Bank, production payouts
// to bank accounts go pending on the ACH rail, the operator cuts a file, downloads it, marks it
// sent, voids another and uploads the bank's return file; a manager sees Bank files, not Bank.
const PASSWORD = 'a long test password';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
const ODFI = '011000015';

/** A NACHA record: fields concatenated, each exactly its width. */
const record = (...fields: [string | number, number, 'left' | 'right' | 'zero'][]) =>
  fields
    .map(([value, width, align]) => {
      const text = String(value).slice(0, width);
      return align === 'left' ? text.padEnd(width, ' ') : text.padStart(width, align === 'zero' ? '0' : ' ');
    })
    .join('');

/**
 * The bank's return file for one credit entry (R03, addenda 99), built the way an RDFI writes it:
 * entry 21 (return of a checking credit) with the original trace in its addenda, counts, hash and
 * totals correct, padded to a block of ten records.
 */
function returnFile(original: { traceNumber: string; amount: number }, rdfi: string, code = 'R03') {
  const entryTrace = `${rdfi.slice(0, 8)}0000001`;
  const lines = [
    record(
      ['1', 1, 'left'],
      ['01', 2, 'left'],
      [` ${ODFI}`, 10, 'left'],
      [` ${rdfi}`, 10, 'left'],
      ['250106', 6, 'left'],
      ['0900', 4, 'left'],
      ['A', 1, 'left'],
      ['094', 3, 'left'],
      ['10', 2, 'left'],
      ['1', 1, 'left'],
      ['ACME BANK', 23, 'left'],
      ['RETURNING BANK', 23, 'left'],
      ['', 8, 'left'],
    ),
    record(
      ['5', 1, 'left'],
      ['220', 3, 'left'],
      ['ACME PAYOUTS', 16, 'left'],
      ['', 20, 'left'],
      ['1234567890', 10, 'left'],
      ['PPD', 3, 'left'],
      ['PAYOUT', 10, 'left'],
      ['', 6, 'left'],
      ['250107', 6, 'left'],
      ['', 3, 'left'],
      ['1', 1, 'left'],
      [rdfi.slice(0, 8), 8, 'left'],
      [1, 7, 'zero'],
    ),
    record(
      ['6', 1, 'left'],
      ['21', 2, 'left'],
      [ODFI, 9, 'left'],
      ['000123456789', 17, 'left'],
      [original.amount, 10, 'zero'],
      ['', 15, 'left'],
      ['ANA LIMA', 22, 'left'],
      ['', 2, 'left'],
      ['1', 1, 'left'],
      [entryTrace, 15, 'left'],
    ),
    record(
      ['7', 1, 'left'],
      ['99', 2, 'left'],
      [code, 3, 'left'],
      [original.traceNumber, 15, 'left'],
      ['', 6, 'left'],
      [ODFI.slice(0, 8), 8, 'left'],
      ['', 44, 'left'],
      [entryTrace, 15, 'left'],
    ),
    record(
      ['8', 1, 'left'],
      ['220', 3, 'left'],
      [2, 6, 'zero'],
      [ODFI.slice(0, 8), 10, 'zero'],
      [0, 12, 'zero'],
      [original.amount, 12, 'zero'],
      ['1234567890', 10, 'left'],
      ['', 19, 'left'],
      ['', 6, 'left'],
      [rdfi.slice(0, 8), 8, 'left'],
      [1, 7, 'zero'],
    ),
    record(
      ['9', 1, 'left'],
      [1, 6, 'zero'],
      [1, 6, 'zero'],
      [2, 8, 'zero'],
      [ODFI.slice(0, 8), 10, 'zero'],
      [0, 12, 'zero'],
      [original.amount, 12, 'zero'],
      ['', 39, 'left'],
    ),
  ];
  while (lines.length % 10 !== 0) lines.push('9'.repeat(94));
  return `${lines.join('\n')}\n`;
}

describe.skipIf(!haveBrowser)('the ACH rail in the dashboard, in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let key: string;
  let worker: RunningWorker;
  const files: Record<'sent' | 'voided', string> = { sent: '', voided: '' };
  const payouts: Record<'ana' | 'ben', string> = { ana: '', ben: '' };

  /** The API as an integrator calls it, with the production key. */
  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, body: type.includes('json') && text ? JSON.parse(text) : text };
  }
  const dataOf = (body: any) => (body && 'data' in body && !('hasMore' in body) ? body.data : body);

  /** A production payout to a new recipient with a bank account, accepted automatically: pending after the worker runs. */
  async function payToBank(name: string, email: string, amount: number) {
    const [firstName, lastName] = name.split(' ');
    const created = await call('POST', '/recipients', { recipients: [{ firstName, lastName, email, autoAcceptPayouts: true }] });
    expect(created.status).toBe(201);
    const recipientId = created.body.data.recipients[0].id;
    const method = await call('PUT', `/recipients/${recipientId}/payout-method`, {
      type: 'us_bank_account',
      accountHolderName: name,
      accountHolderType: 'individual',
      routingNumber: '021000021',
      accountNumber: '000123456789',
      accountType: 'checking',
    });
    expect(method.status).toBe(200);
    const paid = await call('POST', '/payments', { payouts: [{ recipientId, amount, description: 'Design work' }] });
    expect(paid.status).toBe(201);
    const id = paid.body.data.payouts[0].id;
    await drain(worker);
    const payment = dataOf((await call('GET', `/payments/${id}`)).body);
    expect(payment).toMatchObject({ status: 'pending', rail: 'ach' });
    return id as string;
  }

  beforeAll(async () => {
    t = await createTestApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    worker = testWorker(t);
    for (const role of ['admin', 'manager'] as const) {
      await createUser(t.db, t.config, { organizationId: t.defaultOrganizationId, email: `${role}@example.com`, password: PASSWORD, role, createdBy: null });
    }
    key = await t.createKey('production');
    await t.db.transaction((tx) => fund(tx, { organizationId: t.defaultOrganizationId, environment: 'production' }, 10_000_000n));
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: DESKTOP, acceptDownloads: true })).newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
  const fileStatus = () => page.locator('.page-head [data-file-status]').getAttribute('data-file-status');

  const signInAs = (role: string) => signInToDashboard(page, base, role, PASSWORD);

  it('says ACH runs in production only while the dashboard is in sandbox mode', async () => {
    await signInAs('admin');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByTestId('bank-settings-link').click();
    await page.getByTestId('ach-production-only').waitFor();
    await expect(page.getByTestId('ach-production-only').textContent()).resolves.toContain('ACH runs in production only');
    await expect(page.getByTestId('bank-settings').count()).resolves.toBe(0);
    await shot('60-bank-settings-sandbox');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Switch to production' }).click();
    await page.getByTestId('bank-settings').waitFor();
    await expect(page.getByRole('button', { name: 'Production' }).getAttribute('aria-pressed')).resolves.toBe('true');
  });

  it('shows why the rail is off, refuses a bad routing number beside its field, then saves', async () => {
    const off = page.getByTestId('ach-off');
    await expect(off.textContent()).resolves.toContain('ACH is off');
    expect((await page.getByTestId('ach-problems').locator('li').count()) > 0).toBe(true);
    await shot('61-bank-settings-off');

    await page.getByLabel('ODFI routing number').fill('123456789');
    await page.getByLabel('Immediate destination', { exact: true }).fill(ODFI);
    await page.getByLabel('Immediate destination name', { exact: true }).fill('Acme Bank');
    await page.getByLabel('Immediate origin', { exact: true }).fill('1234567890');
    await page.getByLabel('Immediate origin name', { exact: true }).fill('Acme Payouts Inc');
    await page.getByLabel('Company ID').fill('1234567890');
    await page.getByLabel('Company name').fill('ACME PAYOUTS');
    await page.getByLabel('Company entry description').fill('PAYOUT');
    await page.getByLabel('Balanced files').check();
    await page.getByLabel('Offset routing number').fill(ODFI);
    await page.getByLabel('Offset account number').fill('000111222333');
    await page.getByLabel('Offset account type').selectOption('checking');
    await page.getByLabel('Daily cut-off').fill('16:00');
    await page.getByRole('button', { name: 'Save bank settings' }).click();

    // The refusal sits next to the field the error's `param` names, and that field is marked.
    const routing = page.getByLabel('ODFI routing number');
    await expect.poll(() => routing.getAttribute('aria-invalid')).toBe('true');
    const problem = page.locator('.field', { has: routing }).getByTestId('field-error');
    await expect(problem.textContent()).resolves.toMatch(/ODFI routing number|routing/i);
    await expect(page.getByTestId('field-error').count()).resolves.toBe(1);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('odfiRouting');
    await shot('62-bank-settings-refused');
    // The page reloaded the rail's state after the refusal: still off, nothing saved.
    await expect(page.getByTestId('ach-off').count()).resolves.toBe(1);

    await routing.fill(ODFI);
    await page.getByRole('button', { name: 'Save bank settings' }).click();
    await page.getByTestId('bank-saved').waitFor();
    await page.getByTestId('ach-on').waitFor();
    await expect(page.getByTestId('field-error').count()).resolves.toBe(0);
    // The offset account number is write-only: the page shows its last four digits only.
    await expect(page.getByTestId('offset-account-stored').textContent()).resolves.toContain('ending 2333');
    await expect(page.getByLabel('Offset account number').inputValue()).resolves.toBe('');
    await expect(page.locator('body').textContent()).resolves.not.toContain('000111222333');
    await shot('63-bank-settings-saved');
  });

  it('cuts a file of the pending bank payouts, and says so when there is nothing to cut', async () => {
    payouts.ana = await payToBank('Ana Lima', 'ana@example.com', 12_500);
    await page.getByRole('link', { name: 'Bank files', exact: true }).click();
    await page.getByRole('heading', { name: 'Bank files' }).waitFor();
    await page.getByTestId('cut-file').click();
    await page.getByTestId('file-cut').waitFor();
    await expect(page.getByTestId('file-cut').textContent()).resolves.toMatch(/1 payout, \$125\.00/);
    const rows = page.getByTestId('bank-files-table').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    files.sent = (await rows.first().getAttribute('data-file-id'))!;
    await expect(rows.first().textContent()).resolves.toMatch(/Created[\s\S]*\$125\.00/);
    expect(dataOf((await call('GET', `/payments/${payouts.ana}`)).body).status).toBe('processing');

    await page.getByTestId('cut-file').click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('There are no pending ACH payouts to put in a file.');
    await expect(rows.count()).resolves.toBe(1);
    await shot('64-bank-files');
  });

  it('shows the file and its payouts, downloads it byte for byte, and marks it sent', async () => {
    await page.getByTestId('bank-files-table').getByRole('link').first().click();
    await page.getByTestId('file-entries').waitFor();
    await expect(fileStatus()).resolves.toBe('created');
    const entries = page.getByTestId('file-entries').locator('tbody tr');
    // The payouts only: the offset debit of a balanced file is no payout.
    await expect(entries.count()).resolves.toBe(1);
    await expect(page.getByTestId('file-facts').textContent()).resolves.toMatch(/Offset debits\s*\$125\.00/);
    await expect(entries.first().textContent()).resolves.toMatch(/Ana Lima[\s\S]*\$125\.00[\s\S]*••••6789/);
    await expect(page.locator('body').textContent()).resolves.not.toContain('000123456789');
    await shot('65-bank-file');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-file').click()]);
    expect(download.suggestedFilename()).toMatch(/^ach-\d{8}-[A-Z0-9]\.txt$/);
    const text = await readFile((await download.path())!, 'utf8');
    expect(text.startsWith('101')).toBe(true);
    const lines = text.split('\n').filter((line) => line !== '');
    expect(lines.every((line) => line.length === 94)).toBe(true);
    expect(lines.length % 10).toBe(0);
    expect(text).toBe((await call('GET', `/ach/files/${files.sent}/download`)).body);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('mark-sent').click();
    await expect.poll(fileStatus).toBe('sent');
    await expect(page.getByTestId('mark-sent').count()).resolves.toBe(0);
    await expect(page.getByTestId('file-facts').textContent()).resolves.not.toMatch(/Sent\s*—/);
    await shot('66-bank-file-sent');
  });

  it('voids another file with a reason: its payout goes back to pending', async () => {
    payouts.ben = await payToBank('Ben Okafor', 'ben@example.com', 4_000);
    await page.goto(`${base}/#/bank-files`);
    await page.getByTestId('cut-file').click();
    await page.getByTestId('file-cut').waitFor();
    files.voided = (await page.getByTestId('bank-files-table').locator('tbody tr').first().getAttribute('data-file-id'))!;
    expect(files.voided).not.toBe(files.sent);
    await page.getByTestId('file-cut').getByRole('link').click();
    await page.getByTestId('file-entries').waitFor();
    await page.getByTestId('void-file').click();
    await page.getByLabel('Reason (optional)').fill('Rejected by the bank');
    await shot('67-bank-file-void');
    await page.getByRole('button', { name: 'Void file' }).click();
    await expect.poll(fileStatus).toBe('voided');
    await expect(page.getByTestId('file-facts').textContent()).resolves.toContain('Rejected by the bank');
    await expect(page.getByTestId('void-file').count()).resolves.toBe(0);
    const ben = dataOf((await call('GET', `/payments/${payouts.ben}`)).body);
    expect(ben.status).toBe('pending');
    expect(ben.statusUpdates.at(-1)).toMatchObject({ status: 'pending', reason: 'Bank file voided' });
    await shot('68-bank-file-voided');
  });

  it('uploads a malformed return file (the line in the answer), then the bank’s return file', async ({ skip }) => {
    // The returns route is built in parallel with these pages: this test runs once it is there.
    const routed = t.app.hasRoute({ method: 'POST', url: '/ach/returns' });
    if (!routed) console.warn('POST /ach/returns is not on this branch: the return-file upload is untested.');
    skip(!routed, 'POST /ach/returns is not on this branch yet');
    const listed = await call('GET', `/ach/files/${files.sent}/entries`);
    expect(listed.status).toBe(200);
    const entry = listed.body.data.find((e: { payoutId: string | null }) => e.payoutId === payouts.ana);
    expect(entry).toBeDefined();
    await page.goto(`${base}/#/bank-files`);
    const input = page.getByTestId('upload-returns').locator('input[type="file"]');

    const good = returnFile({ traceNumber: entry.traceNumber, amount: 12_500 }, '021000021');
    const broken = good.replace(/\n(6[^\n]*)\n/, (_all, line: string) => `\n${line.slice(0, 93)}\n`);
    await input.setInputFiles({ name: 'returns.txt', mimeType: 'text/plain', buffer: Buffer.from(broken) });
    await page.getByRole('button', { name: 'Upload return file' }).click();
    await expect.poll(() => page.getByTestId('returns-error').textContent()).toMatch(/line 3/i);
    expect(dataOf((await call('GET', `/payments/${payouts.ana}`)).body).status).toBe('processing');

    await input.setInputFiles({ name: 'returns.txt', mimeType: 'text/plain', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: 'Upload return file' }).click();
    const report = page.getByTestId('returns-report');
    await report.waitFor();
    await expect(report.textContent()).resolves.toMatch(/Returns: 1 · Corrections: 0 · Unmatched: 0/);
    await expect(page.getByTestId('returns-applied').textContent()).resolves.toMatch(/R03: No account\/unable to locate account[\s\S]*payout failed/);
    await shot('69-bank-returns');
    const ana = dataOf((await call('GET', `/payments/${payouts.ana}`)).body);
    expect(ana.status).toBe('failed');
    expect(ana.statusUpdates.at(-1).reason).toMatch(/^R03: /);
  });

  it('fits a 390 px phone: Bank settings, Bank files and a file', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${base}/#/settings/bank`);
    await page.getByTestId('bank-settings').waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('70-bank-settings-phone');
    await page.goto(`${base}/#/bank-files`);
    await page.getByTestId('bank-files-table').waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('71-bank-files-phone');
    await page.goto(`${base}/#/bank-files/${files.sent}`);
    await page.getByTestId('file-entries').waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('72-bank-file-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('shows a manager Bank files (cut, list) but not Bank settings', async () => {
    await signInAs('manager');
    await page.getByRole('link', { name: 'Bank files', exact: true }).click();
    await page.getByTestId('bank-files-table').waitFor();
    await expect(page.getByTestId('bank-files-table').locator('tbody tr').count()).resolves.toBe(2);
    await expect(page.getByTestId('cut-file').count()).resolves.toBe(1);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByTestId('keys-table').or(page.locator('.empty')).first().waitFor();
    await expect(page.getByTestId('bank-settings-link').count()).resolves.toBe(0);
    await page.goto(`${base}/#/settings/bank`);
    await page.getByTestId('forbidden').waitFor();
    await shot('73-bank-settings-manager-forbidden');
    // The server refuses it too: the role, not the page, is what decides.
    const refused = await page.evaluate(async () => {
      const { data } = await (await fetch('/auth/session')).json();
      const headers = { 'content-type': 'application/json', 'x-payouts-environment': 'production', 'x-csrf-token': data.csrfToken };
      const answer = await fetch('/ach/settings', { method: 'PUT', headers, body: '{}' });
      return answer.status;
    });
    expect(refused).toBe(403);
  });
});
