import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { DataDirPermissionError } from '../platform/db/data-dir.js';
import { DataDirInUseError } from '../platform/db/data-dir-lock.js';
import { MigrationError } from '../platform/db/migrate.js';
import { AppError } from '../platform/http/errors.js';
import { COMMANDS, type Command } from './commands.js';

export const USAGE = `Usage: payouts <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.usage.padEnd(58)} ${c.summary}`).join('\n')}

Configuration comes from the environment (PORT, DATABASE_URL, DATA_DIR, ...): see the README.`;

/** Errors a user can act on: printed as one sentence, never as a stack trace. */
const EXPECTED_ERRORS = [AppError, ConfigError, DataDirInUseError, DataDirPermissionError, MigrationError];

export async function runCli(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const command = findCommand(argv);
  if (!command) {
    if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0]!)) {
      out(USAGE);
      return 0;
    }
    err(`Unknown command: ${argv.slice(0, 2).join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  try {
    const { values, positionals } = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
    const config = loadConfig();
    return await command.run({ config, values: values as Record<string, string | boolean | undefined>, positionals, out, err });
  } catch (error) {
    if (EXPECTED_ERRORS.some((type) => error instanceof type) || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`Error: ${(error as Error).message}`);
      if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) err(`Usage: payouts ${command.usage}`);
      return 1;
    }
    err(`Error: ${(error as Error).message ?? String(error)}`);
    return 1;
  }
}

function findCommand(argv: string[]): Command | undefined {
  const two = argv.slice(0, 2).join(' ');
  return COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]);
}
