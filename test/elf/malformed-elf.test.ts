import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ET_DYN, SHF_ALLOC, SHN_XINDEX, SHT_PROGBITS, parseElf, rewriteElf } from '../../src/elf/index.js';
import { BtfError } from '../../src/wire/errors.js';
import { ELF_FIXTURES, btfError, buildElf, fixtureBytes, pattern } from './elf-test-helpers.js';

/** A writable copy of a fixture plus helpers to poke header fields in its own byte order. */
function mutable(file: string) {
  const bytes = fixtureBytes(file).slice();
  const elf = parseElf(bytes);
  const L = elf.layout;
  const le = elf.endian === 'little';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const setWord = (off: number, value: bigint): void => {
    if (L.word === 8) view.setBigUint64(off, value, le);
    else view.setUint32(off, Number(value), le);
  };
  const header = (name: string) => {
    const s = elf.section(name);
    assert.ok(s, `fixture has ${name}`);
    return s.headerOffset;
  };
  return { bytes, elf, L, le, view, setWord, header };
}

describe('parseElf rejects malformed input with BtfError', () => {
  test('inputs too short for the identification or the header are truncated', () => {
    const full = fixtureBytes('elf/bpf-el.o');
    assert.throws(() => parseElf(new Uint8Array(0)), btfError('truncated'));
    assert.throws(() => parseElf(full.subarray(0, 10)), btfError('truncated'));
    assert.throws(() => parseElf(full.subarray(0, 40)), btfError('truncated'));
    const full32 = fixtureBytes('elf/mips-eb.o');
    assert.throws(() => parseElf(full32.subarray(0, 51)), btfError('truncated'));
  });

  test('bad magic, class or data encoding', () => {
    for (const [offset, value] of [
      [0, 0x7e],
      [4, 0],
      [4, 3],
      [5, 0],
      [5, 7],
    ] as const) {
      const { bytes } = mutable('elf/bpf-el.o');
      bytes[offset] = value;
      assert.throws(() => parseElf(bytes), btfError('bad-elf'), `byte ${offset} = ${value}`);
    }
  });

  test('a cut-off file loses its section header table', () => {
    for (const fx of ELF_FIXTURES) {
      const bytes = fixtureBytes(fx.file);
      assert.throws(() => parseElf(bytes.subarray(0, bytes.length - 1)), btfError('bad-elf'), fx.file);
    }
  });

  test('section header table outside the file, or too many entries to fit', () => {
    for (const file of ['elf/bpf-eb.o', 'elf/i386-el.o']) {
      const a = mutable(file);
      a.setWord(a.L.e_shoff, BigInt(a.bytes.length + 100));
      assert.throws(() => parseElf(a.bytes), btfError('bad-elf'));

      const b = mutable(file);
      b.view.setUint16(b.L.e_shnum, 0xfeff, b.le);
      assert.throws(() => parseElf(b.bytes), btfError('bad-elf'));

      const c = mutable(file);
      c.view.setUint16(c.L.e_shentsize, c.L.shdrSize + 8, c.le);
      assert.throws(() => parseElf(c.bytes), btfError('bad-elf'));
    }
  });

  test('absurd extended section counts are rejected before any allocation', () => {
    for (const count of [2n ** 31n, 2n ** 40n, 2n ** 63n]) {
      const m = mutable('elf/bpf-el.o');
      m.view.setUint16(m.L.e_shnum, 0, m.le);
      m.setWord(m.elf.shoff + m.L.sh_size, count);
      assert.throws(() => parseElf(m.bytes), btfError('bad-elf'), `count ${count}`);
    }
  });

  test('bad section name table index, direct or through SHN_XINDEX', () => {
    const a = mutable('elf/bpf-el.o');
    a.view.setUint16(a.L.e_shstrndx, a.elf.sections.length, a.le);
    assert.throws(() => parseElf(a.bytes), btfError('bad-elf'));

    const b = mutable('elf/mips-eb.o');
    b.view.setUint16(b.L.e_shstrndx, SHN_XINDEX, b.le);
    b.view.setUint32(b.elf.shoff + b.L.sh_link, 5000, b.le);
    assert.throws(() => parseElf(b.bytes), btfError('bad-elf'));

    const c = mutable('elf/bpf-el.o');
    const bss = c.elf.section('.bss');
    assert.ok(bss);
    c.view.setUint16(c.L.e_shstrndx, bss.index, c.le);
    assert.throws(() => parseElf(c.bytes), btfError('bad-elf'), 'name table without file data');
  });

  test('section data outside the file', () => {
    for (const file of ['elf/bpf-eb.o', 'elf/i386-el.o']) {
      const a = mutable(file);
      a.setWord(a.header('.BTF') + a.L.sh_offset, BigInt(a.bytes.length - 4));
      assert.throws(() => parseElf(a.bytes), btfError('bad-elf'));

      const b = mutable(file);
      b.setWord(b.header('.BTF') + b.L.sh_size, 0xfffffff0n);
      assert.throws(() => parseElf(b.bytes), btfError('bad-elf'));
    }
    const c = mutable('elf/bpf-el.o');
    c.setWord(c.header('.BTF') + c.L.sh_size, 2n ** 63n);
    assert.throws(() => parseElf(c.bytes), btfError('bad-elf'));
  });

  test('NOBITS sections may claim more than the file holds', () => {
    const m = mutable('elf/bpf-el.o');
    m.setWord(m.header('.bss') + m.L.sh_size, 2n ** 40n);
    assert.equal(parseElf(m.bytes).section('.bss')?.size, 2 ** 40);
  });

  test('section name offset outside the name table, or a name without its NUL', () => {
    const a = mutable('elf/bpf-el.o');
    a.view.setUint32(a.header('.BTF') + a.L.sh_name, 0x7fffffff, a.le);
    assert.throws(() => parseElf(a.bytes), btfError('bad-elf'));

    // Shrink the name table so it ends inside the name of some section.
    const b = mutable('elf/i386-el.o');
    const names = b.elf.sectionNameTable;
    assert.ok(names);
    const lastNameOffset = Math.max(...b.elf.sections.map((s) => s.nameOffset));
    b.setWord(names.headerOffset + b.L.sh_size, BigInt(lastNameOffset + 2));
    assert.throws(() => parseElf(b.bytes), btfError('bad-elf'));
  });

  test('program header table outside the file', () => {
    const m = mutable('elf/bpf-el.o');
    m.setWord(m.L.e_phoff, BigInt(m.bytes.length - 10));
    m.view.setUint16(m.L.e_phentsize, m.L.phdrSize, m.le);
    m.view.setUint16(m.L.e_phnum, 3, m.le);
    assert.throws(() => parseElf(m.bytes), btfError('bad-elf'));
  });
});

