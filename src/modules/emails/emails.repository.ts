import type { Executor } from '../../platform/db/database.js';
import { claim, defineClaim, defineRelease, type LeaseTable, release } from '../../platform/queue/lease.js';
import type { Tenant } from '../../platform/tenant.js';

export type EmailStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'captured';

export interface EmailRecord {
  id: string;
  organizationId: string;
  environment: Tenant['environment'];
  recipientId: string | null;
  toAddress: string;
  template: string;
  data: unknown;
  messageId: string | null;
  status: EmailStatus;
  priority: number;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  expiresAt: Date | null;
  organizationName: string;
  /** The From display name: the organization's sender name, or its name when it has none. */
  senderName: string;
  /** The organization's Reply-To address, if it set one. */
  replyTo: string | null;
  /** What is attached (the files themselves are read only to send them). */
  attachments: AttachmentInfo[];
}

export interface AttachmentInfo {
  filename: string;
  contentType: string;
  byteLength: number;
}

interface EmailRow {
  id: string;
  organization_id: string;
  environment: Tenant['environment'];
  recipient_id: string | null;
  to_address: string;
  template: string;
  data: unknown;
  message_id: string | null;
  status: EmailStatus;
  priority: number;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  expires_at: Date | null;
  organization_name: string;
  sender_name: string;
  reply_to: string | null;
  attachments: string | null;
}

// The sender is read when the email is sent or shown, so a changed setting applies to every
// email not yet sent.
const COLUMNS = `e.id, e.organization_id, e.environment, e.recipient_id, e.to_address, e.template, e.data, e.message_id, e.status, e.priority,
  e.attempts, e.last_error, e.created_at, e.sent_at, e.expires_at, o.name as organization_name,
  coalesce(o.sender_name, o.name) as sender_name, o.reply_to,
  (select json_agg(json_build_object('filename', a.filename, 'contentType', a.content_type, 'byteLength', a.byte_length) order by a.position)::text
   from email_attachments a where a.email_id = e.id) as attachments`;

const toEmail = (r: EmailRow): EmailRecord => ({
  id: r.id,
  organizationId: r.organization_id,
  environment: r.environment,
  recipientId: r.recipient_id,
  toAddress: r.to_address,
  template: r.template,
  data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
  messageId: r.message_id,
  status: r.status,
  priority: r.priority,
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
  sentAt: r.sent_at,
  expiresAt: r.expires_at,
  organizationName: r.organization_name,
  senderName: r.sender_name,
  replyTo: r.reply_to,
  attachments: r.attachments ? (JSON.parse(r.attachments) as AttachmentInfo[]) : [],
});

/**
 * Every email's Message-ID, `<email id@host of MAIL_FROM>`, written by the insert itself: fixed
 * before anything can send the email, so a resend after a crash repeats it even if MAIL_FROM
 * changed meanwhile. The host is the one the running processes recorded at start (below).
 */
const MESSAGE_ID = `'<' || v.id || '@' || (select coalesce(max(host), 'localhost') from email_message_id_host) || '>'`;

/** Records the Message-ID host of new emails (MAIL_FROM's domain); each process does at start. */
export async function recordMessageIdHost(ex: Executor, host: string): Promise<void> {
  await ex.query(
    `insert into email_message_id_host (singleton, host) values (true, $1)
     on conflict (singleton) do update set host = excluded.host, recorded_at = now() where email_message_id_host.host <> excluded.host`,
    [host],
  );
}

export interface NewEmail {
  id: string;
  recipientId: string | null;
  toAddress: string;
  template: string;
  data: unknown;
  dedupeKey: string | null;
  priority: number;
  expiresAt: Date | null;
}

/** A new email's status: the sandbox's are never sent, so they are written captured (see insertEmails). */
const STATUS_ON_INSERT = (environment: string) => `case when ${environment} = 'sandbox' then 'captured' else 'queued' end`;

/**
 * Queues emails; one whose dedupe key was already written is skipped (writers may repeat). Answers
 * the ids written. A sandbox email is never sent: it is written captured at once, not claimed
 * and captured later by the worker (a claim and a write per email, which on the embedded database
 * slowed the payouts and webhooks of the whole process).
 */
