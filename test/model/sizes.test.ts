import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CDumper } from '../../src/format/c/dumper.js';
import { LayoutModel } from '../../src/model/layout.js';
import { determinePtrSize, NO_SIZE, pointerSize, resolveSize, SIZE_OVERFLOW } from '../../src/model/sizes.js';
import { resolveSize as coreResolveSize } from '../../src/ops/core/types.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind } from '../../src/wire/kinds.js';

it('the pointer size is the size of the first 4- or 8-byte INT named like long (libbpf determine_ptr_size)', () => {
  const b = new BtfBuilder();
  b.addInt('int', 4);
  b.addInt('long', 2); // not 4 or 8: skipped, as libbpf does
  b.addInt('unsigned int long', 4);
  b.addInt('long int', 8);
  const btf = b.build();
  assert.equal(determinePtrSize(btf), 4);
  assert.equal(pointerSize(btf), 4);
});

it('without a long the pointer size is unknown, and assumed to be 8', () => {
  const b = new BtfBuilder();
  b.addInt('int', 4);
  const btf = b.build();
  assert.equal(determinePtrSize(btf), undefined);
  assert.equal(pointerSize(btf), 8);
});

it('a split BTF takes its base\'s pointer size', () => {
  const base = new BtfBuilder();
  base.addInt('long unsigned int', 4);
  const baseBtf = base.build();
  const split = new BtfBuilder({ base: baseBtf });
  split.addInt('long', 8);
  assert.equal(pointerSize(split.build()), 4);
});

it('the dumper, CO-RE and the layout model agree on sizes of a 32-bit BTF', () => {
  const b = new BtfBuilder();
  const long = b.addInt('long int', 4);
  const ptr = b.addPtr(long);
  const arr = b.addArray(ptr, long, 3);
  const td = b.addTypedef('ptrs_t', arr);
  const s = b.addStruct('s', 12, [{ name: 'p', type: td, bitOffset: 0 }]);
  const btf = b.build();
  assert.equal(resolveSize(btf, td), 12);
  assert.equal(coreResolveSize(btf, td), 12);
  assert.equal(new CDumper(btf).resolveSize(td), 12);
  assert.equal(new LayoutModel(btf).pointerSize, 4);
  assert.equal(new LayoutModel(btf).sizeOf(ptr), 4);
  assert.equal(btf.kind(s), Kind.STRUCT);
});

it('a size that does not fit in 32 bits is an overflow, and a FUNC_PROTO has no size', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4);
  const inner = b.addArray(int, int, 0x10000);
  const outer = b.addArray(inner, int, 0x10000);
  const proto = b.addFuncProto(int, []);
  const btf = b.build();
  assert.equal(resolveSize(btf, inner), 0x40000);
  assert.equal(resolveSize(btf, outer), SIZE_OVERFLOW);
  assert.equal(resolveSize(btf, proto), NO_SIZE);
  assert.throws(() => coreResolveSize(btf, outer), /overflows/);
  assert.throws(() => coreResolveSize(btf, proto), /has no size/);
});
