export const ENVIRONMENTS = ['sandbox', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Who a query is for. Every repository function takes one right after its executor. */
export interface Tenant {
  organizationId: string;
  environment: Environment;
}
