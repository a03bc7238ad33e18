import type { Transporter } from 'nodemailer';
import { decryptText } from '../../platform/crypto.js';
import { encryptionKeysOf } from '../../platform/encryption-key.js';
import { uuidv7 } from '../../platform/ids.js';
import { newLeaseOwner } from '../../platform/queue/lease.js';
import type { WorkerContext, WorkerTask } from '../../platform/worker-task.js';
import {
  claimDueEmails,
  type EmailAttempt,
  type EmailOutcome,
  type EmailRecord,
  failExpiredEmails,
  findSealedAttachments,
  finishEmails,
  insertEmailAttempts,
  markRecipientsUndeliverable,
  recordMessageIdHost,
} from './emails.repository.js';
import { expandNextBatchSlice } from './emails.service.js';
import { buildMessage, createMailTransport, MAX_SMTP_CONNECTIONS, messageIdHost, type OutgoingEmail, SEND_TIMEOUT_MS, UnsafeAddressError } from './mailer.js';
import { nextEmailRetryMs } from './retry.js';
import { renderEmail } from './templates.js';

const MAX_RESPONSE_LENGTH = 500;
/**
 * Sends in flight per process: a few per pooled SMTP connection, so every connection always has
 * its next message ready while the previous one's reply is on its way.
 */
export const EMAILS_IN_FLIGHT = MAX_SMTP_CONNECTIONS * 4;
/**
 * Beyond one send's full timeout (SEND_TIMEOUT_MS per stage), so a live send keeps its email; a
 * send that outlives it may be repeated by another worker, with the same Message-ID.
 */
const LEASE_SECONDS = Math.ceil((SEND_TIMEOUT_MS * 2) / 1000);
/**
 * The longest a pending batch's expansion is put off while another task (the webhook sender) is
 * behind. A slice writes up to EXPANSION_SLICE emails in one transaction, which on the embedded
 * database holds back every webhook claim and record behind it: at the start of a large batch that
 * cost its webhooks one to two seconds of lag. Bounded, so a batch's notices always go out.
 */
export const EXPANSION_HOLD_BACK_MS = 500;

interface Tried {
  outcome: EmailOutcome;
  attempt: EmailAttempt | undefined;
  undeliverableRecipient: string | null;
}

/**
 * Sends queued emails without waiting for the slowest one. Each `runOnce` expands a slice of any
 * new batch into per-payee emails (put off, for a bounded time, while another task is behind),
 * claims due emails under a lease (codes first) for the free slots only, starts their sends over
 * the pooled SMTP transport and returns: the loop goes on claiming while messages are on the wire.
 * Each attempt is recorded as soon as it finishes, with whatever else finished meanwhile (one
 * transaction per group), and frees its slot once recorded. A worker killed mid-send loses
 * nothing: the lease runs out and the email is sent again with the Message-ID fixed at insert (at
 * least once). Sandbox emails, and every email when SMTP_URL is unset, are captured instead: no
 * SMTP connection is ever opened for them.
 */
