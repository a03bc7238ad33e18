import type { Executor } from '../../platform/db/database.js';
import type { AchSettingsInput } from './settings.js';

export interface AchSettings extends Omit<AchSettingsInput, 'offsetAccountNumber'> {
  organizationId: string;
  offsetAccountEncrypted: string | null;
  offsetAccountLast4: string | null;
  updatedAt: Date;
}

interface SettingsRow {
  organization_id: string;
  odfi_routing: string;
  immediate_destination: string;
  immediate_destination_name: string;
  immediate_origin: string;
  immediate_origin_name: string;
  company_id: string;
  company_name: string;
  company_entry_description: string;
  balanced: boolean;
  offset_routing_number: string | null;
  offset_account_encrypted: string | null;
  offset_account_last4: string | null;
  offset_account_type: 'checking' | 'savings' | null;
  cutoff_time: string;
  updated_at: Date;
}

const toSettings = (r: SettingsRow): AchSettings => ({
  organizationId: r.organization_id,
  odfiRouting: r.odfi_routing,
  immediateDestination: r.immediate_destination,
  immediateDestinationName: r.immediate_destination_name,
  immediateOrigin: r.immediate_origin,
  immediateOriginName: r.immediate_origin_name,
  companyId: r.company_id,
  companyName: r.company_name,
  companyEntryDescription: r.company_entry_description,
  balanced: r.balanced,
  offsetRoutingNumber: r.offset_routing_number,
  offsetAccountEncrypted: r.offset_account_encrypted,
  offsetAccountLast4: r.offset_account_last4,
  offsetAccountType: r.offset_account_type,
  cutoffTime: r.cutoff_time,
  updatedAt: r.updated_at,
});

/** The organization's settings; `lock` serializes the cuts of one organization (file id modifiers). */
export async function findAchSettings(ex: Executor, organizationId: string, options: { lock?: boolean } = {}): Promise<AchSettings | undefined> {
  const rows = await ex.query<SettingsRow>(`select * from ach_settings where organization_id = $1 ${options.lock ? 'for update' : ''}`, [organizationId]);
  return rows[0] && toSettings(rows[0]);
}

export async function listOrganizationsWithAch(ex: Executor): Promise<string[]> {
  const rows = await ex.query<{ organization_id: string }>('select organization_id from ach_settings order by organization_id');
  return rows.map((r) => r.organization_id);
}

export type StoredSettings = Omit<AchSettings, 'updatedAt'>;

/** Inserts or replaces; `onlyIfNew` leaves existing settings alone (the ACH_* preset at start-up). */
export async function saveAchSettings(ex: Executor, s: StoredSettings, updatedBy: string, options: { onlyIfNew?: boolean } = {}): Promise<void> {
  await ex.query(
    `insert into ach_settings (organization_id, odfi_routing, immediate_destination, immediate_destination_name, immediate_origin,
       immediate_origin_name, company_id, company_name, company_entry_description, balanced, offset_routing_number,
       offset_account_encrypted, offset_account_last4, offset_account_type, cutoff_time, updated_at, updated_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now(), $16)
     on conflict (organization_id) do ${
       options.onlyIfNew
         ? 'nothing'
         : `update set odfi_routing = excluded.odfi_routing, immediate_destination = excluded.immediate_destination,
       immediate_destination_name = excluded.immediate_destination_name, immediate_origin = excluded.immediate_origin,
       immediate_origin_name = excluded.immediate_origin_name, company_id = excluded.company_id, company_name = excluded.company_name,
       company_entry_description = excluded.company_entry_description, balanced = excluded.balanced,
       offset_routing_number = excluded.offset_routing_number, offset_account_encrypted = excluded.offset_account_encrypted,
       offset_account_last4 = excluded.offset_account_last4, offset_account_type = excluded.offset_account_type,
       cutoff_time = excluded.cutoff_time, updated_at = now(), updated_by = excluded.updated_by`
     }`,
    [
      s.organizationId,
      s.odfiRouting,
      s.immediateDestination,
      s.immediateDestinationName,
      s.immediateOrigin,
      s.immediateOriginName,
      s.companyId,
      s.companyName,
      s.companyEntryDescription,
      s.balanced,
      s.offsetRoutingNumber,
      s.offsetAccountEncrypted,
      s.offsetAccountLast4,
      s.offsetAccountType,
      s.cutoffTime,
      updatedBy,
    ],
  );
}

export async function deleteAchSettings(ex: Executor, organizationId: string): Promise<boolean> {
  const rows = await ex.query<{ organization_id: string }>('delete from ach_settings where organization_id = $1 returning organization_id', [organizationId]);
  return rows.length > 0;
}
