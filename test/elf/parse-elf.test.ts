import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EM_BPF,
  ET_DYN,
  ET_REL,
  SHF_ALLOC,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  SHT_STRTAB,
  isElf,
  parseElf,
} from '../../src/elf/index.js';
import { ELF_FIXTURES, btfError, buildElf, fixtureBytes, pattern } from './elf-test-helpers.js';

/** BTF magic 0xEB9F as it appears in a blob of the given byte order. */
function btfMagic(endian: 'little' | 'big'): number[] {
  return endian === 'little' ? [0x9f, 0xeb] : [0xeb, 0x9f];
}

describe('parseElf on compiler-made objects', () => {
  for (const fx of ELF_FIXTURES) {
    test(`${fx.file}: ELF${fx.class} ${fx.endian}-endian, machine ${fx.machine}`, () => {
      const elf = parseElf(fixtureBytes(fx.file));
      assert.equal(elf.class, fx.class);
      assert.equal(elf.endian, fx.endian);
      assert.equal(elf.machine, fx.machine);
      assert.equal(elf.type, ET_REL);
      assert.deepEqual(elf.segments, []);
    });

    test(`${fx.file}: .BTF is found and starts with the BTF magic in the file's byte order`, () => {
      const elf = parseElf(fixtureBytes(fx.file));
      const btf = elf.section('.BTF');
      assert.ok(btf, 'has .BTF');
      assert.equal(btf.type, SHT_PROGBITS);
      assert.equal(btf.flags & SHF_ALLOC, 0);
      const data = elf.sectionData('.BTF');
      assert.equal(data.length, btf.size);
      assert.deepEqual([...data.subarray(0, 2)], btfMagic(fx.endian));
      assert.equal(data[2], 1, 'BTF version 1');
    });

    test(`${fx.file}: section list is consistent`, () => {
      const bytes = fixtureBytes(fx.file);
      const elf = parseElf(bytes);
      assert.ok(elf.sections.length > 2);
      elf.sections.forEach((s, i) => assert.equal(s.index, i));
      assert.equal(elf.sections[0]?.name, '');
      const names = elf.sectionNameTable;
      assert.ok(names);
      assert.equal(names.type, SHT_STRTAB);
      for (const s of elf.sections.slice(1)) {
        assert.ok(s.name.length > 0, `section ${s.index} has a name`);
        assert.equal(elf.section(s.name)?.name, s.name);
      }
    });
  }

  test('BPF objects carry .BTF.ext and relocation sections that point at their targets', () => {
    for (const file of ['elf/bpf-el.o', 'elf/bpf-eb.o']) {
      const elf = parseElf(fixtureBytes(file));
      assert.equal(elf.machine, EM_BPF);
      const ext = elf.sectionData('.BTF.ext');
      assert.ok(ext.length > 24);
      const rel = elf.section('.rel.BTF');
      assert.ok(rel);
      assert.equal(rel.type, SHT_REL);
      assert.equal(elf.sections[rel.info]?.name, '.BTF');
      assert.equal(elf.sections[rel.link]?.name, '.symtab');
    }
  });

  test('little- and big-endian BPF objects agree on everything but byte order', () => {
    const el = parseElf(fixtureBytes('elf/bpf-el.o'));
    const eb = parseElf(fixtureBytes('elf/bpf-eb.o'));
    const shape = (e: typeof el) => e.sections.map((s) => [s.name, s.type, s.flags, s.size, s.addralign]);
    assert.deepEqual(shape(el), shape(eb));
  });

  test('NOBITS sections have a size but no data', () => {
    const elf = parseElf(fixtureBytes('elf/bpf-el.o'));
    const bss = elf.section('.bss');
    assert.ok(bss);
    assert.equal(bss.type, SHT_NOBITS);
    assert.ok(bss.size > 0);
    assert.equal(elf.sectionData(bss).length, 0);
    assert.equal(elf.sectionData('.bss').length, 0);
  });

  test('sectionData is a zero-copy view, also when the input is itself a view', () => {
    const file = fixtureBytes('elf/bpf-eb.o');
    const padded = new Uint8Array(file.length + 13);
    padded.set(file, 7);
    const bytes = padded.subarray(7, 7 + file.length);
    const elf = parseElf(bytes);
    const btf = elf.section('.BTF');
    assert.ok(btf);
    const data = elf.sectionData(btf);
    assert.equal(data.buffer, padded.buffer);
    assert.equal(data.byteOffset, 7 + btf.offset);
    assert.deepEqual(data, file.subarray(btf.offset, btf.offset + btf.size));
  });

  test('section() returns undefined and sectionData() throws no-btf for a missing name', () => {
    const elf = parseElf(fixtureBytes('elf/i386-el.o'));
    assert.equal(elf.section('.BTF.base'), undefined);
    assert.equal(elf.hasSection('.BTF.base'), false);
    assert.throws(() => elf.sectionData('.BTF.base'), btfError('no-btf'));
  });

  test('isElf looks at the magic only', () => {
    assert.equal(isElf(fixtureBytes('elf/bpf-el.o')), true);
    assert.equal(isElf(fixtureBytes('elf/bpf-el.o.gz')), false);
    assert.equal(isElf(new Uint8Array([0x7f, 0x45, 0x4c])), false);
    assert.equal(isElf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46])), true);
  });
});

