import { escapeHtml as e } from '../../platform/html.js';
import { dollars } from '../../platform/money.js';
import { formatDay, formatTime, maskEmail } from './format.js';
import { portalPage } from './layout.js';
import type { PayoutPage, PortalRecipient, TimelineEntry } from './portal.repository.js';

// Every page of the portal as a pure function of what it shows. Values are escaped here; labels
// are the SPEC's stable ones ("Email code", "Accept", "Decline", ...).

/** `p` for a payoutLink, `r` for an onboardingUrl: where a code request came from and goes back to. */
export type LinkPath = 'p' | 'r';

export const STATUS_TEXT: Record<string, string> = {
  created: 'Created',
  pending: 'On its way',
  awaiting_acceptance: 'Waiting for you',
  processing: 'Being paid',
  completed: 'Paid',
  failed: 'Failed',
  returned: 'Returned',
  canceled: 'Canceled',
};

const statusBadge = (status: string) => `<span class="badge badge-${e(status)}" data-status="${e(status)}">${e(STATUS_TEXT[status] ?? status)}</span>`;
const money = (p: PayoutPage) => `${dollars(Number(p.amount))}${p.currency === 'USD' ? '' : ` ${p.currency}`}`;

export const notFoundPage = () =>
  portalPage(
    { title: 'Link not found' },
    '<h1>This link is not valid</h1><p>Check that you copied the whole link from your email. If it still does not work, ask the sender for a new one.</p>',
  );

export const errorPage = (title: string, message: string, requestId?: string) =>
  portalPage({ title }, `<h1>${e(title)}</h1><p>${e(message)}</p>${requestId ? `<p class="muted small">Reference: ${e(requestId)}</p>` : ''}`);

export const sessionEndedPage = () =>
  portalPage(
    { title: 'Please open your link again' },
    '<h1>Please open your link again</h1><p>Your portal session has ended or was never started on this device. Open the link from your email again and ask for a new code.</p>',
  );

export const signedOutPage = () => portalPage({ title: 'Signed out' }, '<h1>You are signed out</h1><p>To come back, open the link from your email again.</p>');

function codeRequestForm(path: LinkPath, segment: string, label: string): string {
  return `<form method="post" action="/portal/code/${path}/${e(segment)}"><div class="actions"><button class="primary" type="submit">${e(label)}</button></div></form>`;
}

/** `/p/<link>`: the payout at a glance, without signing in. */
export function payoutSummaryPage(p: PayoutPage, segment: string): string {
  const waiting = p.status === 'awaiting_acceptance';
  return portalPage(
    { title: `Payout from ${p.organizationName}`, organizationName: p.organizationName, environment: p.environment },
    `<h1>${e(p.organizationName)} sent you ${e(money(p))}</h1>
<div class="card"><dl><dt>From</dt><dd>${e(p.organizationName)}</dd><dt>Amount</dt><dd>${e(money(p))}</dd>
<dt>Description</dt><dd>${e(p.description ?? '—')}</dd><dt>Status</dt><dd>${statusBadge(p.status)}${p.statusReason ? ` <span class="muted">${e(p.statusReason)}</span>` : ''}</dd></dl></div>
<p>${waiting ? 'To accept this payout or to tell us how you want to be paid, confirm it is you: we email you a 6-digit code.' : 'To see all your payouts and your details, confirm it is you: we email you a 6-digit code.'}</p>
${codeRequestForm('p', segment, 'Email me a code')}`,
  );
}

/** `/r/<link>`: the welcome and the steps ahead, without signing in. */
export function welcomePage(r: PortalRecipient, segment: string): string {
  return portalPage(
    { title: `Get paid by ${r.organizationName}`, organizationName: r.organizationName, environment: r.tenant.environment },
    `<h1>Welcome${r.firstName ? `, ${e(r.firstName)}` : ''}</h1>
<p>${e(r.organizationName)} wants to pay you. Setting up takes a few steps, each saved as you go:</p>
<ol class="steps"><li>Your name and country</li><li>How you want to be paid</li>${
      r.shouldCollectTaxInfo ? '<li>Your tax form (W-9 or W-8BEN)</li>' : ''
    }<li>Whether to accept future payouts automatically</li></ol>
<p>First, confirm it is you: we email a 6-digit code to ${e(maskEmail(r.email))}.</p>
${codeRequestForm('r', segment, 'Email me a code')}`,
  );
}

