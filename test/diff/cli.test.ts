/**
 * `btfkit diff` and `btfkit where` as commands: abidiff's exit bits, the three formats, the
 * filters and a suppression file, usage errors; on small BTF files written by the builder.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AbiDiffReport } from '../../src/ops/abi-diff.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { IntEncoding } from '../../src/wire/kinds.js';
import { btfkitInProcess } from '../cli/in-process.js';

const btfkit = btfkitInProcess;
const dir = mkdtempSync(join(tmpdir(), 'btfkit-diff-cli-'));

/** v1: struct dev { long a; }; enum e { A }.  v2 (compatible): enum e { A, B }.  v3: dev grows. */
function write(name: string, version: 1 | 2 | 3): string {
  const b = new BtfBuilder({ endian: version === 3 ? 'big' : 'little' });
  const long = b.addInt('long', 8, IntEncoding.SIGNED);
  b.addStruct('dev', version === 3 ? 16 : 8, version === 3 ? [{ name: 'a', type: long, bitOffset: 0 }, { name: 'flags', type: long, bitOffset: 64 }] : [{ name: 'a', type: long, bitOffset: 0 }]);
  b.addEnum('e', 4, version === 1 ? [{ name: 'A', value: 0 }] : [{ name: 'A', value: 0 }, { name: 'B', value: 1 }]);
  const path = join(dir, name);
  writeFileSync(path, b.toBytes());
  return path;
}
const v1 = write('v1.btf', 1);
const v2 = write('v2.btf', 2);
const v3 = write('v3.btf', 3);

describe('btfkit diff (command)', () => {
  it('exit status as abidiff: 0 identical, 4 compatible change, 12 incompatible', async () => {
    const same = await btfkit('diff', v1, v1);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /no ABI changes/);
    const compatible = await btfkit('diff', v1, v2);
    assert.equal(compatible.status, 4, compatible.stderr);
    assert.match(compatible.stdout, /\n~ enum e \(4 bytes\)\n {4}\+ B = 1\n/);
    const breaking = await btfkit('diff', v1, v3);
    assert.equal(breaking.status, 12, breaking.stderr);
    assert.match(breaking.stdout, /\n~ struct dev 8 → 16 bytes {2}\[incompatible\]\n {4}\+ flags: long @8, 8 bytes\n/);
  });

  it('--json has the documented shape; --format markdown for a PR comment', async () => {
    const r = await btfkit('diff', v1, v3, '--json');
    const report = JSON.parse(r.stdout) as AbiDiffReport;
    assert.equal(report.a, v1);
    const dev = report.changes.find((c) => c.name === 'dev')!;
    assert.deepEqual({ kind: dev.kind, status: dev.status, size: dev.size, members: dev.members }, {
      kind: 'struct',
      status: 'changed',
      size: [8, 16],
      members: [{ name: 'flags', index: 1, status: 'added', b: { offset_bits: 64, bitfield_size: 0, type: 'long', size: 8 } }],
    });
    assert.deepEqual(JSON.parse((await btfkit('diff', v1, v3, '--format', 'json')).stdout), report);
    const md = await btfkit('diff', v1, v3, '--format', 'markdown');
    assert.match(md.stdout, /^### ABI diff: .* → .*\n/);
    assert.match(md.stdout, /\n- \*\*`struct dev`\*\* 8 → 16 bytes ⚠️ incompatible\n/);
  });

  it('--kind, --name and --suppress narrow the report (and the exit status)', async () => {
    assert.equal((await btfkit('diff', v1, v3, '--kind', 'enum')).status, 4);
    assert.equal((await btfkit('diff', v1, v3, '--name', '^dev$')).status, 12);
    const sup = join(dir, 'suppress.txt');
    writeFileSync(sup, '# internal types\nde.\ne\n');
    const r = await btfkit('diff', v1, v3, '--suppress', sup);
    assert.equal(r.status, 0, r.stdout);
  });

  it('usage mistakes exit 2 with one line; a bad file exits 1', async () => {
    const f = await btfkit('diff', v1, v3, '--format', 'yaml');
    assert.equal(f.status, 2);
    assert.equal(f.stderr.trim().split('\n').length, 1);
    assert.equal((await btfkit('diff', v1, v3, '--kind', 'widget')).status, 2);
    assert.equal((await btfkit('diff', v1, v3, '--name', '(')).status, 2);
    const missing = await btfkit('diff', v1, join(dir, 'nope.btf'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.btf: cannot read/);
  });
});

describe('btfkit where (command)', () => {
  it('a table per kernel; --json; exit 1 when no kernel has it', async () => {
    const r = await btfkit('where', 'dev.flags', v1, v3);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'dev.flags');
    assert.match(lines[2]!, /v1\.btf +no +dev has no member 'flags'$/);
    assert.match(lines[3]!, /v3\.btf +yes +8 +8 +long$/);
    const json = JSON.parse((await btfkit('where', 'struct dev.a', v3, '--json')).stdout);
    assert.deepEqual(json, [{ file: v3, query: 'struct dev.a', present: true, type: 'struct dev', type_size: 16, offset_bits: 0, bitfield_size: 0, size: 8, c_type: 'long' }]);
    assert.equal((await btfkit('where', 'nosuch.x', v1)).status, 1);
    assert.equal((await btfkit('where', 'dev..a', v1)).status, 2);
  });
});
