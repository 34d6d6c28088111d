import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRawString } from '../../src/format/raw.js';
import { defaultBaseFor } from '../../src/node/files.js';
import { openBtf } from '../../src/open.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { parseBtfExt, serializeBtfExt } from '../../src/wire/ext.js';
import { forEachStrOffWord, forEachTypeIdWord } from '../../src/wire/fields.js';
import { Kind, KIND_SHAPES } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { readFixture } from '../helpers.js';

const kinds = Btf.parse(readFixture('btf', 'kinds-el.btf'));

describe('writing', () => {
  it('adds a layout section on request and reads it back (libbpf table, 80 bytes)', () => {
    const bytes = writeBtf(kinds, { layout: true });
    const back = Btf.parse(bytes);
    assert.equal(back.header.hdrLen, 32);
    assert.equal(back.header.layoutLen, 80);
    assert.equal(back.header.layoutOff, back.header.typeLen);
    assert.equal(back.header.strOff, back.header.typeLen + 80);
    assert.deepEqual(back.layout?.[Kind.ENUM64], { infoSize: 0, elemSize: 12, flags: 0 });
    assert.equal(formatRawString(back), formatRawString(kinds));
    // and drops it again
    assert.deepEqual(writeBtf(back, { layout: false }).subarray(32), writeBtf(kinds).subarray(24));
  });
  it('converts byte order both ways without changing the types', () => {
    const be = writeBtf(kinds, { endian: 'big' });
    assert.equal(be[0], 0xeb);
    const back = Btf.parse(be);
    assert.equal(back.endian, 'big');
    assert.deepEqual(writeBtf(back, { endian: 'little' }), writeBtf(kinds));
  });
  it('rebuilds every type through the builder with the same raw text', () => {
    const b = new BtfBuilder();
    for (let id = 1; id < kinds.nextId; id++) b.copyType(kinds, id);
    assert.equal(formatRawString(b.build()), formatRawString(kinds));
  });
  it('writes a big build into a btf core, indexed and checked there: the same bytes and types as a build of its own', () => {
    const vmlinux = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'));
    const b = new BtfBuilder();
    for (let id = 1; id < vmlinux.nextId; id++) b.copyType(vmlinux, id);
    const built = b.build();
    assert.equal(built.words.buffer, built.bytes.buffer);
    assert.equal(built.offsets.buffer, built.bytes.buffer, 'the index made where the records were written');
    assert.ok(built.bytes.byteOffset > 0, 'in a core, above its heap base');
    assert.deepEqual(built.bytes, b.toBytes());
    assert.deepEqual(built.offsets, Btf.parse(b.toBytes()).offsets);
    assert.equal(formatRawString(built), formatRawString(vmlinux));
  });
  it('builds every kind from the per-kind methods', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    const ptr = b.addPtr(int);
    b.addArray(int, int, 4);
    const s = b.addStruct('s', 8, [
      { name: 'a', type: int, bitOffset: 0, bitSize: 3 },
      { name: 'p', type: ptr, bitOffset: 32 },
    ]);
    b.addUnion('u', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
    b.addEnum('e', 4, [{ name: 'NEG', value: -1 }]);
    b.addFwd('f', true);
    b.addTypedef('t', s);
    b.addVolatile(int);
    b.addConst(int);
    b.addRestrict(ptr);
    const proto = b.addFuncProto(int, [{ name: 'x', type: int }, { type: 0 }]);
    const fn = b.addFunc('fn', proto, 1);
    const v = b.addVar('v', int, 1);
    b.addDatasec('.data', 4, [{ type: v, offset: 0, size: 4 }]);
    b.addFloat('double', 8);
    b.addDeclTag('tag', fn, -1);
    b.addTypeTag('user', int);
    b.addEnum64('e64', 8, [{ name: 'BIG', value: 0xfffffffffffn }]);
    const text = formatRawString(b.build());
    assert.equal(
      text,
      [
        "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
        "[2] PTR '(anon)' type_id=1",
        "[3] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=4",
        "[4] STRUCT 's' size=8 vlen=2\n\t'a' type_id=1 bits_offset=0 bitfield_size=3\n\t'p' type_id=2 bits_offset=32",
        "[5] UNION 'u' size=4 vlen=1\n\t'x' type_id=1 bits_offset=0",
        "[6] ENUM 'e' encoding=SIGNED size=4 vlen=1\n\t'NEG' val=-1",
        "[7] FWD 'f' fwd_kind=union",
        "[8] TYPEDEF 't' type_id=4",
        "[9] VOLATILE '(anon)' type_id=1",
        "[10] CONST '(anon)' type_id=1",
        "[11] RESTRICT '(anon)' type_id=2",
        "[12] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n\t'x' type_id=1\n\t'(anon)' type_id=0",
        "[13] FUNC 'fn' type_id=12 linkage=global",
        "[14] VAR 'v' type_id=1, linkage=global",
        "[15] DATASEC '.data' size=4 vlen=1\n\ttype_id=14 offset=0 size=4 (VAR 'v')",
        "[16] FLOAT 'double' size=8",
        "[17] DECL_TAG 'tag' type_id=13 component_idx=-1",
        "[18] TYPE_TAG 'user' type_id=1",
        "[19] ENUM64 'e64' encoding=UNSIGNED size=8 vlen=1\n\t'BIG' val=17592186044415ULL",
        '',
      ].join('\n'),
    );
  });
});

