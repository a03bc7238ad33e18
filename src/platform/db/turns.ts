/**
 * Turn-taking on the one PGlite connection between the server's own work and the clients of the
 * shared socket. The server's queries and transactions are "shared" turns: PGlite already runs
 * them one at a time and keeps a transaction's statements together. A socket client's exchange
 * (from its first message until it is back outside a transaction) is an "exclusive" turn: nothing
 * of the server may run inside it, and it may not start inside one of the server's transactions.
 *
 * A waiting exclusive turn stops new shared turns from starting, so a busy server cannot starve
 * a CLI; when an exclusive turn ends, the shared turns that queued behind it go first, so a CLI
 * cannot starve the server either.
 */
export class Turns {
  #shared = 0;
  #exclusive = false;
  readonly #waitingShared: Array<() => void> = [];
  readonly #waitingExclusive: Array<() => void> = [];
  readonly #exclusiveListeners = new Set<() => void>();

  /**
   * Calls `listener` each time an exclusive turn (a socket client's exchange) is granted and each
   * time one ends, before any shared turn runs after either. Returns a function that stops it.
   */
  onExclusive(listener: () => void): () => void {
    this.#exclusiveListeners.add(listener);
    return () => this.#exclusiveListeners.delete(listener);
  }

  /** Resolves when a shared turn is granted; undefined when granted at once (no await needed). */
  enterShared(): Promise<void> | undefined {
    if (!this.#exclusive && this.#waitingExclusive.length === 0) {
      this.#shared++;
      return undefined;
    }
    return new Promise((resolve) => this.#waitingShared.push(resolve));
  }

  leaveShared(): void {
    this.#shared--;
    if (this.#shared === 0 && !this.#exclusive) this.#grantExclusive();
  }

  enterExclusive(): Promise<void> {
    if (!this.#exclusive && this.#shared === 0 && this.#waitingExclusive.length === 0) {
      this.#exclusive = true;
      this.#tellExclusive();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waitingExclusive.push(resolve));
  }

  leaveExclusive(): void {
    this.#exclusive = false;
    this.#tellExclusive();
    if (this.#waitingShared.length > 0) {
      const granted = this.#waitingShared.splice(0);
      this.#shared += granted.length;
      for (const resolve of granted) resolve();
    } else {
      this.#grantExclusive();
    }
  }

  /** Runs `fn` in a shared turn. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    const wait = this.enterShared();
    if (wait) await wait;
    try {
      return await fn();
    } finally {
      this.leaveShared();
    }
  }

  #grantExclusive(): void {
    const next = this.#waitingExclusive.shift();
    if (!next) return;
    this.#exclusive = true;
    this.#tellExclusive();
    next();
  }

  #tellExclusive(): void {
    for (const listener of this.#exclusiveListeners) listener();
  }
}
