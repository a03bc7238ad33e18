// Every email the service sends, as pure functions of the data stored with it: a subject, a plain
// text part and an HTML part. Values are escaped in the HTML; links are derived from ids at
// rendering, so a stored email never holds a link and no email carries a secret other than the
// link or code it exists for.

import { escapeHtml } from '../../platform/html.js';
import { type LinkConfig, linkFor } from '../../platform/links.js';
import { dollars } from '../../platform/money.js';

export interface PayoutLine {
  id: string;
  amount: number;
  description: string | null;
}

export interface TemplateData {
  payouts_created: { organizationName: string; ready: boolean; totalAmount: number; payoutCount: number; payouts: PayoutLine[]; recipientId: string };
  onboarding_invitation: { organizationName: string; recipientId: string; firstName: string | null };
  payout_completed: { organizationName: string; payout: PayoutLine };
  payout_failed: { organizationName: string; payout: PayoutLine; status: 'failed' | 'returned'; reason: string | null; recipientId: string };
  one_time_code: { organizationName: string; code: string; validMinutes: number };
  claim_reminder: { organizationName: string; payout: PayoutLine; expiresOn: string };
  recipient_action_needed: { organizationName: string; recipientId: string; reason: string };
  payout_method_changed: { organizationName: string; recipientId: string; method: string; changedBy: string; changedAt: string };
  /** A dashboard user's invitation: `token` is the set-password link's secret (only its hash is kept elsewhere). */
  user_invitation: { organizationName: string; email: string; role: string; invitedBy: string | null; token: string; validHours: number };
  password_reset: { organizationName: string; email: string; token: string; validMinutes: number };
  /** The recipient portal locked after too many codes or wrong codes; `lockedUntil` is already formatted for people. */
  portal_locked: { organizationName: string; recipientId: string; lockedUntil: string; lockHours: number };
  /** A signed tax form's copy, masked, attached as a PDF; `signedOn` is already formatted for people. */
  tax_form_received: { organizationName: string; recipientId: string; formName: 'W-9' | 'W-8BEN'; signedOn: string };
}

export type TemplateName = keyof TemplateData;
export const TEMPLATE_NAMES = [
  'payouts_created',
  'onboarding_invitation',
  'payout_completed',
  'payout_failed',
  'one_time_code',
  'claim_reminder',
  'recipient_action_needed',
  'payout_method_changed',
  'user_invitation',
  'password_reset',
  'portal_locked',
  'tax_form_received',
] as const satisfies readonly TemplateName[];

/** Templates whose data carries a secret, and which fields: hidden from everyone but the recipient in production. */
export const SECRET_FIELDS: Partial<Record<TemplateName, readonly string[]>> = {
  one_time_code: ['code'],
  user_invitation: ['token'],
  password_reset: ['token'],
};
export const HIDDEN = '[hidden]';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Dollars for people: 25000 → "$250.00". */
const MAX_LISTED_PAYOUTS = 20;

interface Body {
  subject: string;
  /** Paragraphs of plain text; each is escaped for the HTML part. */
  paragraphs: string[];
  lines?: string[];
  link?: { label: string; url: string };
}

function compose(organizationName: string, body: Body): RenderedEmail {
  const text = [
    ...body.paragraphs,
    ...(body.lines && body.lines.length > 0 ? [body.lines.map((l) => `- ${l}`).join('\n')] : []),
    ...(body.link ? [`${body.link.label}: ${body.link.url}`] : []),
    `Sent on behalf of ${organizationName}.`,
  ].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1f2933;line-height:1.5">',
    ...body.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(body.lines && body.lines.length > 0 ? [`<ul>${body.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`] : []),
    ...(body.link ? [`<p><a href="${escapeHtml(body.link.url)}">${escapeHtml(body.link.label)}</a></p>`] : []),
    `<p style="color:#52606d;font-size:.9em">Sent on behalf of ${escapeHtml(organizationName)}.</p>`,
    '</body></html>',
  ].join('\n');
  // Subjects are headers: nodemailer encodes them, and no line break may reach them.
  return { subject: body.subject.replace(/[\r\n]+/g, ' '), text, html };
}

