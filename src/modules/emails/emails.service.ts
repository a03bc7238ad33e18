import type { Config } from '../../config.js';
import { encryptText, type KeyRing } from '../../platform/crypto.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { notFound } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/pagination.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import type { LinkConfig } from '../../platform/links.js';
import type { Environment, Tenant } from '../../platform/tenant.js';
import { findOrganization } from '../organizations/index.js';
import { getRecipient } from '../recipients/index.js';
import * as repo from './emails.repository.js';
import { messageIdHost } from './mailer.js';
import { type RenderedEmail, renderEmail, SECRET_FIELDS, type TemplateData, type TemplateName } from './templates.js';

/** Payees per slice when a batch is expanded into emails: bounds each transaction's size. */
export const EXPANSION_SLICE = 500;
const LISTED_PAYOUTS = 20;

/**
 * Records MAIL_FROM's host for the Message-IDs the outbox inserts write (`<email id@host>`). Each
 * process calls it when it starts; emails already queued keep the Message-ID they were given.
 */
export async function recordMailFrom(db: Executor, mailFrom: string): Promise<void> {
  await repo.recordMessageIdHost(db, messageIdHost(mailFrom));
}

/**
 * Queues the "you were sent money" emails of a batch inside the batch's transaction: one row
 * however large the batch, expanded into one email per payee by the worker.
 */
export async function queueBatchEmails(tx: Executor, tenant: Tenant, batchId: string): Promise<void> {
  await repo.insertEmailBatch(tx, tenant, uuidv7(), batchId);
}

/** Queues the completed / failed / returned emails of payouts that just moved, in the mover's transaction. */
export async function queuePayoutStatusEmails(tx: Executor, moved: { payoutId: string; to: string; reason: string | null; sequence: number }[]): Promise<void> {
  const emails: repo.PayoutEmail[] = [];
  for (const m of moved) {
    const template = m.to === 'completed' ? 'payout_completed' : m.to === 'failed' || m.to === 'returned' ? 'payout_failed' : undefined;
    if (template) emails.push({ id: uuidv7(), payoutId: m.payoutId, template, status: m.to, reason: m.reason, sequence: m.sequence });
  }
  await repo.insertPayoutStatusEmails(tx, emails);
}

export interface QueuedEmail<T extends TemplateName> {
  recipientId: string | null;
  to: string;
  template: T;
  data: TemplateData[T];
  /** 0 for one-time codes: they go out ahead of bulk mail. */
  priority?: 0 | 1;
  expiresAt?: Date | null;
  dedupeKey?: string | null;
  /** Files sent with the email, sealed under `keys` until they are sent. */
  attachments?: { keys: KeyRing; files: EmailFile[] };
}

