import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatJson } from '../../src/format/json.js';
import { formatRawString } from '../../src/format/raw.js';
import { openBtf } from '../../src/open.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfError } from '../../src/wire/errors.js';
import { Kind } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { encodeBlob, fixturePath, info, readFixture, readFixtureText, strOff } from '../helpers.js';

const json = (btf: Btf): string => {
  const parts: string[] = [];
  formatJson(btf, (c) => parts.push(c));
  return parts.join('');
};

describe('reading clang-built BPF objects in both byte orders', () => {
  for (const e of ['el', 'eb']) {
    it(`${e}: ELF .BTF dumps as bpftool's raw text`, () => {
      const { btf } = openBtf(readFixture('btf', `kinds-${e}.o`));
      assert.equal(btf.endian, e === 'el' ? 'little' : 'big');
      assert.equal(formatRawString(btf), readFixtureText('btf', `kinds-${e}.raw.txt`));
    });
    it(`${e}: raw .BTF section dumps as bpftool's raw text and JSON`, () => {
      const btf = Btf.parse(readFixture('btf', `kinds-${e}.btf`));
      assert.equal(formatRawString(btf), readFixtureText('btf', `kinds-${e}.raw.txt`));
      assert.equal(json(btf), readFixtureText('btf', `kinds-${e}.json`));
    });
    it(`${e}: unmodified input round-trips byte for byte`, () => {
      const bytes = readFixture('btf', `kinds-${e}.btf`);
      assert.deepEqual(writeBtf(Btf.parse(bytes)), bytes);
    });
    it(`${e}: .BTF.ext is read`, () => {
      const { ext } = openBtf(readFixture('btf', `kinds-${e}.o`));
      assert.ok(ext);
      assert.equal(ext.endian, e === 'el' ? 'little' : 'big');
      assert.ok(ext.funcInfo.length > 0);
      assert.ok(ext.lineInfo.reduce((a, s) => a + s.records.length, 0) > 5);
    });
  }
  it('little- and big-endian objects describe the same types', () => {
    const a = Btf.parse(readFixture('btf', 'kinds-el.btf'));
    const b = Btf.parse(readFixture('btf', 'kinds-eb.btf'));
    assert.equal(formatRawString(a), formatRawString(b));
    assert.deepEqual(writeBtf(a, { endian: 'big' }), readFixture('btf', 'kinds-eb.btf'));
  });
  it('finds types by name and kind', () => {
    const btf = Btf.parse(readFixture('btf', 'kinds-el.btf'));
    const node = btf.findByNameKind('node', Kind.STRUCT);
    assert.ok(node !== undefined);
    assert.equal(btf.name(node), 'node');
    assert.equal(btf.findByNameKind('node', Kind.UNION), undefined);
    assert.deepEqual(btf.findByName('no_such_type'), []);
  });
});

describe('the Linux 7.1 vmlinux fixture (32-byte header, layout section, sorted names)', () => {
  const bytes = readFixture('third-party', 'vmlinux-7.1.btf.gz');
  const btf = Btf.parse(bytes);
  it('reads header, layout and every type', () => {
    assert.equal(btf.header.hdrLen, 32);
    assert.equal(btf.typeCount, 103406);
    assert.equal(btf.layout?.length, 20);
    assert.deepEqual(btf.layout?.[Kind.STRUCT], { infoSize: 0, elemSize: 12, flags: 0 });
  });
  it('detects sorted names and binary-searches them', () => {
    assert.equal(btf.namesSorted, true);
    const id = btf.findByNameKind('task_struct', Kind.STRUCT);
    assert.ok(id !== undefined);
    assert.equal(btf.name(id), 'task_struct');
    assert.ok(btf.findByName('zswap_lruvec_state').length >= 1);
  });
  it('round-trips byte for byte, with its layout section', () => {
    assert.deepEqual(writeBtf(btf), bytes);
  });
  it('dumps the last types as bpftool 7.8 does', () => {
    const text = formatRawString(btf, [103404, 103405, 103406]);
    assert.equal(text, "[103404] TYPEDEF 'zstd_out_buffer' type_id=46077\n[103405] FUNC 'zstd_reset_dstream' type_id=45771 linkage=static\n[103406] STRUCT 'zswap_lruvec_state' size=0 vlen=0\n");
  });
});

