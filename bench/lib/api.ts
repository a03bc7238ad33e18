/** A JSON call to the server under test, timed from sending the request to the whole answer received. */
export async function callApi(
  baseUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown; ms: number }> {
  const payload = body === undefined ? undefined : JSON.stringify(body); // the client's own work stays out of the timing
  const started = performance.now();
  const response = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : null, ms };
}

/** Like callApi, but anything other than `expected` is an error worth stopping the run for. */
export async function expectApi(expected: number, baseUrl: string, key: string, method: string, path: string, body?: unknown) {
  const answer = await callApi(baseUrl, key, method, path, body);
  if (answer.status !== expected) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.json).slice(0, 500)}`);
  return answer;
}

export const percentile = (sorted: number[], p: number): number => {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Subscribes `callbackUrl` to every `payout.updated`; answers its id and how to delete it again. */
export async function subscribeReceiver(baseUrl: string, key: string, callbackUrl: string): Promise<{ id: string; unsubscribe(): Promise<void> }> {
  const answer = await expectApi(201, baseUrl, key, 'POST', '/events/subscription', { event_name: 'payout.updated', callback_url: callbackUrl });
  const id = (answer.json as { data: { subscription: { id: string } } }).data.subscription.id;
  return { id, unsubscribe: async () => void (await expectApi(200, baseUrl, key, 'DELETE', `/events/subscription/${id}`)) };
}
