import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBtf } from '../../src/ops/check.js';
import { sanitizeBtf, sanitizeFeaturesFor, type SanitizeFeatures } from '../../src/ops/sanitize.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind } from '../../src/wire/kinds.js';
import { readFixture } from '../helpers.js';

const ALL: SanitizeFeatures = sanitizeFeaturesFor('7.1');

/** One BTF with every kind a sanitizer has to touch. */
function sample(layout = false): { btf: Btf; ids: Record<string, number> } {
  const b = new BtfBuilder({ endian: 'little', layout });
  const int = b.addInt('int', 4, 1);
  const flt = b.addFloat('double', 8);
  const e64 = b.addEnum64('big', 8, [{ name: 'B0', value: 1 }, { name: 'B1', value: -2n }]);
  const en = b.addEnum('neg', 4, [{ name: 'N0', value: -1 }]);
  const tag = b.addTypeTag('user', int);
  const ptr = b.addPtr(tag);
  const attr = b.addTypeTag('aligned(8)', int, true);
  const s = b.addStruct('s', 32, [
    { name: 'f', type: flt, bitOffset: 0 },
    { name: 'e', type: e64, bitOffset: 64 },
    { name: 'p', type: ptr, bitOffset: 128 },
    { name: 'n', type: en, bitOffset: 192 },
    { name: 'a', type: attr, bitOffset: 224 },
  ]);
  const proto = b.addFuncProto(int, [{ name: 'x', type: int }, { name: 'y', type: int }]);
  const fn = b.addFunc('fn', proto, 1);
  const anonProto = b.addFuncProto(int, [{ name: 'x', type: int }, { type: int }]);
  b.addPtr(anonProto);
  const dtag = b.addDeclTag('dtag', fn, -1);
  const v = b.addVar('counter', int, 1);
  const sec = b.addDatasec('.data.rel', 8, [{ type: v, offset: 4, size: 4 }]);
  const qsec = b.addDatasec('?.maps', 4, [{ type: b.addVar('m', int, 1), offset: 0, size: 4 }]);
  return { btf: b.build(), ids: { int, flt, e64, en, tag, attr, s, proto, anonProto, fn, dtag, v, sec, qsec } };
}

const without = (f: Partial<SanitizeFeatures>): SanitizeFeatures => ({ ...ALL, ...f });

test('nothing changes for a kernel that has every feature', () => {
  const { btf } = sample(true);
  const r = sanitizeBtf(btf, ALL);
  assert.deepEqual(r.changes, {});
  assert.deepEqual(r.bytes, new Uint8Array(btf.bytes));
});

test('VAR and DECL_TAG become 1-byte INTs, DATASEC a STRUCT with the variables as members', () => {
  const { btf, ids } = sample();
  const r = sanitizeBtf(btf, without({ datasec: false, declTag: false }));
  const out = r.btf;
  assert.equal(out.kind(ids.v!), Kind.INT);
  assert.equal(out.sizeOrType(ids.v!), 1);
  assert.equal(out.word(ids.v!, 3), 8);
  assert.equal(out.name(ids.v!), 'counter');
  assert.equal(out.kind(ids.dtag!), Kind.INT);
  assert.equal(out.kind(ids.sec!), Kind.STRUCT);
  assert.equal(out.name(ids.sec!), '_data_rel');
  assert.equal(out.name(ids.qsec!), '__maps');
  assert.equal(out.elemWord(ids.sec!, 0, 1), ids.v);
  assert.equal(out.elemWord(ids.sec!, 0, 2), 32, 'member bit offset = secinfo offset * 8');
  assert.equal(out.str(out.elemWord(ids.sec!, 0, 0)), 'counter');
  assert.equal(r.changes['datasec-to-struct'], 2);
  assert.equal(checkBtf(r.bytes, { kernelVersion: '7.1' }).valid, true);
});

test('a "?"-prefixed DATASEC name gets a "_" prefix before 6.4', () => {
  const { btf, ids } = sample();
  const out = sanitizeBtf(btf, sanitizeFeaturesFor('6.1')).btf;
  assert.equal(out.kind(ids.qsec!), Kind.DATASEC);
  assert.equal(out.name(ids.qsec!), '_.maps');
});

