/**
 * Distilled base and relocation: the cases of libbpf's selftest prog_tests/btf_distill.c
 * (spec §3.5), rebuilt with BtfBuilder, with their expected ids and raw dumps.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRawString } from '../../src/format/raw.js';
import { distillBase } from '../../src/ops/distill.js';
import { formatRelocationDiagnosis } from '../../src/ops/relocate-diagnosis.js';
import { relocate, RelocationError, tryRelocate } from '../../src/ops/relocate.js';
import { BtfError } from '../../src/wire/errors.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { IntEncoding } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { readFixture } from '../helpers.js';

const SIGNED = IntEncoding.SIGNED;

/** Raw dump of every id 1..nextId-1 (base chain included), one type per array entry. */
function dumpAll(btf: Btf): string[] {
  const ids: number[] = [];
  for (let id = 1; id < btf.nextId; id++) ids.push(id);
  return formatRawString(btf, ids).trimEnd().split(/\n(?=\[)/);
}

/** btf_distill.c test_distilled_base: base btf1 (17 types) and split btf2 (12 types). */
function bigExample(): { btf1: Btf; btf2: Btf } {
  const b = new BtfBuilder();
  b.addInt('int', 4, SIGNED); // [1]
  b.addPtr(1); // [2]
  b.addStruct('s1', 8, [{ name: 'f1', type: 2, bitOffset: 0 }]); // [3]
  b.addStruct('', 12, [
    { name: 'f1', type: 1, bitOffset: 0 },
    { name: 'f2', type: 3, bitOffset: 32 },
  ]); // [4]
  b.addInt('unsigned int', 4, 0); // [5]
  b.addUnion('u1', 12, [
    { name: 'f1', type: 1, bitOffset: 0 },
    { name: 'f2', type: 2, bitOffset: 0 },
  ]); // [6]
  b.addUnion('', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]); // [7]
  b.addEnum('e1', 4, [{ name: 'v1', value: 1 }]); // [8]
  b.addEnum('', 4, [{ name: 'av1', value: 2 }]); // [9]
  b.addEnum64('e641', 8, [{ name: 'v1', value: 1024 }], true); // [10]
  b.addEnum64('', 8, [{ name: 'v1', value: 1025 }], true); // [11]
  b.addStruct('unneeded', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]); // [12]
  b.addStruct('embedded', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]); // [13]
  b.addFuncProto(1, [{ name: 'p1', type: 1 }]); // [14]
  b.addArray(1, 1, 3); // [15]
  b.addStruct('from_proto', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]); // [16]
  b.addUnion('u1', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]); // [17]
  const btf1 = b.build();
  const s = new BtfBuilder({ base: btf1 });
  s.addPtr(3); // [18]
  s.addPtr(4); // [19]
  s.addConst(6); // [20]
  s.addRestrict(7); // [21]
  s.addVolatile(8); // [22]
  s.addTypedef('et', 9); // [23]
  s.addConst(10); // [24]
  s.addPtr(11); // [25]
  s.addStruct('with_embedded', 4, [{ name: 'f1', type: 13, bitOffset: 0 }]); // [26]
  s.addFunc('fn', 14, 0); // [27]
  s.addTypedef('arraytype', 15); // [28]
  s.addFuncProto(1, [{ name: 'p1', type: 16 }]); // [29]
  return { btf1, btf2: s.build() };
}

function twoInts(size2: number): Btf {
  const b = new BtfBuilder();
  b.addInt('int', 4, SIGNED);
  b.addInt('int', size2, SIGNED);
  return b.build();
}

function splitOn(base: Btf, add: (s: BtfBuilder) => void): Btf {
  const s = new BtfBuilder({ base });
  add(s);
  return s.build();
}

function relocationError(fn: () => unknown): RelocationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RelocationError) {
      // One error family: a BtfError whose code says what failed.
      assert.ok(e instanceof BtfError);
      assert.equal(e.code, 'relocation-failed');
      return e;
    }
    throw e;
  }
  assert.fail('relocation succeeded but should have failed');
}

