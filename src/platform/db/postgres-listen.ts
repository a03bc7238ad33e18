import pg from 'pg';
import { checkChannel, type WatchEvent } from './database.js';

/** Waits after a lost listening connection: 1 s, 2 s, … up to 10 s between attempts. */
const RETRY_MS = 1_000;
const MAX_RETRY_MS = 10_000;

export interface Listener {
  watch(channel: string, onEvent: (event: WatchEvent) => void): void;
  close(): Promise<void>;
}

/**
 * LISTEN on one dedicated connection (a pooled one would be handed to other work, and its LISTEN
 * with it). When the connection drops, its watchers hear `lost`, and `resumed` once a new one
 * listens again: notifications sent in between are gone, so a watcher must assume it missed some.
 */
export function pgListener(config: pg.ClientConfig): Listener {
  const watchers = new Map<string, Set<(event: WatchEvent) => void>>();
  let client: pg.Client | undefined;
  let connecting = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const emit = (event: WatchEvent, channel?: string) => {
    for (const [name, set] of watchers) if (channel === undefined || channel === name) for (const onEvent of set) onEvent(event);
  };

  const scheduleConnect = () => {
    if (closed || retry || connecting) return;
    const delay = Math.min(RETRY_MS * 2 ** failures, MAX_RETRY_MS);
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  };

  async function connect(): Promise<void> {
    if (closed || connecting || client) return;
    connecting = true;
    const candidate = new pg.Client(config);
    // A dropped connection reports 'error' then 'end'; 'end' is where it is replaced.
    candidate.on('error', () => {});
    candidate.on('notification', (message) => emit('notified', message.channel));
    candidate.on('end', () => {
      if (client !== candidate) return;
      client = undefined;
      emit('lost');
      scheduleConnect();
    });
    try {
      await candidate.connect();
    } catch {
      connecting = false;
      failures++;
      candidate.end().catch(() => {});
      scheduleConnect();
      return;
    }
    connecting = false;
    failures = 0;
    if (closed) {
      await candidate.end().catch(() => {});
      return;
    }
    client = candidate;
    try {
      // Also the channels watched while this runs: a Map's iteration includes entries added meanwhile.
      for (const channel of watchers.keys()) await candidate.query(`listen ${channel}`);
    } catch {
      return; // the connection is dropping: 'end' connects again
    }
    if (client === candidate) emit('resumed');
  }

  return {
    watch(channel, onEvent) {
      checkChannel(channel);
      const set = watchers.get(channel) ?? new Set();
      watchers.set(channel, set);
      set.add(onEvent);
      if (client) {
        const listening = client;
        listening.query(`listen ${channel}`).then(
          () => client === listening && onEvent('resumed'),
          () => {}, // the connection is dropping: 'end' reconnects and resumes
        );
      } else {
        void connect();
      }
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const open = client;
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}
