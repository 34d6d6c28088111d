/**
 * `btfkit encode` with the default features (pahole's current default set: parameters'
 * locations read for the register rule, clones taken by their suffixed symbols, functions
 * sorted) against pahole 1.30 `-J -j1 --btf_features=default` on the same file in the same
 * run, whole commands with peak RSS: modules of the 6.1.0-50 -dbg build on the shipped vmlinux
 * BTF, and the vmlinux itself. pahole 1.30 is Debian trixie's (scripts/fetch-pahole-trixie.sh).
 *
 * BTFKIT_BENCH_ENCODE_MODULES=ext4,kvm picks the modules (empty: none);
 * BTFKIT_BENCH_ENCODE_VMLINUX=0 leaves the vmlinux row out.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bench, type BenchRow, timeCommand, timeCommandsAlternating } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const CORPUS = process.env.BTF_CORPUS ?? join(homedir(), '.cache', 'btf-corpus');
const BUILD = '6.1.0-50-amd64';
const PAHOLE = process.env.PAHOLE_130 ?? join(CORPUS, 'pahole-1.30', 'pahole');

const bench: Bench = {
  name: 'encode-default',
  async run() {
    const dbg = join(CORPUS, `${BUILD}-dbg`);
    const shipped = join(CORPUS, BUILD);
    if (!existsSync(join(dbg, '.done'))) return `no ${dbg} (scripts/fetch-debian-dbg.sh)`;
    if (!existsSync(PAHOLE)) return `no ${PAHOLE} (scripts/fetch-pahole-trixie.sh)`;
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'btfkit-bench-encode130-'));
    const btfkit = join(repo, 'bin', 'btfkit.js');
    const runs = Number(process.env.BTFKIT_BENCH_ENCODE_RUNS ?? 3);
    try {
      const rows: BenchRow[] = [];
      if (process.env.BTFKIT_BENCH_ENCODE_VMLINUX !== '0') {
        const vmlinux = join(dbg, 'vmlinux');
        rows.push({
          name: `vmlinux ${BUILD} → BTF, default features`,
          ours: timeCommand(process.execPath, [btfkit, 'encode', vmlinux, '-o', join(dir, 'ours.btf'), '--force'], runs),
          // pahole 1.30 does not truncate an existing output file: a new name each run.
          peer: { name: 'pahole 1.30 -J -j1 --btf_features=default', ...timeCommand('sh', ['-c', `rm -f "$1" && exec "$0" -J -j1 --btf_features=default --btf_encode_detached "$1" "$2"`, PAHOLE, join(dir, 'pahole.btf'), vmlinux], runs) },
          goal: '<= 1.0x wall, <= 1.5x memory',
        });
      }
      const modules = (process.env.BTFKIT_BENCH_ENCODE_MODULES ?? 'ext4,nf_tables,kvm,btrfs').split(',').filter((m) => m !== '');
      for (const name of modules) {
        const ko = join(dbg, 'modules', `${name}.ko`);
        if (!existsSync(ko)) continue;
        const out = join(dir, `${name}.pahole.btf`);
        const [ours, peer] = timeCommandsAlternating(
          [
            { cmd: process.execPath, args: [btfkit, 'encode', ko, '-B', join(shipped, 'vmlinux.btf'), '--detached', '-o', join(dir, `${name}.btf`), '--force'] },
            { cmd: 'sh', args: ['-c', `rm -f "$1" && exec "$0" -J -j1 --btf_features=default --btf_base "$2" --btf_encode_detached "$1" "$3"`, PAHOLE, out, join(shipped, 'vmlinux.btf'), ko] },
          ],
          runs * 2,
        );
        rows.push({
          name: `${name}.ko → split BTF, default features`,
          ours: ours!,
          peer: { name: 'pahole 1.30 -J -j1 --btf_features=default --btf_base', ...peer! },
          goal: '<= 1.0x',
        });
      }
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
