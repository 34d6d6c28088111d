import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBtf, formatFinding } from '../../src/ops/check.js';
import { rulesFor } from '../../src/ops/kernel-rules.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind, makeInfo } from '../../src/wire/kinds.js';
import { encodeBlob, readFixture, strOff } from '../helpers.js';

const firstRule = (bytes: Uint8Array, opts: Parameters<typeof checkBtf>[1] = {}): string | undefined => checkBtf(bytes, opts).findings[0]?.rule;

function build(fn: (b: BtfBuilder) => void): Uint8Array {
  const b = new BtfBuilder({ endian: 'little' });
  fn(b);
  return b.toBytes();
}

test('a valid BTF with every kind passes, and the findings list is empty', () => {
  const bytes = build((b) => {
    const int = b.addInt('int', 4, 1);
    const f = b.addFloat('float', 4);
    const e = b.addEnum64('e', 8, [{ name: 'A', value: -1n }]);
    const s = b.addStruct('s', 16, [{ name: 'a', type: int, bitOffset: 0, bitSize: 5 }, { name: 'f', type: f, bitOffset: 32 }, { name: 'e', type: e, bitOffset: 64 }]);
    const proto = b.addFuncProto(int, [{ name: 'x', type: b.addPtr(s) }]);
    const fn = b.addFunc('fn', proto, 1);
    b.addDeclTag('tag', fn, 0);
    const v = b.addVar('v', int, 1);
    b.addDatasec('.data', 4, [{ type: v, offset: 0, size: 4 }]);
  });
  const r = checkBtf(bytes);
  assert.deepEqual(r.findings, []);
  assert.equal(r.valid, true);
  assert.equal(r.typeCount, 10);
});

test('the kinds fixture is rejected for its extern VAR and its unfixed DATASEC sizes, naming id, kind, name and offset', () => {
  const r = checkBtf(readFixture('btf', 'kinds-el.btf'));
  assert.equal(r.valid, false);
  const f = r.findings[0]!;
  assert.equal(f.rule, 'Linkage not supported');
  assert.equal(f.typeId, 48);
  assert.equal(f.kind, 'VAR');
  assert.equal(f.name, 'extern_var');
  assert.equal(typeof f.offset, 'number');
  assert.ok(r.findings.some((x) => x.rule === 'size == 0' && x.kind === 'DATASEC'));
  assert.match(formatFinding(f), /\[48\] VAR extern_var: offset \d+ .*Linkage not supported/);
  // big-endian copy: same findings on a big-endian kernel, "Invalid magic" on a little-endian one
  const eb = readFixture('btf', 'kinds-eb.btf');
  assert.equal(firstRule(eb), 'Linkage not supported');
  // the kernel reads hdr_len first, in its own byte order
  assert.equal(firstRule(eb, { endian: 'little' }), 'btf_header not found');
});

test('header and section rules use the kernel texts', () => {
  const good = build((b) => void b.addInt('int', 4, 1));
  const mut = (f: (v: DataView, b: Uint8Array) => void, extra = 0): Uint8Array => {
    const b = new Uint8Array(good.length + extra);
    b.set(good);
    f(new DataView(b.buffer), b);
    return b;
  };
  assert.equal(firstRule(good.subarray(0, 6)), 'hdr_len not found');
  assert.equal(firstRule(mut((v) => v.setUint32(4, 1000, true))), 'btf_header not found');
  assert.equal(firstRule(mut((_, b) => (b[2] = 2))), 'Unsupported version');
  assert.equal(firstRule(mut((_, b) => (b[3] = 1))), 'Unsupported flags');
  assert.equal(firstRule(mut(() => undefined, 4)), 'Unsupported section found');
  assert.equal(firstRule(mut((v) => v.setUint32(12, 20, true))), 'Section overlap found');
  assert.equal(firstRule(mut((v) => v.setUint32(20, 100, true))), 'Total section length too long');
  assert.equal(firstRule(mut((v) => v.setUint32(16, 1000, true))), 'Invalid section offset');
  assert.equal(firstRule(mut((_, b) => (b[b.length - 1] = 0x41))), 'Invalid string section');
  assert.equal(firstRule(good.subarray(0, 24)), 'No data');
});

test('32-byte header: zero layout fields pass on 6.18, a layout section needs 7.1', () => {
  const plain = encodeBlob({ types: [[1, makeInfo(Kind.INT, 0, false), 4, 32]], strings: ['', 'int'], hdrLen: 32 });
  assert.equal(checkBtf(plain).valid, true);
  const withLayout = encodeBlob({ types: [[1, makeInfo(Kind.INT, 0, false), 4, 32]], strings: ['', 'int'], layout: [[0, 0, 0], [4, 0, 0]] });
  assert.equal(firstRule(withLayout), 'Unsupported btf_header');
  assert.equal(checkBtf(withLayout, { kernelVersion: '7.1' }).valid, true);
});

