// A signed tax form as a PDF: a substitute form with every field the signer gave, the
// certification text they certified and the record of who signed. Rendered on demand from the
// sealed details, never stored. Two copies: the ordinary one masks the TIN (last 4) and the date
// of birth; the filing copy, for the payer's own filing only, shows them whole and says so.

import { type PDFFont, type PDFPage, PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import { certificationOf, W9_BACKUP_WITHHOLDING_ITEM } from './certification.js';
import { CLASSIFICATION_LABELS, type TaxForm, type TaxFormDetails, type W8BenDetails, type W9Details } from './tax-form.js';

export interface TaxFormPdfOptions {
  /** true: TIN as last 4, date of birth hidden. false: the filing copy, everything in full. */
  masked: boolean;
  organizationName: string;
}

const PAGE_WIDTH = 612; // US Letter, in points
const PAGE_HEIGHT = 792;
const MARGIN = 54;
const TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const BODY_SIZE = 9.5;
const LINE_HEIGHT = 13;
const INK = rgb(0.1, 0.12, 0.16);
const MUTED = rgb(0.35, 0.38, 0.42);

/** ***-**-1234 for an SSN (or ITIN), **-***1234 for an EIN. */
export function maskTin(tinType: 'ssn' | 'ein', last4: string): string {
  return tinType === 'ein' ? `**-***${last4}` : `***-**-${last4}`;
}

const formatTin = (tinType: 'ssn' | 'ein', tin: string) =>
  tinType === 'ein' ? `${tin.slice(0, 2)}-${tin.slice(2)}` : `${tin.slice(0, 3)}-${tin.slice(3, 5)}-${tin.slice(5)}`;

/** Any other identifier (a foreign TIN): its last 4 only. */
const maskOther = (value: string) => `${'*'.repeat(Math.max(value.length - 4, 4))}${value.slice(-4)}`;

const countryName = (code: string | null): string => {
  if (!code) return '';
  try {
    return `${new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code} (${code})`;
  } catch {
    return code;
  }
};

const utc = (date: Date) => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

type Field = [label: string, value: string];

function w9Fields(form: TaxForm, d: W9Details, masked: boolean): Field[] {
  const classification = CLASSIFICATION_LABELS[d.taxClassification];
  return [
    ['1 Legal name', d.legalName],
    ['2 Business name', d.businessName ?? ''],
    ['3a Federal tax classification', d.taxClassification === 'other' ? `${classification}: ${d.otherClassification ?? ''}` : classification],
    ['4 Exempt payee code', d.exemptPayeeCode ?? ''],
    ['4 Exemption from FATCA reporting code', d.fatcaCode ?? ''],
    ['5 Address', d.address],
    ['6 City, State, ZIP code', `${d.city}, ${d.state} ${d.zip}`],
    ['Part I TIN type', d.tinType === 'ein' ? 'EIN (employer identification number)' : 'SSN (social security number; an ITIN is entered as an SSN)'],
    ['Part I Taxpayer identification number', masked ? maskTin(d.tinType, form.tinLast4 ?? d.tin.slice(-4)) : formatTin(d.tinType, d.tin)],
    ['Backup withholding', d.backupWithholding ? 'Certification item 2 struck: subject to backup withholding' : 'Not subject (item 2 certified)'],
  ];
}

function w8benFields(d: W8BenDetails, masked: boolean): Field[] {
  const mailing = d.mailingAddress
    ? `${d.mailingAddress}, ${d.mailingCity ?? ''} ${d.mailingPostalCode ?? ''}, ${countryName(d.mailingCountry)}`
    : 'Same as above';
  return [
    ['1 Name of individual who is the beneficial owner', d.legalName],
    ['2 Country of citizenship', countryName(d.citizenshipCountry)],
    ['3 Permanent residence address', `${d.address}, ${d.city} ${d.postalCode ?? ''}, ${countryName(d.country)}`],
    ['4 Mailing address', mailing],
    ['5 U.S. taxpayer identification number (SSN or ITIN)', d.tin ? (masked ? maskTin('ssn', d.tin.slice(-4)) : formatTin('ssn', d.tin)) : 'None'],
    ['6a Foreign tax identifying number', d.foreignTin ? (masked ? maskOther(d.foreignTin) : d.foreignTin) : ''],
    ['6b Foreign TIN not legally required', d.foreignTinNotRequired ? 'Checked' : 'Not checked'],
    ['8 Date of birth (YYYY-MM-DD)', masked ? '****-**-**' : d.dateOfBirth],
    ['9 Treaty country', countryName(d.treatyCountry)],
    [
      '10 Special rates and conditions',
      d.treatyArticle ? `Article ${d.treatyArticle}, ${d.treatyRate ?? ''}% rate, ${d.treatyIncomeType ?? ''}` : 'None claimed',
    ],
  ];
}

/** Writes text top-down, wrapping and turning pages as needed. */
class Writer {
  #page: PDFPage;
  #y = PAGE_HEIGHT - MARGIN;
  constructor(
    private readonly doc: PDFDocument,
    private readonly font: PDFFont,
    private readonly bold: PDFFont,
    private readonly footer: string,
  ) {
    this.#page = this.#newPage();
  }

  #newPage(): PDFPage {
    const page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    page.drawText(this.footer, { x: MARGIN, y: MARGIN / 2, size: 7.5, font: this.font, color: MUTED });
    this.#y = PAGE_HEIGHT - MARGIN;
    return page;
  }

  #room(height: number) {
    if (this.#y - height < MARGIN) this.#page = this.#newPage();
  }

  /** The lines `text` wraps into at `size`, every character one the font can draw. */
  lines(text: string, size: number, font = this.font, width = TEXT_WIDTH): string[] {
    const out: string[] = [];
    for (const paragraph of drawable(font, text).split('\n')) {
      let line = '';
      const words = paragraph
        .split(/\s+/)
        .filter(Boolean)
        .flatMap((word) => pieces(word, (w) => font.widthOfTextAtSize(w, size) <= width));
      for (const word of words) {
        const next = line ? `${line} ${word}` : word;
        if (line && font.widthOfTextAtSize(next, size) > width) {
          out.push(line);
          line = word;
        } else line = next;
      }
      out.push(line);
    }
    return out;
  }

  paragraph(text: string, options: { size?: number; bold?: boolean; color?: typeof INK; struck?: boolean; indent?: number } = {}) {
    const size = options.size ?? BODY_SIZE;
    const font = options.bold ? this.bold : this.font;
    const indent = options.indent ?? 0;
    for (const line of this.lines(text, size, font, TEXT_WIDTH - indent)) {
      this.#room(size + 4);
      this.#y -= size + 3.5;
      this.#page.drawText(line, { x: MARGIN + indent, y: this.#y, size, font, color: options.color ?? INK });
      if (options.struck) {
        const width = font.widthOfTextAtSize(line, size);
        this.#page.drawLine({
          start: { x: MARGIN + indent, y: this.#y + size * 0.3 },
          end: { x: MARGIN + indent + width, y: this.#y + size * 0.3 },
          thickness: 0.8,
          color: INK,
        });
      }
    }
  }

  field(label: string, value: string) {
    const labelWidth = 190;
    const valueLines = this.lines(value || '-', BODY_SIZE, this.bold, TEXT_WIDTH - labelWidth);
    const labelLines = this.lines(label, BODY_SIZE - 1, this.font, labelWidth - 10);
    const rows = Math.max(valueLines.length, labelLines.length);
    this.#room(rows * LINE_HEIGHT + 6);
    for (let i = 0; i < rows; i++) {
      this.#y -= LINE_HEIGHT;
      if (labelLines[i]) this.#page.drawText(labelLines[i]!, { x: MARGIN, y: this.#y, size: BODY_SIZE - 1, font: this.font, color: MUTED });
      if (valueLines[i]) this.#page.drawText(valueLines[i]!, { x: MARGIN + labelWidth, y: this.#y, size: BODY_SIZE, font: this.bold, color: INK });
    }
    this.#y -= 4;
    this.#page.drawLine({ start: { x: MARGIN, y: this.#y }, end: { x: PAGE_WIDTH - MARGIN, y: this.#y }, thickness: 0.3, color: MUTED });
  }

  gap(points: number) {
    this.#y -= points;
  }
}

