import type { PeriodicTask } from '../../platform/schedule/schedule.js';
import { deleteStaleCodes } from './codes.repository.js';
import { deleteExpiredPortalSessions } from './sessions.repository.js';

/** Codes are kept a day past their expiry (for support questions), then deleted. */
const CODES_KEPT_HOURS = 24;

/** Expired portal sessions and codes: useless to anyone, and nothing else deletes them. */
export const purgePortalLeftovers: PeriodicTask = {
  name: 'purge-portal-leftovers',
  cron: '*/10 * * * *',
  run: async (tx) => (await deleteExpiredPortalSessions(tx)) + (await deleteStaleCodes(tx, CODES_KEPT_HOURS)),
};
