/**
 * `dump --format c` under Bun runs with JavaScriptCore's optimising WebAssembly tier (OMG)
 * off. The C dumper's cores (format/c/dump-core.c, sort-core.c) are ~50 functions that each
 * run hot for a few milliseconds: JSC compiles most of them a third time, with B3, on its
 * one wasm compiler thread, and a one-shot dump is over before that pays back (measured on
 * vmlinux: sorted 137 -> 120 ms, unsorted 100 -> 89 ms, re-executing included; the raw
 * formatter and min-core run longer loops and are slower without it, so they keep it).
 * JSC reads its options only as the process starts, from BUN_JSC_* variables, so the
 * process re-executes itself once with BUN_JSC_useOMGJIT=0 (skipped when the variable is
 * set either way, so a user can override it). bin/btfkit.js does the same before it loads
 * the bundle; this copy serves the `bun build --compile` executable.
 */

/** True for `dump ... --format c` (the only command that re-executes). */
export function isDumpC(args: readonly string[]): boolean {
  if (args[0] !== 'dump') return false;
  for (let i = 1; i < args.length; i++) if (args[i] === '--format=c' || (args[i] === '--format' && args[i + 1] === 'c')) return true;
  return false;
}

type Execve = (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => never;

/** Re-execute this Bun process for `args` with the OMG tier off, where that is wanted and possible; returns otherwise. */
export function reexecWithoutOmg(args: readonly string[]): void {
  if (process.versions.bun === undefined || process.env.BUN_JSC_useOMGJIT !== undefined || !isDumpC(args)) return;
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (typeof execve !== 'function') return;
  const script = process.argv[1];
  // The compiled executable is its own script (/$bunfs/...): its arguments follow it directly.
  const argv = script === undefined || script.startsWith('/$bunfs/') ? [process.execPath, ...args] : [process.execPath, ...process.execArgv, script, ...args];
  try {
    execve.call(process, process.execPath, argv, { ...process.env, BUN_JSC_useOMGJIT: '0' });
  } catch {
    // No exec (a sandbox that forbids it): run here, with the tier on.
  }
}
