// Writes a cut file's NACHA text from its entries: one batch per SEC code (PPD for individuals,
// CCD for businesses), an offset debit per batch for balanced files, streamed page by page into
// encrypted chunks so neither memory nor any one transaction grows with the file.
import { createHash } from 'node:crypto';
import { decryptText, encryptText, type KeyRing } from '../../platform/crypto.js';
import type { Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import * as files from './files.repository.js';
import { localDateTime, MAX_ENTRY_AMOUNT, NachaWriter } from './nacha/index.js';
import { findAchSettings } from './settings.repository.js';

export interface BuildOptions {
  keys: KeyRing;
  /** The bank's time zone (ACH_TIMEZONE). */
  timeZone: string;
  leaseSeconds: number;
}

/**
 * Entries read per query while writing. Each page is decrypted and formatted in one synchronous
 * stretch, so it stays small enough not to hold up the server's other requests for long.
 */
const PAGE = 250;
/** Text per stored chunk (before encryption). */
const CHUNK_BYTES = 512 * 1024;

type Run = <T>(fn: (ex: Executor) => Promise<T>) => Promise<T>;

const yymmdd = (date: string) => date.slice(2).replaceAll('-', '');

export async function buildFile(run: Run, file: files.AchFileRecord, owner: string, options: BuildOptions): Promise<void> {
  const settings = await run((ex) => findAchSettings(ex, file.organizationId));
  if (!settings) throw new AppError('invalid_state', 'ACH was turned off for this organization while a file was being cut.');
  // Clears what an earlier builder left, only while the file is still ours: a builder that stalled
  // past its lease must not erase the chunks of the process that took the file over.
  await run(async (ex) => {
    if (!(await files.renewBuildLease(ex, file.id, owner, options.leaseSeconds))) {
      throw new AppError('internal_error', 'The bank file being written was taken over by another process.');
    }
    await files.deleteChunks(ex, file.id);
  });
  const created = localDateTime(file.createdAt, options.timeZone);
  const writer = new NachaWriter({
    immediateDestination: settings.immediateDestination,
    immediateOrigin: settings.immediateOrigin,
    immediateDestinationName: settings.immediateDestinationName,
    immediateOriginName: settings.immediateOriginName,
    creationDate: yymmdd(created.date),
    creationTime: created.time.replace(':', ''),
    fileIdModifier: file.fileIdModifier,
  });

  const hash = createHash('sha256');
  let byteLength = 0;
  let seq = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    const sealed = encryptText(options.keys, text);
    const at = seq++;
    await run(async (ex) => {
      if (!(await files.renewBuildLease(ex, file.id, owner, options.leaseSeconds))) {
        throw new AppError('internal_error', 'The bank file being written was taken over by another process.');
      }
      await files.insertChunk(ex, file.id, at, sealed);
    });
  };
  const write = async (text: string) => {
    hash.update(text);
    byteLength += Buffer.byteLength(text);
    pending.push(text);
    pendingBytes += text.length;
    if (pendingBytes >= CHUNK_BYTES) await flush();
  };

  const odfi = settings.odfiRouting.slice(0, 8);
  const secCodes = await run((ex) => files.secCodesOf(ex, file.id));
  // Balanced files: offset debits per batch, as many as NACHA's entry limit needs to carry the
  // batch's total, each with a trace number of the same sequence.
  const offsets = new Map<string, bigint[]>();
  if (settings.balanced) {
    const totals = await run((ex) => files.totalsBySecCode(ex, file.id));
    for (const secCode of secCodes) offsets.set(secCode, splitOffset(totals.get(secCode) ?? 0n));
  }
  const offsetCount = [...offsets.values()].reduce((n, parts) => n + parts.length, 0);
  let offsetTrace = offsetCount > 0 ? await run((ex) => files.reserveTraceNumbers(ex, odfi, offsetCount)) : 0n;
  const offsetAccount = settings.balanced ? decryptText(options.keys, settings.offsetAccountEncrypted!) : '';
  let entryCount = 0;
  let debitTotal = 0n;
  await write(writer.start());
  for (const [index, secCode] of secCodes.entries()) {
    await write(
      writer.startBatch({
        serviceClassCode: settings.balanced ? 200 : 220,
        companyName: settings.companyName,
        companyId: settings.companyId,
        secCode,
        companyEntryDescription: settings.companyEntryDescription,
        effectiveEntryDate: yymmdd(file.effectiveDate),
        odfiIdentification: odfi,
        batchNumber: index + 1,
      }),
    );
    let credit = 0n;
    let after = '';
    for (;;) {
      const page = await run((ex) => files.entriesForFile(ex, file.id, secCode, after, PAGE));
      for (const entry of page) {
        await write(
          writer.entry({
            transactionCode: entry.transactionCode as 22 | 32,
            rdfiRouting: entry.routingNumber,
            accountNumber: decryptText(options.keys, entry.accountNumberEncrypted),
            amount: entry.amount,
            individualId: entry.payoutId.replaceAll('-', '').slice(0, 15),
            individualName: entry.holderName,
            traceNumber: entry.traceNumber,
          }),
        );
        credit += entry.amount;
        entryCount++;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.traceNumber;
      // Let waiting requests run between pages (the page's work above never awaits).
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const amount of offsets.get(secCode) ?? []) {
      await write(
        writer.entry({
          transactionCode: settings.offsetAccountType === 'savings' ? 37 : 27,
          rdfiRouting: settings.offsetRoutingNumber!,
          accountNumber: offsetAccount,
          amount,
          individualId: 'OFFSET',
          individualName: settings.companyName,
          traceNumber: `${odfi}${(offsetTrace++).toString().padStart(7, '0')}`,
        }),
      );
      debitTotal += amount;
      entryCount++;
    }
    if (settings.balanced && (offsets.get(secCode) ?? []).reduce((a, b) => a + b, 0n) !== credit) {
      throw new Error('A batch changed while its file was being written: its offset no longer matches.');
    }
    await write(writer.endBatch());
  }
  await write(writer.finish());
  await flush();
  const finished = await run((ex) => files.finishBuild(ex, file.id, owner, { entryCount, debitTotal, byteLength, sha256: hash.digest('hex') }));
  if (!finished) throw new AppError('internal_error', 'The bank file being written was taken over by another process.');
}

/** A batch's offset debit as entries NACHA can carry: each at most MAX_ENTRY_AMOUNT. */
export function splitOffset(total: bigint): bigint[] {
  const parts: bigint[] = [];
  for (let left = total; left > 0n; left -= left > MAX_ENTRY_AMOUNT ? MAX_ENTRY_AMOUNT : left) parts.push(left > MAX_ENTRY_AMOUNT ? MAX_ENTRY_AMOUNT : left);
  return parts;
}

/** The stored text, chunk by chunk, decrypted: exactly the bytes that were generated. */
export async function* readFileText(ex: Executor, keys: KeyRing, fileId: string): AsyncGenerator<string> {
  for (let seq = 0; ; seq++) {
    const sealed = await files.readChunk(ex, fileId, seq);
    if (sealed === undefined) return;
    yield decryptText(keys, sealed);
  }
}