describe('header sizes, layout and unknown kinds', () => {
  const strings = ['', 'int', 'mystery'];
  const intT = [strOff(strings, 'int'), info(Kind.INT), 4, (1 << 24) | 32];
  it('reads a 24- and a 32-byte header alike', () => {
    for (const hdrLen of [24, 32] as const) {
      const btf = Btf.parse(encodeBlob({ types: [intT], strings, hdrLen }));
      assert.equal(btf.header.hdrLen, hdrLen);
      assert.equal(formatRawString(btf), "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n");
    }
  });
  it('skips a kind it does not know when the layout section sizes it', () => {
    const layout: Array<[number, number, number]> = [];
    for (let k = 0; k < 20; k++) layout.push([0, 0, 0]);
    layout[Kind.INT] = [4, 0, 0];
    layout.push([4, 8, 0]); // kind 20: one info word, two words per element
    const unknown = [strOff(strings, 'mystery'), info(20, 2), 7, 0xaaaa, 1, 2, 3, 4];
    const btf = Btf.parse(encodeBlob({ types: [intT, unknown, intT], strings, layout }));
    assert.equal(btf.typeCount, 3);
    assert.equal(btf.kind(2), 20);
    assert.equal(btf.name(3), 'int');
    assert.match(formatRawString(btf, [2]), /^\[2\] UNKNOWN 'mystery' kind=20 size_or_type=7 vlen=2\n$/);
    // and it round-trips, layout included
    const bytes = encodeBlob({ types: [intT, unknown, intT], strings, layout });
    assert.deepEqual(writeBtf(Btf.parse(bytes)), bytes);
  });
  it('rejects an unknown kind without a layout entry, naming the type and offset', () => {
    const unknown = [0, info(21), 0];
    assert.throws(
      () => Btf.parse(encodeBlob({ types: [intT, unknown], strings })),
      (e: unknown) => e instanceof BtfError && e.code === 'unknown-kind' && e.typeId === 2 && e.offset === 24 + 16 + 4,
    );
  });
  it('decodes a 24-bit vlen (more than 65,535 enumerators)', () => {
    const n = 70000;
    const strs = ['', 'big', 'V'];
    const rec = [strOff(strs, 'big'), info(Kind.ENUM, n), 4];
    for (let i = 0; i < n; i++) rec.push(strOff(strs, 'V'), i);
    const btf = Btf.parse(encodeBlob({ types: [rec, intT.map((w, i) => (i === 0 ? 0 : w))], strings: strs }));
    assert.equal(btf.vlen(1), n);
    assert.equal(btf.kind(2), Kind.INT);
    assert.equal(btf.elemWord(1, n - 1, 1), n - 1);
  });
});

describe('ELF containers: 32- and 64-bit, both byte orders, compressed', () => {
  it('reads .BTF from ELF64 and ELF32 files of either byte order', () => {
    const el = formatRawString(openBtf(readFixture('elf', 'bpf-el.o')).btf);
    assert.ok(el.length > 100);
    for (const f of ['bpf-eb.o', 'i386-el.o', 'mips-eb.o']) {
      const { btf, elf } = openBtf(readFixture('elf', f));
      assert.equal(formatRawString(btf), el, f);
      assert.equal(elf?.class, f.startsWith('bpf') ? 64 : 32);
    }
  });
  it('reads gzip, xz and zstd compressed objects', async () => {
    const { loadBtf } = await import('../../src/node/files.js');
    const plain = formatRawString(openBtf(readFixture('elf', 'bpf-el.o')).btf);
    for (const ext of ['gz', 'xz', 'zst']) {
      const { btf } = await loadBtf(fixturePath('elf', `bpf-el.o.${ext}`));
      assert.equal(formatRawString(btf), plain, ext);
    }
  });
  it('says which section is missing when an ELF file has no .BTF', () => {
    assert.throws(() => openBtf(readFixture('elf', 'bpf-el.o').slice(0, 64)), (e: unknown) => e instanceof BtfError);
  });
});