export async function insertEmails(ex: Executor, tenant: Tenant, emails: NewEmail[]): Promise<string[]> {
  if (emails.length === 0) return [];
  const rows = await ex.query<{ id: string }>(
    `insert into emails (id, organization_id, environment, recipient_id, to_address, template, data, dedupe_key, status, priority, next_attempt_at, expires_at, message_id)
     select v.id, $1, $2, v.recipient_id, v.to_address, v.template, v.data::jsonb, v.dedupe_key,
            ${STATUS_ON_INSERT('$2')}, v.priority, now(), v.expires_at, ${MESSAGE_ID}
     from unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::smallint[], $10::timestamptz[])
       as v(id, recipient_id, to_address, template, data, dedupe_key, priority, expires_at)
     on conflict (dedupe_key) do nothing returning id`,
    [
      tenant.organizationId,
      tenant.environment,
      emails.map((e) => e.id),
      emails.map((e) => e.recipientId),
      emails.map((e) => e.toAddress),
      emails.map((e) => e.template),
      emails.map((e) => JSON.stringify(e.data)),
      emails.map((e) => e.dedupeKey),
      emails.map((e) => e.priority),
      emails.map((e) => e.expiresAt),
    ],
  );
  return rows.map((r) => r.id);
}

export interface NewAttachment extends AttachmentInfo {
  emailId: string;
  position: number;
  /** encryptText() of the file's bytes in base64. */
  contentEncrypted: string;
}

/** Attaches files to emails being queued, in the same transaction. */
export async function insertEmailAttachments(ex: Executor, attachments: NewAttachment[]): Promise<void> {
  if (attachments.length === 0) return;
  await ex.query(
    `insert into email_attachments (email_id, position, filename, content_type, byte_length, content_encrypted)
     select * from unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::integer[], $6::text[])`,
    [
      attachments.map((a) => a.emailId),
      attachments.map((a) => a.position),
      attachments.map((a) => a.filename),
      attachments.map((a) => a.contentType),
      attachments.map((a) => a.byteLength),
      attachments.map((a) => a.contentEncrypted),
    ],
  );
}

/** An email's attachments, sealed, in order: read only to send it. */
export async function findSealedAttachments(ex: Executor, emailId: string): Promise<(AttachmentInfo & { contentEncrypted: string })[]> {
  const rows = await ex.query<{ filename: string; content_type: string; byte_length: number; content_encrypted: string }>(
    'select filename, content_type, byte_length, content_encrypted from email_attachments where email_id = $1 order by position',
    [emailId],
  );
  return rows.map((r) => ({ filename: r.filename, contentType: r.content_type, byteLength: r.byte_length, contentEncrypted: r.content_encrypted }));
}

export interface PayoutEmail {
  id: string;
  payoutId: string;
  template: 'payout_completed' | 'payout_failed';
  status: string;
  reason: string | null;
  sequence: number;
}

/**
 * Queues one email per payout status change, reading the payee and the organization in the same
 * statement (no round trip for them). External payouts record payments made elsewhere: no email.
 * Sandbox emails are written captured (see insertEmails).
 */
export async function insertPayoutStatusEmails(ex: Executor, emails: PayoutEmail[]): Promise<void> {
  if (emails.length === 0) return;
  await ex.query(
    `insert into emails (id, organization_id, environment, recipient_id, to_address, template, data, dedupe_key, status, priority, next_attempt_at, message_id)
     select v.id, p.organization_id, p.environment, p.recipient_id, r.email, v.template,
       jsonb_build_object('organizationName', o.name, 'recipientId', r.id, 'status', v.status, 'reason', v.reason,
         'payout', jsonb_build_object('id', p.id, 'amount', p.amount, 'description', p.description)),
       'payout:' || p.id || ':' || v.sequence, ${STATUS_ON_INSERT('p.environment')}, 1, now(), ${MESSAGE_ID}
     from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::integer[]) as v(id, payout_id, template, status, reason, sequence)
     join payouts p on p.id = v.payout_id and p.kind = 'payout'
     join recipients r on r.id = p.recipient_id
     join organizations o on o.id = p.organization_id
     on conflict (dedupe_key) do nothing`,
    [
      emails.map((e) => e.id),
      emails.map((e) => e.payoutId),
      emails.map((e) => e.template),
      emails.map((e) => e.status),
      emails.map((e) => e.reason),
      emails.map((e) => e.sequence),
    ],
  );
}

export async function insertEmailBatch(ex: Executor, tenant: Tenant, id: string, batchId: string): Promise<void> {
  await ex.query(`insert into email_batches (id, organization_id, environment, batch_id) values ($1, $2, $3, $4)`, [
    id,
    tenant.organizationId,
    tenant.environment,
    batchId,
  ]);
}

export interface PendingEmailBatch {
  id: string;
  tenant: Tenant;
  batchId: string;
  cursor: string | null;
  organizationName: string;
}

