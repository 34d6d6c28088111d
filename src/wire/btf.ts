/**
 * The reader: a lazy, zero-copy view over one BTF blob (and, for split BTF, its base).
 *
 * Parsing does one pass over the type section to record where each record starts (an
 * offsets index); nothing is decoded into objects. Accessors read the words on demand, names
 * are decoded when asked for, and the name index is built on the first lookup: a binary
 * search when the names are sorted (as in 7.x vmlinux), a hash over the name bytes otherwise.
 *
 * The type section is kept as host-order 32-bit words. For input in host byte order whose
 * type section is 4-byte aligned that is a view onto the caller's buffer; otherwise a copy
 * (opposite byte order: every word swapped, which is exact because every field of every
 * record is a 32-bit word).
 */

import { BtfError, fail, SPLIT_HINT } from './errors.js';
import { HOST_ENDIAN, type BtfHeader, type Endian, parseHeader, swapWords } from './header.js';
import { infoKflag, infoKind, infoVlen, Kind, KIND_SHAPES, type KindShape, layoutShape, NR_KINDS } from './kinds.js';
import { compareCString, compareCStrings, decodeCString, encodeString, hashBytes } from './strings.js';
import { indexByCore } from './btf-core.js';

/** One kind's entry of the layout section: its record's sizes. */
export interface LayoutEntry {
  readonly infoSize: number;
  readonly elemSize: number;
  readonly flags: number;
}

/** Options of `Btf.parse`. */
export interface ParseOptions {
  /** Base BTF: this blob is split BTF continuing the base's type ids and string offsets. */
  readonly base?: Btf | undefined;
  /** File name for error messages. */
  readonly file?: string | undefined;
  /** Section name for error messages (".BTF", ".BTF.base"). */
  readonly section?: string | undefined;
  /**
   * Check every type-id field and string offset the way libbpf's sanity check does
   * (default true). Turning it off makes parsing O(types) instead of O(fields); accessors
   * still never read outside the blob.
   */
  readonly sanityCheck?: boolean | undefined;
  /**
   * The record index made elsewhere, for a blob not sanity-checked: a WebAssembly core that
   * holds the words already (format/raw.ts rawCoreIndex) indexes them where they lie. It
   * gives what indexTypes would, or undefined (no core holds them, a record it refuses) for
   * indexTypes to make it and report what is wrong.
   */
  readonly indexRecords?: RecordIndexer | undefined;
}

/** See ParseOptions.indexRecords. */
export type RecordIndexer = (words: Uint32Array, shapes: readonly (KindShape | undefined)[]) => Uint32Array | undefined;

const ALL_SHAPES_UNKNOWN: readonly (KindShape | undefined)[] = new Array(128).fill(undefined);

/** One BTF blob (and its base, for split BTF), read lazily: accessors by type id, names on demand. */
export class Btf {
  /** The blob as given. */
  readonly bytes: Uint8Array;
  /** strCached's decoded names, made on first use. */
  private strMemo: Map<number, string> | undefined;
  readonly endian: Endian;
  readonly header: BtfHeader;
  readonly base: Btf | undefined;
  /** First type id stored in this blob (1 for base BTF). */
  readonly startId: number;
  /** First logical string offset stored in this blob (0 for base BTF). */
  readonly startStrOff: number;
  /**
   * Host-order words of this blob's type section (for the library's own hot loops; users
   * read through the accessors).
   * @internal
   */
  readonly words: Uint32Array;
  /**
   * Word offset of each own type's record in `words`; index = id - startId.
   * @internal
   */
  readonly offsets: Uint32Array;
  /** This blob's own string section. */
  readonly strings: Uint8Array;
  /** This blob's own layout section, if it has one. */
  readonly layout: readonly LayoutEntry[] | undefined;
  /** Record shape per kind number (0..127): btfkit's own, else from the layout section(s). */
  readonly shapes: readonly (KindShape | undefined)[];
  readonly file: string | undefined;
  readonly section: string;

  private nameIndex: NameIndex | undefined;