test('per-kind meta checks', () => {
  const S = ['', 'int', 'a-b', 'x', '.data'];
  const int = [strOff(S, 'int'), makeInfo(Kind.INT, 0, false), 4, 32];
  const blob = (...types: number[][]): Uint8Array => encodeBlob({ types: [int, ...types], strings: S });
  const name = (s: string): number => strOff(S, s);
  assert.equal(firstRule(blob([0, makeInfo(Kind.INT, 0, false), 4, (3 << 24) | 32])), 'Unsupported encoding');
  assert.equal(firstRule(blob([0, makeInfo(Kind.INT, 0, false), 2, 32])), 'nr_bits exceeds type_size');
  assert.equal(firstRule(blob([name('x'), makeInfo(Kind.PTR, 0, false), 1])), 'Invalid name');
  assert.equal(firstRule(blob([name('a-b'), makeInfo(Kind.TYPEDEF, 0, false), 1])), 'Invalid name');
  assert.equal(firstRule(blob([name('x'), makeInfo(Kind.FWD, 0, false), 1])), 'type != 0');
  assert.equal(firstRule(blob([0, makeInfo(Kind.ARRAY, 0, false), 0, 1, 0, 4])), 'Invalid index');
  assert.equal(firstRule(blob([0, makeInfo(Kind.ENUM, 0, false), 3])), 'Unexpected size');
  assert.equal(firstRule(blob([0, makeInfo(Kind.FLOAT, 0, false), 6])), 'Invalid type_size');
  assert.equal(firstRule(blob([name('x'), makeInfo(Kind.FUNC, 2, false), 0])), 'Invalid func linkage');
  assert.equal(firstRule(blob([name('x'), makeInfo(Kind.VAR, 0, false), 1, 2])), 'Linkage not supported');
  assert.equal(firstRule(blob([name('.data'), makeInfo(Kind.DATASEC, 0, false), 0])), 'size == 0');
  assert.equal(firstRule(blob([name('x'), makeInfo(Kind.DECL_TAG, 0, false), 1, 0xfffffffe])), 'Invalid component_idx');
  assert.equal(firstRule(blob([0, makeInfo(Kind.UNION, 1, false), 4, 0, 1, 8])), 'Invalid member bits_offset');
  assert.equal(firstRule(blob([0, makeInfo(Kind.STRUCT, 2, false), 8, 0, 1, 32, 0, 1, 0])), 'Invalid member bits_offset');
  assert.equal(firstRule(blob([0, makeInfo(Kind.STRUCT, 1, false), 4, 0, 1, 64])), 'Member bits_offset exceeds its struct size');
  assert.equal(firstRule(blob([0x1000000, makeInfo(Kind.INT, 0, false), 4, 32])), '[2] Invalid name_offset:16777216');
  assert.equal(firstRule(blob([0, makeInfo(Kind.PTR, 1, false), 1])), 'vlen != 0');
  assert.equal(firstRule(blob([0, makeInfo(Kind.PTR, 0, false) | 0x10000, 1])), '[2] Invalid btf_info:2010000');
  assert.equal(firstRule(blob([0, (20 << 24) >>> 0, 0])), '[2] Invalid kind:20');
  // The code names the rule without its values.
  assert.equal(checkBtf(blob([0, (20 << 24) >>> 0, 0])).findings[0]!.code, 'invalid-kind');
  assert.equal(checkBtf(blob([0x1000000, makeInfo(Kind.INT, 0, false), 4, 32])).findings[0]!.code, 'invalid-name-offset');
});

