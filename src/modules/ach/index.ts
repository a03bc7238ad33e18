// What the rest of the service may use of the ACH rail: its routes, periodic tasks, the ACH_*
// preset at start-up, and the cut for the CLI.
export { default as achRoutes } from './ach.routes.js';
export { finishAbandonedAchFiles, scheduledAchCut, settleAchFiles } from './ach.tasks.js';
export { cutFile, NOTHING_TO_CUT } from './cut.js';
export { settleDueSlice, VOIDED_REASON } from './file-lifecycle.js';
export { presetAchSettings } from './settings.service.js';
// Applying the bank's return / notification-of-change files (routes and the CLI).
export { achReturnsRoutes } from './returns.routes.js';
export { applyReturnFile, type ReturnFileReport } from './returns.service.js';
// Re-sealing bank files and account numbers under the first key (`payouts encryption re-encrypt`).
export { reencryptAch } from './reencrypt.js';
