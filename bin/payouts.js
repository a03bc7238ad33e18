#!/usr/bin/env node
// The `payouts` command. The sources are TypeScript run through tsx, so there is no build step
// to forget and no stale output to run.
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');
