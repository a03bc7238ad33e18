// The sender of an organization's emails: the display name in From and an optional Reply-To.
// Both end up in mail headers, so they are checked here, where an admin sets them, and refused
// with the field named rather than cleaned up behind the admin's back.

import type { Database } from '../../platform/db/database.js';
import { isPlainEmailAddress } from '../../platform/email-address.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import * as repo from './organizations.repository.js';
import type { Organization } from './organizations.repository.js';

/** RFC 5322's recommended line length: a name longer than this is cut by the mailer anyway. */
export const MAX_SENDER_NAME_LENGTH = 78;
export const MAX_REPLY_TO_LENGTH = 254;

export interface SenderSettings {
  organizationName: string;
  /** null: emails show the organization's name. */
  senderName: string | null;
  replyTo: string | null;
}

export interface SenderSettingsPatch {
  senderName?: string | null;
  replyTo?: string | null;
}

const toSettings = (o: Organization): SenderSettings => ({ organizationName: o.name, senderName: o.senderName, replyTo: o.replyTo });

// Any control character (CR and LF above all), and the Unicode line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// A display name that carries an address ("Bank <security@bank.example>") misleads the reader.
const ADDRESS_LIKE = /[<>@"]/;

export function checkSenderName(value: string | null): string | null {
  if (value === null) return null;
  if (CONTROL.test(value)) throw new AppError('invalid_request', 'The sender name must be one line, without control characters.', 'senderName');
  const name = value.trim().replace(/\s+/g, ' ');
  if (name === '') return null;
  if (name.length > MAX_SENDER_NAME_LENGTH)
    throw new AppError('invalid_request', `The sender name can be at most ${MAX_SENDER_NAME_LENGTH} characters.`, 'senderName');
  if (ADDRESS_LIKE.test(name)) throw new AppError('invalid_request', 'The sender name cannot contain an address or any of < > @ ".', 'senderName');
  return name;
}

export function checkReplyTo(value: string | null): string | null {
  if (value === null) return null;
  if (CONTROL.test(value)) throw new AppError('invalid_request', 'The reply-to address must be one line, without control characters.', 'replyTo');
  const address = value.trim();
  if (address === '') return null;
  if (address.length > MAX_REPLY_TO_LENGTH || !isPlainEmailAddress(address)) {
    throw new AppError('invalid_request', 'The reply-to address must be a plain address such as support@example.com (no name, no angle brackets).', 'replyTo');
  }
  return address;
}

export async function getSenderSettings(db: Database, organizationId: string): Promise<SenderSettings> {
  const organization = await repo.findOrganizationById(db, organizationId);
  if (!organization) throw notFound('organization');
  return toSettings(organization);
}

/** Sets the fields the patch names; null or an empty string clears one. */
export async function updateSenderSettings(db: Database, organizationId: string, patch: SenderSettingsPatch): Promise<SenderSettings> {
  const senderName = patch.senderName === undefined ? null : checkSenderName(patch.senderName);
  const replyTo = patch.replyTo === undefined ? null : checkReplyTo(patch.replyTo);
  const updated = await repo.updateSenderSettings(db, organizationId, {
    setSenderName: patch.senderName !== undefined,
    senderName,
    setReplyTo: patch.replyTo !== undefined,
    replyTo,
  });
  if (!updated) throw notFound('organization');
  return toSettings(updated);
}
