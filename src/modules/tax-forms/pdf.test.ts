import { describe, expect, it } from 'vitest';
import { pdfText, pdfTextItems, storedForm, W8BEN, W9 } from '../../../test/tax-form-fixtures.js';
import { maskTin, renderTaxFormPdf } from './pdf.js';

const ORG = 'Acme Payouts Inc.';

describe('renderTaxFormPdf', () => {
  it('masks a W-9 TIN to its last 4 and prints every field, the certification and the signer record', async () => {
    const form = storedForm(W9);
    const text = await pdfText(await renderTaxFormPdf(form, W9, { masked: true, organizationName: ORG }));
    expect(text).toContain('Form W-9 (Rev. March 2024)');
    expect(text).toContain('Copy - TIN masked');
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('Analytical Engines LLC');
    expect(text).toContain('LLC taxed as a partnership');
    expect(text).toContain('12 Babbage Street');
    expect(text).toContain('Springfield, IL 62704');
    expect(text).toContain('***-**-6789');
    expect(text).not.toMatch(/123-?45-?6789/);
    expect(text).not.toMatch(/12345/);
    expect(text).toContain('Under penalties of perjury, I certify that:');
    expect(text).toContain('I am a U.S. citizen or other U.S. person');
    expect(text).toContain(ORG);
    for (const signer of ['203.0.113.7', 'Mozilla/5.0 (Test)', 'psess_fixture_session', '2026-05-03 14:15:16 UTC', form.id]) expect(text).toContain(signer);
    expect(text).not.toContain('Filing copy');
  });

  it('shows the full TIN on the filing copy and says what it is', async () => {
    const text = await pdfText(await renderTaxFormPdf(storedForm(W9), W9, { masked: false, organizationName: ORG }));
    expect(text).toContain('Filing copy - full TIN');
    expect(text).toContain('123-45-6789');
  });

  it('masks an EIN as **-***1234', async () => {
    const details = { ...W9, tinType: 'ein' as const, tin: '987654321', taxClassification: 'c_corporation' as const };
    expect(maskTin('ein', '4321')).toBe('**-***4321');
    const text = await pdfText(await renderTaxFormPdf(storedForm(details), details, { masked: true, organizationName: ORG }));
    expect(text).toContain('**-***4321');
    expect(text).not.toContain('98765');
    const full = await pdfText(await renderTaxFormPdf(storedForm(details), details, { masked: false, organizationName: ORG }));
    expect(full).toContain('98-7654321');
  });

  it('marks a struck certification item 2 (backup withholding)', async () => {
    const details = { ...W9, backupWithholding: true };
    const text = await pdfText(await renderTaxFormPdf(storedForm(details), details, { masked: true, organizationName: ORG }));
    expect(text).toContain('Item 2 struck by the signer: subject to backup withholding');
  });

  it('masks a W-8BEN foreign TIN and date of birth, and draws names outside WinAnsi without failing', async () => {
    const form = storedForm(W8BEN);
    const text = await pdfText(await renderTaxFormPdf(form, W8BEN, { masked: true, organizationName: ORG }));
    expect(text).toContain('Form W-8BEN (Rev. October 2021)');
    expect(text).toContain('Lukasz Nowak'); // Ł has no WinAnsi glyph: its base letter
    expect(text).toContain('Poland (PL)');
    expect(text).toContain('*********2101');
    expect(text).not.toContain('PL98765432101');
    expect(text).not.toContain('1985');
    expect(text).toContain('I further certify under penalties of perjury that:');
    expect(text).toContain('Article 12, 10% rate, Royalties');
    expect(text).toContain('2030-01-01 00:00:00 UTC');
    const full = await pdfText(await renderTaxFormPdf(form, W8BEN, { masked: false, organizationName: ORG }));
    expect(full).toContain('PL98765432101');
    expect(full).toContain('1985-07-14');
  });

  it('wraps a value too long for a line, even without spaces, and keeps every character', async () => {
    const agent = `Agent/${'x'.repeat(300)}`;
    const form = storedForm(W9, {
      signer: { signature: 'Ada Lovelace', signedAt: new Date('2026-05-03T14:15:16Z'), session: null, ip: null, userAgent: agent },
    });
    const items = await pdfTextItems(await renderTaxFormPdf(form, W9, { masked: true, organizationName: ORG }));
    expect(items.map((i) => i.str).join('')).toContain(agent);
    for (const item of items) expect(item.right, item.str).toBeLessThan(item.pageWidth - 53); // within the right margin (pdfjs rounds widths);
  });

  it('renders the same form to the same bytes (a resent email carries the same file)', async () => {
    const form = storedForm(W9);
    const a = await renderTaxFormPdf(form, W9, { masked: true, organizationName: ORG });
    const b = await renderTaxFormPdf(form, W9, { masked: true, organizationName: ORG });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
