import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Socket } from 'node:net';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { fund, readBalance } from '../src/modules/ledger/ledger.service.js';
import { resolveOrganization } from '../src/modules/organizations/organizations.service.js';
import { createBatch } from '../src/modules/payouts/create-batch.js';
import { type Database, prepared } from '../src/platform/db/database.js';
import { SOCKET_NAME } from '../src/platform/db/data-dir.js';
import { migrate } from '../src/platform/db/migrate.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import type { Tenant } from '../src/platform/tenant.js';
import { openAndMigrate } from '../src/runtime.js';
import { onPostgres } from './harness.js';

/** Collects the server's answers on a raw socket, one exchange (up to ReadyForQuery) at a time. */
function answers(socket: Socket) {
  let buffer = Buffer.alloc(0);
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    waiter?.();
  });
  return {
    async untilReady(): Promise<{ type: string; body: Buffer }[]> {
      for (;;) {
        const messages: { type: string; body: Buffer }[] = [];
        let offset = 0;
        while (offset + 5 <= buffer.length) {
          const length = buffer.readInt32BE(offset + 1);
          if (offset + 1 + length > buffer.length) break;
          messages.push({ type: String.fromCharCode(buffer[offset]!), body: buffer.subarray(offset + 5, offset + 1 + length) });
          offset += 1 + length;
          if (messages.at(-1)!.type === 'Z') {
            buffer = buffer.subarray(offset);
            return messages;
          }
        }
        await new Promise<void>((resolve) => (waiter = resolve));
      }
    },
  };
}

const nextTurnOfTheEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