/**
 * The dashboard's set-password page for a token. The token rides in the fragment, which browsers
 * never send to a server (no access log, no Referer keeps it). A hidden token hides the whole link.
 */
const setPasswordUrl = (links: LinkConfig, token: string) =>
  token === HIDDEN ? HIDDEN : `${links.publicUrl}/#/set-password?token=${encodeURIComponent(token)}`;

const describe = (p: PayoutLine) => `${dollars(p.amount)}${p.description ? ` — ${p.description}` : ''}`;

const RENDERERS: { [T in TemplateName]: (data: TemplateData[T], links: LinkConfig) => RenderedEmail } = {
  payouts_created: (d, links) => {
    const listed = d.payouts.slice(0, MAX_LISTED_PAYOUTS).map(describe);
    if (d.payoutCount > listed.length) listed.push(`and ${d.payoutCount - listed.length} more`);
    const first = d.payouts[0]!;
    return compose(d.organizationName, {
      subject: `${d.organizationName} sent you ${dollars(d.totalAmount)}`,
      paragraphs: [
        `${d.organizationName} sent you ${dollars(d.totalAmount)}${d.payoutCount > 1 ? ` in ${d.payoutCount} payouts` : ''}.`,
        d.ready
          ? 'It is on its way to you: there is nothing you need to do.'
          : 'To receive it, open the link below and tell us how you want to be paid. It only takes a minute.',
      ],
      lines: listed,
      link: d.ready
        ? { label: 'View your payout', url: linkFor(links, 'payout', first.id) }
        : { label: 'Claim your payout', url: linkFor(links, 'payout', first.id) },
    });
  },
  onboarding_invitation: (d, links) =>
    compose(d.organizationName, {
      subject: `${d.organizationName} invites you to get paid`,
      paragraphs: [
        `Hello${d.firstName ? ` ${d.firstName}` : ''},`,
        `${d.organizationName} wants to pay you. Open the link below to say how you would like to be paid.`,
      ],
      link: { label: 'Set up your payouts', url: linkFor(links, 'recipient', d.recipientId) },
    }),
  payout_completed: (d, links) =>
    compose(d.organizationName, {
      subject: `Your payout of ${dollars(d.payout.amount)} from ${d.organizationName} is complete`,
      paragraphs: [`Your payout of ${dollars(d.payout.amount)} from ${d.organizationName} has been paid.`],
      lines: [describe(d.payout)],
      link: { label: 'View your payout', url: linkFor(links, 'payout', d.payout.id) },
    }),
  payout_failed: (d, links) =>
    compose(d.organizationName, {
      subject: `Your payout of ${dollars(d.payout.amount)} from ${d.organizationName} ${d.status === 'returned' ? 'was returned' : 'failed'}`,
      paragraphs: [
        `Your payout of ${dollars(d.payout.amount)} from ${d.organizationName} ${d.status === 'returned' ? 'was returned' : 'could not be paid'}.`,
        `Reason: ${d.reason ?? 'not given'}.`,
        'Please check your payout method; the link below shows the payout.',
      ],
      link: { label: 'Check your payout', url: linkFor(links, 'payout', d.payout.id) },
    }),
  one_time_code: (d) =>
    compose(d.organizationName, {
      subject: `Your code: ${d.code}`,
      paragraphs: [`Your code is ${d.code}.`, `It is valid for ${d.validMinutes} minutes and can be used once. If you did not ask for it, ignore this email.`],
    }),
  claim_reminder: (d, links) =>
    compose(d.organizationName, {
      subject: `Reminder: ${d.organizationName} sent you ${dollars(d.payout.amount)}`,
      paragraphs: [
        `Your payout of ${dollars(d.payout.amount)} from ${d.organizationName} is still waiting for you.`,
        `Claim it before ${d.expiresOn}, or it will be canceled.`,
      ],
      link: { label: 'Claim your payout', url: linkFor(links, 'payout', d.payout.id) },
    }),
  recipient_action_needed: (d, links) =>
    compose(d.organizationName, {
      subject: `Action needed to keep receiving payouts from ${d.organizationName}`,
      paragraphs: [`Your payouts from ${d.organizationName} are on hold: ${d.reason}.`, 'Open the link below to fix it.'],
      link: { label: 'Update your details', url: linkFor(links, 'recipient', d.recipientId) },
    }),
  payout_method_changed: (d, links) =>
    compose(d.organizationName, {
      subject: `Your payout method for ${d.organizationName} was changed`,
      paragraphs: [
        `Your payout method is now ${d.method}. The change was made by ${d.changedBy} on ${d.changedAt}.`,
        'If this was not you, open the link below right away.',
      ],
      link: { label: 'Review your payout method', url: linkFor(links, 'recipient', d.recipientId) },
    }),
  user_invitation: (d, links) =>
    compose(d.organizationName, {
      subject: `You are invited to the ${d.organizationName} payouts dashboard`,
      paragraphs: [
        `${d.invitedBy ?? 'An admin'} invited you (${d.email}) to the ${d.organizationName} payouts dashboard as ${d.role}.`,
        `Open the link below to choose your password. It is valid for ${d.validHours} hours and can be used once. If you did not expect this invitation, ignore this email.`,
      ],
      link: { label: 'Choose your password', url: setPasswordUrl(links, d.token) },
    }),
  password_reset: (d, links) =>
    compose(d.organizationName, {
      subject: `Reset your ${d.organizationName} dashboard password`,
      paragraphs: [
        `Someone asked to reset the password of ${d.email} on the ${d.organizationName} payouts dashboard.`,
        `Open the link below to choose a new one. It is valid for ${d.validMinutes} minutes and can be used once; your other sessions end when you use it. If you did not ask for this, ignore this email: your password stays as it is.`,
      ],
      link: { label: 'Choose a new password', url: setPasswordUrl(links, d.token) },
    }),
  portal_locked: (d, links) =>
    compose(d.organizationName, {
      subject: `Your ${d.organizationName} payout portal is locked for ${d.lockHours} hours`,
      paragraphs: [
        `Too many one-time codes were asked for, or too many wrong codes entered, for your ${d.organizationName} payout portal, so we locked it for ${d.lockHours} hours (until ${d.lockedUntil}).`,
        'Nothing was changed: your payouts and your payout method are as they were. If this was not you, someone may have one of your payout links; they still cannot act without the codes we email you. Once the lock ends, open the link below again.',
      ],
      link: { label: 'Open your payout portal', url: linkFor(links, 'recipient', d.recipientId) },
    }),
  tax_form_received: (d, links) =>
    compose(d.organizationName, {
      subject: `${d.organizationName} received your Form ${d.formName}`,
      paragraphs: [
        `Thank you: ${d.organizationName} received the Form ${d.formName} you signed on ${d.signedOn}.`,
        'A copy is attached as a PDF for your records. Your taxpayer identification number is shown with its last 4 digits only.',
        'If anything on it is wrong, open the link below and sign a new form: it replaces this one.',
      ],
      link: { label: 'Review your details', url: linkFor(links, 'recipient', d.recipientId) },
    }),
};

/** Renders a stored email; with `hideSecrets`, every secret field shows as [hidden]. */
export function renderEmail(template: string, data: unknown, links: LinkConfig, options: { hideSecrets?: boolean } = {}): RenderedEmail {
  const renderer = RENDERERS[template as TemplateName] as ((d: unknown, l: LinkConfig) => RenderedEmail) | undefined;
  if (!renderer) throw new Error(`Unknown email template ${template}.`);
  const secrets = SECRET_FIELDS[template as TemplateName];
  const shown = options.hideSecrets && secrets ? { ...(data as object), ...Object.fromEntries(secrets.map((f) => [f, HIDDEN])) } : data;
  return renderer(shown, links);
}