/** A word too wide for a line (a long identifier, a user agent without spaces) cut where it must be. */
function pieces(word: string, fits: (text: string) => boolean): string[] {
  if (fits(word)) return [word];
  const out: string[] = [];
  let piece = '';
  for (const char of word) {
    if (piece && !fits(piece + char)) {
      out.push(piece);
      piece = '';
    }
    piece += char;
  }
  return piece ? [...out, piece] : out;
}

// Letters that do not decompose into a base letter and a mark (NFD) but have a plain Latin one.
const PLAIN_LETTERS: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŀ: 'L', ŀ: 'l', Ŧ: 'T', ŧ: 't' };

/**
 * The standard PDF fonts encode WinAnsi only (Latin-1 and a few more): a character outside it is
 * drawn as its base letter when it has one (ą → a, ł → l), otherwise as "?". Never throws. (A
 * Unicode font would need @pdf-lib/fontkit and an embedded TTF.)
 */
function drawable(font: PDFFont, text: string): string {
  const supported = new Set(font.getCharacterSet());
  let out = '';
  for (const char of text) {
    if (char === '\n' || supported.has(char.codePointAt(0)!)) out += char;
    else {
      const base = PLAIN_LETTERS[char] ?? char.normalize('NFD').replace(/\p{M}/gu, '');
      out += base && [...base].every((c) => supported.has(c.codePointAt(0)!)) ? base : char === '\t' ? ' ' : '?';
    }
  }
  return out;
}

