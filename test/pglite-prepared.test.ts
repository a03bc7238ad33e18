import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, prepared } from '../src/platform/db/database.js';
import { createPglite, openPglite } from '../src/platform/db/pglite.js';
import { preparedRunner } from '../src/platform/db/pglite-prepared.js';

// Statements in a transaction on PGlite run prepared once (pglite-prepared.ts): they must answer
// exactly what PGlite's own query() answers, fail as it fails, and stay usable after.
describe('PGlite prepared statements', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPglite(undefined);
    await db.exec(`create table p (id int primary key, amount int8, at timestamptz, data bytea, doc jsonb, tags text[], ids uuid[], flag boolean, note text,
                   check (amount is null or amount >= 0))`);
  });
  afterAll(() => db.close());

  const INSERT_TEXT = 'insert into p values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *';
  const INSERT = prepared('testPreparedInsert', INSERT_TEXT); // a declared statement or plain text: both are prepared
  const BY_ID = prepared('testPreparedById', 'select id, amount, note from p where id = any($1::int[]) order by id');

  /** How many times each text is prepared on the database (pg_prepared_statements is per session, and PGlite has one). */
  const preparedCount = async (text: string) =>
    (await db.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements where statement = $1', [text]))[0]!.n;

  it('answers every type as an unprepared statement does', async () => {
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
    const [viaText] = await db.query(INSERT_TEXT, values(2)); // PGlite's own query()
    expect({ ...viaPrepared, id: 2 }).toEqual(viaText);
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

  it('runs a statement outside a transaction through PGlite’s query(), unprepared', async () => {
    const text = 'select note from p where id = $1';
    expect(await db.query(text, [11])).toEqual([{ note: 'row 11' }]);
    expect(await preparedCount(text)).toBe(0);
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
      const run = preparedRunner(pg, 2);
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