test('FUNC_PROTO becomes a 4-byte ENUM (unnamed params get names) and FUNC a TYPEDEF', () => {
  const { btf, ids } = sample();
  const r = sanitizeBtf(btf, without({ func: false }));
  const out = r.btf;
  assert.equal(out.kind(ids.proto!), Kind.ENUM);
  assert.equal(out.sizeOrType(ids.proto!), 4);
  assert.equal(out.str(out.elemWord(ids.proto!, 1, 0)), 'y');
  assert.equal(out.str(out.elemWord(ids.anonProto!, 1, 0)), '__arg1');
  assert.equal(out.kind(ids.fn!), Kind.TYPEDEF);
  assert.equal(out.sizeOrType(ids.fn!), ids.proto);
});

test('global FUNC becomes static before 5.6', () => {
  const { btf, ids } = sample();
  const out = sanitizeBtf(btf, without({ globalFunc: false })).btf;
  assert.equal(out.kind(ids.fn!), Kind.FUNC);
  assert.equal(out.vlen(ids.fn!), 0);
});

test('FLOAT becomes an anonymous empty STRUCT of the same size', () => {
  const { btf, ids } = sample();
  const out = sanitizeBtf(btf, without({ float: false })).btf;
  assert.equal(out.kind(ids.flt!), Kind.STRUCT);
  assert.equal(out.nameOff(ids.flt!), 0);
  assert.equal(out.vlen(ids.flt!), 0);
  assert.equal(out.sizeOrType(ids.flt!), 8);
});

test('TYPE_TAG becomes an anonymous CONST; attribute tags (kind_flag) only before 6.15', () => {
  const { btf, ids } = sample();
  const out = sanitizeBtf(btf, without({ typeTag: false })).btf;
  assert.equal(out.kind(ids.tag!), Kind.CONST);
  assert.equal(out.nameOff(ids.tag!), 0);
  const mid = sanitizeBtf(btf, without({ tagKflag: false })).btf;
  assert.equal(mid.kind(ids.tag!), Kind.TYPE_TAG, 'a plain type tag stays');
  assert.equal(mid.kind(ids.attr!), Kind.CONST);
});

test('ENUM loses its kind_flag and ENUM64 becomes a UNION of an added "enum64_placeholder" INT before 6.0', () => {
  const { btf, ids } = sample();
  const r = sanitizeBtf(btf, without({ enum64: false }));
  const out = r.btf;
  assert.equal(out.kflag(ids.en!), false);
  assert.equal(out.kind(ids.e64!), Kind.UNION);
  assert.equal(out.sizeOrType(ids.e64!), 8);
  const ph = r.placeholderId!;
  assert.equal(ph, btf.nextId);
  assert.equal(out.name(ph), 'enum64_placeholder');
  assert.equal(out.kind(ph), Kind.INT);
  assert.equal(out.elemWord(ids.e64!, 1, 1), ph);
  assert.equal(out.elemWord(ids.e64!, 1, 2), 0);
  assert.equal(out.str(out.elemWord(ids.e64!, 1, 0)), 'B1');
});

test('the layout section and 32-byte header are dropped before 7.1', () => {
  const { btf } = sample(true);
  assert.ok(btf.layout);
  const r = sanitizeBtf(btf, sanitizeFeaturesFor('6.18'));
  const out = r.btf;
  assert.equal(out.header.hdrLen, 24);
  assert.equal(out.layout, undefined);
  assert.equal(r.changes['layout-dropped'], 1);
  assert.deepEqual(out.words, btf.words);
});

test('output for each older release passes check at that release', () => {
  const { btf } = sample(true);
  for (const v of ['4.19', '5.4', '5.10', '5.15', '6.1', '6.18', '7.1']) {
    const r = sanitizeBtf(btf, v);
    const rep = checkBtf(r.bytes, { kernelVersion: v });
    assert.deepEqual(rep.findings, [], `Linux ${v}`);
  }
});

test('the 7.1 vmlinux fixture sanitized for 5.15 passes the 5.15 rules', () => {
  const btf = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'));
  const r = sanitizeBtf(btf, '5.15');
  assert.deepEqual(checkBtf(r.bytes, { kernelVersion: '5.15' }).findings, []);
  assert.equal(checkBtf(btf.bytes, { kernelVersion: '5.15' }).valid, false);
});
