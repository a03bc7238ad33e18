// Karat's dashboard roles, enforced on the server for every session-authenticated request.
// API keys act for their whole organization and pass every check but the dashboard-only routes.
// Each route declares the permission it needs in its own definition (platform/http/route-access.ts).
import { PERMISSIONS, type Permission } from '../../platform/http/route-access.js';

export type { Permission };

export const ROLES = ['admin', 'manager', 'accountant', 'employee'] as const;
export type Role = (typeof ROLES)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  // Admins hold every permission there is.
  admin: PERMISSIONS,
  manager: [
    'payouts:read',
    'payouts:write',
    'recipients:read',
    'recipients:write',
    'keys:manage',
    'webhooks:read',
    'webhooks:write',
    'ach:read',
    'ach:write',
    'tax_forms:read',
    'signed_in',
  ],
  accountant: ['payouts:read', 'recipients:read', 'ach:read', 'tax_forms:read', 'signed_in'],
  employee: ['signed_in'],
};

export const can = (role: Role, permission: Permission): boolean => GRANTS[role].includes(permission);
export const permissionsOf = (role: Role): readonly Permission[] => GRANTS[role];
