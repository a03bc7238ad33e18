import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/platform/db/database.js';
import { loopTurns } from '../src/platform/db/loop-turns.js';
import { openPglite } from '../src/platform/db/pglite.js';
import { loopTurnsWhile } from './loop-turn-count.js';

describe('loop turns', () => {
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };

  it('runs calls one at a time, in the order they came', async () => {
    const inTurn = loopTurns(1_000);
    const events: string[] = [];
    const call = (name: string) =>
      inTurn(async () => {
        events.push(`${name} starts`);
        await tick();
        events.push(`${name} ends`);
        return name;
      });
    await expect(Promise.all([call('a'), call('b'), call('c')])).resolves.toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends']);
  });

  /** Runs `calls` under a 50 ms budget; answers how many check phases the event loop had meanwhile. */
  const loopTurnsDuring = (calls: (inTurn: ReturnType<typeof loopTurns>) => Promise<unknown>) => loopTurnsWhile(() => calls(loopTurns(50)));

  // 200 calls of 1 ms: at least four 50 ms budgets, so the loop turns at least twice before the
  // last one; far fewer turns than calls, as long as a call stays well under the budget.
  it('lets the event loop turn once calls have run for the budget, and not before', async () => {
    const iterations = await loopTurnsDuring((inTurn) => Promise.all(Array.from({ length: 200 }, () => inTurn(async () => busy(1)))));
    expect(iterations).toBeGreaterThanOrEqual(2);
    expect(iterations).toBeLessThan(100);
  });

  it('counts the budget across calls that follow one another, not only across waiting ones', async () => {
    // One client, its calls one after the other: nobody ever waits, yet the loop must turn.
    const iterations = await loopTurnsDuring(async (inTurn) => {
      for (let i = 0; i < 200; i++) await inTurn(async () => busy(1));
    });
    expect(iterations).toBeGreaterThanOrEqual(2);
    expect(iterations).toBeLessThan(100);
  });

  it('frees its turn when a call fails', async () => {
    const inTurn = loopTurns();
    await expect(inTurn(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(inTurn(async () => 'next')).resolves.toBe('next');
  });
});

// PGlite runs on this thread and resolves its statements as microtasks: without turns, 20 clients'
// 400 statements all ran before the event loop could poll once (no connection accepted, no
// request read, no timer run meanwhile). With them, the loop turns every few milliseconds.
describe('PGlite database calls', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPglite(undefined);
  });
  afterAll(() => db.close());

  it('let the event loop run between them', async () => {
    let done = 0;
    let doneWhenTimerFired = -1;
    const clients = Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 20; i++) {
        await db.query('select 1');
        done++;
      }
    });
    setTimeout(() => (doneWhenTimerFired = done), 0);
    await Promise.all(clients);
    expect(done).toBe(400);
    expect(doneWhenTimerFired).toBeGreaterThanOrEqual(0);
    expect(doneWhenTimerFired).toBeLessThan(200);
  });
});