  private constructor(init: {
    bytes: Uint8Array;
    endian: Endian;
    header: BtfHeader;
    base: Btf | undefined;
    words: Uint32Array;
    offsets: Uint32Array;
    strings: Uint8Array;
    layout: LayoutEntry[] | undefined;
    shapes: (KindShape | undefined)[];
    file: string | undefined;
    section: string;
  }) {
    this.bytes = init.bytes;
    this.endian = init.endian;
    this.header = init.header;
    this.base = init.base;
    this.startId = init.base ? init.base.nextId : 1;
    this.startStrOff = init.base ? init.base.startStrOff + init.base.strings.length : 0;
    this.words = init.words;
    this.offsets = init.offsets;
    this.strings = init.strings;
    this.layout = init.layout;
    this.shapes = init.shapes;
    this.file = init.file;
    this.section = init.section;
  }

  /** Parse raw BTF bytes (a `.BTF` section, a `/sys/kernel/btf/*` file, a raw `.btf` file). */
  static parse(bytes: Uint8Array, opts: ParseOptions = {}): Btf {
    const section = opts.section ?? '.BTF';
    try {
      return Btf.parseInner(bytes, opts, section);
    } catch (e) {
      if (e instanceof BtfError && opts.file !== undefined) e.withFile(opts.file);
      throw e;
    }
  }

  private static parseInner(bytes: Uint8Array, opts: ParseOptions, section: string): Btf {
    const { header, endian } = parseHeader(bytes, section);
    const base = opts.base;
    if (base && base.endian !== endian) {
      fail('unsupported', `split BTF is ${endian}-endian but its base is ${base.endian}-endian`, { offset: 0, section });
    }
    const dataStart = header.hdrLen;
    const strings = bytes.subarray(dataStart + header.strOff, dataStart + header.strOff + header.strLen);
    if (!base) {
      if (strings.length === 0) fail('bad-string', 'base BTF needs a string section (at least the empty string)', { offset: 20, section });
      if (strings[0] !== 0) fail('bad-string', `string section of base BTF must start with the empty string (${SPLIT_HINT})`, { offset: dataStart + header.strOff, section });
    }
    if (strings.length > 0 && strings[strings.length - 1] !== 0) {
      fail('bad-string', 'string section must end with a NUL byte', { offset: dataStart + header.strOff + header.strLen - 1, section });
    }

    // Layout section: {u8 info_sz; u8 elem_sz; u16 flags} per kind.
    let layout: LayoutEntry[] | undefined;
    if (header.layoutLen > 0) {
      const at = dataStart + header.layoutOff;
      const n = header.layoutLen / 4;
      layout = new Array<LayoutEntry>(n);
      for (let k = 0; k < n; k++) {
        const p = at + k * 4;
        const b2 = bytes[p + 2]!;
        const b3 = bytes[p + 3]!;
        layout[k] = { infoSize: bytes[p]!, elemSize: bytes[p + 1]!, flags: endian === 'little' ? b2 | (b3 << 8) : (b2 << 8) | b3 };
      }
    }
    const shapes = resolveShapes(layout, base);

    const typeStart = dataStart + header.typeOff;
    const typeBytes = bytes.subarray(typeStart, typeStart + header.typeLen);
    let words: Uint32Array;
    if (endian !== HOST_ENDIAN) {
      words = swapWords(typeBytes);
    } else if (typeBytes.byteOffset % 4 === 0) {
      words = new Uint32Array(typeBytes.buffer, typeBytes.byteOffset, typeBytes.length >>> 2);
    } else {
      words = new Uint32Array(typeBytes.length >>> 2);
      new Uint8Array(words.buffer).set(typeBytes);
    }

    const startId = base ? base.nextId : 1;
    const check = opts.sanityCheck !== false;
    // A big blob to check (a vmlinux given by path) is indexed and checked by btf-core.c (where
    // it was read to, when that is a btf core's memory: loadBase); anything it refuses, and
    // every other blob, by the passes here, which say what is wrong and where.
    const byCore = indexByCore(words, shapes, check ? { startId, strEnd: (base ? base.startStrOff + base.strings.length : 0) + strings.length, baseKind: (id) => base!.kind(id) } : undefined);
    const offsets = byCore?.offsets ?? (check ? undefined : opts.indexRecords?.(words, shapes)) ?? indexTypes(words, shapes, startId, typeStart, section);
    const btf = new Btf({ bytes, endian, header, base, words, offsets, strings, layout, shapes, file: opts.file, section });
    if (check && byCore?.checked !== true) btf.sanityCheck();
    return btf;
  }

