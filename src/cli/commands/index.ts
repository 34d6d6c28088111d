import type { Command } from 'commander';

/**
 * Every subcommand, in the order `btfkit --help` lists them. Command modules pull in their
 * operations (C dumper, dedup, CO-RE, ...), so only the module of the command being run is
 * loaded: start-up is most of a short command's time in Node.
 */
export interface CommandGroup {
  readonly names: readonly string[];
  readonly load: () => Promise<(program: Command) => void>;
}

const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ['dump'], load: async () => (await import('./dump.js')).registerDump },
  { names: ['explore'], load: async () => (await import('./explore.js')).registerExplore },
  { names: ['layout'], load: async () => (await import('./layout.js')).registerLayout },
  { names: ['info'], load: async () => (await import('./info.js')).registerInfo },
  { names: ['check', 'sanitize'], load: async () => (await import('./check.js')).registerCheck },
  { names: ['dedup', 'merge'], load: async () => (await import('./dedup.js')).registerDedup },
  { names: ['distill', 'relocate', 'standalone', 'check-module'], load: async () => (await import('./module.js')).registerModule },
  { names: ['diff', 'where'], load: async () => (await import('./diff.js')).registerDiff },
  { names: ['core', 'min-core', 'vmlinux-split'], load: async () => (await import('./core.js')).registerCore },
  { names: ['encode'], load: async () => (await import('./encode.js')).registerEncode },
];

/** Register the groups needed for `argv`: the named command's, or all (help, typos). */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const first = argv.find((a) => !a.startsWith('-'));
  const group = COMMAND_GROUPS.find((g) => first !== undefined && g.names.includes(first));
  for (const g of group ? [group] : COMMAND_GROUPS) (await g.load())(program);
}
