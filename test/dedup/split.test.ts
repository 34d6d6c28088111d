/**
 * Split-BTF dedup: the four scenarios of libbpf's prog_tests/btf_dedup_split.c, built with the builder, each checked against its expected raw text.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRawString } from '../../src/format/raw.js';
import { dedup } from '../../src/ops/dedup.js';
import type { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { IntEncoding } from '../../src/wire/kinds.js';

const raw = (btf: Btf): string => formatRawString(btf).trimEnd();
const lines = (...types: string[]): string => types.join('\n');

function baseSimple(): Btf {
  const b = new BtfBuilder();
  b.addInt('int', 4, IntEncoding.SIGNED); // [1]
  b.addPtr(1); // [2]
  b.addStruct('s1', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]); // [3]
  return b.build();
}

describe('split dedup (btf_dedup_split.c)', () => {
  it('split_simple: duplicates of base types fold into the base, only the new struct stays', () => {
    const base = baseSimple();
    const s = new BtfBuilder({ base });
    s.addInt('int', 4, IntEncoding.SIGNED); // [4]
    s.addPtr(4); // [5] int *
    s.addStruct('s1', 4, [{ name: 'f1', type: 4, bitOffset: 0 }]); // [6]
    s.addStruct('s2', 16, [
      { name: 'f1', type: 6, bitOffset: 0 },
      { name: 'f2', type: 4, bitOffset: 32 },
      { name: 'f3', type: 5, bitOffset: 64 },
    ]); // [7]
    const split = s.build();
    assert.equal(split.typeCount, 4);
    const r = dedup(split);
    assert.equal(raw(r.btf), lines("[4] STRUCT 's2' size=16 vlen=3\n\t'f1' type_id=3 bits_offset=0\n\t'f2' type_id=1 bits_offset=32\n\t'f3' type_id=2 bits_offset=64"));
    assert.equal(r.btf.base, base);
    // Base types untouched, split string table holds only strings the base lacks.
    assert.equal(raw(base), lines("[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED", "[2] PTR '(anon)' type_id=1", "[3] STRUCT 's1' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0"));
    assert.equal(new TextDecoder().decode(r.btf.strings), 's2\0f2\0f3\0');
    assert.equal(r.btf.findByNameKind('int', 1), 1);
    assert.deepEqual([...r.idMap], [0, 1, 2, 3, 1, 2, 3, 4]);
  });

  it('split_struct_duped: a base FWD cannot be resolved, so split structs needing it stay', () => {
    // base: [1] int, [2] s1 *, [3] s2 * (fwd), [4] struct s1 { struct s2 *f1; }, [5] fwd s2
    const b = new BtfBuilder();
    b.addInt('int', 4, IntEncoding.SIGNED);
    b.addPtr(4);
    b.addPtr(5);
    b.addStruct('s1', 8, [{ name: 'f1', type: 3, bitOffset: 0 }]);
    b.addFwd('s2');
    const base = b.build();
    const s = new BtfBuilder({ base });
    s.addPtr(8); // [6] s1 *
    s.addPtr(9); // [7] s2 *
    s.addStruct('s1', 8, [{ name: 'f1', type: 7, bitOffset: 0 }]); // [8]
    s.addStruct('s2', 16, [
      { name: 'f1', type: 1, bitOffset: 0 },
      { name: 'f2', type: 6, bitOffset: 64 },
    ]); // [9]
    s.addStruct('s3', 8, [{ name: 'f1', type: 12, bitOffset: 0 }]); // [10]
    s.addFwd('s2'); // [11]
    s.addPtr(11); // [12] ptr to fwd s2
    const r = dedup(s.build());
    assert.equal(
      raw(r.btf),
      lines(
        "[6] PTR '(anon)' type_id=8",
        "[7] PTR '(anon)' type_id=9",
        "[8] STRUCT 's1' size=8 vlen=1\n\t'f1' type_id=7 bits_offset=0",
        "[9] STRUCT 's2' size=16 vlen=2\n\t'f1' type_id=1 bits_offset=0\n\t'f2' type_id=6 bits_offset=64",
        "[10] STRUCT 's3' size=8 vlen=1\n\t'f1' type_id=7 bits_offset=0",
      ),
    );
    // The base FWD s2 now resolves to the split s2 for references (its record is unchanged).
    assert.equal(r.idMap[5], 9);
    assert.equal(base.kind(5), 7);
  });

  it('split_fwd_resolve: a split FWD resolves against the full base struct, nothing stays', () => {
    const b = new BtfBuilder();
    b.addInt('int', 4, IntEncoding.SIGNED); // [1]
    b.addPtr(4); // [2] s1 *
    b.addPtr(5); // [3] s2 *
    b.addStruct('s1', 16, [
      { name: 'f1', type: 2, bitOffset: 0 },
      { name: 'f2', type: 3, bitOffset: 64 },
    ]); // [4]
    b.addStruct('s2', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]); // [5]
    const base = b.build();
    const s = new BtfBuilder({ base });
    s.addInt('int', 4, IntEncoding.SIGNED); // [6]
    s.addPtr(9); // [7] s1 *
    s.addPtr(11); // [8] ptr to fwd s2
    s.addStruct('s1', 16, [
      { name: 'f1', type: 7, bitOffset: 0 },
      { name: 'f2', type: 8, bitOffset: 64 },
    ]); // [9]
    s.addStruct('s2', 4, [{ name: 'f1', type: 6, bitOffset: 0 }]); // [10]
    s.addFwd('s2'); // [11]
    const r = dedup(s.build());
    assert.equal(r.btf.typeCount, 0);
    assert.equal(r.btf.nextId, 6);
    assert.deepEqual([...r.idMap.subarray(6)], [1, 2, 3, 4, 5, 5]);
  });

  it('split_dup_struct_in_cu: compiler-duplicated anonymous structs in base and split', () => {
    const b = new BtfBuilder();
    b.addInt('int', 4, IntEncoding.SIGNED); // [1]
    const anon = [
      { name: 'f1', type: 1, bitOffset: 0 },
      { name: 'f2', type: 1, bitOffset: 32 },
    ];
    b.addStruct('', 8, anon); // [2]
    b.addStruct('', 8, anon); // [3] identical copy
    b.addStruct('s', 16, [
      { name: 'a', type: 2, bitOffset: 0 },
      { name: 'b', type: 3, bitOffset: 64 },
    ]); // [4]
    const base = dedup(b.build()).btf;
    assert.equal(
      raw(base),
      lines(
        "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
        "[2] STRUCT '(anon)' size=8 vlen=2\n\t'f1' type_id=1 bits_offset=0\n\t'f2' type_id=1 bits_offset=32",
        "[3] STRUCT 's' size=16 vlen=2\n\t'a' type_id=2 bits_offset=0\n\t'b' type_id=2 bits_offset=64",
      ),
    );
    // The split copy has struct s first, so its second member meets the hypothetical map
    // entry of the first and needs the identical-types check.
    const s = new BtfBuilder({ base });
    s.addStruct('s', 16, [
      { name: 'a', type: 6, bitOffset: 0 },
      { name: 'b', type: 7, bitOffset: 64 },
    ]); // [4]
    s.addInt('int', 4, IntEncoding.SIGNED); // [5]
    const anon2 = [
      { name: 'f1', type: 5, bitOffset: 0 },
      { name: 'f2', type: 5, bitOffset: 32 },
    ];
    s.addStruct('', 8, anon2); // [6]
    s.addStruct('', 8, anon2); // [7]
    const r = dedup(s.build());
    assert.equal(r.btf.typeCount, 0);
    assert.deepEqual([...r.idMap.subarray(4)], [3, 1, 2, 2]);
  });

  it('a typedef in a cycle through a struct, over a base FWD: checked first (struct phase, libbpf since Nov 2025), it lets the struct fold into the base; legacy keeps the struct (libbpf 1.5, pahole 1.30 on libnvdimm)', () => {
    // The shape of libnvdimm's nvdimm_bus_descriptor: struct d's member is a typedef of a
    // function pointer taking d * and n *, where n is a FWD in the base and a struct in the module.
    const b = new BtfBuilder();
    b.addInt('int', 4, IntEncoding.SIGNED); // [1]
    b.addFwd('n'); // [2]
    b.addPtr(2); // [3] n * (fwd)
    b.addTypedef('fn_t', 5); // [4]
    b.addPtr(6); // [5]
    b.addFuncProto(1, [{ type: 7 }, { type: 3 }]); // [6] int (d *, n *)
    b.addPtr(8); // [7] d *
    b.addStruct('d', 8, [{ name: 'f', type: 4, bitOffset: 0 }]); // [8]
    const base = b.build();
    const s = new BtfBuilder({ base });
    s.addInt('int', 4, IntEncoding.SIGNED); // [9]
    s.addTypedef('fn_t', 11); // [10]
    s.addPtr(12); // [11]
    s.addFuncProto(9, [{ type: 13 }, { type: 15 }]); // [12]
    s.addPtr(14); // [13] d *
    s.addStruct('d', 8, [{ name: 'f', type: 10, bitOffset: 0 }]); // [14]
    s.addPtr(16); // [15] n *
    s.addStruct('n', 4, [{ name: 'x', type: 9, bitOffset: 0 }]); // [16]
    const split = s.build();
    // The typedef's check meets base FWD n for the module's n: not equal (the base cannot
    // change), but FWD n now stands for the module's n, so d equals the base's d.
    assert.equal(
      raw(dedup(split).btf),
      lines(
        "[9] TYPEDEF 'fn_t' type_id=10",
        "[10] PTR '(anon)' type_id=11",
        "[11] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n\t'(anon)' type_id=7\n\t'(anon)' type_id=12",
        "[12] PTR '(anon)' type_id=13",
        "[13] STRUCT 'n' size=4 vlen=1\n\t'x' type_id=1 bits_offset=0",
      ),
    );
    // Legacy: d is checked first, meets the FWD and stays, with the typedef (a reference type) that uses it.
    assert.equal(
      raw(dedup(split, { legacy: true }).btf),
      lines(
        "[9] TYPEDEF 'fn_t' type_id=10",
        "[10] PTR '(anon)' type_id=11",
        "[11] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n\t'(anon)' type_id=12\n\t'(anon)' type_id=14",
        "[12] PTR '(anon)' type_id=13",
        "[13] STRUCT 'd' size=8 vlen=1\n\t'f' type_id=9 bits_offset=0",
        "[14] PTR '(anon)' type_id=15",
        "[15] STRUCT 'n' size=4 vlen=1\n\t'x' type_id=1 bits_offset=0",
      ),
    );
  });
});
