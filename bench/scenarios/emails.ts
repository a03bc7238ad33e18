// 4. Emails: a production batch to N new payees (50,000 by default) with SMTP configured.
//   (a) What the email outbox adds to the batch's creation. The batch's transaction writes one
//       `email_batches` row, whatever its size (the worker expands it later, outside the request).
//       There is no switch to create a batch without it, so the row's insert is timed on its own,
//       through the product's own function, in a transaction that is rolled back, on the same
//       database while the run goes on: its share of the time to 201 is what emails cost the
//       request (an upper bound: each timing includes a client round trip).
//   (b) Those N emails reaching a local SMTP server (bench/smtp-sink-server.ts, accepting and
//       discarding, in its own process so its peak RSS is its own): emails per second from the
//       first to the last arrival, over the worker's pooled connections.
//   (c) A one-time code queued (priority 0, through the service) once a tenth of the batch's
//       emails are out: its latency from commit to arrival.
// PostgreSQL only: (a) and (c) write to the database from the bench process, which PGlite's
// single-process storage does not allow while the server runs.
import { queueBatchEmails } from '../../src/modules/emails/emails.service.js';
import { queueEmail } from '../../src/modules/emails/emails.service.js';
import type { Database } from '../../src/platform/db/database.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { expectApi, percentile, round } from '../lib/api.js';
import { runCli, startPayoutsServer, startSmtpSinkServer } from '../lib/processes.js';
import type { MemoryPeak, ScenarioContext } from './context.js';
import { batchBody } from './batch.js';

export interface EmailsResult {
  emails: number;
  batchSecondsTo201: number;
  outboxInsertMs: { p50: number; max: number; samples: number };
  /** The outbox insert's share of the batch's time to 201, in percent (p50 insert). */
  outboxSharePercent: number;
  deliverySeconds: number;
  emailsPerSecond: number;
  smtpConnections: number;
  codeLatencyMs: number | undefined;
  smtpServerMemory: MemoryPeak;
  serverMemory: MemoryPeak;
}

interface SinkStats {
  messages: number;
  firstAt: number;
  lastAt: number;
  connections: number;
  codes: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Times the batch's outbox insert (the product's function) in rolled-back transactions. */
async function timeOutboxInsert(db: Database, tenant: { organizationId: string; environment: 'production' }, batchId: string, samples: number) {
  const timings: number[] = [];
  const rollback = new Error('rollback');
  for (let i = 0; i < samples; i++) {
    await db
      .transaction(async (tx) => {
        await tx.query('delete from email_batches where batch_id = $1', [batchId]);
        const started = performance.now();
        await queueBatchEmails(tx, tenant, batchId);
        timings.push(performance.now() - started);
        throw rollback;
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error;
      });
  }
  return timings.sort((a, b) => a - b);
}

export async function emailsRun(ctx: ScenarioContext): Promise<EmailsResult> {
  if (ctx.target.kind !== 'postgres') throw new Error('the emails scenario runs on PostgreSQL only');
  const key = await runCli(ctx.target, ['keys', 'create', '--env', 'production', '--name', 'bench-emails']);
  await runCli(ctx.target, ['balance', 'fund', '--env', 'production', '--amount', String((ctx.batchItems + 1_000) * 1000)]);
  const smtpPort = ctx.port + 20;
  const sink = await startSmtpSinkServer(smtpPort, ctx.port + 21, `${ctx.backend}-smtp-sink`);
  const server = await startPayoutsServer(
    ctx.target,
    ctx.port,
    { SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_FROM: 'payouts@bench.example.com' },
    `${ctx.backend}-emails`,
  );
  const db = await openPostgres(ctx.target.databaseUrl, 2);
  const stats = async () => (await (await fetch(`${sink.url}/stats`)).json()) as SinkStats;
  try {
    const [org] = await db.query<{ id: string }>('select organization_id as id from api_keys order by created_at limit 1');
    const tenant = { organizationId: org!.id, environment: 'production' as const };
    // Warm-up: first-request costs, and the worker's first connections, out of the figures.
    const warm = await expectApi(201, server.url, key, 'POST', '/payments', batchBody(100, `mail-warm-${Date.now()}`));
    const warmBatchId = (warm.json as { data: { batchId: string } }).data.batchId;
    await waitFor('the warm-up emails', async () => ((await stats()).messages >= 100 ? true : undefined), 120_000);
    const before = (await stats()).messages;

    const body = batchBody(ctx.batchItems, `mail-${Date.now()}`);
    const answer = await expectApi(201, server.url, key, 'POST', '/payments', body);
    const batchSeconds = answer.ms / 1000;
    const created = Date.now();
    const inserts = await timeOutboxInsert(db, tenant, warmBatchId, 21);

    await waitFor('a tenth of the emails', async () => ((await stats()).messages - before >= ctx.batchItems / 10 ? true : undefined), 600_000);
    const codeTo = `code-${Date.now()}@example.com`;
    await db.transaction((tx) =>
      queueEmail(tx, tenant, {
        recipientId: null,
        to: codeTo,
        template: 'one_time_code',
        data: { organizationName: 'Bench', code: '123456', validMinutes: 10 },
        priority: 0,
        expiresAt: new Date(Date.now() + 600_000),
      }),
    );
    const queuedAt = Date.now();
    const codeArrived = await waitFor('the one-time code', async () => (await stats()).codes[codeTo], 60_000).catch(() => undefined);

    const total = before + ctx.batchItems + 1;
    const done = await waitFor(
      'every email',
      async () => {
        const s = await stats();
        return s.messages >= total ? s : undefined;
      },
      1_800_000,
    );
    const deliverySeconds = (done.lastAt - created) / 1000;
    const p50 = percentile(inserts, 50);
    return {
      emails: ctx.batchItems,
      batchSecondsTo201: round(batchSeconds, 3),
      outboxInsertMs: { p50: round(p50, 2), max: round(inserts.at(-1)!, 2), samples: inserts.length },
      outboxSharePercent: round((p50 / (batchSeconds * 1000)) * 100, 3),
      deliverySeconds: round(deliverySeconds, 1),
      emailsPerSecond: Math.round(ctx.batchItems / deliverySeconds),
      smtpConnections: done.connections,
      codeLatencyMs: codeArrived === undefined ? undefined : codeArrived - queuedAt,
      smtpServerMemory: await sink.stop(),
      serverMemory: await server.stop(),
    };
  } finally {
    await db.close();
    await server.stop();
    await sink.stop();
  }
}
