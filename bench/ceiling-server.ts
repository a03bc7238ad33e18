// The ceiling for the create-payout benchmark: the least a create can cost on this machine and
// database. A bare Fastify route, no auth, no validation, one INSERT in a transaction, on the same
// database (same driver and pool size) as the server under test. Run by bench/run.ts as its own
// process: DATABASE_URL or DATA_DIR, PORT, DATABASE_POOL_SIZE.
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import Fastify from 'fastify';
import pg from 'pg';

const CREATE_TABLE = `create table if not exists bench_ceiling (
  id uuid primary key, idempotency_key text, body jsonb not null, created_at timestamptz not null default now())`;
const INSERT = 'insert into bench_ceiling (id, idempotency_key, body) values ($1, $2, $3)';

type InsertOne = (params: unknown[]) => Promise<void>;

async function openInsert(): Promise<{ insertOne: InsertOne; close(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 20) });
    await pool.query(CREATE_TABLE);
    const insertOne: InsertOne = async (params) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(INSERT, params);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    };
    return { insertOne, close: () => pool.end() };
  }
  const db = await PGlite.create({ dataDir: process.env.DATA_DIR ?? './data' });
  await db.exec(CREATE_TABLE);
  return { insertOne: (params) => db.transaction(async (tx) => void (await tx.query(INSERT, params))), close: () => db.close() };
}

const { insertOne, close } = await openInsert();
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ ok: true }));
app.post('/payments', async (request, reply) => {
  const body = request.body as { idempotencyKey?: string };
  const id = randomUUID();
  await insertOne([id, body.idempotencyKey ?? null, JSON.stringify(body)]);
  return reply.status(201).send({ data: { id } });
});
await app.listen({ port: Number(process.env.PORT ?? 3100), host: '127.0.0.1' });
const shutdown = async () => {
  await app.close();
  await close();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
