// The dashboard speaks the same HTTP API as integrators, authenticated by the session cookie,
// with the CSRF token on writes and the environment switch as a header.

export interface ApiError {
  status: number;
  code: string;
  message: string;
  param?: string;
}

export type Environment = 'sandbox' | 'production';

let csrfToken = '';
let environment: Environment = (localStorage.getItem('payouts.environment') as Environment) || 'sandbox';

export const setCsrfToken = (token: string) => {
  csrfToken = token;
};
export const currentEnvironment = () => environment;
export function setEnvironment(next: Environment) {
  environment = next;
  localStorage.setItem('payouts.environment', next);
}

export class RequestFailed extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      'x-payouts-environment': environment,
      ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = json.error ?? { code: 'network_error', message: `The server answered ${response.status}.` };
    throw new RequestFailed({ status: response.status, ...error });
  }
  return json as T;
}

export const get = <T = any>(path: string) => api<T>('GET', path);
export const post = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => api<T>('POST', path, body ?? {}, headers);

/**
 * Downloads a list as CSV: the list endpoint itself with `Accept: text/csv` (same filters, no row
 * limit). Fetched rather than linked because the environment travels in a header, not the URL.
 */
export async function downloadCsv(path: string, filename: string): Promise<void> {
  const response = await fetch(path, { credentials: 'same-origin', headers: { accept: 'text/csv', 'x-payouts-environment': environment } });
  if (!response.ok) {
    const json = await response.json().catch(() => ({}));
    throw new RequestFailed({
      status: response.status,
      code: json.error?.code ?? 'network_error',
      message: json.error?.message ?? `The server answered ${response.status}.`,
    });
  }
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
