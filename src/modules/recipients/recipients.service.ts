import type { Database, Executor } from '../../platform/db/database.js';
import { notFound } from '../../platform/http/errors.js';
import { CSV_PAGE_SIZE } from '../../platform/http/csv.js';
import type { Page } from '../../platform/http/pagination.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';
import { lockRecipientForChange, recomputeReadiness } from './readiness.js';
import * as repo from './recipients.repository.js';
import type { Recipient, RecipientChanges, RecipientStatus } from './recipients.repository.js';
import type { RecipientHooks } from './payout-methods.service.js';

export type { Recipient };

/** Emails are compared without case or surrounding spaces: one recipient per address. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export interface NewRecipientInput {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  nickname?: string | null;
  shouldCollectTaxInfo?: boolean;
  autoAcceptPayouts?: boolean;
}

/**
 * Adds recipients and answers one per input, in input order. An email that already has a
 * recipient answers that recipient unchanged, so adding is safe to repeat.
 */
export async function upsertRecipients(tx: Executor, tenant: Tenant, inputs: NewRecipientInput[]): Promise<Recipient[]> {
  const byEmail = new Map<string, repo.NewRecipient>();
  for (const input of inputs) {
    const email = normalizeEmail(input.email);
    if (byEmail.has(email)) continue;
    byEmail.set(email, {
      id: uuidv7(),
      email,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      nickname: input.nickname ?? null,
      shouldCollectTaxInfo: input.shouldCollectTaxInfo ?? false,
      autoAcceptPayouts: input.autoAcceptPayouts ?? false,
    });
  }
  const emails = [...byEmail.keys()];
  const existing = await repo.findRecipientsByEmails(tx, tenant, emails);
  const known = new Set(existing.map((r) => r.email));
  const missing = [...byEmail.values()].filter((r) => !known.has(r.email));
  if (missing.length > 0) {
    const inserted = await repo.insertRecipientsIfNew(tx, tenant, missing);
    existing.push(...inserted);
    // Emails another transaction added since the look-up above: theirs are read now.
    const added = new Set(inserted.map((r) => r.email));
    const raced = missing.filter((r) => !added.has(r.email)).map((r) => r.email);
    if (raced.length > 0) existing.push(...(await repo.findRecipientsByEmails(tx, tenant, raced)));
  }
  const found = new Map(existing.map((r) => [r.email, r]));
  return inputs.map((input) => found.get(normalizeEmail(input.email))!);
}

export const addRecipients = (db: Database, tenant: Tenant, inputs: NewRecipientInput[]) => db.transaction((tx) => upsertRecipients(tx, tenant, inputs));

export const findRecipientsByIds = repo.findRecipientsByIds;

export async function getRecipient(ex: Executor, tenant: Tenant, id: string): Promise<Recipient> {
  const [recipient] = isUuid(id) ? await repo.findRecipientsByIds(ex, tenant, [id]) : [];
  if (!recipient) throw notFound('recipient', 'id');
  return recipient;
}

export type RecipientListFilter = { email?: string; status?: RecipientStatus; searchPattern?: string };

const normalizedFilter = (filter: RecipientListFilter): repo.RecipientFilter => ({
  ...(filter.email ? { email: normalizeEmail(filter.email) } : {}),
  ...(filter.status ? { status: filter.status } : {}),
  ...(filter.searchPattern ? { searchPattern: filter.searchPattern } : {}),
});

/** One page of recipients, and with `includeTotal` the number of all that match. */
export async function listRecipients(
  db: Database,
  tenant: Tenant,
  page: Page,
  filter: RecipientListFilter = {},
  options: { includeTotal?: boolean } = {},
): Promise<{ recipients: Recipient[]; total?: number }> {
  const recipients = await repo.listRecipients(db, tenant, { ...page, ...normalizedFilter(filter) });
  if (!options.includeTotal) return { recipients };
  return { recipients, total: await repo.countRecipients(db, tenant, normalizedFilter(filter)) };
}

/** One page of the recipients export: the CSV_PAGE_SIZE (or more) matching recipients older than `before`. */
export const exportRecipientsPage = (db: Database, tenant: Tenant, filter: RecipientListFilter, before: string | null): Promise<Recipient[]> =>
  repo.listRecipients(db, tenant, { ...normalizedFilter(filter), before, limit: CSV_PAGE_SIZE });

/**
 * Updates a recipient. Turning on autoAcceptPayouts also accepts the payouts already waiting for
 * this recipient: the worker moves them on. Changing shouldCollectTaxInfo changes what readiness
 * asks for, so it is recomputed under the recipient's lock: asking for a form the recipient has
 * not signed sends its pending payouts back to wait; no longer asking may make it ready.
 */
export async function updateRecipient(db: Database, tenant: Tenant, id: string, changes: RecipientChanges, hooks: RecipientHooks): Promise<Recipient> {
  if (!isUuid(id)) throw notFound('recipient', 'id');
  return db.transaction(async (tx) => {
    const taxCollectionChanged = changes.shouldCollectTaxInfo !== undefined;
    if (taxCollectionChanged) await lockRecipientForChange(tx, tenant, id);
    let recipient = await repo.updateRecipientById(tx, tenant, id, changes);
    if (!recipient) throw notFound('recipient', 'id');
    if (taxCollectionChanged) recipient = await recomputeReadiness(tx, tenant, id, hooks);
    if (changes.autoAcceptPayouts === true) await hooks.acceptanceChanged(tx, tenant, id);
    return recipient;
  });
}
