/**
 * Issue 3 figures: whole-command `btfkit dump FILE --format c` against
 * `bpftool btf dump file FILE format c` on the running kernel's vmlinux (sorted, the
 * default, and --unsorted / `unsorted`), wall time and peak memory from the same run; plus
 * the in-process time of the dumper alone.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatVmlinuxHBytes } from '../src/format/c/index.js';
import { Btf } from '../src/wire/btf.js';
import { type Bench, type BenchRow, hasCommand, timeCommand, timeInProcess } from './harness.js';

const VMLINUX = process.env.BTFKIT_BENCH_VMLINUX ?? '/sys/kernel/btf/vmlinux';
const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', '..', 'bin', 'btfkit.js');

const bench: Bench = {
  name: 'format-c',
  async run() {
    if (!existsSync(VMLINUX)) return `no ${VMLINUX}`;
    const rows: BenchRow[] = [];
    const peer = hasCommand('bpftool');
    for (const unsorted of [false, true]) {
      const ours = timeCommand(process.execPath, [BIN, 'dump', VMLINUX, '--format', 'c', ...(unsorted ? ['--unsorted'] : [])], 7);
      // bpftool here is Debian's 7.1: its `format c` is id order (no `unsorted` keyword, no sort).
      const theirs = peer ? timeCommand('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], 7) : undefined;
      rows.push({
        name: `dump ${VMLINUX} --format c${unsorted ? ' --unsorted' : ''} (whole command)`,
        ours,
        peer: theirs ? { name: 'bpftool format c', ...theirs } : undefined,
        goal: '<= 1.2x wall',
        note: unsorted ? 'same work as bpftool 7.1 (id order)' : 'btfkit also sorts (bpftool 7.8 default); bpftool 7.1 does not',
      });
    }
    const bytes = new Uint8Array(readFileSync(VMLINUX));
    const inproc = await timeInProcess(() => formatVmlinuxHBytes(Btf.parse(bytes)), 10, 3);
    rows.push({ name: 'parse + sort + dump in process (no peer)', ours: inproc });
    return rows;
  },
};

export default bench;
