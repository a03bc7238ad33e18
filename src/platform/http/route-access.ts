// What a route requires of its caller, declared in the route's own definition
// (`config: { permission, dashboardOnly }`), so a route and its access rule are read together.

/** The permissions a dashboard role can hold; the roles' grants live with the users module. */
export const PERMISSIONS = [
  'payouts:read',
  'payouts:write',
  'recipients:read',
  'recipients:write',
  'keys:manage',
  'webhooks:read',
  'webhooks:write',
  'users:manage',
  'ach:read',
  'ach:write',
  'ach:settings',
  // Recording and reversing funding deposits: real money in production, so admins only.
  'balance:fund',
  // Tax forms (masked) and the 1099-NEC report: admins, managers, accountants; never employees.
  'tax_forms:read',
  // Anything that shows a full TIN (a form's filing copy, the 1099-NEC filing export): admins only, each download recorded.
  'tax_forms:filing',
  'signed_in',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface RouteAccess {
  /** What a signed-in dashboard user needs; a non-public route without one is refused to every session. */
  permission?: Permission;
  /** For signed-in dashboard users only: what an API key must not do (mint keys, manage users). */
  dashboardOnly?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig extends RouteAccess {
    /** Routes that answer without an API key (health, docs, sign-in, hosted pages). Everything else requires one. */
    public?: boolean;
  }
}
