// The environment's emails, as sent or captured: the list, newest first, and one message in full.
// A message's HTML is the payee's, not ours: it is shown in a sandboxed frame (no scripts, no
// forms, an opaque origin), never put into the dashboard's own page.
import { currentEnvironment, get } from '../api.js';
import { dateTime } from '../format.js';
import { type ListPage, mountList, pager, UrlList } from '../list.js';
import type { PageContext } from '../main.js';
import { empty, html, nothing, page, type TemplateResult } from '../ui.js';

interface EmailAttempt {
  attemptedAt: string;
  result: 'sent' | 'retry' | 'failed';
  smtpCode: number | null;
  smtpResponse: string | null;
  durationMs: number;
}

interface Email {
  id: string;
  recipientId: string | null;
  to: string;
  from: string;
  replyTo: string | null;
  template: string;
  status: string;
  subject: string;
  text: string;
  html: string;
  messageId: string | null;
  secretsHidden: boolean;
  attemptCount: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  attachments?: { filename: string; contentType: string; byteLength: number }[];
  attempts?: EmailAttempt[];
}

interface Delivery {
  smtpConfigured: boolean;
  captured: boolean;
  secretsHidden: boolean;
  mailFrom: string;
}

const EMAIL_STATUS_LABELS: Record<string, string> = { queued: 'Queued', sending: 'Sending', sent: 'Sent', failed: 'Failed', captured: 'Captured' };

export const emailStatusBadge = (status: string) =>
  html`<span class="badge badge-email-${status}" data-email-status=${status}>${EMAIL_STATUS_LABELS[status] ?? status}</span>`;

const TEMPLATE_LABELS: Record<string, string> = {
  payouts_created: 'New payout',
  onboarding_invitation: 'Invitation',
  payout_completed: 'Payout completed',
  payout_failed: 'Payout failed',
  one_time_code: 'One-time code',
  claim_reminder: 'Claim reminder',
  recipient_action_needed: 'Action needed',
  payout_method_changed: 'Payout method changed',
  portal_locked: 'Portal locked',
  tax_form_received: 'Tax form received',
};

const kilobytes = (bytes: number) => `${Math.max(1, Math.round(bytes / 1024))} KB`;

/** What the environment does with emails, in words: captured in the sandbox, and in production without SMTP. */
function deliveryBanner(delivery: Delivery): TemplateResult | typeof nothing {
  if (currentEnvironment() === 'sandbox') {
    return html`<div class="info-banner" data-testid="captured-banner">Sandbox emails are captured: they are never sent to anyone, and shown here in full so you can follow every link.</div>`;
  }
  if (!delivery.captured) return nothing;
  return html`<div class="warn-banner" role="status" data-testid="captured-banner">
    <strong>Emails are captured, not sent.</strong> This server has no <code>SMTP_URL</code>, so production emails are kept here and nobody receives them.
    Secrets in them (one-time codes, invitation and password-reset links) are hidden. Set <code>SMTP_URL</code> and restart to send them.
  </div>`;
}