/** Parse, touch every section, and rewrite; anything thrown must be a BtfError. */
function exercise(bytes: Uint8Array): void {
  try {
    const elf = parseElf(bytes);
    for (const s of elf.sections) elf.sectionData(s);
    const btf = elf.section('.BTF');
    const out = rewriteElf(elf, btf ? { replace: { '.BTF': new Uint8Array(btf.size + 3) } } : {});
    parseElf(out);
  } catch (error) {
    if (!(error instanceof BtfError)) {
      throw new Error(`non-BtfError escaped: ${String(error)}`, { cause: error });
    }
  }
}

describe('fuzzing real fixtures: every input parses or throws BtfError', () => {
  // A linked-looking file too, so the writer's keep-segments-in-place path gets fuzzed as well.
  const linked = buildElf({
    class: 64,
    endian: 'big',
    type: ET_DYN,
    sections: [
      { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | 4, data: pattern(64, 1), addralign: 16 },
      { name: '.BTF', type: SHT_PROGBITS, flags: SHF_ALLOC, data: pattern(48, 2), addralign: 4 },
      { name: '.comment', type: SHT_PROGBITS, data: pattern(20, 3) },
    ],
    loads: [['.text', '.BTF']],
  }).bytes;
  const sources = [...ELF_FIXTURES.map((fx) => ({ file: fx.file, bytes: fixtureBytes(fx.file) })), { file: 'linked', bytes: linked }];
  const inputs = sources.map(({ file, bytes }) => {
    const elf = parseElf(bytes);
    const names = elf.sectionNameTable;
    // Regions where a flipped byte changes structure rather than payload.
    const regions: Array<[number, number]> = [
      [0, elf.layout.ehdrSize],
      [elf.shoff, elf.shoff + elf.sections.length * elf.layout.shdrSize],
      names ? [names.offset, names.offset + names.size] : [0, bytes.length],
      [0, bytes.length],
    ];
    if (elf.segments.length > 0) regions.push([elf.phoff, elf.phoff + elf.segments.length * elf.layout.phdrSize]);
    return { file, bytes, regions };
  });

  test('truncation at any length', () => {
    fc.assert(
      fc.property(fc.constantFrom(...inputs), fc.nat(), (input, cut) => {
        exercise(input.bytes.subarray(0, cut % (input.bytes.length + 1)));
      }),
      { numRuns: 200 },
    );
  });

  test('random byte changes, mostly in headers and the name table', () => {
    const edit = fc.record({
      region: fc.nat({ max: 4 }),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.constantFrom(...inputs), fc.array(edit, { minLength: 1, maxLength: 8 }), (input, edits) => {
        const bytes = input.bytes.slice();
        for (const e of edits) {
          const [start, end] = input.regions[e.region] ?? [0, bytes.length];
          if (end > start) bytes[start + (e.at % (end - start))] = e.value;
        }
        exercise(bytes);
      }),
      { numRuns: 200 },
    );
  });
});