/** Takes one batch still to expand, locked for the caller's transaction (other workers skip it). */
export async function claimPendingEmailBatch(ex: Executor): Promise<PendingEmailBatch | undefined> {
  const rows = await ex.query<{
    id: string;
    organization_id: string;
    environment: Tenant['environment'];
    batch_id: string;
    cursor: string | null;
    name: string;
  }>(
    `select b.id, b.organization_id, b.environment, b.batch_id, b.cursor, o.name
     from email_batches b join organizations o on o.id = b.organization_id
     where b.expanded_at is null order by b.created_at limit 1 for update of b skip locked`,
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      tenant: { organizationId: r.organization_id, environment: r.environment },
      batchId: r.batch_id,
      cursor: r.cursor,
      organizationName: r.name,
    }
  );
}

export interface PayeeSlice {
  recipientId: string;
  email: string;
  autoAcceptPayouts: boolean;
  payoutCount: number;
  totalAmount: bigint;
  payouts: { id: string; amount: number; description: string | null }[];
}

/** The next `limit` payees of a batch after `after` (recipient id order), with their payouts. */
export async function findBatchPayeeSlice(ex: Executor, batchId: string, after: string | null, limit: number, listed: number): Promise<PayeeSlice[]> {
  const rows = await ex.query<{
    recipient_id: string;
    email: string;
    auto_accept_payouts: boolean;
    payout_count: number;
    total_amount: string | bigint;
    payouts: unknown;
  }>(
    `with payees as (
       select distinct recipient_id from payouts where batch_id = $1 and ($2::uuid is null or recipient_id > $2) order by recipient_id limit $3
     )
     select r.id as recipient_id, r.email, r.auto_accept_payouts, count(*)::integer as payout_count, sum(p.amount)::bigint as total_amount,
       (jsonb_agg(jsonb_build_object('id', p.id, 'amount', p.amount, 'description', p.description) order by p.id))::text as payouts
     from payees join recipients r on r.id = payees.recipient_id join payouts p on p.batch_id = $1 and p.recipient_id = r.id
     group by r.id, r.email, r.auto_accept_payouts order by r.id`,
    [batchId, after, limit],
  );
  return rows.map((r) => ({
    recipientId: r.recipient_id,
    email: r.email,
    autoAcceptPayouts: r.auto_accept_payouts,
    payoutCount: r.payout_count,
    totalAmount: BigInt(r.total_amount),
    payouts: (JSON.parse(String(r.payouts)) as PayeeSlice['payouts']).slice(0, listed),
  }));
}

export async function advanceEmailBatch(ex: Executor, id: string, cursor: string | null, done: boolean): Promise<void> {
  await ex.query(`update email_batches set cursor = $2, expanded_at = case when $3::boolean then now() else null end where id = $1`, [id, cursor, done]);
}

// The queue runs on the shared lease primitive: one-time codes (priority 0) are claimed ahead of
// bulk mail, then by due time, over the `emails_due` index. Expired codes are never taken.

const EMAIL_QUEUE: LeaseTable = { table: 'emails', dueColumn: 'next_attempt_at', readyWhen: "q.status in ('queued', 'sending')" };

const CLAIM_EMAILS = defineClaim(EMAIL_QUEUE, {
  name: 'claimDueEmails',
  alsoWhen: '(q.expires_at is null or q.expires_at > now())',
  priorityColumn: 'priority',
  returning: 'q.*',
  select: `select ${COLUMNS} from claimed e join organizations o on o.id = e.organization_id order by e.priority, e.next_attempt_at`,
});

/** Claims due emails under a lease, codes first. Each carries the Message-ID fixed at insert. */
export async function claimDueEmails(ex: Executor, limit: number, leaseSeconds: number, owner: string): Promise<EmailRecord[]> {
  const rows = await claim<EmailRow>(ex, CLAIM_EMAILS, { limit, leaseSeconds, owner });
  return rows.map(toEmail);
}

export interface EmailOutcome {
  id: string;
  status: 'queued' | 'sent' | 'failed' | 'captured';
  retryInMs: number | null;
  error: string | null;
}

/**
 * A production email's one-time code or link token, dropped once the email is final (sent, failed
 * or captured): nothing needs it any more, and a copy of the database must not hold live secrets.
 * Sandbox emails keep theirs: they are shown in full to integrators, by design.
 */
const WITHOUT_SECRETS = (alias: string) => `case when ${alias}.environment = 'production' then ${alias}.data - 'code' - 'token' else ${alias}.data end`;