export function emailsPage(el: HTMLElement, _ctx: PageContext) {
  // The recipient filter and the page live in the address (`#/emails?recipientId=…&cursor=…`).
  const list = new UrlList();
  const recipientId = list.filters.recipientId;
  const load = async () => {
    const [page, delivery] = await Promise.all([
      get<ListPage<Email>>(`/emails?${list.query({ recipientId: list.filters.recipientId })}`),
      get<{ data: Delivery }>('/emails/settings'),
    ]);
    return { page, delivery: delivery.data };
  };
  mountList(el, list, load, ({ page, delivery }, { reload }) => {
    return html`
      <div class="page-head"><h1>Emails</h1><button @click=${() => reload()}>Refresh</button></div>
      ${deliveryBanner(delivery)}
      ${
        recipientId
          ? html`<p class="muted" data-testid="recipient-filter">Emails to <a href="#/recipients/${recipientId}">this recipient</a> only · <a href="#/emails">Show all emails</a></p>`
          : nothing
      }
      ${
        page.data.length === 0
          ? empty(recipientId ? 'No emails to this recipient yet.' : 'No emails yet. Creating a batch emails each payee.')
          : html`<div class="table-scroll"><table class="table" data-testid="emails-table">
            <thead><tr><th>To</th><th>Subject</th><th class="wide-only">Kind</th><th>Status</th><th class="wide-only">Created</th></tr></thead>
            <tbody>
              ${page.data.map(
                (e) => html`<tr>
                  <td>${e.to}</td>
                  <td><a href="#/emails/${e.id}">${e.subject}</a></td>
                  <td class="wide-only">${TEMPLATE_LABELS[e.template] ?? e.template}</td>
                  <td>${emailStatusBadge(e.status)}</td>
                  <td class="wide-only">${dateTime(e.createdAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
      }
      ${pager(list, page, 'emails')}
    `;
  });
}

// Only web links: the regular expression is the whole check that nothing but http(s) becomes a link.
const WEB_LINK = /https?:\/\/[^\s<>"']+/g;

const linksIn = (text: string) => [...new Set(text.match(WEB_LINK) ?? [])];

const outLink = (url: string) => html`<a href=${url} target="_blank" rel="noopener noreferrer">${url}</a>`;

/** The plain-text part with its web links clickable; everything else stays text. */
function textWithLinks(text: string): (string | TemplateResult)[] {
  const parts: (string | TemplateResult)[] = [];
  let last = 0;
  for (const match of text.matchAll(WEB_LINK)) {
    parts.push(text.slice(last, match.index), outLink(match[0]));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

const attemptLine = (a: EmailAttempt) =>
  html`<li>${dateTime(a.attemptedAt)} · ${a.result}${a.smtpCode ? ` · SMTP ${a.smtpCode}` : ''} · ${a.durationMs} ms${a.smtpResponse ? html` · <span class="muted">${a.smtpResponse}</span>` : nothing}</li>`;

export function emailDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  page(
    el,
    async () => (await get<{ data: Email }>(`/emails/${id}`)).data,
    (email) => {
      const links = linksIn(email.text);
      return html`
        <div class="page-head"><h1>${email.subject}</h1><a href="#/emails">All emails</a></div>
        <dl class="facts" data-testid="email-facts">
          <dt>Status</dt><dd>${emailStatusBadge(email.status)}</dd>
          <dt>To</dt><dd>${email.to}${email.recipientId ? html` · <a href="#/recipients/${email.recipientId}">Recipient</a>` : nothing}</dd>
          <dt>From</dt><dd>${email.from}</dd>
          <dt>Reply-To</dt><dd>${email.replyTo ?? '—'}</dd>
          <dt>Kind</dt><dd>${TEMPLATE_LABELS[email.template] ?? email.template}</dd>
          <dt>Created</dt><dd>${dateTime(email.createdAt)}</dd>
          <dt>Sent</dt><dd>${email.sentAt ? dateTime(email.sentAt) : '—'}</dd>
          <dt>Attempts</dt><dd>${email.attemptCount}${email.lastError ? html` · <span class="email-error">${email.lastError}</span>` : nothing}
            ${email.attempts && email.attempts.length > 0 ? html`<ul class="attempts">${email.attempts.map(attemptLine)}</ul>` : nothing}</dd>
          <dt>Message-ID</dt><dd><code>${email.messageId ?? '—'}</code></dd>
          ${
            email.attachments && email.attachments.length > 0
              ? html`<dt>Attachments</dt><dd data-testid="email-attachments">${email.attachments.map((a) => html`<div>${a.filename} <span class="muted">(${a.contentType}, ${kilobytes(a.byteLength)})</span></div>`)}</dd>`
              : nothing
          }
        </dl>
        ${email.secretsHidden ? html`<div class="warn-banner" data-testid="secret-hidden">The secret this message carries is hidden: only its recipient can see it.</div>` : nothing}
        ${
          links.length > 0
            ? html`<h2>Links in this message</h2><ul class="email-links" data-testid="email-links">${links.map((url) => html`<li>${outLink(url)}</li>`)}</ul>`
            : nothing
        }
        <h2>Text</h2>
        <pre class="email-text" data-testid="email-text">${textWithLinks(email.text)}</pre>
        <h2>HTML</h2>
        <iframe class="email-html" data-testid="email-html" title="The email's HTML part" sandbox="" referrerpolicy="no-referrer" srcdoc=${email.html}></iframe>
      `;
    },
  );
}
