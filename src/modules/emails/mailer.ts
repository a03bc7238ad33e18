// The SMTP side: one pooled nodemailer transport, and the message built from an outbox row with
// every header set through nodemailer's structured fields (never a concatenated header string).

import nodemailer, { type SendMailOptions, type TransportOptions, type Transporter } from 'nodemailer';
import { domainOf, isPlainEmailAddress } from '../../platform/email-address.js';
import type { RenderedEmail } from './templates.js';

const MAX_NAME_LENGTH = 78;
export const SEND_TIMEOUT_MS = 30_000;
/** Pooled SMTP connections per worker process: several messages on the wire at once. */
export const MAX_SMTP_CONNECTIONS = 5;

export function createMailTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: MAX_SMTP_CONNECTIONS,
    maxMessages: 500,
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
    // No envelope-from trickery: the envelope sender is MAIL_FROM, and only that.
    disableFileAccess: true,
    disableUrlAccess: true,
  } as TransportOptions);
}

/** A display name safe to hand to nodemailer: one line, no control characters, length-capped. */
export function displayName(name: string): string {
  const oneLine = name
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > MAX_NAME_LENGTH ? `${oneLine.slice(0, MAX_NAME_LENGTH - 1)}…` : oneLine;
}

export class UnsafeAddressError extends Error {}

export interface OutgoingEmail {
  from: string;
  fromName: string;
  /** The organization's Reply-To; validated when set, and left out here unless it is a plain address. */
  replyTo?: string | null;
  to: string;
  messageId: string;
  rendered: RenderedEmail;
  /** Files sent with it, already decrypted. */
  attachments?: { filename: string; contentType: string; content: Buffer }[];
}

/** nodemailer's message: addresses as objects, so names are encoded and never parsed as addresses. */
export function buildMessage(email: OutgoingEmail): SendMailOptions {
  if (!isPlainEmailAddress(email.to)) throw new UnsafeAddressError('The recipient address is not a plain address.');
  return {
    from: { name: displayName(email.fromName), address: email.from },
    to: { name: '', address: email.to },
    ...(email.replyTo && isPlainEmailAddress(email.replyTo) ? { replyTo: { name: '', address: email.replyTo } } : {}),
    envelope: { from: email.from, to: [email.to] },
    messageId: email.messageId,
    subject: displayName(email.rendered.subject),
    text: email.rendered.text,
    html: email.rendered.html,
    // Content given as bytes only: nodemailer never reads a path or a URL for an attachment.
    ...(email.attachments && email.attachments.length > 0
      ? { attachments: email.attachments.map((a) => ({ filename: displayName(a.filename), contentType: a.contentType, content: a.content })) }
      : {}),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export const messageIdHost = (mailFrom: string) => domainOf(mailFrom);