describe('distilled base (btf_distill.c)', () => {
  it('distilled_base: keeps only needed named types in the base and appends anonymous ones to the split', () => {
    const { btf2 } = bigExample();
    const d = distillBase(btf2);
    assert.equal(d.base.nextId, 8, 'distilled base type count (btf__type_cnt)');
    assert.deepEqual(dumpAll(d.split), [
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
      "[2] STRUCT 's1' size=8 vlen=0",
      "[3] UNION 'u1' size=12 vlen=0",
      "[4] ENUM 'e1' encoding=UNSIGNED size=4 vlen=0",
      "[5] ENUM 'e641' encoding=UNSIGNED size=8 vlen=0",
      "[6] STRUCT 'embedded' size=4 vlen=0",
      "[7] STRUCT 'from_proto' size=4 vlen=0",
      "[8] PTR '(anon)' type_id=2",
      "[9] PTR '(anon)' type_id=20",
      "[10] CONST '(anon)' type_id=3",
      "[11] RESTRICT '(anon)' type_id=21",
      "[12] VOLATILE '(anon)' type_id=4",
      "[13] TYPEDEF 'et' type_id=22",
      "[14] CONST '(anon)' type_id=5",
      "[15] PTR '(anon)' type_id=23",
      "[16] STRUCT 'with_embedded' size=4 vlen=1\n\t'f1' type_id=6 bits_offset=0",
      "[17] FUNC 'fn' type_id=24 linkage=static",
      "[18] TYPEDEF 'arraytype' type_id=25",
      "[19] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p1' type_id=7",
      "[20] STRUCT '(anon)' size=12 vlen=2\n\t'f1' type_id=1 bits_offset=0\n\t'f2' type_id=2 bits_offset=32",
      "[21] UNION '(anon)' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0",
      "[22] ENUM '(anon)' encoding=UNSIGNED size=4 vlen=1\n\t'av1' val=2",
      "[23] ENUM64 '(anon)' encoding=SIGNED size=8 vlen=1\n\t'v1' val=1025LL",
      "[24] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p1' type_id=1",
      "[25] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=3",
    ]);
    assert.equal(d.idMap[3], 2, 's1 → distilled [2]');
    assert.equal(d.idMap[4], 20, 'anonymous struct → appended split [20]');
    assert.equal(d.idMap[12], 0, 'unneeded is dropped');
  });

  it('distilled_base: relocating back onto the original base puts the appended types at 30..35', () => {
    const { btf1, btf2 } = bigExample();
    const d = distillBase(btf2);
    const r = relocate(d.split, btf1);
    const dump = dumpAll(r);
    assert.equal(r.nextId, 36);
    assert.deepEqual(dump.slice(17), [
      "[18] PTR '(anon)' type_id=3",
      "[19] PTR '(anon)' type_id=30",
      "[20] CONST '(anon)' type_id=6",
      "[21] RESTRICT '(anon)' type_id=31",
      "[22] VOLATILE '(anon)' type_id=8",
      "[23] TYPEDEF 'et' type_id=32",
      "[24] CONST '(anon)' type_id=10",
      "[25] PTR '(anon)' type_id=33",
      "[26] STRUCT 'with_embedded' size=4 vlen=1\n\t'f1' type_id=13 bits_offset=0",
      "[27] FUNC 'fn' type_id=34 linkage=static",
      "[28] TYPEDEF 'arraytype' type_id=35",
      "[29] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p1' type_id=16",
      "[30] STRUCT '(anon)' size=12 vlen=2\n\t'f1' type_id=1 bits_offset=0\n\t'f2' type_id=3 bits_offset=32",
      "[31] UNION '(anon)' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0",
      "[32] ENUM '(anon)' encoding=UNSIGNED size=4 vlen=1\n\t'av1' val=2",
      "[33] ENUM64 '(anon)' encoding=SIGNED size=8 vlen=1\n\t'v1' val=1025LL",
      "[34] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'p1' type_id=1",
      "[35] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=3",
    ]);
    r.sanityCheck();
  });

  it('distilled_base_multi: two ints of different sizes are both kept and relocate by size', () => {
    const btf1 = twoInts(8);
    const btf2 = splitOn(btf1, (s) => {
      s.addPtr(1);
      s.addConst(2);
    });
    const d = distillBase(btf2);
    assert.equal(d.base.nextId, 3);
    assert.deepEqual(dumpAll(d.base), ["[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED", "[2] INT 'int' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED"]);
    const r = relocate(d.split, btf1);
    assert.deepEqual(dumpAll(r).slice(2), ["[3] PTR '(anon)' type_id=1", "[4] CONST '(anon)' type_id=2"]);
  });

  it('distilled_base_missing_err: a needed int(8) missing from the new base fails and names it', () => {
    const btf1 = twoInts(8);
    const d = distillBase(
      splitOn(btf1, (s) => {
        s.addPtr(1);
        s.addConst(2);
      }),
    );
    const b5 = new BtfBuilder();
    b5.addInt('int', 4, SIGNED);
    const e = relocationError(() => relocate(d.split, b5.build()));
    assert.equal(e.diagnosis.libbpfMessage, "distilled base BTF type 'int' [2] is not mapped to base BTF id");
    assert.equal(e.diagnosis.problems.length, 1);
    const p = e.diagnosis.problems[0]!;
    assert.equal(p.problem, 'unmapped');
    assert.deepEqual(
      p.candidates.map((c) => [c.id, c.accepted, c.why]),
      [[1, false, 'size 8 → 4']],
    );
    assert.deepEqual(
      p.users.map((u) => [u.id, u.how]),
      [[4, 'uses']],
    );
  });

  it('distilled_base_multi_err: two identical distilled ints make relocation onto their own base ambiguous', () => {
    const btf1 = twoInts(4);
    const d = distillBase(
      splitOn(btf1, (s) => {
        s.addPtr(1);
        s.addConst(2);
      }),
    );
    assert.deepEqual(dumpAll(d.base), ["[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED", "[2] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED"]);
    const e = relocationError(() => relocate(d.split, btf1));
    assert.match(e.diagnosis.libbpfMessage, /has multiple candidates of the same size \(ids \[2, 1\]\)/);
    assert.ok(e.diagnosis.problems.every((p) => p.problem === 'ambiguous'));
  });

  it('distilled_base_multi_err2: one distilled int and two identical ints in the new base is ambiguous', () => {
    const b1 = new BtfBuilder();
    b1.addInt('int', 4, SIGNED);
    const d = distillBase(splitOn(b1.build(), (s) => s.addPtr(1)));
    assert.equal(d.base.nextId, 2);
    const r = tryRelocate(d.split, twoInts(4));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.diagnosis.libbpfMessage, "distilled base BTF type 'int' [1], size 4 has multiple candidates of the same size (ids [2, 1]) in base BTF");
    assert.deepEqual(
      r.diagnosis.problems[0]!.candidates.map((c) => c.accepted),
      [true, true],
    );
  });

  it('distilled_base_embedded_err: an embedded struct whose size changed (4 → 8) is rejected with the reason', () => {
    const b1 = new BtfBuilder();
    b1.addInt('int', 4, SIGNED);
    b1.addStruct('s1', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]);
    const btf2 = splitOn(b1.build(), (s) => s.addStruct('with_embedded', 8, [{ name: 'e1', type: 2, bitOffset: 0 }]));
    const d = distillBase(btf2);
    assert.equal(d.base.nextId, 2);
    assert.deepEqual(dumpAll(d.split), ["[1] STRUCT 's1' size=4 vlen=0", "[2] STRUCT 'with_embedded' size=8 vlen=1\n\t'e1' type_id=1 bits_offset=0"]);
    const b5 = new BtfBuilder();
    b5.addInt('int', 4, SIGNED);
    b5.addStruct('s1', 8, [{ name: 'f1', type: 1, bitOffset: 0 }]);
    const e = relocationError(() => relocate(d.split, b5.build()));
    const p = e.diagnosis.problems[0]!;
    assert.equal(p.name, 's1');
    assert.equal(p.embedded, true);
    assert.deepEqual(
      p.candidates.map((c) => [c.id, c.why]),
      [[2, 'embedded in a module struct/union: size 4 → 8']],
    );
    assert.deepEqual(
      p.users.map((u) => [u.name, u.via, u.how]),
      [['with_embedded', 'e1', 'embeds']],
    );
    assert.match(formatRelocationDiagnosis(e.diagnosis), /struct s1 \(embedded\): embedded in a module struct\/union: size 4 → 8/);
  });

  it('a pointed-to struct may change size: only embedded ones need the same size', () => {
    const b1 = new BtfBuilder();
    b1.addInt('int', 4, SIGNED);
    b1.addStruct('s1', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]);
    const btf2 = splitOn(b1.build(), (s) => {
      const p = s.addPtr(2);
      s.addStruct('holder', 8, [{ name: 'p', type: p, bitOffset: 0 }]);
    });
    const b5 = new BtfBuilder();
    b5.addInt('int', 4, SIGNED);
    b5.addStruct('s1', 8, [{ name: 'f1', type: 1, bitOffset: 0 }]);
    const r = relocate(distillBase(btf2).split, b5.build());
    assert.equal(formatRawString(r), "[3] PTR '(anon)' type_id=2\n[4] STRUCT 'holder' size=8 vlen=1\n\t'p' type_id=3 bits_offset=0\n");
  });

  it('distilled_base_vmlinux: typedef myint → int on a real vmlinux distills to [1] int, [2] myint, [3] ptr', () => {
    const vmlinux = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'));
    const intId = vmlinux.findByNameKind('int', 1)!;
    const split = splitOn(vmlinux, (s) => {
      const myint = s.addTypedef('myint', intId);
      s.addPtr(myint);
    });
    const d = distillBase(split);
    assert.deepEqual(dumpAll(d.split), ["[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED", "[2] TYPEDEF 'myint' type_id=1", "[3] PTR '(anon)' type_id=2"]);
  });

  it('distilled_endianness: outputs keep the opposite byte order and round-trip through bytes', () => {
    const b = new BtfBuilder({ endian: 'big' });
    b.addInt('int', 4, SIGNED);
    const base = Btf.parse(b.toBytes());
    assert.equal(base.endian, 'big');
    const d = distillBase(splitOn(base, (s) => s.addPtr(1)));
    assert.equal(d.base.nextId, 2);
    const base1 = Btf.parse(writeBtf(d.base));
    const split1 = Btf.parse(writeBtf(d.split), { base: base1 });
    assert.equal(base1.endian, 'big');
    assert.equal(split1.endian, 'big');
    assert.deepEqual(dumpAll(split1), ["[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED", "[2] PTR '(anon)' type_id=1"]);
  });

  it('rejects distilling BTF that has no base', () => {
    const b = new BtfBuilder();
    b.addInt('int', 4, SIGNED);
    assert.throws(() => distillBase(b.build()), /needs split BTF/);
  });

  it('split strings that equal distilled-base names reuse the base offsets (libbpf string order)', () => {
    const b1 = new BtfBuilder();
    b1.addInt('int', 4, SIGNED);
    const split = splitOn(b1.build(), (s) => {
      s.addStruct('wrap', 4, [{ name: 'int', type: 1, bitOffset: 0 }]);
    });
    const d = distillBase(split);
    const words = d.split.words;
    assert.equal(words[3], d.base.nameOff(1), "member named 'int' points at the distilled base's string");
    assert.equal(d.split.strings.length, 'wrap'.length + 1);
  });
});