  /** Number of types stored in this blob. */
  get typeCount(): number {
    return this.offsets.length;
  }

  /** One past the last type id (libbpf's btf__type_cnt). */
  get nextId(): number {
    return this.startId + this.offsets.length;
  }

  get isSplit(): boolean {
    return this.base !== undefined;
  }

  /** The blob (this or a base) that stores type `id`. */
  ownerOf(id: number): Btf {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let b: Btf = this;
    while (id < b.startId) {
      if (!b.base) break;
      b = b.base;
    }
    if (id >= b.nextId || (id < b.startId && id !== 0)) this.badId(id);
    return b;
  }

  hasType(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.nextId;
  }

  /** Word offset of the record of own type `id` (id must be >= startId). */
  private recordOf(id: number): number {
    const idx = id - this.startId;
    const off = this.offsets[idx];
    if (off === undefined) this.badId(id);
    return off;
  }

  private badId(id: number): never {
    fail('bad-type-id', `type id ${id} does not exist (valid: 1..${this.nextId - 1})`, { typeId: id, section: this.section, ...(this.file !== undefined ? { file: this.file } : {}) });
  }

  /** Word `w` of the record of type `id` (0 name_off, 1 info, 2 size_or_type, 3.. trailing). */
  word(id: number, w: number): number {
    if (id === 0) return 0;
    const b = id >= this.startId ? this : this.ownerOf(id);
    return b.words[b.recordOf(id) + w]!;
  }

  info(id: number): number {
    return this.word(id, 1);
  }
  kind(id: number): number {
    return infoKind(this.word(id, 1));
  }
  vlen(id: number): number {
    return infoVlen(this.word(id, 1));
  }
  kflag(id: number): boolean {
    return infoKflag(this.word(id, 1));
  }
  nameOff(id: number): number {
    return this.word(id, 0);
  }
  /** size_or_type: a byte size or a type id, depending on the kind. */
  sizeOrType(id: number): number {
    return this.word(id, 2);
  }
  name(id: number): string {
    return this.str(this.word(id, 0));
  }
  /** Shape of type `id`'s kind. */
  shapeOf(id: number): KindShape {
    const k = this.kind(id);
    return this.shapes[k] ?? fail('unknown-kind', `kind ${k} is not known and no layout section describes it`, { typeId: id });
  }

  /** Word `w` of element `i` (member/param/enumerator/secinfo) of type `id`. */
  elemWord(id: number, i: number, w: number): number {
    const b = id >= this.startId ? this : this.ownerOf(id);
    const off = b.recordOf(id);
    const s = b.shapes[infoKind(b.words[off + 1]!)]!;
    return b.words[off + 3 + (s.infoSize >>> 2) + i * (s.elemSize >>> 2) + w]!;
  }

  /**
   * Where the record of `id` lives: the owning blob's words and the record's word offset.
   * @internal
   */
  record(id: number): { words: Uint32Array; offset: number; owner: Btf } {
    const b = id >= this.startId ? this : this.ownerOf(id);
    return { words: b.words, offset: b.recordOf(id), owner: b };
  }

  /** Byte size of the record of type `id`. */
  recordSize(id: number): number {
    const s = this.shapeOf(id);
    return 12 + s.infoSize + this.vlen(id) * s.elemSize;
  }

  // ---- strings ----

  /** True when `off` names a byte inside this blob's or a base's string section. */
  strValid(off: number): boolean {
    if (off < this.startStrOff) return this.base ? this.base.strValid(off) : false;
    return off - this.startStrOff < this.strings.length;
  }

  /** The string at logical offset `off`. */
  str(off: number): string {
    if (off === 0 && this.startStrOff === 0) return '';
    if (off < this.startStrOff) {
      if (this.base) return this.base.str(off);
    } else if (off - this.startStrOff < this.strings.length) {
      return decodeCString(this.strings, off - this.startStrOff);
    }
    return fail('bad-string', `string offset ${off} is outside the string section(s) (size ${this.startStrOff + this.strings.length})`, { section: this.section, ...(this.file !== undefined ? { file: this.file } : {}) });
  }

