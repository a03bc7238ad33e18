// The periodic schedule: tasks run on their cron expression, two runners never run one task at
// the same time on PostgreSQL, and the purges delete what has expired and nothing else.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/platform/ids.js';
import { type PeriodicTask, startSchedule } from '../src/platform/schedule/schedule.js';
import { periodicTasks } from '../src/worker/schedule.js';
import { createTestApp, onPostgres, type TestApp } from './harness.js';

describe('periodic schedule', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  const ctx = () => ({ db: t.db, config: t.config, log: t.app.log as never });

  it('runs a task on its schedule', async () => {
    let runs = 0;
    const everySecond: PeriodicTask = { name: 'every-second', cron: '* * * * * *', run: async () => ++runs };
    const schedule = startSchedule(ctx(), [everySecond]);
    while (runs < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await schedule.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  it('runs a sliced task again, each slice in a transaction of its own, until a slice is not full', async () => {
    const answers = [3, 3, 1, 3];
    const transactions = new Set<string>();
    const sliced: PeriodicTask = {
      name: 'sliced-task',
      cron: '0 0 1 1 *',
      slice: 3,
      async run(tx) {
        const [row] = await tx.query<{ id: string }>('select txid_current()::text as id');
        transactions.add(row!.id);
        return answers.shift()!;
      },
    };
    const schedule = startSchedule(ctx(), [sliced], { timers: false });
    expect(await schedule.runNow('sliced-task')).toEqual({ ran: true, count: 7 });
    await schedule.stop();
    expect(transactions.size).toBe(3);
    expect(answers).toEqual([3]);
  });

  it.skipIf(!onPostgres)('never runs one task in two runners at once (advisory lock)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    let maxRunning = 0;
    const slow: PeriodicTask = {
      name: 'slow-task',
      cron: '0 0 1 1 *',
      async run() {
        maxRunning = Math.max(maxRunning, ++running);
        await gate;
        running--;
        return 1;
      },
    };
    const other: PeriodicTask = { name: 'other-task', cron: '0 0 1 1 *', run: async () => 1 };
    const first = startSchedule(ctx(), [slow, other], { timers: false });
    const second = startSchedule(ctx(), [slow, other], { timers: false });
    const held = first.runNow('slow-task');
    while (running === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await second.runNow('slow-task')).toEqual({ ran: false });
    expect(await second.runNow('other-task')).toEqual({ ran: true, count: 1 }); // a lock per task
    release();
    expect(await held).toEqual({ ran: true, count: 1 });
    expect(await second.runNow('slow-task')).toEqual({ ran: true, count: 1 });
    expect(maxRunning).toBe(1);
    await Promise.all([first.stop(), second.stop()]);
  });

  it('purges expired sessions, stale login failures and expired idempotency keys, and nothing else', async () => {
    const userId = uuidv7();
    await t.db.query(`insert into users (id, organization_id, email, password_hash, role) values ($1, $2, $3, 'x', 'admin')`, [
      userId,
      t.defaultOrganizationId,
      `purge-${randomBytes(4).toString('hex')}@example.com`,
    ]);
    const token = () => randomBytes(32);
    const [expired, live] = [token(), token()];
    await t.db.query(
      `insert into sessions (token_hash, user_id, csrf_token, expires_at) values ($1, $3, 'c', now() - interval '1 minute'), ($2, $3, 'c', now() + interval '1 hour')`,
      [expired, live, userId],
    );
    await t.db.query(
      `insert into login_failures (email, failures, first_failure_at, locked_until) values
         ('stale@example.com', 3, now() - interval '3 days', null),
         ('stale-locked@example.com', 5, now() - interval '3 days', now() - interval '2 days'),
         ('recent@example.com', 2, now() - interval '5 minutes', null),
         ('long-locked@example.com', 5, now() - interval '3 days', now() + interval '1 hour'),
         ('lock-just-over@example.com', 5, now() - interval '3 days', now() - interval '1 hour')`,
    );
    await t.db.query(
      `insert into idempotency_keys (organization_id, environment, key, request_hash, expires_at) values
         ($1, 'sandbox', 'old', 'h', now() - interval '1 second'), ($1, 'sandbox', 'fresh', 'h', now() + interval '1 hour')`,
      [t.defaultOrganizationId],
    );
    const schedule = startSchedule(ctx(), periodicTasks, { timers: false });
    expect(await schedule.runNow('purge-expired-sessions')).toEqual({ ran: true, count: 1 });
    expect(await schedule.runNow('purge-stale-login-failures')).toEqual({ ran: true, count: 2 });
    expect(await schedule.runNow('purge-idempotency-keys')).toMatchObject({ ran: true, count: 1 });
    await schedule.stop();

    const sessions = await t.db.query<{ token_hash: Buffer }>('select token_hash from sessions where user_id = $1', [userId]);
    expect(sessions.map((s) => Buffer.from(s.token_hash).toString('hex'))).toEqual([live.toString('hex')]);
    const failures = await t.db.query<{ email: string }>('select email from login_failures order by email');
    expect(failures.map((f) => f.email)).toEqual(['lock-just-over@example.com', 'long-locked@example.com', 'recent@example.com']);
    const keys = await t.db.query<{ key: string }>('select key from idempotency_keys where organization_id = $1 order by key', [t.defaultOrganizationId]);
    expect(keys.map((k) => k.key)).toEqual(['fresh']);
  });
});
