// One recipient: its status, payout method and history, its payouts, and (for roles that may
// write to recipients) "Edit" and "Resend invitation".
import { get, post } from '../api.js';
import { dateTime, money } from '../format.js';
import { exportButton, exportPath, type ListPage, type Mounted, mountList, pager, UrlList } from '../list.js';
import type { PageContext } from '../main.js';
import { RECIPIENT_STATUS_LABELS, type Recipient, recipientName, recipientStatusBadge, undeliverableBadge } from '../recipient-view.js';
import { empty, errorBox, html, nothing, page, statusBadge } from '../ui.js';
import type { Payment } from './payouts.js';
import { type EditState, editForm, saveRecipient } from './recipient-edit.js';
import { loadMethodHistory, methodSection, newMethodForm } from './recipient-methods.js';
import { currentTaxFormSection } from './tax-forms.js';

export function recipientDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  const canWrite = ctx.can('recipients:write');
  // The last action's outcome; a new action replaces it, so an old notice never lingers.
  let notice: { invited: { emailId: string } } | { saved: true } | null = null;
  let inviteError: unknown = null;
  let inviting = false;
  let editing = false;
  const edit: EditState = { problem: null, saving: false };
  const methodForm = newMethodForm();
  const focus = (selector: string) => el.querySelector<HTMLElement>(selector)?.focus();
  // The recipient's payouts: a list of their own, paged in the address, reloaded without the rest.
  const payoutsEl = document.createElement('section');
  payoutsEl.setAttribute('aria-labelledby', 'recipient-payouts-heading');
  // A saved change (auto-accept, a payout method) can move the recipient's payouts: they reload too.
  const payouts = ctx.can('payouts:read') ? recipientPayouts(payoutsEl, id) : null;
  // The current tax form, for the roles that may see tax forms; loaded once, beside the rest.
  const taxFormEl = document.createElement('section');
  if (ctx.can('tax_forms:read')) currentTaxFormSection(taxFormEl, id, ctx);
  page(
    el,
    async () => {
      const [recipient, emails, history] = await Promise.all([
        get<{ data: Recipient }>(`/recipients/${id}`),
        // Whether an invitation already went out decides the button's words.
        canWrite ? get(`/emails?recipientId=${id}&limit=100`) : { data: [] },
        loadMethodHistory(id, ctx),
      ]);
      return { recipient: recipient.data, emails: emails.data as any[], history };
    },
    ({ recipient, emails, history }, reload) => {
      const wasInvited = emails.some((e) => e.template === 'onboarding_invitation');
      const invite = async () => {
        if (inviting) return;
        inviting = true;
        try {
          notice = { invited: (await post(`/recipients/${id}/invite`)).data };
          inviteError = null;
        } catch (error) {
          notice = null;
          inviteError = error;
        } finally {
          inviting = false;
        }
        await reload();
      };
      const openEdit = async () => {
        [editing, notice, inviteError, edit.problem] = [true, null, null, null];
        await reload();
        focus('#edit-firstName');
      };
      const closeEdit = async () => {
        editing = false;
        await reload();
        focus('[data-testid="edit-recipient-button"]');
      };
      const submit = async (event: Event) => {
        event.preventDefault();
        if (edit.saving) return;
        const result = await saveRecipient(event.target as HTMLFormElement, recipient, edit);
        if (result === 'refused') {
          await reload();
          focus(edit.problem?.param ? `#edit-${edit.problem.param}` : '#edit-problem');
          return;
        }
        notice = result === null ? null : { saved: true };
        await closeEdit();
        if (result !== null) await payouts?.reload();
      };
      return html`
      <p class="muted"><a href="#/recipients">Recipients</a></p>
      <div class="page-head">
        <h1>${recipientName(recipient) || recipient.email}</h1>
        ${recipient.status ? recipientStatusBadge(recipient.status) : nothing}
        ${
          canWrite
            ? html`<div class="head-actions">
              <a href="#/emails?recipientId=${id}" data-testid="recipient-emails">Emails (${emails.length}${emails.length === 100 ? '+' : ''})</a>
              <button @click=${openEdit} ?disabled=${editing} data-testid="edit-recipient-button">Edit</button>
              <button class="primary" @click=${invite} ?disabled=${inviting} data-testid="invite-recipient">${wasInvited ? 'Resend invitation' : 'Invite'}</button>
            </div>`
            : nothing
        }
      </div>
      <div aria-live="polite">
        ${notice && 'invited' in notice ? html`<div class="notice" data-testid="invite-sent">Invitation queued for ${recipient.email}. <a href="#/emails/${notice.invited.emailId}">See the email</a></div>` : nothing}
        ${notice && 'saved' in notice ? html`<div class="notice" data-testid="recipient-saved">Changes saved.</div>` : nothing}
      </div>
      ${errorBox(inviteError)}
      ${
        recipient.emailUndeliverable
          ? html`<div class="error" data-testid="undeliverable">${undeliverableBadge} The recipient's mail server permanently refused an email to ${recipient.email}. Emails to this address will not arrive.</div>`
          : nothing
      }
      ${
        recipient.status === 'action_needed'
          ? html`<div class="warn-banner" data-testid="action-needed"><strong>${RECIPIENT_STATUS_LABELS.action_needed}:</strong> ${recipient.actionNeededReason ?? 'the recipient must finish onboarding before it can be paid.'}</div>`
          : nothing
      }
      ${editing ? editForm(recipient, edit, { submit, cancel: closeEdit }) : nothing}
      <dl class="facts" data-testid="recipient-facts">
        <dt>Email</dt><dd>${recipient.email}${recipient.emailUndeliverable ? html` ${undeliverableBadge}` : nothing}</dd>
        <dt>Name</dt><dd>${recipientName(recipient) || '—'}</dd>
        <dt>Nickname</dt><dd>${recipient.nickname ?? '—'}</dd>
        <dt>Country</dt><dd>${recipient.country ?? '—'}</dd>
        <dt>Status</dt><dd>${recipientStatusBadge(recipient.status)}</dd>
        <dt>Auto-accepts payouts</dt><dd>${recipient.autoAcceptPayouts ? 'Yes' : 'No'}</dd>
        <dt>Collects tax information</dt><dd>${recipient.shouldCollectTaxInfo ? 'Yes' : 'No'}</dd>
        <dt>Onboarding link</dt><dd><code>${recipient.onboardingUrl}</code></dd>
        <dt>Added</dt><dd>${dateTime(recipient.createdAt)}</dd>
      </dl>
      ${methodSection(
        recipient,
        history,
        canWrite
          ? {
              state: methodForm,
              render: reload,
              saved: async () => {
                await Promise.all([reload(), payouts?.reload()]);
              },
            }
          : null,
      )}
      ${ctx.can('tax_forms:read') ? taxFormEl : nothing}
      ${ctx.can('payouts:read') ? payoutsEl : nothing}
    `;
    },
  );
}

function recipientPayouts(el: HTMLElement, recipientId: string): Mounted {
  const list = new UrlList();
  return mountList(
    el,
    list,
    () => get<ListPage<Payment>>(`/payments?${list.query({ recipientId })}`),
    (page) => html`
      <div class="section-head"><h2 id="recipient-payouts-heading">Payouts</h2>${exportButton(() => exportPath('/payments', { recipientId }), 'recipient-payouts')}</div>
      ${
        page.data.length === 0 && !list.state.cursor
          ? empty('No payouts to this recipient.')
          : html`<div class="table-scroll"><table class="table list-table" data-testid="recipient-payouts"><thead><tr><th>Created</th><th class="num">Amount</th><th>Status</th><th class="wide-only">Reference</th></tr></thead><tbody>
        ${page.data.map(
          (p) =>
            html`<tr data-payout-id=${p.id}><td><a href="#/payouts/${p.id}">${dateTime(p.createdAt)}</a></td><td class="num">${money(p.amount)}</td><td>${statusBadge(p.status)}</td><td class="wide-only">${p.referenceId ?? '—'}</td></tr>`,
        )}
      </tbody></table></div>
      ${pager(list, page, 'payouts')}`
      }
    `,
  );
}
