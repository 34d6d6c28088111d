/**
 * Issue 4 figures: dedup of vmlinux and of the merged modules of a corpus build, btfkit
 * against libbpf (Debian libbpf-dev, the C harness of the conformance suite) in the same run:
 * btf__dedup alone vs dedup() alone (both in process, parsing excluded), and whole commands
 * (parse + dedup + write) with peak RSS.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dedup } from '../src/ops/dedup.js';
import { concatBtf } from '../src/ops/merge.js';
import { Btf } from '../src/wire/btf.js';
import { writeBtf } from '../src/wire/write.js';
import { sameNameChain } from '../test/hostile/inputs.js';
import { type Bench, type BenchRow, hasCommand, timeCommand, timeInProcess } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const CORPUS = process.env.BTF_CORPUS ?? join(homedir(), '.cache', 'btf-corpus');

function vmlinuxPath(): string | undefined {
  const env = process.env.BTFKIT_BENCH_VMLINUX;
  if (env) return env;
  if (existsSync('/sys/kernel/btf/vmlinux')) return '/sys/kernel/btf/vmlinux';
  const b = corpusBuild();
  return b ? join(b, 'vmlinux.btf') : undefined;
}

function corpusBuild(): string | undefined {
  if (!existsSync(CORPUS)) return undefined;
  const builds = readdirSync(CORPUS)
    .filter((b) => existsSync(join(CORPUS, b, '.done')))
    .sort((a, b) => Number(a.split('-')[2] ?? 0) - Number(b.split('-')[2] ?? 0));
  const last = builds[builds.length - 1];
  return last ? join(CORPUS, last) : undefined;
}

function compileHarness(dir: string): string | undefined {
  if (!hasCommand('cc') || !existsSync('/usr/include/bpf/btf.h')) return undefined;
  const exe = join(dir, 'libbpf-merge');
  execFileSync('cc', ['-O2', '-o', exe, join(repo, 'test', 'conformance', 'harness', 'libbpf-merge.c'), '-lbpf']);
  return exe;
}

/** libbpf: "types N" and the median btf__dedup time over `runs`. */
function libbpfDedup(exe: string, file: string, base: string | undefined, runs: number): { types: number; ms: number; cpuMs: number } {
  const out = execFileSync(exe, [...(base ? ['-B', base] : []), '-n', String(runs), file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const types = Number(/types (\d+)/.exec(out)?.[1]);
  const ms = Number(/dedup_ms ([\d.]+)/.exec(out)?.[1]);
  const cpuMs = Number(/dedup_cpu_ms ([\d.]+)/.exec(out)?.[1]);
  return { types, ms, cpuMs };
}

/** Process CPU time of each call of `fn` (JIT and GC threads included), median of the last `n`. */
function cpuOf(fn: () => void): { run: () => void; median: (n: number) => number } {
  const times: number[] = [];
  return {
    run: () => {
      const c0 = process.cpuUsage();
      fn();
      const c = process.cpuUsage(c0);
      times.push((c.user + c.system) / 1000);
    },
    median: (n) => {
      const s = times.slice(-n).sort((a, b) => a - b);
      return s[s.length >> 1] ?? NaN;
    },
  };
}

/**
 * Issue 15: chains of same-named typedefs and structs (each link on the one before), the
 * shape whose graph checks made dedup cubic. libbpf 1.1 deduplicates typedefs as reference
 * types (linear) but structs by graph equivalence, cubic too: it runs on the struct chains
 * only where it finishes in seconds.
 */
async function chainRows(dir: string, exe: string | undefined): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const kind of ['typedef', 'struct'] as const) {
    for (const depth of [1000, 2000, 10000, 100000]) {
      if (kind === 'typedef' && depth === 2000) continue;
      const bytes = sameNameChain(kind, depth);
      const file = join(dir, `chain-${kind}-${depth}.btf`);
      writeFileSync(file, bytes);
      const btf = Btf.parse(bytes);
      let types = 0;
      const ours = await timeInProcess(
        () => {
          types = dedup(btf).btf.nextId;
        },
        depth >= 100000 ? 3 : 5,
        1,
      );
      const peerFeasible = exe !== undefined && (kind === 'typedef' || depth <= 2000);
      const peer = peerFeasible ? libbpfDedup(exe!, file, undefined, kind === 'struct' ? 1 : 3) : undefined;
      rows.push({
        name: `dedup of a ${depth.toLocaleString('en')}-deep chain of same-named ${kind}s (in process)`,
        ours,
        ...(peer ? { peer: { name: 'libbpf 1.1 btf__dedup', ms: peer.ms } } : {}),
        goal: kind === 'struct' ? '< 1.0x (beat libbpf)' : 'linear',
        note: `type_cnt btfkit ${types}${peer ? `, libbpf ${peer.types}` : kind === 'struct' ? '; libbpf not run: cubic (16 s at 2,000)' : ''}`,
      });
    }
  }
  return rows;
}

