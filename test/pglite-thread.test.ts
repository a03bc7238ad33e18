import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, TransactionFinishedError, type WatchEvent } from '../src/platform/db/database.js';
import { openPgliteThread } from '../src/platform/db/pglite-thread.js';
import { loopTurnsWhile } from './loop-turn-count.js';

// The embedded database on its own thread (pglite-thread.ts): what crosses between the threads
// arrives intact, transactions keep their meaning, and the calling thread stays free.
describe('PGlite on its own thread', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPgliteThread();
    await db.exec('create table t (id int primary key, amount int8, at timestamptz, data bytea, doc jsonb, note text)');
  });
  afterAll(() => db.close());

  it('answers rows with their types: bigint, Date, bytes, JSON and null', async () => {
    const at = new Date('2026-12-03T10:00:00.123Z');
    await db.query('insert into t values ($1, $2, $3, $4, $5, $6)', [1, 9_007_199_254_740_993n, at, Buffer.from([0, 1, 255]), { a: [1, 'x'] }, null]);
    const [row] = await db.query<{ amount: bigint; at: Date; data: Uint8Array; doc: unknown; note: null }>('select * from t where id = 1');
    expect(row!.amount).toBe(9_007_199_254_740_993n);
    expect(row!.at).toEqual(at);
    expect([...row!.data]).toEqual([0, 1, 255]);
    expect(row!.doc).toEqual({ a: [1, 'x'] });
    expect(row!.note).toBeNull();
  });

  it("passes on the database's error code and constraint, which callers test", async () => {
    const error = await db.query('insert into t (id) values (1)').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 't_pkey' });
    expect((error as Error).message).toMatch(/duplicate key/);
  });

  it('refuses a parameter that cannot cross to the thread, and goes on working', async () => {
    await expect(db.query('select $1::text', [() => 'a function'])).rejects.toThrow();
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('rolls back a transaction whose last statement could not be sent, and goes on working', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t (id) values (40)');
        await tx.queryAndCommit('insert into t (id, note) values (41, $1)', [() => 'a function']);
      }),
    ).rejects.toThrow('could not be sent to the database thread');
    expect(await db.query('select id from t where id in (40, 41)')).toEqual([]);
  });

  it('commits a transaction, and rolls it back when its function throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query('insert into t (id) values (10)');
      await tx.query('insert into t (id) values (11)');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t (id) values (12)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const rows = await db.query<{ id: number }>('select id from t where id between 10 and 12 order by id');
    expect(rows.map((r) => r.id)).toEqual([10, 11]);
  });

  it('commits with queryAndCommit, refuses statements after it, and rolls back when it fails', async () => {
    const answered = await db.transaction(async (tx) => {
      await tx.query('insert into t (id) values (20)');
      const rows = await tx.queryAndCommit<{ id: number }>('insert into t (id) values (21) returning id');
      await expect(tx.query('select 1')).rejects.toBeInstanceOf(TransactionFinishedError);
      return rows;
    });
    expect(answered).toEqual([{ id: 21 }]);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t (id) values (22)');
        await tx.queryAndCommit('insert into t (id) values (20)'); // a duplicate: nothing is committed
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const rows = await db.query<{ id: number }>('select id from t where id between 20 and 22 order by id');
    expect(rows.map((r) => r.id)).toEqual([20, 21]);
  });

  it('keeps other statements out of an open transaction until it ends', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let began!: () => void;
    const begun = new Promise<void>((resolve) => {
      began = resolve;
    });
    const transaction = db.transaction(async (tx) => {
      await tx.query('insert into t (id) values (30)');
      began();
      await held;
      await tx.query('insert into t (id) values (31)');
    });
    await begun;
    let outsideDone = false;
    const outside = db.query<{ n: number }>('select count(*)::int as n from t where id in (30, 31)').then((rows) => {
      outsideDone = true;
      return rows[0]!.n;
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the outside statement reaches the thread, and waits
    expect(outsideDone).toBe(false);
    release();
    await transaction;
    expect(await outside).toBe(2);
  });

  it('leaves the calling thread free while the database works', async () => {
    // A statement that keeps PGlite busy for a while: on the calling thread, no turn could run during it.
    const turns = await loopTurnsWhile(() => db.query('select count(*) from generate_series(1, 2000000)'));
    expect(turns).toBeGreaterThan(10);
  });

  it('tells a watcher of each NOTIFY', async () => {
    const events: WatchEvent[] = [];
    db.watch('thread_test', (event) => events.push(event));
    await expect.poll(() => events).toContain('resumed');
    await db.query('notify thread_test');
    await expect.poll(() => events.filter((e) => e === 'notified').length).toBe(1);
  });

  it('opens under Node options a thread may not be given (the CLI with --max-old-space-size)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'payouts-thread-'));
    try {
      const cli = join(import.meta.dirname, '..', 'bin', 'payouts.js');
      const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' };
      const { stdout } = await promisify(execFile)('node', ['--max-old-space-size=512', '--stack-size=2000', cli, 'migrate'], { env });
      expect(stdout).toMatch(/migrat/i);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses calls once closed, and closing twice is harmless', async () => {
    const other = await openPgliteThread();
    await other.query('select 1');
    await Promise.all([other.close(), other.close()]);
    await expect(other.query('select 1')).rejects.toThrow('The embedded database is closed.');
  });
});