export function sendEmailsTask(): WorkerTask {
  const owner = newLeaseOwner();
  let transport: Transporter | undefined;
  let hostRecorded = false;
  const inFlight = new Set<Promise<void>>();
  let wake = () => {};
  let toRecord: { tried: Tried; recorded: () => void }[] = [];
  let recording = false;
  let lastExpansion = Number.NEGATIVE_INFINITY;

  /** Writes every finished attempt queued so far, group by group, one group at a time. */
  const recordFinished = async (ctx: WorkerContext) => {
    if (recording) return; // the running writer takes ours in its next group
    recording = true;
    try {
      while (toRecord.length > 0) {
        const group = toRecord;
        toRecord = [];
        try {
          await recordAttempts(
            ctx,
            owner,
            group.map((g) => g.tried),
          );
        } catch (error) {
          // Left leased: the lease runs out and the email is sent again (at least once).
          ctx.log.error({ err: error, emails: group.length }, 'recording email attempts failed');
        }
        for (const g of group) g.recorded();
      }
    } finally {
      recording = false;
    }
  };

  const handle = async (ctx: WorkerContext, email: EmailRecord) => {
    try {
      const smtpUrl = ctx.config.smtpUrl;
      let tried: Tried;
      // (Sandbox emails are written captured: one queued before that rule is captured here.)
      if (email.environment === 'sandbox' || !smtpUrl) tried = captured(email);
      else {
        transport ??= createMailTransport(smtpUrl);
        tried = await send(transport, email, ctx.config, await attachmentsOf(ctx, email));
      }
      await new Promise<void>((recorded) => {
        toRecord.push({ tried, recorded });
        void recordFinished(ctx);
      });
    } finally {
      wake(); // a recorded attempt frees a slot
    }
  };

  return {
    name: 'send-emails',
    async runOnce(ctx) {
      const { db, config } = ctx;
      if (!hostRecorded) {
        // A worker-only process records MAIL_FROM's host too (the API does when it starts).
        await recordMessageIdHost(db, messageIdHost(config.mailFrom));
        hostRecorded = true;
      }
      let expanded = 0;
      if (!ctx.othersBehind?.() || performance.now() - lastExpansion >= EXPANSION_HOLD_BACK_MS) {
        expanded = await expandNextBatchSlice(db);
        lastExpansion = performance.now();
      }
      await failExpiredEmails(db);
      // Without SMTP every email is captured, a write and no connection: no reason to take them
      // a few at a time (20 per claim made the worker's email work cost as much as its webhooks).
      const limit = config.smtpUrl ? EMAILS_IN_FLIGHT : config.workerBatchSize;
      while (inFlight.size >= limit) await Promise.race(inFlight);
      const room = Math.min(config.workerBatchSize, limit - inFlight.size);
      const claimed = await db.transaction((tx) => claimDueEmails(tx, room, Math.max(config.leaseSeconds, LEASE_SECONDS), owner));
      for (const email of claimed) {
        const sending: Promise<void> = handle(ctx, email)
          .catch((error: unknown) => ctx.log.error({ err: error, emailId: email.id }, 'email send failed'))
          .finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      }
      return expanded + claimed.length;
    },
    async drain() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    onWake(fn) {
      wake = fn;
    },
    async close() {
      await this.drain?.();
      transport?.close();
    },
  };
}

/** One transaction for a group of finished attempts: the log, the outcomes, undeliverable payees. */
async function recordAttempts({ db }: WorkerContext, owner: string, tried: Tried[]): Promise<void> {
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
}

const captured = (email: EmailRecord): Tried => ({
  outcome: { id: email.id, status: 'captured', retryInMs: null, error: null },
  attempt: undefined,
  undeliverableRecipient: null,
});

/** The email's files, decrypted just before they go out (most emails have none: no query then). */
async function attachmentsOf(ctx: WorkerContext, email: EmailRecord): Promise<OutgoingEmail['attachments']> {
  if (email.attachments.length === 0) return [];
  const keys = encryptionKeysOf(ctx.config);
  return (await findSealedAttachments(ctx.db, email.id)).map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    content: Buffer.from(decryptText(keys, a.contentEncrypted), 'base64'),
  }));
}

async function send(
  transport: Transporter,
  email: EmailRecord,
  config: Parameters<WorkerTask['runOnce']>[0]['config'],
  attachments: OutgoingEmail['attachments'],
): Promise<Tried> {
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
      // Null only for an email queued by the code before Message-IDs were written at insert.
      messageId: email.messageId ?? `<${email.id}@${messageIdHost(config.mailFrom)}>`,
      rendered: renderEmail(email.template, email.data, config),
      attachments,
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
  let retryInMs = error === null || permanent ? undefined : nextEmailRetryMs(attemptNumber);
  // A code that would only go out after it expired is not retried: it fails now.
  if (retryInMs !== undefined && email.expiresAt && Date.now() + retryInMs >= email.expiresAt.getTime()) {
    retryInMs = undefined;
    error = `${error}; expired before it could be sent`;
  }
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
