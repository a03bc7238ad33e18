import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFile, readFileText } from '../../src/modules/ach/build.js';
import { cutFile, finishAbandonedFiles } from '../../src/modules/ach/cut.js';
import { findFileById } from '../../src/modules/ach/files.repository.js';
import { parseNachaFile } from '../../src/modules/ach/nacha/index.js';
import { fund } from '../../src/modules/ledger/ledger.service.js';
import { bankRecipient, fundProduction, pendingPayouts, setUpBank } from '../ach-helpers.js';
import { createTestApp, signInAs, TEST_ENCRYPTION_KEYS, type TestApp } from '../harness.js';
import { expectLedgerConsistent, testWorker } from '../payout-helpers.js';
import {
  expectNothingDuplicated,
  http,
  Processes,
  type ServiceDatabase,
  type ServiceProcess,
  type ServiceSettings,
  openServiceDatabase,
  scalar,
  statusHistories,
  TEST_DATABASE_URL,
  waitFor,
} from './support.js';

// Cutting a NACHA file of 3,000 pending ACH payouts (then 1,500 more), killed with SIGKILL three
// times at the worst moments the test can arrange with locks it holds:
//   1. in the middle of claiming: slice 1 (1,000 payouts) committed, slice 2 blocked inserting its
//      entries (the test holds an uncommitted entry with the first trace number slice 2 takes);
//   2. while the next cut finishes that abandoned file (blocked writing it: ach_file_chunks locked);
//   3. an API process cutting a file, after all its slices committed, blocked writing the file.
// Recovery: a later `payouts ach cut` (cases 1 and 2) and the worker's periodic task (case 3).
// Every payout must end in exactly one created file, each file must parse with its payouts, the
// ledger must balance, and nothing may be left `building`.

const FIRST_BATCH = 3_000;
const SECOND_BATCH = 1_500;
const ODFI = '02100002';
const ACH_ENV = {
  ACH_ODFI_ROUTING: '021000021',
  ACH_DESTINATION_NAME: 'JPMORGAN CHASE',
  ACH_IMMEDIATE_ORIGIN: '1234567890',
  ACH_ORIGIN_NAME: 'ACME PAYOUTS INC',
  ACH_COMPANY_ID: '1234567890',
  ACH_COMPANY_NAME: 'ACME PAYOUTS',
};
const amountOf = (i: number) => 100 + (i % 97);

