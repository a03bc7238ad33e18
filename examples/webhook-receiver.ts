// A minimal webhook receiver: answers the subscription handshake, verifies every delivery's
// signature, and prints the payout updates. Run: WEBHOOK_SECRET=whsec_… npx tsx examples/webhook-receiver.ts
import { createServer } from 'node:http';
import { verifyWebhook } from '../src/modules/webhooks/verify-webhook.js';

const port = Number(process.env.RECEIVER_PORT ?? 4000);
const secret = process.env.WEBHOOK_SECRET; // unknown until the subscription exists: handshakes need none

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const body = JSON.parse(rawBody || '{}');
    if (body.type === 'url_verification') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
      return;
    }
    if (!secret) {
      res.writeHead(503).end();
      return;
    }
    try {
      const event = verifyWebhook(secret, req.headers, rawBody) as {
        id: string;
        event: string;
        data: { payout_intent_id: string; status: string; sequence: number };
      };
      console.log(`${event.event} ${event.data.payout_intent_id} → ${event.data.status} (#${event.data.sequence}, webhook ${event.id})`);
      res.writeHead(200).end();
    } catch (error) {
      console.error(`rejected: ${(error as Error).message}`);
      res.writeHead(400).end();
    }
  });
}).listen(port, '127.0.0.1', () => console.log(`receiver listening on http://127.0.0.1:${port}/webhooks`));
