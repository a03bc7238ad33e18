// The ACH rail's periodic work: settling sent files whose effective date has ended, finishing a
// cut a crash interrupted, and the operator's scheduled cut (ACH_SCHEDULE, in ACH_TIMEZONE).
import { encryptionKeysOf } from '../../platform/encryption-key.js';
import { AppError } from '../../platform/http/errors.js';
import type { PeriodicTask } from '../../platform/schedule/schedule.js';
import type { WorkerContext } from '../../platform/worker-task.js';
import { cutFile, finishAbandonedFiles, NOTHING_TO_CUT } from './cut.js';
import { SETTLE_SLICE, settleDueSlice } from './file-lifecycle.js';
import { listOrganizationsWithAch } from './settings.repository.js';

const buildOptions = (ctx: WorkerContext) => ({ keys: encryptionKeysOf(ctx.config), timeZone: ctx.config.achTimeZone, leaseSeconds: ctx.config.leaseSeconds });

export const settleAchFiles: PeriodicTask = {
  name: 'ach-settle-files',
  cron: '* * * * *',
  slice: SETTLE_SLICE,
  run: (tx, ctx) => settleDueSlice(tx, ctx.config.achTimeZone),
};

export const finishAbandonedAchFiles: PeriodicTask = {
  name: 'ach-finish-abandoned-cuts',
  cron: '* * * * *',
  unlocked: true,
  run: (_db, ctx) => finishAbandonedFiles(ctx.db, buildOptions(ctx)),
};

/**
 * Cuts a file for every organization with ACH set up. Every worker's timer fires; the first to
 * start a file in this minute wins and the others skip that organization (see cutFile).
 */
export const scheduledAchCut: PeriodicTask = {
  name: 'ach-scheduled-cut',
  cron: (config) => config.achSchedule,
  timeZone: (config) => config.achTimeZone,
  unlocked: true,
  async run(_db, ctx) {
    const tick = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    let payouts = 0;
    for (const organizationId of await listOrganizationsWithAch(ctx.db)) {
      try {
        const file = await cutFile(ctx.db, organizationId, { ...buildOptions(ctx), by: 'schedule', scheduledTick: tick });
        if (file) ctx.log.info({ organizationId, fileId: file.id, payouts: file.payoutCount }, 'scheduled bank file cut');
        payouts += file?.payoutCount ?? 0;
      } catch (error) {
        if (error instanceof AppError && error.message === NOTHING_TO_CUT) continue;
        ctx.log.error({ err: error, organizationId }, 'scheduled bank file cut failed');
      }
    }
    return payouts;
  },
};
