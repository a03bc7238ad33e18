import { afterEach, describe, expect, it } from 'vitest';
import { fund } from '../../src/modules/ledger/ledger.service.js';
import { type SmtpSink, startSmtpSink } from '../smtp-sink.js';
import { http, Processes, type ServiceDatabase, type ServiceSettings, openServiceDatabase, scalar, TEST_DATABASE_URL, waitFor } from './support.js';

// Production emails of a 1,000-payee batch, sent by real worker processes to a real SMTP server:
//   1. the worker is killed with SIGKILL while sends are on the wire (the server has received
//      messages but holds back its 250 replies, so the sender never learns they went out);
//   2. the SMTP server is down when the next worker starts, and comes back later.
// Every email must arrive at least once; a repeat carries the same Message-ID; none is lost.

const PAYEES = 1_000;
const MAIL_FROM = 'payouts@crash.example.com';

describe('the email sender killed with SIGKILL mid-send, then SMTP down and up', () => {
  const processes = new Processes();
  let database: ServiceDatabase | undefined;
  let smtp: SmtpSink | undefined;

  afterEach(async () => {
    smtp?.releaseHeld();
    await processes.dispose();
    await smtp?.stop();
    await database?.close();
  });

  it.skipIf(!TEST_DATABASE_URL)('delivers every email at least once, repeats only with the same Message-ID', async ({ onTestFailed }) => {
    onTestFailed(() => console.error(processes.outputs()));
    database = await openServiceDatabase();
    const db = database.db;
    const key = await database.createKey('production');
    await db.transaction((tx) => fund(tx, { organizationId: database!.organizationId, environment: 'production' }, 100_000_000n));
    smtp = await startSmtpSink();
    const settings: ServiceSettings = { databaseUrl: database.url, workerPollMs: 25, leaseSeconds: 2, extraEnv: { SMTP_URL: smtp.url, MAIL_FROM } };
    const api = await processes.start('api', settings);

    const items = Array.from({ length: PAYEES }, (_, i) => ({ payeeEmail: `payee${i}@example.com`, amount: 100 + i }));
    const created = await http(api.url, 'POST', '/payments', { key, body: { payouts: items }, timeoutMs: 120_000 });
    expect(created.status).toBe(201);
    const sent = () => scalar(db, `select count(*) as n from emails where status = 'sent'`);

    // Kill 1: a quarter is out; then the server keeps receiving but stops answering.
    const worker1 = await processes.start('worker', settings);
    await waitFor('a quarter of the emails sent', async () => (await sent()) >= PAYEES / 4, { timeoutMs: 120_000, intervalMs: 20 });
    smtp.holdReplies = true;
    await waitFor('sends on the wire', () => smtp!.held >= 3, { timeoutMs: 30_000, intervalMs: 10 });
    await processes.kill9(worker1);
    const heldIds = smtp.messages.slice(-smtp.held).map((m) => m.messageId);
    const abandoned = await scalar(db, `select count(*) as n from emails where lease_owner like $1`, [`%:${worker1.pid}:%`]);
    expect(abandoned).toBeGreaterThanOrEqual(3);
    expect(await sent()).toBeLessThan(PAYEES);

    // 2: SMTP is down when the next worker starts: attempts fail and are queued again.
    smtp.holdReplies = false;
    smtp.releaseHeld();
    await smtp.stop();
    await processes.start('worker', settings);
    await waitFor(
      "failed attempts, and the dead worker's emails taken again",
      async () =>
        (await scalar(db, `select count(*) as n from email_attempts where result = 'retry'`)) > 0 &&
        (await scalar(db, `select count(*) as n from emails where lease_owner like $1`, [`%:${worker1.pid}:%`])) === 0,
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(await scalar(db, `select count(*) as n from emails where status = 'failed'`)).toBe(0);
    await smtp.start();
    // The retries fall due a minute after a failed attempt, five after a second one: rather than
    // wait for the schedule (a retry that raced the restart would push past the test's time), the
    // test moves the clock of the queued emails, as an operator's "retry now" would.
    const retryNow = () => db.query(`update emails set next_attempt_at = now() where status = 'queued' and next_attempt_at > now()`);
    await retryNow();
    await waitFor(
      'every email sent',
      async () => {
        await retryNow();
        return (await sent()) === PAYEES;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );

    const rows = await db.query<{ to_address: string; message_id: string }>(`select to_address, message_id from emails`);
    expect(rows).toHaveLength(PAYEES);
    expect(rows.every((r) => r.message_id.endsWith('@crash.example.com>'))).toBe(true);
    const expected = new Map(rows.map((r) => [r.message_id, r.to_address]));
    const receipts = new Map<string, number>();
    for (const message of smtp.messages) {
      const id = message.messageId!;
      expect(expected.has(id), 'every message received is one of the outbox').toBe(true);
      expect(JSON.stringify(message.to)).toContain(expected.get(id));
      receipts.set(id, (receipts.get(id) ?? 0) + 1);
    }
    const missing = rows.filter((r) => !receipts.has(r.message_id));
    expect(missing.slice(0, 5)).toEqual([]);
    // The messages whose replies were held were received, never acknowledged, and sent again.
    for (const id of heldIds) expect(receipts.get(id!)).toBeGreaterThanOrEqual(2);
    const repeated = [...receipts.values()].filter((n) => n > 1).length;
    console.info(
      `email crash: ${PAYEES} emails, kill left ${abandoned} leased (${heldIds.length} on the wire); ${smtp.messages.length} receipts, ${repeated} repeated`,
    );
  });
});