describe('parseElf on hand-built images', () => {
  for (const cls of [32, 64] as const) {
    for (const endian of ['little', 'big'] as const) {
      test(`ELF${cls} ${endian}: fields, addresses and segments are read as written`, () => {
        const text = pattern(40, 1);
        const btf = pattern(33, 2);
        const addr = cls === 64 ? 0xffffffff82000000n : 0xc1000000n;
        const { bytes, offsets } = buildElf({
          class: cls,
          endian,
          type: ET_DYN,
          sections: [
            { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | 4, data: text, addralign: 16, addr },
            { name: '.bss', type: SHT_NOBITS, flags: SHF_ALLOC | 1, size: 4096, addralign: 8 },
            { name: '.BTF', type: SHT_PROGBITS, data: btf, addralign: 4, link: 3, info: 9, entsize: 0 },
          ],
          loads: [['.text']],
        });
        const elf = parseElf(bytes);
        assert.equal(elf.class, cls);
        assert.equal(elf.endian, endian);
        assert.equal(elf.type, ET_DYN);
        assert.equal(elf.machine, 62);
        assert.deepEqual(
          elf.sections.map((s) => s.name),
          ['', '.text', '.bss', '.BTF', '.shstrtab'],
        );
        const t = elf.section('.text');
        assert.ok(t);
        assert.equal(t.addr, addr);
        assert.equal(t.flags, SHF_ALLOC | 4);
        assert.equal(t.addralign, 16);
        assert.equal(t.offset, offsets.get('.text'));
        assert.deepEqual(elf.sectionData(t), text);
        assert.equal(elf.section('.bss')?.size, 4096);
        const b = elf.section('.BTF');
        assert.ok(b);
        assert.equal(b.link, 3);
        assert.equal(b.info, 9);
        assert.deepEqual(elf.sectionData(b), btf);
        assert.equal(elf.segments.length, 1);
        assert.equal(elf.segments[0]?.offset, offsets.get('.text'));
        assert.equal(elf.segments[0]?.filesz, text.length);
      });

      test(`ELF${cls} ${endian}: extended numbering (e_shnum 0, e_shstrndx SHN_XINDEX)`, () => {
        const { bytes } = buildElf({
          class: cls,
          endian,
          type: ET_REL,
          sections: [
            { name: '.a', type: SHT_PROGBITS, data: pattern(5, 3) },
            { name: '.BTF', type: SHT_PROGBITS, data: pattern(9, 4) },
          ],
          extendedNumbering: true,
        });
        const elf = parseElf(bytes);
        assert.equal(elf.sections.length, 4);
        assert.equal(elf.shstrndx, 3);
        assert.deepEqual(elf.sectionData('.BTF'), pattern(9, 4));
      });
    }
  }

  test('a file without a section header table has no sections', () => {
    const { bytes } = buildElf({ class: 64, endian: 'little', type: ET_REL, sections: [] });
    const header = bytes.slice(0, 64);
    new DataView(header.buffer).setBigUint64(40, 0n, true); // e_shoff
    new DataView(header.buffer).setUint16(60, 0, true); // e_shnum
    new DataView(header.buffer).setUint16(62, 0, true); // e_shstrndx
    const elf = parseElf(header);
    assert.deepEqual(elf.sections, []);
    assert.equal(elf.section('.BTF'), undefined);
  });

  test('duplicate names: section() gives the first, sectionsNamed() gives all', () => {
    const { bytes } = buildElf({
      class: 64,
      endian: 'little',
      type: ET_REL,
      sections: [
        { name: '.group', type: 17, data: pattern(8, 5) },
        { name: '.group', type: 17, data: pattern(8, 6) },
      ],
    });
    const elf = parseElf(bytes);
    assert.equal(elf.section('.group')?.index, 1);
    assert.deepEqual(
      elf.sectionsNamed('.group').map((s) => s.index),
      [1, 2],
    );
  });
});