describe('an ACH cut killed with SIGKILL', () => {
  const processes = new Processes();
  let database: ServiceDatabase | undefined;
  let blocker: pg.Client | undefined;

  afterEach(async () => {
    await blocker?.end().catch(() => {});
    await processes.dispose();
    await database?.close();
    database = undefined;
  });

  it.skipIf(!TEST_DATABASE_URL)(
    'loses no payout and puts none in two files: a later cut or the worker finishes the file from its entries',
    async ({ onTestFailed }) => {
      onTestFailed(() => console.error(processes.outputs()));
      database = await openServiceDatabase();
      const db = database.db;
      const organizationId = database.organizationId;
      const settings: ServiceSettings = { databaseUrl: database.url, leaseSeconds: 2, workerBatchSize: 500, extraEnv: ACH_ENV };
      // The ACH_* variables preset the organization's bank settings as the first process starts.
      const api = await processes.start('api', settings);
      const key = await database.createKey('production');
      const count = (sql: string, params: unknown[] = []) => scalar(db, sql, params);
      const payoutsIn = (status: string) => count(`select count(*) as n from payouts where kind = 'payout' and status = $1`, [status]);
      const pendingAch = () => count(`select count(*) as n from payouts where status = 'pending' and rail = 'ach'`);
      const buildingFiles = () =>
        db.query<{ id: string; payout_count: number; lease_owner: string }>(`select id, payout_count, lease_owner from ach_files where status = 'building'`);
      const lockWaiters = (relation: string) => count(`select count(*) as n from pg_locks where not granted and relation = $1::regclass`, [relation]);
      const transactionWaiters = () => count(`select count(*) as n from pg_locks where not granted and locktype = 'transactionid'`);
      const busyBackends = () =>
        count(
          `select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' and state <> 'idle'`,
        );
      const openBlocker = async () => {
        blocker = new pg.Client({ connectionString: database!.url });
        await blocker.connect();
        await blocker.query('begin');
        return blocker;
      };
      const releaseBlocker = async () => {
        await blocker!.query('rollback');
        await blocker!.end();
        blocker = undefined;
        // The killed process's backend notices its client is gone once it runs again: its open slice rolls back.
        await waitFor('the killed process to leave the database', async () => (await busyBackends()) === 0, { timeoutMs: 60_000 });
      };
      const leaseRunOut = () =>
        waitFor(
          'the building file lease to run out',
          async () => (await count(`select count(*) as n from ach_files where status = 'building' and lease_expires_at < now()`)) > 0,
          {
            timeoutMs: 30_000,
          },
        );

      // 3,000 recipients paid to bank accounts, auto-accepting, on a funded production balance.
      const created = await http(api.url, 'POST', '/recipients', {
        key,
        body: {
          recipients: Array.from({ length: FIRST_BATCH }, (_, i) => ({
            firstName: 'Pay',
            lastName: `Ee${i}`,
            email: `payee${i}@example.com`,
            autoAcceptPayouts: true,
          })),
        },
        timeoutMs: 120_000,
      });
      expect(created.status, created.text.slice(0, 300)).toBeLessThan(300);
      const recipients: string[] = created.json.data.recipients.map((r: { id: string }) => r.id);
      expect(recipients).toHaveLength(FIRST_BATCH);
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = next++; i < recipients.length; i = next++) {
            const set = await http(api.url, 'PUT', `/recipients/${recipients[i]}/payout-method`, {
              key,
              body: {
                type: 'us_bank_account',
                accountHolderName: `Pay Ee ${i}`,
                accountHolderType: i % 5 === 0 ? 'business' : 'individual',
                routingNumber: '011000015',
                accountNumber: `${100000 + i}`,
                accountType: i % 3 === 0 ? 'savings' : 'checking',
              },
            });
            expect(set.status, set.text.slice(0, 300)).toBe(200);
          }
        }),
      );
      await db.transaction((tx) => fund(tx, { organizationId, environment: 'production' }, 100_000_000n));
      const pay = async (n: number) => {
        const batch = await http(api.url, 'POST', '/payments', {
          key,
          body: { payouts: Array.from({ length: n }, (_, i) => ({ recipientId: recipients[i], amount: amountOf(i) })) },
          timeoutMs: 120_000,
        });
        expect(batch.status, batch.text.slice(0, 300)).toBe(201);
      };
      await pay(FIRST_BATCH);
      let worker = await processes.start('worker', settings);
      await waitFor('the first batch to be pending on the ACH rail', async () => (await pendingAch()) === FIRST_BATCH, { timeoutMs: 180_000, intervalMs: 250 });
      // No worker while the cuts are killed: its periodic task would finish abandoned files on its own.
      await processes.kill9(worker);

      // Kill 1: slice 1 committed, slice 2 blocked on the unique trace number the test holds.
      const lastTrace = await count(`select coalesce(max(last_value), 0) as n from ach_trace_sequences where odfi_identification = $1`, [ODFI]);
      const [sample] = await db.query<{ payout_id: string; recipient_id: string; method_id: string }>(
        `select p.id as payout_id, p.recipient_id, m.id as method_id from payouts p join payout_methods m on m.recipient_id = p.recipient_id limit 1`,
      );
      const held = await openBlocker();
      const decoyFile = randomUUID();
      await held.query(
        `insert into ach_files (id, organization_id, status, effective_date, file_id_modifier, created_on, created_by) values ($1, $2, 'voided', '2000-01-03', 'Z', '2000-01-01', 'reliability test')`,
        [decoyFile, organizationId],
      );
      await held.query(
        `insert into ach_entries (id, file_id, organization_id, payout_id, recipient_id, payout_method_id, trace_number, sec_code, transaction_code, amount,
           routing_number, account_number_encrypted, account_number_last4, account_type, holder_name, active)
         values ($1, $2, $3, $4, $5, $6, $7, 'PPD', 22, 1, '011000015', 'x', '0000', 'checking', 'DECOY', false)`,
        [
          randomUUID(),
          decoyFile,
          organizationId,
          sample!.payout_id,
          sample!.recipient_id,
          sample!.method_id,
          `${ODFI}${String(lastTrace + 1001).padStart(7, '0')}`,
        ],
      );
      const cut1 = processes.command(['ach', 'cut'], settings);
      await waitFor(
        'the first cut to commit slice 1 and block in slice 2',
        async () => (await buildingFiles())[0]?.payout_count === 1000 && (await transactionWaiters()) > 0,
        { timeoutMs: 120_000, intervalMs: 20 },
      );
      await processes.kill9(cut1);
      await releaseBlocker();
      const [abandoned] = await buildingFiles();
      expect(abandoned).toMatchObject({ payout_count: 1000 });
      expect(await payoutsIn('processing')).toBe(1000);
      expect(await pendingAch()).toBe(FIRST_BATCH - 1000);
      expect(await count(`select count(*) as n from ach_entries where file_id = $1 and active`, [abandoned!.id])).toBe(1000);
      expect(await count('select count(*) as n from ach_file_chunks')).toBe(0);

      // Kill 2: the next cut takes the abandoned file over and is killed while writing it.
      await openBlocker();
      await blocker!.query('lock table ach_file_chunks in access exclusive mode');
      await leaseRunOut();
      const cut2 = processes.command(['ach', 'cut'], settings);
      await waitFor(
        'the second cut to take the abandoned file over and block writing it',
        async () => (await buildingFiles())[0]?.lease_owner !== abandoned!.lease_owner && (await lockWaiters('ach_file_chunks')) > 0,
        { timeoutMs: 120_000, intervalMs: 20 },
      );
      await processes.kill9(cut2);
      await releaseBlocker();
      expect(await buildingFiles()).toMatchObject([{ id: abandoned!.id, payout_count: 1000 }]);
      expect(await payoutsIn('processing')).toBe(1000);
      expect(await pendingAch()).toBe(FIRST_BATCH - 1000);

      // Recovery: the next cut finishes the abandoned file from its entries, then cuts the rest.
      await leaseRunOut();
      const cut3 = processes.command(['ach', 'cut'], settings);
      expect(await cut3.exited, cut3.output()).toBe(0);
      expect(cut3.output()).toMatch(/Cut bank file [0-9a-f-]{36}: 2000 payout\(s\)/);
      expect(await buildingFiles()).toEqual([]);
      expect(await pendingAch()).toBe(0);
      expect(await count(`select count(*) as n from ach_files where id = $1 and status = 'created' and payout_count = 1000`, [abandoned!.id])).toBe(1);

      // Kill 3: an API process cutting a file is killed after all its slices committed, writing the file.
      await pay(SECOND_BATCH);
      worker = await processes.start('worker', settings);
      await waitFor('the second batch to be pending on the ACH rail', async () => (await pendingAch()) === SECOND_BATCH, {
        timeoutMs: 180_000,
        intervalMs: 250,
      });
      await openBlocker();
      await blocker!.query('lock table ach_file_chunks in access exclusive mode');
      const cutter: ServiceProcess = await processes.start('api', settings);
      const request = http(cutter.url, 'POST', '/ach/files', { key, timeoutMs: 120_000 }).catch((error: Error) => error);
      await waitFor(
        'the API cut to commit every slice and block writing the file',
        async () => (await buildingFiles())[0]?.payout_count === SECOND_BATCH && (await lockWaiters('ach_file_chunks')) > 0,
        { timeoutMs: 120_000, intervalMs: 20 },
      );
      await processes.kill9(cutter);
      expect(await request).toBeInstanceOf(Error);
      const [third] = await buildingFiles();
      await blocker!.query('rollback');
      await blocker!.end();
      blocker = undefined;
      // Recovery: the worker's periodic task (every minute) finishes it once its lease has run out.
      await waitFor(
        'the worker to finish the abandoned file',
        async () => (await count(`select count(*) as n from ach_files where id = $1 and status = 'created'`, [third!.id])) === 1,
        { timeoutMs: 180_000, intervalMs: 500 },
      );

      // With nothing pending a cut says so and makes no file.
      const cut4 = processes.command(['ach', 'cut'], settings);
      expect(await cut4.exited).toBe(1);
      expect(cut4.output()).toContain('There are no pending ACH payouts to put in a file.');
      await processes.kill9(worker);

      // Every payout is processing with exactly one active entry, in a created file; none in two files.
      const total = FIRST_BATCH + SECOND_BATCH;
      expect(await buildingFiles()).toEqual([]);
      expect(await payoutsIn('pending')).toBe(0);
      expect(await payoutsIn('processing')).toBe(total);
      expect(await count(`select count(*) as n from payouts p where (select count(*) from ach_entries e where e.payout_id = p.id and e.active) <> 1`)).toBe(0);
      expect(await count('select count(*) as n from ach_entries')).toBe(total);
      expect(await count(`select count(*) as n from (select payout_id from ach_entries group by 1 having count(distinct file_id) > 1) t`)).toBe(0);
      expect(await count(`select count(*) as n from ach_entries e join ach_files f on f.id = e.file_id where f.status <> 'created'`)).toBe(0);
      expect(await count(`select count(*) as n from (select created_on, file_id_modifier from ach_files group by 1, 2 having count(*) > 1) t`)).toBe(0);
      const histories = await statusHistories(db);
      expect([...histories.values()].filter((h) => h.join('>') !== 'created>pending>processing').slice(0, 5)).toEqual([]);
      await expectNothingDuplicated(db);
      await expectLedgerConsistent(db);

      // Each file downloads byte for byte and parses with exactly its payouts' entries.
      const list = await http(api.url, 'GET', '/ach/files?limit=100', { key });
      expect(list.status).toBe(200);
      const files: { id: string; status: string; payoutCount: number; entryCount: number; creditTotal: number; byteLength: number; sha256: string }[] =
        list.json.data;
      expect(files.map((f) => f.payoutCount).sort((a, b) => a - b)).toEqual([1000, SECOND_BATCH, FIRST_BATCH - 1000]);
      for (const file of files) {
        expect(file).toMatchObject({ status: 'created', entryCount: file.payoutCount });
        const download = await http(api.url, 'GET', `/ach/files/${file.id}/download`, { key, timeoutMs: 60_000 });
        expect(download.status).toBe(200);
        expect(Buffer.byteLength(download.text)).toBe(file.byteLength);
        expect(createHash('sha256').update(download.text).digest('hex')).toBe(file.sha256);
        const parsed = parseNachaFile(download.text);
        const entries = parsed.batches.flatMap((b) => b.entries);
        expect(entries).toHaveLength(file.payoutCount);
        expect(entries.reduce((sum, e) => sum + e.amount, 0n)).toBe(BigInt(file.creditTotal));
        const traces = await db.query<{ trace_number: string }>('select trace_number from ach_entries where file_id = $1 order by trace_number', [file.id]);
        expect(entries.map((e) => e.traceNumber).sort()).toEqual(traces.map((t) => t.trace_number));
      }
      console.info(
        `ACH cut crash: ${total} payouts in ${files.length} files (${files.map((f) => f.payoutCount).join(', ')}) after 3 kills; recovered by a later cut and by the worker`,
      );
    },
    900_000,
  );

  // The builder of a file that stalled past its lease (GC pause, lost connection) and then resumes
  // must not touch the file any more: here it resumes after another process took the file over and
  // wrote it, which is the moment its first step (clearing the file's chunks) would erase the text.
  it.skipIf(!TEST_DATABASE_URL)('a builder that lost its lease leaves the new owner’s written file intact', async () => {
    const t: TestApp = await createTestApp();
    try {
      const key = await t.createKey('production');
      await fundProduction(t, t.defaultOrganizationId, 1_000_000n);
      await setUpBank(t, await signInAs(t, 'admin'));
      const worker = testWorker(t);
      const recipients = [await bankRecipient(t, key), await bankRecipient(t, key)];
      await pendingPayouts(t, key, worker, [
        { recipientId: recipients[0]!, amount: 1234 },
        { recipientId: recipients[1]!, amount: 5678 },
      ]);
      const options = { keys: TEST_ENCRYPTION_KEYS, timeZone: 'America/New_York', leaseSeconds: 60 };
      const cut = (await cutFile(t.db, t.defaultOrganizationId, { ...options, by: 'test' }))!;
      // Back to the moment after its last slice committed: building, unwritten, its lease run out.
      await t.db.query(`update ach_files set status = 'building', lease_owner = 'stalled', lease_expires_at = now() - interval '1 second' where id = $1`, [
        cut.id,
      ]);
      await t.db.query('delete from ach_file_chunks where file_id = $1', [cut.id]);
      const asTheStalledBuilderSawIt = (await findFileById(t.db, cut.id))!;
      expect(await finishAbandonedFiles(t.db, options)).toBe(1);
      const written = (await findFileById(t.db, cut.id))!;
      expect(written.status).toBe('created');

      await expect(buildFile((fn) => t.db.transaction(fn), asTheStalledBuilderSawIt, 'stalled', options)).rejects.toThrow(/taken over/);
      let text = '';
      for await (const chunk of readFileText(t.db, TEST_ENCRYPTION_KEYS, cut.id)) text += chunk;
      expect(Buffer.byteLength(text)).toBe(written.byteLength);
      expect(parseNachaFile(text).batches.flatMap((b) => b.entries.map((e) => e.amount))).toEqual([1234n, 5678n]);
    } finally {
      await t.close();
    }
  });
});
