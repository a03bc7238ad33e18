import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../../src/modules/ledger/ledger.service.js';
import { findPayoutById } from '../../src/modules/payouts/payouts.repository.js';
import { settlePayout } from '../../src/modules/payouts/payouts.service.js';
import { advancePayoutsTask } from '../../src/modules/payouts/payouts.tasks.js';
import {
  CANCELABLE,
  LEDGER_MOVES,
  PAYOUT_STATUSES,
  pathBetween,
  type PayoutStatus,
  SETTLE_FROM,
  transition,
  TRANSITIONS,
} from '../../src/modules/payouts/state.js';
import { applyMoves } from '../../src/modules/payouts/transitions.js';
import { AppError } from '../../src/platform/http/errors.js';
import type { Environment, Tenant } from '../../src/platform/tenant.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';

// Property-based tests of the payout state machine and the ledger behind it: for any sequence of
// transitions, cancels, settlements, worker steps, batches and top-ups, the moves that happen are
// exactly the legal ones, no balance goes negative, every posting balances, and the balances are
// what the payouts' statuses say they must be. The pure machine is checked on its own first, then
// the same sequences run through the real services on the real database (PGlite or PostgreSQL).

type Account = 'available' | 'held' | 'paid_out';
const HELD: readonly PayoutStatus[] = ['created', 'pending', 'awaiting_acceptance', 'processing'];
const status = fc.constantFrom(...PAYOUT_STATUSES);

