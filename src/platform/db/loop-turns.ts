/** How long database calls may run back to back before the event loop gets a turn. */
export const LOOP_TURN_BUDGET_MS = 5;

/**
 * Runs calls one at a time, back to back while they have taken less than LOOP_TURN_BUDGET_MS
 * since the event loop last had a turn; then the next one waits for the next iteration's check
 * phase, after the poll phase has accepted connections and read requests.
 *
 * Why: PGlite ran on the server's own thread, and every statement's promise resolves as a
 * microtask, so under load one loop iteration ran every waiting request's database calls back to
 * back (a few ms per request, so hundreds of ms with 50 requests in flight). Node 20's libuv accepts at
 * most one new connection per iteration: 50 connections opened at once waited seconds to be
 * accepted, each iteration longer than the one before (measured on creates with the worker on: p99
 * 3.5–7.4 s, max about the whole run, while no request took over 42 ms once read). The budget
 * keeps each iteration short without paying a loop turn for every statement. PGlite now runs on
 * a thread of its own (pglite-thread.ts), whose loop must still turn to take the server's next
 * requests and to serve the CLI's socket: the turns stay, there.
 */
export function loopTurns(budgetMs = LOOP_TURN_BUDGET_MS): <T>(fn: () => Promise<T>) => Promise<T> {
  const waiting: (() => void)[] = [];
  /** A call is running, or the next one is waiting for the loop's turn: newcomers queue. */
  let busy = false;
  /** When the current slice began; it ends at the loop's next check phase. */
  let sliceStart: number | undefined;
  const openSlice = () => {
    if (sliceStart !== undefined) return;
    sliceStart = performance.now();
    setImmediate(() => {
      sliceStart = undefined;
    });
  };
  const overBudget = () => sliceStart !== undefined && performance.now() - sliceStart >= budgetMs;
  const startNext = () => {
    if (waiting.length === 0) {
      busy = false;
      return;
    }
    // Over budget: the next call starts after the slice's end (an immediate queued after it).
    if (overBudget()) {
      setImmediate(startNext);
      return;
    }
    openSlice();
    waiting.shift()!();
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (busy || overBudget()) {
      await new Promise<void>((go) => {
        waiting.push(go);
        if (!busy) {
          busy = true;
          startNext();
        }
      });
    } else {
      busy = true;
      openSlice();
    }
    try {
      return await fn();
    } finally {
      startNext();
    }
  };
}