const FINISH_EMAILS = defineRelease(EMAIL_QUEUE, {
  values: [
    ['status', 'text'],
    ['error', 'text'],
  ],
  set: `status = v.status, last_error = v.error, attempts = q.attempts + case when v.status = 'captured' then 0 else 1 end,
       sent_at = case when v.status = 'sent' then now() else q.sent_at end,
       data = case when v.status <> 'queued' then ${WITHOUT_SECRETS('q')} else q.data end`,
});

/** Records each email's outcome; only the lease holder's write counts. */
export async function finishEmails(ex: Executor, owner: string, outcomes: EmailOutcome[]): Promise<void> {
  await release(
    ex,
    FINISH_EMAILS,
    owner,
    outcomes.map((o) => ({ id: o.id, delayMs: o.status === 'queued' ? o.retryInMs : null, values: [o.status, o.error] })),
  );
}

/** Codes past their expiry are useless: they fail instead of going out late. */
export async function failExpiredEmails(ex: Executor): Promise<void> {
  await ex.query(
    `update emails e set status = 'failed', last_error = coalesce(last_error, 'Expired before it could be sent.'), lease_owner = null, lease_expires_at = null,
       data = ${WITHOUT_SECRETS('e')}
     where status in ('queued', 'sending') and expires_at <= now() and (lease_expires_at is null or lease_expires_at < now())`,
  );
}

export interface EmailAttempt {
  id: string;
  emailId: string;
  attemptedAt: Date;
  result: 'sent' | 'retry' | 'failed';
  smtpCode: number | null;
  smtpResponse: string | null;
  durationMs: number;
}

export async function insertEmailAttempts(ex: Executor, attempts: EmailAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await ex.query(
    `insert into email_attempts (id, email_id, attempted_at, result, smtp_code, smtp_response, duration_ms)
     select * from unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::integer[], $6::text[], $7::integer[])`,
    [
      attempts.map((a) => a.id),
      attempts.map((a) => a.emailId),
      attempts.map((a) => a.attemptedAt),
      attempts.map((a) => a.result),
      attempts.map((a) => a.smtpCode),
      attempts.map((a) => a.smtpResponse),
      attempts.map((a) => a.durationMs),
    ],
  );
}

export async function markRecipientsUndeliverable(ex: Executor, recipientIds: string[]): Promise<void> {
  if (recipientIds.length === 0) return;
  await ex.query(`update recipients set email_undeliverable = true, updated_at = now() where id = any($1::uuid[])`, [recipientIds]);
}

export async function listEmails(ex: Executor, tenant: Tenant, filter: { recipientId?: string; limit: number; before: string | null }): Promise<EmailRecord[]> {
  const rows = await ex.query<EmailRow>(
    `select ${COLUMNS} from emails e join organizations o on o.id = e.organization_id
     where e.organization_id = $1 and e.environment = $2 and ($3::uuid is null or e.recipient_id = $3) and ($4::uuid is null or e.id < $4)
     order by e.id desc limit $5`,
    [tenant.organizationId, tenant.environment, filter.recipientId ?? null, filter.before, filter.limit + 1],
  );
  return rows.map(toEmail);
}

export async function countEmails(ex: Executor, tenant: Tenant, filter: { recipientId?: string }): Promise<number> {
  const rows = await ex.query<{ total: bigint }>(
    'select count(*)::bigint as total from emails e where e.organization_id = $1 and e.environment = $2 and ($3::uuid is null or e.recipient_id = $3)',
    [tenant.organizationId, tenant.environment, filter.recipientId ?? null],
  );
  return Number(rows[0]!.total);
}

export async function findEmailById(ex: Executor, tenant: Tenant, id: string): Promise<EmailRecord | undefined> {
  const rows = await ex.query<EmailRow>(
    `select ${COLUMNS} from emails e join organizations o on o.id = e.organization_id where e.organization_id = $1 and e.environment = $2 and e.id = $3`,
    [tenant.organizationId, tenant.environment, id],
  );
  return rows[0] && toEmail(rows[0]);
}

export async function findAttemptsOfEmail(ex: Executor, emailId: string): Promise<EmailAttempt[]> {
  const rows = await ex.query<{
    id: string;
    email_id: string;
    attempted_at: Date;
    result: EmailAttempt['result'];
    smtp_code: number | null;
    smtp_response: string | null;
    duration_ms: number;
  }>(`select id, email_id, attempted_at, result, smtp_code, smtp_response, duration_ms from email_attempts where email_id = $1 order by attempted_at, id`, [
    emailId,
  ]);
  return rows.map((r) => ({
    id: r.id,
    emailId: r.email_id,
    attemptedAt: r.attempted_at,
    result: r.result,
    smtpCode: r.smtp_code,
    smtpResponse: r.smtp_response,
    durationMs: r.duration_ms,
  }));
}
