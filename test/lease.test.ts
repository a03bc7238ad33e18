// The shared lease primitive on a queue table of its own: claims never overlap, expired leases
// come back, releases delay or park rows, and a per-group cap holds across concurrent claimers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/platform/ids.js';
import { claim, defineClaim, defineRelease, type LeaseTable, release } from '../src/platform/queue/lease.js';
import { openTestDatabase, type TestDatabase } from './harness.js';

const QUEUE: LeaseTable = { table: 'lease_test_jobs', dueColumn: 'due_at', readyWhen: "q.status = 'ready'" };
const CLAIM = defineClaim(QUEUE, { name: 'leaseTestClaim', returning: 'q.id, q.grp' });
const CLAIM_CAPPED = defineClaim(QUEUE, {
  name: 'leaseTestClaimCapped',
  capPerGroup: { column: 'grp', groups: 'select distinct grp from lease_test_jobs' },
  returning: 'q.id, q.grp',
});
const RELEASE = defineRelease(QUEUE);

describe('lease primitive', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase();
    await t.db.exec(`create table lease_test_jobs (
      id uuid primary key, grp text not null, status text not null default 'ready',
      due_at timestamptz, lease_owner text, lease_expires_at timestamptz)`);
  });
  afterAll(() => t.close());
  beforeEach(() => t.db.exec('delete from lease_test_jobs'));

  // `dueSecondsAgo` orders groups explicitly: two inserts can see the same now() (PGlite's clock
  // is coarse), and a tie in due order would make the order between groups arbitrary.
  const add = async (count: number, grp = 'g', status = 'ready', dueSecondsAgo = 0) => {
    const ids = Array.from({ length: count }, () => uuidv7());
    await t.db.query(
      `insert into lease_test_jobs (id, grp, status, due_at) select id, $2, $3, now() - $4 * interval '1 second' from unnest($1::uuid[]) as id`,
      [ids, grp, status, dueSecondsAgo],
    );
    return ids;
  };
  const take = (owner: string, limit = 100, leaseSeconds = 60) =>
    t.db.transaction((tx) => claim<{ id: string; grp: string }>(tx, CLAIM, { limit, leaseSeconds, owner }));
  const takeCapped = (owner: string, cap: number, limit = 100) =>
    t.db.transaction((tx) => claim<{ id: string; grp: string }>(tx, CLAIM_CAPPED, { limit, leaseSeconds: 60, owner, capPerGroup: cap }));

  it('never gives the same row to two owners claiming at once', async () => {
    const ids = await add(100);
    await add(5, 'g', 'done'); // not ready: never claimed
    const [a, b] = await Promise.all([take('a', 60), take('b', 60)]);
    const claimed = [...a, ...b].map((r) => r.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBe(100);
    expect(new Set(claimed)).toEqual(new Set(ids));
    expect(await take('c')).toEqual([]);
  });

  it('gives a row whose lease ran out to another owner, and only that row', async () => {
    const [first, second] = await add(2);
    expect(await take('a', 100, 3600)).toHaveLength(2);
    await t.db.query(`update lease_test_jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [first]);
    expect((await take('b')).map((r) => r.id)).toEqual([first]);
    const [row] = await t.db.query<{ lease_owner: string }>('select lease_owner from lease_test_jobs where id = $1', [first]);
    expect(row!.lease_owner).toBe('b');
    // The first owner comes back late: its release no longer touches the row it lost.
    await release(t.db, RELEASE, 'a', [
      { id: first!, delayMs: null },
      { id: second!, delayMs: null },
    ]);
    const rows = await t.db.query<{ id: string; lease_owner: string | null; due_at: Date | null }>(
      'select id, lease_owner, due_at from lease_test_jobs order by id',
    );
    expect(rows.find((r) => r.id === first)).toMatchObject({ lease_owner: 'b' });
    expect(rows.find((r) => r.id === second)).toMatchObject({ lease_owner: null, due_at: null });
  });

  it('releases a row as due now, due later, or parked', async () => {
    const [now, later, parked] = await add(3);
    await take('a');
    await release(t.db, RELEASE, 'a', [
      { id: now!, delayMs: 0 },
      { id: later!, delayMs: 3_600_000 },
      { id: parked!, delayMs: null },
    ]);
    expect((await take('b')).map((r) => r.id)).toEqual([now]);
    const [row] = await t.db.query<{ later: boolean }>(`select due_at > now() + interval '59 minutes' as later from lease_test_jobs where id = $1`, [later]);
    expect(row!.later).toBe(true);
  });

  it('keeps each group to its cap of live leases, across owners, without hiding other groups', async () => {
    // The capped group's rows come first in due order: they must not starve the other group.
    await add(10, 'hanging', 'ready', 60);
    await add(10, 'normal');
    const first = await takeCapped('a', 3, 4);
    // The earliest rows are all the first group's, yet it gets only its cap: the rest go to the other.
    expect(first.map((r) => r.grp).sort()).toEqual(['hanging', 'hanging', 'hanging', 'normal']);
    const rest = await Promise.all([takeCapped('b', 3), takeCapped('c', 3)]);
    const all = [...first, ...rest.flat()];
    expect(all.filter((r) => r.grp === 'hanging')).toHaveLength(3);
    expect(all.filter((r) => r.grp === 'normal')).toHaveLength(3);
    expect(await takeCapped('d', 3)).toEqual([]);
    // A freed slot is taken again, by anyone; an expired lease no longer counts against the cap.
    await release(t.db, RELEASE, 'a', [{ id: first.find((r) => r.grp === 'hanging')!.id, delayMs: null }]);
    await t.db.query(`update lease_test_jobs set lease_expires_at = now() - interval '1 second' where grp = 'normal'`);
    const again = await takeCapped('d', 3);
    expect(again.filter((r) => r.grp === 'hanging')).toHaveLength(1);
    expect(again.filter((r) => r.grp === 'normal')).toHaveLength(3);
  });
});
