// Karat's dashboard roles, enforced on the server for every session-authenticated request.
// API keys act for their whole organization and pass every check but the dashboard-only routes.

export const ROLES = ['admin', 'manager', 'accountant', 'employee'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'payouts:read'
  | 'payouts:write'
  | 'recipients:read'
  | 'recipients:write'
  | 'keys:manage'
  | 'webhooks:read'
  | 'webhooks:write'
  | 'users:manage'
  | 'signed_in';

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ['payouts:read', 'payouts:write', 'recipients:read', 'recipients:write', 'keys:manage', 'webhooks:read', 'webhooks:write', 'users:manage', 'signed_in'],
  manager: ['payouts:read', 'payouts:write', 'recipients:read', 'recipients:write', 'keys:manage', 'webhooks:read', 'webhooks:write', 'signed_in'],
  accountant: ['payouts:read', 'recipients:read', 'signed_in'],
  employee: ['signed_in'],
};

export const can = (role: Role, permission: Permission): boolean => GRANTS[role].includes(permission);
export const permissionsOf = (role: Role): readonly Permission[] => GRANTS[role];

/**
 * What each authenticated route requires of a dashboard user, by "METHOD /path". One table, so
 * the whole matrix can be read (and tested) in one place; a route missing here is refused to
 * every session.
 */
export const ROUTE_PERMISSIONS: Record<string, Permission> = {
  'GET /payments': 'payouts:read',
  'GET /payments/:paymentId': 'payouts:read',
  'POST /payments': 'payouts:write',
  'POST /payments/:paymentId/cancel': 'payouts:write',
  'POST /payments/:paymentId/accept': 'payouts:write',
  'POST /external-payments': 'payouts:write',
  'GET /batches': 'payouts:read',
  'GET /batches/:id': 'payouts:read',
  'GET /balance': 'payouts:read',
  'GET /balance/transactions': 'payouts:read',
  'POST /balance/fundings': 'payouts:write',
  'GET /events/log': 'payouts:read',
  'GET /recipients': 'recipients:read',
  'GET /recipients/:id': 'recipients:read',
  'POST /recipients': 'recipients:write',
  'PATCH /recipients/:id': 'recipients:write',
  'POST /recipients/:id/invite': 'recipients:write',
  // The captured mailbox: admin and manager (SPEC "Emails").
  'GET /emails': 'recipients:write',
  'GET /emails/:id': 'recipients:write',
  'GET /api-keys': 'keys:manage',
  'GET /api-keys/:id': 'keys:manage',
  'POST /api-keys': 'keys:manage',
  'DELETE /api-keys/:id': 'keys:manage',
  'GET /events': 'signed_in',
  'GET /events/subscriptions': 'webhooks:read',
  'GET /events/subscription/:id': 'webhooks:read',
  'GET /events/subscription/:id/deliveries': 'webhooks:read',
  'GET /events/deliveries': 'payouts:read',
  'POST /events/subscription': 'webhooks:write',
  'DELETE /events/subscription/:id': 'webhooks:write',
  'POST /events/subscription/:id/enable': 'webhooks:write',
  'POST /events/subscription/:id/rotate-secret': 'webhooks:write',
  'POST /events/subscription/:id/deliveries/:deliveryId/redeliver': 'webhooks:write',
  'POST /events/subscription/:id/replay': 'webhooks:write',
  'GET /users': 'users:manage',
  'POST /users': 'users:manage',
  'DELETE /users/:id': 'users:manage',
  'GET /auth/session': 'signed_in',
  'POST /auth/logout': 'signed_in',
  'POST /auth/password': 'signed_in',
};

/** Routes for dashboard users only: what an API key must not do (mint keys, manage users). */
export const SESSION_ONLY_ROUTES = new Set(['POST /api-keys', 'DELETE /api-keys/:id', 'GET /users', 'POST /users', 'DELETE /users/:id', 'GET /auth/session', 'POST /auth/logout', 'POST /auth/password']);
