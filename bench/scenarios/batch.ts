// 2. Batch ingest: one POST /payments of many items (50,000 by default), time to the 201.
import { expectApi, round } from '../lib/api.js';
import { startPayoutsServer } from '../lib/processes.js';
import { type MemoryPeak, PARKED_DELAY_MS, type ScenarioContext } from './context.js';

export interface BatchResult {
  items: number;
  requestBytes: number;
  secondsTo201: number;
  itemsPerSecond: number;
  memory: MemoryPeak;
}

/** Distinct payees (each a new recipient), amounts and references, as a payroll export would have. */
export function batchBody(items: number, tag: string) {
  return {
    payouts: Array.from({ length: items }, (_, i) => ({
      payeeEmail: `payee-${tag}-${i}@example.com`,
      amount: 100 + (i % 900),
      description: `Invoice ${tag}-${i}`,
      referenceId: `inv-${tag}-${i}`,
    })),
    idempotencyKey: `batch-${tag}`,
  };
}

export async function batchIngest(ctx: ScenarioContext): Promise<BatchResult> {
  const server = await startPayoutsServer(ctx.target, ctx.port, { SANDBOX_DELAY_MS: PARKED_DELAY_MS }, `${ctx.backend}-batch`, ctx.profile);
  try {
    await expectApi(201, server.url, ctx.apiKey, 'POST', '/payments', batchBody(1000, `warm-${Date.now()}`)); // first-request costs
    const body = batchBody(ctx.batchItems, `big-${Date.now()}`);
    const answer = await expectApi(201, server.url, ctx.apiKey, 'POST', '/payments', body);
    const created = (answer.json as { data: { payouts: unknown[] } }).data.payouts.length;
    if (created !== ctx.batchItems) throw new Error(`the batch answered ${created} payouts, not ${ctx.batchItems}`);
    const seconds = answer.ms / 1000;
    return {
      items: ctx.batchItems,
      requestBytes: Buffer.byteLength(JSON.stringify(body)),
      secondsTo201: round(seconds, 3),
      itemsPerSecond: Math.round(ctx.batchItems / seconds),
      memory: await server.stop(),
    };
  } finally {
    await server.stop();
  }
}
