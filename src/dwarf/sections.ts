/**
 * The DWARF sections of an ELF file, ready to read: SHF_COMPRESSED (zlib, zstd) and GNU `.zdebug_*`
 * sections inflated, and for relocatable objects (`.ko`, `-c` output) their `.rela.debug_*` /
 * `.rel.debug_*` records applied to a copy. A linked vmlinux also carries `.rela.debug_*`
 * (from --emit-relocs) whose effect is already in the bytes: those are never applied again.
 */

import { decompressElfPayload, DEFAULT_MAX_DECOMPRESSED_BYTES } from '../elf/compress.js';
import { type ElfFile, type ElfSection, ET_REL, SHT_REL, SHT_RELA } from '../elf/elf.js';
import { type ElfRelocations, ElfSymbols, relocationsFor } from '../elf/symbols.js';
import { type CoreMemory, CoreLayout, InputCores, instantiateCore } from '../wasm/core.js';
import { BtfError, type BtfErrorLocation, fail } from '../wire/errors.js';
import { RELOC_CORE_WASM } from './reloc-core-wasm.js';

/** The DWARF sections the reader uses, inflated and (in a relocatable .ko) relocated; empty where the file has none. */
export interface DwarfSections {
  readonly info: Uint8Array;
  readonly abbrev: Uint8Array;
  readonly str: Uint8Array;
  readonly lineStr: Uint8Array;
  readonly strOffsets: Uint8Array;
  readonly addr: Uint8Array;
  readonly loclists: Uint8Array;
  readonly loc: Uint8Array;
  readonly rnglists: Uint8Array;
  readonly ranges: Uint8Array;
  readonly littleEndian: boolean;
  /** File name for error messages. */
  readonly file: string | undefined;
}

const SHF_COMPRESSED = 0x800;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;

type RelocKind = 'abs' | 'add' | 'sub';
/** Per machine: relocation type → [width in bytes, what it does]. Types absent here are refused. */
const RELOCS: Record<number, Record<number, readonly [number, RelocKind]>> = {
  62: { 1: [8, 'abs'], 10: [4, 'abs'], 11: [4, 'abs'] }, // x86-64: 64, 32, 32S
  183: { 257: [8, 'abs'], 258: [4, 'abs'] }, // aarch64: ABS64, ABS32
  3: { 1: [4, 'abs'] }, // i386: 32
  40: { 2: [4, 'abs'] }, // arm: ABS32
  22: { 4: [4, 'abs'], 22: [8, 'abs'] }, // s390: 32, 64
  21: { 1: [4, 'abs'], 38: [8, 'abs'] }, // ppc64: ADDR32, ADDR64
  20: { 1: [4, 'abs'] }, // ppc: ADDR32
  8: { 2: [4, 'abs'], 18: [8, 'abs'] }, // mips: 32, 64
  // riscv: 32, 64, ADD8..ADD64, SUB8..SUB64 (label differences in line and location tables)
  243: { 1: [4, 'abs'], 2: [8, 'abs'], 33: [1, 'add'], 34: [2, 'add'], 35: [4, 'add'], 36: [8, 'add'], 37: [1, 'sub'], 38: [2, 'sub'], 39: [4, 'sub'], 40: [8, 'sub'] },
  // loongarch: 32, 64, ADD8..ADD64, SUB8..SUB64
  258: { 1: [4, 'abs'], 2: [8, 'abs'], 47: [1, 'add'], 48: [2, 'add'], 50: [4, 'add'], 51: [8, 'add'], 52: [1, 'sub'], 53: [2, 'sub'], 55: [4, 'sub'], 56: [8, 'sub'] },
  247: { 2: [8, 'abs'], 3: [4, 'abs'], 10: [4, 'abs'] }, // bpf: ABS64, ABS32, 32 (old name)
};
const NONE_RELOC: Record<number, number> = { 62: 0, 183: 0, 3: 0, 40: 0, 22: 0, 21: 0, 20: 0, 8: 0, 243: 0, 258: 0, 247: 0 };

