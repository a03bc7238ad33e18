// The 1099-NEC report at scale (issue #15: 100,000 recipients and 1,000,000 payouts in a year,
// the JSON answer under 10 s, the CSV streamed). Seeds an EMPTY PostgreSQL database straight in
// SQL (what is measured is the report, not how the payouts got there), serves the app in this
// process on a real port, and times the JSON report, the CSV export (first byte and last) and the
// admin's filing export. Prints the figures; nothing is asserted or written.
//   npx tsx bench/nec-report.ts --database-url postgres://postgres@127.0.0.1:55464/nec_bench
//        [--recipients 100000] [--payouts 1000000] [--year 2025] [--reuse]
// --reuse times again on a database this script seeded before (seeding takes minutes).
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createApiKey } from '../src/modules/api-keys/api-keys.service.js';
import { resolveOrganization } from '../src/modules/organizations/index.js';
import { necReport } from '../src/modules/tax-forms/nec-report.service.js';
import { createUser } from '../src/modules/users/users.service.js';
import { encryptText, generateKey, parseKeyRing } from '../src/platform/crypto.js';
import type { Database } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import { createLogger } from '../src/platform/log.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    recipients: { type: 'string', default: '100000' },
    payouts: { type: 'string', default: '1000000' },
    year: { type: 'string', default: '2025' },
    reuse: { type: 'boolean', default: false },
  },
});
if (!values['database-url']) throw new Error('--database-url postgres://… (an empty database) is required.');
const RECIPIENTS = Number(values.recipients);
const PAYOUTS = Number(values.payouts);
const YEAR = Number(values.year);
const TIME_ZONE = 'America/New_York';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  console.log(`${label}: ${seconds(performance.now() - started)}`);
  return result;
}

/**
 * Recipients 1..N (ids derived from n, so payouts can name them without a join); a W-9 for 19 in
 * 20, recipients n and n + 90,000 sharing a TIN, one in 50 a C corporation, one in 97 exempt;
 * payouts spread over the year in New York time, a quarter external (dated by paid_at), one in 50
 * returned, one in 25 a reimbursement.
 */
async function seed(db: Database, organizationId: string, sealed: string): Promise<void> {
  await db.query(`update organizations set time_zone = $2 where id = $1`, [organizationId, TIME_ZONE]);
  await db.query(
    `insert into recipients (id, organization_id, environment, email, first_name, last_name)
     select md5('r' || n)::uuid, $1, 'production', 'payee-' || n || '@example.com', 'Payee', 'No ' || n from generate_series(1, $2::integer) n`,
    [organizationId, RECIPIENTS],
  );
  await db.query(
    `insert into tax_forms (id, organization_id, environment, recipient_id, form_type, legal_name, tax_classification, exempt_payee_code, tin_type,
       tin_last4, tin_hash, details_encrypted, signature, signed_at)
     select gen_random_uuid(), $1, 'production', md5('r' || n)::uuid, 'w9', 'Payee No ' || (n % 90000),
       case when n % 50 = 1 then 'c_corporation' else 'individual' end, case when n % 97 = 3 then '5' end, 'ssn',
       lpad(((n % 90000) % 10000)::text, 4, '0'), 'bench:' || (n % 90000), $3, 'Payee', now() - (n % 1000) * interval '1 minute'
     from generate_series(1, $2::integer) n where n % 20 <> 0`,
    [organizationId, RECIPIENTS, sealed],
  );
  await db.query(
    `insert into batches (id, organization_id, environment, kind, currency, payout_count, total_amount)
     values (md5('batch-payout')::uuid, $1, 'production', 'payout', 'USD', 0, 0), (md5('batch-external')::uuid, $1, 'production', 'external', 'USD', 0, 0)`,
    [organizationId],
  );
  // In slices of 250,000: one statement per slice keeps the server's memory flat.
  for (let from = 1; from <= PAYOUTS; from += 250_000) {
    const to = Math.min(PAYOUTS, from + 249_999);
    await db.query(
      `insert into payouts (id, organization_id, environment, batch_id, recipient_id, kind, amount, currency, status, sequence, is_reimbursement,
         paid_at, created_at, status_changed_at)
       select gen_random_uuid(), $1, 'production',
         case when n % 4 = 0 then md5('batch-external')::uuid else md5('batch-payout')::uuid end,
         md5('r' || (n % $4::integer + 1))::uuid,
         case when n % 4 = 0 then 'external' else 'payout' end,
         1000 + n % 50000, 'USD',
         case when n % 50 = 7 then 'returned' else 'completed' end, 5, n % 25 = 0,
         case when n % 4 = 0 then at end, at, at + interval '2 days'
       from generate_series($2::integer, $3::integer) n,
         lateral (select make_timestamptz($5::integer, 1, 1, 0, 0, 0, '${TIME_ZONE}') + (n % 31536000) * interval '1 second' as at) d`,
      [organizationId, from, to, RECIPIENTS, YEAR],
    );
  }
  await db.exec('analyze');
}

