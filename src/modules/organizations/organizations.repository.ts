import type { Executor } from '../../platform/db/database.js';

export interface Organization {
  id: string;
  name: string;
  isDefault: boolean;
  createdAt: Date;
}

interface OrganizationRow {
  id: string;
  name: string;
  is_default: boolean;
  created_at: Date;
}

const toOrganization = (row: OrganizationRow): Organization => ({
  id: row.id,
  name: row.name,
  isDefault: row.is_default,
  createdAt: row.created_at,
});

export async function insertOrganization(ex: Executor, id: string, name: string): Promise<Organization> {
  const rows = await ex.query<OrganizationRow>('insert into organizations (id, name) values ($1, $2) returning *', [id, name]);
  return toOrganization(rows[0]!);
}

export async function listOrganizations(ex: Executor): Promise<Organization[]> {
  const rows = await ex.query<OrganizationRow>('select * from organizations order by is_default desc, created_at, id');
  return rows.map(toOrganization);
}

export async function findOrganizationById(ex: Executor, id: string): Promise<Organization | undefined> {
  const rows = await ex.query<OrganizationRow>('select * from organizations where id = $1', [id]);
  return rows[0] && toOrganization(rows[0]);
}

export async function findDefaultOrganization(ex: Executor): Promise<Organization | undefined> {
  const rows = await ex.query<OrganizationRow>('select * from organizations where is_default');
  return rows[0] && toOrganization(rows[0]);
}
