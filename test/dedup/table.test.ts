/**
 * The dedup_tests[] cases of libbpf's prog_tests/btf.c, plus the subtleties
 * of §2.5. Each input is built here; the expected output is either literal raw text or a
 * second BTF built type by type, compared as bpftool raw text. Like the selftest harness,
 * string sections are compared by length and content, not order.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRawString } from '../../src/format/raw.js';
import { dedup } from '../../src/ops/dedup.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { BtfError } from '../../src/wire/errors.js';
import { IntEncoding, Kind, Linkage } from '../../src/wire/kinds.js';
import { encodeBlob, info, strOff } from '../helpers.js';
import { sameNameChain } from '../hostile/inputs.js';

const raw = (btf: Btf): string => formatRawString(btf).trimEnd();
const build = (fn: (b: BtfBuilder) => void): Btf => {
  const b = new BtfBuilder();
  fn(b);
  return b.build();
};
const stringSet = (btf: Btf): string[] => {
  const t = new TextDecoder().decode(btf.strings);
  return t.split('\0').slice(0, -1).sort();
};

/** Dedup `input` and compare with `expected` (raw text, type count, string set and size). */
function expectDedup(input: Btf, expected: Btf, opts: { forceCollisions?: boolean } = {}): Btf {
  const r = dedup(input, opts);
  assert.equal(raw(r.btf), raw(expected));
  // The signatures that skip hopeless graph checks never change a result.
  assert.deepEqual(dedup(input, { ...opts, signatureBudget: 0 }).btf.bytes, r.btf.bytes);
  assert.equal(r.btf.typeCount, expected.typeCount);
  assert.equal(r.btf.strings.length, expected.strings.length);
  assert.deepEqual(stringSet(r.btf), stringSet(expected));
  return r.btf;
}

/** Dedup leaves `input` exactly as it is. */
function expectUnchanged(input: Btf): void {
  expectDedup(input, input);
}

