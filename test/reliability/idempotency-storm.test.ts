import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { createTestApp, type TestApp } from '../harness.js';
import { expectLedgerConsistent } from '../payout-helpers.js';
import {
  expectErrorEnvelope,
  http,
  type HttpAnswer,
  openServiceDatabase,
  Processes,
  scalar,
  type ServiceDatabase,
  TEST_DATABASE_URL,
  waitFor,
} from './support.js';

// 100 identical requests with one idempotency key, all in flight at once, create one batch.
// Every answer is the batch (the original, or a replay marked Idempotent-Replayed) or a 409
// `idempotency_key_in_use` to retry; a retry afterwards replays the same answer.

const STORM = 100;

function batchBody(tag: string, idempotencyKey?: string) {
  return {
    payouts: Array.from({ length: 40 }, (_, i) => ({ payeeEmail: `${tag}-${i}@example.com`, amount: 1_000 + i, referenceId: `${tag}-${i}` })),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
}
const TOTAL = Array.from({ length: 40 }, (_, i) => 1_000 + i).reduce((a, b) => a + b, 0);

/** Checks the answers of one storm and the database behind them; answers the batch id. */
async function expectOneBatch(db: Database, organizationId: string, answers: HttpAnswer[], idempotencyKey: string): Promise<string> {
  const unexpected = answers.filter((a) => a.status !== 201 && a.status !== 409);
  expect(unexpected.map((a) => `${a.status} ${a.text.slice(0, 200)}`)).toEqual([]);
  const created = answers.filter((a) => a.status === 201);
  const originals = created.filter((a) => a.headers.get('idempotent-replayed') !== 'true');
  expect(originals).toHaveLength(1);
  for (const replay of created) expect(replay.text).toBe(originals[0]!.text);
  for (const busy of answers.filter((a) => a.status === 409)) {
    expectErrorEnvelope(busy, 'a concurrent twin');
    expect(busy.json.error.code).toBe('idempotency_key_in_use');
    expect(busy.headers.get('retry-after')).toBeTruthy();
  }
  const batchId: string = originals[0]!.json.data.batchId;
  expect(await scalar(db, `select count(*) as n from batches where organization_id = $1`, [organizationId])).toBe(1);
  expect(await scalar(db, `select count(*) as n from payouts where organization_id = $1`, [organizationId])).toBe(40);
  expect(await scalar(db, `select count(*) as n from idempotency_keys where organization_id = $1 and key = $2`, [organizationId, idempotencyKey])).toBe(1);
  expect(
    await scalar(db, `select count(distinct posting_id) as n from ledger_entries where organization_id = $1 and kind = 'batch_hold'`, [organizationId]),
  ).toBe(1);
  const [held] = await db.query<{ balance: bigint }>(`select balance from ledger_balances where organization_id = $1 and account = 'held'`, [organizationId]);
  expect(held!.balance).toBe(BigInt(TOTAL));
  return batchId;
}

describe('100 concurrent identical requests with one idempotency key', () => {
  let t: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  for (const via of ['body', 'header'] as const) {
    it(`create exactly one batch (key in the ${via})`, async () => {
      const organizationId = await t.createOrganization(`Storm via ${via}`);
      const key = await t.createKey('sandbox', organizationId);
      const idempotencyKey = `storm-${via}-${Date.now()}`;
      const body = batchBody(`storm-${via}`, via === 'body' ? idempotencyKey : undefined);
      const headers: Record<string, string> = via === 'header' ? { 'idempotency-key': idempotencyKey } : {};
      const send = () => http(baseUrl, 'POST', '/payments', { key, body, headers, timeoutMs: 60_000 });

      const answers = await Promise.all(Array.from({ length: STORM }, send));
      const batchId = await expectOneBatch(t.db, organizationId, answers, idempotencyKey);

      // Retried after the storm, it replays the same answer; a different request with the key is refused.
      const replay = await waitFor('a replay', async () => {
        const answer = await send();
        return answer.status === 201 ? answer : undefined;
      });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.json.data.batchId).toBe(batchId);
      const other = await http(baseUrl, 'POST', '/payments', {
        key,
        body: batchBody('other', via === 'body' ? idempotencyKey : undefined),
        headers,
        timeoutMs: 60_000,
      });
      expect(other.status).toBe(422);
      expect(other.json.error.code).toBe('idempotency_key_reused');
      expect(await scalar(t.db, `select count(*) as n from batches where organization_id = $1`, [organizationId])).toBe(1);
      await expectLedgerConsistent(t.db);
    });
  }
});

describe('the same storm spread over two API processes on one PostgreSQL', () => {
  const processes = new Processes();
  let database: ServiceDatabase | undefined;
  afterEach(async () => {
    await processes.dispose();
    await database?.close();
  });

  it.skipIf(!TEST_DATABASE_URL)('creates exactly one batch', async ({ onTestFailed }) => {
    onTestFailed(() => console.error(processes.outputs()));
    database = await openServiceDatabase();
    const key = await database.createKey('sandbox');
    const settings = { databaseUrl: database.url };
    const apis = await Promise.all([processes.start('api', settings), processes.start('api', settings)]);
    const idempotencyKey = `storm-two-apis-${Date.now()}`;
    const body = batchBody('two-apis', idempotencyKey);
    const answers = await Promise.all(Array.from({ length: STORM }, (_, i) => http(apis[i % 2]!.url, 'POST', '/payments', { key, body, timeoutMs: 60_000 })));
    await expectOneBatch(database.db, database.organizationId, answers, idempotencyKey);
    await expectLedgerConsistent(database.db);
  });
});