const bench: Bench = {
  name: 'dedup',
  async run() {
    const vmlinux = vmlinuxPath();
    if (!vmlinux) return 'no vmlinux BTF (/sys/kernel/btf/vmlinux or a corpus build)';
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'btfkit-bench-dedup-'));
    try {
      const exe = compileHarness(dir);
      const btfkit = join(repo, 'bin', 'btfkit.js');
      const rows: BenchRow[] = [];

      // vmlinux
      const vBtf = Btf.parse(new Uint8Array(readFileSync(vmlinux)));
      let types = 0;
      const vCpu = cpuOf(() => {
        types = dedup(vBtf).btf.nextId;
      });
      const ours = await timeInProcess(vCpu.run, 10, 3);
      const peer = exe ? libbpfDedup(exe, vmlinux, undefined, 10) : undefined;
      rows.push({
        name: `dedup ${vmlinux} (in process, parse excluded)`,
        ours,
        ...(peer ? { peer: { name: 'libbpf 1.1 btf__dedup', ms: peer.ms } } : {}),
        goal: '<= 1.0x',
        note: `type_cnt btfkit ${types}${peer ? `, libbpf ${peer.types}` : ''}; CPU ms btfkit ${vCpu.median(10).toFixed(0)}${peer ? `, libbpf ${peer.cpuMs.toFixed(0)}` : ''}`,
      });
      if (exe) {
        rows.push({
          name: 'whole command: dedup vmlinux (parse + dedup + write)',
          ours: timeCommand(process.execPath, [btfkit, 'dedup', vmlinux, '-o', join(dir, 'ours.btf'), '--force', '-q'], 5),
          peer: { name: 'libbpf harness (btf__parse + btf__dedup + write)', ...timeCommand(exe, ['-o', join(dir, 'peer.btf'), vmlinux], 5) },
          goal: '<= 1.0x',
        });
      }

      // merged modules of a corpus build on its vmlinux
      const build = corpusBuild();
      if (build && existsSync(join(build, 'mods'))) {
        const baseFile = join(build, 'vmlinux.btf');
        const base = Btf.parse(new Uint8Array(readFileSync(baseFile)));
        const mods = readdirSync(join(build, 'mods'))
          .filter((f) => f.endsWith('.btf'))
          .sort()
          .map((f) => Btf.parse(new Uint8Array(readFileSync(join(build, 'mods', f))), { base, sanityCheck: false }));
        const merged = concatBtf(mods, base);
        const mergedFile = join(dir, 'merged.btf');
        writeFileSync(mergedFile, writeBtf(merged));
        let mTypes = 0;
        const mCpu = cpuOf(() => {
          mTypes = dedup(merged).btf.nextId;
        });
        const oursM = await timeInProcess(mCpu.run, 3, 1);
        const peerM = exe ? libbpfDedup(exe, mergedFile, baseFile, 3) : undefined;
        rows.push({
          name: `dedup of ${mods.length} modules of ${build.split('/').pop()} concatenated on vmlinux (${merged.typeCount} split types; in process)`,
          ours: oursM,
          ...(peerM ? { peer: { name: 'libbpf 1.1 btf__dedup', ms: peerM.ms } } : {}),
          goal: '<= 1.0x',
          note: `type_cnt btfkit ${mTypes}${peerM ? `, libbpf ${peerM.types} (1.1; 1.7 gives 530,975 on 6.1.0-50)` : ''}; CPU ms btfkit ${mCpu.median(3).toFixed(0)}${peerM ? `, libbpf ${peerM.cpuMs.toFixed(0)}` : ''}`,
        });
        if (exe) {
          rows.push({
            name: 'whole command: dedup of the merged modules (parse + dedup + write)',
            ours: timeCommand(process.execPath, [btfkit, 'dedup', mergedFile, '-B', baseFile, '-o', join(dir, 'ours-m.btf'), '--force', '-q'], 1),
            peer: { name: 'libbpf harness', ...timeCommand(exe, ['-B', baseFile, '-o', join(dir, 'peer-m.btf'), mergedFile], 1) },
            goal: '<= 1.0x',
          });
        }
      }
      rows.push(...(await chainRows(dir, exe)));
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
