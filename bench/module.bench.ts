/**
 * Module BTF across builds: distill every module of a corpus build against its vmlinux and
 * relocate it onto the next build's vmlinux (6.1.0-47 → 6.1.0-50, 4,022 modules). Goal: the
 * whole build in ≤ 5 s on this 2-core machine. Files are read and parsed inside the timing.
 *
 * Peer: Debian's libbpf 1.1 has no btf__distill_base/btf__relocate, so the reference is libbpf
 * parsing the same module BTF files on their vmlinux (bench/c/module-libbpf.c, one process).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { distillBase } from '../src/ops/distill.js';
import { tryRelocate } from '../src/ops/relocate.js';
import { Btf } from '../src/wire/btf.js';
import { type Bench, type BenchRow, hasCommand, timeCommand, timeInProcess } from './harness.js';

const CORPUS = process.env.BTF_CORPUS ?? join(homedir(), '.cache', 'btf-corpus');
const OLD = join(CORPUS, '6.1.0-47-amd64');
const NEW = join(CORPUS, '6.1.0-50-amd64');
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..', '..');

function buildPeer(): string | undefined {
  if (!hasCommand('cc')) return undefined;
  const bin = join(mkdtempSync(join(tmpdir(), 'btfkit-bench-')), 'module-libbpf');
  return spawnSync('cc', ['-O2', '-o', bin, join(REPO, 'bench', 'c', 'module-libbpf.c'), '-lbpf']).status === 0 ? bin : undefined;
}

async function inWorkers(files: string[], n: number): Promise<{ ok: number; failed: number }> {
  const shares: string[][] = Array.from({ length: n }, () => []);
  files.forEach((f, i) => shares[i % n]!.push(f));
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<{ ok: number; failed: number }>((resolve, reject) => {
          const w = new Worker(new URL('./module-worker.js', import.meta.url), { workerData: { oldBase: join(OLD, 'vmlinux.btf'), newBase: join(NEW, 'vmlinux.btf'), files: share } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  return parts.reduce((a, b) => ({ ok: a.ok + b.ok, failed: a.failed + b.failed }));
}

const bench: Bench = {
  name: 'module',
  async run() {
    if (!existsSync(join(OLD, 'mods')) || !existsSync(join(NEW, 'vmlinux.btf'))) return `corpus builds 6.1.0-47 and 6.1.0-50 not found under ${CORPUS}`;
    const files = readdirSync(join(OLD, 'mods'))
      .filter((f) => f.endsWith('.btf'))
      .sort()
      .map((f) => join(OLD, 'mods', f));
    const peerBin = buildPeer();
    const peerM = peerBin ? timeCommand(peerBin, [join(OLD, 'vmlinux.btf'), ...files], 5) : undefined;
    const peer = peerM ? { name: 'libbpf 1.1 btf__parse_split of the same modules (no distill/relocate in 1.1)', ...peerM } : undefined;
    const rows: BenchRow[] = [];

    const threads = Math.max(2, Math.min(availableParallelism(), 4));
    let counts = { ok: 0, failed: 0 };
    const par = await timeInProcess(async () => {
      counts = await inWorkers(files, threads);
    }, 3, 1);
    rows.push({
      name: `distill + relocate ${files.length} modules, ${threads} worker threads (vmlinux parsing included)`,
      ours: par,
      peer,
      goal: '≤ 5000 ms on 2 cores',
      note: `${counts.ok} relocated, ${counts.failed} rejected`,
    });

    const b0 = Btf.parse(readFileSync(join(OLD, 'vmlinux.btf')));
    const b1 = Btf.parse(readFileSync(join(NEW, 'vmlinux.btf')));
    const one = await timeInProcess(() => {
      for (const f of files) tryRelocate(distillBase(Btf.parse(readFileSync(f), { base: b0 })).split, b1);
    }, 3, 1);
    rows.push({ name: `distill + relocate ${files.length} modules, 1 thread (bases parsed once beforehand)`, ours: one, peer });
    return rows;
  },
};
export default bench;
