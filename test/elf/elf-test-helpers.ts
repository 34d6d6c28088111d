/**
 * Helpers for the ELF tests: fixture loading, and a small independent ELF writer for shapes that
 * no compiler output gives us cheaply (ET_DYN with segments, extended section numbering, ...).
 * The writer shares no code with src/elf so tests do not check the library against itself.
 */

import { readFileSync } from 'node:fs';
import { BtfError, type BtfErrorCode } from '../../src/wire/errors.js';

/** For assert.throws/rejects: the error must be a BtfError with this code. */
export function btfError(code: BtfErrorCode): (error: unknown) => true {
  return (error: unknown) => {
    if (!(error instanceof BtfError)) throw new Error(`expected a BtfError (${code}), got ${String(error)}`, { cause: error });
    if (error.code !== code) throw new Error(`expected BtfError code ${code}, got ${error.code}: ${error.message}`);
    return true;
  };
}

/** Raw bytes of fixtures/<path>; compiled tests live in dist/test/elf/, three levels below the root. */
export function fixtureBytes(path: string): Uint8Array {
  const b = readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export const ELF_FIXTURES = [
  { file: 'elf/bpf-el.o', class: 64, endian: 'little', machine: 247 },
  { file: 'elf/bpf-eb.o', class: 64, endian: 'big', machine: 247 },
  { file: 'elf/i386-el.o', class: 32, endian: 'little', machine: 3 },
  { file: 'elf/mips-eb.o', class: 32, endian: 'big', machine: 8 },
  { file: 'third-party/relocs-el.elf', class: 64, endian: 'little', machine: 247 },
  { file: 'third-party/relocs-eb.elf', class: 64, endian: 'big', machine: 247 },
] as const;

export interface SynthSection {
  name: string;
  type: number;
  flags?: number;
  data?: Uint8Array;
  /** sh_size for NOBITS sections (others use data.length). */
  size?: number;
  addralign?: number;
  addr?: bigint;
  link?: number;
  info?: number;
  entsize?: number;
}

export interface SynthElf {
  class: 32 | 64;
  endian: 'little' | 'big';
  type: number;
  machine?: number;
  /** Sections after the null section; ".shstrtab" is appended automatically as the last one. */
  sections: SynthSection[];
  /** One PT_LOAD per entry, covering the file range of the named sections. */
  loads?: string[][];
  /** Put the section count in section 0's sh_size and shstrndx in its sh_link. */
  extendedNumbering?: boolean;
}

export interface SynthResult {
  bytes: Uint8Array;
  /** File offset of each section's data by name (including .shstrtab). */
  offsets: Map<string, number>;
  shoff: number;
  shstrndx: number;
}

/** Build an ELF image: header, program headers, section data in order, section header table. */
export function buildElf(spec: SynthElf): SynthResult {
  const is64 = spec.class === 64;
  const le = spec.endian === 'little';
  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;
  const phentsize = is64 ? 56 : 32;
  const loads = spec.loads ?? [];

  const names: number[] = [0];
  const nameOffsets: number[] = [];
  const all: SynthSection[] = [...spec.sections, { name: '.shstrtab', type: 3, addralign: 1 }];
  for (const s of all) {
    nameOffsets.push(names.length);
    for (const ch of Buffer.from(s.name, 'utf8')) names.push(ch);
    names.push(0);
  }
  const shstrtab = Uint8Array.from(names);
  const last = all[all.length - 1];
  if (last) last.data = shstrtab;

  let pos = ehsize + loads.length * phentsize;
  const offsets = new Map<string, number>();
  const sectionOffsets: number[] = [];
  for (const s of all) {
    const align = Math.max(1, s.addralign ?? 1);
    pos = Math.ceil(pos / align) * align;
    sectionOffsets.push(pos);
    offsets.set(s.name, pos);
    if (s.type !== 8) pos += s.data?.length ?? 0;
  }
  const shoff = Math.ceil(pos / 8) * 8;
  const count = all.length + 1;
  const shstrndx = all.length; // .shstrtab is last
  const total = shoff + count * shentsize;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const word = (off: number, value: number | bigint): void => {
    if (is64) v.setBigUint64(off, BigInt(value), le);
    else v.setUint32(off, Number(value), le);
  };

  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  v.setUint16(16, spec.type, le);
  v.setUint16(18, spec.machine ?? 62, le);
  v.setUint32(20, 1, le);
  const w = is64 ? 8 : 4;
  // e_entry, e_phoff, e_shoff follow e_version; then e_flags and the 16-bit fields.
  word(24, 0);
  word(24 + w, loads.length > 0 ? ehsize : 0);
  word(24 + 2 * w, shoff);
  const f = 24 + 3 * w + 4;
  v.setUint16(f, ehsize, le);
  v.setUint16(f + 2, loads.length > 0 ? phentsize : 0, le);
  v.setUint16(f + 4, loads.length, le);
  v.setUint16(f + 6, shentsize, le);
  v.setUint16(f + 8, spec.extendedNumbering ? 0 : count, le);
  v.setUint16(f + 10, spec.extendedNumbering ? 0xffff : shstrndx, le);

  loads.forEach((group, i) => {
    const members = all.filter((s) => group.includes(s.name));
    const start = Math.min(...members.map((s) => offsets.get(s.name) ?? 0));
    const end = Math.max(...members.map((s) => (offsets.get(s.name) ?? 0) + (s.type === 8 ? 0 : (s.data?.length ?? 0))));
    const h = ehsize + i * phentsize;
    v.setUint32(h, 1, le); // PT_LOAD
    if (is64) {
      v.setUint32(h + 4, 5, le);
      word(h + 8, start);
      word(h + 16, 0x400000 + start);
      word(h + 24, 0x400000 + start);
      word(h + 32, end - start);
      word(h + 40, end - start);
      word(h + 48, 0x1000);
    } else {
      word(h + 4, start);
      word(h + 8, 0x400000 + start);
      word(h + 12, 0x400000 + start);
      word(h + 16, end - start);
      word(h + 20, end - start);
      v.setUint32(h + 24, 5, le);
      word(h + 28, 0x1000);
    }
  });

  all.forEach((s, i) => {
    if (s.type !== 8 && s.data) out.set(s.data, sectionOffsets[i] ?? 0);
  });

  if (spec.extendedNumbering) {
    const h = shoff;
    word(h + (is64 ? 32 : 20), count); // sh_size
    v.setUint32(h + (is64 ? 40 : 24), shstrndx, le); // sh_link
  }
  all.forEach((s, i) => {
    const h = shoff + (i + 1) * shentsize;
    v.setUint32(h, nameOffsets[i] ?? 0, le);
    v.setUint32(h + 4, s.type, le);
    const size = s.type === 8 ? (s.size ?? 0) : (s.data?.length ?? 0);
    if (is64) {
      word(h + 8, s.flags ?? 0);
      word(h + 16, s.addr ?? 0n);
      word(h + 24, sectionOffsets[i] ?? 0);
      word(h + 32, size);
      v.setUint32(h + 40, s.link ?? 0, le);
      v.setUint32(h + 44, s.info ?? 0, le);
      word(h + 48, s.addralign ?? 1);
      word(h + 56, s.entsize ?? 0);
    } else {
      word(h + 8, s.flags ?? 0);
      word(h + 12, s.addr ?? 0n);
      word(h + 16, sectionOffsets[i] ?? 0);
      word(h + 20, size);
      v.setUint32(h + 24, s.link ?? 0, le);
      v.setUint32(h + 28, s.info ?? 0, le);
      word(h + 32, s.addralign ?? 1);
      word(h + 36, s.entsize ?? 0);
    }
  });
  return { bytes: out, offsets, shoff, shstrndx };
}

/** Deterministic filler bytes so sections are distinguishable. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
