// Email attachments (the masked tax form PDF), re-sealed under the first key after a rotation.
import type { KeyRing } from '../../platform/crypto.js';
import type { Executor } from '../../platform/db/database.js';
import { type ResealReport, resealColumn, type SealedColumn } from '../../platform/reseal.js';

const ATTACHMENTS: SealedColumn = {
  label: 'email_attachments.content_encrypted',
  table: 'email_attachments',
  key: [
    { column: 'email_id', type: 'uuid' },
    { column: 'position', type: 'integer' },
  ],
  column: 'content_encrypted',
};

/** `payouts encryption re-encrypt`: every stored attachment sealed under the first key. */
export const reencryptEmailAttachments = async (ex: Executor, keys: KeyRing, sliceSize?: number): Promise<ResealReport[]> => [
  await resealColumn(ex, keys, ATTACHMENTS, { sliceSize }),
];
