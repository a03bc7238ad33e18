import type { Executor } from '../../platform/db/database.js';

export type AchFileStatus = 'building' | 'created' | 'sent' | 'settled' | 'voided';

export interface AchFileRecord {
  id: string;
  organizationId: string;
  status: AchFileStatus;
  effectiveDate: string;
  fileIdModifier: string;
  createdOn: string;
  entryCount: number;
  payoutCount: number;
  creditTotal: bigint;
  debitTotal: bigint;
  byteLength: number | null;
  sha256: string | null;
  createdBy: string;
  createdAt: Date;
  sentAt: Date | null;
  sentBy: string | null;
  settledAt: Date | null;
  voidedAt: Date | null;
  voidedBy: string | null;
  voidReason: string | null;
}

interface FileRow {
  id: string;
  organization_id: string;
  status: AchFileStatus;
  effective_date: string;
  file_id_modifier: string;
  created_on: string;
  entry_count: number;
  payout_count: number;
  credit_total: bigint;
  debit_total: bigint;
  byte_length: number | null;
  sha256: string | null;
  created_by: string;
  created_at: Date;
  sent_at: Date | null;
  sent_by: string | null;
  settled_at: Date | null;
  voided_at: Date | null;
  voided_by: string | null;
  void_reason: string | null;
}

const FILE_COLUMNS = `id, organization_id, status, effective_date, file_id_modifier, created_on, entry_count, payout_count, credit_total, debit_total,
  byte_length, sha256, created_by, created_at, sent_at, sent_by, settled_at, voided_at, voided_by, void_reason`;

const toFile = (r: FileRow): AchFileRecord => ({
  id: r.id,
  organizationId: r.organization_id,
  status: r.status,
  effectiveDate: r.effective_date,
  fileIdModifier: r.file_id_modifier,
  createdOn: r.created_on,
  entryCount: r.entry_count,
  payoutCount: r.payout_count,
  creditTotal: BigInt(r.credit_total),
  debitTotal: BigInt(r.debit_total),
  byteLength: r.byte_length,
  sha256: r.sha256,
  createdBy: r.created_by,
  createdAt: r.created_at,
  sentAt: r.sent_at,
  sentBy: r.sent_by,
  settledAt: r.settled_at,
  voidedAt: r.voided_at,
  voidedBy: r.voided_by,
  voidReason: r.void_reason,
});

export interface NewAchFile {
  id: string;
  organizationId: string;
  effectiveDate: string;
  fileIdModifier: string;
  createdOn: string;
  createdBy: string;
  leaseOwner: string;
  leaseSeconds: number;
}

export async function insertBuildingFile(ex: Executor, f: NewAchFile): Promise<void> {
  await ex.query(
    `insert into ach_files (id, organization_id, status, effective_date, file_id_modifier, created_on, created_by, lease_owner, lease_expires_at)
     values ($1, $2, 'building', $3, $4, $5, $6, $7, now() + $8 * interval '1 second')`,
    [f.id, f.organizationId, f.effectiveDate, f.fileIdModifier, f.createdOn, f.createdBy, f.leaseOwner, f.leaseSeconds],
  );
}

/** The file id modifiers already used by the organization's files of that day (A, B, … tell them apart). */
export async function modifiersUsedOn(ex: Executor, organizationId: string, createdOn: string): Promise<string[]> {
  const rows = await ex.query<{ file_id_modifier: string }>('select file_id_modifier from ach_files where organization_id = $1 and created_on = $2', [
    organizationId,
    createdOn,
  ]);
  return rows.map((r) => r.file_id_modifier);
}

/** Whether the schedule already cut a file for the organization since `since` (another worker's tick). */
export async function scheduledCutSince(ex: Executor, organizationId: string, since: Date): Promise<boolean> {
  const rows = await ex.query('select 1 from ach_files where organization_id = $1 and created_by = $2 and created_at >= $3 limit 1', [
    organizationId,
    'schedule',
    since,
  ]);
  return rows.length > 0;
}

