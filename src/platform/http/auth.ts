import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../modules/api-keys/api-keys.service.js';
import { authenticate } from '../../modules/api-keys/api-keys.service.js';
import type { Database } from '../db/database.js';
import { AppError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /** Routes that answer without an API key (health, docs). Everything else requires one. */
    public?: boolean;
  }
}

/** Requires a valid API key on every route of this scope that is not marked public. */
export function installApiKeyAuth(app: FastifyInstance, db: Database): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public || request.is404) return;
    request.auth = await authenticate(db, request.headers.authorization);
  });
}

/** The caller's organization and environment; only reachable on authenticated routes. */
export function tenantOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new AppError('unauthorized', 'Missing API key.');
  return request.auth;
}
