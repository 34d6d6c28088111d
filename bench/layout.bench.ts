/**
 * Issue 11 figures: whole-command `btfkit layout FILE` against `pahole -F btf FILE` (same
 * text, byte for byte) on the running kernel's vmlinux, wall time and peak memory from the
 * same run; plus the formatter alone in process.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPahole } from '../src/format/pahole.js';
import { Btf } from '../src/wire/btf.js';
import { type Bench, type BenchRow, hasCommand, timeCommand, timeInProcess } from './harness.js';

const VMLINUX = process.env.BTFKIT_BENCH_VMLINUX ?? '/sys/kernel/btf/vmlinux';
const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', '..', 'bin', 'btfkit.js');

const bench: Bench = {
  name: 'layout',
  async run() {
    if (!existsSync(VMLINUX)) return `no ${VMLINUX}`;
    const rows: BenchRow[] = [];
    const ours = timeCommand(process.execPath, [BIN, 'layout', VMLINUX], 5);
    const theirs = hasCommand('pahole') ? timeCommand('pahole', ['-F', 'btf', VMLINUX], 5) : undefined;
    rows.push({ name: `layout ${VMLINUX} (whole command)`, ours, peer: theirs ? { name: 'pahole -F btf', ...theirs } : undefined });
    const bytes = new Uint8Array(readFileSync(VMLINUX));
    rows.push({ name: 'parse + every layout in process (no peer)', ours: await timeInProcess(() => formatPahole(Btf.parse(bytes)).text.length, 5, 2) });
    return rows;
  },
};

export default bench;
