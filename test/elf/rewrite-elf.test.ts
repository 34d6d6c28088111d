import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ET_DYN,
  ET_EXEC,
  ET_REL,
  SHF_ALLOC,
  SHN_LORESERVE,
  SHT_NOBITS,
  SHT_PROGBITS,
  parseElf,
  rewriteElf,
  type ElfFile,
  type ElfSection,
} from '../../src/elf/index.js';
import { ELF_FIXTURES, btfError, buildElf, fixtureBytes, pattern } from './elf-test-helpers.js';

/** What readelf -S shows for a section, plus its bytes: everything that must survive a rewrite. */
function describeSection(elf: ElfFile, s: ElfSection) {
  return {
    index: s.index,
    name: s.name,
    type: s.type,
    flags: s.flags,
    addr: s.addr,
    size: s.size,
    link: s.link,
    info: s.info,
    addralign: s.addralign,
    entsize: s.entsize,
    data: [...elf.sectionData(s)],
  };
}

/** Every section of `before` other than those named in `changed` is identical in `after`. */
function assertOthersUnchanged(before: ElfFile, after: ElfFile, changed: readonly string[]): void {
  assert.ok(after.sections.length >= before.sections.length);
  for (const s of before.sections) {
    if (changed.includes(s.name)) continue;
    const t = after.sections[s.index];
    assert.ok(t, `section [${s.index}] ${s.name} still exists`);
    assert.deepEqual(describeSection(after, t), describeSection(before, s), `section [${s.index}] ${s.name}`);
  }
}

function assertAligned(elf: ElfFile): void {
  for (const s of elf.sections) {
    if (s.index === 0 || s.type === SHT_NOBITS || s.addralign <= 1) continue;
    assert.equal(s.offset % s.addralign, 0, `${s.name} at ${s.offset} is aligned to ${s.addralign}`);
  }
}

/** No two sections with file data may overlap, and none may overlap the headers. */
function assertNoOverlap(elf: ElfFile): void {
  const ranges: Array<[number, number, string]> = [[0, elf.layout.ehdrSize, 'ELF header']];
  ranges.push([elf.shoff, elf.shoff + elf.sections.length * elf.layout.shdrSize, 'section headers']);
  for (const s of elf.sections) {
    if (s.index !== 0 && s.type !== SHT_NOBITS && s.size > 0) ranges.push([s.offset, s.offset + s.size, s.name]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1];
    const cur = ranges[i];
    assert.ok(prev && cur);
    assert.ok(prev[1] <= cur[0], `${prev[2]} overlaps ${cur[2]}`);
  }
}

