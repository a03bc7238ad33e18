import { createApiKey, listApiKeys, revokeApiKey } from '../modules/api-keys/api-keys.service.js';
import { createOrganization, listOrganizations, resolveOrganization } from '../modules/organizations/organizations.service.js';
import { migrate } from '../platform/db/migrate.js';
import { openDatabase } from '../platform/db/open.js';
import { AppError } from '../platform/http/errors.js';
import { CLI_RECORDER, recordDeposit } from '../modules/ledger/deposits.service.js';
import { getBalance } from '../modules/ledger/ledger.service.js';
import { ROLES, type Role } from '../modules/users/permissions.js';
import { createUser } from '../modules/users/users.service.js';
import { settlePayout } from '../modules/payouts/payouts.service.js';
import type { PayoutStatus } from '../modules/payouts/state.js';
import { uuidv7 } from '../platform/ids.js';
import { formatMoney } from '../platform/money.js';
import { ENVIRONMENTS, type Environment } from '../platform/tenant.js';
import { startServer } from '../runtime.js';
import { achCommands } from './ach-commands.js';
import { achReturnsCommand } from './ach-returns-command.js';
import { type Command, type CommandContext, withDatabase } from './command.js';
import { encryptionCommands } from './encryption-commands.js';

export type { Command, CommandContext };

function parseEnvironment(value: unknown, required: boolean): Environment | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value === 'string' && (ENVIRONMENTS as readonly string[]).includes(value)) return value as Environment;
  throw new AppError('invalid_request', `--env must be one of: ${ENVIRONMENTS.join(', ')}.`);
}

/** Runs until SIGTERM or SIGINT, then shuts down gracefully. */
async function serveUntilSignal(ctx: CommandContext, roles: { api: boolean; worker: boolean }): Promise<number> {
  const runtime = await startServer(ctx.config, roles);
  if (runtime.url) ctx.out(`Payouts is running at ${ctx.config.publicUrl} (API docs: ${ctx.config.publicUrl}/docs)`);
  else ctx.out('Payouts worker is running.');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await runtime.shutdown();
  return 0;
}

