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
/** Asked before every switch to production, wherever the switch is offered. */
export const PRODUCTION_WARNING = 'Switch to production? Changes move real money.';

export function setEnvironment(next: Environment) {
  environment = next;
  localStorage.setItem('payouts.environment', next);
}

export class RequestFailed extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

/**
 * What the shell does when a request shows the session is gone or the server is out of reach;
 * set once by main.ts, so every page gets the same behaviour without doing anything itself.
 */
export interface ConnectionHandlers {
  /** A 401 while signed in: the session expired (or was ended elsewhere). */
  sessionExpired(): void;
  /** No answer at all, or a proxy's 502/503/504 in front of a server that is down. */
  unreachable(): void;
}

let handlers: ConnectionHandlers | null = null;
let signedIn = false;
export const setConnectionHandlers = (next: ConnectionHandlers) => {
  handlers = next;
};
/** Whether a 401 means "your session expired" (signed in) or "wrong password" (signing in). */
export const setSignedIn = (value: boolean) => {
  signedIn = value;
};

const GATEWAY_DOWN = new Set([502, 503, 504]);
// Signing in, setting up and choosing a password answer 401 for a wrong password, not an expired session.
const SIGN_IN_PATHS = /^\/auth\/(login|setup|password)/;
export const UNREACHABLE_MESSAGE = 'The server could not be reached. Check your connection, then retry.';
export const EXPIRED_MESSAGE = 'Your session expired — sign in again.';

/** fetch, with the shell told about an unreachable server or an expired session before the caller hears of it. */
async function send(path: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    handlers?.unreachable();
    throw new RequestFailed({ status: 0, code: 'unreachable', message: UNREACHABLE_MESSAGE });
  }
  if (GATEWAY_DOWN.has(response.status)) {
    handlers?.unreachable();
    throw new RequestFailed({ status: response.status, code: 'unreachable', message: UNREACHABLE_MESSAGE });
  }
  if (response.status === 401 && signedIn && !SIGN_IN_PATHS.test(path)) {
    signedIn = false;
    handlers?.sessionExpired();
    throw new RequestFailed({ status: 401, code: 'unauthorized', message: EXPIRED_MESSAGE });
  }
  return response;
}

export async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await send(path, {
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
  let json: any = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    // Not our JSON (a proxy's error page): fall through to the status below.
  }
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
export const downloadCsv = (path: string, filename: string) => downloadFile(path, filename, 'text/csv');

/** Saves what a GET answers (a CSV, a PDF) as `filename`, with the session and the environment of the dashboard. */
export async function downloadFile(path: string, filename: string, accept: string): Promise<void> {
  const response = await send(path, { credentials: 'same-origin', headers: { accept, 'x-payouts-environment': environment } });
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
