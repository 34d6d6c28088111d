/**
 * ELF symbol tables (.symtab) as typed columns, and relocation records (.rela.* / .rel.*), both
 * read lazily over the file's bytes. The DWARF reader needs relocations to read a `.ko`'s debug
 * sections, and the BTF encoder needs function and variable symbols.
 */

import { fail } from '../wire/errors.js';
import { type ElfFile, type ElfSection, SHT_REL, SHT_RELA, SHT_SYMTAB } from './elf.js';

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

const utf8 = new TextDecoder('utf-8');

/** One symbol table as columns; `value` is a bigint column because kernel addresses need 64 bits. */
export class ElfSymbols {
  readonly count: number;
  readonly nameOffset: Uint32Array;
  readonly info: Uint8Array;
  readonly shndx: Uint32Array;
  readonly value: BigUint64Array;
  readonly size: Float64Array;
  private readonly strtab: Uint8Array;

  constructor(file: ElfFile, section: ElfSection) {
    const cls64 = file.class === 64;
    const entSize = cls64 ? 24 : 16;
    const data = file.sectionData(section);
    const strSec = file.sections[section.link];
    if (!strSec) fail('bad-elf', `${section.name} sh_link ${section.link} names no section`, { section: section.name });
    this.strtab = file.sectionData(strSec);
    const n = Math.floor(data.length / entSize);
    this.count = n;
    this.nameOffset = new Uint32Array(n);
    this.info = new Uint8Array(n);
    this.shndx = new Uint32Array(n);
    this.value = new BigUint64Array(n);
    this.size = new Float64Array(n);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const le = file.endian === 'little';
    for (let i = 0; i < n; i++) {
      const p = i * entSize;
      this.nameOffset[i] = view.getUint32(p, le);
      if (cls64) {
        this.info[i] = data[p + 4]!;
        this.shndx[i] = view.getUint16(p + 6, le);
        this.value[i] = view.getBigUint64(p + 8, le);
        this.size[i] = Number(view.getBigUint64(p + 16, le));
      } else {
        this.value[i] = BigInt(view.getUint32(p + 4, le));
        this.size[i] = view.getUint32(p + 8, le);
        this.info[i] = data[p + 12]!;
        this.shndx[i] = view.getUint16(p + 14, le);
      }
    }
  }

  type(i: number): number {
    return this.info[i]! & 0xf;
  }

  bind(i: number): number {
    return this.info[i]! >> 4;
  }

  name(i: number): string {
    const start = this.nameOffset[i]!;
    if (start >= this.strtab.length) fail('bad-elf', `symbol ${i} name offset ${start} is past its string table`);
    let end = this.strtab.indexOf(0, start);
    if (end < 0) end = this.strtab.length;
    return utf8.decode(this.strtab.subarray(start, end));
  }
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The file's .symtab, if it has one. */
export function readSymbols(file: ElfFile): ElfSymbols | undefined {
  const sec = file.sections.find((s) => s.type === SHT_SYMTAB);
  return sec ? new ElfSymbols(file, sec) : undefined;
}

/**
 * Relocation records of one section, as columns. The addend (undefined for SHT_REL) is kept
 * as its two 32-bit halves: most relocations in debug sections are 32-bit wide and need only
 * the low half, without a BigInt per record (a module has ~200k of them).
 */
export interface ElfRelocations {
  readonly section: ElfSection;
  readonly offset: Float64Array;
  readonly symbol: Uint32Array;
  readonly type: Uint32Array;
  readonly addendLo: Uint32Array | undefined;
  readonly addendHi: Int32Array | undefined;
}

/** Relocation sections (SHT_RELA or SHT_REL) that apply to the section with index `target`. */
export function relocationsFor(file: ElfFile, target: number): ElfRelocations[] {
  const out: ElfRelocations[] = [];
  const cls64 = file.class === 64;
  const le = file.endian === 'little';
  for (const sec of file.sections) {
    if ((sec.type !== SHT_RELA && sec.type !== SHT_REL) || sec.info !== target) continue;
    const rela = sec.type === SHT_RELA;
    const entSize = (cls64 ? 16 : 8) + (rela ? (cls64 ? 8 : 4) : 0);
    const data = file.sectionData(sec);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const n = Math.floor(data.length / entSize);
    const offset = new Float64Array(n);
    const symbol = new Uint32Array(n);
    const type = new Uint32Array(n);
    const addendLo = rela ? new Uint32Array(n) : undefined;
    const addendHi = rela ? new Int32Array(n) : undefined;
    const lo = le ? 0 : 4;
    const hi = le ? 4 : 0;
    if (cls64 && rela && le && HOST_LITTLE_ENDIAN && data.byteOffset % 4 === 0 && addendLo && addendHi) {
      // The common case (x86-64, aarch64 modules): six aligned words per record, read as such.
      const w = new Uint32Array(data.buffer, data.byteOffset, n * 6);
      const wi = new Int32Array(data.buffer, data.byteOffset, n * 6);
      for (let i = 0, p = 0; i < n; i++, p += 6) {
        offset[i] = w[p + 1]! * 0x100000000 + w[p]!;
        type[i] = w[p + 2]!;
        symbol[i] = w[p + 3]!;
        addendLo[i] = w[p + 4]!;
        addendHi[i] = wi[p + 5]!;
      }
      out.push({ section: sec, offset, symbol, type, addendLo, addendHi });
      continue;
    }
    for (let i = 0; i < n; i++) {
      const p = i * entSize;
      if (cls64) {
        offset[i] = view.getUint32(p + hi, le) * 0x100000000 + view.getUint32(p + lo, le);
        // MIPS64 little-endian splits r_info differently; every other ABI is sym << 32 | type.
        symbol[i] = view.getUint32(p + (le ? 12 : 8), le);
        type[i] = view.getUint32(p + (le ? 8 : 12), le);
        if (addendLo && addendHi) {
          addendLo[i] = view.getUint32(p + 16 + lo, le);
          addendHi[i] = view.getInt32(p + 16 + hi, le);
        }
      } else {
        offset[i] = view.getUint32(p, le);
        const info = view.getUint32(p + 4, le);
        symbol[i] = info >>> 8;
        type[i] = info & 0xff;
        if (addendLo && addendHi) {
          const a = view.getInt32(p + 8, le);
          addendLo[i] = a >>> 0;
          addendHi[i] = a < 0 ? -1 : 0;
        }
      }
    }
    out.push({ section: sec, offset, symbol, type, addendLo, addendHi });
  }
  return out;
}
