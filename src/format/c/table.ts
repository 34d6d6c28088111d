/**
 * A flat, read-only view of every type in a BTF chain (base + split), tuned for the C
 * dumper: one Uint32Array holding all records, one word offset per id (id 0 = void is a
 * record of three zero words), and a string cache keyed by logical string offset. The
 * dumper touches each type many times; going through `Btf.word()`'s owner lookup each time
 * would dominate the run time on a 100k-type vmlinux.
 */

import { pointerSize, type SizedTypes } from '../../model/sizes.js';
import type { Btf } from '../../wire/btf.js';
import { BtfError } from '../../wire/errors.js';
import { infoKflag, infoKind, infoVlen, isAnyEnum, isComposite, Kind } from '../../wire/kinds.js';
import { MAX_WALK_DEPTH } from '../../wire/limits.js';

/** For the whole string section at once: V8 decodes ASCII as UTF-8 several times faster than as Latin-1. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const tables = new WeakMap<Btf, TypeTable>();
/** Names asked for one by one (Btf.strCached) before TypeTable.str decodes the whole string section. */
const STR_ALL_AFTER = 4096;

/** `bytes` as one string when they are pure ASCII, else null. */
function decodeAscii(bytes: Uint8Array): string | null {
  // One native scan for a non-ASCII byte instead of a byte loop in cold code (any byte
  // above ASCII decodes to a character above it, or to U+FFFD). Pure ASCII decodes the same
  // as UTF-8 or Latin-1; UTF-8 took 2 ms for vmlinux's 2.6 MB, Latin-1 13.
  const all = utf8.decode(bytes);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the class is every byte above ASCII, \x00 included on purpose
  return /[^\x00-\x7f]/.test(all) ? null : all;
}

/** `off[0]` of a single blob, whose words hold no record of void. */
export const VOID_AT = -1;

/** The types the C dumper reads (base and split as one id space, void included), with names decoded on demand. */
export class TypeTable implements SizedTypes {
  /**
   * All records of the chain: a single blob's own words (not copied: 5 MB of a vmlinux), a
   * chain's copied after a record of void (three zero words) at offset 0.
   */
  readonly words: Uint32Array;
  /**
   * Word offset of each id's record in `words`; VOID_AT for void where `words` holds no
   * record of it (a single blob): the accessors answer 0 for id 0 themselves.
   */
  readonly off: Int32Array;
  /** One past the last id (libbpf's btf__type_cnt). */
  readonly n: number;
  /** Trailing-data words per kind (INT 1, ARRAY 3, ...), from the chain's shapes, indexed by kind. */
  readonly infoWords: Uint8Array;
  private readonly elemW: Uint8Array;
  /** All string tables of the chain, concatenated (a single blob's own): logical string offset = index. */
  readonly strBytes: Uint8Array;
  /**
   * The whole string section as one JS string when it is pure ASCII (names are slices), made
   * once STR_ALL_AFTER names were asked for; null when it is not ASCII. The C dump writes
   * names as bytes and asks for a few hundred strings: decoding and scanning 2.6 MB for
   * them cost more than the names (and the memory of the string).
   */
  private strAll: string | null | undefined;
  private strCalls = 0;
  /** Pointer size libbpf would assume (btf__pointer_size, defaulting to 8). */
  readonly ptrSize: number;

  /** The table of `btf`, built once per Btf object (one-declaration calls reuse it). */
  static of(btf: Btf): TypeTable {
    let t = tables.get(btf);
    if (!t) {
      t = new TypeTable(btf);
      tables.set(btf, t);
    }
    return t;
  }

