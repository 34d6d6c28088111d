/**
 * Benchmark harness: every capability measures btfkit and its peer in the same run and
 * prints them side by side with the ratio (btfkit / peer; below 1 means btfkit is faster).
 * Whole commands are timed with /usr/bin/time for peak memory (Debian package `time`).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Measurement {
  /** Median wall time in milliseconds. */
  readonly ms: number;
  /** Peak resident memory in MiB, when measured. */
  readonly peakMiB?: number | undefined;
}

export interface BenchRow {
  readonly name: string;
  readonly ours: Measurement;
  readonly peer?: (Measurement & { readonly name: string }) | undefined;
  readonly goal?: string | undefined;
  readonly note?: string | undefined;
}

export interface Bench {
  readonly name: string;
  /** Rows, or a reason the bench cannot run here (missing peer or input). */
  run(): Promise<BenchRow[] | string>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
};

/**
 * Time an in-process function: warm-up runs, then the median of `runs`. Memory is the bench
 * process's peak RSS so far (process.resourceUsage().maxRSS, KiB): an upper bound for `fn`,
 * since benches that ran before it in this process count too.
 */
export async function timeInProcess(fn: () => unknown | Promise<unknown>, runs = 10, warmup = 3): Promise<Measurement> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(times), peakMiB: process.resourceUsage().maxRSS / 1024 };
}

/** One run of a whole command (stdout discarded): wall time, and its real peak RSS when /usr/bin/time is there. */
function runOnce(cmd: string, args: readonly string[]): Measurement {
  const useTime = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.slice(-500)}`);
  const kb = useTime ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { ms, ...(Number.isFinite(kb) ? { peakMiB: kb / 1024 } : {}) };
}

/** Time a whole command (stdout discarded): median wall time and max peak RSS over runs. */
export function timeCommand(cmd: string, args: string[], runs = 5): Measurement {
  return timeCommandsAlternating([{ cmd, args }], runs)[0]!;
}

export interface CommandLine {
  readonly cmd: string;
  readonly args: readonly string[];
}

/**
 * Time several whole commands in alternation (A B C, A B C, ...), so that load from other
 * processes falls on all of them alike: one discarded warm-up round (page cache), then the
 * median wall time of `runs` rounds and the highest peak RSS any run reached.
 */
export function timeCommandsAlternating(lines: readonly CommandLine[], runs = 7): Measurement[] {
  const times = lines.map(() => [] as number[]);
  const peaks = lines.map(() => undefined as number | undefined);
  for (let round = 0; round <= runs; round++) {
    lines.forEach((l, i) => {
      const m = runOnce(l.cmd, l.args);
      if (round === 0) return;
      times[i]!.push(m.ms);
      if (m.peakMiB !== undefined) peaks[i] = Math.max(peaks[i] ?? 0, m.peakMiB);
    });
  }
  return lines.map((_, i) => ({ ms: median(times[i]!), ...(peaks[i] !== undefined ? { peakMiB: peaks[i] } : {}) }));
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The repository root (this file runs as dist/bench/harness.js). */
export const REPO = join(fileURLToPath(import.meta.url), '..', '..', '..');

/**
 * The kernel's own BTF verifier as a peer: ../shared/oracles/kernel-btf-load.c compiled here
 * (BPF_BTF_LOAD needs root). Undefined when it cannot run on this machine.
 */
export function buildKernelBtfLoadOracle(): string | undefined {
  const src = join(REPO, '..', 'shared', 'oracles', 'kernel-btf-load.c');
  if (process.getuid?.() !== 0 || !existsSync(src) || !hasCommand('cc')) return undefined;
  const bin = join(mkdtempSync(join(tmpdir(), 'btfkit-bench-')), 'kernel-btf-load');
  return spawnSync('cc', ['-O2', '-o', bin, src]).status === 0 ? bin : undefined;
}

export function formatRows(bench: string, rows: BenchRow[]): string {
  const fmt = (m: Measurement): string => `${m.ms.toFixed(m.ms < 10 ? 2 : 1)} ms${m.peakMiB !== undefined ? `, ${m.peakMiB.toFixed(0)} MiB` : ''}`;
  return rows
    .map((r) => {
      const ratio = r.peer ? `  ratio ${(r.ours.ms / r.peer.ms).toFixed(2)}x` : '';
      const peer = r.peer ? `  | ${r.peer.name}: ${fmt(r.peer)}` : '';
      return `${bench} / ${r.name}: btfkit ${fmt(r.ours)}${peer}${ratio}${r.goal ? `  (goal ${r.goal})` : ''}${r.note ? `  [${r.note}]` : ''}`;
    })
    .join('\n');
}
