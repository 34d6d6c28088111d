/**
 * merge(): concatenation of split (same base) or standalone BTFs, then dedup; and the
 * `btfkit dedup` / `btfkit merge` commands.
 */

import assert from 'node:assert/strict';
import { btfkitInProcess } from '../cli/in-process.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatRawString } from '../../src/format/raw.js';
import { dedup } from '../../src/ops/dedup.js';
import { concatBtf, merge } from '../../src/ops/merge.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { BtfError } from '../../src/wire/errors.js';
import { IntEncoding } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { fixturePath, readFixture } from '../helpers.js';

function base(): Btf {
  const b = new BtfBuilder();
  b.addInt('int', 4, IntEncoding.SIGNED); // [1]
  b.addStruct('list_head', 16, [
    { name: 'next', type: 3, bitOffset: 0 },
    { name: 'prev', type: 3, bitOffset: 64 },
  ]); // [2]
  b.addPtr(2); // [3]
  return b.build();
}

/** A module-like split BTF: its own struct (shared by "modules") and one unique struct. */
function module(on: Btf, unique: string): Btf {
  const s = new BtfBuilder({ base: on });
  const shared = s.addStruct('shared', 24, [
    { name: 'list', type: 2, bitOffset: 0 },
    { name: 'refs', type: 1, bitOffset: 128 },
  ]);
  const p = s.addPtr(shared);
  s.addStruct(unique, 8, [{ name: 'owner', type: p, bitOffset: 0 }]);
  s.addInt('int', 4, IntEncoding.SIGNED); // duplicate of a base type
  return s.build();
}

describe('merge', () => {
  it('concatenates split BTFs on one base with ids and strings shifted', async () => {
    const b = base();
    const m1 = module(b, 'm1');
    const m2 = module(b, 'm2');
    const all = concatBtf([m1, m2], b);
    assert.equal(all.startId, 4);
    assert.equal(all.typeCount, 8);
    assert.equal(all.name(6), 'm1');
    assert.equal(all.name(10), 'm2');
    assert.equal(all.sizeOrType(9), 8); // m2's pointer, shifted by m1's 4 types
    assert.equal(all.elemWord(10, 0, 1), 9);
    assert.equal(all.elemWord(8, 0, 1), 2); // base ids unchanged
  });

  it('merge + dedup keeps each distinct type once and folds duplicates into the base', async () => {
    const b = base();
    const r = merge([module(b, 'm1'), module(b, 'm2'), module(b, 'm3')], b);
    assert.equal(
      formatRawString(r.btf).trimEnd(),
      [
        "[4] STRUCT 'shared' size=24 vlen=2\n\t'list' type_id=2 bits_offset=0\n\t'refs' type_id=1 bits_offset=128",
        "[5] PTR '(anon)' type_id=4",
        "[6] STRUCT 'm1' size=8 vlen=1\n\t'owner' type_id=5 bits_offset=0",
        "[7] STRUCT 'm2' size=8 vlen=1\n\t'owner' type_id=5 bits_offset=0",
        "[8] STRUCT 'm3' size=8 vlen=1\n\t'owner' type_id=5 bits_offset=0",
      ].join('\n'),
    );
  });

  it('merges standalone BTFs (the same object twice dedups to one copy plus its variables)', async () => {
    const one = Btf.parse(readFixture('btf', 'kinds-el.btf'));
    const r = merge([one, one]);
    assert.equal(r.btf.startId, 1);
    const single = dedup(one).btf;
    assert.ok(r.btf.typeCount > single.typeCount && r.btf.typeCount < 2 * single.typeCount);
    assert.equal(formatRawString(r.btf, range(1, single.nextId)), formatRawString(single));
  });

  it('refuses split BTF without its base, and BTF split on another base', async () => {
    const b = base();
    const m = module(b, 'm1');
    assert.throws(() => concatBtf([m]), BtfError);
    assert.throws(() => concatBtf([m], base()), BtfError);
    assert.throws(() => concatBtf([]), BtfError);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

describe('btfkit dedup / merge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-dedup-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]) => btfkitInProcess(...args);

  it('dedup writes raw BTF, refuses to overwrite without --force, and needs -o', async () => {
    const out = join(dir, 'kinds.btf');
    assert.equal((await cli(['dedup', fixturePath('btf', 'kinds-el.btf'), '-o', out, '-q'])).status, 0);
    const btf = Btf.parse(new Uint8Array(readFileSync(out)));
    assert.equal(btf.typeCount, 63);
    const again = await cli(['dedup', fixturePath('btf', 'kinds-el.btf'), '-o', out]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /--force/);
    assert.equal((await cli(['dedup', fixturePath('btf', 'kinds-el.btf'), '-o', out, '--force', '-q'])).status, 0);
    assert.equal((await cli(['dedup', fixturePath('btf', 'kinds-el.btf')])).status, 2);
  });

  it('dedup writes the remapped .BTF.ext of an object with --ext-out', async () => {
    const out = join(dir, 'obj.btf');
    const ext = join(dir, 'obj.ext');
    assert.equal((await cli(['dedup', fixturePath('btf', 'kinds-el.o'), '-o', out, '--ext-out', ext, '-q'])).status, 0);
    assert.equal(readFileSync(ext).readUInt16LE(0), 0xeb9f);
  });

  it('merge of split files on a base', async () => {
    const b = base();
    const basePath = join(dir, 'base.btf');
    writeFileSync(basePath, writeBtf(b));
    const files = ['a', 'b'].map((n) => {
      const p = join(dir, `${n}.btf`);
      writeFileSync(p, writeBtf(module(b, n)));
      return p;
    });
    const out = join(dir, 'merged.btf');
    const r = await cli(['merge', ...files, '-B', basePath, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /2 inputs, 8 -> 4 types/);
    const merged = Btf.parse(new Uint8Array(readFileSync(out)), { base: Btf.parse(new Uint8Array(readFileSync(basePath))) });
    assert.equal(merged.typeCount, 4);
    // Split inputs without -B: a usage error (exit 2) or an input error (exit 1), never success.
    assert.notEqual((await cli(['merge', ...files, '-o', join(dir, 'x.btf')])).status, 0);
  });
});
