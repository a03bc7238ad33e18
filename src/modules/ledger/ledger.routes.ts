import { type Static, Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { type CsvColumn, csvMoney, csvStream, JsonOrCsv, sendCsv, wantsCsv } from '../../platform/http/csv.js';
import { AppError } from '../../platform/http/errors.js';
import { sendIdempotent } from '../../platform/http/idempotent-route.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IncludeTotalQuery, ListEnvelope, PageQuery, Timestamp } from '../../platform/http/schemas.js';
import { DEFAULT_CURRENCY, storedAmountToWire } from '../../platform/money.js';
import { depositRoutes } from './deposits.routes.js';
import type { LedgerEntryFilter, LedgerEntryRow } from './ledger.repository.js';
import { type Balance, exportEntriesPage, fund, getBalance, listEntries } from './ledger.service.js';

const BalanceSchema = Type.Object({ currency: Type.String(), available: Type.Integer(), held: Type.Integer(), paidOut: Type.Integer() });
const renderBalance = (b: Balance) => ({
  currency: b.currency,
  available: storedAmountToWire(b.available),
  held: storedAmountToWire(b.held),
  paidOut: storedAmountToWire(b.paidOut),
});

const EntrySchema = Type.Object({
  id: Type.String(),
  postingId: Type.String(),
  account: Type.String({ description: 'available, held or paid_out' }),
  amount: Type.Integer({ description: 'Positive into the account, negative out of it.' }),
  currency: Type.String(),
  kind: Type.String(),
  batchId: Type.Union([Type.String(), Type.Null()]),
  payoutId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});

const TransactionsQuery = Type.Object(
  { ...PageQuery, ...IncludeTotalQuery, payoutId: Type.Optional(Type.String({ format: 'uuid' })), batchId: Type.Optional(Type.String({ format: 'uuid' })) },
  { additionalProperties: false },
);

/** The list's filters from its query string (shared by the JSON page and the CSV export). */
const entryFilterOf = ({ payoutId, batchId }: Static<typeof TransactionsQuery>): LedgerEntryFilter => ({
  currency: DEFAULT_CURRENCY,
  ...(payoutId ? { payoutId } : {}),
  ...(batchId ? { batchId } : {}),
});

/** The transactions export: one line per entry, amounts as decimals beside their currency. */
const ENTRY_CSV_COLUMNS: CsvColumn<LedgerEntryRow>[] = [
  { header: 'id', value: (e) => e.id },
  { header: 'createdAt', value: (e) => e.created_at },
  { header: 'account', value: (e) => e.account },
  { header: 'kind', value: (e) => e.kind },
  { header: 'amount', value: (e) => csvMoney(e.amount) },
  { header: 'currency', value: (e) => e.currency },
  { header: 'payoutId', value: (e) => e.payout_id },
  { header: 'batchId', value: (e) => e.batch_id },
  { header: 'postingId', value: (e) => e.posting_id },
];

export default async function ledgerRoutes(app: AppInstance) {
  const tags = ['Balance'];
  app.get('/balance', {
    config: { permission: 'payouts:read' },
    schema: { tags, summary: 'Available, held and paid-out balances', response: { 200: DataEnvelope(BalanceSchema), ...commonErrors } },
    handler: async (request) => ({ data: renderBalance(await getBalance(app.db, tenantOf(request))) }),
  });

  app.get('/balance/transactions', {
    config: { permission: 'payouts:read' },
    schema: {
      tags,
      summary: 'Ledger entries on the balance accounts, newest first',
      description: 'With `Accept: text/csv`, every matching entry as a CSV download (`limit` and `cursor` ignored).',
      querystring: TransactionsQuery,
      response: { 200: JsonOrCsv(ListEnvelope(EntrySchema)), ...commonErrors },
    },
    handler: async (request, reply) => {
      if (wantsCsv(request)) {
        const tenant = tenantOf(request);
        const filter = entryFilterOf(request.query);
        const rows = csvStream(ENTRY_CSV_COLUMNS, (last) => exportEntriesPage(app.db, tenant, filter, last?.id ?? null));
        return sendCsv(reply, 'transactions', tenant.environment, rows);
      }
      const page = parsePage(request.query);
      const { entries, total } = await listEntries(app.db, tenantOf(request), entryFilterOf(request.query), page, {
        includeTotal: request.query.includeTotal === true,
      });
      return toListEnvelope(
        entries,
        page,
        (e) => ({
          id: e.id,
          postingId: e.posting_id,
          account: e.account,
          amount: storedAmountToWire(e.amount),
          currency: e.currency,
          kind: e.kind,
          batchId: e.batch_id,
          payoutId: e.payout_id,
          createdAt: e.created_at.toISOString(),
        }),
        total,
      );
    },
  });

  app.post('/balance/fundings', {
    config: { permission: 'payouts:write' },
    schema: {
      tags,
      summary: 'Sandbox: top up the available balance',
      body: Type.Object(
        {
          amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
          idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        },
        { additionalProperties: false },
      ),
      response: { 201: DataEnvelope(Type.Object({ amount: Type.Integer(), balance: BalanceSchema })), ...commonErrors, 403: Type.Ref('ErrorResponse') },
    },
    handler: (request, reply) => {
      const tenant = tenantOf(request);
      if (tenant.environment !== 'sandbox') {
        throw new AppError('forbidden', 'Only sandbox balances can be topped up through the API; production is funded by an operator.');
      }
      return sendIdempotent(request, reply, async (tx) => {
        const balance = await fund(tx, tenant, BigInt(request.body.amount));
        return { body: { data: { amount: request.body.amount, balance: renderBalance(balance) } } };
      });
    },
  });

  await depositRoutes(app);
}
