/**
 * Issue 2 figures: parse + index + iterate vmlinux in process (btfkit vs libbpf, both
 * reading the file), and the whole `btfkit dump` raw against `bpftool btf dump ... format raw`.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Btf } from '../src/wire/btf.js';
import { type Bench, type BenchRow, hasCommand, timeCommand, timeInProcess } from './harness.js';

const VMLINUX = process.env.BTFKIT_BENCH_VMLINUX ?? '/sys/kernel/btf/vmlinux';
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

function libbpfParseMs(path: string, runs: number): number | undefined {
  if (!hasCommand('cc') || !existsSync('/usr/include/bpf/btf.h')) return undefined;
  const exe = join(tmpdir(), 'btfkit-bench-libbpf-parse');
  execFileSync('cc', ['-O2', '-o', exe, join(repo, 'bench', 'c', 'libbpf-parse.c'), '-lbpf']);
  return Number(execFileSync(exe, [path, String(runs)], { encoding: 'utf8' }).split(' ')[0]);
}

const bench: Bench = {
  name: 'reader',
  async run() {
    if (!existsSync(VMLINUX)) return `no ${VMLINUX}`;
    const rows: BenchRow[] = [];
    let sink = 0;
    const ours = await timeInProcess(
      () => {
        const btf = Btf.parse(new Uint8Array(readFileSync(VMLINUX)));
        for (let id = 1; id < btf.nextId; id++) sink += btf.kind(id) + btf.vlen(id) + btf.nameOff(id);
      },
      30,
      5,
    );
    const peerMs = libbpfParseMs(VMLINUX, 30);
    rows.push({
      name: 'parse+index+iterate vmlinux (in process)',
      ours,
      ...(peerMs !== undefined ? { peer: { name: 'libbpf btf__parse + btf__type_by_id', ms: peerMs } } : {}),
      goal: '<= 5 ms',
      note: `${sink > 0 ? 'sanity-checked like libbpf' : ''}`,
    });
    const bytes = new Uint8Array(readFileSync(VMLINUX));
    rows.push({
      name: 'parse+index+iterate, file already in memory, lazy checks (sanityCheck: false)',
      ours: await timeInProcess(() => {
        const btf = Btf.parse(bytes, { sanityCheck: false });
        for (let id = 1; id < btf.nextId; id++) sink += btf.kind(id) + btf.vlen(id) + btf.nameOff(id);
      }, 30, 5),
      goal: '<= 5 ms',
    });
    rows.push({
      name: 'parse+index+iterate, file already in memory, eager libbpf-level checks',
      ours: await timeInProcess(() => {
        const btf = Btf.parse(bytes);
        for (let id = 1; id < btf.nextId; id++) sink += btf.kind(id) + btf.vlen(id) + btf.nameOff(id);
      }, 30, 5),
      goal: '<= 5 ms',
    });
    if (hasCommand('bpftool')) {
      const btfkit = join(repo, 'bin', 'btfkit.js');
      rows.push({
        name: 'whole command: dump raw of vmlinux',
        ours: timeCommand(process.execPath, [btfkit, 'dump', VMLINUX], 5),
        peer: { name: 'bpftool btf dump file ... format raw', ...timeCommand('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'raw'], 5) },
        goal: '<= 1.0x',
      });
    }
    return rows;
  },
};
export default bench;