describe('relocation of the selftests module (btf_testmod)', () => {
  it('relocates onto the 7.1 vmlinux fixture: 104,851 types in all, every reference resolving', () => {
    const dist = Btf.parse(readFixture('third-party', 'btf_testmod.btf.base'));
    const split = Btf.parse(readFixture('third-party', 'btf_testmod.btf'), { base: dist });
    assert.equal(dist.typeCount, 157);
    assert.equal(split.typeCount, 1444);
    const vmlinux = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'));
    const r = relocate(split, vmlinux, { sanityCheck: true });
    assert.equal(r.nextId, 104851);
    assert.equal(r.startId, vmlinux.nextId);
    assert.equal(r.typeCount, 1444);
    // Every distilled base type now points at the same-named type of the new base.
    for (let id = split.startId; id < split.nextId; id++) {
      assert.equal(r.name(id + r.startId - split.startId), split.name(id));
    }
  });

  it('the same relocation fails onto a base whose embedded struct changed size, listing candidates and users', () => {
    const dist = Btf.parse(readFixture('third-party', 'btf_testmod.btf.base'));
    const split = Btf.parse(readFixture('third-party', 'btf_testmod.btf'), { base: dist });
    // A new base: the distilled base's own types, with 'mutex' made 8 bytes bigger.
    const b = new BtfBuilder();
    for (let id = 1; id < dist.nextId; id++) {
      const k = dist.kind(id);
      if (dist.name(id) === 'mutex') b.addStruct('mutex', dist.sizeOrType(id) + 8);
      else if (k === 4 || k === 5) b.addStruct(dist.name(id), dist.sizeOrType(id), [], k === 5);
      else b.copyType(dist, id);
    }
    const r = tryRelocate(split, b.build());
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.diagnosis.problems.length, 1);
    const p = r.diagnosis.problems[0]!;
    assert.equal(p.name, 'mutex');
    assert.equal(p.embedded, true);
    assert.match(p.candidates[0]!.why, /size 24 → 32/);
    assert.ok(p.users.length > 0 && p.users.every((u) => u.how === 'embeds'));
  });
});