/**
 * Reserves `count` trace numbers of the ODFI's one sequence (shared by every organization banking
 * there), answering the first. The row lock serializes concurrent cuts for the moment of the slice.
 */
export async function reserveTraceNumbers(ex: Executor, odfiIdentification: string, count: number): Promise<bigint> {
  const rows = await ex.query<{ last_value: bigint }>(
    `insert into ach_trace_sequences (odfi_identification, last_value) values ($1, $2)
     on conflict (odfi_identification) do update set last_value = ach_trace_sequences.last_value + $2
     returning last_value`,
    [odfiIdentification, count],
  );
  const last = BigInt(rows[0]!.last_value);
  if (last > 9_999_999n) throw new Error(`The ODFI ${odfiIdentification} has used all 9,999,999 trace numbers of its sequence.`);
  return last - BigInt(count) + 1n;
}

export interface NewAchEntry {
  id: string;
  fileId: string;
  organizationId: string;
  payoutId: string;
  recipientId: string;
  payoutMethodId: string;
  traceNumber: string;
  secCode: 'PPD' | 'CCD';
  transactionCode: number;
  amount: bigint;
  routingNumber: string;
  accountNumberEncrypted: string;
  accountNumberLast4: string;
  accountType: 'checking' | 'savings';
  holderName: string;
}

export async function insertEntries(ex: Executor, entries: NewAchEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const column = <K extends keyof NewAchEntry>(key: K) => entries.map((e) => e[key]);
  await ex.query(
    `insert into ach_entries (id, file_id, organization_id, payout_id, recipient_id, payout_method_id, trace_number, sec_code, transaction_code,
       amount, routing_number, account_number_encrypted, account_number_last4, account_type, holder_name)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::integer[],
       $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])`,
    [
      column('id'),
      column('fileId'),
      column('organizationId'),
      column('payoutId'),
      column('recipientId'),
      column('payoutMethodId'),
      column('traceNumber'),
      column('secCode'),
      column('transactionCode'),
      column('amount'),
      column('routingNumber'),
      column('accountNumberEncrypted'),
      column('accountNumberLast4'),
      column('accountType'),
      column('holderName'),
    ],
  );
}

/**
 * Adds a slice's payouts to a file still being built by this owner, and renews its lease. False
 * when the file is no longer this owner's (its lease ran out and another process finished it):
 * the caller rolls the slice back.
 */
export async function addToBuildingFile(ex: Executor, fileId: string, owner: string, payouts: number, credit: bigint, leaseSeconds: number): Promise<boolean> {
  const rows = await ex.query(
    `update ach_files set payout_count = payout_count + $3, credit_total = credit_total + $4, lease_expires_at = now() + $5 * interval '1 second'
     where id = $1 and lease_owner = $2 and status = 'building' returning id`,
    [fileId, owner, payouts, credit, leaseSeconds],
  );
  return rows.length > 0;
}

export async function renewBuildLease(ex: Executor, fileId: string, owner: string, leaseSeconds: number): Promise<boolean> {
  const rows = await ex.query(
    `update ach_files set lease_expires_at = now() + $3 * interval '1 second' where id = $1 and lease_owner = $2 and status = 'building' returning id`,
    [fileId, owner, leaseSeconds],
  );
  return rows.length > 0;
}

/** Building files whose builder stopped (its lease ran out), now leased to `owner` to finish. */
export async function takeOverAbandonedFiles(ex: Executor, owner: string, leaseSeconds: number, organizationId?: string): Promise<AchFileRecord[]> {
  const rows = await ex.query<FileRow>(
    `update ach_files set lease_owner = $1, lease_expires_at = now() + $2 * interval '1 second'
     where id in (select id from ach_files where status = 'building' and lease_expires_at < now() and ($3::uuid is null or organization_id = $3)
                  order by id for update skip locked)
     returning ${FILE_COLUMNS}`,
    [owner, leaseSeconds, organizationId ?? null],
  );
  return rows.map(toFile);
}