  /**
   * str(off), decoded once per offset of this object (base offsets are remembered by the
   * base): for consumers that print the same names many times (C text, layouts, diffs).
   */
  strCached(off: number): string {
    if (off < this.startStrOff && this.base) return this.base.strCached(off);
    let memo = this.strMemo;
    if (!memo) this.strMemo = memo = new Map();
    let s = memo.get(off);
    if (s === undefined) {
      s = this.str(off);
      memo.set(off, s);
    }
    return s;
  }

  /** The table and local index that hold logical offset `off` (for byte-level comparisons). */
  strLocation(off: number): { table: Uint8Array; index: number } | undefined {
    if (off < this.startStrOff) return this.base?.strLocation(off);
    const idx = off - this.startStrOff;
    return idx < this.strings.length ? { table: this.strings, index: idx } : undefined;
  }

  /** strcmp of the names at two offsets, without decoding. */
  compareStr(offA: number, offB: number): number {
    const a = this.strLocation(offA);
    const b = this.strLocation(offB);
    if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
    return compareCStrings(a.table, a.index, b.table, b.index);
  }

  // ---- lookups ----

  /** All ids (base first) whose name is exactly `name`. */
  findByName(name: string): number[] {
    const out = this.base ? this.base.findByName(name) : [];
    this.index().findAll(encodeString(name), out);
    return out;
  }

  /** First id (base first) with this name and kind, like libbpf's btf__find_by_name_kind. */
  findByNameKind(name: string, kind: number): number | undefined {
    if (this.base) {
      const inBase = this.base.findByNameKind(name, kind);
      if (inBase !== undefined) return inBase;
    }
    const ids: number[] = [];
    this.index().findAll(encodeString(name), ids);
    for (const id of ids) if (this.kind(id) === kind) return id;
    return undefined;
  }

  /** True when own types are sorted by name with anonymous types first (7.x vmlinux). */
  get namesSorted(): boolean {
    return this.index().sorted;
  }

  private index(): NameIndex {
    return (this.nameIndex ??= new NameIndex(this));
  }

  // ---- checks ----

  /**
   * libbpf-level sanity check: every own type's name and element names resolve, every
   * type-id field points at an existing type, FUNC points at a FUNC_PROTO.
   */
  sanityCheck(): void {
    const next = this.nextId;
    // The logical string space of a split chain is contiguous: [0, startStrOff + own length).
    const strEnd = this.startStrOff + this.strings.length;
    const words = this.words;
    const offsets = this.offsets;
    const shapes = this.shapes;
    const n = offsets.length;
    // Hand-inlined version of the field visitor: this runs on every parse of vmlinux, and
    // closures per field cost several times the checks themselves.
    for (let i = 0; i < n; i++) {
      const off = offsets[i]!;
      const info = words[off + 1]!;
      const shape = shapes[infoKind(info)]!;
      if (shape.fromLayout) continue; // unknown kinds: only their size is known
      const id = this.startId + i;
      if (words[off]! >= strEnd) fail('bad-string', `name offset ${words[off]} is outside the string section(s) (size ${strEnd})`, this.where(id, off));
      if (shape.sizeOrType === 'type' && words[off + 2]! >= next) this.badRef(id, off + 2, shape);
      const infoIds = shape.infoTypeWords;
      for (let k = 0; k < infoIds.length; k++) if (words[off + 3 + infoIds[k]!]! >= next) this.badRef(id, off + 3 + infoIds[k]!, shape);
      const elemIds = shape.elemTypeWords;
      const elemStrs = shape.elemStrWords;
      if (elemIds.length > 0 || elemStrs.length > 0) {
        const vlen = infoVlen(info);
        const stride = shape.elemSize >>> 2;
        let e = off + 3 + (shape.infoSize >>> 2);
        for (let j = 0; j < vlen; j++, e += stride) {
          for (let k = 0; k < elemIds.length; k++) if (words[e + elemIds[k]!]! >= next) this.badRef(id, e + elemIds[k]!, shape);
          for (let k = 0; k < elemStrs.length; k++) {
            const w = e + elemStrs[k]!;
            if (words[w]! >= strEnd) fail('bad-string', `string offset ${words[w]} in ${shape.name} element ${j} is outside the string section(s) (size ${strEnd})`, this.where(id, w));
          }
        }
      }
      if (shape.kind === Kind.FUNC) {
        const target = words[off + 2]!;
        const targetKind = target >= this.startId ? infoKind(words[offsets[target - this.startId]! + 1]!) : target === 0 ? 0 : this.kind(target);
        if (targetKind !== Kind.FUNC_PROTO) {
          fail('bad-type', `FUNC must point at a FUNC_PROTO, points at [${target}]`, this.where(id, off + 2));
        }
      }
    }
  }

