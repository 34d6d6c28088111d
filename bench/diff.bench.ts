/**
 * `btfkit diff` of the two corpus vmlinux (Debian 6.1.0-47 → -50) and `btfkit where` over four
 * kernels, beside what a person does without btfkit: `pahole -F btf` of both kernels and
 * diff(1) of the texts, and `pahole -C STRUCT` once per kernel for `where`. Debian's abidiff
 * (abigail-tools 2.2) has no BTF reader (`--btf` is not an option there) and these vmlinux
 * carry no DWARF, so it cannot compare them; dwarves' codiff crashes on vmlinux.
 */

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { diffBtf } from '../src/ops/abi-diff.js';
import { Btf } from '../src/wire/btf.js';
import { type Bench, type BenchRow, hasCommand, timeCommand, timeInProcess } from './harness.js';

const REPO = join(fileURLToPath(import.meta.url), '..', '..', '..');
const CORPUS = process.env.BTF_CORPUS ?? join(homedir(), '.cache', 'btf-corpus');

/** A shell command line with every word quoted. */
const sh = (words: readonly string[]): string => words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');

const bench: Bench = {
  name: 'diff',
  async run() {
    const a = join(CORPUS, '6.1.0-47-amd64', 'vmlinux.btf');
    const b = join(CORPUS, '6.1.0-50-amd64', 'vmlinux.btf');
    if (!existsSync(a) || !existsSync(b)) return 'the Debian 6.1.0-47/-50 corpus is not fetched';
    const btfkit = [process.execPath, join(REPO, 'bin', 'btfkit.js')];
    const pahole = hasCommand('pahole');
    const rows: BenchRow[] = [];

    // Whole commands: btfkit exits 12 (changed, incompatible), diff(1) exits 1; both are success here.
    const tmp = mkdtempSync(join(tmpdir(), 'btfkit-bench-diff-'));
    const peerDiff = pahole ? { name: 'pahole -F btf ×2 + diff(1)', ...timeCommand('sh', ['-c', `pahole -F btf ${sh([a])} > ${tmp}/a; pahole -F btf ${sh([b])} > ${tmp}/b; diff ${tmp}/a ${tmp}/b > /dev/null; exit 0`], 5) } : undefined;
    const ours = timeCommand('sh', ['-c', `${sh([...btfkit, 'diff', a, b])} > /dev/null; test $? -eq 12`], 5);
    rows.push({ name: 'btfkit diff 6.1.0-47 → -50 vmlinux (whole command, text)', ours, peer: peerDiff, goal: '≤ 1 s' });
    // pahole alone, for scale: reading both kernels is quick, comparing its text is not.
    const paholeOnly = pahole ? { name: 'pahole -F btf ×2 alone (no comparison)', ...timeCommand('sh', ['-c', `pahole -F btf ${sh([a])} > /dev/null; pahole -F btf ${sh([b])} > /dev/null`], 5) } : undefined;
    if (paholeOnly) rows.push({ name: 'btfkit diff (whole command), against reading alone', ours, peer: paholeOnly });
    const json = timeCommand('sh', ['-c', `${sh([...btfkit, 'diff', a, b, '--json'])} > /dev/null; test $? -eq 12`], 5);
    rows.push({ name: 'btfkit diff --json (whole command)', ours: json, peer: peerDiff });
    const A = Btf.parse(new Uint8Array(readFileSync(a)));
    const B = Btf.parse(new Uint8Array(readFileSync(b)));
    rows.push({ name: 'diffBtf() in process (parsed inputs)', ours: await timeInProcess(() => diffBtf(A, B), 5, 2) });

    // where over four kernels: the corpus pair, 6.18 and 7.1 (raw files, for pahole).
    const kernels = [a, b];
    for (const [src, name] of [
      [join(REPO, '..', 'shared', 'fixtures', 'vmlinux-6.18.btf.gz'), '6.18.btf'],
      [join(REPO, 'fixtures', 'third-party', 'vmlinux-7.1.btf.gz'), '7.1.btf'],
    ] as const) {
      if (!existsSync(src)) continue;
      writeFileSync(join(tmp, name), gunzipSync(readFileSync(src)));
      kernels.push(join(tmp, name));
    }
    const peerWhere = pahole ? { name: `pahole -C task_struct ×${kernels.length}`, ...timeCommand('sh', ['-c', kernels.map((k) => `pahole -F btf -C task_struct ${sh([k])} > /dev/null`).join('; ')], 5) } : undefined;
    const where = timeCommand(btfkit[0]!, [btfkit[1]!, 'where', 'task_struct.in_execve', ...kernels], 5);
    rows.push({ name: `btfkit where task_struct.in_execve, ${kernels.length} kernels (whole command)`, ours: where, peer: peerWhere, goal: '≤ 0.5 s' });
    return rows;
  },
};

export default bench;