export interface EmailFile {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/** Queues one email in the caller's transaction; answers its id. For the templates later work wires. */
export async function queueEmail<T extends TemplateName>(tx: Executor, tenant: Tenant, email: QueuedEmail<T>): Promise<string> {
  const id = uuidv7();
  const written = await repo.insertEmails(tx, tenant, [
    {
      id,
      recipientId: email.recipientId,
      toAddress: email.to,
      template: email.template,
      data: email.data,
      dedupeKey: email.dedupeKey ?? null,
      priority: email.priority ?? 1,
      expiresAt: email.expiresAt ?? null,
    },
  ]);
  // A repeated dedupe key wrote no email: its files are not written twice either.
  if (email.attachments && written.includes(id)) {
    const { keys, files } = email.attachments;
    await repo.insertEmailAttachments(
      tx,
      files.map((file, position) => ({
        emailId: id,
        position,
        filename: file.filename,
        contentType: file.contentType,
        byteLength: file.content.byteLength,
        contentEncrypted: encryptText(keys, Buffer.from(file.content).toString('base64')),
      })),
    );
  }
  return id;
}

/** Queues many emails of one tenant in one statement, in the caller's transaction (a slice of reminders). */
export async function queueEmails<T extends TemplateName>(tx: Executor, tenant: Tenant, emails: QueuedEmail<T>[]): Promise<void> {
  await repo.insertEmails(
    tx,
    tenant,
    emails.map((email) => ({
      id: uuidv7(),
      recipientId: email.recipientId,
      toAddress: email.to,
      template: email.template,
      data: email.data,
      dedupeKey: email.dedupeKey ?? null,
      priority: email.priority ?? 1,
      expiresAt: email.expiresAt ?? null,
    })),
  );
}

/** `POST /recipients/{id}/invite`: queues the onboarding invitation and answers the email's id. */
export async function inviteRecipient(db: Database, tenant: Tenant, recipientId: string): Promise<string> {
  return db.transaction(async (tx) => {
    const recipient = await getRecipient(tx, tenant, recipientId);
    const organization = await findOrganization(tx, tenant.organizationId);
    return queueEmail(tx, tenant, {
      recipientId: recipient.id,
      to: recipient.email,
      template: 'onboarding_invitation',
      data: { organizationName: organization!.name, recipientId: recipient.id, firstName: recipient.firstName },
    });
  });
}

/**
 * Expands one slice of one pending batch into per-payee emails, in one transaction with the batch
 * row locked. Repeating a slice after a crash writes nothing twice (dedupe key per batch and
 * payee). Answers how many payees the slice covered.
 */
export async function expandNextBatchSlice(db: Database, sliceSize: number = EXPANSION_SLICE): Promise<number> {
  return db.transaction(async (tx) => {
    const pending = await repo.claimPendingEmailBatch(tx);
    if (!pending) return 0;
    const payees = await repo.findBatchPayeeSlice(tx, pending.batchId, pending.cursor, sliceSize, LISTED_PAYOUTS);
    const sandbox = pending.tenant.environment === 'sandbox';
    await repo.insertEmails(
      tx,
      pending.tenant,
      payees.map((payee) => ({
        id: uuidv7(),
        recipientId: payee.recipientId,
        toAddress: payee.email,
        template: 'payouts_created',
        data: {
          organizationName: pending.organizationName,
          // Until recipients have a readiness status (the portal), auto-accepting payees are the
          // ones whose money moves without them; in the sandbox every payee counts as ready.
          ready: sandbox || payee.autoAcceptPayouts,
          totalAmount: Number(payee.totalAmount),
          payoutCount: payee.payoutCount,
          payouts: payee.payouts,
          recipientId: payee.recipientId,
        } satisfies TemplateData['payouts_created'],
        dedupeKey: `batch:${pending.batchId}:${payee.recipientId}`,
        priority: 1,
        expiresAt: null,
      })),
    );
    await repo.advanceEmailBatch(tx, pending.id, payees.at(-1)?.recipientId ?? pending.cursor, payees.length < sliceSize);
    // A finished batch still counts as work done, so the loop goes straight on.
    return Math.max(payees.length, 1);
  });
}

/** Whether this environment's emails go out over SMTP or are captured, for the dashboard's banner. */
export function emailDelivery(config: Pick<Config, 'smtpUrl' | 'mailFrom'>, environment: Environment) {
  const smtpConfigured = Boolean(config.smtpUrl);
  return {
    smtpConfigured,
    captured: environment === 'sandbox' || !smtpConfigured,
    secretsHidden: environment === 'production',
    mailFrom: config.mailFrom,
  };
}

export interface EmailView {
  id: string;
  email: repo.EmailRecord;
  rendered: RenderedEmail;
  attempts: repo.EmailAttempt[];
  secretsHidden: boolean;
}

/** Secrets of production emails are never shown through the API; sandbox emails are shown in full. */
const hidesSecrets = (email: repo.EmailRecord) => email.environment === 'production' && SECRET_FIELDS[email.template as TemplateName] !== undefined;

function view(email: repo.EmailRecord, links: LinkConfig, attempts: repo.EmailAttempt[]): EmailView {
  const secretsHidden = hidesSecrets(email);
  return { id: email.id, email, rendered: renderEmail(email.template, email.data, links, { hideSecrets: secretsHidden }), attempts, secretsHidden };
}

export async function listEmailViews(
  db: Database,
  tenant: Tenant,
  links: LinkConfig,
  page: Page,
  recipientId?: string,
  options: { includeTotal?: boolean } = {},
): Promise<{ views: EmailView[]; total?: number }> {
  if (recipientId !== undefined && !isUuid(recipientId)) return { views: [], ...(options.includeTotal ? { total: 0 } : {}) };
  const filter = recipientId ? { recipientId } : {};
  const emails = await repo.listEmails(db, tenant, { ...page, ...filter });
  const views = emails.map((e) => view(e, links, []));
  if (!options.includeTotal) return { views };
  return { views, total: await repo.countEmails(db, tenant, filter) };
}

export async function getEmailView(db: Database, tenant: Tenant, links: LinkConfig, id: string): Promise<EmailView> {
  const email = isUuid(id) ? await repo.findEmailById(db, tenant, id) : undefined;
  if (!email) throw notFound('email', 'id');
  return view(email, links, await repo.findAttemptsOfEmail(db, email.id));
}
