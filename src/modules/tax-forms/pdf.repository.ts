import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

/**
 * Which organization and environment a form belongs to, for the public signed link (which names
 * only the form: its signature, not a key, is what grants access).
 */
export async function findTaxFormTenant(ex: Executor, id: string): Promise<Tenant | undefined> {
  const rows = await ex.query<{ organization_id: string; environment: Tenant['environment'] }>(
    'select organization_id, environment from tax_forms where id = $1',
    [id],
  );
  return rows[0] && { organizationId: rows[0].organization_id, environment: rows[0].environment };
}
