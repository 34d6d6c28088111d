/**
 * `btfkit check` of vmlinux BTF against the kernel's own verifier (BPF_BTF_LOAD through the
 * oracle ../shared/oracles/kernel-btf-load.c, compiled here), in the same run. Both run every
 * pass a user BTF load runs. Needs root for the kernel side.
 */

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkBtf } from '../src/ops/check.js';
import { type Bench, type BenchRow, buildKernelBtfLoadOracle, REPO, timeCommand, timeInProcess } from './harness.js';

const bench: Bench = {
  name: 'check',
  async run() {
    const inputs = [
      { label: 'vmlinux 6.18 (running kernel)', path: '/sys/kernel/btf/vmlinux' },
      { label: 'vmlinux 6.1 (corpus)', path: join(process.env.BTF_CORPUS ?? join(homedir(), '.cache', 'btf-corpus'), '6.1.0-47-amd64', 'vmlinux.btf') },
    ].filter((i) => existsSync(i.path));
    if (inputs.length === 0) return 'no vmlinux BTF on this machine';
    const oracle = buildKernelBtfLoadOracle();
    const btfkit = join(REPO, 'bin', 'btfkit.js');
    const rows: BenchRow[] = [];
    for (const input of inputs) {
      const bytes = new Uint8Array(readFileSync(input.path));
      const peerCmd = oracle ? timeCommand(oracle, [input.path], 5) : undefined;
      const peer = peerCmd ? { name: 'kernel BPF_BTF_LOAD (oracle process)', ...peerCmd } : undefined;
      const ours = timeCommand(process.execPath, [btfkit, 'check', input.path], 5);
      rows.push({ name: `btfkit check ${input.label}`, ours, peer, note: oracle ? undefined : 'kernel side needs root + cc' });
      const inProc = await timeInProcess(() => checkBtf(bytes), 5, 2);
      rows.push({ name: `checkBtf() in process, ${input.label} (${(bytes.length / 1048576).toFixed(1)} MiB)`, ours: inProc, peer });
    }
    return rows;
  },
};

export default bench;
