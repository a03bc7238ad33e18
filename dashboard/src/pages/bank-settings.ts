// Settings → Bank: the organization's ACH set-up with its bank (admins only), whether the rail is
// on and, when it is off, why. The offset account number is write-only: the API answers its last
// four digits, and an empty field keeps the stored number.
import { api, currentEnvironment, get, PRODUCTION_WARNING, RequestFailed, setEnvironment } from '../api.js';
import { dateTime } from '../format.js';
import type { PageContext } from '../main.js';
import { errorBox, html, nothing, notify, page, render, type TemplateResult } from '../ui.js';

export interface BankSettings {
  odfiRouting: string;
  immediateDestination: string;
  immediateDestinationName: string;
  immediateOrigin: string;
  immediateOriginName: string;
  companyId: string;
  companyName: string;
  companyEntryDescription: string;
  balanced: boolean;
  offsetRoutingNumber: string | null;
  offsetAccountLast4: string | null;
  offsetAccountType: 'checking' | 'savings' | null;
  cutoffTime: string;
  timeZone: string;
  updatedAt: string;
}

export interface RailState {
  configured: boolean;
  problems: string[];
  settings: BankSettings | null;
}

/** The API wraps some answers in `data`; take the object either way. */
export const unwrap = <T>(body: any): T => (body && typeof body === 'object' && 'data' in body && !('hasMore' in body) ? body.data : body) as T;

export const loadRailState = async () => unwrap<RailState>(await get('/ach/settings'));

