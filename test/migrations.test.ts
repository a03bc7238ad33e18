import { afterEach, describe, expect, it } from 'vitest';
import { migrate, MigrationError, readMigrations } from '../src/platform/db/migrate.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import { onPostgres, openTestDatabase, type TestDatabase } from './harness.js';

describe('migrations', () => {
  let testDb: TestDatabase;
  afterEach(() => testDb?.close());

  it('apply from empty, then again apply nothing', async () => {
    testDb = await openTestDatabase();
    const all = readMigrations().map((m) => m.version);
    expect(await migrate(testDb.db)).toEqual(all);
    expect(await migrate(testDb.db)).toEqual([]);
    const organizations = await testDb.db.query<{ is_default: boolean }>('select is_default from organizations');
    expect(organizations).toEqual([{ is_default: true }]);
  });

  it('refuse a database that has migrations the code does not know', async () => {
    testDb = await openTestDatabase();
    await migrate(testDb.db);
    await testDb.db.query(`insert into schema_migrations (version, name) values (9999, 'from_the_future')`);
    await expect(migrate(testDb.db)).rejects.toThrow(MigrationError);
    await expect(migrate(testDb.db)).rejects.toThrow(/9999_from_the_future/);
  });

  it('read int8 back as bigint, beyond the range of a JavaScript number', async () => {
    testDb = await openTestDatabase();
    const [row] = await testDb.db.query<{ big: bigint; param: bigint }>('select 9007199254740993::bigint as big, $1::bigint as param', [9007199254740995n]);
    expect(row!.big).toBe(9007199254740993n);
    expect(row!.param).toBe(9007199254740995n);
  });

  it.runIf(onPostgres)('are applied once when several processes start at the same time', async () => {
    testDb = await openTestDatabase();
    const pools = await Promise.all(Array.from({ length: 4 }, () => openPostgres(testDb.url!, 2)));
    try {
      const results = await Promise.all(pools.map((db) => migrate(db)));
      expect(results.flat().sort((a, b) => a - b)).toEqual(readMigrations().map((m) => m.version));
      const [count] = await testDb.db.query<{ n: bigint }>('select count(*) as n from organizations');
      expect(count!.n).toBe(1n);
    } finally {
      await Promise.all(pools.map((db) => db.close()));
    }
  });
});