describe('dedup table (prog_tests/btf.c dedup_tests[])', () => {
  it('unused strings filtering: strings no type references are dropped', () => {
    const strings = ['', 'unused', 'int', 'foo', 'bar', 'long'];
    const input = Btf.parse(
      encodeBlob({
        types: [
          [strOff(strings, 'int'), info(Kind.INT), 4, (1 << 24) | 32],
          [strOff(strings, 'long'), info(Kind.INT), 8, (1 << 24) | 64],
        ],
        strings,
      }),
    );
    const r = dedup(input);
    assert.equal(new TextDecoder().decode(r.btf.strings), '\0int\0long\0');
    assert.equal(raw(r.btf), "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] INT 'long' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED");
  });

  it('strings deduplication: repeated strings collapse to one offset', () => {
    const strings = ['', 'int', 'long int', 'int', 'long int', 'int'];
    let off = 0;
    const offs = strings.map((s) => {
      const o = off;
      off += s.length + 1;
      return o;
    });
    const input = Btf.parse(
      encodeBlob({
        types: [
          [offs[1]!, info(Kind.INT), 4, (1 << 24) | 32],
          [offs[2]!, info(Kind.INT), 8, (1 << 24) | 64],
          [offs[3]!, info(Kind.INT), 4, (1 << 24) | 16],
          [offs[4]!, info(Kind.INT), 8, (1 << 24) | 32],
          [offs[5]!, info(Kind.INT), 2, (1 << 24) | 16],
        ],
        strings,
      }),
    );
    const r = dedup(input);
    assert.equal(r.btf.typeCount, 5);
    assert.equal(new TextDecoder().decode(r.btf.strings), '\0int\0long int\0');
    assert.equal(r.btf.nameOff(1), r.btf.nameOff(3));
    assert.equal(r.btf.nameOff(2), r.btf.nameOff(4));
  });

  it('struct example #1: a duplicated self-referential struct graph collapses', () => {
    const copy = (b: BtfBuilder, first: number): void => {
      const [INT, ARR, S, PS, PC, C] = [first, first + 1, first + 2, first + 3, first + 4, first + 5];
      b.addInt('', 4, IntEncoding.SIGNED); // int
      b.addArray(INT, INT, 16); // int[16]
      b.addStruct('s', 88, [
        { name: 'next', type: PS, bitOffset: 0 },
        { name: 'a', type: PC, bitOffset: 64 },
        { name: 'b', type: ARR, bitOffset: 128 },
        { name: 'c', type: INT, bitOffset: 640 },
        { name: 'd', type: 15, bitOffset: 672 },
      ]);
      b.addPtr(S);
      b.addPtr(C);
      b.addConst(INT);
    };
    const input = build((b) => {
      copy(b, 1); // [1..6]
      b.addDeclTag('s', 3, -1); // [7]
      b.addDeclTag('s', 3, 1); // [8]
      copy(b, 9); // [9..14]
      b.addFloat('float', 4); // [15]
      b.addDeclTag('s', 11, -1); // [16]
      b.addDeclTag('s', 11, 1); // [17]
    });
    const expected = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      b.addArray(1, 1, 16); // [2]
      b.addStruct('s', 88, [
        { name: 'next', type: 4, bitOffset: 0 },
        { name: 'a', type: 5, bitOffset: 64 },
        { name: 'b', type: 2, bitOffset: 128 },
        { name: 'c', type: 1, bitOffset: 640 },
        { name: 'd', type: 9, bitOffset: 672 },
      ]); // [3]
      b.addPtr(3); // [4]
      b.addPtr(6); // [5]
      b.addConst(1); // [6]
      b.addDeclTag('s', 3, -1); // [7]
      b.addDeclTag('s', 3, 1); // [8]
      b.addFloat('float', 4); // [9]
    });
    expectDedup(input, expected);
  });

  it('struct <-> fwd resolution w/ hash collision: FWD resolves, no FWD/STRUCT loop', () => {
    const input = build((b) => {
      b.addFwd('x'); // [1]
      b.addPtr(1); // [2]
      b.addStruct('s', 8, [{ name: 'x', type: 2, bitOffset: 0 }]); // [3]
      b.addStruct('x', 0); // [4]
      b.addPtr(4); // [5]
      b.addStruct('s', 8, [{ name: 'x', type: 5, bitOffset: 0 }]); // [6]
    });
    const expected = build((b) => {
      b.addString('s');
      b.addPtr(3); // [1]
      b.addStruct('s', 8, [{ name: 'x', type: 1, bitOffset: 0 }]); // [2]
      b.addStruct('x', 0); // [3]
    });
    expectDedup(input, expected, { forceCollisions: true });
    expectDedup(input, expected);
  });

  it('void equiv check: pointer to an empty struct is not a pointer to void', () => {
    const input = build((b) => {
      b.addStruct('', 1); // [1] struct {}
      b.addPtr(1); // [2]
      b.addStruct('s', 8, [{ name: 'x', type: 2, bitOffset: 0 }]); // [3]
      b.addPtr(0); // [4] void *
      b.addStruct('s', 8, [{ name: 'x', type: 4, bitOffset: 0 }]); // [5]
    });
    expectUnchanged(input);
  });

  it('all possible kinds (no duplicates): every kind survives unchanged', () => {
    const input = build((b) => {
      b.addInt('int', 4, IntEncoding.SIGNED); // [1]
      b.addEnum('e', 4, [
        { name: 'E1', value: 0 },
        { name: 'E2', value: 1 },
      ]); // [2]
      b.addFwd('s1'); // [3]
      b.addFwd('u1', true); // [4]
      b.addPtr(1); // [5]
      b.addVolatile(1); // [6]
      b.addConst(1); // [7]
      b.addRestrict(5); // [8]
      b.addArray(1, 1, 4); // [9]
      b.addStruct('s', 8, [
        { name: 'a', type: 1, bitOffset: 0 },
        { name: 'b', type: 1, bitOffset: 32, bitSize: 4 },
      ]); // [10]
      b.addUnion('u', 4, [{ name: 'a', type: 1, bitOffset: 0 }]); // [11]
      b.addTypedef('td', 1); // [12]
      b.addFuncProto(1, [{ name: 'p', type: 1 }]); // [13]
      b.addFunc('f', 13, Linkage.GLOBAL); // [14]
      b.addVar('v', 1, Linkage.GLOBAL); // [15]
      b.addDatasec('.data', 4, [{ type: 15, offset: 0, size: 4 }]); // [16]
      b.addFloat('float', 4); // [17]
      b.addDeclTag('tag1', 12, -1); // [18] on typedef
      b.addDeclTag('tag2', 14, -1); // [19] on func
      b.addDeclTag('tag3', 14, 0); // [20] on param
      b.addTypeTag('tag4', 1); // [21]
      b.addEnum64('e64', 8, [
        { name: 'E3', value: 0x1234567887654321n },
        { name: 'E4', value: 1 },
      ]); // [22]
      b.addDeclTag('tag5', 10, 1); // [23] on member
    });
    expectUnchanged(input);
  });

  it('no int/float duplicates: every variant of name, encoding, offset, bits and size stays', () => {
    const input = build((b) => {
      b.addInt('int', 4, IntEncoding.SIGNED); // base
      b.addInt('some other int', 4, IntEncoding.SIGNED); // name
      b.addInt('int', 4, 0); // encoding
      b.addInt('int', 4, IntEncoding.CHAR);
      b.addInt('int', 4, IntEncoding.BOOL);
      b.addInt('int', 4, IntEncoding.SIGNED, 27); // bits
      b.addInt('int', 4, IntEncoding.SIGNED, 27, 1); // bit offset
      b.addInt('int', 8, IntEncoding.SIGNED, 32); // size
      b.addFloat('float', 2);
      b.addFloat('float', 4);
      b.addFloat('float', 8);
      b.addFloat('float', 12);
      b.addFloat('float', 16);
    });
    expectUnchanged(input);
  });

  it('enum fwd resolution: fwd before/after the full enum, any size; a different value stays', () => {
    const input = build((b) => {
      b.addEnum('e1', 4); // [1] fwd before full
      b.addEnum('e1', 4, [{ name: 'v1', value: 123 }]); // [2]
      b.addEnum('e2', 4, [{ name: 'v2', value: 456 }]); // [3]
      b.addEnum('e2', 4); // [4] fwd after full
      b.addEnum('e1', 1); // [5] fwd with a different size
      b.addEnum('e1', 4, [{ name: 'v1', value: 321 }]); // [6] different value
    });
    const expected = build((b) => {
      b.addEnum('e1', 4, [{ name: 'v1', value: 123 }]);
      b.addEnum('e2', 4, [{ name: 'v2', value: 456 }]);
      b.addEnum('e1', 4, [{ name: 'v1', value: 321 }]);
    });
    expectDedup(input, expected);
  });

  it('datasec and vars pass-through: never deduplicated, their int references are', () => {
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      b.addVar('t', 1); // [2]
      b.addDatasec('.bss', 4, [{ type: 2, offset: 0, size: 4 }]); // [3]
      b.addInt('', 4, IntEncoding.SIGNED); // [4]
      b.addVar('t', 4); // [5]
      b.addDatasec('.bss', 4, [{ type: 5, offset: 0, size: 4 }]); // [6]
    });
    const expected = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED);
      b.addVar('t', 1);
      b.addDatasec('.bss', 4, [{ type: 2, offset: 0, size: 4 }]);
      b.addVar('t', 1);
      b.addDatasec('.bss', 4, [{ type: 4, offset: 0, size: 4 }]);
    });
    expectDedup(input, expected);
  });

  it('func/func_arg/var tags: duplicate decl tags collapse', () => {
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      b.addVar('t', 1); // [2]
      b.addFuncProto(0, [
        { name: 'a1', type: 1 },
        { name: 'a2', type: 1 },
      ]); // [3]
      b.addFunc('f', 3); // [4]
      b.addDeclTag('tag', 2, -1); // [5]
      b.addDeclTag('tag', 2, -1); // [6]
      b.addDeclTag('tag', 4, -1); // [7]
      b.addDeclTag('tag', 4, -1); // [8]
      b.addDeclTag('tag', 4, 1); // [9]
      b.addDeclTag('tag', 4, 1); // [10]
    });
    const expected = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED);
      b.addVar('t', 1);
      b.addFuncProto(0, [
        { name: 'a1', type: 1 },
        { name: 'a2', type: 1 },
      ]);
      b.addFunc('f', 3);
      b.addDeclTag('tag', 2, -1);
      b.addDeclTag('tag', 4, -1);
      b.addDeclTag('tag', 4, 1);
    });
    expectDedup(input, expected);
  });

  it('func/func_param tags: a duplicated function with its tags collapses', () => {
    const copy = (b: BtfBuilder, first: number): void => {
      b.addFuncProto(0, [
        { name: 'a1', type: 1 },
        { name: 'a2', type: 1 },
      ]);
      b.addFunc('f', first);
      b.addDeclTag('tag1', first + 1, -1);
      b.addDeclTag('tag2', first + 1, -1);
      b.addDeclTag('tag1', first + 1, 1);
      b.addDeclTag('tag2', first + 1, 1);
    };
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      copy(b, 2); // [2..7]
      copy(b, 8); // [8..13]
    });
    const expected = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED);
      copy(b, 2);
    });
    expectDedup(input, expected);
  });

  it('struct/struct_member tags: a duplicated tagged struct collapses', () => {
    const copy = (b: BtfBuilder, first: number): void => {
      b.addStruct('t1', 8, [
        { name: 'm1', type: 1, bitOffset: 0 },
        { name: 'm2', type: 1, bitOffset: 32 },
      ]);
      b.addDeclTag('tag1', first, -1);
      b.addDeclTag('tag2', first, -1);
      b.addDeclTag('tag1', first, 1);
      b.addDeclTag('tag2', first, 1);
    };
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      copy(b, 2);
      copy(b, 7);
    });
    const expected = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED);
      copy(b, 2);
    });
    expectDedup(input, expected);
  });

  it('typedef tags: duplicate decl tags collapse onto the canonical typedef', () => {
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      b.addTypedef('t', 1); // [2]
      b.addTypedef('t', 1); // [3]
      b.addDeclTag('tag1', 2, -1); // [4]
      b.addDeclTag('tag2', 2, -1); // [5]
      b.addDeclTag('tag1', 3, -1); // [6]
      b.addDeclTag('tag2', 3, -1); // [7]
    });
    const expected = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED);
      b.addTypedef('t', 1);
      b.addDeclTag('tag1', 2, -1);
      b.addDeclTag('tag2', 2, -1);
    });
    expectDedup(input, expected);
  });

  it('btf_type_tag #1: identical tag chains dedup', () => {
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      b.addTypeTag('tag1', 1); // [2]
      b.addTypeTag('tag2', 2); // [3]
      b.addPtr(3); // [4] ptr -> tag2 -> tag1 -> int
      b.addTypeTag('tag1', 1); // [5]
      b.addTypeTag('tag2', 5); // [6]
      b.addPtr(6); // [7] same chain
      b.addTypeTag('tag1', 1); // [8]
      b.addPtr(8); // [9] ptr -> tag1 -> int
    });
    const expected = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED);
      b.addTypeTag('tag1', 1);
      b.addTypeTag('tag2', 2);
      b.addPtr(3);
      b.addPtr(2);
    });
    expectDedup(input, expected);
  });

  it('btf_type_tag #2: the same tags in a different order do not dedup', () => {
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      b.addTypeTag('tag1', 1); // [2]
      b.addTypeTag('tag2', 2); // [3]
      b.addPtr(3); // [4] ptr -> tag2 -> tag1 -> int
      b.addTypeTag('tag2', 1); // [5]
      b.addTypeTag('tag1', 5); // [6]
      b.addPtr(6); // [7] ptr -> tag1 -> tag2 -> int
    });
    expectUnchanged(input);
  });

  it('btf_type_tag #3: different tag values do not dedup', () => {
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED);
      b.addTypeTag('tag1', 1);
      b.addPtr(2);
      b.addTypeTag('tag2', 1);
      b.addPtr(4);
    });
    expectUnchanged(input);
  });

  it('btf_type_tag #4: the same tag on different base types does not dedup', () => {
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      b.addInt('', 8, IntEncoding.SIGNED); // [2]
      b.addTypeTag('tag1', 1); // [3]
      b.addPtr(3); // [4]
      b.addTypeTag('tag1', 2); // [5]
      b.addPtr(5); // [6]
    });
    expectUnchanged(input);
  });

  it('btf_type_tag #5, struct: structs with tagged pointer members dedup', () => {
    const copy = (b: BtfBuilder, first: number): void => {
      b.addTypeTag('tag1', 1); // first
      b.addPtr(first); // first+1
      b.addStruct('t', 8, [{ name: 'm', type: first + 1, bitOffset: 0 }]); // first+2
    };
    const input = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED); // [1]
      copy(b, 2);
      copy(b, 5);
    });
    const expected = build((b) => {
      b.addInt('', 4, IntEncoding.SIGNED);
      copy(b, 2);
    });
    expectDedup(input, expected);
  });

  it('enum64, standalone: identical enum64s dedup', () => {
    const e = (b: BtfBuilder): number => b.addEnum64('e1', 8, [{ name: 'v1', value: 0x123456789n }]);
    expectDedup(
      build((b) => {
        e(b);
        e(b);
      }),
      build(e),
    );
  });

  it('enum64, fwd resolution: enum64 forward declarations resolve to the full enum64', () => {
    const input = build((b) => {
      b.addEnum64('e1', 8); // [1] fwd before full
      b.addEnum64('e1', 8, [{ name: 'v1', value: 123n }]); // [2]
      b.addEnum64('e2', 8, [{ name: 'v2', value: 456n }]); // [3]
      b.addEnum64('e2', 8); // [4] fwd after full
      b.addEnum64('e1', 4); // [5] fwd, different size
      b.addEnum64('e1', 8, [{ name: 'v1', value: 321n }]); // [6] different value
    });
    const expected = build((b) => {
      b.addEnum64('e1', 8, [{ name: 'v1', value: 123n }]);
      b.addEnum64('e2', 8, [{ name: 'v2', value: 456n }]);
      b.addEnum64('e1', 8, [{ name: 'v1', value: 321n }]);
    });
    expectDedup(input, expected);
  });

  it('enum and enum64, no dedup: full ENUM and full ENUM64 of one name stay apart', () => {
    expectUnchanged(
      build((b) => {
        b.addEnum('e1', 4, [{ name: 'v1', value: 1 }]);
        b.addEnum64('e1', 4, [{ name: 'v1', value: 1 }]);
      }),
    );
  });

  it('enum of different size: no dedup', () => {
    expectUnchanged(
      build((b) => {
        b.addEnum('e1', 4, [{ name: 'v1', value: 1 }]);
        b.addEnum('e1', 2, [{ name: 'v1', value: 1 }]);
      }),
    );
  });

  it('enum fwd to enum64: an ENUM forward declaration resolves to a full ENUM64', () => {
    const input = build((b) => {
      b.addEnum64('e1', 8, [{ name: 'v1', value: 0x100000000n }]); // [1]
      b.addEnum('e1', 4); // [2] fwd
      b.addStruct('s', 8, [{ name: 'e', type: 2, bitOffset: 0 }]); // [3]
    });
    const expected = build((b) => {
      b.addEnum64('e1', 8, [{ name: 'v1', value: 0x100000000n }]);
      b.addStruct('s', 8, [{ name: 'e', type: 1, bitOffset: 0 }]);
    });
    expectDedup(input, expected);
  });

  it('enum64 fwd to enum: an ENUM64 forward declaration resolves to a full ENUM', () => {
    const input = build((b) => {
      b.addEnum('e1', 4, [{ name: 'v1', value: 1 }]); // [1]
      b.addEnum64('e1', 8); // [2] fwd
      b.addStruct('s', 8, [{ name: 'e', type: 2, bitOffset: 0 }]); // [3]
    });
    const expected = build((b) => {
      b.addEnum('e1', 4, [{ name: 'v1', value: 1 }]);
      b.addStruct('s', 8, [{ name: 'e', type: 1, bitOffset: 0 }]);
    });
    expectDedup(input, expected);
  });

  for (const isUnion of [false, true]) {
    it(`standalone fwd declaration ${isUnion ? 'union' : 'struct'}: a FWD with a unique name resolves`, () => {
      const input = build((b) => {
        b.addFwd('foo', isUnion); // [1]
        b.addPtr(1); // [2]
        b.addStruct('foo', 0, [], isUnion); // [3]
        b.addPtr(3); // [4]
      });
      const expected = build((b) => {
        b.addPtr(2);
        b.addStruct('foo', 0, [], isUnion);
      });
      expectDedup(input, expected);
    });
  }

  it('standalone fwd declaration wrong kind: a union FWD does not resolve to a struct', () => {
    expectUnchanged(
      build((b) => {
        b.addFwd('foo', true);
        b.addPtr(1);
        b.addStruct('foo', 0);
        b.addPtr(3);
      }),
    );
  });

  it('standalone fwd declaration name conflict: two structs of that name keep the FWD', () => {
    expectUnchanged(
      build((b) => {
        b.addFwd('foo'); // [1]
        b.addPtr(1); // [2]
        b.addStruct('foo', 0); // [3]
        b.addPtr(3); // [4]
        b.addInt('', 4, IntEncoding.SIGNED); // [5]
        b.addStruct('foo', 4, [{ name: 'x', type: 5, bitOffset: 0 }]); // [6]
      }),
    );
  });

  it('recursive typedef: a typedef cycle through a pointer dedups (typedef in the struct phase)', () => {
    const input = build((b) => {
      b.addTypedef('x', 2); // [1]
      b.addPtr(1); // [2]
      b.addTypedef('x', 4); // [3]
      b.addPtr(3); // [4]
    });
    const expected = build((b) => {
      b.addTypedef('x', 2);
      b.addPtr(1);
    });
    expectDedup(input, expected);
  });
});