/** In sandbox mode there is no ACH: say so, and offer the switch to production. */
export function productionOnly(what: string): TemplateResult | null {
  if (currentEnvironment() === 'production') return null;
  const toProduction = () => {
    if (!confirm(PRODUCTION_WARNING)) return;
    setEnvironment('production');
    // The router redraws the shell (and its environment switch) on a hash change.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  };
  return html`<div class="page-head"><h1>${what}</h1></div>
    <div class="info-banner" data-testid="ach-production-only">
      ACH runs in production only: bank files move real money, so there is nothing to set up or cut in the sandbox.
      <div class="actions"><button class="primary" @click=${toProduction}>Switch to production</button></div>
    </div>`;
}

/** Whether the rail is on, and if it is off, the reasons the API gives. */
export function railBanner(state: RailState, ctx: PageContext, onSettingsPage = false): TemplateResult {
  if (state.configured) {
    return html`<div class="notice" role="status" data-testid="ach-on"><span><strong>ACH is on.</strong> Payouts to bank accounts go in bank files.</span></div>`;
  }
  return html`<div class="warn-banner" role="status" data-testid="ach-off">
    <strong>ACH is off.</strong> Payouts to bank accounts stay on the manual rail until it is on.
    <ul class="problems" data-testid="ach-problems">${state.problems.map((p) => html`<li>${p}</li>`)}</ul>
    ${!onSettingsPage && ctx.can('ach:settings') ? html`<a href="#/settings/bank">Open Bank settings</a>` : nothing}
  </div>`;
}

type FieldName = Exclude<keyof BankSettings, 'offsetAccountLast4' | 'timeZone' | 'updatedAt'> | 'offsetAccountNumber';

const LABELS: Record<FieldName, string> = {
  odfiRouting: 'ODFI routing number',
  immediateDestination: 'Immediate destination',
  immediateDestinationName: 'Immediate destination name',
  immediateOrigin: 'Immediate origin',
  immediateOriginName: 'Immediate origin name',
  companyId: 'Company ID',
  companyName: 'Company name',
  companyEntryDescription: 'Company entry description',
  balanced: 'Balanced files',
  offsetRoutingNumber: 'Offset routing number',
  offsetAccountNumber: 'Offset account number',
  offsetAccountType: 'Offset account type',
  cutoffTime: 'Daily cut-off',
};

// What each field is, in the words of the bank's ACH origination agreement.
const HINTS: Partial<Record<FieldName, string>> = {
  odfiRouting: 'Your bank’s 9-digit routing number: the bank that sends your files into the ACH network.',
  immediateDestination: 'The 9-digit routing number the file is addressed to. Leave empty to use the ODFI’s, as most banks want.',
  immediateDestinationName: 'Your bank’s name, up to 23 characters.',
  immediateOrigin: '9 or 10 digits your bank assigned, often 1 followed by your EIN.',
  immediateOriginName: 'Your company’s name as your bank knows it, up to 23 characters.',
  companyId: '10 letters or digits, often 1 followed by your EIN.',
  companyName: 'Shown on recipients’ bank statements, up to 16 characters.',
  companyEntryDescription: 'Shown on statements too, up to 10 characters, e.g. PAYOUT.',
  offsetRoutingNumber: 'Balanced files only: the routing number of your own account.',
  offsetAccountType: 'Balanced files only.',
};

interface FormState {
  problem: { message: string; param?: string } | null;
  saved: boolean;
  saving: boolean;
}

/** The API names fields in backticks (`odfiRouting`); people read the form's labels. */
function problemOf(error: unknown): FormState['problem'] {
  if (!(error instanceof RequestFailed)) return { message: error instanceof Error ? error.message : String(error) };
  const { message, param } = error.error;
  const label = param ? LABELS[param as FieldName] : undefined;
  return { message: label ? message.replaceAll(`\`${param}\``, label) : message, ...(label ? { param } : {}) };
}

function bodyOf(form: HTMLFormElement) {
  const text = (name: FieldName) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  const orNull = (name: FieldName) => text(name) || null;
  const accountNumber = text('offsetAccountNumber');
  return {
    odfiRouting: text('odfiRouting'),
    immediateDestination: text('immediateDestination'),
    immediateDestinationName: text('immediateDestinationName'),
    immediateOrigin: text('immediateOrigin'),
    immediateOriginName: text('immediateOriginName'),
    companyId: text('companyId'),
    companyName: text('companyName'),
    companyEntryDescription: text('companyEntryDescription'),
    balanced: (form.elements.namedItem('balanced') as HTMLInputElement).checked,
    offsetRoutingNumber: orNull('offsetRoutingNumber'),
    // Left empty: the stored number stays.
    ...(accountNumber ? { offsetAccountNumber: accountNumber } : {}),
    offsetAccountType: orNull('offsetAccountType'),
    cutoffTime: text('cutoffTime'),
  };
}

export function bankSettingsPage(el: HTMLElement, ctx: PageContext) {
  const notice = productionOnly('Bank settings');
  if (notice) return render(notice, el);
  const state: FormState = { problem: null, saved: false, saving: false };
  page(el, loadRailState, (rail, reload) => {
    const s = rail.settings;
    const submit = async (event: Event) => {
      event.preventDefault();
      if (state.saving) return;
      const form = event.target as HTMLFormElement;
      state.saving = true;
      try {
        await api('PUT', '/ach/settings', bodyOf(form));
        [state.problem, state.saved] = [null, true];
        notify('Bank settings saved.');
        form.querySelector<HTMLInputElement>('[name="offsetAccountNumber"]')!.value = '';
      } catch (error) {
        [state.problem, state.saved] = [problemOf(error), false];
      } finally {
        state.saving = false;
      }
      await reload();
      if (state.problem?.param) el.querySelector<HTMLElement>(`[name="${state.problem.param}"]`)?.focus();
    };
    const turnOff = async () => {
      if (!confirm('Turn ACH off? Payouts to bank accounts stay on the manual rail until you set it up again. Files already cut are kept.')) return;
      try {
        await api('DELETE', '/ach/settings');
        [state.problem, state.saved] = [null, false];
        notify('ACH turned off.');
      } catch (error) {
        state.problem = problemOf(error);
      }
      await reload();
    };
    const invalid = (name: FieldName) => state.problem?.param === name;
    const fieldError = (name: FieldName) =>
      invalid(name) ? html`<span class="field-error" role="alert" id="problem-${name}" data-testid="field-error">${state.problem!.message}</span>` : nothing;
    const hints: Partial<Record<FieldName, unknown>> = {
      ...HINTS,
      offsetAccountNumber: s?.offsetAccountLast4
        ? `Stored: ending ${s.offsetAccountLast4}. Leave empty to keep it.`
        : 'Balanced files only. Never shown again once saved.',
      cutoffTime: html`Your bank’s deadline${s?.timeZone ? html`, in <strong>${s.timeZone}</strong>` : nothing}. A file cut after it goes to the bank the next banking day; its effective date is the banking day after the day it goes.`,
    };
    const hint = (name: FieldName) =>
      hints[name]
        ? html`<span class="field-hint" id="hint-${name}" data-testid=${name === 'offsetAccountNumber' ? 'offset-account-stored' : nothing}>${hints[name]}</span>`
        : nothing;
    const describedBy = (name: FieldName) => [hints[name] ? `hint-${name}` : '', invalid(name) ? `problem-${name}` : ''].filter(Boolean).join(' ') || nothing;
    // The label holds the field's name only (its accessible name); hint and error are described-by.
    const field = (name: FieldName, control: TemplateResult) =>
      html`<div class="field"><label for="ach-${name}">${LABELS[name]}</label>${control}${hint(name)}${fieldError(name)}</div>`;
    const marks = (name: FieldName) => ({ invalid: invalid(name) ? 'true' : 'false', describedBy: describedBy(name) });
    const textField = (name: FieldName, value: string | null, attrs: { maxlength: number; inputmode?: 'numeric'; placeholder?: string }) =>
      field(
        name,
        html`<input id="ach-${name}" name=${name} .value=${value ?? ''} maxlength=${attrs.maxlength} inputmode=${attrs.inputmode ?? nothing}
          placeholder=${attrs.placeholder ?? nothing} autocomplete="off" aria-invalid=${marks(name).invalid} aria-describedby=${marks(name).describedBy} />`,
      );
    return html`
      <div class="page-head"><h1>Bank settings</h1><a class="button" href="#/settings">Back to Settings</a></div>
      ${railBanner(rail, ctx, true)}
      <form class="card edit-form bank-form" data-testid="bank-settings" @submit=${submit} novalidate>
        <h2>Your bank</h2>
        <div class="field-grid">
          ${textField('odfiRouting', s?.odfiRouting ?? null, { maxlength: 9, inputmode: 'numeric' })}
          ${textField('immediateDestination', s?.immediateDestination ?? null, { maxlength: 9, inputmode: 'numeric' })}
          ${textField('immediateDestinationName', s?.immediateDestinationName ?? null, { maxlength: 23 })}
          ${textField('immediateOrigin', s?.immediateOrigin ?? null, { maxlength: 10, inputmode: 'numeric' })}
          ${textField('immediateOriginName', s?.immediateOriginName ?? null, { maxlength: 23 })}
        </div>
        <h2>Your company</h2>
        <div class="field-grid">
          ${textField('companyId', s?.companyId ?? null, { maxlength: 10 })}
          ${textField('companyName', s?.companyName ?? null, { maxlength: 16 })}
          ${textField('companyEntryDescription', s?.companyEntryDescription ?? null, { maxlength: 10, placeholder: 'PAYOUT' })}
        </div>
        <h2>Balancing</h2>
        <div>
          <label class="checkbox"><input type="checkbox" class="checkbox-box" name="balanced" .checked=${s?.balanced ?? false}
            aria-invalid=${invalid('balanced') ? 'true' : 'false'} aria-describedby="hint-balanced" />${LABELS.balanced}</label>
          <div class="hint" id="hint-balanced">Each batch carries an offset debit to your own account, so the file’s debits equal its credits. Ask your bank whether it wants balanced files.</div>
          ${fieldError('balanced')}
        </div>
        <div class="field-grid">
          ${textField('offsetRoutingNumber', s?.offsetRoutingNumber ?? null, { maxlength: 9, inputmode: 'numeric' })}
          ${field(
            'offsetAccountNumber',
            html`<input id="ach-offsetAccountNumber" name="offsetAccountNumber" maxlength="17" inputmode="numeric" autocomplete="off"
              placeholder=${s?.offsetAccountLast4 ? `ending ${s.offsetAccountLast4}` : nothing}
              aria-invalid=${marks('offsetAccountNumber').invalid} aria-describedby=${marks('offsetAccountNumber').describedBy} />`,
          )}
          ${field(
            'offsetAccountType',
            html`<select id="ach-offsetAccountType" name="offsetAccountType" aria-invalid=${marks('offsetAccountType').invalid} aria-describedby=${marks('offsetAccountType').describedBy}>
              <option value="" ?selected=${!s?.offsetAccountType}>—</option>
              <option value="checking" ?selected=${s?.offsetAccountType === 'checking'}>Checking</option>
              <option value="savings" ?selected=${s?.offsetAccountType === 'savings'}>Savings</option>
            </select>`,
          )}
        </div>
        <h2>Schedule</h2>
        <div class="field-grid narrow">
          ${field(
            'cutoffTime',
            html`<input id="ach-cutoffTime" name="cutoffTime" type="time" .value=${s?.cutoffTime ?? '16:00'} aria-invalid=${marks('cutoffTime').invalid}
              aria-describedby=${marks('cutoffTime').describedBy} />`,
          )}
        </div>
        ${state.problem && !state.problem.param ? errorBox(new Error(state.problem.message)) : nothing}
        <div class="actions">
          <button type="submit" class="primary" ?disabled=${state.saving}>${state.saving ? 'Saving…' : 'Save bank settings'}</button>
          ${state.saved ? html`<span class="saved" role="status" data-testid="bank-saved">Saved.</span>` : nothing}
          ${s ? html`<span class="spacer"></span><button type="button" class="danger" @click=${turnOff}>Turn ACH off</button>` : nothing}
        </div>
        ${s ? html`<p class="muted">Last changed ${dateTime(s.updatedAt)}.</p>` : nothing}
      </form>
    `;
  });
}