/** The code entry page; `error` is the field's own message. */
export function codeEntryPage(r: PortalRecipient, path: LinkPath, segment: string, options: { error?: string; value?: string } = {}): string {
  const error = options.error;
  return portalPage(
    { title: 'Enter your code', organizationName: r.organizationName, environment: r.tenant.environment },
    `<h1>Enter your code</h1>
<p>We emailed a 6-digit code to <strong>${e(maskEmail(r.email))}</strong>. It is valid for 10 minutes and works once.</p>
<div class="card"><form method="post" action="/portal/verify/${path}/${e(segment)}" novalidate>
<label>Email code<input class="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required autofocus value="${e(options.value ?? '')}"${error ? ' aria-invalid="true" aria-describedby="code-error"' : ''}></label>
${error ? `<div class="field-error" id="code-error" role="alert">${e(error)}</div>` : ''}
<div class="actions"><button class="primary" type="submit">Continue</button></div></form></div>
<p class="muted small">No email? Check your spam folder, or ask for a new code (at most 5 an hour).</p>
<form method="post" action="/portal/code/${path}/${e(segment)}"><div class="actions"><button type="submit">Send a new code</button></div></form>`,
  );
}

export const lockedPage = (r: PortalRecipient, until: Date) =>
  portalPage(
    { title: 'Portal locked', organizationName: r.organizationName, environment: r.tenant.environment },
    `<h1>Your portal is locked for now</h1>
<div class="error" role="alert">Too many codes were asked for, or too many wrong codes entered. For your safety the portal is locked until ${e(formatTime(until))}.</div>
<p>Nothing was changed. After that time, open the link from your email again.</p>`,
  );

export interface HomeView {
  recipient: PortalRecipient;
  csrfToken: string;
  payouts: PayoutPage[];
  olderFrom?: string;
  /** Escaped HTML shown first (what the last step did, what is left to set up) and the details card. */
  top?: string;
  details?: string;
}

function payoutList(payouts: PayoutPage[]): string {
  if (payouts.length === 0) return `<p class="muted">No payouts yet.</p>`;
  return `<ul class="payouts" data-testid="payout-list">${payouts
    .map(
      (p) =>
        `<li><a href="/portal/payouts/${e(p.id)}"><span class="what">${e(p.description ?? 'Payout')}<br><span class="muted small">${e(formatDay(p.createdAt))}</span></span><span class="sum">${e(money(p))}</span>${statusBadge(p.status)}</a></li>`,
    )
    .join('')}</ul>`;
}

/** `/portal`: the recipient's payouts from this organization. */
export function homePage(v: HomeView): string {
  const r = v.recipient;
  const waiting = v.payouts.filter((p) => p.status === 'awaiting_acceptance').length;
  return portalPage(
    { title: `Your payouts from ${r.organizationName}`, organizationName: r.organizationName, environment: r.tenant.environment, csrfToken: v.csrfToken },
    `<h1>Hello${r.firstName ? `, ${e(r.firstName)}` : ''}</h1>${v.top ?? ''}
${waiting > 0 ? `<div class="notice" role="status">${waiting === 1 ? 'One payout is' : `${waiting} payouts are`} waiting for you.</div>` : ''}
<h2>Your payouts from ${e(r.organizationName)}</h2>
<div class="card">${payoutList(v.payouts)}</div>
${v.olderFrom ? `<p><a href="/portal?before=${e(v.olderFrom)}">Older payouts</a></p>` : ''}${v.details ?? ''}`,
  );
}

export interface PayoutView {
  recipient: PortalRecipient;
  csrfToken: string;
  payout: PayoutPage;
  timeline: TimelineEntry[];
  /** What the last action did, or why it was refused. */
  notice?: string;
  error?: string;
}

/** `/portal/payouts/<id>`: amount, payer, description and the status timeline. */
export function payoutPage(v: PayoutView, actions = ''): string {
  const p = v.payout;
  const timeline = v.timeline
    .map(
      (t) =>
        `<li><strong>${e(STATUS_TEXT[t.status] ?? t.status)}</strong>${t.reason ? ` — ${e(t.reason)}` : ''}<br><span class="muted small"><time datetime="${e(t.at.toISOString())}">${e(formatTime(t.at))}</time></span></li>`,
    )
    .join('');
  return portalPage(
    { title: `Payout of ${money(p)} from ${p.organizationName}`, organizationName: p.organizationName, environment: p.environment, csrfToken: v.csrfToken },
    `<p><a href="/portal">← All your payouts</a></p>
${v.notice ? `<div class="notice" role="status">${e(v.notice)}</div>` : ''}${v.error ? `<div class="error" role="alert">${e(v.error)}</div>` : ''}
<div class="card"><h1 class="amount">${e(money(p))}</h1>
<dl><dt>From</dt><dd>${e(p.organizationName)}</dd><dt>Description</dt><dd>${e(p.description ?? '—')}</dd><dt>Status</dt><dd>${statusBadge(p.status)}</dd></dl></div>
${actions}
<h2>Timeline</h2>
<div class="card"><ol class="timeline" data-testid="timeline">${timeline}</ol></div>`,
  );
}
