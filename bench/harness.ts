/**
 * Benchmark harness: every capability measures btfkit and its peer in the same run and
 * prints them side by side with the ratio (btfkit / peer; below 1 means btfkit is faster).
 * Whole commands are timed with /usr/bin/time for peak memory (Debian package `time`).
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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

/** Time an in-process function: warm-up runs, then the median of `runs`. */
export async function timeInProcess(fn: () => unknown | Promise<unknown>, runs = 10, warmup = 3): Promise<Measurement> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(times), peakMiB: process.memoryUsage().rss / (1 << 20) };
}

/** Time a whole command (stdout discarded): median wall time and max peak RSS over runs. */
export function timeCommand(cmd: string, args: string[], runs = 5): Measurement {
  const useTime = existsSync('/usr/bin/time');
  const times: number[] = [];
  let peak = 0;
  for (let i = 0; i < runs + 1; i++) {
    const t0 = process.hrtime.bigint();
    const r = useTime
      ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 })
      : spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.slice(-500)}`);
    if (i === 0) continue; // warm-up: page cache, JIT of nothing, same for both sides
    times.push(ms);
    if (useTime) {
      const kb = Number(r.stderr.trim().split('\n').pop());
      if (Number.isFinite(kb)) peak = Math.max(peak, kb / 1024);
    }
  }
  return { ms: median(times), ...(useTime ? { peakMiB: peak } : {}) };
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
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
