// Key rotation from the command line: re-seal every encrypted value under the first key of
// ENCRYPTION_KEY, so the keys after it can be dropped. Each module re-seals its own columns.
import { reencryptAch } from '../modules/ach/index.js';
import { reencryptEmailAttachments } from '../modules/emails/index.js';
import { reencryptPayoutMethods } from '../modules/recipients/index.js';
import { reencryptTaxForms } from '../modules/tax-forms/index.js';
import { reencryptWebhookSecrets } from '../modules/webhooks/index.js';
import type { KeyRing } from '../platform/crypto.js';
import type { Executor } from '../platform/db/database.js';
import { encryptionKeysOf, withEncryptionKeys } from '../platform/encryption-key.js';
import { reencryptIdempotentAnswers } from '../platform/idempotency/idempotency.js';
import { AppError } from '../platform/http/errors.js';
import type { ResealReport } from '../platform/reseal.js';
import { type Command, withDatabase } from './command.js';

const DEFAULT_SLICE = 500;

/** Every module's re-sealing, in one place so that a new sealed column is not forgotten here. */
export async function reencryptEverything(ex: Executor, keys: KeyRing, sliceSize = DEFAULT_SLICE): Promise<ResealReport[]> {
  return [
    ...(await reencryptPayoutMethods(ex, keys, sliceSize)),
    ...(await reencryptAch(ex, keys, sliceSize)),
    ...(await reencryptWebhookSecrets(ex, keys, sliceSize)),
    ...(await reencryptTaxForms(ex, keys, sliceSize)),
    ...(await reencryptEmailAttachments(ex, keys, sliceSize)),
    ...(await reencryptIdempotentAnswers(ex, keys, sliceSize)),
  ];
}

export const encryptionCommands: Command[] = [
  {
    name: 'encryption re-encrypt',
    usage: 'encryption re-encrypt [--slice ROWS]',
    summary: 'Re-seal every encrypted value under the first key of ENCRYPTION_KEY (after adding a new key)',
    options: { slice: { type: 'string' } },
    run: ({ config, values, out, err }) =>
      withDatabase(config, async (db) => {
        const raw = (values.slice as string | undefined) ?? String(DEFAULT_SLICE);
        if (!/^[1-9]\d{0,5}$/.test(raw)) throw new AppError('invalid_request', '--slice must be a whole number of rows from 1 to 999999, e.g. --slice 500.');
        // After opening: the embedded database's folder holds the generated key.
        const keys = encryptionKeysOf(withEncryptionKeys(config));
        const reports = await reencryptEverything(db, keys, Number(raw));
        for (const r of reports) out(`${r.label}: ${r.resealed} re-sealed, ${r.remaining} not under key \`${keys.primaryId}\``);
        const remaining = reports.reduce((sum, r) => sum + r.remaining, 0);
        if (remaining > 0) {
          err(
            `${remaining} value(s) are still not under key \`${keys.primaryId}\` (written meanwhile by a process running with another first key?). ` +
              'Make sure every process runs with the new ENCRYPTION_KEY, then run this command again before dropping a key.',
          );
          return 1;
        }
        const others = keys.ids.filter((id) => id !== keys.primaryId);
        out(
          others.length > 0
            ? `Every encrypted value is under key \`${keys.primaryId}\`: the other key(s) (${others.join(', ')}) can be dropped from ENCRYPTION_KEY.`
            : `Every encrypted value is under key \`${keys.primaryId}\`.`,
        );
        return 0;
      }),
  },
];
