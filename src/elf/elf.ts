/**
 * ELF container reader: just enough of ELF32/ELF64 (either byte order) to find sections such as
 * .BTF, .BTF.ext and .BTF.base and hand out their bytes without copying.
 *
 * Pure TypeScript with no Node imports so it bundles for the browser. Every length or offset read
 * from the file is checked against the file size before it is used to index or allocate, and every
 * problem is reported as a BtfError ('truncated' or 'bad-elf').
 */

import { fail } from '../wire/errors.js';

/** ELF32 or ELF64 (EI_CLASS). */
export type ElfClass = 32 | 64;
/** Byte order of an ELF file (EI_DATA). */
export type ElfEndian = 'little' | 'big';

export const ELF_MAGIC = Object.freeze([0x7f, 0x45, 0x4c, 0x46] as const);

// e_type
export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

// e_machine values this project meets most
export const EM_386 = 3;
export const EM_MIPS = 8;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_BPF = 247;

// sh_type
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;

// sh_flags
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

// Special section indices.
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_XINDEX = 0xffff;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
export const PN_XNUM = 0xffff;

/**
 * Byte positions of the header fields for each class. Shared with the writer so both sides agree
 * on one table instead of two copies of magic numbers.
 */
export interface ElfLayout {
  readonly ehdrSize: number;
  readonly e_phoff: number;
  readonly e_shoff: number;
  readonly e_flags: number;
  readonly e_ehsize: number;
  readonly e_phentsize: number;
  readonly e_phnum: number;
  readonly e_shentsize: number;
  readonly e_shnum: number;
  readonly e_shstrndx: number;
  /** Size in bytes of an address/offset-sized field (4 or 8). */
  readonly word: 4 | 8;
  readonly shdrSize: number;
  readonly sh_name: number;
  readonly sh_type: number;
  readonly sh_flags: number;
  readonly sh_addr: number;
  readonly sh_offset: number;
  readonly sh_size: number;
  readonly sh_link: number;
  readonly sh_info: number;
  readonly sh_addralign: number;
  readonly sh_entsize: number;
  readonly phdrSize: number;
  readonly p_type: number;
  readonly p_flags: number;
  readonly p_offset: number;
  readonly p_vaddr: number;
  readonly p_paddr: number;
  readonly p_filesz: number;
  readonly p_memsz: number;
  readonly p_align: number;
}

const LAYOUT32: ElfLayout = Object.freeze({
  ehdrSize: 52,
  e_phoff: 28,
  e_shoff: 32,
  e_flags: 36,
  e_ehsize: 40,
  e_phentsize: 42,
  e_phnum: 44,
  e_shentsize: 46,
  e_shnum: 48,
  e_shstrndx: 50,
  word: 4,
  shdrSize: 40,
  sh_name: 0,
  sh_type: 4,
  sh_flags: 8,
  sh_addr: 12,
  sh_offset: 16,
  sh_size: 20,
  sh_link: 24,
  sh_info: 28,
  sh_addralign: 32,
  sh_entsize: 36,
  phdrSize: 32,
  p_type: 0,
  p_offset: 4,
  p_vaddr: 8,
  p_paddr: 12,
  p_filesz: 16,
  p_memsz: 20,
  p_flags: 24,
  p_align: 28,
});

const LAYOUT64: ElfLayout = Object.freeze({
  ehdrSize: 64,
  e_phoff: 32,
  e_shoff: 40,
  e_flags: 48,
  e_ehsize: 52,
  e_phentsize: 54,
  e_phnum: 56,
  e_shentsize: 58,
  e_shnum: 60,
  e_shstrndx: 62,
  word: 8,
  shdrSize: 64,
  sh_name: 0,
  sh_type: 4,
  sh_flags: 8,
  sh_addr: 16,
  sh_offset: 24,
  sh_size: 32,
  sh_link: 40,
  sh_info: 44,
  sh_addralign: 48,
  sh_entsize: 56,
  phdrSize: 56,
  p_type: 0,
  p_flags: 4,
  p_offset: 8,
  p_vaddr: 16,
  p_paddr: 24,
  p_filesz: 32,
  p_memsz: 40,
  p_align: 48,
});

/** Field offsets and sizes of the ELF structures for ELF32 or ELF64. */
export function elfLayout(cls: ElfClass): ElfLayout {
  return cls === 64 ? LAYOUT64 : LAYOUT32;
}

