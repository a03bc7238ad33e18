import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, prepared, toDriverParams } from '../src/platform/db/database.js';
import { createPglite, openPglite } from '../src/platform/db/pglite.js';
import { preparedRunner } from '../src/platform/db/pglite-prepared.js';

// Statements on PGlite run prepared once (pglite-prepared.ts): they must answer exactly what
// PGlite's own query() answers, fail as it fails, stay usable after, and keep transactions apart.
describe('PGlite prepared statements', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPglite(undefined);
    await db.exec(TABLE);
  });
  afterAll(() => db.close());

  const TABLE = `create table p (id int primary key, amount int8, at timestamptz, data bytea, doc jsonb, tags text[], ids uuid[], flag boolean, note text,
                 check (amount is null or amount >= 0))`;

  const INSERT_TEXT = 'insert into p values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *';
  const INSERT = prepared('testPreparedInsert', INSERT_TEXT); // a declared statement or plain text: both are prepared
  const BY_ID = prepared('testPreparedById', 'select id, amount, note from p where id = any($1::int[]) order by id');

  /** How many times each text is prepared on the database (pg_prepared_statements is per session, and PGlite has one). */
  const preparedCount = async (text: string) =>
    (await db.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements where statement = $1', [text]))[0]!.n;

  it('answers every type as PGlite’s own query() does', async () => {
    const at = new Date('2026-12-03T10:00:00.123Z');
    const values = (id: number) => [
      id,
      9_007_199_254_740_993n,
      at,
      Buffer.from([0, 1, 255]),
      { a: [1, 'x'], n: null },
      ['a', 'b "quoted", with comma', ''],
      ['01a23d3d-e383-7614-97a7-939411b4ab20'],
      true,
      null,
    ];
    const [viaPrepared] = await db.transaction((tx) => tx.query(INSERT, values(1)));
    const [viaOutside] = await db.query(INSERT_TEXT, values(2));
    // PGlite's own query(), on a database of its own with the same table.
    const raw = await createPglite(undefined);
    try {
      await raw.exec(TABLE);
      const [viaQuery] = (await raw.query(INSERT_TEXT, toDriverParams(values(1)))).rows;
      expect(viaPrepared).toEqual(viaQuery);
    } finally {
      await raw.close();
    }
    expect({ ...viaPrepared, id: 2 }).toEqual(viaOutside);
    expect(viaPrepared).toMatchObject({ amount: 9_007_199_254_740_993n, at, doc: { a: [1, 'x'], n: null }, flag: true, note: null });
    expect([...(viaPrepared as { data: Uint8Array }).data]).toEqual([0, 1, 255]);
    expect(await preparedCount(INSERT_TEXT)).toBe(1);
  });

  it('is prepared once and answers each run with its own parameters', async () => {
    for (const id of [10, 11, 12]) {
      await db.transaction((tx) => tx.query(INSERT, [id, BigInt(id) * 100n, null, null, null, null, null, null, `row ${id}`]));
    }
    const rows = await db.transaction((tx) => tx.query(BY_ID, [[12, 10]]));
    expect(rows).toEqual([
      { id: 10, amount: 1000n, note: 'row 10' },
      { id: 12, amount: 1200n, note: 'row 12' },
    ]);
    expect(await db.transaction((tx) => tx.query(BY_ID, [[11]]))).toEqual([{ id: 11, amount: 1100n, note: 'row 11' }]);
    expect(await preparedCount(INSERT_TEXT)).toBe(1);
    expect(await preparedCount(BY_ID.text)).toBe(1);
  });

  it('fails with the database’s code and constraint, rolls back, and runs again after', async () => {
    const duplicate = await db
      .transaction(async (tx) => {
        await tx.query(INSERT, [20, 1n, null, null, null, null, null, null, 'kept?']);
        await tx.query(INSERT, [10, 1n, null, null, null, null, null, null, null]);
      })
      .catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ code: '23505', constraint: 'p_pkey' });
    const negative = await db.transaction((tx) => tx.query(INSERT, [21, -1n, null, null, null, null, null, null, null])).catch((error: unknown) => error);
    expect(negative).toMatchObject({ code: '23514', constraint: 'p_amount_check' });
    expect(await db.query('select id from p where id in (20, 21)')).toEqual([]);
    const [row] = await db.transaction((tx) => tx.query<{ id: number }>(INSERT, [20, 1n, null, null, null, null, null, null, null]));
    expect(row!.id).toBe(20);
  });

  it('refuses a statement that does not parse, each time, and keeps no name for it', async () => {
    const broken = prepared('testPreparedBroken', 'selec frm p');
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(db.transaction((tx) => tx.query(broken))).rejects.toMatchObject({ code: '42601' });
    }
    expect(await preparedCount('selec frm p')).toBe(0);
    expect(await db.transaction((tx) => tx.query(BY_ID, [[20]]))).toEqual([{ id: 20, amount: 1n, note: null }]);
  });

  it('runs a declared statement outside a transaction prepared too, and never inside another’s open transaction', async () => {
    const plain = 'select id from p where id = $1';
    expect(await db.query(plain, [30])).toEqual([]);
    expect(await preparedCount(plain)).toBe(0); // planned for its values, each time
    const text = 'select note from p where id = $1';
    const declared = prepared('testPreparedNote', text);
    expect(await db.query(declared, [30])).toEqual([]);
    expect(await preparedCount(text)).toBe(1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let began!: () => void;
    const begun = new Promise<void>((resolve) => (began = resolve));
    const open = db.transaction(async (tx) => {
      await tx.query(INSERT, [30, 1n, null, null, null, null, null, null, 'uncommitted']);
      began();
      await held;
      await tx.query('update p set note = $1 where id = 30', ['committed']);
    });
    await begun;
    // Asked while the transaction is open: answered after it, with what it committed.
    const outside = db.query(declared, [30]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await open;
    expect(await outside).toEqual([{ note: 'committed' }]);
  });

  it('prepares again a statement whose table changed under its columns', async () => {
    // PostgreSQL refuses the cached plan ("cached plan must not change result type") as long as it is used.
    await db.exec('create table widened (id int)');
    const everything = 'select * from widened';
    expect(await db.transaction((tx) => tx.query(everything))).toEqual([]);
    await db.exec('alter table widened add column note text; insert into widened values (1, $$one$$)');
    await expect(db.transaction((tx) => tx.query(everything))).rejects.toMatchObject({ code: '0A000' });
    expect(await db.transaction((tx) => tx.query(everything))).toEqual([{ id: 1, note: 'one' }]);
  });

  it('refuses a statement of a transaction that has ended', async () => {
    let late!: Promise<unknown>;
    await db.transaction(async (tx) => {
      await tx.query(BY_ID, [[11]]);
      late = new Promise((resolve) => setTimeout(resolve, 10)).then(() => tx.query(INSERT, [40, 1n, null, null, null, null, null, null, 'late']));
    });
    await expect(late).rejects.toThrow('Transaction is closed');
    expect(await db.query(BY_ID, [[40]])).toEqual([]);
  });

  it('keeps what a statement outside a transaction wrote, across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pglite-prepared-'));
    try {
      const first = await openPglite(dataDir);
      await first.exec('create table kept (id int primary key)');
      await first.query(prepared('testPreparedKept', 'insert into kept values ($1)'), [7]);
      await first.close();
      const second = await openPglite(dataDir);
      expect(await second.query('select id from kept')).toEqual([{ id: 7 }]);
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('prepares again after its statements were deallocated behind its back', async () => {
    expect(await db.transaction((tx) => tx.query(BY_ID, [[11]]))).toHaveLength(1);
    await db.exec('deallocate all'); // as a client of the shared socket could
    await expect(db.transaction((tx) => tx.query(BY_ID, [[11]]))).rejects.toMatchObject({ code: '26000' });
    expect(await db.transaction((tx) => tx.query(BY_ID, [[11]]))).toEqual([{ id: 11, amount: 1100n, note: 'row 11' }]);
    expect(await preparedCount(BY_ID.text)).toBe(1);
  });

  it('keeps at most its limit of statements prepared, closing the least recently run', async () => {
    const pg = await createPglite(undefined);
    try {
      const runner = preparedRunner(pg, 2);
      const run = (text: string, params: unknown[]) => runner.inTransaction(text, params);
      const texts = ['select 1 as n', 'select 2 as n', 'select 3 as n'];
      const inTransaction = <T>(fn: () => Promise<T>) => pg.transaction(fn);
      const prepared = async () =>
        (await pg.query<{ statement: string }>('select statement from pg_prepared_statements order by statement')).rows.map((r) => r.statement);
      await inTransaction(async () => {
        await run(texts[0]!, []);
        await run(texts[1]!, []);
        await run(texts[0]!, []); // the first is now the most recently run
        expect(await run(texts[2]!, [])).toEqual([{ n: 3 }]);
      });
      expect(await prepared()).toEqual([texts[0], texts[2]]);
      expect(await inTransaction(() => run(texts[1]!, []))).toEqual([{ n: 2 }]);
      expect(await prepared()).toEqual([texts[1], texts[2]]);
    } finally {
      await pg.close();
    }
  });
});