describe('dedup subtleties (libbpf btf_dedup_identical_types and history)', () => {
  it('identical-types check compares the second array: arrays of different element types are not identical', () => {
    // CU 1: struct s { int a[4]; int b[4]; } with one int[4]; CU 2 has int a[4] and long b[4].
    // Matching CU 2's s against CU 1's maps CU 1's int[4] to CU 2's int[4] first, then meets
    // long[4]: libbpf's code (reading the first array twice) would call them identical.
    const input = build((b) => {
      b.addInt('int', 4, IntEncoding.SIGNED); // [1]
      b.addArray(1, 1, 4); // [2]
      b.addStruct('s', 32, [
        { name: 'a', type: 2, bitOffset: 0 },
        { name: 'b', type: 2, bitOffset: 128 },
      ]); // [3]
      b.addInt('int', 4, IntEncoding.SIGNED); // [4]
      b.addInt('long', 8, IntEncoding.SIGNED); // [5]
      b.addArray(4, 4, 4); // [6] int[4]
      b.addArray(5, 4, 4); // [7] long[4]
      b.addStruct('s', 32, [
        { name: 'a', type: 6, bitOffset: 0 },
        { name: 'b', type: 7, bitOffset: 128 },
      ]); // [8]
    });
    const r = dedup(input);
    assert.equal(
      raw(r.btf),
      [
        "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
        "[2] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=4",
        "[3] STRUCT 's' size=32 vlen=2\n\t'a' type_id=2 bits_offset=0\n\t'b' type_id=2 bits_offset=128",
        "[4] INT 'long' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED",
        "[5] ARRAY '(anon)' type_id=4 index_type_id=1 nr_elems=4",
        "[6] STRUCT 's' size=32 vlen=2\n\t'a' type_id=2 bits_offset=0\n\t'b' type_id=5 bits_offset=128",
      ].join('\n'),
    );
  });

  it('identical-types check accepts compiler-duplicated identical arrays in one unit', () => {
    const input = build((b) => {
      b.addInt('int', 4, IntEncoding.SIGNED); // [1]
      b.addArray(1, 1, 4); // [2]
      b.addStruct('s', 32, [
        { name: 'a', type: 2, bitOffset: 0 },
        { name: 'b', type: 2, bitOffset: 128 },
      ]); // [3]
      b.addInt('int', 4, IntEncoding.SIGNED); // [4]
      b.addArray(4, 4, 4); // [5]
      b.addArray(4, 4, 4); // [6] identical duplicate used by the second member
      b.addStruct('s', 32, [
        { name: 'a', type: 5, bitOffset: 0 },
        { name: 'b', type: 6, bitOffset: 128 },
      ]); // [7]
    });
    const r = dedup(input);
    assert.equal(r.btf.typeCount, 3);
    assert.deepEqual([...r.idMap], [0, 1, 2, 3, 1, 2, 2, 3]);
  });

  it('identical-types check accepts duplicated identical pointers (the __percpu case)', () => {
    const input = build((b) => {
      b.addInt('int', 4, IntEncoding.SIGNED); // [1]
      b.addPtr(1); // [2]
      b.addStruct('s', 16, [
        { name: 'a', type: 2, bitOffset: 0 },
        { name: 'b', type: 2, bitOffset: 64 },
      ]); // [3]
      b.addPtr(1); // [4]
      b.addPtr(1); // [5]
      b.addStruct('s', 16, [
        { name: 'a', type: 4, bitOffset: 0 },
        { name: 'b', type: 5, bitOffset: 64 },
      ]); // [6]
    });
    assert.equal(dedup(input).btf.typeCount, 3);
  });

  it('legacy mode (libbpf 1.1): duplicated identical pointers are not accepted, the struct stays twice', () => {
    const input = build((b) => {
      b.addInt('int', 4, IntEncoding.SIGNED); // [1]
      b.addPtr(1); // [2]
      b.addStruct('s', 16, [
        { name: 'a', type: 2, bitOffset: 0 },
        { name: 'b', type: 2, bitOffset: 64 },
      ]); // [3]
      b.addPtr(1); // [4]
      b.addPtr(1); // [5]
      b.addStruct('s', 16, [
        { name: 'a', type: 4, bitOffset: 0 },
        { name: 'b', type: 5, bitOffset: 64 },
      ]); // [6]
    });
    const r = dedup(input, { legacy: true });
    assert.equal(r.btf.typeCount, 4);
    assert.deepEqual([...r.idMap], [0, 1, 2, 3, 2, 2, 4]);
  });

  it('legacy mode (libbpf 1.1): a typedef cycle through a pointer is a reference loop', () => {
    const input = build((b) => {
      b.addTypedef('x', 2); // [1]
      b.addPtr(1); // [2]
    });
    assert.throws(() => dedup(input, { legacy: true }), (e: unknown) => e instanceof BtfError && /loop/.test(e.message));
    assert.equal(dedup(input).btf.typeCount, 2);
  });

  it('a loop made only of reference types is an error, not a hang', () => {
    const input = build((b) => {
      b.addPtr(2); // [1]
      b.addConst(1); // [2]
    });
    assert.throws(() => dedup(input), (e: unknown) => e instanceof BtfError && /loop/.test(e.message));
  });

  it('dedup is idempotent: deduping the output again changes nothing', () => {
    const input = build((b) => {
      b.addInt('int', 4, IntEncoding.SIGNED);
      b.addFwd('n');
      b.addPtr(2);
      b.addStruct('n', 8, [{ name: 'next', type: 3, bitOffset: 0 }]);
      b.addPtr(4);
      b.addStruct('n', 8, [{ name: 'next', type: 5, bitOffset: 0 }]);
    });
    const once = dedup(input).btf;
    assert.equal(once.typeCount, 3); // int, struct n, pointer: the FWD resolved through the graph check
    assert.equal(raw(dedup(once).btf), raw(once));
  });
});