async function main() {
  const keys = parseKeyRing(generateKey())!;
  const config = loadConfig({}, { databaseUrl: values['database-url'], encryptionKeys: keys, logLevel: 'warn', linkSecret: 'x'.repeat(32) });
  const db = await openPostgres(values['database-url']!, 4);
  await migrate(db);
  const [{ count }] = (await db.query<{ count: string }>('select count(*)::text as count from payouts')) as [{ count: string }];
  const organization = await resolveOrganization(db);
  const details = JSON.stringify({
    formType: 'w9',
    legalName: 'Payee',
    tin: '123456789',
    address: '1 Main St',
    city: 'Springfield',
    state: 'IL',
    zip: '62701',
  });
  if (values.reuse) {
    if (count === '0') throw new Error('--reuse needs a database this script seeded before.');
    // This run's key is new: the filing export must be able to open the forms again.
    await db.query('update tax_forms set details_encrypted = $1', [encryptText(keys, details)]);
    console.log(`reusing ${count} payouts`);
  } else {
    if (count !== '0') throw new Error('The database already has payouts: give the benchmark an empty database (or --reuse).');
    await timed(`seed ${RECIPIENTS.toLocaleString('en-US')} recipients, ${PAYOUTS.toLocaleString('en-US')} payouts`, () =>
      seed(db, organization.id, encryptText(keys, details)),
    );
  }
  const { key } = await createApiKey(db, { organizationId: organization.id, environment: 'production', name: 'bench', createdBy: 'bench' });
  const adminEmail = `admin-${Date.now()}@example.com`;
  await createUser(db, config, { organizationId: organization.id, email: adminEmail, password: 'a long bench password', role: 'admin', createdBy: null });

  // The database's share of it, without HTTP and JSON.
  await timed('report query (in process, no HTTP)', () =>
    necReport(db, { organizationId: organization.id, environment: 'production' }, YEAR, config.necThresholds),
  );
  const app = await buildApp({ config, db, logger: createLogger('warn') });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const login = await fetch(`${address}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: adminEmail, password: 'a long bench password' }),
  });
  const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
  const url = `${address}/reports/1099-nec?year=${YEAR}`;

  for (const run of [1, 2]) {
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const body = (await response.json()) as { data: { payees: unknown[]; payeesWithoutW9: unknown[] } };
    const ms = performance.now() - started;
    console.log(
      `JSON report (run ${run}): ${response.status} in ${seconds(ms)}; ${body.data.payees.length} payees, ${body.data.payeesWithoutW9.length} without a W-9`,
    );
  }
  for (const [label, target, headers] of [
    ['CSV export', url, { authorization: `Bearer ${key}`, accept: 'text/csv' }],
    ['filing export', `${address}/reports/1099-nec/filing-export?year=${YEAR}`, { cookie, 'x-payouts-environment': 'production' }],
  ] as const) {
    const started = performance.now();
    const response = await fetch(target, { headers });
    const reader = response.body!.getReader();
    let firstByte = 0;
    let bytes = 0;
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!firstByte) firstByte = performance.now() - started;
      bytes += value.byteLength;
      chunks++;
    }
    console.log(
      `${label}: ${response.status}, first byte ${seconds(firstByte)}, last byte ${seconds(performance.now() - started)}, ${(bytes / 1e6).toFixed(1)} MB in ${chunks} chunks`,
    );
  }
  const [plan] = await db.query<{ 'QUERY PLAN': string }>(
    `explain select sum(amount) from payouts p where organization_id = $1 and environment = 'production' and status = 'completed' and not is_reimbursement
       and (case when p.kind = 'external' then coalesce(p.paid_at, p.created_at) else p.status_changed_at end) >= now() - interval '10 years'`,
    [organization.id],
  );
  console.log(`plan of the year's sum: ${plan!['QUERY PLAN']}`);
  console.log(`rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  await app.close();
  await db.close();
}

await main();
