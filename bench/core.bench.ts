/**
 * CO-RE: `btfkit min-core` against `bpftool gen min_core_btf` in the same run, for one object
 * on one kernel (whole command, and btfkit in-process), and the batch over every corpus kernel
 * (btfkit's worker-thread batch mode against bpftool run once per kernel).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBtf } from '../src/open.js';
import { minCore } from '../src/ops/min-core.js';
import { corpusBuilds, CORPUS } from '../test/conformance/env.js';
import { fixturePath, REPO_ROOT } from '../test/helpers.js';
import { type Bench, type BenchRow, hasCommand, timeCommand, timeInProcess } from './harness.js';

const bench: Bench = {
  name: 'core',
  async run() {
    if (!hasCommand('bpftool')) return 'bpftool not installed';
    const builds = corpusBuilds();
    if (builds.length === 0) return `no corpus under ${CORPUS}`;
    const tmp = mkdtempSync(join(tmpdir(), 'btfkit-core-bench-'));
    try {
      const kernel = join(CORPUS, builds[0]!, 'vmlinux.btf');
      const obj = fixturePath('core', 'vmlinux_relocs.o');
      const bin = join(REPO_ROOT, 'bin', 'btfkit.js');
      const rows: BenchRow[] = [];
      const peer = timeCommand('bpftool', ['gen', 'min_core_btf', kernel, join(tmp, 'b.btf'), obj]);
      const ours = timeCommand(process.execPath, [bin, 'min-core', obj, '--kernel', kernel, '-o', join(tmp, 'o.btf'), '--force']);
      rows.push({ name: `min-core 1 object, ${builds[0]} (whole command)`, ours, peer: { name: 'bpftool gen min_core_btf', ...peer }, goal: '<= 1.0x' });
      rows.push({ name: 'of which CLI start-up (btfkit --version)', ours: timeCommand(process.execPath, [bin, '--version']), note: 'node boot + loading every command module' });
      const ip = await timeInProcess(() => {
        const vm = openBtf(new Uint8Array(readFileSync(kernel)), { sanityCheck: false }).btf;
        const o = openBtf(new Uint8Array(readFileSync(obj)));
        return minCore([{ btf: o.btf, ext: o.ext }], vm);
      }, 10, 3);
      rows.push({ name: 'min-core 1 object (in-process: read, parse, resolve, write)', ours: ip, peer: { name: 'bpftool gen min_core_btf', ...peer }, goal: '<= 1.0x', note: 'without node start-up and CLI loading' });
      const script = builds.map((b) => `bpftool gen min_core_btf ${join(CORPUS, b, 'vmlinux.btf')} ${join(tmp, `${b}.btf`)} ${obj}`).join(' && ');
      const peerBatch = timeCommand('sh', ['-c', script], 3);
      const oursBatch = timeCommand(process.execPath, [bin, 'min-core', obj, '--kernel', CORPUS, '-o', join(tmp, 'batch'), '--force', '--no-progress'], 3);
      rows.push({ name: `min-core batch, ${builds.length} corpus kernels`, ours: oursBatch, peer: { name: 'bpftool per kernel', ...peerBatch } });
      return rows;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};

export default bench;
