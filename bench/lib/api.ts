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
