// The 1099-NEC year-end report (GET /reports/1099-nec): per payee, grouped by TIN, what was paid
// in the chosen tax year, TINs masked; recipients who reached the threshold without a W-9 apart;
// Export CSV of the same table; for admins, the filing export with full TINs (each download is
// recorded on the server). The year lives in the address (`#/1099-nec?year=2025`).
import { currentEnvironment, downloadCsv, get } from '../api.js';
import { money } from '../format.js';
import { exportButton } from '../list.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, html, messageOf, nothing, page, render } from '../ui.js';

interface Payee {
  taxFormId: string;
  legalName: string;
  businessName: string | null;
  taxClassification: string;
  tinType: 'ssn' | 'ein';
  tin: string;
  total: number;
  recipientIds: string[];
}

interface PayeeWithoutW9 {
  recipientId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  taxForm: 'w8ben' | null;
  total: number;
}

interface NecReport {
  year: number;
  timeZone: string;
  threshold: number;
  payees: Payee[];
  payeesWithoutW9: PayeeWithoutW9[];
}

const CLASSIFICATIONS: Record<string, string> = {
  individual: 'Individual / sole proprietor',
  partnership: 'Partnership',
  trust_estate: 'Trust / estate',
  llc_p: 'LLC (partnership)',
  other: 'Other',
};

/**
 * The year in the address; else, in filing season (January to March), last year, the one being
 * filed; from April on, this year, the one being paid.
 */
function yearOf(hash: string, today: Date): number {
  const current = today.getFullYear();
  const query = hash.split('?')[1] ?? '';
  const year = Number(new URLSearchParams(query).get('year'));
  if (Number.isInteger(year) && year >= 2000 && year <= current) return year;
  return today.getMonth() < 3 ? current - 1 : current;
}

const fullName = (p: PayeeWithoutW9) => [p.firstName, p.lastName].filter(Boolean).join(' ') || p.email;

export function necReportPage(el: HTMLElement, ctx: PageContext) {
  const today = new Date();
  const current = today.getFullYear();
  const year = yearOf(location.hash, today);
  const years = Array.from({ length: Math.min(10, current - 1999) }, (_, i) => current - i);
  const choose = (event: Event) => {
    location.hash = `#/1099-nec?year=${(event.target as HTMLSelectElement).value}`;
  };
  const filingExport = async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    const problem = button.parentElement?.querySelector<HTMLElement>('.export-problem');
    button.disabled = true;
    if (problem) render(nothing, problem);
    try {
      await downloadCsv(`/reports/1099-nec/filing-export?year=${year}`, `1099-nec-filing-${year}-${currentEnvironment()}.csv`);
    } catch (error) {
      if (problem) render(errorBox(new Error(`The filing export failed: ${messageOf(error)}`)), problem);
    } finally {
      button.disabled = false;
    }
  };

  page(
    el,
    async () => (await get<{ data: NecReport }>(`/reports/1099-nec?year=${year}`)).data,
    (report) => html`
      <div class="page-head">
        <h1>1099-NEC</h1>
        <div class="head-actions">
          ${exportButton(() => `/reports/1099-nec?year=${year}`, `1099-nec-${year}`)}
          ${
            ctx.can('tax_forms:filing')
              ? html`<span class="export"><button type="button" @click=${filingExport} data-testid="nec-filing-export">Filing export (full TINs)</button><span class="export-problem"></span></span>`
              : nothing
          }
        </div>
      </div>
      <div class="filters">
        <label>Tax year
          <select data-testid="nec-year" @change=${choose}>
            ${years.map((y) => html`<option value=${y} ?selected=${y === year}>${y}</option>`)}
          </select>
        </label>
      </div>
      <p class="muted" data-testid="nec-summary">
        Payees paid ${money(report.threshold)} or more in ${report.year} (${report.timeZone} time): completed payouts less those returned,
        and external payments by their payment date. Reimbursements, corporations and exempt payees are left out; recipients with one TIN are one payee.
        ${ctx.can('tax_forms:filing') ? 'Each filing export is recorded with your name.' : nothing}
      </p>
      <h2>Reportable payees (${report.payees.length})</h2>
      ${
        report.payees.length === 0
          ? empty(`No payee reached ${money(report.threshold)} in ${report.year}.`)
          : html`<div class="table-scroll"><table class="table list-table" data-testid="nec-table">
            <thead><tr><th>Payee</th><th>TIN</th><th class="wide-only">Classification</th><th class="wide-only">Recipients</th><th class="num">Total</th></tr></thead>
            <tbody>
              ${report.payees.map(
                (p) => html`<tr>
                  <td>${p.legalName}${p.businessName ? html`<div class="muted">${p.businessName}</div>` : nothing}</td>
                  <td><code>${p.tin}</code> <span class="muted">${p.tinType.toUpperCase()}</span></td>
                  <td class="wide-only">${CLASSIFICATIONS[p.taxClassification] ?? p.taxClassification}</td>
                  <td class="wide-only">${p.recipientIds.map((id, i) => html`${i > 0 ? ', ' : ''}<a href="#/recipients/${id}">Recipient ${i + 1}</a>`)}</td>
                  <td class="num">${money(p.total)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
      }
      <h2>Over the threshold without a W-9 (${report.payeesWithoutW9.length})</h2>
      ${
        report.payeesWithoutW9.length === 0
          ? empty('Every recipient who reached the threshold has a W-9.')
          : html`<p class="muted">Ask these recipients for a W-9 before filing (a W-8BEN means a foreign person, usually not reported on a 1099-NEC).</p>
          <div class="table-scroll"><table class="table list-table" data-testid="nec-missing-table">
            <thead><tr><th>Recipient</th><th>Tax form</th><th class="num">Total</th></tr></thead>
            <tbody>
              ${report.payeesWithoutW9.map(
                (p) => html`<tr>
                  <td><a href="#/recipients/${p.recipientId}">${fullName(p)}</a><div class="muted">${p.email}</div></td>
                  <td>${p.taxForm === 'w8ben' ? 'W-8BEN' : 'None'}</td>
                  <td class="num">${money(p.total)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
      }
    `,
  );
}
