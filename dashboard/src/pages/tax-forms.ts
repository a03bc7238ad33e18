// Signed tax forms (W-9, W-8BEN): the list, newest first, each with its masked PDF; admins also
// get the filing copy with the full TIN (every download recorded by the server). A recipient's
// page shows its current form through `currentTaxFormSection`. TINs are shown as their last 4.
import { downloadFile, get } from '../api.js';
import { dateTime } from '../format.js';
import { type ListPage, mountList, pager, UrlList } from '../list.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, html, messageOf, nothing, render, type TemplateResult } from '../ui.js';

export interface TaxForm {
  id: string;
  recipientId: string;
  formType: 'W-9' | 'W-8BEN';
  legalName: string;
  businessName: string | null;
  taxClassification: string | null;
  tinType: 'ssn' | 'ein' | null;
  tinLast4: string | null;
  backupWithholding: boolean;
  signedAt: string;
  expiresAt: string | null;
  supersededAt: string | null;
  createdAt: string;
  signature: { name: string; signedAt: string; ipAddress: string | null; userAgent: string | null };
}

/** ***-**-1234 (SSN or ITIN), **-***1234 (EIN), as on the masked PDF. */
export const maskedTin = (f: Pick<TaxForm, 'tinType' | 'tinLast4'>) =>
  !f.tinLast4 ? 'No US TIN' : f.tinType === 'ein' ? `**-***${f.tinLast4}` : `***-**-${f.tinLast4}`;

/** Current, superseded, expired, or held for backup withholding. */
function formState(f: TaxForm): TemplateResult {
  if (f.supersededAt) return html`<span class="badge badge-canceled" data-form-state="superseded">Superseded</span>`;
  if (f.expiresAt && new Date(f.expiresAt).getTime() <= Date.now()) return html`<span class="badge badge-failed" data-form-state="expired">Expired</span>`;
  if (f.backupWithholding) return html`<span class="badge badge-failed" data-form-state="backup-withholding">Backup withholding</span>`;
  return html`<span class="badge badge-completed" data-form-state="current">Current</span>`;
}

/**
 * The two downloads of a form. A failure (a role refused, a form gone) shows beside the buttons;
 * the filing copy's name says what it holds.
 */
function pdfButtons(f: TaxForm, canFile: boolean): TemplateResult {
  const run = (path: string, filename: string) => async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    const problem = button.parentElement?.querySelector<HTMLElement>('.download-problem');
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    if (problem) render(nothing, problem);
    try {
      await downloadFile(path, filename, 'application/pdf');
    } catch (error) {
      if (problem) render(html`<span class="error" role="alert">${messageOf(error)}</span>`, problem);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  };
  const name = `${f.formType} ${f.legalName}`;
  return html`<span class="pdf-actions">
    <button type="button" @click=${run(`/tax-forms/${f.id}/pdf`, `${f.formType}-${f.id}.pdf`)} data-testid="masked-pdf" aria-label="Download the PDF of ${name} (TIN masked)">PDF</button>
    ${
      canFile
        ? html`<button type="button" class="danger" @click=${run(`/tax-forms/${f.id}/filing-copy.pdf`, `${f.formType}-${f.id}-filing-copy.pdf`)}
            data-testid="filing-copy" aria-label="Download the filing copy of ${name} (full TIN; the download is recorded)">Filing copy</button>`
        : nothing
    }
    <span class="download-problem"></span>
  </span>`;
}

export function taxFormsPage(el: HTMLElement, ctx: PageContext) {
  // The recipient filter and the page live in the address (`#/tax-forms?recipientId=…&cursor=…`).
  const list = new UrlList();
  const recipientId = list.filters.recipientId;
  const canFile = ctx.can('tax_forms:filing');
  // The heading and the explanation stay when the list fails to load.
  render(
    html`<div class="page-head"><h1>Tax forms</h1></div>
      <p class="muted">W-9 and W-8BEN forms your recipients signed. TINs show their last 4 digits only; the PDF is masked the same way.${
        canFile ? ' The filing copy holds the full TIN, for your information returns only: each download is recorded with your name.' : ''
      }</p>
      <div data-testid="tax-forms-list"></div>`,
    el,
  );
  mountList(
    el.querySelector<HTMLElement>('[data-testid="tax-forms-list"]')!,
    list,
    // GET /tax-forms answers no total: the pager says what this page shows.
    () => get<ListPage<TaxForm>>(`/tax-forms?${list.query({ recipientId }, { total: false })}`),
    (page) => html`
      ${
        recipientId
          ? html`<p class="muted" data-testid="recipient-filter">Forms of <a href="#/recipients/${recipientId}">this recipient</a> only · <a href="#/tax-forms">Show all forms</a></p>`
          : nothing
      }
      ${
        page.data.length === 0 && !list.state.cursor
          ? empty('No tax forms yet. Recipients created with shouldCollectTaxInfo sign one while onboarding.')
          : html`<div class="table-scroll"><table class="table list-table" data-testid="tax-forms-table">
            <thead><tr><th>Legal name</th><th>TIN</th><th class="wide-only">State</th><th class="wide-only">Signed</th><th>Copies</th></tr></thead>
            <tbody>
              ${page.data.map(
                (f) => html`<tr data-tax-form-id=${f.id}>
                  <td>
                    <a href="#/recipients/${f.recipientId}">${f.legalName}</a>
                    <div class="muted">${f.formType}${f.businessName ? ` · ${f.businessName}` : ''}</div>
                    <div class="narrow-only">${formState(f)}</div>
                  </td>
                  <td><code>${maskedTin(f)}</code></td>
                  <td class="wide-only">${formState(f)}</td>
                  <td class="wide-only">${dateTime(f.signedAt)}</td>
                  <td>${pdfButtons(f, canFile)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
      }
      ${pager(list, page, 'tax forms')}
    `,
  );
}

/** A recipient's current form on its page: what was signed, when, by whom, and its PDFs. */
export function currentTaxFormSection(el: HTMLElement, recipientId: string, ctx: PageContext) {
  el.setAttribute('aria-labelledby', 'recipient-tax-form-heading');
  const show = (content: TemplateResult | typeof nothing) =>
    render(
      html`<div class="section-head"><h2 id="recipient-tax-form-heading">Tax form</h2><a href="#/tax-forms?recipientId=${recipientId}">All forms of this recipient</a></div>${content}`,
      el,
    );
  show(html`<p class="muted">Loading…</p>`);
  void get<ListPage<TaxForm>>(`/tax-forms?recipientId=${encodeURIComponent(recipientId)}&limit=1`).then(
    ({ data }) => {
      const current = data.find((f) => !f.supersededAt);
      if (!current) return show(empty('No current tax form.'));
      show(html`<dl class="facts" data-testid="current-tax-form">
        <dt>Form</dt><dd>${current.formType} ${formState(current)}</dd>
        <dt>Legal name</dt><dd>${current.legalName}${current.businessName ? ` (${current.businessName})` : ''}</dd>
        <dt>TIN</dt><dd><code>${maskedTin(current)}</code></dd>
        <dt>Signed</dt><dd>${dateTime(current.signedAt)} by “${current.signature.name}”${current.signature.ipAddress ? ` from ${current.signature.ipAddress}` : ''}</dd>
        ${current.expiresAt ? html`<dt>Expires</dt><dd>${dateTime(current.expiresAt)}</dd>` : nothing}
        <dt>Copies</dt><dd>${pdfButtons(current, ctx.can('tax_forms:filing'))}</dd>
      </dl>`);
    },
    (error) => show(errorBox(error)),
  );
}
