import { Type } from '@sinclair/typebox';
import { IncludeTotalQuery, PageQuery, Timestamp } from '../../platform/http/schemas.js';
import type { EmailView } from './emails.service.js';
import { TEMPLATE_NAMES } from './templates.js';

const NullableText = Type.Union([Type.String(), Type.Null()]);
const NullableTime = Type.Union([Timestamp, Type.Null()]);

export const EmailAttemptSchema = Type.Object({
  attemptedAt: Timestamp,
  result: Type.Union([Type.Literal('sent'), Type.Literal('retry'), Type.Literal('failed')]),
  smtpCode: Type.Union([Type.Integer(), Type.Null()]),
  smtpResponse: NullableText,
  durationMs: Type.Integer(),
});

export const EmailSchema = Type.Object(
  {
    id: Type.String(),
    recipientId: NullableText,
    to: Type.String(),
    from: Type.String(),
    replyTo: Type.Union([Type.String(), Type.Null()], { description: "The organization's reply-to address, when it set one." }),
    template: Type.Union(TEMPLATE_NAMES.map((t) => Type.Literal(t))),
    status: Type.Union(['queued', 'sending', 'sent', 'failed', 'captured'].map((s) => Type.Literal(s))),
    subject: Type.String(),
    text: Type.String(),
    html: Type.String(),
    messageId: NullableText,
    secretsHidden: Type.Boolean({ description: 'True when the message carries a secret (a one-time code) that the API never shows for production.' }),
    attachments: Type.Array(Type.Object({ filename: Type.String(), contentType: Type.String(), byteLength: Type.Integer() }), {
      description: 'Files sent with the email (names and sizes; the files go to the recipient only).',
    }),
    attemptCount: Type.Integer(),
    lastError: NullableText,
    createdAt: Timestamp,
    sentAt: NullableTime,
    attempts: Type.Optional(Type.Array(EmailAttemptSchema)),
  },
  { $id: 'Email' },
);

export const EmailDeliverySchema = Type.Object({
  smtpConfigured: Type.Boolean({ description: 'Whether the server has an SMTP_URL.' }),
  captured: Type.Boolean({ description: "True when this environment's emails are kept, not sent: always in the sandbox, in production without SMTP_URL." }),
  secretsHidden: Type.Boolean({
    description: 'True in production: messages that carry a secret (a one-time code, an invitation or reset link) are shown with it hidden.',
  }),
  mailFrom: Type.String({ description: 'The address emails are sent from (MAIL_FROM).' }),
});

export const ListEmailsQuery = Type.Object(
  { recipientId: Type.Optional(Type.String({ maxLength: 64 })), ...PageQuery, ...IncludeTotalQuery },
  { additionalProperties: false },
);

export const renderEmailView = (mailFrom: string, withAttempts: boolean) => (v: EmailView) => ({
  id: v.email.id,
  recipientId: v.email.recipientId,
  to: v.email.toAddress,
  from: `${v.email.senderName} <${mailFrom}>`,
  replyTo: v.email.replyTo,
  template: v.email.template as (typeof TEMPLATE_NAMES)[number],
  status: v.email.status,
  subject: v.rendered.subject,
  text: v.rendered.text,
  html: v.rendered.html,
  messageId: v.email.messageId,
  secretsHidden: v.secretsHidden,
  attachments: v.email.attachments,
  attemptCount: v.email.attempts,
  lastError: v.email.lastError,
  createdAt: v.email.createdAt.toISOString(),
  sentAt: v.email.sentAt?.toISOString() ?? null,
  ...(withAttempts
    ? {
        attempts: v.attempts.map((a) => ({
          attemptedAt: a.attemptedAt.toISOString(),
          result: a.result,
          smtpCode: a.smtpCode,
          smtpResponse: a.smtpResponse,
          durationMs: a.durationMs,
        })),
      }
    : {}),
});
