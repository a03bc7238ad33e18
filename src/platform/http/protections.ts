import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { SESSION_COOKIE } from './auth.js';
import { AppError } from './errors.js';

/** The dashboard's policy: its own script, styles and API only, and never inside a frame. */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
};

/**
 * Security headers on every answer (helmet): nosniff, the dashboard's CSP (harmless on JSON, and
 * /docs sets its own), no framing, no referrer across origins, and HSTS only when the server is
 * published over https (HSTS over plain http would lock browsers out of a local install).
 * Answers that do not set their own caching are `no-store`: API answers carry keys, webhook
 * secrets, CSRF tokens and personal data, which no shared or browser cache should keep.
 */
export async function installSecurityHeaders(app: FastifyInstance, config: Readonly<Config>): Promise<void> {
  const https = config.publicUrl.startsWith('https:');
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    hsts: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/**
 * Routes that check a password, a setup token or a portal code, or send a portal code: a few tries
 * a minute per address (the portal's per-recipient limits are its own, in the database).
 */
const SIGN_IN_ROUTES = new Set(['POST /auth/login', 'POST /auth/setup', 'POST /portal/code/:path/:link', 'POST /portal/verify/:path/:link']);
const isSignIn = (request: FastifyRequest) =>
  SIGN_IN_ROUTES.has(`${request.method} ${request.routeOptions.url}`) || /^\/auth\/password/.test(request.routeOptions.url ?? '');

// The session cookie's raw value (not decoded: a malformed one is still a distinct bucket).
const SESSION_PATTERN = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]*)`);
// Keys and session tokens are secrets: buckets are named by a digest, never the value itself.
const digest = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/**
 * The bucket a request counts against: the API key (or dashboard session) that authenticates it,
 * or the client address for sign-in and other requests without credentials. `request.ip` honours
 * X-Forwarded-For only when TRUST_PROXY says the proxy is ours.
 */
export function rateLimitKey(request: FastifyRequest): string {
  if (isSignIn(request)) return `sign-in:${request.ip}`;
  const authorization = request.headers.authorization;
  if (authorization) return `key:${digest(authorization)}`;
  const session = SESSION_PATTERN.exec(request.headers.cookie ?? '')?.[1];
  if (session && !request.routeOptions.config?.public) return `session:${digest(session)}`;
  return `address:${request.ip}`;
}

/**
 * Rate limits kept in this process's memory: with several processes behind a load balancer each
 * counts on its own, so the effective limit is the setting times the number of processes.
 */
export async function installRateLimits(app: FastifyInstance, config: Readonly<Config>): Promise<void> {
  const limitFor = (key: string): number => {
    if (key.startsWith('sign-in:')) return config.rateLimitSignIn;
    if (key.startsWith('address:')) return config.rateLimitPublic;
    return config.rateLimitPerKey;
  };
  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    cache: 10_000,
    keyGenerator: rateLimitKey,
    max: (_request, key) => limitFor(key),
    allowList: (_request, key) => limitFor(key) === 0,
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) =>
      new AppError('too_many_requests', `Too many requests: the limit is ${context.max} a minute. Retry in ${context.after}.`),
  });
}
