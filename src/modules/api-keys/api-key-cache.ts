import type { WatchEvent } from '../../platform/db/database.js';
import type { Environment } from '../../platform/tenant.js';

/** How long a cached key is trusted before it is read again (and its last use recorded). */
export const API_KEY_CACHE_TTL_MS = 60_000;
/** At most this many keys are cached; the oldest cached one makes room for a new one. */
export const API_KEY_CACHE_MAX_ENTRIES = 10_000;

export interface CachedKey {
  organizationId: string;
  environment: Environment;
  apiKeyId: string;
}

/**
 * Active API keys this process recently found, by the hex SHA-256 of the key (never the key).
 * Only found keys are cached: an unknown key is looked up every time, so it cannot become valid
 * late and guessing cannot fill memory.
 *
 * Any revocation empties it. A look-up that was already reading the database when it was emptied
 * may have read the key as it was before the revocation: `generation` tells, and such an answer is
 * used for its own request but not cached. While the database connection that hears other
 * processes' revocations is not listening, nothing is cached at all.
 */
export class ApiKeyCache {
  readonly #entries = new Map<string, { key: CachedKey; expiresAt: number }>();
  #generation = 0;
  #listening = false;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly maxEntries = API_KEY_CACHE_MAX_ENTRIES,
  ) {}

  get(hash: string): CachedKey | undefined {
    const entry = this.#entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.key;
    this.#entries.delete(hash);
    return undefined;
  }

  /** Taken before reading the database; `set` with it caches nothing if the cache was emptied since. */
  get generation(): number {
    return this.#generation;
  }

  set(generation: number, hash: string, key: CachedKey): void {
    if (!this.#listening || generation !== this.#generation) return;
    this.#entries.delete(hash);
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(hash, { key, expiresAt: this.now() + API_KEY_CACHE_TTL_MS });
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** What the watch on revocations heard: any of it may mean a missed revocation. */
  hear(event: WatchEvent): void {
    if (event === 'lost') this.#listening = false;
    if (event === 'resumed') this.#listening = true;
    this.clear();
  }
}