describe('dedup of hostile chains (issue 15 item 3)', () => {
  for (const kind of ['typedef', 'struct'] as const) {
    it(`a 3,000-deep chain of same-named ${kind}s keeps every link and visits a linear number of type pairs`, () => {
      const input = Btf.parse(sameNameChain(kind, 3000));
      const r = dedup(input);
      assert.equal(r.btf.typeCount, input.typeCount);
      assert.ok(r.graphPairs < 40 * input.typeCount + (1 << 21), `${r.graphPairs} pairs visited`);
      assert.deepEqual(dedup(input, { signatureBudget: 0 }).btf.bytes, r.btf.bytes);
    });
  }
  it('two copies of a 100,000-deep typedef chain pointing down the chain fold into one, in a linear number of pairs', () => {
    const depth = 100000;
    const input = build((b) => {
      for (let copy = 0; copy < 2; copy++) {
        const first = b.nextId;
        for (let i = 0; i < depth; i++) b.addTypedef(`t${i}`, first + i + 1);
        b.addInt('int', 4, IntEncoding.SIGNED);
      }
    });
    const r = dedup(input);
    assert.equal(r.btf.typeCount, depth + 1);
    assert.ok(r.graphPairs < 4 * depth, `${r.graphPairs} pairs visited`);
  });
  it('two copies of a same-named struct chain fold into one', () => {
    const input = Btf.parse(sameNameChain('struct', 500, 2));
    const r = dedup(input, { signatureBudget: 0 });
    assert.equal(r.btf.typeCount, 501);
    assert.deepEqual(dedup(input).btf.bytes, r.btf.bytes);
  });
});