export const COMMANDS: Command[] = [
  {
    name: 'serve',
    usage: 'serve [--no-worker]',
    summary: 'Run the API (and, unless --no-worker, the worker) in this process',
    options: { 'no-worker': { type: 'boolean' } },
    run: (ctx) => serveUntilSignal(ctx, { api: true, worker: !ctx.values['no-worker'] }),
  },
  {
    name: 'worker',
    usage: 'worker',
    summary: 'Run only the background worker (scale out on PostgreSQL)',
    run: (ctx) => serveUntilSignal(ctx, { api: false, worker: true }),
  },
  {
    name: 'migrate',
    usage: 'migrate',
    summary: 'Apply pending database migrations and exit',
    async run({ config, out }) {
      const db = await openDatabase(config);
      try {
        const applied = await migrate(db);
        out(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'The database is up to date.');
      } finally {
        await db.close();
      }
      return 0;
    },
  },
  {
    name: 'orgs create',
    usage: 'orgs create --name NAME',
    summary: 'Create an organization; prints its id',
    options: { name: { type: 'string' } },
    run: ({ config, values, out }) =>
      withDatabase(config, async (db) => {
        const organization = await createOrganization(db, String(values.name ?? ''));
        out(organization.id);
        return 0;
      }),
  },
  {
    name: 'orgs list',
    usage: 'orgs list',
    summary: 'List organizations (id, name, default)',
    run: ({ config, out }) =>
      withDatabase(config, async (db) => {
        for (const o of await listOrganizations(db)) out(`${o.id}\t${o.name}${o.isDefault ? '\t(default)' : ''}`);
        return 0;
      }),
  },
  {
    name: 'keys create',
    usage: 'keys create --env sandbox|production [--org ID] [--name NAME]',
    summary: 'Create an API key; prints only the key',
    options: { env: { type: 'string' }, org: { type: 'string' }, name: { type: 'string' } },
    run: ({ config, values, out }) =>
      withDatabase(config, async (db) => {
        const environment = parseEnvironment(values.env, true)!;
        const organization = await resolveOrganization(db, values.org as string | undefined);
        const name = (values.name as string | undefined) ?? `CLI ${environment} key`;
        const { key } = await createApiKey(db, { organizationId: organization.id, environment, name, createdBy: 'cli' });
        out(key);
        return 0;
      }),
  },
  {
    name: 'keys list',
    usage: 'keys list [--org ID] [--env sandbox|production]',
    summary: 'List API keys (never the secret)',
    options: { env: { type: 'string' }, org: { type: 'string' } },
    run: ({ config, values, out }) =>
      withDatabase(config, async (db) => {
        const organization = await resolveOrganization(db, values.org as string | undefined);
        for (const k of await listApiKeys(db, organization.id, parseEnvironment(values.env, false))) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          out(`${k.id}\t${k.prefix}…${k.last4}\t${k.environment}\t${k.name}\t${state}\tlast used ${k.lastUsedAt?.toISOString() ?? 'never'}`);
        }
        return 0;
      }),
  },
  {
    name: 'keys revoke',
    usage: 'keys revoke KEY_ID [--org ID]',
    summary: 'Revoke an API key; it stops working on the next request',
    options: { org: { type: 'string' } },
    run: ({ config, values, positionals, out }) =>
      withDatabase(config, async (db) => {
        const id = positionals[0];
        if (!id) throw new AppError('invalid_request', 'Name the key to revoke: payouts keys revoke KEY_ID (see `payouts keys list`).');
        const organization = await resolveOrganization(db, values.org as string | undefined);
        const key = await revokeApiKey(db, organization.id, id);
        out(`Revoked ${key.prefix}…${key.last4} (${key.name}).`);
        return 0;
      }),
  },
  {
    name: 'balance fund',
    usage: 'balance fund --amount CENTS --reference BANK_REF [--date YYYY-MM-DD] [--org ID] [--env production|sandbox]',
    summary: 'Record money received in the bank: credits available once per bank reference (production by default)',
    options: { amount: { type: 'string' }, reference: { type: 'string' }, date: { type: 'string' }, org: { type: 'string' }, env: { type: 'string' } },
    run: ({ config, values, out, err }) =>
      withDatabase(config, async (db) => {
        const raw = String(values.amount ?? '');
        if (!/^[1-9]\d{0,15}$/.test(raw))
          throw new AppError('invalid_request', '--amount must be a whole number of cents greater than zero, e.g. --amount 100000 for 1,000.00.');
        const environment = parseEnvironment(values.env ?? 'production', true)!;
        const organization = await resolveOrganization(db, values.org as string | undefined);
        const tenant = { organizationId: organization.id, environment };
        // The old usage (no --reference) still works, but only a bank reference makes a repeat harmless.
        let reference = values.reference as string | undefined;
        if (reference === undefined) {
          reference = `CLI-${uuidv7()}`;
          err(`No --reference given: recorded as ${reference}. Pass the bank's reference so that running this again credits nothing.`);
        }
        const receivedOn = (values.date as string | undefined) ?? new Date().toISOString().slice(0, 10);
        const { deposit, created } = await recordDeposit(db, tenant, { amount: BigInt(raw), bankReference: reference, receivedOn }, CLI_RECORDER);
        const balance = await getBalance(db, tenant);
        const where = `(${organization.name}, ${environment})`;
        if (created) {
          out(
            `Recorded deposit ${deposit.bankReference} of ${formatMoney(deposit.amount)} received ${deposit.receivedOn}; available balance is now ${formatMoney(balance.available)} ${where}.`,
          );
        } else {
          out(
            `Deposit ${deposit.bankReference} was already recorded (${formatMoney(deposit.amount)} received ${deposit.receivedOn}); nothing credited. Available balance is ${formatMoney(balance.available)} ${where}.`,
          );
        }
        return 0;
      }),
  },
  {
    name: 'payouts settle',
    usage: 'payouts settle PAYOUT_ID --status completed|failed|returned [--reason TEXT] [--org ID] [--env production|sandbox]',
    summary: 'Record the outcome of a payout sent by hand (the manual rail)',
    options: { status: { type: 'string' }, reason: { type: 'string' }, org: { type: 'string' }, env: { type: 'string' } },
    run: ({ config, values, positionals, out }) =>
      withDatabase(config, async (db) => {
        const id = positionals[0];
        if (!id) throw new AppError('invalid_request', 'Name the payout to settle: payouts settle PAYOUT_ID --status completed (see the usage line).');
        const environment = parseEnvironment(values.env ?? 'production', true)!;
        const organization = await resolveOrganization(db, values.org as string | undefined);
        const detail = await settlePayout(
          db,
          { organizationId: organization.id, environment },
          id,
          String(values.status ?? '') as PayoutStatus,
          values.reason as string | undefined,
          CLI_RECORDER.label,
        );
        out(`Payout ${id} is now ${detail.payout.status}.`);
        return 0;
      }),
  },
  {
    name: 'users create',
    usage: 'users create --email EMAIL --password PASSWORD [--role admin|manager|accountant|employee] [--org ID]',
    summary: 'Create a dashboard user (the first admin, or anyone later)',
    options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, org: { type: 'string' } },
    run: ({ config, values, out }) =>
      withDatabase(config, async (db) => {
        const role = String(values.role ?? 'admin');
        if (!(ROLES as readonly string[]).includes(role)) throw new AppError('invalid_request', `--role must be one of: ${ROLES.join(', ')}.`);
        const organization = await resolveOrganization(db, values.org as string | undefined);
        const user = await createUser(db, config, {
          organizationId: organization.id,
          email: String(values.email ?? ''),
          password: String(values.password ?? ''),
          role: role as Role,
          createdBy: 'cli',
        });
        out(`Created ${user.role} ${user.email} (${user.id}) in ${organization.name}.`);
        return 0;
      }),
  },
  ...achCommands,
  achReturnsCommand,
  ...encryptionCommands,
];
