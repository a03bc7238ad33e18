// 8. Lists at scale: N payouts (1,000,000 by default) of the bench's sandbox tenant, seeded in SQL
// (generate_series) as a year of settled payouts: 10,000 recipients paid 100 times each, batches
// of 100, one payout every 30 seconds, ids UUIDv7 of their creation time as the API makes them,
// mostly completed with some canceled, failed and returned, each with its status updates; emails
// and references differ as real ones do (a search term's trigrams are not in every row). Then:
//   - EXPLAIN (ANALYZE, BUFFERS) of each page query, built by listPayoutsQuery so it is exactly
//     the SQL the API runs (in the bench process, before the server opens the database);
//   - each list through HTTP, one request at a time (a warm-up, then `requests` of each), p50/p99.
// Nothing in the seed is due for the worker (no next action, nothing awaiting acceptance), so
// the server under test only reads.
import { randomUUID } from 'node:crypto';
import { listPayoutsQuery, type PayoutFilter, type PayoutPage } from '../../src/modules/payouts/payouts-list.repository.js';
import type { Database } from '../../src/platform/db/database.js';
import { uuidv7 } from '../../src/platform/ids.js';
import type { Tenant } from '../../src/platform/tenant.js';
import { expectApi, percentile, round } from '../lib/api.js';
import { startPayoutsServer } from '../lib/processes.js';
import { openBenchDatabase } from './ach-seed.js';
import { PARKED_DELAY_MS, type ScenarioContext } from './context.js';

const RECIPIENTS = 10_000;
const BATCH_SIZE = 100;
const SPACING_SECONDS = 30;
const PAGE = 25;
const WARMUP_REQUESTS = 20;

/** The lists measured, in report order. */
export const LIST_QUERIES = [
  'first page',
  'first page with includeTotal',
  'status=completed (common)',
  'status=returned (rare)',
  'batchId',
  'recipientId',
  'referenceId',
  'createdFrom+createdTo (1 day, 100 days ago)',
  'deep cursor (90% down)',
  'search (recipient email)',
  'search (reference)',
  'GET /batches first page',
] as const;
export type ListQueryName = (typeof LIST_QUERIES)[number];

