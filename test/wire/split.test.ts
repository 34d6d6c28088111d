import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRawString } from '../../src/format/raw.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { BtfError } from '../../src/wire/errors.js';
import { Kind } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { encodeBlob, info, readFixture, strOff } from '../helpers.js';

// base: [1] int, [2] ptr -> 1, [3] struct s1 { int f1; }
const baseStrings = ['', 'int', 's1', 'f1'];
const base = Btf.parse(
  encodeBlob({
    types: [
      [strOff(baseStrings, 'int'), info(Kind.INT), 4, (1 << 24) | 32],
      [0, info(Kind.PTR), 1],
      [strOff(baseStrings, 's1'), info(Kind.STRUCT, 1), 4, strOff(baseStrings, 'f1'), 1, 0],
    ],
    strings: baseStrings,
  }),
);
const baseStrLen = 1 + 4 + 3 + 3;

describe('split BTF', () => {
  // split 1: [4] struct s2 { struct s1 f1; int *f2; }, names: s2 new, f1 from the base
  const s1Strings = ['s2', 'f2'];
  const split1Bytes = encodeBlob({
    types: [[strOff(s1Strings, 's2', baseStrLen), info(Kind.STRUCT, 2), 12, strOff(baseStrings, 'f1'), 3, 0, strOff(s1Strings, 'f2', baseStrLen), 2, 32]],
    strings: s1Strings,
  });
  const split1 = Btf.parse(split1Bytes, { base });

  it('continues the base ids and string offsets', () => {
    assert.equal(split1.startId, 4);
    assert.equal(split1.startStrOff, baseStrLen);
    assert.equal(split1.name(4), 's2');
    assert.equal(split1.str(split1.elemWord(4, 0, 0)), 'f1');
    assert.equal(split1.name(3), 's1');
    assert.equal(formatRawString(split1), "[4] STRUCT 's2' size=12 vlen=2\n\t'f1' type_id=3 bits_offset=0\n\t'f2' type_id=2 bits_offset=32\n");
  });

  it('finds names in the base and in the split part', () => {
    assert.deepEqual(split1.findByName('s1'), [3]);
    assert.equal(split1.findByNameKind('s2', Kind.STRUCT), 4);
  });

  it('reads split BTF on split BTF (multi-level string offsets)', () => {
    const s2Strings = ['s3'];
    const start = baseStrLen + 3 + 3;
    const split2 = Btf.parse(encodeBlob({ types: [[strOff(s2Strings, 's3', start), info(Kind.TYPEDEF), 4]], strings: s2Strings }), { base: split1 });
    assert.equal(split2.startId, 5);
    assert.equal(split2.startStrOff, start);
    assert.equal(formatRawString(split2), "[5] TYPEDEF 's3' type_id=4\n");
    assert.equal(split2.name(4), 's2');
    assert.equal(split2.name(1), 'int');
  });

  it('accepts an empty split BTF that is just a header', () => {
    const empty = encodeBlob({ types: [], strings: [] });
    assert.equal(empty.length, 24);
    const btf = Btf.parse(empty, { base });
    assert.equal(btf.typeCount, 0);
    assert.equal(btf.nextId, 4);
    assert.equal(formatRawString(btf), '');
    assert.deepEqual(writeBtf(btf), empty);
  });

  it('rejects a split type that points past the last id', () => {
    const bad = encodeBlob({ types: [[0, info(Kind.PTR), 9]], strings: [] });
    assert.throws(() => Btf.parse(bad, { base }), (e: unknown) => e instanceof BtfError && e.code === 'bad-type-id' && e.typeId === 4);
  });

  it('builds split BTF that reuses base strings', () => {
    const b = new BtfBuilder({ base });
    const id = b.addStruct('s1', 4, [{ name: 'f1', type: 1, bitOffset: 0 }]);
    assert.equal(id, 4);
    const built = b.build();
    assert.equal(built.strings.length, 0);
    assert.equal(formatRawString(built), "[4] STRUCT 's1' size=4 vlen=1\n\t'f1' type_id=1 bits_offset=0\n");
  });

  it('reads the btf_testmod module on its distilled base', () => {
    const distilled = Btf.parse(readFixture('third-party', 'btf_testmod.btf.base'));
    assert.equal(distilled.typeCount, 157);
    const mod = Btf.parse(readFixture('third-party', 'btf_testmod.btf'), { base: distilled });
    assert.equal(mod.typeCount, 1444);
    assert.equal(mod.startId, 158);
  });
});
