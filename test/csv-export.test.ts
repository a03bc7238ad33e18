import { get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { expectApiError } from './payout-helpers.js';

type Row = Record<string, string>;

function parseCsv(text: string): { fields: string[]; rows: Row[] } {
  const parsed = Papa.parse<Row>(text, { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { fields: parsed.meta.fields ?? [], rows: parsed.data };
}

// Issue #14, "Exports": `Accept: text/csv` on the payout, recipient and transaction lists.
describe('CSV export', () => {
  let t: TestApp;
  let key: string;
  let organizationId: string;
  let otherKey: string;
  let batchA: { batchId: string; ids: string[] };
  let batchB: { batchId: string; ids: string[] };
  beforeAll(async () => {
    t = await createTestApp();
    organizationId = await t.createOrganization();
    key = await t.createKey('sandbox', organizationId);
    otherKey = await t.createKey('sandbox', await t.createOrganization('Other'));
    const recipients = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(key),
      payload: {
        recipients: [
          { email: 'formula@x.example', firstName: '=1+1', lastName: '@SUM(A1:A9)' },
          { email: 'quotes@x.example', firstName: 'Anne, "the boss"', lastName: 'O’Neil\nSecond line' },
        ],
      },
    });
    expect(recipients.statusCode).toBe(201);
    batchA = await createBatch(
      [
        { payeeEmail: 'formula@x.example', amount: 1250, description: '+cmd|" /C calc"!A0', referenceId: '-2+3' },
        { payeeEmail: 'quotes@x.example', amount: 5, description: '\tTabbed', referenceId: 'INV-7' },
      ],
      key,
    );
    batchB = await createBatch([{ payeeEmail: 'sandbox+pending@y.example', amount: 99_999, referenceId: '@ref' }], key);
    // Batch A happened last month: the date filters must tell them apart.
    await t.db.query(`update payouts set created_at = '2026-01-15T12:00:00Z' where batch_id = $1`, [batchA.batchId]);
    await createBatch([{ payeeEmail: 'formula@x.example', amount: 1 }], otherKey);
  });
  afterAll(() => t.close());

  async function createBatch(payouts: object[], withKey: string) {
    const response = await t.app.inject({ method: 'POST', url: '/payments', headers: bearer(withKey), payload: { payouts } });
    expect(response.statusCode, response.body).toBe(201);
    const data = response.json().data;
    return { batchId: data.batchId as string, ids: data.payouts.map((p: { id: string }) => p.id) as string[] };
  }
  async function csv(url: string, headers: Record<string, string> = bearer(key)) {
    const response = await t.app.inject({ method: 'GET', url, headers: { ...headers, accept: 'text/csv' } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    return { response, ...parseCsv(response.body) };
  }

  it('exports every payout of the environment with its recipient, money as dollars, as an attachment', async () => {
    const { response, fields, rows } = await csv('/payments?limit=1');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="payments-sandbox-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(fields).toEqual(
      expect.arrayContaining(['id', 'createdAt', 'status', 'amount', 'currency', 'recipientEmail', 'description', 'referenceId', 'batchId']),
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...batchA.ids, ...batchB.ids].sort()); // limit ignored, other organization absent
    const first = rows.find((r) => r.id === batchA.ids[0])!;
    expect(first).toMatchObject({ amount: '12.50', currency: 'USD', status: 'created', recipientEmail: 'formula@x.example', batchId: batchA.batchId });
    expect(first.createdAt).toBe('2026-01-15T12:00:00.000Z');
    expect(rows.find((r) => r.id === batchA.ids[1])!.amount).toBe('0.05');
    expect(rows.find((r) => r.id === batchB.ids[0])!.amount).toBe('999.99');
    // The raw text never carries a bank or tax number column.
    expect(fields.join(',')).not.toMatch(/account|routing|tin|ssn/i);
  });

  it('neutralizes every cell a spreadsheet would run as a formula, and quotes commas, quotes and line breaks', async () => {
    const { rows } = await csv(`/payments?batchId=${batchA.batchId}`);
    const formula = rows.find((r) => r.id === batchA.ids[0])!;
    expect(formula.recipientFirstName).toBe("'=1+1");
    expect(formula.recipientLastName).toBe("'@SUM(A1:A9)");
    expect(formula.description).toBe('\'+cmd|" /C calc"!A0');
    expect(formula.referenceId).toBe("'-2+3");
    const quoted = rows.find((r) => r.id === batchA.ids[1])!;
    expect(quoted.description).toBe("'\tTabbed");
    expect(quoted.recipientFirstName).toBe('Anne, "the boss"');
    expect(quoted.recipientLastName).toBe('O’Neil\nSecond line');
    expect((await csv(`/payments?batchId=${batchB.batchId}`)).rows[0]!.referenceId).toBe("'@ref");
    const recipients = (await csv('/recipients?search=formula')).rows;
    expect(recipients).toHaveLength(1);
    expect(recipients[0]).toMatchObject({ email: 'formula@x.example', firstName: "'=1+1", lastName: "'@SUM(A1:A9)" });
  });

  it('honours the filters: batch, status, search, dates', async () => {
    const ids = async (query: string) => (await csv(`/payments?${query}`)).rows.map((r) => r.id).sort();
    expect(await ids(`batchId=${batchB.batchId}`)).toEqual(batchB.ids);
    expect(await ids('search=quotes@')).toEqual([batchA.ids[1]]);
    expect(await ids('search=INV-7&status=created')).toEqual([batchA.ids[1]]);
    expect(await ids('search=INV-7&status=completed')).toEqual([]);
    expect(await ids('createdTo=2026-02-01T00:00:00Z')).toEqual([...batchA.ids].sort());
    expect(await ids('createdFrom=2026-02-01T00:00:00Z')).toEqual(batchB.ids);
    expect(await ids(`createdFrom=2026-01-01T00:00:00Z&createdTo=2026-02-01T00:00:00Z&batchId=${batchB.batchId}`)).toEqual([]);
  });

  it('exports recipients and balance transactions with their filters', async () => {
    const recipients = await csv('/recipients');
    expect(recipients.response.headers['content-disposition']).toMatch(/filename="recipients-sandbox-/);
    expect(recipients.rows.map((r) => r.email).sort()).toEqual(['formula@x.example', 'quotes@x.example', 'sandbox+pending@y.example']);
    expect(recipients.fields).toEqual(expect.arrayContaining(['id', 'email', 'firstName', 'lastName', 'status', 'createdAt']));
    const all = await csv('/balance/transactions');
    expect(all.response.headers['content-disposition']).toMatch(/filename="transactions-sandbox-/);
    const json = (await t.app.inject({ method: 'GET', url: '/balance/transactions?limit=100', headers: bearer(key) })).json().data as {
      id: string;
      amount: number;
    }[];
    expect(all.rows.map((r) => r.id)).toEqual(json.map((e) => e.id));
    for (const entry of json) {
      const row = all.rows.find((r) => r.id === entry.id)!;
      expect(row.amount).toBe((entry.amount / 100).toFixed(2)); // negative amounts stay numbers, not neutralized text
      expect(row.currency).toBe('USD');
    }
    const ofBatch = await csv(`/balance/transactions?batchId=${batchB.batchId}`);
    expect(ofBatch.rows.length).toBeGreaterThan(0);
    expect(ofBatch.rows.every((r) => r.batchId === batchB.batchId)).toBe(true);
  });

  it('keeps errors in the JSON envelope and the route’s permission', async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/payments?batchId=nope', headers: { ...bearer(key), accept: 'text/csv' } });
    expectApiError(bad, 400, 'invalid_request', 'batchId');
    expect(bad.headers['content-type']).toMatch(/^application\/json/);
    const noKey = await t.app.inject({ method: 'GET', url: '/payments', headers: { accept: 'text/csv' } });
    expect(noKey.statusCode).toBe(401);
    const employee = await signInAs(t, 'employee', organizationId);
    const refused = await t.app.inject({ method: 'GET', url: '/payments', headers: { ...employee('sandbox'), accept: 'text/csv' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBeDefined();
    const accountant = await signInAs(t, 'accountant', organizationId);
    expect((await csv('/recipients', accountant('sandbox'))).rows).toHaveLength(3);
    // A plain request still answers the JSON envelope.
    const plain = await t.app.inject({ method: 'GET', url: '/payments?limit=1', headers: bearer(key) });
    expect(Object.keys(plain.json()).sort()).toEqual(['data', 'hasMore', 'nextCursor']);
  });

  it('declares the CSV answer beside the JSON one in /openapi.json', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/payments', '/recipients', '/balance/transactions']) {
      const content = doc.paths[path].get.responses['200'].content;
      expect(Object.keys(content).sort(), path).toEqual(['application/json', 'text/csv']);
      expect(content['application/json'].schema.properties.data.type).toBe('array');
      expect(content['text/csv'].schema.type).toBe('string');
    }
  });

  it('streams 100,000 payouts page by page: rows written while the download is paused still arrive', async () => {
    const bigKey = await t.createKey('sandbox', await t.createOrganization('Big'));
    const seedBatch = await createBatch([{ payeeEmail: 'bulk@x.example', amount: 100 }], bigKey);
    const seeded = await t.db.query<{ organization_id: string; recipient_id: string }>(
      'select organization_id, recipient_id from payouts where batch_id = $1',
      [seedBatch.batchId],
    );
    const { organization_id: org, recipient_id: recipient } = seeded[0]!;
    // 99,999 more in one statement, with descriptions long enough that the whole export (~40 MB)
    // cannot sit in the sockets' buffers: the server must wait for the client to read on.
    await t.db.query(
      `insert into payouts (id, organization_id, environment, batch_id, recipient_id, kind, amount, currency, description, reference_id, status)
       select gen_random_uuid(), $1, 'sandbox', $2, $3, 'payout', 100 + g, 'USD', repeat('x', 300), 'BULK-' || g, 'created'
       from generate_series(1, 99999) as g`,
      [org, seedBatch.batchId, recipient],
    );
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet(`http://127.0.0.1:${port}/payments`, { headers: { ...bearer(bigKey), accept: 'text/csv' } }, resolve).on('error', reject),
    );
    expect(response.statusCode).toBe(200);
    const chunks: Buffer[] = [];
    // Take the first bytes, then, with the download paused, add a payout that sorts last (smallest id).
    const first = await new Promise<Buffer>((resolve) =>
      response.once('data', (chunk: Buffer) => {
        response.pause();
        resolve(chunk);
      }),
    );
    chunks.push(first);
    const lateId = '00000000-0000-4000-8000-000000000001';
    await t.db.query(
      `insert into payouts (id, organization_id, environment, batch_id, recipient_id, kind, amount, currency, reference_id, status)
       values ($1, $2, 'sandbox', $3, $4, 'payout', 777, 'USD', 'LATE', 'created')`,
      [lateId, org, seedBatch.batchId, recipient],
    );
    response.resume();
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const { rows } = parseCsv(Buffer.concat(chunks).toString('utf8'));
    expect(rows).toHaveLength(100_001);
    expect(new Set(rows.map((r) => r.id)).size).toBe(100_001);
    // Had the export been read whole before sending, the late payout would be missing.
    expect(rows[rows.length - 1]).toMatchObject({ id: lateId, referenceId: 'LATE', amount: '7.77' });
  }, 600_000);
});
