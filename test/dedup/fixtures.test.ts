/**
 * Dedup on committed fixtures: idempotence (already deduplicated BTF keeps every type), the
 * Linux 7.1 vmlinux exception, and `.BTF.ext` remapping when dedup renumbers an object.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRawString, formatRawType } from '../../src/format/raw.js';
import { openBtf } from '../../src/open.js';
import { dedup } from '../../src/ops/dedup.js';
import { concatBtf } from '../../src/ops/merge.js';
import { Btf } from '../../src/wire/btf.js';
import type { BtfExt, ExtSection } from '../../src/wire/ext.js';
import { parseBtfExt, serializeBtfExt } from '../../src/wire/ext.js';
import { Kind } from '../../src/wire/kinds.js';
import { readFixture } from '../helpers.js';

describe('dedup on fixtures', () => {
  for (const f of ['kinds-el.btf', 'kinds-eb.btf']) {
    it(`keeps every type of ${f} (raw text identical, byte order kept)`, () => {
      const btf = Btf.parse(readFixture('btf', f));
      const r = dedup(btf);
      assert.equal(r.btf.typeCount, btf.typeCount);
      assert.equal(r.btf.endian, btf.endian);
      assert.equal(formatRawString(r.btf), formatRawString(btf));
      // Strings only the object's .BTF.ext used (line text) are gone; every type name stays.
      assert.ok(r.btf.strings.length <= btf.strings.length);
    });
  }

  it('vmlinux 7.1: keeps every type but 4 identical FUNC_PROTOs the build left duplicated (libbpf 1.1 drops the same 4)', () => {
    const btf = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'));
    const r = dedup(btf);
    assert.equal(btf.typeCount, 103406);
    assert.equal(r.btf.typeCount, 103402);
    const firstFor = new Map<number, number>();
    const dropped: number[] = [];
    for (let id = 1; id < btf.nextId; id++) {
      const n = r.idMap[id]!;
      const kept = firstFor.get(n);
      if (kept === undefined) {
        firstFor.set(n, id);
        continue;
      }
      dropped.push(id);
      assert.equal(btf.kind(id), Kind.FUNC_PROTO);
      // Same text but for the id: an exact duplicate.
      assert.equal(formatRawType(btf, id).replace(/^\[\d+\]/, ''), formatRawType(btf, kept).replace(/^\[\d+\]/, ''));
    }
    assert.deepEqual(dropped, [45773, 45776, 45777, 45783]);
    assert.ok(r.btf.layout, 'layout section kept');
    // The output is a fixed point.
    const again = dedup(r.btf);
    assert.equal(formatRawString(again.btf), formatRawString(r.btf));
  });

  it('split BTF on a distilled base: deduping the result again changes nothing', () => {
    const base = Btf.parse(readFixture('third-party', 'btf_testmod.btf.base'));
    const mod = Btf.parse(readFixture('third-party', 'btf_testmod.btf'), { base });
    const once = dedup(mod).btf;
    assert.equal(once.startId, base.nextId);
    assert.ok(once.typeCount <= mod.typeCount);
    assert.equal(formatRawString(dedup(once).btf), formatRawString(once));
  });
});

/** The object's BTF twice (standalone concatenation) and its .BTF.ext pointing at the second copy. */
function doubled(file: string[]): { btf: Btf; ext: BtfExt; orig: Btf; origExt: BtfExt } {
  const opened = openBtf(readFixture(...file));
  const orig = opened.btf;
  const origExt = opened.ext!;
  const both = concatBtf([orig, orig]);
  const idShift = orig.typeCount;
  const strShift = 1 + orig.strings.length; // concat puts its own "" first
  const s = (off: number): number => (off === 0 ? 0 : off + strShift);
  const t = (id: number): number => (id === 0 ? 0 : id + idShift);
  const ext: BtfExt = {
    ...origExt,
    funcInfo: origExt.funcInfo.map((sec) => ({ secNameOff: s(sec.secNameOff), records: sec.records.map((r) => ({ ...r, typeId: t(r.typeId) })) })),
    lineInfo: origExt.lineInfo.map((sec) => ({ secNameOff: s(sec.secNameOff), records: sec.records.map((r) => ({ ...r, fileNameOff: s(r.fileNameOff), lineOff: s(r.lineOff) })) })),
    coreRelos: origExt.coreRelos.map((sec) => ({ secNameOff: s(sec.secNameOff), records: sec.records.map((r) => ({ ...r, typeId: t(r.typeId), accessStrOff: s(r.accessStrOff) })) })),
  };
  return { btf: both, ext, orig, origExt };
}