  private badRef(id: number, w: number, shape: KindShape): never {
    fail('bad-type-id', `${shape.name} refers to type id ${this.words[w]}, but the last type id is ${this.nextId - 1}`, this.where(id, w));
  }

  /** Error location for word `w` of own type `id`: file offset of that word. */
  where(id: number, w: number): { typeId: number; offset: number; section: string; file?: string } {
    const byteOff = this.header.hdrLen + this.header.typeOff + w * 4;
    return { typeId: id, offset: byteOff, section: this.section, ...(this.file !== undefined ? { file: this.file } : {}) };
  }
}

/**
 * Per-kind record shapes for a blob: btfkit's own for kinds 0..19, else the blob's layout
 * section, else the base's (split BTF may omit the layout and inherit it).
 */
function resolveShapes(layout: LayoutEntry[] | undefined, base: Btf | undefined): (KindShape | undefined)[] {
  const shapes: (KindShape | undefined)[] = base ? base.shapes.slice() : ALL_SHAPES_UNKNOWN.slice();
  for (let k = 0; k < NR_KINDS; k++) shapes[k] = KIND_SHAPES[k];
  shapes[0] = undefined; // kind 0 never appears in a type section
  if (layout) {
    for (let k = NR_KINDS; k < layout.length && k < 128; k++) {
      const e = layout[k]!;
      // A layout entry with sizes that are not whole words cannot describe a BTF record.
      if (e.infoSize % 4 === 0 && e.elemSize % 4 === 0) shapes[k] = layoutShape(k, e.infoSize, e.elemSize);
    }
  }
  return shapes;
}

/**
 * One pass over the type section: the word offset at which each record starts (the fallback
 * of btf-core.c's btf_index, and its reference).
 * @internal
 */
export function indexTypes(words: Uint32Array, shapes: readonly (KindShape | undefined)[], startId: number, typeStartByte: number, section: string): Uint32Array {
  const nWords = words.length;
  // Record size per kind in words (fixed part; 0: unknown kind) and per element: this loop
  // runs over every type of vmlinux before anything is optimised, so it reads two small
  // typed arrays instead of shape objects.
  const fixedWords = new Uint8Array(128);
  const elemWords = new Uint8Array(128);
  for (let k = 0; k < 128; k++) {
    const shape = shapes[k];
    if (shape === undefined) continue;
    fixedWords[k] = 3 + (shape.infoSize >>> 2);
    elemWords[k] = shape.elemSize >>> 2;
  }
  // No record is smaller than 3 words, so this bound comes from the real byte count.
  const offsets = new Uint32Array(Math.floor(nWords / 3));
  let count = 0;
  let w = 0;
  while (w < nWords) {
    if (w + 3 > nWords) {
      const id = startId + count;
      fail('truncated', `type section ends inside the 12-byte header of type [${id}]`, { offset: typeStartByte + w * 4, typeId: id, section });
    }
    const info = words[w + 1]!;
    const kind = infoKind(info);
    const size = fixedWords[kind]! + infoVlen(info) * elemWords[kind]!;
    if (size === 0 || w + size > nWords) badRecord(words, w, shapes, startId + count, typeStartByte, section);
    offsets[count++] = w;
    w += size;
  }
  return offsets.slice(0, count);
}