/** How `loadDwarfSections` finds and bounds the sections of an ELF file. */
export interface LoadDwarfOptions {
  readonly file?: string | undefined;
  /** Largest inflated section accepted (default 1 GiB). */
  readonly maxBytes?: number | undefined;
  /**
   * Also load the location and range lists (.debug_loclists/.debug_loc, .debug_rnglists/
   * .debug_ranges); left empty by default, as reading types and prototypes needs none of them.
   */
  readonly lists?: boolean | undefined;
  /**
   * Apply relocations with reloc-core.c where it takes them (default true); false: always
   * with applyRelocations. The bytes are the same.
   * @internal
   */
  readonly relocationCore?: boolean | undefined;
}

/** Read (inflate, relocate) the DWARF sections of `elf`. Fails with 'no-btf'-like 'bad-dwarf' when there is no .debug_info. */
export async function loadDwarfSections(elf: ElfFile, opts: LoadDwarfOptions = {}): Promise<DwarfSections> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const where = opts.file !== undefined ? { file: opts.file } : {};
  let symbols: ElfSymbols | undefined;
  const load = async (name: string, required: boolean): Promise<Uint8Array> => {
    const sec = elf.section(name) ?? elf.section(`.z${name.slice(1)}`);
    if (!sec) {
      if (required) fail('bad-dwarf', `no ${name} section (not built with -g?)`, { ...where, section: name });
      return new Uint8Array(0);
    }
    let bytes = await sectionBytes(elf, sec, maxBytes, opts.file);
    if (elf.type === ET_REL) {
      const relocated = opts.relocationCore === false ? undefined : relocateInCore(elf, bytes, sec);
      const relocs = relocated ? [] : relocationsFor(elf, sec.index);
      if (relocated) bytes = relocated;
      else if (relocs.length > 0) {
        // Relocate a copy: the ELF's own bytes are the caller's input and are never modified.
        // (a copy by construction: on a Node Buffer, slice() would be a view)
        if (bytes.buffer === elf.bytes.buffer) bytes = new Uint8Array(bytes);
        for (const r of relocs) {
          symbols ??= new ElfSymbols(elf, elf.sections[r.section.link] ?? fail('bad-elf', `${r.section.name} links to no symbol table`, { ...where, section: r.section.name }));
          applyRelocations(elf, bytes, r, symbols, name, opts.file);
        }
      }
    }
    return bytes;
  };
  const [info, abbrev, str, lineStr, strOffsets, addr, loclists, loc, rnglists, ranges] = await Promise.all([
    load('.debug_info', true),
    load('.debug_abbrev', true),
    load('.debug_str', false),
    load('.debug_line_str', false),
    load('.debug_str_offsets', false),
    load('.debug_addr', false),
    opts.lists ? load('.debug_loclists', false) : new Uint8Array(0),
    opts.lists ? load('.debug_loc', false) : new Uint8Array(0),
    opts.lists ? load('.debug_rnglists', false) : new Uint8Array(0),
    opts.lists ? load('.debug_ranges', false) : new Uint8Array(0),
  ]);
  return { info, abbrev, str, lineStr, strOffsets, addr, loclists, loc, rnglists, ranges, littleEndian: elf.endian === 'little', file: opts.file };
}

