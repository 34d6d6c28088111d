/**
 * Whole commands as a user runs them, on the running kernel's vmlinux, each beside its peer
 * in the same run: btfkit under Node, under Bun, and as the `bun build --compile` executable
 * (built here by scripts/build-exe.mjs), every variant of a command timed in alternation (peer, node, bun,
 * exe, peer, node, ...) so load from other processes falls on all alike; medians of
 * BTFKIT_BENCH_RUNS (default 7) runs, peak RSS as /usr/bin/time reports it. With
 * BTFKIT_BENCH_BASELINE=DIR (a built checkout of another commit), that checkout's CLI runs in
 * the same alternation under Node and Bun: before/after figures from one run.
 * BTFKIT_BENCH_CASES picks cases by name.
 *
 * NODE_EXTRA_CA_CERTS (set on some machines, this one included) makes every Node process read
 * and parse those certificates before any JavaScript runs: ~45 ms here, more than
 * bpftool's whole min-core. When it is set, a last row times `node -e 0` with and without it,
 * and BTFKIT_BENCH_NODE_CA=unset runs every Node command without it (as most users run).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bench, type BenchRow, buildKernelBtfLoadOracle, type CommandLine, hasCommand, REPO, timeCommandsAlternating } from './harness.js';

const VMLINUX = process.env.BTFKIT_BENCH_VMLINUX ?? '/sys/kernel/btf/vmlinux';
const RUNS = Number(process.env.BTFKIT_BENCH_RUNS ?? 7);
const BIN = join(REPO, 'bin', 'btfkit.js');
const OBJ = join(REPO, 'fixtures', 'core', 'vmlinux_relocs.o');
/** BTFKIT_BENCH_CASES=min-core,info: only these cases (comma-separated names), to measure one change. */
const ONLY = process.env.BTFKIT_BENCH_CASES?.split(',');

/** Node as the bench runs it: without NODE_EXTRA_CA_CERTS when BTFKIT_BENCH_NODE_CA=unset. */
function nodeLine(args: readonly string[]): CommandLine {
  return process.env.BTFKIT_BENCH_NODE_CA === 'unset' ? withoutExtraCa({ cmd: process.execPath, args }) : { cmd: process.execPath, args };
}

function withoutExtraCa(line: CommandLine): CommandLine {
  return { cmd: 'env', args: ['-u', 'NODE_EXTRA_CA_CERTS', line.cmd, ...line.args] };
}

interface Runtime {
  readonly name: string;
  /** The command line that runs `btfkit ARGS`. */
  readonly line: (args: readonly string[]) => CommandLine;
  /** Goals from issue 13, by command. */
  readonly goals: Readonly<Record<string, string>>;
}

function runtimes(tmp: string): Runtime[] {
  const fast = { 'dump raw': '<= 0.6x', 'dump c sorted': '<= 1.5x', 'dump c unsorted': '<= 1.0x', 'min-core': '<= 1.5x' };
  const list: Runtime[] = [
    {
      name: 'node',
      line: (args) => nodeLine([BIN, ...args]),
      goals: { 'dump raw': '<= 1.3x', 'dump c sorted': '<= 3.0x', 'dump c unsorted': '<= 2.5x', 'min-core': '<= 3.0x', '--version': '<= 1.25x' },
    },
  ];
  const bun = [join(REPO, 'node_modules', '.bin', 'bun')].find(existsSync) ?? (hasCommand('bun') ? 'bun' : undefined);
  if (bun) list.push({ name: 'bun', line: (args) => ({ cmd: bun, args: [BIN, ...args] }), goals: fast });
  const baseline = process.env.BTFKIT_BENCH_BASELINE;
  if (baseline) {
    const old = join(baseline, 'bin', 'btfkit.js');
    list.push({ name: 'node, baseline', line: (args) => nodeLine([old, ...args]), goals: {} });
    if (bun) list.push({ name: 'bun, baseline', line: (args) => ({ cmd: bun, args: [old, ...args] }), goals: {} });
  }
  // The executable is built fresh from this tree's bundle (scripts/build-exe.mjs).
  const exe = join(tmp, 'btfkit');
  if (bun && spawnSync(process.execPath, [join(REPO, 'scripts', 'build-exe.mjs'), exe], { stdio: 'ignore' }).status === 0) {
    list.push({ name: 'exe', line: (args) => ({ cmd: exe, args }), goals: fast });
  }
  return list;
}

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly peer?: { readonly name: string } & CommandLine;
}

const bench: Bench = {
  name: 'commands',
  async run() {
    if (!existsSync(VMLINUX)) return `no ${VMLINUX}`;
    if (!hasCommand('bpftool')) return 'bpftool not installed';
    const tmp = mkdtempSync(join(tmpdir(), 'btfkit-commands-bench-'));
    try {
      const bpftoolC = { name: 'bpftool format c', cmd: 'bpftool', args: ['btf', 'dump', 'file', VMLINUX, 'format', 'c'] };
      const oracle = buildKernelBtfLoadOracle();
      const cases: Case[] = [
        { name: 'dump raw', args: ['dump', VMLINUX], peer: { name: 'bpftool format raw', cmd: 'bpftool', args: ['btf', 'dump', 'file', VMLINUX, 'format', 'raw'] } },
        { name: 'dump c sorted', args: ['dump', VMLINUX, '--format', 'c'], peer: bpftoolC },
        { name: 'dump c unsorted', args: ['dump', VMLINUX, '--format', 'c', '--unsorted'], peer: bpftoolC },
        { name: 'info', args: ['info', VMLINUX] },
        {
          name: 'min-core',
          args: ['min-core', OBJ, '--kernel', VMLINUX, '-o', join(tmp, 'ours.btf'), '--force'],
          peer: { name: 'bpftool gen min_core_btf', cmd: 'bpftool', args: ['gen', 'min_core_btf', VMLINUX, join(tmp, 'peer.btf'), OBJ] },
        },
        { name: 'check', args: ['check', VMLINUX], ...(oracle ? { peer: { name: 'kernel BPF_BTF_LOAD (oracle process)', cmd: oracle, args: [VMLINUX] } } : {}) },
        { name: '--version', args: ['--version'], peer: { name: 'node -e 0', ...nodeLine(['-e', '0']) } },
      ];
      const rts = runtimes(tmp);
      const rows: BenchRow[] = [];
      for (const c of cases) {
        if (ONLY && !ONLY.includes(c.name)) continue;
        const lines = [...(c.peer ? [c.peer] : []), ...rts.map((r) => r.line(c.args))];
        const ms = timeCommandsAlternating(lines, RUNS);
        const peer = c.peer ? { name: c.peer.name, ...ms[0]! } : undefined;
        rts.forEach((r, i) => {
          const goal = r.goals[c.name];
          rows.push({ name: `${c.name} [${r.name}]`, ours: ms[i + (c.peer ? 1 : 0)]!, peer, ...(goal ? { goal } : {}) });
        });
      }
      if (process.env.NODE_EXTRA_CA_CERTS !== undefined && process.env.BTFKIT_BENCH_NODE_CA !== 'unset') {
        const plain = { cmd: process.execPath, args: ['-e', '0'] };
        const [withCa, without] = timeCommandsAlternating([plain, withoutExtraCa(plain)], RUNS);
        rows.push({
          name: 'node start-up with NODE_EXTRA_CA_CERTS',
          ours: withCa!,
          peer: { name: 'node -e 0 without it', ...without! },
          note: 'every Node row above pays this; BTFKIT_BENCH_NODE_CA=unset runs them without it',
        });
      }
      return rows;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};

export default bench;
