import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Transporter } from 'nodemailer';
import { uuidv7 } from '../../platform/ids.js';
import type { WorkerTask } from '../../platform/worker-task.js';
import {
  claimDueEmails,
  type EmailAttempt,
  type EmailOutcome,
  type EmailRecord,
  failExpiredEmails,
  finishEmails,
  insertEmailAttempts,
  markRecipientsUndeliverable,
} from './emails.repository.js';
import { expandNextBatchSlice } from './emails.service.js';
import { buildMessage, createMailTransport, messageIdHost, UnsafeAddressError } from './mailer.js';
import { nextEmailRetryMs } from './retry.js';
import { renderEmail } from './templates.js';

const MAX_RESPONSE_LENGTH = 500;

interface Tried {
  outcome: EmailOutcome;
  attempt: EmailAttempt | undefined;
  undeliverableRecipient: string | null;
}

/**
 * Sends queued emails: expand a slice of any new batch into per-payee emails, claim due emails
 * under a lease (codes first), send them over a pooled SMTP transport outside any transaction,
 * then record every attempt and outcome in one transaction. Sandbox emails, and every email when
 * SMTP_URL is unset, are captured instead: no SMTP connection is ever opened for them.
 */
export function sendEmailsTask(): WorkerTask {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let transport: Transporter | undefined;
  return {
    name: 'send-emails',
    async runOnce({ db, config }) {
      const expanded = await expandNextBatchSlice(db);
      await failExpiredEmails(db);
      const claimed = await db.transaction((tx) =>
        claimDueEmails(tx, config.workerBatchSize, Math.max(config.leaseSeconds, 60), owner, messageIdHost(config.mailFrom)),
      );
      if (claimed.length === 0) return expanded;
      const smtpUrl = config.smtpUrl;
      const tried = await Promise.all(
        claimed.map((email): Promise<Tried> | Tried => {
          if (email.environment === 'sandbox' || !smtpUrl) return captured(email);
          transport ??= createMailTransport(smtpUrl);
          return send(transport, email, config);
        }),
      );
      await db.transaction(async (tx) => {
        await insertEmailAttempts(
          tx,
          tried.flatMap((t) => (t.attempt ? [t.attempt] : [])),
        );
        await finishEmails(
          tx,
          owner,
          tried.map((t) => t.outcome),
        );
        await markRecipientsUndeliverable(tx, [...new Set(tried.flatMap((t) => (t.undeliverableRecipient ? [t.undeliverableRecipient] : [])))]);
      });
      return expanded + claimed.length;
    },
    async close() {
      transport?.close();
    },
  };
}

const captured = (email: EmailRecord): Tried => ({
  outcome: { id: email.id, status: 'captured', retryInMs: null, error: null },
  attempt: undefined,
  undeliverableRecipient: null,
});

async function send(transport: Transporter, email: EmailRecord, config: Parameters<WorkerTask['runOnce']>[0]['config']): Promise<Tried> {
  const attemptedAt = new Date();
  const started = performance.now();
  let smtpCode: number | null = null;
  let smtpResponse: string | null = null;
  let error: string | null = null;
  let permanent = false;
  try {
    const message = buildMessage({
      from: config.mailFrom,
      fromName: email.senderName,
      replyTo: email.replyTo,
      to: email.toAddress,
      messageId: email.messageId!,
      rendered: renderEmail(email.template, email.data, config),
    });
    const info = await transport.sendMail(message);
    smtpResponse = info.response ?? null;
    smtpCode = Number.parseInt(String(info.response ?? ''), 10) || 250;
  } catch (failure) {
    const f = failure as { responseCode?: number; response?: string; code?: string; message?: string };
    smtpCode = f.responseCode ?? null;
    smtpResponse = f.response ?? null;
    permanent = failure instanceof UnsafeAddressError || (smtpCode !== null && smtpCode >= 500 && smtpCode < 600);
    // The SMTP reply (or the error code) says what happened; never the message or its addresses.
    error = failure instanceof UnsafeAddressError ? failure.message : smtpCode !== null ? `SMTP ${smtpCode}` : (f.code ?? 'send failed');
  }
  const durationMs = Math.round(performance.now() - started);
  const attemptNumber = email.attempts + 1;
  const retryInMs = error === null || permanent ? undefined : nextEmailRetryMs(attemptNumber);
  const status: EmailOutcome['status'] = error === null ? 'sent' : retryInMs === undefined ? 'failed' : 'queued';
  return {
    outcome: { id: email.id, status, retryInMs: retryInMs ?? null, error },
    attempt: {
      id: uuidv7(),
      emailId: email.id,
      attemptedAt,
      result: status === 'sent' ? 'sent' : status === 'failed' ? 'failed' : 'retry',
      smtpCode,
      smtpResponse: smtpResponse?.slice(0, MAX_RESPONSE_LENGTH) ?? error,
      durationMs,
    },
    undeliverableRecipient: permanent && smtpCode !== null && email.recipientId ? email.recipientId : null,
  };
}