async function sectionBytes(elf: ElfFile, sec: ElfSection, maxBytes: number, file: string | undefined): Promise<Uint8Array> {
  const raw = elf.sectionData(sec);
  const where = { section: sec.name, offset: sec.offset, ...(file !== undefined ? { file } : {}) };
  if (sec.name.startsWith('.zdebug_')) {
    // GNU style: "ZLIB" then the inflated size as a big-endian 64-bit number, then a zlib stream.
    if (raw.length < 12 || raw[0] !== 0x5a || raw[1] !== 0x4c || raw[2] !== 0x49 || raw[3] !== 0x42) fail('bad-dwarf', `${sec.name} does not start with the ZLIB header`, where);
    return locate(decompressElfPayload(raw.subarray(12), 'zlib', maxBytes), where);
  }
  if ((sec.flags & SHF_COMPRESSED) === 0) return raw;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = elf.endian === 'little';
  const hdr = elf.class === 64 ? 24 : 12;
  if (raw.length < hdr) fail('truncated', `${sec.name} is compressed but shorter than its compression header`, where);
  const type = view.getUint32(0, le);
  const size = elf.class === 64 ? Number(view.getBigUint64(8, le)) : view.getUint32(4, le);
  if (size > maxBytes) fail('unsupported', `${sec.name} inflates to ${size} bytes, over the limit of ${maxBytes}`, where);
  if (type !== ELFCOMPRESS_ZLIB && type !== ELFCOMPRESS_ZSTD) fail('unsupported', `${sec.name} uses compression type ${type} (only zlib 1 and zstd 2 are known)`, where);
  const out = await locate(decompressElfPayload(raw.subarray(hdr), type === ELFCOMPRESS_ZLIB ? 'zlib' : 'zstd', maxBytes), where);
  if (out.length !== size) fail('bad-dwarf', `${sec.name} inflated to ${out.length} bytes, its header says ${size}`, where);
  return out;
}

/** A decompression error names the section it came from. */
async function locate(p: Promise<Uint8Array>, where: BtfErrorLocation): Promise<Uint8Array> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof BtfError && e.section === undefined) throw new BtfError(e.code, e.rule, where);
    throw e;
  }
}

/**
 * What a core that relocates exports (relocate.h): reloc-core.c, and walk-core.c, which
 * relocates a module read into its memory and walks it there (walk-core.ts walkCoreInput).
 * @internal
 */
export interface RelocatingCore {
  readonly memory: CoreMemory;
  heap_base(): number;
  relocate(bytes: number, len: number, rela: number, relaLen: number, symtab: number, symtabLen: number, machine: number): number;
}

/**
 * `bytes` with the relocations of `sec` applied by relocate.h (a copy: beside the file in the
 * memory of the core it was read into, see relocatingCoreInput; else in a fresh reloc-core.c), for an
 * ELF64 little-endian object whose records it takes all of; undefined otherwise (applyRelocations
 * then does it, or names what is wrong). As applyRelocations, every record section takes its
 * symbols from the first one's symbol table.
 * @internal
 */
export function relocateInCore(elf: ElfFile, bytes: Uint8Array, sec: ElfSection): Uint8Array | undefined {
  const relas = elf.sections.filter((s) => (s.type === SHT_RELA || s.type === SHT_REL) && s.info === sec.index);
  if (relas.length === 0 || elf.class !== 64 || elf.endian !== 'little' || relas.some((s) => s.type !== SHT_RELA)) return undefined;
  const symtab = elf.sections[relas[0]!.link];
  if (!symtab || !elf.sections[symtab.link]) return undefined;
  const symbols = elf.sectionData(symtab);
  const records = relas.map((r) => elf.sectionData(r));
  const where = relocateWhereRead(bytes, symbols, records, elf.machine);
  if (where !== 'elsewhere') return where;
  const core = instantiateCore(RELOC_CORE_WASM) as RelocatingCore | undefined;
  if (!core) return undefined;
  const layout = new CoreLayout(core.memory, core.heap_base());
  const at = layout.copy(bytes);
  const symbolsAt = layout.copy(symbols);
  const recordsAt = records.map((r) => layout.copy(r));
  if (!layout.commit()) return undefined;
  for (let i = 0; i < records.length; i++) {
    if (core.relocate(at, bytes.length, recordsAt[i]!, records[i]!.length, symbolsAt, symbols.length, elf.machine) !== 0) return undefined;
  }
  const relocated = new Uint8Array(core.memory.buffer, at, bytes.length);
  // Nothing grows this memory again, so a view of it serves (a module's: a copy of ext4's 4.6 MB
  // saved); a large one is copied out, so that its relocation records can go.
  return core.memory.buffer.byteLength <= RELOCATED_VIEW_MAX_MEMORY ? relocated : relocated.slice();
}

