import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBrowser, launchChromium } from './chromium.js';
import { DESKTOP, PHONE, type SeededDashboard, seededDashboard, signIn } from './seeded-dashboard.js';

// axe-core on every main page of the dashboard: no serious or critical violation (contrast,
// names, labels, landmarks, ARIA). Pages added later belong in PAGES too.
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

describe.skipIf(!haveBrowser)('dashboard accessibility (axe-core)', () => {
  let d: SeededDashboard;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    d = await seededDashboard();
    browser = await launchChromium();
    // axe is injected as an inline script, which the dashboard's CSP rightly refuses: tests only.
    page = await (await browser.newContext({ viewport: DESKTOP, bypassCSP: true })).newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  /** The serious and critical violations on the page as it is now, one line each. */
  async function audit(): Promise<string[]> {
    // Each page shows "Loading…" until its data is in.
    await page.waitForFunction(() => !document.body.textContent?.includes('Loading…'));
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: any[] }> } }).axe;
      const result = await axe.run(document, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n: any) => `${n.target.join(' ')}: ${n.failureSummary}`),
      }));
    });
    return (violations as Violation[])
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id} (${v.help}):\n    ${v.nodes.slice(0, 5).join('\n    ')}`);
  }

  it('the sign-in page', async () => {
    await page.goto(d.base);
    await page.getByTestId('login').waitFor();
    expect(await audit()).toEqual([]);
  });

  it('every main page, at desktop width and on a phone', async () => {
    await signIn(page, d.base);
    const PAGES: [string, string][] = [
      ['overview', '#/overview'],
      ['payouts', '#/payouts'],
      ['payout detail', `#/payouts/${d.ids.payout}`],
      ['new batch', '#/payouts/new'],
      ['batches', '#/batches'],
      ['batch detail', `#/batches/${d.ids.batch}`],
      ['recipients', '#/recipients'],
      ['recipient detail', `#/recipients/${d.ids.recipient}`],
      ['emails', '#/emails'],
      ['tax forms', '#/tax-forms'],
      ['email detail', `#/emails/${d.ids.email}`],
      ['webhooks', '#/webhooks'],
      ['webhook detail', `#/webhooks/${d.ids.webhook}`],
      ['balance', '#/balance'],
      ['transactions', '#/transactions'],
      ['bank files', '#/bank-files'],
      ['settings', '#/settings'],
      ['1099-NEC', '#/1099-nec'],
      ['users', '#/users'],
      ['bank settings', '#/settings/bank'],
      ['account', '#/account'],
    ];
    // On a phone the layout differs (menu, scrolling tables), not the content: a few pages suffice.
    const PHONE_PAGES = new Set(['overview', 'payouts', 'payout detail', 'recipient detail', 'settings', 'tax forms']);
    const failures: string[] = [];
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      for (const [name, hash] of PAGES) {
        if (viewport === PHONE && !PHONE_PAGES.has(name)) continue;
        await page.goto(`${d.base}/${hash}`);
        await page.locator('main h1').first().waitFor();
        for (const line of await audit()) failures.push(`${name} at ${viewport.width} px — ${line}`);
      }
    }
    // Production (the LIVE marker and banner) and the phone menu opened.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Production' }).click();
    await page.getByTestId('live-marker').waitFor();
    await page.getByRole('button', { name: 'Menu' }).click();
    for (const line of await audit()) failures.push(`production with the menu open — ${line}`);
    expect(failures, `axe found serious or critical violations:\n${failures.join('\n')}`).toEqual([]);
  }, 300_000);
});
