/**
 * The `btfkit` command as a function: `run(argv, io?)` runs one command line and gives its
 * exit code; importing this module runs nothing (the executable is cli/btfkit.ts). Each
 * subcommand lives in src/cli/commands/ and registers itself here; errors become one line
 * on stderr (exit 1, or 2 for usage mistakes).
 */

import { readFileSync } from 'node:fs';
import type { CliIo } from './common.js';

/** Set by scripts/bundle.mjs in the one-file CLI (undefined when run from dist/src). */
declare const BTFKIT_VERSION: string | undefined;
declare const BTFKIT_BUNDLED_HELP: string | undefined;

/** The version, from package.json only: built in by the bundler, else read beside dist/src. */
export const VERSION = typeof BTFKIT_VERSION === 'string' ? BTFKIT_VERSION : packageVersion();

function packageVersion(): string {
  // Unbundled, this file is dist/src/cli/main.js: package.json is three directories up.
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

/**
 * Run one btfkit command line (`argv` without the program name) and give its exit code: 0,
 * 1 (an error, or a finding such as invalid BTF), 2 (a usage mistake). Output goes to `io`
 * (default: the process's stdout and stderr); runs in one process take turns.
 */
export async function run(argv: readonly string[], io?: CliIo): Promise<number> {
  // Answered before the parser or any command is loaded: scripts run these to see that the
  // tool is there, and loading costs more than Node's own start-up.
  const only = argv.length === 1 ? argv[0] : undefined;
  if (only === '--version' || only === '-V') {
    (io?.stdout ?? process.stdout).write(`${VERSION}\n`);
    return 0;
  }
  if ((only === '--help' || only === '-h') && typeof BTFKIT_BUNDLED_HELP === 'string') {
    (io?.stdout ?? process.stdout).write(BTFKIT_BUNDLED_HELP);
    return 0;
  }
  const [{ Command, CommanderError }, { err, out, reportError, withIo }, { registerCommands }] = await Promise.all([
    import('commander'),
    import('./common.js'),
    import('./commands/index.js'),
  ]);
  return withIo(io, async () => {
    const program = new Command();
    program
      .name('btfkit')
      .description('BTF toolchain: dump, inspect, dedup, distill, relocate, check and minimize BPF Type Format data')
      .version(VERSION)
      .exitOverride()
      .configureOutput({
        writeOut: (s) => out(s),
        writeErr: (s) => err(s.endsWith('\n') ? s : s + '\n'),
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
      return 0;
    } catch (e) {
      if (e instanceof CommanderError) {
        // --help and --version are not errors; everything else commander reports is usage.
        if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
        return 2;
      }
      return reportError(e);
    }
  });
}
