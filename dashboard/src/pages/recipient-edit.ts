// The "Edit" form of a recipient's page: what PATCH /recipients/{id} takes (names, nickname, the two
// switches). It sends only what changed, so a recipient added with no name can still be edited.
import { api, RequestFailed } from '../api.js';
import type { Recipient } from '../recipient-view.js';
import { html, nothing } from '../ui.js';

const LABELS: Record<string, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  nickname: 'Nickname',
  autoAcceptPayouts: 'Accept payouts automatically',
  shouldCollectTaxInfo: 'Collect tax information',
};

/** A refusal in words, and the field it is about (from the envelope's `param`) when there is one. */
export interface FieldProblem {
  message: string;
  param?: string;
}

/** The API names fields in backticks (`firstName`); people read the form's label instead. */
export function problemOf(error: unknown): FieldProblem {
  if (!(error instanceof RequestFailed)) return { message: error instanceof Error ? error.message : String(error) };
  const { message, param } = error.error;
  const label = param ? LABELS[param] : undefined;
  return { message: label ? message.replaceAll(`\`${param}\``, label) : message, ...(label ? { param } : {}) };
}

type Changes = Partial<Pick<Recipient, 'firstName' | 'lastName' | 'nickname' | 'autoAcceptPayouts' | 'shouldCollectTaxInfo'>>;

/** The fields the person changed, or a problem the server would refuse anyway (a name emptied). */
function changesFrom(form: HTMLFormElement, recipient: Recipient): { changes: Changes } | { problem: FieldProblem } {
  const text = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  const checked = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).checked;
  const changes: Changes = {};
  for (const name of ['firstName', 'lastName'] as const) {
    const value = text(name);
    if (value === (recipient[name] ?? '')) continue;
    if (value === '') return { problem: { param: name, message: `${LABELS[name]} cannot be emptied once set.` } };
    changes[name] = value;
  }
  const nickname = text('nickname');
  if (nickname !== (recipient.nickname ?? '')) changes.nickname = nickname === '' ? null : nickname;
  for (const name of ['autoAcceptPayouts', 'shouldCollectTaxInfo'] as const) {
    if (checked(name) !== recipient[name]) changes[name] = checked(name);
  }
  return { changes };
}

export interface EditState {
  problem: FieldProblem | null;
  saving: boolean;
}

/**
 * Saves the form. Answers the updated recipient, `null` when nothing changed, or throws nothing:
 * a refusal lands in `state.problem` for the form to show beside its field.
 */
export async function saveRecipient(form: HTMLFormElement, recipient: Recipient, state: EditState): Promise<Recipient | null | 'refused'> {
  const result = changesFrom(form, recipient);
  if ('problem' in result) {
    state.problem = result.problem;
    return 'refused';
  }
  if (Object.keys(result.changes).length === 0) return null;
  state.saving = true;
  try {
    const { data } = await api<{ data: Recipient }>('PATCH', `/recipients/${recipient.id}`, result.changes);
    state.problem = null;
    return data;
  } catch (error) {
    state.problem = problemOf(error);
    return 'refused';
  } finally {
    state.saving = false;
  }
}

export function editForm(recipient: Recipient, state: EditState, on: { submit: (e: Event) => void; cancel: () => void }) {
  const invalid = (name: string) => state.problem?.param === name;
  const describedBy = (name: string) => (invalid(name) ? 'edit-problem' : nothing);
  const textField = (name: 'firstName' | 'lastName' | 'nickname', value: string | null) =>
    html`<label>${LABELS[name]}<input id="edit-${name}" name=${name} maxlength="200" autocomplete="off" .value=${value ?? ''} aria-invalid=${invalid(name) ? 'true' : 'false'} aria-describedby=${describedBy(name)} /></label>`;
  const switchField = (name: 'autoAcceptPayouts' | 'shouldCollectTaxInfo', hint: string) =>
    html`<div><label class="checkbox"><input type="checkbox" class="checkbox-box" name=${name} .checked=${recipient[name]} aria-invalid=${invalid(name) ? 'true' : 'false'} aria-describedby="hint-${name}" />${LABELS[name]}</label><div class="hint" id="hint-${name}">${hint}</div></div>`;
  return html`<form class="card edit-form" data-testid="edit-recipient" aria-labelledby="edit-title" @submit=${on.submit} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && on.cancel()}>
    <h2 id="edit-title">Edit recipient</h2>
    <div class="field-grid">
      ${textField('firstName', recipient.firstName)}
      ${textField('lastName', recipient.lastName)}
      ${textField('nickname', recipient.nickname)}
    </div>
    ${switchField('autoAcceptPayouts', 'Turning this on also accepts the payouts already waiting for this recipient.')}
    ${switchField('shouldCollectTaxInfo', 'Ask the recipient for a tax form during onboarding.')}
    ${state.problem ? html`<div class="error" role="alert" id="edit-problem" data-testid="edit-problem">${state.problem.message}</div>` : nothing}
    <div class="actions">
      <button type="submit" class="primary" ?disabled=${state.saving}>${state.saving ? 'Saving…' : 'Save'}</button>
      <button type="button" @click=${on.cancel}>Cancel</button>
    </div>
  </form>`;
}