function sameStrings<T>(a: readonly ExtSection<T>[], ab: Btf, b: readonly ExtSection<T>[], bb: Btf, fields: Array<keyof T>): void {
  assert.equal(a.length, b.length);
  a.forEach((sec, i) => {
    const other = b[i]!;
    assert.equal(ab.str(sec.secNameOff), bb.str(other.secNameOff));
    sec.records.forEach((r, j) => {
      for (const f of fields) assert.equal(ab.str(r[f] as number), bb.str(other.records[j]![f] as number), `${String(f)} of record ${j}`);
    });
  });
}

describe('dedup with .BTF.ext', () => {
  for (const file of [
    ['btf', 'kinds-el.o'],
    ['third-party', 'relocs-el.elf'],
    ['third-party', 'relocs-eb.elf'],
  ]) {
    it(`remaps func_info/core_relo type ids and keeps .BTF.ext strings (${file.join('/')})`, () => {
      const { btf, ext, orig, origExt } = doubled(file);
      const r = dedup(btf, { ext });
      const out = r.ext!;
      assert.ok(out);
      // The second copy folded into the first, except VAR/DATASEC (never merged) and decl
      // tags on them.
      const once = dedup(orig).btf.typeCount;
      let keptFromSecond = 0;
      for (let id = orig.nextId; id < btf.nextId; id++) {
        if (r.idMap[id]! < once + 1) continue;
        keptFromSecond++;
        const k = btf.kind(id);
        const target = k === Kind.DECL_TAG ? btf.kind(btf.sizeOrType(id)) : k;
        assert.ok(target === Kind.VAR || target === Kind.DATASEC, `kept [${id}] ${formatRawType(btf, id)}`);
      }
      assert.equal(r.btf.typeCount, once + keptFromSecond);
      // Every remapped type id names a type with the same text as the original one.
      const same = (newId: number, oldId: number): void => {
        assert.ok(newId > 0 && newId < r.btf.nextId);
        assert.equal(formatRawType(r.btf, newId).replace(/^\[\d+\]/, '').replace(/type_id=\d+/g, ''), formatRawType(orig, oldId).replace(/^\[\d+\]/, '').replace(/type_id=\d+/g, ''));
      };
      out.funcInfo.forEach((sec, i) => sec.records.forEach((rec, j) => same(rec.typeId, origExt.funcInfo[i]!.records[j]!.typeId)));
      out.coreRelos.forEach((sec, i) => sec.records.forEach((rec, j) => same(rec.typeId, origExt.coreRelos[i]!.records[j]!.typeId)));
      // Strings the .BTF.ext uses survive dedup's string pass.
      sameStrings(out.funcInfo, r.btf, origExt.funcInfo, orig, []);
      sameStrings(out.lineInfo, r.btf, origExt.lineInfo, orig, ['fileNameOff', 'lineOff']);
      sameStrings(out.coreRelos, r.btf, origExt.coreRelos, orig, ['accessStrOff']);
      if (file[1] !== 'kinds-el.o') assert.ok(out.coreRelos.length > 0, 'fixture has CO-RE relocations');
      // And it serializes and parses back.
      const back = parseBtfExt(serializeBtfExt(out, out.endian));
      assert.deepEqual(back.funcInfo, out.funcInfo);
      assert.deepEqual(back.coreRelos, out.coreRelos);
    });
  }

  it('keeps strings only the .BTF.ext references (line text is not a type name)', () => {
    const opened = openBtf(readFixture('btf', 'kinds-el.o'));
    const without = dedup(opened.btf);
    const withExt = dedup(opened.btf, { ext: opened.ext });
    assert.ok(withExt.btf.strings.length > without.btf.strings.length);
    const line = opened.ext!.lineInfo[0]!.records[0]!;
    assert.equal(withExt.btf.str(withExt.ext!.lineInfo[0]!.records[0]!.lineOff), opened.btf.str(line.lineOff));
  });
});
