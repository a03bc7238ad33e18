// The database thread's entry (see pglite-thread.ts). Worker threads do not inherit the main
// thread's TypeScript loader, so this plain module registers tsx, as bin/payouts.js does.
import { register } from 'tsx/esm/api';

register();
await import('./pglite-thread-worker.ts');
