import type { FastifyInstance, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../secure-compare.js';
import { ENVIRONMENTS, type Environment, type Tenant } from '../tenant.js';
import { AppError } from './errors.js';
import type { Permission, RouteAccess } from './route-access.js';

/** Who is calling: an API key (the integrators' way) or a dashboard user's session. */
export interface Caller extends Tenant {
  kind: 'api_key' | 'session';
  apiKeyId?: string;
  user?: { id: string; email: string; role: string };
}

export interface AuthStrategies {
  /** Resolves an Authorization header, or throws 401. */
  apiKey(authorization: string | undefined): Promise<Caller>;
  /** Resolves a session cookie for the environment the dashboard has switched to. */
  session(token: string, environment: Environment): Promise<{ caller: Caller; csrfToken: string } | undefined>;
  /** Throws 403 when the caller may not use a route declaring this access. */
  authorize(caller: Caller, access: RouteAccess): void;
  /** Whether the caller holds a permission (API keys hold them all), for answers that show more to some roles. */
  allows(caller: Caller, permission: Permission): boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Caller | null;
    /** Whether the authenticated caller holds a permission; false on public routes. */
    may(permission: Permission): boolean;
  }
}

export const SESSION_COOKIE = 'payouts_session';
export const ENVIRONMENT_HEADER = 'x-payouts-environment';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A cookie's value, or undefined when it is absent or not valid percent-encoding (as if absent). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Requires a caller on every route of this scope that is not public: a Bearer API key, or a
 * session cookie with, on state-changing requests, the session's CSRF token in a header (a
 * cross-site form can send the cookie but cannot read or set that header).
 */
export function installAuth(app: FastifyInstance, strategies: AuthStrategies): void {
  app.decorateRequest('auth', null);
  app.decorateRequest('may', function (this: FastifyRequest, permission: Permission) {
    return this.auth !== null && strategies.allows(this.auth, permission);
  });
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public || request.is404) return;
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (request.headers.authorization !== undefined || token === undefined) {
      request.auth = await strategies.apiKey(request.headers.authorization);
    } else {
      const requested = request.headers[ENVIRONMENT_HEADER] ?? 'sandbox';
      if (!(ENVIRONMENTS as readonly unknown[]).includes(requested)) {
        throw new AppError('invalid_request', `The ${ENVIRONMENT_HEADER} header must be sandbox or production.`);
      }
      const session = await strategies.session(token, requested as Environment);
      if (!session) throw new AppError('unauthorized', 'Your session has expired. Sign in again.');
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !constantTimeEqual(sent, session.csrfToken)) {
          throw new AppError('forbidden', 'Missing or invalid CSRF token. Reload the page and try again.');
        }
      }
      request.auth = session.caller;
    }
    strategies.authorize(request.auth, request.routeOptions.config);
  });
}

/** The caller's organization and environment; only reachable on authenticated routes. */
export function tenantOf(request: FastifyRequest): Caller {
  if (!request.auth) throw new AppError('unauthorized', 'Missing API key.');
  return request.auth;
}

/** The signed-in dashboard user; for routes that only make sense with one. */
export function userOf(request: FastifyRequest): NonNullable<Caller['user']> {
  const user = request.auth?.user;
  if (!user) throw new AppError('forbidden', 'This endpoint is for signed-in dashboard users.');
  return user;
}
