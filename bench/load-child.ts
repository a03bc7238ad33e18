// The load generator, run by bench/run.ts as its own process: autocannon through its API, because
// every request needs its own idempotency key (the CLI's -I miscounts Content-Length in
// autocannon 8). argv[2] is a JSON LoadOptions; prints autocannon's result as one JSON line.
import autocannon from 'autocannon';
import type { LoadOptions } from './lib/autocannon.js';

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const run = `${process.pid}-${Date.now()}`;
let sent = 0;

const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationSeconds,
  requests: [
    {
      method: 'POST',
      headers: options.headers,
      // A fresh id per request: `[<id>]` in the body becomes `<run>-<n>`.
      setupRequest: (request) => ({ ...request, body: options.body.replaceAll('[<id>]', `${run}-${++sent}`) }),
    },
  ],
});
process.stdout.write(`${JSON.stringify(result)}\n`);