/** The error for the record at word `w`: its kind is unknown, or it runs past the type section. */
function badRecord(words: Uint32Array, w: number, shapes: readonly (KindShape | undefined)[], id: number, typeStartByte: number, section: string): never {
  const info = words[w + 1]!;
  const kind = infoKind(info);
  const shape = shapes[kind];
  if (shape === undefined) {
    fail(kind === 0 ? 'bad-type' : 'unknown-kind', kind === 0 ? 'kind 0 (void) cannot be stored in the type section' : `kind ${kind} is not known and no layout section describes it`, {
      offset: typeStartByte + w * 4 + 4,
      typeId: id,
      section,
    });
  }
  const vlen = infoVlen(info);
  const size = 3 + (shape.infoSize >>> 2) + vlen * (shape.elemSize >>> 2);
  return fail('truncated', `${shape.name} with vlen ${vlen} needs ${size * 4} bytes, only ${(words.length - w) * 4} left in the type section`, {
    offset: typeStartByte + w * 4,
    typeId: id,
    section,
  });
}

/**
 * Name lookups without decoding every name: binary search over names when the own types are
 * sorted (anonymous first, then strcmp order), else hash chains over the name bytes.
 */
class NameIndex {
  readonly sorted: boolean;
  private readonly namedStart: number;
  private head: Int32Array | undefined;
  private next: Int32Array | undefined;
  private mask = 0;

  constructor(private readonly btf: Btf) {
    const { words, offsets, strings, startStrOff } = btf;
    const n = offsets.length;
    let i = 0;
    while (i < n && words[offsets[i]!] === 0) i++;
    this.namedStart = i;
    let sorted = true;
    let prev = -1;
    for (; i < n; i++) {
      const off = words[offsets[i]!]!;
      const local = off - startStrOff;
      // Names pointing into the base table or anonymous types after the first named one
      // break the "sorted own names" shape; fall back to hashing.
      if (off === 0 || local < 0 || local >= strings.length) {
        sorted = false;
        break;
      }
      if (prev >= 0 && compareCStrings(strings, prev, strings, local) > 0) {
        sorted = false;
        break;
      }
      prev = local;
    }
    this.sorted = sorted && n > 0;
    if (!this.sorted) this.buildHash();
  }

  private buildHash(): void {
    const { words, offsets } = this.btf;
    const n = offsets.length;
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    this.mask = cap - 1;
    const head = new Int32Array(cap).fill(-1);
    const next = new Int32Array(n).fill(-1);
    const own = this.btf.strings;
    const ownStart = this.btf.startStrOff;
    // Insert from the back so every chain lists ids in ascending order.
    for (let i = n - 1; i >= 0; i--) {
      const off = words[offsets[i]!]!;
      if (off === 0) continue;
      // Own names without the location object strLocation makes (one per type is GC work).
      const local = off - ownStart;
      let h: number;
      if (local >= 0 && local < own.length) {
        h = hashBytes(own, local) & this.mask;
      } else {
        const loc = this.btf.strLocation(off);
        if (!loc) continue;
        h = hashBytes(loc.table, loc.index) & this.mask;
      }
      next[i] = head[h]!;
      head[h] = i;
    }
    this.head = head;
    this.next = next;
  }

  findAll(want: Uint8Array, out: number[]): void {
    const btf = this.btf;
    const { words, offsets, startId } = btf;
    if (want.length === 0) return; // anonymous types are not found by name
    if (this.sorted) {
      const strings = btf.strings;
      const base = btf.startStrOff;
      let lo = this.namedStart;
      let hi = offsets.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareCString(strings, words[offsets[mid]!]! - base, want) < 0) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < offsets.length && compareCString(strings, words[offsets[i]!]! - base, want) === 0; i++) out.push(startId + i);
      return;
    }
    const head = this.head!;
    const next = this.next!;
    // `want` has no NUL inside, so hashing it as a C string covers all of it.
    const h = hashBytes(want, 0);
    for (let i = head[h & this.mask]!; i >= 0; i = next[i]!) {
      const loc = btf.strLocation(words[offsets[i]!]!);
      if (loc && compareCString(loc.table, loc.index, want) === 0) out.push(startId + i);
    }
  }
}
