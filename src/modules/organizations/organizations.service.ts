import type { Database, Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import * as repo from './organizations.repository.js';
import type { Organization } from './organizations.repository.js';

export type { Organization };

export async function createOrganization(db: Database, name: string): Promise<Organization> {
  const trimmed = name.trim();
  if (!trimmed) throw new AppError('invalid_request', 'An organization needs a name.', 'name');
  return repo.insertOrganization(db, uuidv7(), trimmed);
}

export const listOrganizations = (db: Database) => repo.listOrganizations(db);

/** One organization by id, inside the caller's transaction. */
export const findOrganization = (ex: Executor, id: string): Promise<Organization | undefined> => repo.findOrganizationById(ex, id);

/** The organization an id names, or the default one when no id is given. */
export async function resolveOrganization(db: Database, id?: string): Promise<Organization> {
  const organization = id ? (isUuid(id) ? await repo.findOrganizationById(db, id) : undefined) : await repo.findDefaultOrganization(db);
  if (!organization) throw new AppError('not_found', id ? `No organization with id ${id}.` : 'There is no default organization.');
  return organization;
}