/** One section header, decoded. */
export interface ElfSection {
  /** Position in the section header table (what sh_link/sh_info of other sections refer to). */
  readonly index: number;
  readonly name: string;
  /** sh_name: offset of the name in the section name string table. */
  readonly nameOffset: number;
  readonly type: number;
  /**
   * sh_flags, low 32 bits. All defined flags live there; the upper half of the ELF64 field is
   * unused, and the writer copies original header bytes so nothing is lost on rewrite.
   */
  readonly flags: number;
  /** sh_addr. A bigint because kernel addresses (0xffffffff8...) do not fit a double exactly. */
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** File offset of this section's header entry. */
  readonly headerOffset: number;
}

/** One program header, decoded. */
export interface ElfSegment {
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

/** What an ElfFile is made from (parseElf reads it from the bytes). */
export interface ElfFileInit {
  bytes: Uint8Array;
  class: ElfClass;
  endian: ElfEndian;
  osabi: number;
  type: number;
  machine: number;
  version: number;
  entry: bigint;
  flags: number;
  phoff: number;
  shoff: number;
  shstrndx: number;
  sections: readonly ElfSection[];
  segments: readonly ElfSegment[];
}

/** A parsed ELF file. Build one with parseElf(); section data are views into `bytes`. */
export class ElfFile {
  /** The whole file, as given to parseElf. */
  readonly bytes: Uint8Array;
  readonly class: ElfClass;
  readonly endian: ElfEndian;
  /** e_ident[EI_OSABI]. */
  readonly osabi: number;
  /** e_type (ET_REL, ET_EXEC, ET_DYN, ...). */
  readonly type: number;
  /** e_machine (EM_BPF = 247, EM_X86_64 = 62, ...). */
  readonly machine: number;
  /** e_version. */
  readonly version: number;
  readonly entry: bigint;
  /** e_flags. */
  readonly flags: number;
  /** e_phoff (0 when there are no program headers). */
  readonly phoff: number;
  /** e_shoff (0 when there is no section header table). */
  readonly shoff: number;
  /** Index of the section name string table after resolving SHN_XINDEX; 0 when there is none. */
  readonly shstrndx: number;
  /** All sections in header-table order, including the null section at index 0. */
  readonly sections: readonly ElfSection[];
  /** Program headers (segments); empty for relocatable objects. */
  readonly segments: readonly ElfSegment[];
  readonly layout: ElfLayout;
  readonly #byName: Map<string, ElfSection>;

  constructor(init: ElfFileInit) {
    this.bytes = init.bytes;
    this.class = init.class;
    this.endian = init.endian;
    this.osabi = init.osabi;
    this.type = init.type;
    this.machine = init.machine;
    this.version = init.version;
    this.entry = init.entry;
    this.flags = init.flags;
    this.phoff = init.phoff;
    this.shoff = init.shoff;
    this.shstrndx = init.shstrndx;
    this.sections = init.sections;
    this.segments = init.segments;
    this.layout = elfLayout(init.class);
    this.#byName = new Map();
    for (const s of init.sections) {
      // First one wins: names like ".group" can repeat, and callers looking for .BTF want the first.
      if (s.index !== 0 && !this.#byName.has(s.name)) this.#byName.set(s.name, s);
    }
  }

  get littleEndian(): boolean {
    return this.endian === 'little';
  }

  /** The section header table entry for the section index in `shstrndx`, if there is one. */
  get sectionNameTable(): ElfSection | undefined {
    return this.shstrndx === SHN_UNDEF ? undefined : this.sections[this.shstrndx];
  }

  /** First section with this name, or undefined. */
  section(name: string): ElfSection | undefined {
    return this.#byName.get(name);
  }

  /** Every section with this name (usually zero or one). */
  sectionsNamed(name: string): ElfSection[] {
    return this.sections.filter((s) => s.index !== 0 && s.name === name);
  }

  hasSection(name: string): boolean {
    return this.#byName.has(name);
  }

  /**
   * The bytes of a section as a view into `bytes` (no copy: writes show through). SHT_NOBITS
   * sections occupy no file space and give an empty array. A missing name throws 'no-btf'.
   */
  sectionData(which: string | ElfSection): Uint8Array {
    const section = typeof which === 'string' ? this.section(which) : which;
    if (section === undefined) {
      return fail('no-btf', `ELF file has no section named ${JSON.stringify(which)}`, { section: String(which) });
    }
    // Section 0 reuses sh_size for the extended section count, so it never has data.
    if (section.index === 0 || !occupiesFile(section.type) || section.size === 0) return this.bytes.subarray(0, 0);
    // Sections built by parseElf were checked already; this guards hand-made ElfSection objects.
    if (section.offset + section.size > this.bytes.length) {
      return fail('bad-elf', 'section data lies outside the file', {
        offset: section.offset,
        section: section.name,
      });
    }
    return this.bytes.subarray(section.offset, section.offset + section.size);
  }
}

/** True if the bytes start with the ELF magic "\x7fELF". */
export function isElf(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === ELF_MAGIC[0] &&
    bytes[1] === ELF_MAGIC[1] &&
    bytes[2] === ELF_MAGIC[2] &&
    bytes[3] === ELF_MAGIC[3]
  );
}

const EI_CLASS = 4;
const EI_DATA = 5;
const EI_OSABI = 7;
const EI_NIDENT = 16;

const utf8 = new TextDecoder('utf-8');
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Little helper around DataView that knows the file's byte order and word size. */
class Reader {
  readonly view: DataView;
  readonly le: boolean;
  readonly word: 4 | 8;