export async function renderTaxFormPdf(form: TaxForm, details: TaxFormDetails, options: TaxFormPdfOptions): Promise<Uint8Array> {
  const w9 = details.formType === 'w9';
  const title = w9 ? 'Form W-9 (Rev. March 2024)' : 'Form W-8BEN (Rev. October 2021)';
  const doc = await PDFDocument.create({ updateMetadata: false });
  // Fixed metadata: the same form renders to the same bytes (an email resent after a crash, two downloads).
  doc.setTitle(`${title} - ${options.masked ? 'TIN masked' : 'Filing copy'}`);
  doc.setProducer('payouts');
  doc.setCreator('payouts');
  doc.setCreationDate(form.signer.signedAt);
  doc.setModificationDate(form.signer.signedAt);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const copy = options.masked ? 'TIN masked' : 'Filing copy (full TIN): confidential';
  const w = new Writer(doc, font, bold, `${title} - form ${form.id} - ${copy}`);

  w.paragraph(title, { size: 16, bold: true });
  w.paragraph(
    w9
      ? 'Request for Taxpayer Identification Number and Certification (substitute form, signed electronically)'
      : 'Certificate of Foreign Status of Beneficial Owner for United States Tax Withholding and Reporting (Individuals) (substitute form, signed electronically)',
    { size: 10.5 },
  );
  w.gap(4);
  w.paragraph(options.masked ? 'Copy - TIN masked' : 'Filing copy - full TIN', { size: 12, bold: true, color: options.masked ? INK : rgb(0.6, 0.1, 0.1) });
  if (!options.masked) w.paragraph("For the payer's information return filing only. Every download of this copy is recorded.", { color: MUTED });
  w.paragraph(`Requested by: ${options.organizationName}`);
  if (form.supersededAt) w.paragraph(`Superseded by a newer form on ${utc(form.supersededAt)}.`, { bold: true });
  if (form.expiresAt) w.paragraph(`Valid until ${utc(form.expiresAt)} (a W-8BEN expires at the end of the third calendar year after signing).`);
  w.gap(6);

  w.paragraph(w9 ? 'Part I and taxpayer information' : 'Part I - Identification of beneficial owner', { size: 11, bold: true });
  for (const [label, value] of w9 ? w9Fields(form, details, options.masked) : w8benFields(details, options.masked)) w.field(label, value);
  w.gap(10);

  w.paragraph(w9 ? 'Part II - Certification' : 'Part III - Certification', { size: 11, bold: true });
  // Word for word what the signer was shown on the portal (certification.ts).
  const certification = certificationOf(form.formType);
  w.paragraph(certification.intro);
  certification.items.forEach((item, index) => {
    const struck = w9 && index === W9_BACKUP_WITHHOLDING_ITEM && (details as W9Details).backupWithholding;
    w.paragraph(w9 ? item.text : `- ${item.text}`, { indent: 12, struck });
    for (const sub of item.subItems ?? []) w.paragraph(sub, { indent: 24 });
    if (struck) w.paragraph('(Item 2 struck by the signer: subject to backup withholding.)', { indent: 12, bold: true });
  });
  for (const text of certification.after) w.paragraph(text, { color: MUTED });
  w.gap(10);

  w.paragraph('Signature record', { size: 11, bold: true });
  w.field('Signature (typed name)', form.signer.signature);
  w.field('Signed at', utc(form.signer.signedAt));
  w.field('Certified under penalties of perjury', 'Yes: "I certify the statements above under penalties of perjury" was checked');
  w.field('Portal session', form.signer.session ?? '');
  w.field('IP address', form.signer.ip ?? '');
  w.field('User agent', form.signer.userAgent ?? '');
  w.field('Form id', form.id);
  w.field('Recipient id', form.recipientId);
  const pages = doc.getPages();
  pages.forEach((page, index) => {
    const label = `Page ${index + 1} of ${pages.length}`;
    page.drawText(label, { x: PAGE_WIDTH - MARGIN - font.widthOfTextAtSize(label, 7.5), y: MARGIN / 2, size: 7.5, font, color: MUTED });
  });
  return doc.save();
}
