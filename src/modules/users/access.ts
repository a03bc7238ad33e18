import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/database.js';
import type { AuthStrategies, Caller } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { authenticate } from '../api-keys/index.js';
import { can, type Role } from './permissions.js';
import { resolveSession } from './users.service.js';

/** How the API recognizes callers: API keys for integrators, sessions with roles for the dashboard. */
export function authStrategies(db: Database, _config: Readonly<Config>): AuthStrategies {
  return {
    async apiKey(authorization) {
      const key = await authenticate(db, authorization);
      return { kind: 'api_key', organizationId: key.organizationId, environment: key.environment, apiKeyId: key.apiKeyId };
    },
    async session(token, environment) {
      const session = await resolveSession(db, token);
      if (!session) return undefined;
      const { user } = session;
      const caller: Caller = { kind: 'session', organizationId: user.organizationId, environment, user: { id: user.id, email: user.email, role: user.role } };
      return { caller, csrfToken: session.csrfToken };
    },
    allows(caller, permission) {
      return caller.kind === 'api_key' || can(caller.user!.role as Role, permission);
    },
    authorize(caller, { permission, dashboardOnly }) {
      if (caller.kind === 'api_key') {
        if (dashboardOnly) throw new AppError('forbidden', 'This endpoint is for signed-in dashboard users, not API keys.');
        return;
      }
      if (!permission || !can(caller.user!.role as Role, permission)) {
        throw new AppError('forbidden', 'Your role does not allow this. Ask an admin of your organization.');
      }
    },
  };
}