  constructor(bytes: Uint8Array, le: boolean, word: 4 | 8) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = le;
    this.word = word;
  }

  u16(off: number): number {
    return this.view.getUint16(off, this.le);
  }

  u32(off: number): number {
    return this.view.getUint32(off, this.le);
  }

  /**
   * An address/offset-sized field as a number. 64-bit values above 2^53 cannot be file offsets or
   * sizes of anything real, so they are rejected rather than silently rounded.
   */
  wordNumber(off: number, what: string, owner?: string | number): number {
    if (this.word === 4) return this.u32(off);
    const value = this.view.getBigUint64(off, this.le);
    if (value > MAX_SAFE) {
      const prefix = owner === undefined ? '' : typeof owner === 'number' ? `section [${owner}] ` : `${owner} `;
      return fail('bad-elf', `${prefix}${what} is absurdly large (${value})`, { offset: off });
    }
    return Number(value);
  }

  /**
   * The low 32 bits of an address-sized flags word. Every defined sh_flags bit (including the OS
   * and processor masks) lives there, and a double could not hold all 64 bits exactly anyway.
   */
  flagsWord(off: number): number {
    if (this.word === 4 || this.le) return this.u32(off);
    return this.u32(off + 4);
  }

  wordBig(off: number): bigint {
    return this.word === 4 ? BigInt(this.u32(off)) : this.view.getBigUint64(off, this.le);
  }
}

