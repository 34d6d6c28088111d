/**
 * Standalone module BTF (both directions), compared with the ABI diff, and distilling inside an
 * ELF module while keeping every other section as it was.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseElf, rewriteElf } from '../../src/elf/index.js';
import { formatRawString } from '../../src/format/raw.js';
import { openBtf } from '../../src/open.js';
import { distillBase } from '../../src/ops/distill.js';
import { checkModule } from '../../src/ops/module-check.js';
import { distillModuleElf } from '../../src/ops/module-elf.js';
import { relocate } from '../../src/ops/relocate.js';
import { diffBtf } from '../../src/ops/abi-diff.js';
import { detectStandaloneModule, renumberStandalone, toStandalone } from '../../src/ops/standalone.js';
import type { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { IntEncoding, Kind } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { readFixture } from '../helpers.js';

/** base: [1] int, [2] long, [3] struct list { struct list *next; long v; }, [4] ptr → 3, [5] unneeded */
function smallBase(): Btf {
  const b = new BtfBuilder();
  b.addInt('int', 4, IntEncoding.SIGNED);
  b.addInt('long', 8, IntEncoding.SIGNED);
  b.addStruct('list', 16, [
    { name: 'next', type: 4, bitOffset: 0 },
    { name: 'v', type: 2, bitOffset: 64 },
  ]);
  b.addPtr(3);
  b.addStruct('unneeded', 4, [{ name: 'x', type: 1, bitOffset: 0 }]);
  return b.build();
}

/** module: [6] struct mod { struct list l; int n; }, [7] FUNC_PROTO int(struct mod *), [8] ptr → 6 */
function smallModule(base: Btf): Btf {
  const s = new BtfBuilder({ base });
  s.addStruct('mod', 24, [
    { name: 'l', type: 3, bitOffset: 0 },
    { name: 'n', type: 1, bitOffset: 128 },
  ]);
  s.addFuncProto(1, [{ name: 'm', type: 8 }]);
  s.addPtr(6);
  s.addFunc('mod_init', 7, 1);
  return s.build();
}

function splitWith(base: Btf, add: (s: BtfBuilder) => void): Btf {
  const s = new BtfBuilder({ base });
  add(s);
  return s.build();
}

