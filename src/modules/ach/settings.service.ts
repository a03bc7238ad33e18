import type { Config } from '../../config.js';
import { encryptText, type KeyRing } from '../../platform/crypto.js';
import type { Database } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { switchPendingRail } from '../payouts/index.js';
import { type AchSettingsInput, validateAchSettings } from './settings.js';
import { type AchSettings, deleteAchSettings, findAchSettings, saveAchSettings } from './settings.repository.js';

export const NOT_SET_UP = 'Bank settings are not set up: an admin enters them in Settings → Bank.';

export interface AchSettingsView {
  configured: boolean;
  /** Why the rail is off, for the dashboard to say. */
  problems: string[];
  settings: (Omit<AchSettings, 'organizationId' | 'offsetAccountEncrypted'> & { timeZone: string }) | null;
}

const view = (settings: AchSettings | undefined, timeZone: string): AchSettingsView => {
  if (!settings) return { configured: false, problems: [NOT_SET_UP], settings: null };
  const { organizationId: _org, offsetAccountEncrypted: _sealed, ...shown } = settings;
  return { configured: true, problems: [], settings: { ...shown, timeZone } };
};

export async function getAchSettings(db: Database, organizationId: string, config: Pick<Config, 'achTimeZone'>): Promise<AchSettingsView> {
  return view(await findAchSettings(db, organizationId), config.achTimeZone);
}

/** Saves a whole form after checking every field; the offset account number is sealed and never shown again. */
export async function putAchSettings(
  db: Database,
  organizationId: string,
  body: unknown,
  by: string,
  keys: KeyRing,
  timeZone: string,
): Promise<AchSettingsView> {
  await db.transaction(async (tx) => {
    const stored = await findAchSettings(tx, organizationId, { lock: true });
    const checked = validateAchSettings(body, stored?.offsetAccountEncrypted != null);
    if (!checked.ok) {
      const [first] = checked.errors;
      throw new AppError('invalid_request', checked.errors.map((e) => e.message).join(' '), first!.param);
    }
    await saveAchSettings(tx, toStored(organizationId, checked.value, stored, keys), by);
  });
  return getAchSettings(db, organizationId, { achTimeZone: timeZone });
}

function toStored(organizationId: string, input: AchSettingsInput, stored: AchSettings | undefined, keys: KeyRing) {
  const { offsetAccountNumber, ...rest } = input;
  const keep = input.balanced && offsetAccountNumber === undefined;
  return {
    ...rest,
    organizationId,
    offsetAccountEncrypted: keep ? stored!.offsetAccountEncrypted : offsetAccountNumber ? encryptText(keys, offsetAccountNumber) : null,
    offsetAccountLast4: keep ? stored!.offsetAccountLast4 : offsetAccountNumber ? offsetAccountNumber.slice(-4) : null,
  };
}

/** Turns the rail off: pending ACH payouts go back to being paid by hand (files already cut stay). */
export async function deleteAchSettingsOf(db: Database, organizationId: string): Promise<AchSettingsView> {
  await db.transaction(async (tx) => {
    await findAchSettings(tx, organizationId, { lock: true });
    await deleteAchSettings(tx, organizationId);
    await switchPendingRail(tx, organizationId, 'ach', 'manual');
  });
  return view(undefined, '');
}

/**
 * The ACH_* variables preset the default organization's settings on start-up, once: settings that
 * already exist (entered in the dashboard) are left as they are. Invalid presets stop the start
 * with every problem named, never a half-configured rail.
 */
export async function presetAchSettings(db: Database, config: Readonly<Config>, organizationId: string): Promise<boolean> {
  if (!config.achOdfiRouting) return false;
  const checked = validateAchSettings(
    {
      odfiRouting: config.achOdfiRouting,
      immediateDestination: config.achImmediateDestination,
      immediateDestinationName: config.achDestinationName,
      immediateOrigin: config.achImmediateOrigin ?? config.achCompanyId,
      immediateOriginName: config.achOriginName,
      companyId: config.achCompanyId,
      companyName: config.achCompanyName,
      companyEntryDescription: config.achEntryDescription,
      balanced: config.achBalanced,
      offsetRoutingNumber: config.achOffsetRouting,
      offsetAccountNumber: config.achOffsetAccount,
      offsetAccountType: config.achOffsetAccountType,
      cutoffTime: config.achCutoff,
    },
    false,
  );
  if (!checked.ok) throw new Error(`Invalid ACH_* settings:\n  ${checked.errors.map((e) => `${e.param}: ${e.message}`).join('\n  ')}`);
  const keys = config.encryptionKeys;
  if (!keys) throw new Error('The ACH_* preset needs the encryption key (ENCRYPTION_KEY).');
  await saveAchSettings(db, toStored(organizationId, checked.value, undefined, keys), 'environment', { onlyIfNew: true });
  return true;
}