/** Relocating cores whose memory holds a whole object file read in place (relocatingCoreInput). */
const inputCores = new InputCores<RelocatingCore>((core) => core);

/**
 * Room for an object file of `byteLength` bytes in the memory of a fresh reloc-core.c, with as
 * much again behind it for relocated copies of its sections: for a reader's `allocate`
 * (loadBtf, readInput). A module read there is relocated where it lies: its section, records
 * and symbols are not copied into a fresh core (ext4: 12 MB), only the section within the
 * memory. Undefined where no core runs or the memory cannot grow so far.
 */
export function relocationCoreInput(byteLength: number): Uint8Array | undefined {
  const core = instantiateCore(RELOC_CORE_WASM) as RelocatingCore | undefined;
  return core && relocatingCoreInput(core, byteLength, byteLength);
}

/**
 * Room for an object file of `byteLength` bytes in `core`'s memory, grown once so that `after`
 * more bytes fit behind it (relocated copies of its sections, and whatever the core places
 * there later: claimInputRoom). Its sections are relocated where the file lies (loadDwarfSections).
 * @internal
 */
export function relocatingCoreInput(core: RelocatingCore, byteLength: number, after: number): Uint8Array | undefined {
  return inputCores.reserve(core, byteLength, after);
}

/**
 * The core whose memory `buffer` is, when an object file was read there (relocatingCoreInput).
 * @internal
 */
export function inputCoreOf(buffer: ArrayBufferLike): RelocatingCore | undefined {
  return inputCores.host(buffer)?.core;
}

/**
 * Room for `bytes` more in the memory `buffer` of such a core, after everything placed there
 * (InputCores.claim): its address; undefined when the room left is too small.
 * @internal
 */
export function claimInputRoom(buffer: ArrayBufferLike, bytes: number): number | undefined {
  return inputCores.claim(buffer, bytes);
}

/**
 * `bytes` relocated in a copy placed in the memory of the core the file was read into
 * (relocatingCoreInput), where the records and symbols already lie; undefined when the core
 * does not take a record; 'elsewhere' when the inputs are not all in such a memory, or its
 * room is used up (the caller copies them into a fresh core).
 */
function relocateWhereRead(bytes: Uint8Array, symbols: Uint8Array, records: readonly Uint8Array[], machine: number): Uint8Array | undefined | 'elsewhere' {
  const buffer = bytes.buffer;
  const host = inputCores.host(buffer);
  if (!host || symbols.buffer !== buffer || records.some((r) => r.buffer !== buffer)) return 'elsewhere';
  const at = inputCores.claim(buffer, bytes.length);
  if (at === undefined) return 'elsewhere';
  const memory = new Uint8Array(buffer);
  memory.copyWithin(at, bytes.byteOffset, bytes.byteOffset + bytes.length);
  for (const r of records) {
    if (host.core.relocate(at, bytes.length, r.byteOffset, r.length, symbols.byteOffset, symbols.length, machine) !== 0) return undefined;
  }
  return new Uint8Array(buffer, at, bytes.length);
}

/** The largest relocation core memory whose relocated section is handed out as a view. */
const RELOCATED_VIEW_MAX_MEMORY = 64 * 1024 * 1024;

