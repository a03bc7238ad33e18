// The ACH rail from the command line: cut a bank file (the scheduled cut's manual twin).
import { cutFile } from '../modules/ach/index.js';
import { resolveOrganization } from '../modules/organizations/index.js';
import { encryptionKeysOf, withEncryptionKeys } from '../platform/encryption-key.js';
import { formatMoney } from '../platform/money.js';
import { type Command, withDatabase } from './command.js';

export const achCommands: Command[] = [
  {
    name: 'ach cut',
    usage: 'ach cut [--org ID]',
    summary: "Cut a NACHA bank file of the organization's pending ACH payouts",
    options: { org: { type: 'string' } },
    run: ({ config, values, out }) =>
      withDatabase(config, async (db) => {
        // After opening: the embedded database's folder holds the generated key.
        const keys = encryptionKeysOf(withEncryptionKeys(config));
        const organization = await resolveOrganization(db, values.org as string | undefined);
        const file = (await cutFile(db, organization.id, { keys, timeZone: config.achTimeZone, leaseSeconds: config.leaseSeconds, by: 'cli' }))!;
        out(
          `Cut bank file ${file.id}: ${file.payoutCount} payout(s), ${formatMoney(file.creditTotal, 'USD')}, effective ${file.effectiveDate}. Download it from the dashboard's Bank files page or GET /ach/files/${file.id}/download, then mark it sent.`,
        );
        return 0;
      }),
  },
];