export async function deleteEmptyBuildingFile(ex: Executor, fileId: string, owner: string): Promise<void> {
  await ex.query('delete from ach_file_chunks where file_id = $1', [fileId]);
  await ex.query(`delete from ach_files where id = $1 and lease_owner = $2 and status = 'building' and payout_count = 0`, [fileId, owner]);
}

export interface EntryForFile {
  id: string;
  payoutId: string;
  traceNumber: string;
  secCode: 'PPD' | 'CCD';
  transactionCode: number;
  amount: bigint;
  routingNumber: string;
  accountNumberEncrypted: string;
  holderName: string;
}

/** The SEC codes of a file's entries, each a batch of the file, in file order. */
export async function secCodesOf(ex: Executor, fileId: string): Promise<('PPD' | 'CCD')[]> {
  const rows = await ex.query<{ sec_code: 'PPD' | 'CCD' }>('select distinct sec_code from ach_entries where file_id = $1 order by sec_code desc', [fileId]);
  return rows.map((r) => r.sec_code);
}

/** One page of a batch's entries in trace order, after `afterTrace`. */
export async function entriesForFile(ex: Executor, fileId: string, secCode: string, afterTrace: string, limit: number): Promise<EntryForFile[]> {
  const rows = await ex.query<{
    id: string;
    payout_id: string;
    trace_number: string;
    sec_code: 'PPD' | 'CCD';
    transaction_code: number;
    amount: bigint;
    routing_number: string;
    account_number_encrypted: string;
    holder_name: string;
  }>(
    `select id, payout_id, trace_number, sec_code, transaction_code, amount, routing_number, account_number_encrypted, holder_name
     from ach_entries where file_id = $1 and sec_code = $2 and trace_number > $3 order by trace_number limit $4`,
    [fileId, secCode, afterTrace, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    payoutId: r.payout_id,
    traceNumber: r.trace_number,
    secCode: r.sec_code,
    transactionCode: r.transaction_code,
    amount: BigInt(r.amount),
    routingNumber: r.routing_number,
    accountNumberEncrypted: r.account_number_encrypted,
    holderName: r.holder_name,
  }));
}

export async function deleteChunks(ex: Executor, fileId: string): Promise<void> {
  await ex.query('delete from ach_file_chunks where file_id = $1', [fileId]);
}

export async function insertChunk(ex: Executor, fileId: string, seq: number, contentEncrypted: string): Promise<void> {
  await ex.query('insert into ach_file_chunks (file_id, seq, content_encrypted) values ($1, $2, $3)', [fileId, seq, contentEncrypted]);
}

export async function readChunk(ex: Executor, fileId: string, seq: number): Promise<string | undefined> {
  const rows = await ex.query<{ content_encrypted: string }>('select content_encrypted from ach_file_chunks where file_id = $1 and seq = $2', [fileId, seq]);
  return rows[0]?.content_encrypted;
}

/** The built file becomes `created`: its text is stored, its totals final. */
export async function finishBuild(
  ex: Executor,
  fileId: string,
  owner: string,
  done: { entryCount: number; debitTotal: bigint; byteLength: number; sha256: string },
): Promise<boolean> {
  const rows = await ex.query(
    `update ach_files set status = 'created', entry_count = $3, debit_total = $4, byte_length = $5, sha256 = $6, lease_owner = null, lease_expires_at = null
     where id = $1 and lease_owner = $2 and status = 'building' returning id`,
    [fileId, owner, done.entryCount, done.debitTotal, done.byteLength, done.sha256],
  );
  return rows.length > 0;
}