describe('the field visitor', () => {
  it('visits exactly the type-id and string-offset words of every kind', () => {
    // Count per kind over the kinds fixture and compare with what the raw dump prints.
    let ids = 0;
    let strs = 0;
    for (let id = 1; id < kinds.nextId; id++) {
      const { words, offset } = kinds.record(id);
      const shape = kinds.shapeOf(id);
      forEachTypeIdWord(words, offset, shape, (w) => {
        assert.ok(words[w]! < kinds.nextId);
        ids++;
      });
      forEachStrOffWord(words, offset, shape, (w) => {
        assert.ok(kinds.strValid(words[w]!));
        strs++;
      }, true);
    }
    const text = formatRawString(kinds);
    const printedIds = (text.match(/type_id=|index_type_id=|ret_type_id=/g) ?? []).length;
    assert.equal(ids, printedIds);
    // every record has a name offset; members, params and enumerators have one each
    const elems = (text.match(/\n\t'/g) ?? []).length;
    assert.equal(strs, kinds.typeCount + elems);
  });
  it('has a shape for each of the 20 kinds', () => {
    assert.equal(KIND_SHAPES.length, 20);
    KIND_SHAPES.forEach((s, k) => assert.equal(s.kind, k));
  });
});

describe('.BTF.ext', () => {
  it('reads CO-RE relocations identically from both byte orders and writes them back', () => {
    const el = openBtf(readFixture('third-party', 'relocs-el.elf'));
    const eb = openBtf(readFixture('third-party', 'relocs-eb.elf'));
    assert.ok(el.ext && eb.ext);
    const n = el.ext.coreRelos.reduce((a, s) => a + s.records.length, 0);
    assert.ok(n > 20, `expected many CO-RE relocations, got ${n}`);
    assert.deepEqual(eb.ext.coreRelos, el.ext.coreRelos);
    const again = parseBtfExt(serializeBtfExt(el.ext, 'big'));
    assert.deepEqual(again.coreRelos, el.ext.coreRelos);
    assert.deepEqual(again.funcInfo, el.ext.funcInfo);
    assert.deepEqual(again.lineInfo, el.ext.lineInfo);
    // access strings resolve in the object's string table
    for (const s of el.ext.coreRelos) for (const r of s.records) assert.match(el.btf.str(r.accessStrOff), /^\d+(:\d+)*$/);
  });
});

describe('/sys/kernel/btf conventions', () => {
  it('a module file gets vmlinux as its base; vmlinux and other paths get none', () => {
    assert.equal(defaultBaseFor('/sys/kernel/btf/nf_tables'), '/sys/kernel/btf/vmlinux');
    assert.equal(defaultBaseFor('/sys/kernel/btf/vmlinux'), undefined);
    assert.equal(defaultBaseFor('/tmp/nf_tables.btf'), undefined);
  });
});

describe('unknown kinds and the layout section', () => {
  it('refuses to drop the layout section when a kind only it describes is present', async () => {
    const { encodeBlob, info } = await import('../helpers.js');
    const { BtfError } = await import('../../src/wire/errors.js');
    const layout: Array<[number, number, number]> = Array.from({ length: 21 }, () => [0, 0, 0] as [number, number, number]);
    layout[20] = [4, 0, 0];
    const btf = Btf.parse(encodeBlob({ types: [[0, info(20), 0, 7]], strings: [''], layout }));
    assert.throws(() => writeBtf(btf, { layout: false }), (e: unknown) => e instanceof BtfError && e.code === 'unsupported' && e.typeId === 1);
    assert.equal(Btf.parse(writeBtf(btf)).kind(1), 20);
  });
});
