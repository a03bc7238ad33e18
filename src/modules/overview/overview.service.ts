import type { Database } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';
import { type Balance, getBalance } from '../ledger/index.js';
import { PAYOUT_STATUSES, type PayoutStatus } from '../payouts/index.js';
import * as repo from './overview.repository.js';

export const OVERVIEW_DAYS = 30;
const RECENT_LIMIT = 10;

export interface StatusTotal {
  status: PayoutStatus;
  count: number;
  amount: bigint;
}

export interface Overview {
  since: Date;
  balance: Balance;
  byStatus: StatusTotal[];
  byDay: { date: string; counts: Record<PayoutStatus, number> }[];
  recentProblems: repo.ProblemPayoutRow[];
  failingWebhooks?: repo.FailingSubscriptionRow[];
  failedEmails?: { countSince: number; recent: repo.FailedEmailRow[] };
}

/** What the caller may see of the overview: the parts behind other permissions are left out. */
export interface OverviewParts {
  webhooks: boolean;
  emails: boolean;
}

/** Midnight UTC `days - 1` days before `now`: the window is today plus the days before it. */
export function windowStart(now: Date, days = OVERVIEW_DAYS): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
}

const zeroCounts = () => Object.fromEntries(PAYOUT_STATUSES.map((s) => [s, 0])) as Record<PayoutStatus, number>;

/** The dashboard's home page in one answer: balances, the last 30 days of payouts, and what needs attention. */
export async function getOverview(db: Database, tenant: Tenant, parts: OverviewParts, now = new Date()): Promise<Overview> {
  const since = windowStart(now);
  const [balance, cells, recentProblems, failingWebhooks, failedEmails, failedEmailCount] = await Promise.all([
    getBalance(db, tenant),
    repo.countPayoutsByDayAndStatus(db, tenant, since),
    repo.listRecentProblemPayouts(db, tenant, RECENT_LIMIT),
    parts.webhooks ? repo.listFailingSubscriptions(db, tenant, RECENT_LIMIT) : undefined,
    parts.emails ? repo.listRecentFailedEmails(db, tenant, RECENT_LIMIT) : undefined,
    parts.emails ? repo.countFailedEmailsSince(db, tenant, since) : undefined,
  ]);

  const days = Array.from({ length: OVERVIEW_DAYS }, (_, i) => ({
    date: new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10),
    counts: zeroCounts(),
  }));
  const dayIndex = new Map(days.map((d, i) => [d.date, i]));
  const totals = new Map(PAYOUT_STATUSES.map((s) => [s, { status: s, count: 0, amount: 0n }]));
  for (const cell of cells) {
    const status = cell.status as PayoutStatus;
    const total = totals.get(status);
    if (!total) continue;
    total.count += Number(cell.count);
    total.amount += cell.amount;
    const i = dayIndex.get(cell.day);
    if (i !== undefined) days[i]!.counts[status] += Number(cell.count);
  }
  return {
    since,
    balance,
    byStatus: [...totals.values()],
    byDay: days,
    recentProblems,
    ...(failingWebhooks ? { failingWebhooks } : {}),
    ...(failedEmails ? { failedEmails: { countSince: Number(failedEmailCount), recent: failedEmails } } : {}),
  };
}
