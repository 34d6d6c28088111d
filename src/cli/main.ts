#!/usr/bin/env node
/**
 * The `btfkit` command. Each subcommand lives in src/cli/commands/ and registers itself
 * here; errors become one line on stderr (exit 1, or 2 for usage mistakes).
 */

import { Command, CommanderError } from 'commander';
import { reportError } from './common.js';
import { registerCommands } from './commands/index.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('btfkit')
    .description('BTF toolchain: dump, inspect, dedup, distill, relocate, check and minimize BPF Type Format data')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
      // One prefix for every error, commander's own included.
      outputError: (s, write) => write(s.replace(/^error: /, 'btfkit: ')),
    })
    .showHelpAfterError(false);
  await registerCommands(program, argv);
  if (argv.length === 0) {
    // Bare `btfkit` is a usage mistake: usage on stderr, exit 2.
    program.outputHelp({ error: true });
    return 2;
  }
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command may set a non-zero status without throwing (`check`: 1 = invalid BTF).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version are not errors; everything else commander reports is usage.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    return reportError(e);
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
