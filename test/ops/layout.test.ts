import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { defaultLayoutEntries, Kind, makeInfo } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { encodeBlob, readFixture } from '../helpers.js';
import { addWriteOptions, writeOptions } from '../../src/cli/write-options.js';
import { Command } from 'commander';

test('--layout writes the same 80-byte table libbpf wrote into the 7.1 vmlinux, between types and strings', () => {
  const v71 = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'));
  const h = v71.header;
  const libbpfTable = v71.bytes.subarray(h.hdrLen + h.layoutOff, h.hdrLen + h.layoutOff + h.layoutLen);
  assert.equal(libbpfTable.length, 80);
  const b = new BtfBuilder({ endian: 'little' });
  b.addInt('int', 4, 1);
  const plain = b.build();
  assert.equal(plain.layout, undefined);
  const out = writeBtf(plain, { layout: true });
  const back = Btf.parse(out);
  assert.equal(back.header.hdrLen, 32);
  assert.equal(back.header.layoutOff, back.header.typeOff + back.header.typeLen);
  assert.equal(back.header.strOff, back.header.layoutOff + back.header.layoutLen);
  assert.deepEqual(back.bytes.subarray(32 + back.header.layoutOff, 32 + back.header.layoutOff + 80), libbpfTable);
  assert.deepEqual(back.layout, v71.layout);
  // and dropping it again gives the classic form
  const dropped = Btf.parse(writeBtf(back, { layout: false }));
  assert.equal(dropped.header.hdrLen, 32);
  assert.equal(dropped.layout, undefined);
});

test('a kind only described by the layout section round-trips byte for byte', () => {
  const layout: Array<[number, number, number]> = defaultLayoutEntries().map((e) => [e.infoSize, e.elemSize, e.flags]);
  layout.push([4, 8, 0]); // kind 20: 4 bytes of info, 8 per element
  const bytes = encodeBlob({
    types: [[1, makeInfo(Kind.INT, 0, false), 4, 32], [5, makeInfo(20, 2, false), 7, 0xaa, 1, 2, 3, 4]],
    strings: ['', 'int', 'new'],
    layout,
  });
  const btf = Btf.parse(bytes);
  assert.equal(btf.typeCount, 2);
  assert.equal(btf.recordSize(2), 12 + 4 + 16);
  assert.deepEqual(writeBtf(btf), bytes);
  assert.deepEqual(writeBtf(btf, { layout: true }), bytes, 'writing the table again keeps the entry for kind 20');
});

test('addWriteOptions/writeOptions: --layout, --no-layout, default keeps the input', () => {
  const parse = (args: string[]) => {
    const c = addWriteOptions(new Command('x').exitOverride());
    c.parse(args, { from: 'user' });
    return writeOptions(c.opts());
  };
  assert.equal(parse([]).layout, undefined);
  assert.equal(parse(['--layout']).layout, true);
  assert.equal(parse(['--no-layout']).layout, false);
  assert.equal(parse(['--endian', 'big']).endian, 'big');
  assert.equal(parse(['-f']).force, true);
});