  constructor(readonly btf: Btf) {
    const chain: Btf[] = [];
    for (let b: Btf | undefined = btf; b; b = b.base) chain.unshift(b);
    const off = new Int32Array(btf.nextId);
    if (chain.length === 1) {
      // One blob (vmlinux): its words and offsets as they are. Copying them only to append a
      // record of void cost 5 MB of a vmlinux dump's peak memory; a real kernel's records
      // hold no three zero words void could borrow, so the accessors answer for id 0.
      this.words = btf.words;
      off[0] = VOID_AT;
      off.set(btf.offsets, 1);
    } else {
      let total = 3;
      for (const b of chain) total += b.words.length;
      const words = new Uint32Array(total);
      let at = 3;
      for (const b of chain) {
        words.set(b.words, at);
        const o = b.offsets;
        const s = b.startId;
        for (let i = 0; i < o.length; i++) off[s + i] = o[i]! + at;
        at += b.words.length;
      }
      this.words = words;
    }
    this.off = off;
    this.n = btf.nextId;
    this.infoWords = new Uint8Array(128);
    this.elemW = new Uint8Array(128);
    for (let k = 0; k < 128; k++) {
      const sh = btf.shapes[k];
      if (sh) {
        this.infoWords[k] = sh.infoSize >>> 2;
        this.elemW[k] = sh.elemSize >>> 2;
      }
    }
    let sb: Uint8Array;
    if (chain.length === 1) {
      sb = btf.strings;
    } else {
      let slen = 0;
      for (const b of chain) slen += b.strings.length;
      sb = new Uint8Array(slen);
      let sat = 0;
      for (const b of chain) {
        sb.set(b.strings, sat);
        sat += b.strings.length;
      }
    }
    this.strBytes = sb;
    this.ptrSize = pointerSize(btf);
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
  /** One past the last id (SizedTypes). */
  get nextId(): number {
    return this.n;
  }
  hasType(id: number): boolean {
    return id >= 0 && id < this.n;
  }
  sizeOrType(id: number): number {
    return this.word(id, 2);
  }
  /** Word `w` of the record of `id` (void's are all 0). */
  word(id: number, w: number): number {
    const o = this.off[id]!;
    return o === VOID_AT ? 0 : this.words[o + w]!;
  }
  /** size_or_type word. */
  type(id: number): number {
    return this.word(id, 2);
  }
  size(id: number): number {
    return this.word(id, 2);
  }
  name(id: number): string {
    return this.str(this.word(id, 0));
  }
  str(off: number): string {
    if (off === 0) return '';
    let all = this.strAll;
    if (all === undefined && ++this.strCalls > STR_ALL_AFTER) all = this.strAll = decodeAscii(this.strBytes);
    if (typeof all === 'string' && off < all.length) return all.slice(off, all.indexOf('\0', off));
    return this.btf.strCached(off);
  }
  /** Whether the string at `off` is exactly the bytes of `name` (no string made). */
  nameIs(off: number, name: Uint8Array): boolean {
    if (off === 0) return name.length === 0;
    const sb = this.strBytes;
    if (off + name.length >= sb.length) return false;
    for (let i = 0; i < name.length; i++) if (sb[off + i] !== name[i]) return false;
    return sb[off + name.length] === 0;
  }

  /** Word offset of element 0 (member, param, enumerator, secinfo) of `id`. */
  elems(id: number): number {
    const o = this.off[id]!;
    return o + 3 + this.infoWords[infoKind(this.words[o + 1]!)]!;
  }
  /** Words per element of `id`'s kind. */
  elemStride(id: number): number {
    return this.elemW[this.kind(id)]!;
  }
  /** Word `w` of the trailing data (INT encoding, ARRAY fields, VAR linkage, DECL_TAG idx). */
  extra(id: number, w: number): number {
    return this.words[this.off[id]! + 3 + w]!;
  }
  arrayElem(id: number): number {
    return this.words[this.off[id]! + 3]!;
  }
  arrayIndex(id: number): number {
    return this.words[this.off[id]! + 4]!;
  }
  arrayNelems(id: number): number {
    return this.words[this.off[id]! + 5]!;
  }
}

/**
 * The error for a walk that went MAX_WALK_DEPTH levels deep from `id`: a loop when following
 * the first reference of each type comes back, else a chain too deep to write as C.
 */
export function tooDeep(t: TypeTable, id: number): BtfError {
  const seen = new Map<number, number>();
  const path: number[] = [];
  for (let cur = id; cur !== 0 && path.length <= MAX_WALK_DEPTH; ) {
    const at = seen.get(cur);
    if (at !== undefined) {
      const cycle = [...path.slice(at), cur].map((x) => `[${x}]`).join(' -> ');
      return new BtfError('bad-type', `type reference loop ${cycle}`, { typeId: cur });
    }
    seen.set(cur, path.length);
    path.push(cur);
    const k = t.kind(cur);
    if (k === Kind.ARRAY) cur = t.arrayElem(cur);
    else if (isComposite(k)) cur = t.vlen(cur) > 0 ? t.words[t.elems(cur) + 1]! : 0;
    else if (k === Kind.INT || isAnyEnum(k) || k === Kind.FWD || k === Kind.FLOAT) cur = 0;
    else cur = t.type(cur);
  }
  return new BtfError('unsupported', `format c: types nest more than ${MAX_WALK_DEPTH} levels deep from here (a reference chain too long to write as C)`, { typeId: id });
}