/** Parse an ELF32 or ELF64 file of either byte order. Throws BtfError on any malformed input. */
export function parseElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < EI_NIDENT) {
    return fail('truncated', `file is ${bytes.length} bytes, too short for an ELF identification (16 bytes)`, {
      offset: 0,
    });
  }
  if (!isElf(bytes)) return fail('bad-elf', 'not an ELF file (magic is not \\x7fELF)', { offset: 0 });

  const classByte = bytes[EI_CLASS];
  if (classByte !== 1 && classByte !== 2) {
    return fail('bad-elf', `unknown ELF class ${String(classByte)} (expected 1 or 2)`, { offset: EI_CLASS });
  }
  const dataByte = bytes[EI_DATA];
  if (dataByte !== 1 && dataByte !== 2) {
    return fail('bad-elf', `unknown ELF data encoding ${String(dataByte)} (expected 1 or 2)`, { offset: EI_DATA });
  }
  const cls: ElfClass = classByte === 2 ? 64 : 32;
  const endian: ElfEndian = dataByte === 1 ? 'little' : 'big';
  const L = elfLayout(cls);
  if (bytes.length < L.ehdrSize) {
    return fail('truncated', `file is ${bytes.length} bytes, too short for an ELF${cls} header (${L.ehdrSize} bytes)`, {
      offset: 0,
    });
  }

  const r = new Reader(bytes, endian === 'little', L.word);
  const fileSize = bytes.length;
  const type = r.u16(16);
  const machine = r.u16(18);
  const version = r.u32(20);
  const entry = r.wordBig(24);
  const phoff = r.wordNumber(L.e_phoff, 'e_phoff');
  const shoff = r.wordNumber(L.e_shoff, 'e_shoff');
  const eflags = r.u32(L.e_flags);
  const phentsize = r.u16(L.e_phentsize);
  const ePhnum = r.u16(L.e_phnum);
  const shentsize = r.u16(L.e_shentsize);
  const eShnum = r.u16(L.e_shnum);
  const eShstrndx = r.u16(L.e_shstrndx);

  // Section 0 carries the real counts when they overflow the 16-bit header fields, so it is read
  // before anything else in the table.
  let shnum = 0;
  let shstrndx = SHN_UNDEF;
  let sec0Info = 0;
  if (shoff !== 0) {
    if (shentsize !== L.shdrSize) {
      return fail('bad-elf', `e_shentsize is ${shentsize}, expected ${L.shdrSize} for ELF${cls}`, {
        offset: L.e_shentsize,
      });
    }
    if (shoff > fileSize || fileSize - shoff < L.shdrSize) {
      return fail('bad-elf', 'section header table lies outside the file', { offset: shoff });
    }
    const sec0Size = r.wordNumber(shoff + L.sh_size, 'section 0 sh_size');
    const sec0Link = r.u32(shoff + L.sh_link);
    sec0Info = r.u32(shoff + L.sh_info);
    shnum = eShnum === 0 ? sec0Size : eShnum;
    shstrndx = eShstrndx === SHN_XINDEX ? sec0Link : eShstrndx;
    // A count is only believable if that many headers fit between e_shoff and the end of the file;
    // checking before the loop keeps a forged count from driving allocation or a long loop.
    if (shnum > Math.floor((fileSize - shoff) / L.shdrSize)) {
      return fail('bad-elf', `section header table of ${shnum} entries at offset ${shoff} does not fit in the file`, {
        offset: shoff,
      });
    }
  } else if (eShnum !== 0) {
    return fail('bad-elf', `e_shnum is ${eShnum} but e_shoff is 0`, { offset: L.e_shnum });
  }

  if (shnum === 0) {
    if (shstrndx !== SHN_UNDEF) {
      return fail('bad-elf', `e_shstrndx is ${shstrndx} but there are no sections`, { offset: L.e_shstrndx });
    }
  } else if (shstrndx >= shnum) {
    return fail('bad-elf', `section name table index ${shstrndx} is out of range (${shnum} sections)`, {
      offset: L.e_shstrndx,
    });
  }

  const segments = readSegments(r, L, fileSize, phoff, phentsize, ePhnum === PN_XNUM && shoff !== 0 ? sec0Info : ePhnum);

  // The name table's header is read first so each section can be built complete in one pass.
  let names: { offset: number; size: number } | undefined;
  if (shstrndx !== SHN_UNDEF) {
    const h = shoff + shstrndx * L.shdrSize;
    const label = `section name table [${shstrndx}]`;
    if (!occupiesFile(r.u32(h + L.sh_type))) {
      return fail('bad-elf', `${label} has no data in the file`, { offset: L.e_shstrndx });
    }
    names = {
      offset: r.wordNumber(h + L.sh_offset, 'sh_offset', label),
      size: r.wordNumber(h + L.sh_size, 'sh_size', label),
    };
    if (names.offset > fileSize || fileSize - names.offset < names.size) {
      return fail('bad-elf', `${label} (${names.size} bytes at offset ${names.offset}) lies outside the file`, {
        offset: h + L.sh_offset,
      });
    }
  }

  const sections: ElfSection[] = [];
  for (let index = 0; index < shnum; index++) {
    const h = shoff + index * L.shdrSize;
    const nameOffset = r.u32(h + L.sh_name);
    const sectionType = r.u32(h + L.sh_type);
    const offset = r.wordNumber(h + L.sh_offset, 'sh_offset', index);
    const size = r.wordNumber(h + L.sh_size, 'sh_size', index);
    // Section 0's size/link fields hold the extended counts, not data.
    if (index !== 0 && occupiesFile(sectionType) && size > 0) {
      if (offset > fileSize || fileSize - offset < size) {
        return fail('bad-elf', `data of section [${index}] (${size} bytes at offset ${offset}) lies outside the file`, {
          offset: h + L.sh_offset,
        });
      }
    }
    sections.push({
      index,
      name: names === undefined ? '' : readName(bytes, names, nameOffset, index, h),
      nameOffset,
      type: sectionType,
      flags: r.flagsWord(h + L.sh_flags),
      addr: r.wordBig(h + L.sh_addr),
      offset,
      size,
      link: r.u32(h + L.sh_link),
      info: r.u32(h + L.sh_info),
      addralign: r.wordNumber(h + L.sh_addralign, 'sh_addralign', index),
      entsize: r.wordNumber(h + L.sh_entsize, 'sh_entsize', index),
      headerOffset: h,
    });
  }

  return new ElfFile({
    bytes,
    class: cls,
    endian,
    osabi: bytes[EI_OSABI] ?? 0,
    type,
    machine,
    version,
    entry,
    flags: eflags,
    phoff,
    shoff,
    shstrndx,
    sections: Object.freeze(sections),
    segments,
  });
}