describe('rewriteElf on relocatable objects', () => {
  for (const fx of ELF_FIXTURES) {
    test(`${fx.file}: replacing .BTF keeps every other section byte-identical`, () => {
      const before = parseElf(fixtureBytes(fx.file));
      const oldBtf = before.section('.BTF');
      assert.ok(oldBtf);
      const newBtf = pattern(oldBtf.size + 37, 11);
      const after = parseElf(rewriteElf(before, { replace: { '.BTF': newBtf } }));
      assert.equal(after.class, before.class);
      assert.equal(after.endian, before.endian);
      assert.equal(after.machine, before.machine);
      assert.equal(after.type, ET_REL);
      assert.equal(after.flags, before.flags);
      assert.deepEqual(after.bytes.subarray(0, 16), before.bytes.subarray(0, 16));
      assert.equal(after.sections.length, before.sections.length);
      assertOthersUnchanged(before, after, ['.BTF']);
      const btf = after.section('.BTF');
      assert.ok(btf);
      assert.equal(btf.index, oldBtf.index);
      assert.deepEqual(after.sectionData(btf), newBtf);
      assert.deepEqual({ ...btf, offset: 0, size: 0, headerOffset: 0 }, { ...oldBtf, offset: 0, size: 0, headerOffset: 0 });
      assertAligned(after);
      assertNoOverlap(after);
    });

    test(`${fx.file}: adding .BTF.base appends a non-allocated PROGBITS section`, () => {
      const before = parseElf(fixtureBytes(fx.file));
      const base = pattern(101, 12);
      const after = parseElf(rewriteElf(before, { add: [{ name: '.BTF.base', data: base }] }));
      assert.equal(after.sections.length, before.sections.length + 1);
      const names = before.sectionNameTable;
      assert.ok(names);
      assertOthersUnchanged(before, after, [names.name]);
      const added = after.section('.BTF.base');
      assert.ok(added);
      assert.equal(added.index, before.sections.length);
      assert.equal(added.type, SHT_PROGBITS);
      assert.equal(added.flags, 0);
      assert.equal(added.addr, 0n);
      assert.equal(added.addralign, 1);
      assert.deepEqual(after.sectionData(added), base);
      // The name table only grew: every old sh_name still points at the same string.
      const oldNames = before.sectionData(names);
      const newNames = after.sectionData(names.name);
      assert.deepEqual(newNames.subarray(0, oldNames.length), oldNames);
      assert.equal(after.sectionNameTable?.index, names.index);
      assertAligned(after);
      assertNoOverlap(after);
    });
  }

  test('replace and add together, with alignment and type of the additions', () => {
    const before = parseElf(fixtureBytes('elf/bpf-eb.o'));
    const btf = pattern(3, 1);
    const out = rewriteElf(before, {
      replace: { '.BTF': btf, '.BTF.ext': new Uint8Array(0) },
      add: [
        { name: '.BTF.base', data: pattern(7, 2), align: 8 },
        { name: '.note.btfkit', data: pattern(12, 3), type: 7, align: 4 },
      ],
    });
    const after = parseElf(out);
    assertOthersUnchanged(before, after, ['.BTF', '.BTF.ext', '.strtab']);
    assert.deepEqual(after.sectionData('.BTF'), btf);
    assert.equal(after.section('.BTF.ext')?.size, 0);
    const base = after.section('.BTF.base');
    const note = after.section('.note.btfkit');
    assert.ok(base && note);
    assert.equal(base.offset % 8, 0);
    assert.equal(base.addralign, 8);
    assert.equal(note.type, 7);
    assert.equal(note.offset % 4, 0);
    assert.deepEqual(after.sectionData(note), pattern(12, 3));
    assertNoOverlap(after);
  });

  test('no changes: same sections, and rewriting again gives the same bytes', () => {
    for (const fx of ELF_FIXTURES) {
      const before = parseElf(fixtureBytes(fx.file));
      const once = rewriteElf(before);
      const after = parseElf(once);
      assertOthersUnchanged(before, after, []);
      assert.deepEqual(rewriteElf(after), once, fx.file);
    }
  });

  test('allocated sections of a relocatable object may move', () => {
    const { bytes } = buildElf({
      class: 64,
      endian: 'little',
      type: ET_REL,
      sections: [
        { name: '.BTF', type: SHT_PROGBITS, data: pattern(10, 1), addralign: 4 },
        { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | 4, data: pattern(64, 2), addralign: 16 },
        { name: '.data', type: SHT_PROGBITS, flags: SHF_ALLOC | 1, data: pattern(8, 3), addralign: 8 },
      ],
    });
    const before = parseElf(bytes);
    const after = parseElf(rewriteElf(before, { replace: { '.BTF': pattern(1000, 4) } }));
    assertOthersUnchanged(before, after, ['.BTF']);
    assert.ok((after.section('.text')?.offset ?? 0) > (before.section('.text')?.offset ?? 0));
    assertAligned(after);
  });

  test('the input is not modified', () => {
    const bytes = fixtureBytes('elf/bpf-el.o');
    const copy = bytes.slice();
    rewriteElf(parseElf(bytes), { replace: { '.BTF': pattern(9, 9) }, add: [{ name: '.BTF.base', data: pattern(9, 8) }] });
    assert.deepEqual(bytes, copy);
  });

  test('invalid requests', () => {
    const elf = parseElf(fixtureBytes('elf/bpf-el.o'));
    const data = new Uint8Array(4);
    assert.throws(() => rewriteElf(elf, { replace: { '.BTF.base': data } }), btfError('invalid-argument'));
    assert.throws(() => rewriteElf(elf, { add: [{ name: '.BTF', data }] }), btfError('invalid-argument'));
    assert.throws(
      () => rewriteElf(elf, { add: [{ name: '.x', data }, { name: '.x', data }] }),
      btfError('invalid-argument'),
    );
    assert.throws(() => rewriteElf(elf, { add: [{ name: '', data }] }), btfError('invalid-argument'));
    assert.throws(() => rewriteElf(elf, { add: [{ name: '.x', data, align: 3 }] }), btfError('invalid-argument'));
    assert.throws(() => rewriteElf(elf, { add: [{ name: '.x', data, type: SHT_NOBITS }] }), btfError('invalid-argument'));
    assert.throws(() => rewriteElf(elf, { replace: { '.bss': data } }), btfError('unsupported'));
    assert.throws(
      () => rewriteElf(elf, { replace: { '.strtab': data }, add: [{ name: '.x', data }] }),
      btfError('invalid-argument'),
    );
  });

  test('ambiguous replacement of a repeated name', () => {
    const { bytes } = buildElf({
      class: 32,
      endian: 'big',
      type: ET_REL,
      sections: [
        { name: '.group', type: 17, data: pattern(8, 5) },
        { name: '.group', type: 17, data: pattern(8, 6) },
      ],
    });
    assert.throws(
      () => rewriteElf(parseElf(bytes), { replace: { '.group': new Uint8Array(8) } }),
      btfError('invalid-argument'),
    );
  });
});

