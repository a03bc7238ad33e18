// The ACH rail's periodic work: the operator's scheduled cut (ACH_SCHEDULE in ACH_TIMEZONE), once
// per tick even when every worker's timer fires, and the settlement task on the schedule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduledAchCut } from '../src/modules/ach/index.js';
import { startSchedule } from '../src/platform/schedule/schedule.js';
import { periodicTasks } from '../src/worker/schedule.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bankRecipient, type DashboardHeaders, fundProduction, pendingPayouts, setUpBank } from './ach-helpers.js';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { testWorker } from './payout-helpers.js';

describe('scheduled ACH work', () => {
  let t: TestApp;
  let key: string;
  let admin: DashboardHeaders;
  let worker: RunningWorker;
  beforeAll(async () => {
    t = await createTestApp({ achSchedule: '0 15 * * 1-5', achTimeZone: 'America/Chicago' });
    key = await t.createKey('production');
    admin = await signInAs(t, 'admin');
    worker = testWorker(t);
    await fundProduction(t, t.defaultOrganizationId, 10_000_000n);
    await setUpBank(t, admin);
  });
  afterAll(() => t.close());
  const ctx = () => ({ db: t.db, config: t.config, log: t.app.log as never });
  const files = async () =>
    (await t.app.inject({ method: 'GET', url: '/ach/files', headers: bearer(key) })).json().data as { createdBy: string; payoutCount: number }[];

  it('is scheduled on ACH_SCHEDULE in ACH_TIMEZONE, and cuts once per tick however many workers run it', async () => {
    expect(scheduledAchCut.cron).toBeTypeOf('function');
    expect((scheduledAchCut.cron as (c: typeof t.config) => string | undefined)(t.config)).toBe('0 15 * * 1-5');
    expect(scheduledAchCut.timeZone?.(t.config)).toBe('America/Chicago');
    expect(periodicTasks.map((task) => task.name)).toEqual(expect.arrayContaining(['ach-scheduled-cut', 'ach-settle-files', 'ach-finish-abandoned-cuts']));

    const recipient = await bankRecipient(t, key);
    await pendingPayouts(t, key, worker, [{ recipientId: recipient, amount: 4_200 }]);
    // Two workers' timers fire on the same tick: one file.
    const [first, second] = await Promise.all([scheduledAchCut.run(t.db, ctx()), scheduledAchCut.run(t.db, ctx())]);
    expect(first! + second!).toBe(1);
    expect(await files()).toEqual([expect.objectContaining({ createdBy: 'schedule', payoutCount: 1 })]);
    // Nothing pending: the next tick cuts nothing and leaves no empty file.
    expect(await scheduledAchCut.run(t.db, ctx())).toBe(0);
    expect(await files()).toHaveLength(1);
  });

  it('runs through the schedule like any periodic task', async () => {
    const schedule = startSchedule(ctx(), periodicTasks, { timers: false });
    try {
      expect(await schedule.runNow('ach-settle-files')).toEqual({ ran: true, count: 0 });
      expect(await schedule.runNow('ach-finish-abandoned-cuts')).toEqual({ ran: true, count: 0 });
      expect(await schedule.runNow('ach-scheduled-cut')).toEqual({ ran: true, count: 0 });
    } finally {
      await schedule.stop();
    }
  });
});
