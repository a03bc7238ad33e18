// 5. Claim expiry: N payouts (1,000,000 by default) waiting in `awaiting_acceptance`, seeded in
// SQL (generate_series) in a few seconds, then the two periodic tasks' slices timed through the
// product's own functions, each slice one transaction as the schedule runs it:
//   - expiry: 500 payouts canceled through applyMoves (status updates, events, ledger postings);
//   - reminders: 500 `claim_reminder` emails queued and their payouts marked.
// Baseline, in the same run on the same table: the bare slice, one statement that takes 500 due
// payouts through the same index (`FOR UPDATE SKIP LOCKED`) and sets their status, with nothing
// else. Ratio = expiry payouts/s ÷ bare payouts/s. Only the first slices are timed (enough for a
// steady figure): a slice's cost does not depend on how many payouts wait, which the plan shows
// (an index scan on the partial index, reported as `plan`). Runs in the bench process against the
// database directly (no server: this is worker work); PGlite only while no server holds it.
import { randomUUID } from 'node:crypto';
import { CLAIM_EXPIRY_SLICE, expireUnclaimedSlice, remindUnclaimedSlice } from '../../src/modules/payouts/claim-expiry.js';
import type { Database, Transaction } from '../../src/platform/db/database.js';
import { openPglite } from '../../src/platform/db/pglite.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { percentile, round } from '../lib/api.js';
import type { ScenarioContext } from './context.js';

export interface SliceFigures {
  slices: number;
  payouts: number;
  payoutsPerSecond: number;
  sliceMs: { p50: number; max: number };
}

export interface ClaimExpiryResult {
  waiting: number;
  seedSeconds: number;
  /** The expiry scan's plan node, e.g. `Index Scan using payouts_awaiting_acceptance`. */
  plan: string;
  bare: SliceFigures;
  expiry: SliceFigures;
  reminders: SliceFigures;
  /** expiry payouts/s ÷ bare payouts/s */
  ratio: number;
}

const AMOUNT = 100;
/** Every seeded payout entered `awaiting_acceptance` this long ago (a reminder is due at 23). */
const WAITED_DAYS = 25;
/** Expiry and the bare slice count 20 days, so the same payouts are due for them too. */
const EXPIRY_DAYS_FOR_TIMING = 20;

async function timeSlices(db: Database, slices: number, slice: (tx: Transaction) => Promise<number>): Promise<SliceFigures> {
  const timings: number[] = [];
  let payouts = 0;
  for (let i = 0; i < slices; i++) {
    const started = performance.now();
    payouts += await db.transaction(slice);
    timings.push(performance.now() - started);
  }
  const totalMs = timings.reduce((a, b) => a + b, 0);
  timings.sort((a, b) => a - b);
  return {
    slices,
    payouts,
    payoutsPerSecond: Math.round(payouts / (totalMs / 1000)),
    sliceMs: { p50: round(percentile(timings, 50), 1), max: round(timings.at(-1)!, 1) },
  };
}

/** N waiting payouts of one sandbox tenant, 1,000 recipients, one batch, and the held money they stand for. */
async function seed(db: Database, waiting: number): Promise<{ organizationId: string }> {
  const [org] = await db.query<{ id: string }>('select organization_id as id from api_keys order by created_at limit 1');
  const organizationId = org!.id;
  const batchId = randomUUID();
  const tag = batchId.slice(0, 8);
  await db.query(
    `insert into recipients (id, organization_id, environment, email)
     select gen_random_uuid(), $1, 'sandbox', 'claim-' || $2 || '-' || i || '@example.com' from generate_series(1, 1000) as i`,
    [organizationId, tag],
  );
  await db.query(
    `insert into batches (id, organization_id, environment, kind, currency, payout_count, total_amount) values ($1, $2, 'sandbox', 'payout', 'USD', $3, $4)`,
    [batchId, organizationId, waiting, BigInt(waiting) * BigInt(AMOUNT)],
  );
  await db.query(
    `with r as (select id, row_number() over () - 1 as n from recipients where email like 'claim-' || $4 || '-%')
     insert into payouts (id, organization_id, environment, batch_id, recipient_id, kind, amount, currency, status, sequence, status_changed_at, created_at)
     select gen_random_uuid(), $1, 'sandbox', $2, r.id, 'payout', ${AMOUNT}, 'USD', 'awaiting_acceptance', 2,
            now() - ${WAITED_DAYS} * interval '1 day' + i * interval '1 millisecond', now() - ${WAITED_DAYS + 1} * interval '1 day'
     from generate_series(0, $3::integer - 1) as i join r on r.n = i % 1000`,
    [organizationId, batchId, waiting, tag],
  );
  // The money those payouts hold, so their cancels release it without a negative balance.
  await db.query(
    `insert into ledger_balances (organization_id, environment, currency, account, balance) values ($1, 'sandbox', 'USD', 'held', $2)
     on conflict (organization_id, environment, currency, account) do update set balance = ledger_balances.balance + excluded.balance`,
    [organizationId, BigInt(waiting) * BigInt(AMOUNT)],
  );
  await db.query('analyze payouts');
  return { organizationId };
}

export async function claimExpiryRun(ctx: ScenarioContext & { claimWaiting: number; claimSlices: number }): Promise<ClaimExpiryResult> {
  const db = ctx.target.kind === 'postgres' ? await openPostgres(ctx.target.databaseUrl, 2) : await openPglite(ctx.target.dataDir);
  try {
    const seedStarted = performance.now();
    await seed(db, ctx.claimWaiting);
    const seedSeconds = round((performance.now() - seedStarted) / 1000, 1);

    const explained = await db.query<{ 'QUERY PLAN': string }>(
      `explain select id from payouts p where p.status = 'awaiting_acceptance' and p.status_changed_at <= now() - 30 * interval '1 day'
       order by p.status_changed_at limit ${CLAIM_EXPIRY_SLICE} for update skip locked`,
    );
    const plan = explained.map((row) => Object.values(row)[0] as string).find((line) => /Index|Seq Scan/.test(line)) ?? 'unknown';

    const slices = ctx.claimSlices;
    const bare = await timeSlices(db, slices, async (tx) => {
      const rows = await tx.query(
        `update payouts set status = 'canceled', sequence = sequence + 1, status_changed_at = now() where id in (
           select id from payouts p where p.status = 'awaiting_acceptance' and p.status_changed_at <= now() - $1::integer * interval '1 day'
           order by p.status_changed_at limit $2 for update skip locked)
         returning id`,
        [EXPIRY_DAYS_FOR_TIMING, CLAIM_EXPIRY_SLICE],
      );
      return rows.length;
    });
    const expiry = await timeSlices(db, slices, (tx) => expireUnclaimedSlice(tx, EXPIRY_DAYS_FOR_TIMING));
    const reminders = await timeSlices(db, slices, (tx) => remindUnclaimedSlice(tx, 30));
    return {
      waiting: ctx.claimWaiting,
      seedSeconds,
      plan: plan.trim().replace(/\s+\(cost.*$/, ''),
      bare,
      expiry,
      reminders,
      ratio: round(expiry.payoutsPerSecond / bare.payoutsPerSecond, 3),
    };
  } finally {
    await db.close();
  }
}