export interface ListTiming {
  name: ListQueryName;
  path: string;
  rows: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ListsResult {
  payouts: number;
  seedSeconds: number;
  requests: number;
  timings: ListTiming[];
  /** EXPLAIN (ANALYZE, BUFFERS) of each payout page query, as the API runs it. */
  plans: { name: ListQueryName; plan: string }[];
}

/** Status of the i-th payout: mostly completed; 2% canceled, 1% failed, 0.2% returned. */
const STATUS_OF_I = `case when i % 500 = 7 then 'returned' when i % 100 = 3 then 'failed' when i % 50 = 1 then 'canceled' else 'completed' end`;

/** The i-th payout's reference, as an invoice number would be (its digits shared with few others). */
const reference = (i: number, tag: string) => `LP${String(i).padStart(7, '0')}-${tag}`;

interface Seeded {
  tenant: Tenant;
  tag: string;
  /** Payout ids and other handles the lists are asked with. */
  deepCursor: string;
  batchId: string;
  recipientId: string;
  recipientEmailPart: string;
  referenceId: string;
  referencePart: string;
  createdFrom: Date;
  createdTo: Date;
}

async function seed(db: Database, count: number): Promise<Seeded> {
  const [org] = await db.query<{ id: string }>('select organization_id as id from api_keys order by created_at limit 1');
  const tenant: Tenant = { organizationId: org!.id, environment: 'sandbox' };
  const tag = randomUUID().slice(0, 8);
  const start = Date.now() - count * SPACING_SECONDS * 1000;
  const at = (i: number) => start + i * SPACING_SECONDS * 1000;
  const recipientIds = Array.from({ length: RECIPIENTS }, (_, n) => uuidv7(at(n)));
  const batches = Math.ceil(count / BATCH_SIZE);
  const batchIds = Array.from({ length: batches }, (_, b) => uuidv7(at(b * BATCH_SIZE)));
  await db.query(
    `insert into recipients (id, organization_id, environment, email, first_name, last_name, auto_accept_payouts, ready, created_at)
     select r.id, $2, 'sandbox', 'payee' || (r.n - 1) || '.' || $3 || '@example.com', 'List', 'Payee ' || (r.n - 1), true, true,
       to_timestamp(($4::bigint + (r.n - 1) * ${SPACING_SECONDS * 1000}) / 1000.0)
     from unnest($1::uuid[]) with ordinality as r(id, n)`,
    [recipientIds, tenant.organizationId, tag, start],
  );
  await db.query(
    `insert into batches (id, organization_id, environment, kind, currency, payout_count, total_amount, created_at)
     select b.id, $2, 'sandbox', 'payout', 'USD', least(${BATCH_SIZE}, $3::integer - (b.n - 1) * ${BATCH_SIZE}), 0,
       to_timestamp(($4::bigint + (b.n - 1) * ${BATCH_SIZE * SPACING_SECONDS * 1000}) / 1000.0)
     from unnest($1::uuid[]) with ordinality as b(id, n)`,
    [batchIds, tenant.organizationId, count, start],
  );
  // UUIDv7 of each payout's creation time: 48 bits of milliseconds, the version, random bits.
  await db.query(
    `insert into payouts (id, organization_id, environment, batch_id, recipient_id, kind, amount, currency, description, reference_id,
       status, sequence, rail, status_changed_at, created_at, updated_at)
     select (lpad(to_hex(t.ms), 12, '0') || '7' || substr(replace(gen_random_uuid()::text, '-', ''), 14, 19))::uuid,
       $1, 'sandbox', ($3::uuid[])[1 + i / ${BATCH_SIZE}], ($4::uuid[])[1 + i % ${RECIPIENTS}], 'payout', 100 + i % 900, 'USD',
       'Invoice ' || i, 'LP' || lpad(i::text, 7, '0') || '-' || $5, ${STATUS_OF_I}, 2, 'sandbox', t.at, t.at, t.at
     from generate_series(0, $2::integer - 1) as i,
       lateral (select $6::bigint + i::bigint * ${SPACING_SECONDS * 1000} as ms) as m,
       lateral (select m.ms, to_timestamp(m.ms / 1000.0) as at) as t`,
    [tenant.organizationId, count, batchIds, recipientIds, tag, start],
  );
  await db.query(
    `update batches b set total_amount = s.total from (
       select batch_id, sum(amount)::bigint as total from payouts where batch_id = any($1::uuid[]) group by batch_id) s
     where b.id = s.batch_id`,
    [batchIds],
  );
  // Each payout's history: created, then where it ended (sequence 2).
  await db.query(
    `insert into payout_status_updates (id, payout_id, organization_id, environment, sequence, status, created_at)
     select gen_random_uuid(), p.id, p.organization_id, p.environment, s.sequence, case when s.sequence = 1 then 'created' else p.status end, p.created_at
     from payouts p cross join (values (1), (2)) as s(sequence)
     where p.organization_id = $1 and p.environment = 'sandbox' and p.reference_id like 'LP%-' || $2`,
    [tenant.organizationId, tag],
  );
  await db.exec('vacuum analyze payouts');
  await db.exec('vacuum analyze payout_status_updates');
  await db.exec('vacuum analyze recipients');
  await db.exec('vacuum analyze batches');
  const deepIndex = Math.floor(count * 0.1); // 90% of the way down the newest-first list
  const [deep] = await db.query<{ id: string }>('select id from payouts where organization_id = $1 and environment = $2 and reference_id = $3', [
    tenant.organizationId,
    tenant.environment,
    reference(deepIndex, tag),
  ]);
  const middle = Math.floor(count / 2);
  const dayMs = 86_400_000;
  const createdTo = new Date(at(count) - 100 * dayMs);
  return {
    tenant,
    tag,
    deepCursor: deep!.id,
    batchId: batchIds[Math.floor(batches / 2)]!,
    recipientId: recipientIds[RECIPIENTS / 2]!,
    recipientEmailPart: `payee4242.${tag}`,
    referenceId: reference(middle, tag),
    referencePart: '31415',
    createdFrom: new Date(createdTo.getTime() - dayMs),
    createdTo,
  };
}

/** The page queries (the payout ones, with the filter listPayoutsQuery is given) and their API paths. */
function listQueries(s: Seeded): { name: ListQueryName; path: string; filter?: PayoutFilter & Partial<PayoutPage> }[] {
  const q = (params: Record<string, string>) => `/payments?${new URLSearchParams({ limit: String(PAGE), ...params })}`;
  const like = (text: string) => `%${text}%`;
  return [
    { name: 'first page', path: q({}), filter: {} },
    { name: 'first page with includeTotal', path: q({ includeTotal: 'true' }) },
    { name: 'status=completed (common)', path: q({ status: 'completed' }), filter: { status: 'completed' } },
    { name: 'status=returned (rare)', path: q({ status: 'returned' }), filter: { status: 'returned' } },
    { name: 'batchId', path: q({ batchId: s.batchId }), filter: { batchId: s.batchId } },
    { name: 'recipientId', path: q({ recipientId: s.recipientId }), filter: { recipientId: s.recipientId } },
    { name: 'referenceId', path: q({ referenceId: s.referenceId }), filter: { referenceId: s.referenceId } },
    {
      name: 'createdFrom+createdTo (1 day, 100 days ago)',
      path: q({ createdFrom: s.createdFrom.toISOString(), createdTo: s.createdTo.toISOString() }),
      filter: { createdFrom: s.createdFrom, createdTo: s.createdTo },
    },
    { name: 'deep cursor (90% down)', path: q({ cursor: s.deepCursor }), filter: { before: s.deepCursor } },
    { name: 'search (recipient email)', path: q({ search: s.recipientEmailPart }), filter: { searchPattern: like(s.recipientEmailPart) } },
    { name: 'search (reference)', path: q({ search: s.referencePart }), filter: { searchPattern: like(s.referencePart) } },
    { name: 'GET /batches first page', path: `/batches?limit=${PAGE}` },
  ];
}

async function explainAll(db: Database, s: Seeded): Promise<ListsResult['plans']> {
  const plans: ListsResult['plans'] = [];
  for (const query of listQueries(s)) {
    if (!query.filter) continue;
    const { sql, params } = listPayoutsQuery(s.tenant, { limit: PAGE, before: null, ...query.filter });
    const rows = await db.query<Record<string, string>>(`explain (analyze, buffers) ${sql}`, params);
    plans.push({ name: query.name, plan: rows.map((row) => Object.values(row)[0]).join('\n') });
  }
  return plans;
}

export async function listsRun(ctx: ScenarioContext & { listPayouts: number; listRequests: number }): Promise<ListsResult> {
  const db = await openBenchDatabase(ctx.target);
  let seeded: Seeded;
  let seedSeconds: number;
  let plans: ListsResult['plans'];
  try {
    const seedStarted = performance.now();
    seeded = await seed(db, ctx.listPayouts);
    seedSeconds = round((performance.now() - seedStarted) / 1000, 1);
    plans = await explainAll(db, seeded);
  } finally {
    await db.close();
  }
  const server = await startPayoutsServer(ctx.target, ctx.port, { SANDBOX_DELAY_MS: PARKED_DELAY_MS }, `${ctx.backend}-lists`);
  try {
    const timings: ListTiming[] = [];
    for (const query of listQueries(seeded)) {
      let rows = 0;
      for (let i = 0; i < WARMUP_REQUESTS; i++) {
        rows = ((await expectApi(200, server.url, ctx.apiKey, 'GET', query.path)).json as { data: unknown[] }).data.length;
      }
      const ms: number[] = [];
      for (let i = 0; i < ctx.listRequests; i++) ms.push((await expectApi(200, server.url, ctx.apiKey, 'GET', query.path)).ms);
      ms.sort((a, b) => a - b);
      timings.push({
        name: query.name,
        path: query.path,
        rows,
        p50: round(percentile(ms, 50), 1),
        p99: round(percentile(ms, 99), 1),
        max: round(ms.at(-1)!, 1),
      });
    }
    return { payouts: ctx.listPayouts, seedSeconds, requests: ctx.listRequests, timings, plans };
  } finally {
    await server.stop();
  }
}

/** bench/results/lists-plans.md: every plan of the run, per database. */
export function listsPlansMarkdown(startedAt: string, backends: [string, { label: string; lists?: ListsResult }][]): string | undefined {
  const runs = backends.filter(([, b]) => b.lists);
  if (runs.length === 0) return undefined;
  return [
    `# Payout list plans, benchmark ${startedAt}`,
    '',
    'EXPLAIN (ANALYZE, BUFFERS) of each page query of `GET /payments`, built by `listPayoutsQuery` (the SQL the API runs), first page of 25.',
    ...runs.flatMap(([, b]) => [
      '',
      `## ${b.label}, ${b.lists!.payouts.toLocaleString('en-US')} payouts`,
      ...b.lists!.plans.flatMap((p) => ['', `### ${p.name}`, '', '```', p.plan, '```']),
    ]),
    '',
  ].join('\n');
}