describe('standalone module BTF', () => {
  it('toStandalone copies the base closure first (struct members included) and renumbers from 1', () => {
    const base = smallBase();
    const r = toStandalone(smallModule(base));
    assert.equal(r.baseTypes, 4, 'int, long, list, ptr → list; not unneeded');
    assert.equal(r.btf.base, undefined);
    assert.equal(
      formatRawString(r.btf),
      [
        "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
        "[2] INT 'long' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED",
        "[3] STRUCT 'list' size=16 vlen=2\n\t'next' type_id=4 bits_offset=0\n\t'v' type_id=2 bits_offset=64",
        "[4] PTR '(anon)' type_id=3",
        "[5] STRUCT 'mod' size=24 vlen=2\n\t'l' type_id=3 bits_offset=0\n\t'n' type_id=1 bits_offset=128",
        "[6] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'm' type_id=7",
        "[7] PTR '(anon)' type_id=5",
        "[8] FUNC 'mod_init' type_id=6 linkage=global",
        '',
      ].join('\n'),
    );
    assert.equal(r.idMap[6], 5);
    assert.equal(r.idMap[5], 0, 'unneeded base type has no new id');
  });

  it('the standalone form is semantically equal to the split module', () => {
    const base = smallBase();
    const mod = smallModule(base);
    assert.deepEqual(diffBtf(toStandalone(mod).btf, mod).changes, []);
  });

  it('detects standalone module BTF (offsets inside the base string range, an INT named int) and renumbers it onto the base', () => {
    const base = smallBase();
    const alone = toStandalone(smallModule(base)).btf;
    const det = detectStandaloneModule(alone, base);
    assert.equal(det.standalone, true, det.reason);
    const split = renumberStandalone(alone, base);
    assert.equal(split.startId, base.nextId);
    assert.equal(split.typeCount, alone.typeCount);
    // Every id shifted by (base types), every name offset by the base's string size.
    assert.equal(split.name(base.nextId), 'int');
    assert.equal(split.kind(base.nextId + 4), Kind.STRUCT);
    assert.equal(split.name(base.nextId + 4), 'mod');
    assert.equal(split.elemWord(base.nextId + 4, 0, 1), base.nextId + 2, "member 'l' → the module's own copy of list");
    assert.equal(split.str(split.elemWord(base.nextId + 4, 1, 0)), 'n');
    assert.equal(split.nameOff(base.nextId + 3), 0, 'anonymous stays anonymous');
    split.sanityCheck();
  });

  it('split module BTF is not standalone; neither is BTF without an int', () => {
    const base = smallBase();
    const mod = smallModule(base);
    assert.equal(detectStandaloneModule(mod, base).standalone, false);
    const b = new BtfBuilder();
    b.addInt('long', 8, IntEncoding.SIGNED);
    const det = detectStandaloneModule(b.build(), base);
    assert.equal(det.standalone, false);
    assert.match(det.reason, /no INT named 'int'/);
  });

  it('check-module logic: split on the right base loads; on another base it is rejected or flagged', () => {
    const base = smallBase();
    const mod = smallModule(base);
    const ok = checkModule(writeBtf(mod), 'mod.ko', base);
    assert.equal(ok.verdict, 'loads');
    assert.deepEqual(ok.sysfs && [ok.sysfs.firstId, ok.sysfs.lastId], [6, 9]);
    const other = new BtfBuilder();
    other.addInt('int', 4, IntEncoding.SIGNED);
    const bad = checkModule(writeBtf(mod), 'mod.ko', other.build());
    assert.equal(bad.verdict, 'rejected');
    const lenient = checkModule(writeBtf(mod), 'mod.ko', other.build(), { allowMismatch: true });
    assert.equal(lenient.verdict, 'loads-without-btf');
  });

  it('check-module logic: split BTF whose names land inside another base\'s strings is called a build mismatch', () => {
    const base = smallBase();
    const mod = smallModule(base);
    // Another build of "vmlinux": its strings are longer, so the module's own string offsets
    // (which continue the base it was built against) point into the middle of a vmlinux name.
    const other = new BtfBuilder();
    other.addInt('int', 4, IntEncoding.SIGNED);
    other.addStruct(`v${'0123456789'.repeat(30)}`, 0, []);
    const bad = checkModule(writeBtf(mod), 'mod.ko', other.build());
    assert.equal(bad.verdict, 'rejected');
    assert.match(bad.reasons[0] ?? '', /does not line up with this vmlinux \(\d+ names land inside vmlinux strings\): it was most likely built against another vmlinux build/);
    // On its own base nothing is said about builds.
    assert.ok(!checkModule(writeBtf(mod), 'mod.ko', base).reasons.some((r) => /line up/.test(r)));
  });

  it('check-module logic: a standalone module is renumbered (RFC scheme) and a distilled one relocated', () => {
    const base = smallBase();
    const alone = toStandalone(smallModule(base)).btf;
    const r = checkModule(writeBtf(alone), 'mod.ko', base);
    assert.equal(r.btf, 'standalone');
    assert.equal(r.verdict, 'loads');
  });
});

