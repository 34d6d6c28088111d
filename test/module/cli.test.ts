/**
 * The module commands end to end on small generated inputs: distill (raw), relocate (success
 * and a failure with its diagnosis, exit 1), standalone, check-module and diff.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { IntEncoding } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { btfkitInProcess } from '../cli/in-process.js';

const run = (args: string[]) => btfkitInProcess(...args);

/** vmlinux-like base: int, struct dev { int id; } of `devSize` bytes, ptr → dev. */
function base(devSize: number): Btf {
  const b = new BtfBuilder();
  b.addInt('int', 4, IntEncoding.SIGNED);
  b.addStruct('dev', devSize, [{ name: 'id', type: 1, bitOffset: 0 }]);
  b.addPtr(2);
  return b.build();
}

describe('module commands', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'btfkit-module-cli-'));
    const old = base(4);
    const s = new BtfBuilder({ base: old });
    s.addStruct('my_dev', 8, [
      { name: 'd', type: 2, bitOffset: 0 },
      { name: 'n', type: 1, bitOffset: 32 },
    ]);
    s.addStruct('holder', 8, [{ name: 'p', type: 3, bitOffset: 0 }]);
    writeFileSync(join(dir, 'old.btf'), writeBtf(old));
    writeFileSync(join(dir, 'same.btf'), writeBtf(base(4)));
    writeFileSync(join(dir, 'grown.btf'), writeBtf(base(8)));
    writeFileSync(join(dir, 'mod.btf'), writeBtf(s.build()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('distill writes OUT and OUT.base for raw input, and refuses to overwrite without --force', async () => {
    const r = await run(['distill', join(dir, 'mod.btf'), '-B', join(dir, 'old.btf'), '-o', join(dir, 'mod.dist')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'mod.dist')) && existsSync(join(dir, 'mod.dist.base')));
    const dist = Btf.parse(readFileSync(join(dir, 'mod.dist.base')));
    assert.deepEqual([dist.name(1), dist.name(2)], ['int', 'dev']);
    const again = await run(['distill', join(dir, 'mod.btf'), '-B', join(dir, 'old.btf'), '-o', join(dir, 'mod.dist')]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /output exists; use --force/);
  });

  it('relocate succeeds onto an equal base and fails (exit 1) onto one where the embedded struct grew, explaining why', async () => {
    const ok = await run(['relocate', join(dir, 'mod.dist'), '-B', join(dir, 'same.btf'), '-o', join(dir, 'mod.rel')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /relocated 3 types to ids 4\.\.6/);
    const bad = await run(['relocate', join(dir, 'mod.dist'), '-B', join(dir, 'grown.btf')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /struct dev \(embedded\): embedded in a module struct\/union: size 4 → 8/);
    assert.match(bad.stderr, /used by \[\d+\] STRUCT 'my_dev' \(member\/param 'd'\): embeds it/);
    assert.match(bad.stderr, /btfkit: .*distilled base BTF type 'dev' \[2\] is not mapped to base BTF id/);
    const json = await run(['relocate', join(dir, 'mod.dist'), '-B', join(dir, 'grown.btf'), '--json']);
    assert.equal(JSON.parse(json.stdout).diagnosis.problems[0].name, 'dev');
    // Given the vmlinux it was built against, each unmapped type down to the vmlinux change.
    const why = await run(['relocate', join(dir, 'mod.dist'), '-B', join(dir, 'grown.btf'), '--built-against', join(dir, 'old.btf')]);
    assert.equal(why.status, 1);
    assert.match(why.stderr, /\n {2}why: dev 4 → 8 ← no member changed \(padding or alignment\)\n/);
    const whyJson = JSON.parse((await run(['relocate', join(dir, 'mod.dist'), '-B', join(dir, 'grown.btf'), '--built-against', join(dir, 'old.btf'), '--json'])).stdout);
    assert.deepEqual(whyJson.rootCauses.map((c: { leaf: string }) => c.leaf), ['struct dev']);
  });

  it('standalone writes self-contained BTF; check-module and diff report on modules', async () => {
    const st = await run(['standalone', join(dir, 'mod.btf'), '-B', join(dir, 'old.btf'), '-o', join(dir, 'mod.alone')]);
    assert.equal(st.status, 0, st.stderr);
    assert.equal(Btf.parse(readFileSync(join(dir, 'mod.alone'))).typeCount, 5, 'int, dev, ptr → dev, my_dev, holder');

    const chk = await run(['check-module', join(dir, 'mod.btf'), '--kernel', join(dir, 'old.btf'), '--json']);
    assert.equal(chk.status, 0, chk.stderr);
    const [c] = JSON.parse(chk.stdout) as Array<{ verdict: string; sysfs: { firstId: number } }>;
    assert.equal(c!.verdict, 'loads');
    assert.equal(c!.sysfs.firstId, 4);

    // Standalone against split: the types the split form borrows are found in its base.
    const same = await run(['diff', join(dir, 'mod.alone'), join(dir, 'mod.btf'), '--base-b', join(dir, 'old.btf')]);
    assert.equal(same.status, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /no ABI changes/);
    const differ = await run(['diff', join(dir, 'old.btf'), join(dir, 'grown.btf')]);
    assert.equal(differ.status, 12, 'abidiff bits: changed (4) | incompatible (8)');
    assert.match(differ.stdout, /\n~ struct dev 4 → 8 bytes {2}\[incompatible\]\n/);
    // A module and the kernel it meets: the vmlinux changes that matter to it, each explained.
    const mod = await run(['diff', join(dir, 'mod.btf'), join(dir, 'grown.btf'), '--built-against', join(dir, 'old.btf')]);
    assert.equal(mod.status, 12, mod.stderr);
    assert.match(mod.stdout, /mod\.btf uses 1 vmlinux type \(structs, unions, enums, typedefs\); 1 changed from .*old\.btf to .*grown\.btf\n {2}dev 4 → 8 ← no member changed \(padding or alignment\)\n/);
  });
});
