import { get, post } from '../api.js';
import { dateTime, money } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, nothing, page, statusBadge } from '../ui.js';

const undeliverableBadge = html`<span class="badge badge-undeliverable" data-testid="undeliverable-badge" title="A permanent SMTP refusal: emails to this address do not arrive">Email undeliverable</span>`;

export function recipientsPage(el: HTMLElement, ctx: PageContext) {
  let search = '';
  let addError: unknown = null;
  page(
    el,
    () => get(`/recipients?limit=100${search ? `&email=${encodeURIComponent(search)}` : ''}`),
    (list, reload) => {
      const add = async (event: Event) => {
        event.preventDefault();
        const form = event.target as HTMLFormElement;
        const v = formValues(form);
        try {
          await post('/recipients', {
            recipients: [{ firstName: v.firstName, lastName: v.lastName, email: v.email, ...(v.nickname ? { nickname: v.nickname } : {}) }],
          });
          addError = null;
          form.reset();
        } catch (error) {
          addError = error;
        }
        await reload();
      };
      return html`
        <div class="page-head"><h1>Recipients</h1></div>
        <form class="filters" @submit=${(e: Event) => {
          e.preventDefault();
          search = formValues(e.target as HTMLFormElement).email ?? '';
          void reload();
        }}>
          <label>Email <input name="email" type="search" placeholder="Exact email" .value=${search} /></label><button type="submit">Search</button>
        </form>
        ${
          ctx.can('recipients:write')
            ? html`<form class="card inline-form" @submit=${add} data-testid="add-recipient">
              <strong>Add a recipient</strong>
              <input name="firstName" placeholder="First name" required aria-label="First name" />
              <input name="lastName" placeholder="Last name" required aria-label="Last name" />
              <input name="email" type="email" placeholder="Email" required aria-label="Email" />
              <input name="nickname" placeholder="Nickname (optional)" aria-label="Nickname" />
              <button type="submit" class="primary">Add</button>
              ${errorBox(addError)}
            </form>`
            : nothing
        }
        ${
          list.data.length === 0
            ? empty('No recipients yet. Paying an email creates its recipient.')
            : html`<table class="table"><thead><tr><th>Email</th><th>Name</th><th>Auto-accept</th><th>Added</th></tr></thead><tbody>
              ${list.data.map((r: any) => html`<tr><td><a href="#/recipients/${r.id}">${r.email}</a>${r.emailUndeliverable ? html` ${undeliverableBadge}` : nothing}</td><td>${[r.firstName, r.lastName].filter(Boolean).join(' ') || '—'}</td><td>${r.autoAcceptPayouts ? 'Yes' : 'No'}</td><td>${dateTime(r.createdAt)}</td></tr>`)}
            </tbody></table>`
        }
      `;
    },
  );
}

export function recipientDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  const canEmail = ctx.can('recipients:write');
  let invited: { emailId: string } | null = null;
  let inviteError: unknown = null;
  page(
    el,
    async () => ({
      recipient: (await get(`/recipients/${id}`)).data,
      payouts: ctx.can('payouts:read') ? (await get(`/payments?recipientId=${id}&limit=50`)).data : [],
      // Whether an invitation already went out decides the button's words.
      emails: canEmail ? (await get(`/emails?recipientId=${id}&limit=100`)).data : [],
    }),
    ({ recipient, payouts, emails }, reload) => {
      const wasInvited = emails.some((e: any) => e.template === 'onboarding_invitation');
      const invite = async () => {
        try {
          invited = (await post(`/recipients/${id}/invite`)).data;
          inviteError = null;
        } catch (error) {
          invited = null;
          inviteError = error;
        }
        await reload();
      };
      return html`
      <div class="page-head">
        <h1>${[recipient.firstName, recipient.lastName].filter(Boolean).join(' ') || recipient.email}</h1>
        ${
          canEmail
            ? html`<a href="#/emails?recipientId=${id}" data-testid="recipient-emails">Emails (${emails.length}${emails.length === 100 ? '+' : ''})</a>
              <button class="primary" @click=${invite} data-testid="invite-recipient">${wasInvited ? 'Resend invitation' : 'Invite'}</button>`
            : nothing
        }
      </div>
      ${
        invited
          ? html`<div class="notice" role="status" data-testid="invite-sent">Invitation queued for ${recipient.email}. <a href="#/emails/${invited.emailId}">See the email</a></div>`
          : nothing
      }
      ${errorBox(inviteError)}
      ${
        recipient.emailUndeliverable
          ? html`<div class="error" data-testid="undeliverable">${undeliverableBadge} The recipient's mail server permanently refused an email to ${recipient.email}. Emails to this address will not arrive.</div>`
          : nothing
      }
      <dl class="facts">
        <dt>Email</dt><dd>${recipient.email}${recipient.emailUndeliverable ? html` ${undeliverableBadge}` : nothing}</dd><dt>Nickname</dt><dd>${recipient.nickname ?? '—'}</dd>
        <dt>Auto-accepts payouts</dt><dd>${recipient.autoAcceptPayouts ? 'Yes' : 'No'}</dd>
        <dt>Onboarding link</dt><dd><code>${recipient.onboardingUrl}</code></dd><dt>Added</dt><dd>${dateTime(recipient.createdAt)}</dd>
      </dl>
      <h2>Payouts</h2>
      ${
        payouts.length === 0
          ? empty('No payouts to this recipient.')
          : html`<table class="table"><thead><tr><th>Created</th><th class="num">Amount</th><th>Status</th></tr></thead><tbody>
        ${payouts.map((p: any) => html`<tr><td><a href="#/payouts/${p.id}">${dateTime(p.createdAt)}</a></td><td class="num">${money(p.amount)}</td><td>${statusBadge(p.status)}</td></tr>`)}
      </tbody></table>`
      }
    `;
    },
  );
}
