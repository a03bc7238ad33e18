// The ACH rail's sealed values, re-sealed under the first key after a rotation: the offset account
// of balanced files, each file's text, and the account number each entry was sent to.
import type { Executor } from '../../platform/db/database.js';
import type { KeyRing } from '../../platform/crypto.js';
import { type ResealReport, resealColumn, type SealedColumn } from '../../platform/reseal.js';

const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    label: 'ach_settings.offset_account_encrypted',
    table: 'ach_settings',
    key: [{ column: 'organization_id', type: 'uuid' }],
    column: 'offset_account_encrypted',
  },
  {
    label: 'ach_file_chunks.content_encrypted',
    table: 'ach_file_chunks',
    key: [
      { column: 'file_id', type: 'uuid' },
      { column: 'seq', type: 'integer' },
    ],
    column: 'content_encrypted',
  },
  { label: 'ach_entries.account_number_encrypted', table: 'ach_entries', key: [{ column: 'id', type: 'uuid' }], column: 'account_number_encrypted' },
];

/** `payouts encryption re-encrypt`: every sealed ACH value under the first key, one table after the other. */
export async function reencryptAch(ex: Executor, keys: KeyRing, sliceSize?: number): Promise<ResealReport[]> {
  const reports: ResealReport[] = [];
  for (const spec of SEALED_COLUMNS) reports.push(await resealColumn(ex, keys, spec, { sliceSize }));
  return reports;
}