// The embedded database shared over its socket, in process: the server's side is the Database the
// server uses, the CLI's side is the PostgreSQL adapter on the socket, as the CLI opens it.
describe.skipIf(onPostgres)('the embedded database shared with the CLI over a socket', () => {
  let dataDir: string;
  let socketPath: string;
  let server: Database;
  const clients: Database[] = [];
  const connectClient = async () => {
    const client = await openPostgres({ socketPath }, 1);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payouts-share-'));
    server = await openAndMigrate(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { share: true });
    socketPath = join(dataDir, SOCKET_NAME);
    await server.exec('create table share_probe (n integer not null)');
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is reachable only by its owner', () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it("never runs the server's statements inside a client's transaction", async () => {
    const client = await connectClient();
    let serverCount: Promise<{ n: number }[]> | undefined;
    const rolledBack = client.transaction(async (tx) => {
      await tx.query('insert into share_probe (n) values (1)');
      // The server reads while the client's transaction is open: it must wait for its end and
      // must not see its uncommitted row.
      serverCount = server.query<{ n: number }>('select count(*)::int as n from share_probe');
      await tx.query('insert into share_probe (n) values (2)');
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');
    expect(await serverCount).toEqual([{ n: 0 }]);
    expect(await client.query('select count(*)::int as n from share_probe')).toEqual([{ n: 0 }]);
  });

  it("never runs a client's statements inside the server's transaction", async () => {
    const client = await connectClient();
    let clientCount: Promise<{ n: number }[]> | undefined;
    const rolledBack = server.transaction(async (tx) => {
      await tx.query('insert into share_probe (n) values (1)');
      clientCount = client.query<{ n: number }>('select count(*)::int as n from share_probe');
      // Many statements, each a chance for the client's query to slip in between them (the
      // event loop turns, as it does when a request handler awaits I/O inside a transaction).
      for (let i = 0; i < 50; i++) {
        await tx.query('insert into share_probe (n) values ($1)', [i]);
        await nextTurnOfTheEventLoop();
      }
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');
    expect(await clientCount).toEqual([{ n: 0 }]);
  });

  it('keeps the ledger exact while server and CLI transactions run at the same time', async () => {
    const organization = await resolveOrganization(server);
    const tenant: Tenant = { organizationId: organization.id, environment: 'production' };
    await server.transaction((tx) => fund(tx, tenant, 1_000_000n));
    const before = await server.transaction((tx) => readBalance(tx, tenant));
    const [cli1, cli2] = [await connectClient(), await connectClient()];

    const work: Promise<unknown>[] = [];
    const abandoned: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(
        server.transaction(async (tx) => {
          const { created, holdFunds } = await createBatch(tx, tenant, [{ payeeEmail: `p${i}@example.com`, amount: 1_000 }], 0);
          await nextTurnOfTheEventLoop();
          await holdFunds(tx);
          return created;
        }),
      );
      work.push(server.transaction((tx) => fund(tx, tenant, 100n)));
      work.push(cli1.transaction((tx) => fund(tx, tenant, 1n)));
      work.push(cli2.transaction((tx) => fund(tx, tenant, 10n)));
      // A CLI transaction that gives up after funding: none of it may remain, and nothing of the
      // server's may be committed or rolled back with it.
      abandoned.push(
        cli1.transaction(async (tx) => {
          await fund(tx, tenant, 100_000n);
          await nextTurnOfTheEventLoop();
          throw new Error('abandon');
        }),
      );
    }
    // Both settled together: an abandoned transaction's rejection is handled as soon as it happens.
    const [outcomes, gaveUp] = await Promise.all([Promise.allSettled(work), Promise.allSettled(abandoned)]);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    for (const outcome of gaveUp) expect(outcome).toMatchObject({ status: 'rejected', reason: { message: 'abandon' } });

    const after = await server.transaction((tx) => readBalance(tx, tenant));
    expect(after.available).toBe(before.available + 20n * (100n + 1n + 10n) - 20n * 1_000n);
    expect(after.held).toBe(before.held + 20n * 1_000n);
    // Every balance equals the sum of its entries, seen from either side.
    for (const side of [server, cli1]) {
      const mismatches = await side.query(
        `select b.account from ledger_balances b
          where b.organization_id = $1 and b.environment = 'production'
            and b.balance <> (select coalesce(sum(e.amount), 0) from ledger_entries e
                               where e.organization_id = b.organization_id and e.environment = b.environment
                                 and e.currency = b.currency and e.account = b.account)`,
        [organization.id],
      );
      expect(mismatches).toEqual([]);
    }
    const funded = await server.query<{ n: number }>(
      `select count(*)::int as n from ledger_entries where organization_id = $1 and environment = 'production' and kind = 'funding' and account = 'available'`,
      [organization.id],
    );
    expect(funded).toEqual([{ n: 1 + 60 }]);
  });

  it('lets CLI connections one after another run the same prepared statement', async () => {
    const statement = prepared('share_test_probe', 'select count(*)::int as n from share_probe');
    const first = await connectClient();
    await first.query(statement);
    await first.close();
    clients.splice(clients.indexOf(first), 1);
    const second = await connectClient();
    expect(await second.query(statement)).toEqual([{ n: 0 }]);
  });

  it('rolls back what a CLI that disappears left open, and the server carries on', async () => {
    // pg's own Unix-socket convention: host=<folder>, port 5432 → <folder>/.s.PGSQL.5432.
    const raw = new pg.Client({ host: dataDir, port: 5432, user: 'postgres', database: 'postgres' });
    await raw.connect();
    await raw.query('begin');
    await raw.query('insert into share_probe (n) values (42)');
    const gone = new Promise((resolve) => raw.once('error', resolve).once('end', resolve));
    (raw as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await gone;
    expect(await server.query('select count(*)::int as n from share_probe')).toEqual([{ n: 0 }]);
    await server.transaction((tx) => tx.query('insert into share_probe (n) values (7)'));
    expect(await server.query('select n from share_probe')).toEqual([{ n: 7 }]);
    await server.query('delete from share_probe');
  });

  it('keeps pipelined statements of several clients apart', async () => {
    // pg in pipeline mode sends a client's statements without waiting for answers: each socket
    // 'data' event may then carry the end of one exchange and the start of the next.
    const pipelined = () => new pg.Client({ host: dataDir, port: 5432, user: 'postgres', database: 'postgres', pipeline: true } as pg.ClientConfig);
    const [a, b] = [pipelined(), pipelined()];
    await Promise.all([a.connect(), b.connect()]);
    try {
      const ask = (client: pg.Client, tag: string) =>
        Array.from({ length: 30 }, (_, i) => client.query<{ v: string }>('select $1::text as v', [`${tag}${i}`]).then((r) => r.rows[0]!.v));
      const answers = await Promise.all([...ask(a, 'a'), ...ask(b, 'b'), server.query<{ v: string }>('select $1::text as v', ['s']).then((r) => r[0]!.v)]);
      expect(answers).toEqual([...Array.from({ length: 30 }, (_, i) => `a${i}`), ...Array.from({ length: 30 }, (_, i) => `b${i}`), 's']);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("keeps a client's exchange whole when its messages arrive in pieces while it waits its turn", async () => {
    const socket = createConnection(socketPath);
    const received = answers(socket);
    socket.write(serialize.startup({ user: 'postgres', database: 'postgres' }));
    await received.untilReady();
    // The server is busy in a transaction (a shared turn), so the client's Parse waits for its
    // turn; the rest of its exchange arrives as a second piece meanwhile.
    let parseSent!: () => void;
    const parseWaiting = new Promise<void>((resolve) => (parseSent = resolve));
    const busy = server.transaction(async (tx) => {
      socket.write(serialize.parse({ text: 'select $1::text as v' }));
      parseSent();
      for (let i = 0; i < 20; i++) {
        await tx.query('select 1');
        await nextTurnOfTheEventLoop();
      }
    });
    await parseWaiting;
    for (let i = 0; i < 5; i++) await nextTurnOfTheEventLoop(); // the Parse has been read by now
    socket.write(Buffer.concat([serialize.bind({ values: ['whole'] }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]));
    await busy;
    const messages = await received.untilReady();
    socket.destroy();
    expect(messages.filter((m) => m.type === 'E').map((m) => m.body.toString())).toEqual([]);
    expect(messages.some((m) => m.type === 'D' && m.body.includes('whole'))).toBe(true);
  });

  it('lets the CLI run the migrations safely: nothing is left to apply', async () => {
    const client = await connectClient();
    expect(await migrate(client)).toEqual([]);
  });
});