describe('rewriteElf on files with segments (ET_EXEC/ET_DYN)', () => {
  function linked(type: number, cls: 32 | 64 = 64) {
    return buildElf({
      class: cls,
      endian: cls === 64 ? 'little' : 'big',
      type,
      sections: [
        { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | 4, data: pattern(200, 1), addralign: 16, addr: 0x401000n },
        { name: '.BTF', type: SHT_PROGBITS, flags: SHF_ALLOC, data: pattern(120, 2), addralign: 4, addr: 0x402000n },
        { name: '.bss', type: SHT_NOBITS, flags: SHF_ALLOC | 1, size: 64, addralign: 8 },
        { name: '.comment', type: SHT_PROGBITS, data: pattern(30, 3), addralign: 1 },
        { name: '.debug', type: SHT_PROGBITS, data: pattern(50, 4), addralign: 1 },
      ],
      loads: [['.text', '.BTF']],
    });
  }

  for (const type of [ET_EXEC, ET_DYN]) {
    for (const cls of [32, 64] as const) {
      test(`type ${type} ELF${cls}: growing a non-allocated section leaves the loaded image in place`, () => {
        const built = linked(type, cls);
        const before = parseElf(built.bytes);
        const loadEnd = (before.segments[0]?.offset ?? 0) + (before.segments[0]?.filesz ?? 0);
        const out = rewriteElf(before, {
          replace: { '.comment': pattern(500, 5) },
          add: [{ name: '.BTF.base', data: pattern(40, 6), align: 4 }],
        });
        const after = parseElf(out);
        // Program headers and the loaded bytes stay put; in the ELF header only the section
        // table fields (e_shoff, e_shnum) may change.
        const L = before.layout;
        assert.deepEqual(out.subarray(L.ehdrSize, loadEnd), built.bytes.subarray(L.ehdrSize, loadEnd));
        assert.deepEqual(out.subarray(0, L.e_shoff), built.bytes.subarray(0, L.e_shoff));
        assert.deepEqual(out.subarray(L.e_flags, L.e_shnum), built.bytes.subarray(L.e_flags, L.e_shnum));
        assert.deepEqual(after.segments, before.segments);
        assertOthersUnchanged(before, after, ['.comment', '.shstrtab']);
        for (const s of before.sections) {
          if (s.flags & SHF_ALLOC) assert.equal(after.sections[s.index]?.offset, s.offset, s.name);
        }
        assert.deepEqual(after.sectionData('.comment'), pattern(500, 5));
        assert.deepEqual(after.sectionData('.BTF.base'), pattern(40, 6));
        assertNoOverlap(after);
      });
    }

    test(`type ${type}: an allocated .BTF is replaced in place when the new data fit`, () => {
      const built = linked(type);
      const before = parseElf(built.bytes);
      const old = before.section('.BTF');
      assert.ok(old);
      const after = parseElf(rewriteElf(before, { replace: { '.BTF': pattern(100, 7) } }));
      const btf = after.section('.BTF');
      assert.ok(btf);
      assert.equal(btf.offset, old.offset);
      assert.equal(btf.size, 100);
      assert.deepEqual(after.sectionData(btf), pattern(100, 7));
      // The rest of the old range is cleared rather than left holding stale BTF.
      assert.deepEqual(after.bytes.subarray(old.offset + 100, old.offset + old.size), new Uint8Array(20));
      assertOthersUnchanged(before, after, ['.BTF']);
    });

    test(`type ${type}: an allocated section cannot grow`, () => {
      const before = parseElf(linked(type).bytes);
      assert.throws(() => rewriteElf(before, { replace: { '.BTF': pattern(121, 8) } }), btfError('unsupported'));
      assert.throws(() => rewriteElf(before, { replace: { '.text': pattern(201, 8) } }), btfError('unsupported'));
    });
  }
});

describe('rewriteElf and extended section numbering', () => {
  test('a file that used SHN_XINDEX rewrites to a valid file', () => {
    const { bytes } = buildElf({
      class: 64,
      endian: 'big',
      type: ET_REL,
      sections: [{ name: '.BTF', type: SHT_PROGBITS, data: pattern(16, 1) }],
      extendedNumbering: true,
    });
    const before = parseElf(bytes);
    const after = parseElf(rewriteElf(before, { add: [{ name: '.BTF.base', data: pattern(4, 2) }] }));
    assert.deepEqual(
      after.sections.map((s) => s.name),
      ['', '.BTF', '.shstrtab', '.BTF.base'],
    );
    assert.deepEqual(after.sectionData('.BTF'), pattern(16, 1));
  });

  test('adding sections past SHN_LORESERVE switches to extended numbering', () => {
    const many = SHN_LORESERVE - 3; // plus the null section and .shstrtab: one short of the limit
    const sections = Array.from({ length: many }, () => ({ name: '.s', type: SHT_PROGBITS }));
    const { bytes } = buildElf({ class: 32, endian: 'little', type: ET_REL, sections });
    const before = parseElf(bytes);
    assert.equal(before.sections.length, SHN_LORESERVE - 1);
    const out = rewriteElf(before, {
      add: [
        { name: '.BTF', data: pattern(8, 1) },
        { name: '.BTF.base', data: pattern(8, 2) },
      ],
    });
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    assert.equal(view.getUint16(48, true), 0, 'e_shnum is 0');
    const after = parseElf(out);
    assert.equal(after.sections.length, SHN_LORESERVE + 1);
    assert.equal(after.section('.BTF.base')?.index, SHN_LORESERVE);
    assert.deepEqual(after.sectionData('.BTF.base'), pattern(8, 2));
    assert.equal(after.shstrndx, before.shstrndx);
  });
});
