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
export const MAX_FUNDING_INSTRUCTIONS_LENGTH = 2000;

export interface SenderSettings {
  organizationName: string;
  /** null: emails show the organization's name. */
  senderName: string | null;
  replyTo: string | null;
  /** Where to wire money (production's Balance page); null for none. */
  fundingInstructions: string | null;
  /** IANA time zone of the organization's year-end reporting (the 1099-NEC report's calendar year). */
  timeZone: string;
}

export interface SenderSettingsPatch {
  senderName?: string | null;
  replyTo?: string | null;
  fundingInstructions?: string | null;
  timeZone?: string;
}

const toSettings = (o: Organization): SenderSettings => ({
  organizationName: o.name,
  senderName: o.senderName,
  replyTo: o.replyTo,
  fundingInstructions: o.fundingInstructions,
  timeZone: o.timeZone,
});

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

// Control characters but tab and line feed: the instructions are several lines of plain text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Several lines of plain text (shown as text, never HTML); line endings become \n. */
export function checkFundingInstructions(value: string | null): string | null {
  if (value === null) return null;
  const text = value.replace(/\r\n?/g, '\n').trim();
  if (text === '') return null;
  if (CONTROL_BUT_LINES.test(text)) throw new AppError('invalid_request', 'The funding instructions must be plain text.', 'fundingInstructions');
  if (text.length > MAX_FUNDING_INSTRUCTIONS_LENGTH) {
    throw new AppError('invalid_request', `The funding instructions can be at most ${MAX_FUNDING_INSTRUCTIONS_LENGTH} characters.`, 'fundingInstructions');
  }
  return text;
}

/**
 * An IANA time zone name Intl knows ("America/New_York", "UTC"), stored in Intl's canonical
 * spelling ("US/Eastern" becomes "America/New_York"). Offsets ("+02:00") and abbreviations
 * ("EST") are refused: a year boundary needs the zone's rules, not a fixed offset. The report
 * computes its year's boundaries with the same Intl, so what is accepted here is what it uses.
 */
export function checkTimeZone(value: string): string {
  const name = value.trim();
  if (name.toUpperCase() === 'UTC') return 'UTC';
  if (name.includes('/')) {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      // Not a zone this runtime knows: refused below.
    }
  }
  throw new AppError('invalid_request', 'The time zone must be an IANA name such as America/New_York or UTC.', 'timeZone');
}

/** What everyone who sees the balance may read: where to send money, and the id to quote. */
export async function getFundingInstructions(db: Database, organizationId: string): Promise<{ organizationId: string; fundingInstructions: string | null }> {
  const organization = await repo.findOrganizationById(db, organizationId);
  if (!organization) throw notFound('organization');
  return { organizationId: organization.id, fundingInstructions: organization.fundingInstructions };
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
  const fundingInstructions = patch.fundingInstructions === undefined ? null : checkFundingInstructions(patch.fundingInstructions);
  const timeZone = patch.timeZone === undefined ? null : checkTimeZone(patch.timeZone);
  const updated = await repo.updateSenderSettings(db, organizationId, {
    setSenderName: patch.senderName !== undefined,
    senderName,
    setReplyTo: patch.replyTo !== undefined,
    replyTo,
    setFundingInstructions: patch.fundingInstructions !== undefined,
    fundingInstructions,
    timeZone,
  });
  if (!updated) throw notFound('organization');
  return toSettings(updated);
}
