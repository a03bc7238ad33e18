// The webhook receiver for the lifecycle benchmark: answers the url_verification handshake and
// records, for every delivery, its arrival time next to the status change time it carries.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  webhookId: string;
  payoutId: string;
  status: string;
  /** When the status changed (`data.date`), ms since the epoch. */
  changedAt: number;
  arrivedAt: number;
}

export interface BenchReceiver {
  url: string;
  /** First arrival of each webhook id; later ones are counted as duplicates. */
  arrivals: Map<string, Arrival>;
  duplicates(): number;
  /** Resolves once `predicate` holds after an arrival, or after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const arrivals = new Map<string, Arrival>();
  let duplicates = 0;
  let check: (() => void) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const arrivedAt = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        type?: string;
        challenge?: string;
        id?: string;
        data?: { payout_intent_id: string; status: string; date: string };
      };
      if (body.type === 'url_verification') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (!body.id || !body.data) return;
      if (arrivals.has(body.id)) duplicates++;
      else
        arrivals.set(body.id, {
          webhookId: body.id,
          payoutId: body.data.payout_intent_id,
          status: body.data.status,
          changedAt: Date.parse(body.data.date),
          arrivedAt,
        });
      check?.();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    arrivals,
    duplicates: () => duplicates,
    waitFor(predicate, timeoutMs) {
      return new Promise((done) => {
        const finish = (result: boolean) => {
          check = undefined;
          clearTimeout(timer);
          done(result);
        };
        const timer = setTimeout(() => finish(predicate()), timeoutMs);
        check = () => predicate() && finish(true);
        check();
      });
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