function applyRelocations(elf: ElfFile, bytes: Uint8Array, r: ElfRelocations, symbols: ElfSymbols, name: string, file: string | undefined): void {
  const table = RELOCS[elf.machine];
  const where = { section: r.section.name, ...(file !== undefined ? { file } : {}) };
  if (!table) fail('unsupported', `relocations for ELF machine ${elf.machine} are not supported`, where);
  const none = NONE_RELOC[elf.machine];
  const le = elf.endian === 'little';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entSize = r.section.entsize || 1;
  const { addendLo, addendHi, offset, symbol } = r;
  // The low 32 bits of a sum or difference depend only on the operands' low 32 bits: a
  // relocation up to 4 bytes wide is computed on numbers (`>>> 0` is modulo 2^32), only
  // 8-byte ones on BigInts.
  const symbolLo = symbolLowWords(symbols);
  let symbolHi: Uint32Array | undefined;
  for (let i = 0; i < offset.length; i++) {
    const type = r.type[i]!;
    if (type === none) continue;
    const spec = table[type];
    const at = offset[i]!;
    if (!spec) fail('unsupported', `relocation type ${type} (machine ${elf.machine}) in ${name} is not supported`, { ...where, offset: r.section.offset + i * entSize });
    const width = spec[0];
    const kind = spec[1];
    if (at + width > bytes.length) fail('bad-elf', `relocation ${i} at ${at} writes past the end of ${name}`, { ...where, offset: r.section.offset + i * entSize });
    const sym = symbol[i]!;
    if (sym >= symbols.count) fail('bad-elf', `relocation ${i} names symbol ${sym}, the table has ${symbols.count}`, { ...where, offset: r.section.offset + i * entSize });
    if (width === 4 && kind === 'abs' && addendLo) {
      view.setUint32(at, (symbolLo[sym]! + addendLo[i]!) >>> 0, le);
      continue;
    }
    if (width === 8 && kind === 'abs' && addendLo && addendHi) {
      // S + A modulo 2^64 in two 32-bit halves (a BigInt per record was most of the garbage
      // a module's encode made).
      symbolHi ??= symbolHighWords(symbols);
      const low = symbolLo[sym]! + addendLo[i]!;
      const carry = low >= 0x100000000 ? 1 : 0;
      const high = (symbolHi[sym]! + addendHi[i]! + carry) >>> 0;
      view.setUint32(at + (le ? 0 : 4), low >>> 0, le);
      view.setUint32(at + (le ? 4 : 0), high, le);
      continue;
    }
    if (width === 8) {
      const old = view.getBigUint64(at, le);
      const addend = addendLo && addendHi ? (BigInt(addendHi[i]!) << 32n) | BigInt(addendLo[i]!) : old;
      const s = symbols.value[sym]!;
      view.setBigUint64(at, BigInt.asUintN(64, kind === 'abs' ? s + addend : kind === 'add' ? old + s + addend : old - s - addend), le);
      continue;
    }
    const old = readNarrow(view, at, width, le);
    const addend = addendLo ? addendLo[i]! : old;
    const s = symbolLo[sym]!;
    writeNarrow(view, at, width, le, kind === 'abs' ? s + addend : kind === 'add' ? old + s + addend : old - s - addend);
  }
}

/** The low 32 bits of every symbol's value. */
function symbolLowWords(symbols: ElfSymbols): Uint32Array {
  const out = new Uint32Array(symbols.count);
  for (let i = 0; i < symbols.count; i++) out[i] = Number(symbols.value[i]! & 0xffffffffn);
  return out;
}

/** The high 32 bits of every symbol's value. */
function symbolHighWords(symbols: ElfSymbols): Uint32Array {
  const out = new Uint32Array(symbols.count);
  for (let i = 0; i < symbols.count; i++) out[i] = Number(symbols.value[i]! >> 32n);
  return out;
}

function readNarrow(view: DataView, at: number, width: number, le: boolean): number {
  return width === 1 ? view.getUint8(at) : width === 2 ? view.getUint16(at, le) : view.getUint32(at, le);
}

/** Store the low `width` bytes of `value` (an integer within ±2^53). */
function writeNarrow(view: DataView, at: number, width: number, le: boolean, value: number): void {
  const v = value >>> 0;
  if (width === 1) view.setUint8(at, v & 0xff);
  else if (width === 2) view.setUint16(at, v & 0xffff, le);
  else view.setUint32(at, v, le);
}

