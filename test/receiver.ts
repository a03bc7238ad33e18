// A real HTTP receiver on 127.0.0.1 for webhook tests: answers the url_verification handshake,
// records every delivery with its raw body and headers, and answers as the test scripts it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: { id?: string; event?: string; type?: string; challenge?: string; data?: Record<string, unknown> } & Record<string, unknown>;
  receivedAt: number;
}

export type Responder = (request: ReceivedRequest, index: number) => { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Deliveries only (handshakes left out). */
  deliveries(): ReceivedRequest[];
  respondWith(responder: Responder): void;
  /** How the handshake is answered: echo (default), or a custom answer. */
  handshakeWith(responder: Responder): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let responder: Responder = () => ({ status: 200, body: '{"ok":true}' });
  let handshake: Responder = (request) => ({ status: 200, body: JSON.stringify({ challenge: request.body.challenge }) });
  let deliveryIndex = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body = {};
      try {
        body = JSON.parse(rawBody);
      } catch {
        /* recorded as is */
      }
      const received: ReceivedRequest = { headers: req.headers, rawBody, body, receivedAt: Date.now() };
      requests.push(received);
      const isHandshake = (body as { type?: string }).type === 'url_verification';
      const answer = isHandshake ? handshake(received, 0) : responder(received, deliveryIndex++);
      if (answer === 'hang') return; // never answers: the sender's timeout must fire
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    requests,
    deliveries: () => requests.filter((r) => r.body.type !== 'url_verification'),
    respondWith(next) {
      responder = next;
      deliveryIndex = 0;
    },
    handshakeWith(next) {
      handshake = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
