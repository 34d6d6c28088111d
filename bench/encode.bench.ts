/**
 * Issue 12 figures: `btfkit encode` against `pahole -J -j1` (dwarves 1.24) on the same file in
 * the same run, whole commands with peak RSS: the 6.1.0-50 vmlinux from the -dbg package
 * (scripts/fetch-debian-dbg.sh) with Debian's features, and modules on the shipped vmlinux
 * BTF (ext4, nf_tables, kvm, e1000e, btrfs: small to large), under Node and under Bun. pahole writes detached output
 * (--btf_encode_detached), so neither side rewrites its input.
 *
 * BTFKIT_BENCH_ENCODE_MODULES=ext4,kvm picks the modules (empty: none);
 * BTFKIT_BENCH_ENCODE_VMLINUX=0 leaves the vmlinux row out (a minute of the run).
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bench, type BenchRow, hasCommand, timeCommand, timeCommandsAlternating } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const CORPUS = process.env.BTF_CORPUS ?? join(homedir(), '.cache', 'btf-corpus');
const BUILD = '6.1.0-50-amd64';

const bench: Bench = {
  name: 'encode',
  async run() {
    const dbg = join(CORPUS, `${BUILD}-dbg`);
    const shipped = join(CORPUS, BUILD);
    if (!existsSync(join(dbg, '.done'))) return `no ${dbg} (scripts/fetch-debian-dbg.sh)`;
    if (!hasCommand('pahole')) return 'no pahole (Debian package dwarves)';
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'btfkit-bench-encode-'));
    const btfkit = join(repo, 'bin', 'btfkit.js');
    const runs = Number(process.env.BTFKIT_BENCH_ENCODE_RUNS ?? 3);
    const bun = [join(repo, 'node_modules', '.bin', 'bun')].find(existsSync) ?? (hasCommand('bun') ? 'bun' : undefined);
    try {
      const rows: BenchRow[] = [];
      const vmlinux = join(dbg, 'vmlinux');
      if (process.env.BTFKIT_BENCH_ENCODE_VMLINUX !== '0') {
        rows.push({
          name: `vmlinux ${BUILD} (DWARF 5, 2,350 units) → BTF, features of Debian's build`,
          ours: timeCommand(process.execPath, [btfkit, 'encode', vmlinux, '--features', 'pahole-1.24', '-o', join(dir, 'ours.btf'), '--force'], runs),
          peer: { name: 'pahole 1.24 -J -j1 --btf_gen_floats', ...timeCommand('pahole', ['-J', '-j1', '--btf_gen_floats', '--btf_encode_detached', join(dir, 'pahole.btf'), vmlinux], runs) },
          goal: '<= 1.0x wall, <= 1.5x memory',
        });
      }
      const modules = (process.env.BTFKIT_BENCH_ENCODE_MODULES ?? 'ext4,nf_tables,kvm,e1000e,btrfs').split(',').filter((m) => m !== '');
      for (const name of modules) {
        const ko = join(dbg, 'modules', `${name}.ko`);
        if (!existsSync(ko)) continue;
        // Alternating runs: load from other processes falls on both sides alike. Under Bun
        // too where the package's Bun is installed (the runtime for one-shot commands).
        const encode = (out: string): string[] => [btfkit, 'encode', ko, '-B', join(shipped, 'vmlinux.btf'), '--features', 'pahole-1.24', '--detached', '-o', join(dir, out), '--force'];
        const [peer, ours, underBun] = timeCommandsAlternating(
          [
            { cmd: 'pahole', args: ['-J', '-j1', '--btf_gen_floats', '--btf_base', join(shipped, 'vmlinux'), '--btf_encode_detached', join(dir, `${name}.pahole.btf`), ko] },
            { cmd: process.execPath, args: encode(`${name}.btf`) },
            ...(bun ? [{ cmd: bun, args: encode(`${name}.bun.btf`) }] : []),
          ],
          runs * 2,
        );
        const paholeRow = { name: 'pahole 1.24 -J -j1 --btf_gen_floats --btf_base', ...peer! };
        rows.push({ name: `${name}.ko → split BTF on the shipped vmlinux BTF (raw)`, ours: ours!, peer: paholeRow, goal: '<= 1.0x' });
        if (underBun) rows.push({ name: `${name}.ko, the same under Bun`, ours: underBun, peer: paholeRow });
      }
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