describe('semantic diff', () => {
  it('reports a changed struct size and a type only on one side, regardless of ids', () => {
    const a = new BtfBuilder();
    a.addInt('int', 4, IntEncoding.SIGNED);
    a.addStruct('s', 4, [{ name: 'x', type: 1, bitOffset: 0 }]);
    a.addTypedef('only_a', 1);
    const b = new BtfBuilder();
    b.addStruct('s', 8, [{ name: 'x', type: 2, bitOffset: 0 }]);
    b.addInt('int', 4, IntEncoding.SIGNED);
    const d = diffBtf(a.build(), b.build());
    assert.deepEqual(
      d.changes.map((c) => [c.kind, c.name, c.status, c.id_a, c.id_b]),
      [
        ['struct', 's', 'changed', 2, 1],
        ['typedef', 'only_a', 'removed', 3, undefined],
      ],
    );
  });

  it('a module relocated from its distilled base equals the original module (pointer/array copies included)', () => {
    const base = smallBase();
    const mod = splitWith(base, (s) => {
      s.addStruct('holder', 8, [{ name: 'head', type: 4, bitOffset: 0 }]); // struct list *head (base ptr [4])
    });
    const d = distillBase(mod);
    const r = relocate(d.split, base);
    assert.equal(r.typeCount, mod.typeCount + 1, 'the distilled ptr → list was appended');
    assert.deepEqual(diffBtf(r, mod).changes, []);
  });
});

describe('distill inside an ELF module', () => {
  it('replaces .BTF, adds .BTF.base, keeps every other section byte for byte and leaves the input untouched', () => {
    const obj = readFixture('btf', 'kinds-el.o');
    const objElf = parseElf(obj);
    const base = openBtf(obj).btf; // the object's own BTF plays vmlinux
    const node = base.findByNameKind('node', Kind.STRUCT)!;
    const intId = base.findByNameKind('int', Kind.INT)!;
    const s = new BtfBuilder({ base });
    s.addStruct('mod_state', base.sizeOrType(node) + 8, [
      { name: 'n', type: node, bitOffset: 0 },
      { name: 'count', type: intId, bitOffset: base.sizeOrType(node) * 8 },
    ]);
    const moduleSplit = s.build();
    const ko = rewriteElf(objElf, { replace: { '.BTF': writeBtf(moduleSplit) } });
    const before = ko.slice();

    const { bytes, result } = distillModuleElf(ko, base, { file: 'mod.ko' });
    assert.deepEqual(ko, before, 'input bytes unchanged');

    const inElf = parseElf(ko);
    const outElf = parseElf(bytes);
    assert.equal(outElf.sections.length, inElf.sections.length + 1);
    for (const sec of inElf.sections) {
      if (sec.index === 0) continue;
      const o = outElf.sections[sec.index]!;
      assert.equal(o.name, sec.name);
      const keep = (x: typeof sec) => [x.type, x.flags, x.addr, x.link, x.info, x.addralign, x.entsize];
      assert.deepEqual(keep(o), keep(sec), `${sec.name}: header fields`);
      if (sec.name === '.BTF') continue;
      if (sec.index === inElf.shstrndx) {
        // The section name table only grows: the new name is appended after the old bytes.
        assert.deepEqual(outElf.sectionData(o).subarray(0, sec.size), inElf.sectionData(sec), `${sec.name}: old names kept`);
        continue;
      }
      assert.equal(o.size, sec.size, `${sec.name}: size`);
      assert.deepEqual(outElf.sectionData(o), inElf.sectionData(sec), `${sec.name}: bytes`);
    }
    const added = outElf.section('.BTF.base')!;
    assert.ok(added);
    assert.deepEqual(outElf.sectionData(added), writeBtf(result.base));

    // The new module reads back as split BTF on its distilled base and relocates onto the base.
    const reopened = openBtf(bytes, { file: 'mod.ko', distilled: 'distilled' });
    assert.equal(reopened.distilledBase?.typeCount, result.base.typeCount);
    const back = relocate(reopened.btf, base);
    assert.deepEqual(diffBtf(back, moduleSplit).changes, []);
    // openBtf relocates by itself when given a base, as libbpf's btf__parse_elf_split does.
    const opened = openBtf(bytes, { base });
    assert.equal(opened.btf.base, base);
    assert.equal(opened.btf.nextId, back.nextId);
    assert.deepEqual(diffBtf(opened.btf, moduleSplit).changes, []);
  });
});