describe('the state machine and its ledger moves (pure)', () => {
  it('accepts exactly the moves in the table, and moving money along them never takes an account below zero', () => {
    // Arbitrary targets (mostly illegal) and walks along legal moves (deep paths), mixed.
    const step = fc.oneof(
      status.map((to) => ({ kind: 'to' as const, to })),
      fc.nat(10).map((pick) => ({ kind: 'walk' as const, pick })),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.array(step, { maxLength: 30 }), (amount, steps) => {
        let current: PayoutStatus = 'created';
        const balances: Record<Account, bigint> = { available: 0n, held: amount, paid_out: 0n };
        for (const s of steps) {
          const options: readonly PayoutStatus[] = TRANSITIONS[current];
          const to: PayoutStatus | undefined = s.kind === 'to' ? s.to : options[s.pick % Math.max(options.length, 1)];
          if (to === undefined) continue; // a terminal status has nowhere to walk
          const legal = options.includes(to);
          let refused: unknown;
          try {
            expect(transition(current, to)).toBe(to);
          } catch (error) {
            refused = error;
          }
          expect(refused === undefined, `${current} → ${to}`).toBe(legal);
          if (!legal) {
            expect(refused).toBeInstanceOf(AppError);
            expect((refused as AppError).code).toBe('invalid_state');
            continue;
          }
          const money = LEDGER_MOVES[to];
          if (money) {
            balances[money.from as Account] -= amount;
            balances[money.to as Account] += amount;
          }
          current = to;
          for (const account of ['available', 'held', 'paid_out'] as const) expect(balances[account]).toBeGreaterThanOrEqual(0n);
          expect(balances.available + balances.held + balances.paid_out).toBe(amount);
          expect(balances.held).toBe(HELD.includes(current) ? amount : 0n);
          expect(balances.paid_out).toBe(current === 'completed' ? amount : 0n);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('finds settlement paths made of legal moves only, and one whenever the target is reachable', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        const path = pathBetween(from, to);
        // Staying put is not a path, even where a cycle leads back (pending → awaiting_acceptance → pending).
        if (from === to) {
          expect(path).toBeUndefined();
          return;
        }
        const reachable = (s: PayoutStatus, seen = new Set<PayoutStatus>()): boolean =>
          TRANSITIONS[s].some((next) => next === to || (!seen.has(next) && reachable(next, seen.add(next))));
        expect(path !== undefined).toBe(reachable(from));
        let current = from;
        for (const next of path ?? []) current = transition(current, next);
        if (path) expect(current).toBe(to);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The same, through the services on the database.

type Command =
  | { kind: 'create'; amounts: number[]; scenario: string }
  | { kind: 'move'; pick: number; to: PayoutStatus }
  | { kind: 'cancel'; pick: number }
  | { kind: 'settle'; pick: number; to: 'completed' | 'failed' | 'returned' }
  | { kind: 'tick' }
  | { kind: 'fund'; amount: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      amounts: fc.array(fc.integer({ min: 1, max: 4_000 }), { minLength: 1, maxLength: 4 }),
      scenario: fc.constantFrom('completed', 'failed', 'returned', 'canceled', 'pending', 'ordinary'),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), to: status }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      to: fc.constantFrom('completed' as const, 'failed' as const, 'returned' as const),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'tick' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fund' as const), amount: fc.integer({ min: 1, max: 5_000 }) }) },
);

interface ModelPayout {
  id: string;
  amount: bigint;
  status: PayoutStatus;
}

interface Model {
  tenant: Tenant;
  key: string;
  funded: bigint;
  available: bigint;
  payouts: ModelPayout[];
}

function applyMoney(model: Model, payout: ModelPayout, to: PayoutStatus) {
  const money = LEDGER_MOVES[to];
  if (money?.from === 'held' && money.to === 'available') model.available += payout.amount;
  if (money?.from === 'paid_out') model.available += payout.amount;
  payout.status = to;
}

describe('the state machine and the ledger on the database', () => {
  let t: TestApp;
  const worker = advancePayoutsTask();
  let run = 0;

  beforeAll(async () => {
    t = await createTestApp({ sandboxDelayMs: 0 });
  });
  afterAll(() => t.close());

  async function newModel(environment: Environment, opening: number): Promise<Model> {
    const organizationId = await t.createOrganization(`Property run ${++run}`);
    const tenant = { organizationId, environment };
    if (opening > 0) await t.db.transaction((tx) => fund(tx, tenant, BigInt(opening)));
    const key = await t.createKey(environment, organizationId);
    const balance = (await t.app.inject({ method: 'GET', url: '/balance', headers: bearer(key) })).json().data;
    return { tenant, key, funded: BigInt(balance.available), available: BigInt(balance.available), payouts: [] };
  }

  /** The tenant's database agrees with the model, and the ledger's invariants hold. */
  async function expectInvariants(model: Model): Promise<void> {
    const { organizationId, environment } = model.tenant;
    const balances = new Map(
      (
        await t.db.query<{ account: string; balance: bigint }>(`select account, balance from ledger_balances where organization_id = $1 and environment = $2`, [
          organizationId,
          environment,
        ])
      ).map((r) => [r.account, r.balance]),
    );
    const of = (account: string) => balances.get(account) ?? 0n;
    for (const account of ['available', 'held', 'paid_out']) expect(of(account), account).toBeGreaterThanOrEqual(0n);
    expect(of('available') + of('held') + of('paid_out') + of('funding')).toBe(0n);
    expect(of('available') + of('held') + of('paid_out')).toBe(model.funded);
    expect(
      await t.db.query(`select posting_id from ledger_entries where organization_id = $1 group by posting_id having sum(amount) <> 0`, [organizationId]),
    ).toEqual([]);
    const sums = await t.db.query<{ account: string; sum: bigint }>(
      `select account, sum(amount)::bigint as sum from ledger_entries where organization_id = $1 and environment = $2 group by account`,
      [organizationId, environment],
    );
    for (const { account, sum } of sums) expect(of(account), `${account} equals its entries`).toBe(sum);

    const rows = await t.db.query<{ id: string; status: PayoutStatus; history: PayoutStatus[] }>(
      `select p.id, p.status, array_agg(u.status order by u.sequence) as history from payouts p join payout_status_updates u on u.payout_id = p.id
       where p.organization_id = $1 group by p.id, p.status`,
      [organizationId],
    );
    const actual = new Map(rows.map((r) => [r.id, r]));
    for (const payout of model.payouts) {
      const row = actual.get(payout.id)!;
      expect(row.status, payout.id).toBe(payout.status);
      expect(row.history[0]).toBe('created');
      for (let i = 1; i < row.history.length; i++) expect(TRANSITIONS[row.history[i - 1]!].includes(row.history[i]!), row.history.join(' > ')).toBe(true);
    }
    const amountIn = (statuses: readonly PayoutStatus[]) => model.payouts.filter((p) => statuses.includes(p.status)).reduce((sum, p) => sum + p.amount, 0n);
    expect(of('held')).toBe(amountIn(HELD));
    expect(of('paid_out')).toBe(amountIn(['completed']));
    expect(of('available')).toBe(model.available);
  }

  /** Runs one command against the services and checks its outcome against the model. */
  async function execute(model: Model, command: Command): Promise<void> {
    const picked = 'pick' in command && model.payouts.length > 0 ? model.payouts[command.pick % model.payouts.length]! : undefined;
    switch (command.kind) {
      case 'create': {
        const total = command.amounts.reduce((a, b) => a + b, 0);
        const local = command.scenario === 'ordinary' ? `payee${model.payouts.length}` : `sandbox+${command.scenario}`;
        const payouts = command.amounts.map((amount, i) => ({ payeeEmail: `${local}@p${model.payouts.length + i}.example.com`, amount }));
        const answer = await t.app.inject({ method: 'POST', url: '/payments', headers: bearer(model.key), payload: { payouts } });
        if (BigInt(total) <= model.available) {
          expect(answer.statusCode, answer.body).toBe(201);
          model.available -= BigInt(total);
          for (const p of answer.json().data.payouts) model.payouts.push({ id: p.id, amount: BigInt(p.amount), status: 'created' });
        } else {
          expect(answer.statusCode, answer.body).toBe(500);
          expect(answer.json().error.code).toBe('insufficient_funds');
        }
        return;
      }
      case 'move': {
        if (!picked) return;
        const outcome = await t.db
          .transaction(async (tx) =>
            applyMoves(tx, [{ payout: (await findPayoutById(tx, model.tenant, picked.id, { forUpdate: true }))!, to: command.to, nextActionDelayMs: null }]),
          )
          .then(
            (applied) => ({ applied: applied.length, error: undefined as unknown }),
            (error: unknown) => ({ applied: 0, error }),
          );
        if (TRANSITIONS[picked.status].includes(command.to)) {
          expect(outcome.error).toBeUndefined();
          expect(outcome.applied).toBe(1);
          applyMoney(model, picked, command.to);
        } else {
          expect((outcome.error as AppError | undefined)?.code, `${picked.status} → ${command.to}`).toBe('invalid_state');
        }
        return;
      }
      case 'cancel': {
        if (!picked) return;
        const answer = await t.app.inject({ method: 'POST', url: `/payments/${picked.id}/cancel`, headers: bearer(model.key) });
        if (CANCELABLE.includes(picked.status)) {
          expect(answer.statusCode, answer.body).toBe(200);
          applyMoney(model, picked, 'canceled');
        } else {
          expect(answer.statusCode, answer.body).toBe(409);
          expect(answer.json().error.code).toBe('invalid_state');
        }
        return;
      }
      case 'settle': {
        if (!picked) return;
        // Only the manual rail (production without ACH), and only once the recipient has accepted.
        const settleable = model.tenant.environment === 'production' && SETTLE_FROM[command.to].includes(picked.status);
        const path = settleable ? pathBetween(picked.status, command.to) : undefined;
        const outcome = await settlePayout(t.db, model.tenant, picked.id, command.to).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (path) {
          expect(outcome).toBeUndefined();
          for (const to of path) applyMoney(model, picked, to);
        } else {
          expect((outcome as AppError | undefined)?.code).toBe('invalid_state');
        }
        return;
      }
      case 'tick': {
        await worker.runOnce({ db: t.db, config: t.config, log: t.app.log as never });
        // The worker may move any due payout one legal step; the model follows what it did.
        const rows = await t.db.query<{ id: string; status: PayoutStatus }>(`select id, status from payouts where organization_id = $1`, [
          model.tenant.organizationId,
        ]);
        const now = new Map(rows.map((r) => [r.id, r.status]));
        for (const payout of model.payouts) {
          const after = now.get(payout.id)!;
          if (after === payout.status) continue;
          expect(TRANSITIONS[payout.status].includes(after), `worker moved ${payout.status} → ${after}`).toBe(true);
          applyMoney(model, payout, after);
        }
        return;
      }
      case 'fund': {
        await t.db.transaction((tx) => fund(tx, model.tenant, BigInt(command.amount)));
        model.funded += BigInt(command.amount);
        model.available += BigInt(command.amount);
        return;
      }
    }
  }

  it('for any sequence of batches, transitions, cancels, settlements and worker steps, balances stay non-negative and entries balance', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Environment>('production', 'sandbox'),
        fc.integer({ min: 0, max: 12_000 }),
        fc.array(commandArb, { minLength: 1, maxLength: 25 }),
        async (environment, opening, commands) => {
          const model = await newModel(environment, environment === 'production' ? opening : 0);
          for (const command of commands) {
            await execute(model, command);
            await expectInvariants(model);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for any set of concurrent cancels and transitions on the same payouts, each success moves a payout exactly once', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), to: status }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(op, { minLength: 2, maxLength: 12 }), async (count, ops) => {
        const model = await newModel('production', 10_000);
        await execute(model, { kind: 'create', amounts: Array.from({ length: count }, (_, i) => 100 * (i + 1)), scenario: 'ordinary' });
        const targets = model.payouts.map((p) => p.id);
        const outcomes = await Promise.all(
          ops.map(async (o) => {
            const id = targets[o.pick % targets.length]!;
            if (o.kind === 'cancel') {
              const answer = await t.app.inject({ method: 'POST', url: `/payments/${id}/cancel`, headers: bearer(model.key) });
              expect([200, 409], answer.body).toContain(answer.statusCode);
              return answer.statusCode === 200 ? 1 : 0;
            }
            return t.db
              .transaction(async (tx) =>
                applyMoves(tx, [{ payout: (await findPayoutById(tx, model.tenant, id, { forUpdate: true }))!, to: o.to, nextActionDelayMs: null }]),
              )
              .then(
                (applied) => applied.length,
                (error: unknown) => {
                  expect((error as AppError).code).toBe('invalid_state');
                  return 0;
                },
              );
          }),
        );
        const updates = await t.db.query<{ n: bigint }>(
          `select count(*)::bigint as n from payout_status_updates where payout_id = any($1::uuid[]) and sequence > 1`,
          [targets],
        );
        expect(Number(updates[0]!.n)).toBe(outcomes.reduce((a, b) => a + b, 0));
        // Follow the database, checking each payout went there by legal moves, then the ledger.
        const rows = await t.db.query<{ id: string; history: PayoutStatus[] }>(
          `select payout_id as id, array_agg(status order by sequence) as history from payout_status_updates where payout_id = any($1::uuid[]) group by payout_id`,
          [targets],
        );
        for (const row of rows) {
          const payout = model.payouts.find((p) => p.id === row.id)!;
          for (const to of row.history.slice(1)) {
            expect(TRANSITIONS[payout.status].includes(to)).toBe(true);
            applyMoney(model, payout, to);
          }
        }
        await expectInvariants(model);
      }),
      { numRuns: 150 },
    );
  });
});