/** SHT_NULL and SHT_NOBITS headers describe no bytes in the file. */
function occupiesFile(type: number): boolean {
  return type !== SHT_NOBITS && type !== SHT_NULL;
}

function readName(
  bytes: Uint8Array,
  strtab: { offset: number; size: number },
  nameOffset: number,
  index: number,
  headerOffset: number,
): string {
  if (nameOffset >= strtab.size) {
    // An empty string table with sh_name 0 is how some tools mark unnamed sections.
    if (nameOffset === 0) return '';
    return fail('bad-elf', `name offset ${nameOffset} of section [${index}] is outside the section name table (${strtab.size} bytes)`, {
      offset: headerOffset,
    });
  }
  const start = strtab.offset + nameOffset;
  const end = bytes.subarray(start, strtab.offset + strtab.size).indexOf(0);
  if (end < 0) {
    return fail('bad-elf', `name of section [${index}] is not NUL-terminated inside the section name table`, {
      offset: start,
    });
  }
  // Section names are almost always short ASCII; TextDecoder costs more than the loop for those.
  if (end <= 64) {
    let ascii = '';
    for (let i = start; i < start + end; i++) {
      const c = bytes[i] ?? 0;
      if (c >= 0x80) return utf8.decode(bytes.subarray(start, start + end));
      ascii += String.fromCharCode(c);
    }
    return ascii;
  }
  return utf8.decode(bytes.subarray(start, start + end));
}

function readSegments(
  r: Reader,
  L: ElfLayout,
  fileSize: number,
  phoff: number,
  phentsize: number,
  phnum: number,
): readonly ElfSegment[] {
  if (phnum === 0) return Object.freeze([]);
  if (phoff === 0) return fail('bad-elf', `e_phnum is ${phnum} but e_phoff is 0`, { offset: L.e_phnum });
  if (phentsize !== L.phdrSize) {
    return fail('bad-elf', `e_phentsize is ${phentsize}, expected ${L.phdrSize}`, { offset: L.e_phentsize });
  }
  if (phoff > fileSize || phnum > Math.floor((fileSize - phoff) / L.phdrSize)) {
    return fail('bad-elf', `program header table of ${phnum} entries at offset ${phoff} does not fit in the file`, {
      offset: phoff,
    });
  }
  const segments: ElfSegment[] = [];
  for (let index = 0; index < phnum; index++) {
    const h = phoff + index * L.phdrSize;
    const label = `segment [${index}]`;
    const seg: ElfSegment = Object.freeze({
      index,
      type: r.u32(h + L.p_type),
      flags: r.u32(h + L.p_flags),
      offset: r.wordNumber(h + L.p_offset, 'p_offset', label),
      vaddr: r.wordBig(h + L.p_vaddr),
      paddr: r.wordBig(h + L.p_paddr),
      filesz: r.wordNumber(h + L.p_filesz, 'p_filesz', label),
      memsz: r.wordNumber(h + L.p_memsz, 'p_memsz', label),
      align: r.wordNumber(h + L.p_align, 'p_align', label),
    });
    if (seg.filesz > 0 && (seg.offset > fileSize || fileSize - seg.offset < seg.filesz)) {
      return fail('bad-elf', `${label} (${seg.filesz} bytes at offset ${seg.offset}) lies outside the file`, {
        offset: h + L.p_offset,
      });
    }
    segments.push(seg);
  }
  return Object.freeze(segments);
}