export async function findFile(ex: Executor, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<AchFileRecord | undefined> {
  const rows = await ex.query<FileRow>(
    `select ${FILE_COLUMNS} from ach_files where organization_id = $1 and id = $2 and status <> 'building' ${options.forUpdate ? 'for update' : ''}`,
    [organizationId, id],
  );
  return rows[0] && toFile(rows[0]);
}

export async function findFileById(ex: Executor, id: string): Promise<AchFileRecord | undefined> {
  const rows = await ex.query<FileRow>(`select ${FILE_COLUMNS} from ach_files where id = $1`, [id]);
  return rows[0] && toFile(rows[0]);
}

/** Newest first, without the files still being built. */
export async function listFiles(ex: Executor, organizationId: string, page: { limit: number; before: string | null }): Promise<AchFileRecord[]> {
  const rows = await ex.query<FileRow>(
    `select ${FILE_COLUMNS} from ach_files where organization_id = $1 and status <> 'building' and ($2::uuid is null or id < $2)
     order by id desc limit $3`,
    [organizationId, page.before, page.limit + 1],
  );
  return rows.map(toFile);
}

export async function updateFileStatus(
  ex: Executor,
  id: string,
  change: { status: 'sent'; by: string } | { status: 'voided'; by: string; reason: string | null } | { status: 'settled' },
): Promise<void> {
  if (change.status === 'sent') await ex.query(`update ach_files set status = 'sent', sent_at = now(), sent_by = $2 where id = $1`, [id, change.by]);
  else if (change.status === 'voided') {
    await ex.query(`update ach_files set status = 'voided', voided_at = now(), voided_by = $2, void_reason = $3 where id = $1`, [id, change.by, change.reason]);
  } else await ex.query(`update ach_files set status = 'settled', settled_at = now() where id = $1`, [id]);
}

/** Ends the entries of a voided file (their payouts may go in a new file), answering their payouts. */
export async function deactivateEntries(ex: Executor, fileId: string): Promise<string[]> {
  const rows = await ex.query<{ payout_id: string }>('update ach_entries set active = false where file_id = $1 and active returning payout_id', [fileId]);
  return rows.map((r) => r.payout_id);
}

/** Sent files whose effective date has ended (`today` is the bank's date), oldest first, locked. */
export async function lockFileToSettle(ex: Executor, today: string): Promise<AchFileRecord | undefined> {
  const rows = await ex.query<FileRow>(
    `select ${FILE_COLUMNS} from ach_files where status = 'sent' and effective_date < $1 order by effective_date, id limit 1 for update skip locked`,
    [today],
  );
  return rows[0] && toFile(rows[0]);
}

/** Up to `limit` payouts of the file's active entries still `processing`. */
export async function processingPayoutsOf(ex: Executor, fileId: string, limit: number): Promise<string[]> {
  const rows = await ex.query<{ payout_id: string }>(
    `select e.payout_id from ach_entries e join payouts p on p.id = e.payout_id
     where e.file_id = $1 and e.active and p.status = 'processing' order by e.payout_id limit $2`,
    [fileId, limit],
  );
  return rows.map((r) => r.payout_id);
}

export interface FileEntryView {
  id: string;
  payoutId: string;
  recipientId: string;
  traceNumber: string;
  secCode: string;
  amount: bigint;
  accountLast4: string;
  accountType: string;
  holderName: string;
  payoutStatus: string;
  active: boolean;
}

export async function listFileEntries(ex: Executor, fileId: string, page: { limit: number; before: string | null }): Promise<FileEntryView[]> {
  const rows = await ex.query<{
    id: string;
    payout_id: string;
    recipient_id: string;
    trace_number: string;
    sec_code: string;
    amount: bigint;
    account_number_last4: string;
    account_type: string;
    holder_name: string;
    status: string;
    active: boolean;
  }>(
    `select e.id, e.payout_id, e.recipient_id, e.trace_number, e.sec_code, e.amount, e.account_number_last4, e.account_type, e.holder_name, p.status, e.active
     from ach_entries e join payouts p on p.id = e.payout_id
     where e.file_id = $1 and ($2::uuid is null or e.id < $2) order by e.id desc limit $3`,
    [fileId, page.before, page.limit + 1],
  );
  return rows.map((r) => ({
    id: r.id,
    payoutId: r.payout_id,
    recipientId: r.recipient_id,
    traceNumber: r.trace_number,
    secCode: r.sec_code,
    amount: BigInt(r.amount),
    accountLast4: r.account_number_last4,
    accountType: r.account_type,
    holderName: r.holder_name,
    payoutStatus: r.status,
    active: r.active,
  }));
}
