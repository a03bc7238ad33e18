// Seeding for the ACH scenarios, straight into the database (what is measured is the cut, not how
// the payouts got there): the organization's bank settings through the product's own service,
// then recipients with bank accounts and N payouts already `pending` on the ACH rail, as the
// worker leaves them, with the held money they stand for. A few seconds for 100,000 payouts.
import { randomUUID } from 'node:crypto';
import { putAchSettings } from '../../src/modules/ach/settings.service.js';
import { encryptText, parseKeyRing } from '../../src/platform/crypto.js';
import type { Database } from '../../src/platform/db/database.js';
import { openPglite } from '../../src/platform/db/pglite.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { BENCH_ENCRYPTION_KEY, runCli, type Target } from '../lib/processes.js';

export const BANK_SETTINGS = {
  odfiRouting: '021000021',
  immediateDestinationName: 'JPMORGAN CHASE',
  immediateOrigin: '1234567890',
  immediateOriginName: 'ACME PAYOUTS INC',
  companyId: '1234567890',
  companyName: 'ACME PAYOUTS',
  companyEntryDescription: 'PAYOUT',
  balanced: false,
  cutoffTime: '16:00',
};
/** The servers' ACH_TIMEZONE default. */
const TIME_ZONE = 'America/New_York';
/** Payees paid many times each, as a marketplace's regulars are; one in ten a business (a CCD batch). */
const RECIPIENTS = 1000;

export const benchKeys = () => parseKeyRing(BENCH_ENCRYPTION_KEY)!;

export async function openBenchDatabase(target: Target): Promise<Database> {
  return target.kind === 'postgres' ? openPostgres(target.databaseUrl, 2) : openPglite(target.dataDir);
}

const productionKeys = new Map<string, string>();

/** A production API key of the default organization (one per database, made once). */
export async function productionKey(target: Target): Promise<string> {
  const where = target.kind === 'postgres' ? target.databaseUrl : target.dataDir;
  let key = productionKeys.get(where);
  if (!key) {
    key = await runCli(target, ['keys', 'create', '--env', 'production', '--name', 'bench-ach']);
    productionKeys.set(where, key);
  }
  return key;
}

export async function defaultOrganization(db: Database): Promise<string> {
  const [org] = await db.query<{ id: string }>('select id from organizations order by created_at limit 1');
  return org!.id;
}

/** Bank settings (idempotent), then `count` pending ACH payouts of the default organization. */
export async function seedPendingAchPayouts(db: Database, count: number): Promise<{ organizationId: string; total: bigint }> {
  const organizationId = await defaultOrganization(db);
  await putAchSettings(db, organizationId, BANK_SETTINGS, 'bench', benchKeys(), TIME_ZONE);
  const tag = randomUUID().slice(0, 8);
  const recipients = Math.min(RECIPIENTS, count);
  const ids = Array.from({ length: recipients }, () => randomUUID());
  const accounts = ids.map((_, i) => `${tag.replace(/\D/g, '').slice(0, 4)}${String(1_000_000 + i)}`);
  await db.query(
    `insert into recipients (id, organization_id, environment, email, first_name, last_name, auto_accept_payouts, ready)
     select id, $2, 'production', 'ach-' || $3 || '-' || n || '@example.com', 'Pay', 'Ee ' || n, true, true
     from unnest($1::uuid[]) with ordinality as r(id, n)`,
    [ids, organizationId, tag],
  );
  await db.query(
    `insert into payout_methods (id, organization_id, environment, recipient_id, type, account_holder_name, account_holder_type,
       routing_number, account_number_encrypted, account_number_last4, account_type, set_by_kind, set_by_id)
     select gen_random_uuid(), $2, 'production', r.id, 'us_bank_account', 'Pay Ee ' || r.n,
       case when r.n % 10 = 0 then 'business' else 'individual' end, '011000015', a.sealed, a.last4,
       case when r.n % 4 = 0 then 'savings' else 'checking' end, 'api_key', 'bench'
     from unnest($1::uuid[]) with ordinality as r(id, n)
     join unnest($3::text[], $4::text[]) with ordinality as a(sealed, last4, n) on a.n = r.n`,
    [ids, organizationId, accounts.map((a) => encryptText(benchKeys(), a)), accounts.map((a) => a.slice(-4))],
  );
  const batchId = randomUUID();
  const [sum] = await db.query<{ total: string }>(`select coalesce(sum(100 + i % 900), 0)::text as total from generate_series(0, $1::integer - 1) as i`, [
    count,
  ]);
  const total = BigInt(sum!.total);
  await db.query(
    `insert into batches (id, organization_id, environment, kind, currency, payout_count, total_amount) values ($1, $2, 'production', 'payout', 'USD', $3, $4)`,
    [batchId, organizationId, count, total],
  );
  await db.query(
    `insert into payouts (id, organization_id, environment, batch_id, recipient_id, kind, amount, currency, status, sequence, rail, status_changed_at)
     select gen_random_uuid(), $1, 'production', $2, ($4::uuid[])[1 + i % $5::integer], 'payout', 100 + i % 900, 'USD', 'pending', 2, 'ach', now()
     from generate_series(0, $3::integer - 1) as i`,
    [organizationId, batchId, count, ids, recipients],
  );
  // The money those payouts hold, come from funding as a deposit's would (the ledger sums to zero);
  // every account opened, since a return moves money from held back to available.
  await db.query(
    `insert into ledger_balances (organization_id, environment, currency, account, balance)
     select $1, 'production', 'USD', a.account, a.delta from unnest($2::text[], $3::bigint[]) as a(account, delta)
     on conflict (organization_id, environment, currency, account) do update set balance = ledger_balances.balance + excluded.balance`,
    [organizationId, ['funding', 'available', 'held', 'paid_out'], [-total, 0n, total, 0n]],
  );
  await db.query('analyze payouts');
  await db.query('analyze payout_methods');
  return { organizationId, total };
}
