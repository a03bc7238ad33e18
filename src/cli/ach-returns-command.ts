import { readFile } from 'node:fs/promises';
import { applyReturnFile, type ReturnFileReport } from '../modules/ach/index.js';
import { resolveOrganization } from '../modules/organizations/index.js';
import { withEncryptionKeys } from '../platform/encryption-key.js';
import { AppError } from '../platform/http/errors.js';
import { recipientContextFor } from '../recipient-reactions.js';
import { type Command, withDatabase } from './command.js';

/** The report, one line per entry: what happened to it and to which payout. */
export function formatReturnReport(report: ReturnFileReport): string[] {
  const lines = [`${report.returns.length} returns, ${report.corrections.length} corrections, ${report.unmatched.length} unmatched.`];
  for (const r of report.returns) lines.push(`line ${r.line}\t${r.code}\ttrace ${r.traceNumber}\tpayout ${r.payoutId}\t${r.outcome}`);
  for (const c of report.corrections) lines.push(`line ${c.line}\t${c.code}\ttrace ${c.traceNumber}\tpayout ${c.payoutId}\t${c.outcome}`);
  for (const u of report.unmatched) lines.push(`line ${u.line}\t${u.code}\ttrace ${u.traceNumber}\tunmatched: ${u.why}`);
  return lines;
}

export const achReturnsCommand: Command = {
  name: 'ach returns',
  usage: 'ach returns FILE [--org ID]',
  summary: 'Apply the bank’s return / notification-of-change file to the organization’s payouts',
  options: { org: { type: 'string' } },
  async run({ config: configured, values, positionals, out }) {
    const path = positionals[0];
    if (!path) throw new AppError('invalid_request', 'Name the file the bank sent: payouts ach returns FILE.');
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new AppError('invalid_request', `Cannot read ${path} (${error.code ?? error.message}).`);
    });
    return withDatabase(configured, async (db) => {
      // Corrected account numbers are sealed with the installation's key, as the server does.
      const config = withEncryptionKeys(configured);
      const organization = await resolveOrganization(db, values.org as string | undefined);
      const report = await applyReturnFile(db, { organizationId: organization.id, environment: 'production' }, text, recipientContextFor(config));
      for (const line of formatReturnReport(report)) out(line);
      return 0;
    });
  },
};
