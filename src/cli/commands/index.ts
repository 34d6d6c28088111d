import type { Command } from 'commander';

/**
 * Every subcommand, in the order `btfkit --help` lists them. Command modules pull in their
 * operations (C dumper, dedup, CO-RE, ...), so only the module of the command being run is
 * loaded: start-up is most of a short command's time in Node.
 */
export interface CommandGroup {
  readonly names: readonly string[];
  /**
   * The module of commands/ that `load` imports (`core` for ./core.js): scripts/bundle.mjs
   * builds a CLI bundle holding only this group's module for the commands it runs most.
   */
  readonly module: string;
  /** The group's register function: every command of the group, or only the one named. */
  readonly load: () => Promise<(program: Command, command?: string) => void>;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ['dump'], module: 'dump', load: async () => (await import('./dump.js')).registerDump },
  { names: ['explore'], module: 'explore', load: async () => (await import('./explore.js')).registerExplore },
  { names: ['layout'], module: 'layout', load: async () => (await import('./layout.js')).registerLayout },
  { names: ['info'], module: 'info', load: async () => (await import('./info.js')).registerInfo },
  { names: ['check', 'sanitize'], module: 'check', load: async () => (await import('./check.js')).registerCheck },
  { names: ['dedup', 'merge'], module: 'dedup', load: async () => (await import('./dedup.js')).registerDedup },
  { names: ['distill', 'relocate', 'standalone', 'check-module'], module: 'module', load: async () => (await import('./module.js')).registerModule },
  { names: ['diff', 'where'], module: 'diff', load: async () => (await import('./diff.js')).registerDiff },
  { names: ['core', 'min-core', 'vmlinux-split'], module: 'core', load: async () => (await import('./core.js')).registerCore },
  { names: ['encode'], module: 'encode', load: async () => (await import('./encode.js')).registerEncode },
];

/** Register what `argv` needs: the named command (of its group), or every command (help, typos). */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const first = argv.find((a) => !a.startsWith('-'));
  const group = COMMAND_GROUPS.find((g) => first !== undefined && g.names.includes(first));
  if (group) (await group.load())(program, first);
  else for (const g of COMMAND_GROUPS) (await g.load())(program);
}