test('resolve pass: loops, depth, members, arrays, datasec, func args', () => {
  const loop = build((b) => {
    b.addStruct('a', 4, [{ name: 'b', type: 2, bitOffset: 0 }]);
    b.addStruct('b', 4, [{ name: 'a', type: 1, bitOffset: 0 }]);
  });
  const f = checkBtf(loop).findings[0]!;
  assert.equal(f.rule, 'Loop detected');
  assert.equal(f.typeId, 1);
  // btf_resolve returns -EEXIST for a loop (BPF_BTF_LOAD fails with "File exists").
  assert.equal(f.errno, 'EEXIST');
  const modifierLoop = build((b) => {
    b.addConst(2);
    b.addVolatile(1);
  });
  const m = checkBtf(modifierLoop).findings[0]!;
  assert.deepEqual([m.code, m.rule, m.errno, m.typeId], ['loop-detected', 'Loop detected', 'EEXIST', 1]);
  const selfPtr = build((b) => {
    b.addStruct('a', 8, [{ name: 'next', type: 2, bitOffset: 0 }]);
    b.addPtr(1);
  });
  assert.equal(checkBtf(selfPtr).valid, true);
  const deep = build((b) => {
    for (let k = 1; k <= 33; k++) b.addConst(k + 1);
    b.addInt('int', 4, 1);
  });
  assert.equal(firstRule(deep), 'Exceeded max resolving depth:32');
  assert.equal(checkBtf(deep).findings[0]!.errno, 'E2BIG');
  assert.equal(checkBtf(deep, { mode: 'vmlinux' }).valid, false, 'module/vmlinux mode: the chain check catches it');
  assert.equal(firstRule(deep, { mode: 'vmlinux' }), 'Max chain length or cycle detected');
  const bitArray = build((b) => {
    const i = b.addInt('int', 4, 1);
    b.addArray(b.addInt('bits', 4, 0, 3), i, 2);
  });
  assert.equal(firstRule(bitArray), 'Invalid array of int');
  const floatIndex = build((b) => void b.addArray(b.addInt('int', 4, 1), b.addFloat('float', 4), 2));
  assert.equal(firstRule(floatIndex), 'Invalid index');
  const varOfFwd = build((b) => void b.addVar('v', b.addFwd('s'), 1));
  assert.equal(firstRule(varOfFwd), 'Invalid type_id');
  const secOfInt = build((b) => void b.addDatasec('.bss', 4, [{ type: b.addInt('int', 4, 1), offset: 0, size: 4 }]));
  assert.equal(firstRule(secOfInt), 'Not a VAR kind member');
  const unnamed = build((b) => {
    const i = b.addInt('int', 4, 1);
    b.addFunc('f', b.addFuncProto(i, [{ type: i }]));
  });
  assert.equal(firstRule(unnamed), 'Invalid arg#1');
  const tag = build((b) => {
    const i = b.addInt('int', 4, 1);
    b.addDeclTag('t', b.addStruct('s', 4, [{ name: 'a', type: i, bitOffset: 0 }]), 1);
  });
  assert.equal(firstRule(tag), 'Invalid component_idx');
  const ptrMember = build((b) => void b.addStruct('s', 4, [{ name: 'p', type: b.addPtr(0), bitOffset: 0 }]));
  assert.equal(firstRule(ptrMember), 'Member exceeds struct_size');
});

test('kernel versions: type-tag order before 7.2, info mask before 7.1, kinds by release', () => {
  const tagAfterConst = build((b) => {
    const i = b.addInt('int', 4, 1);
    b.addPtr(b.addConst(b.addTypeTag('user', i)));
  });
  assert.equal(firstRule(tagAfterConst), "Type tags don't precede modifiers");
  assert.equal(checkBtf(tagAfterConst, { kernelVersion: '7.2' }).valid, true);
  const wideVlen = encodeBlob({ types: [[1, makeInfo(Kind.ENUM, 0, false) | 0x10000, 4]], strings: ['', 'e'] });
  assert.match(firstRule(wideVlen) ?? '', /Invalid btf_info/);
  assert.equal(firstRule(wideVlen, { kernelVersion: '7.1' }), 'meta_left:0 meta_needed:524288');
  const withFloat = build((b) => void b.addFloat('float', 4));
  assert.equal(firstRule(withFloat, { kernelVersion: '5.10' }), '[1] Invalid kind:16');
  assert.equal(checkBtf(withFloat, { kernelVersion: '5.13' }).valid, true);
  assert.equal(rulesFor('6.1').ksymNameLen, 512);
  assert.equal(rulesFor('5.15').ksymNameLen, 128);
  const globalFunc = build((b) => void b.addFunc('f', b.addFuncProto(0), 1));
  assert.equal(firstRule(globalFunc, { kernelVersion: '5.4' }), 'vlen != 0');
  assert.equal(checkBtf(globalFunc, { kernelVersion: '5.6' }).valid, true);
});

test('split BTF is checked like module BTF: names and ids may point into the base, no resolve pass', () => {
  const base = Btf.parse(build((b) => void b.addInt('int', 4, 1)));
  const b = new BtfBuilder({ base, endian: 'little' });
  b.addStruct('s', 4, [{ name: 'a', type: 1, bitOffset: 0 }]);
  b.addPtr(99); // dangling: only the resolve pass (not run for modules) would notice
  const r = checkBtf(b.toBytes(), { base });
  assert.equal(r.mode, 'module');
  assert.equal(r.valid, true);
  const bad = new BtfBuilder({ base, endian: 'little' });
  bad.addTypedef('1bad', 1);
  assert.equal(firstRule(bad.toBytes(), { base }), 'Invalid name');
});

test('never throws on garbage and bounds the number of findings', () => {
  const junk = new Uint8Array(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
  junk.set([0x9f, 0xeb, 1, 0, 24, 0, 0, 0]);
  assert.equal(checkBtf(junk).valid, false);
  const many = encodeBlob({ types: Array.from({ length: 500 }, () => [0, makeInfo(Kind.FLOAT, 0, false), 6]), strings: [''] });
  assert.equal(checkBtf(many, { maxFindings: 7 }).findings.length, 7);
});
