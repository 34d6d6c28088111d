/**
 * Struct and union layouts as pahole (dwarves) models them from BTF: each member's byte
 * offset, size and bitfield position, the byte and bit holes between members, the padding
 * after the last one, the alignments that can be inferred from offsets, and whether the
 * type must have been `__packed__`.
 *
 * The rules are pahole's (dwarves 1.24, `btf_loader.c` + `dwarves.c`), restated from their
 * observable behaviour so that `format/pahole.ts` prints the same text; the explorer draws
 * the same facts. One quirk is kept on purpose: pahole decides "packed" lazily and some of
 * those decisions mark *other* structs (a struct embedded at an offset its alignment does
 * not allow must be packed), so the answer for a type can depend on which types were looked
 * at before it. `LayoutModel` keeps that state, as one pahole run does.
 */

import { pointerSize } from './sizes.js';
import type { Btf } from '../wire/btf.js';
import { BtfError } from '../wire/errors.js';
import { intBits, Kind } from '../wire/kinds.js';
import { memberBits } from './types.js';

/** One member of a struct or union. Offsets and sizes in bytes unless named bits. */
export interface MemberLayout {
  readonly index: number;
  /** '' for an anonymous member. */
  readonly name: string;
  readonly typeId: number;
  /** Bit offset as BTF gives it. */
  readonly bitOffset: number;
  /** Byte offset: for a bitfield, the offset of its storage unit (aligned to the unit's size). */
  readonly byteOffset: number;
  /** Size of the member's type (typedefs and qualifiers stripped); 0 when unknown or empty. */
  readonly byteSize: number;
  /** Bitfield width, 0 for a plain member. */
  readonly bitfieldSize: number;
  /** Bit position inside the storage unit at byteOffset (bitfields only). */
  readonly bitfieldOffset: number;
  /** Bytes of hole after this member (before the next); may be negative for overlaps. */
  hole: number;
  /** Bits of hole after this member. */
  bitHole: number;
  /** Alignment inferred from the offset (`__aligned__(N)`), 0 when natural. */
  readonly alignment: number;
}

/** One struct or union laid out as pahole sees it: members, holes, padding, alignment. */
export interface CompositeLayout {
  readonly id: number;
  readonly kind: 'struct' | 'union';
  /** '' when anonymous. */
  readonly name: string;
  readonly size: number;
  readonly members: readonly MemberLayout[];
  /** Hole before the first member (bytes / bits). */
  readonly preHole: number;
  readonly preBitHole: number;
  /** Bytes after the last member up to size; bits of a trailing bitfield unit left unused. */
  readonly padding: number;
  readonly bitPadding: number;
  readonly nrHoles: number;
  readonly nrBitHoles: number;
  /** Alignment inferred for the whole type (`__aligned__(N)` after the closing brace), 0 if natural. */
  readonly alignment: number;
  /** Number of cachelines the type spans. */
  readonly cachelines: number;
}

/** Options of `LayoutModel`. */
export interface LayoutOptions {
  /** Cacheline size in bytes (pahole asks the CPU; 64 on x86-64). */
  readonly cachelineSize?: number;
  /** Pointer size in bytes; by default libbpf's guess from the BTF (btf__pointer_size, as pahole's BTF loader uses). */
  readonly pointerSize?: number;
}

/**
 * What pahole's BTF loader makes of a type id. TYPE_TAG and DECL_TAG are unknown to
 * dwarves 1.24 and DATASEC is ignored: a reference to any of them is "not found" (null).
 */
export type TagKind =
  | 'base'
  | 'pointer'
  | 'array'
  | 'struct'
  | 'union'
  | 'enum'
  | 'typedef'
  | 'const'
  | 'volatile'
  | 'restrict'
  | 'subroutine'
  | 'function'
  | 'variable';

const TAG_OF_KIND: readonly (TagKind | null)[] = (() => {
  const t: (TagKind | null)[] = new Array(32).fill(null);
  t[Kind.INT] = 'base';
  t[Kind.FLOAT] = 'base';
  t[Kind.PTR] = 'pointer';
  t[Kind.ARRAY] = 'array';
  t[Kind.STRUCT] = 'struct';
  t[Kind.UNION] = 'union';
  t[Kind.ENUM] = 'enum';
  t[Kind.ENUM64] = 'enum';
  t[Kind.TYPEDEF] = 'typedef';
  t[Kind.CONST] = 'const';
  t[Kind.VOLATILE] = 'volatile';
  t[Kind.RESTRICT] = 'restrict';
  t[Kind.FUNC_PROTO] = 'subroutine';
  t[Kind.FUNC] = 'function';
  t[Kind.VAR] = 'variable';
  return t;
})();

const MODIFIERS: ReadonlySet<TagKind> = new Set<TagKind>(['typedef', 'const', 'volatile', 'restrict']);

/** Deepest type nesting followed (real kernels stay under 20; hostile BTF can loop). */
const MAX_DEPTH = 64;

/** Number of leading zero bits of a 32-bit value (x > 0). */
const clz32 = Math.clz32;

/** pahole's layout rules over one BTF (and its splits): offsets, holes, natural alignment, inferred packing. */
export class LayoutModel {
  readonly cachelineSize: number;
  readonly pointerSize: number;
  private readonly layouts = new Map<number, CompositeLayout>();
  private readonly natural = new Map<number, number>();
  private readonly packed = new Map<number, boolean>();
  private readonly packedInferred = new Set<number>();


  constructor(readonly btf: Btf, opts: LayoutOptions = {}) {
    this.cachelineSize = opts.cachelineSize ?? 64;
    this.pointerSize = opts.pointerSize ?? pointerSize(btf);
  }

  /**
   * A model of split BTF on this model's BTF that starts from this model's state (layouts,
   * alignments, packed decisions so far), as one pahole run over base then split would.
   */
  forSplit(split: Btf): LayoutModel {
    if (split.base !== this.btf) throw new BtfError('invalid-argument', "forSplit: the split BTF must sit on this model's BTF");
    const m = new LayoutModel(split, { cachelineSize: this.cachelineSize, pointerSize: this.pointerSize });
    for (const [k, v] of this.layouts) m.layouts.set(k, v);
    for (const [k, v] of this.natural) m.natural.set(k, v);
    for (const [k, v] of this.packed) m.packed.set(k, v);
    for (const k of this.packedInferred) m.packedInferred.add(k);
    return m;
  }

  /** The string at `off`, decoded once (pahole output repeats member and type names a lot). */
  str(off: number): string {
    return this.btf.strCached(off);
  }

  /** What the type is for pahole: null for void (0), unknown kinds, tags and ids out of range. */
  tagKind(id: number): TagKind | null {
    if (id <= 0 || id >= this.btf.nextId) return null;
    const k = this.btf.kind(id);
    if (k === Kind.FWD) return this.btf.kflag(id) ? 'union' : 'struct';
    return TAG_OF_KIND[k] ?? null;
  }

  /** A FWD: a struct/union declaration without members (never printed as a layout). */
  isDeclaration(id: number): boolean {
    return id > 0 && id < this.btf.nextId && this.btf.kind(id) === Kind.FWD;
  }

  /** Referenced type of a modifier, typedef, pointer, array element, or prototype's return. */
  refType(id: number): number {
    const k = this.btf.kind(id);
    if (k === Kind.ARRAY) return this.btf.word(id, 3);
    return this.btf.sizeOrType(id);
  }

  /** Element count of an ARRAY. */
  arrayLength(id: number): number {
    return this.btf.word(id, 5);
  }

  /** Number of members (0 for a FWD). */
  memberCount(id: number): number {
    return this.isDeclaration(id) ? 0 : this.btf.vlen(id);
  }

  /** Skip typedefs and qualifiers starting at `id` itself; null when that reaches void or an unknown type. */
  strip(id: number): number | null {
    let cur = id;
    for (let guard = 0; guard < 1000; guard++) {
      const t = this.tagKind(cur);
      if (t === null) return null;
      if (!MODIFIERS.has(t)) return cur;
      cur = this.refType(cur);
    }
    return null;
  }

  /** Byte size as pahole computes it (an empty 1-byte struct counts as 0, as for C++ empty bases). */
  sizeOf(id: number, depth = 0): number {
    const t = this.tagKind(id);
    if (t === null || depth > MAX_DEPTH) return 0;
    switch (t) {
      case 'pointer':
        return this.pointerSize;
      case 'base':
        return this.btf.kind(id) === Kind.INT ? intBits(this.btf.word(id, 3)) >>> 3 : this.btf.sizeOrType(id);
      case 'enum':
        return this.btf.sizeOrType(id) || 4;
      case 'struct':
      case 'union': {
        const size = this.isDeclaration(id) ? 0 : this.btf.sizeOrType(id);
        return size === 1 && this.memberCount(id) === 0 ? 0 : size;
      }
      case 'array':
        return this.sizeOf(this.refType(id), depth + 1) * this.arrayLength(id);
      default: {
        const ref = this.refType(id);
        return ref === 0 ? 0 : this.sizeOf(ref, depth + 1);
      }
    }
  }

  /** Natural alignment (largest member alignment for aggregates, element's for arrays), at least 1. */
  naturalAlignment(id: number, depth = 0): number {
    const t = this.tagKind(id);
    let a = 1;
    if (t === 'pointer') a = this.pointerSize;
    else if (t === 'base' || t === 'enum') a = this.sizeOf(id);
    else if ((t === 'struct' || t === 'union') && depth < MAX_DEPTH) a = this.aggregateAlignment(id, depth);
    else if (t === 'array' && depth < MAX_DEPTH) {
      const elem = this.strip(this.refType(id));
      a = elem === null ? 1 : this.naturalAlignment(elem, depth + 1);
    }
    return a || 1;
  }

  private aggregateAlignment(id: number, depth: number): number {
    const cached = this.natural.get(id);
    if (cached !== undefined) return cached;
    let max = 0;
    const n = this.memberCount(id);
    for (let i = 0; i < n; i++) {
      const m = this.strip(this.btf.elemWord(id, i, 1));
      const a = m === null ? 1 : this.naturalAlignment(m, depth + 1);
      if (a > max) max = a;
    }
    // pahole caches only a non-zero answer; an empty aggregate is recomputed (and stays 0 → 1).
    if (max !== 0) this.natural.set(id, max);
    return max;
  }

  /**
   * pahole's guess at an explicit `__aligned__`: the gap since the previous member's end,
   * rounded up to the next power of two, when larger than the natural alignment; a
   * cacheline-aligned offset is read as cacheline alignment.
   */
  private inferAlignment(byteOffset: number, natural: number, smallestOffset: number): number {
    const delta = (byteOffset - smallestOffset) >>> 0;
    let alignment = 0;
    // 1 << (32 - clz) as x86 computes it: a shift by 32 is a shift by 0.
    if (delta !== 0 && byteOffset % 2 === 0) alignment = (2 ** ((32 - clz32(delta)) & 31)) >>> 0;
    if (alignment <= natural || alignment === 1) return 0;
    const cl = this.cachelineSize;
    if (alignment < cl && cl % alignment === 0 && byteOffset % cl === 0) return cl;
    return alignment;
  }

  /** The layout of struct or union `id` (members, holes, padding); cached. */
  layout(id: number): CompositeLayout {
    const hit = this.layouts.get(id);
    if (hit) return hit;
    const btf = this.btf;
    const t = this.tagKind(id);
    if (t !== 'struct' && t !== 'union') throw new BtfError('invalid-argument', `type ${id} is not a struct or union`, { typeId: id });
    const size = this.isDeclaration(id) ? 0 : btf.sizeOrType(id);
    const n = this.memberCount(id);
    const members: MemberLayout[] = [];
    let smallest = 0;
    for (let i = 0; i < n; i++) {
      const { bitOffset, bitSize: bitfieldSize } = memberBits(btf, id, i);
      const typeId = btf.elemWord(id, i, 1);
      const nameOff = btf.elemWord(id, i, 0);
      const name = nameOff === 0 ? '' : this.str(nameOff);
      let byteOffset = Math.floor(bitOffset / 8);
      let byteSize = 0;
      let bitfieldOffset = 0;
      let alignment = 0;
      const stripped = this.strip(typeId);
      if (stripped !== null) {
        byteSize = this.sizeOf(stripped);
        if (byteSize !== 0) {
          const st = this.tagKind(stripped);
          if ((st === 'base' || st === 'enum') && bitfieldSize !== 0) {
            const unitBits = byteSize * 8;
            // Bitfields sit in a storage unit aligned to the unit's size, whatever the packing.
            byteOffset = (Math.floor(bitOffset / unitBits) * unitBits) / 8;
            bitfieldOffset = bitOffset - byteOffset * 8;
          }
          alignment = this.inferAlignment(byteOffset, this.naturalAlignment(stripped), smallest);
          smallest = byteOffset + byteSize;
        }
      }
      members.push({ index: i, name, typeId, bitOffset, byteOffset, byteSize, bitfieldSize, bitfieldOffset, hole: 0, bitHole: 0, alignment });
    }
    const typeAlignment = this.inferAlignment(size, this.naturalAlignment(id), smallest);
    const holes = t === 'struct' ? findHoles(members, size) : { preHole: 0, preBitHole: 0, padding: 0, bitPadding: 0, nrHoles: 0, nrBitHoles: 0 };
    const cl = this.cachelineSize;
    const layout: CompositeLayout = {
      id,
      kind: t,
      name: this.str(btf.nameOff(id)),
      size,
      members,
      ...holes,
      alignment: typeAlignment,
      cachelines: Math.floor((this.sizeOf(id) + cl - 1) / cl),
    };
    this.layouts.set(id, layout);
    return layout;
  }

  /** Whether pahole prints `__attribute__((__packed__))` for `id` at this point of the run. */
  isPacked(id: number): boolean {
    return this.packed.get(id) === true;
  }

  /**
   * pahole's packed inference for a struct: no holes and no padding, yet a member sits at
   * an offset its natural alignment forbids, or the size is not a multiple of the largest
   * member alignment. A struct with holes or padding instead marks the structs it embeds
   * at unnatural offsets as packed.
   */
  inferPacked(id: number): boolean {
    if (this.tagKind(id) !== 'struct') return false;
    if (this.packedInferred.has(id)) return this.isPacked(id);
    const l = this.layout(id);
    let packed = false;
    if (l.padding !== 0 || l.nrHoles !== 0) {
      for (const m of l.members) {
        const mt = this.strip(m.typeId);
        if (mt === null || this.tagKind(mt) !== 'struct') continue;
        if (m.byteOffset % this.naturalAlignment(mt) !== 0) this.markPacked(mt);
      }
    } else {
      let maxNatural = 1;
      for (const m of l.members) {
        const mt = this.strip(m.typeId);
        const natural = mt === null ? 1 : this.naturalAlignment(mt);
        if (natural === 1) continue;
        if (maxNatural < natural) maxNatural = natural;
        if (m.byteOffset % natural !== 0) {
          packed = true;
          break;
        }
      }
      if (!packed && this.sizeOf(id) % maxNatural !== 0) packed = true;
    }
    this.packed.set(id, packed);
    this.packedInferred.add(id);
    return packed;
  }

  /** A union whose size is not a multiple of a member struct's alignment makes that struct packed. */
  inferUnionPacked(id: number): void {
    if (this.packedInferred.has(id)) return;
    const size = this.isDeclaration(id) ? 0 : this.btf.sizeOrType(id);
    const n = this.memberCount(id);
    for (let i = 0; i < n; i++) {
      const mt = this.strip(this.btf.elemWord(id, i, 1));
      if (mt === null || this.tagKind(mt) !== 'struct') continue;
      if (size % this.naturalAlignment(mt) !== 0) this.markPacked(mt);
    }
    this.packedInferred.add(id);
  }

  private markPacked(id: number): void {
    this.packed.set(id, true);
    this.packedInferred.add(id);
  }
}

/** Byte and bit holes between members, and the trailing padding (pahole's class__find_holes). */
function findHoles(
  members: MemberLayout[],
  size: number,
): { preHole: number; preBitHole: number; padding: number; bitPadding: number; nrHoles: number; nrBitHoles: number } {
  let curBitfieldEnd = size * 8;
  let curBitfieldSize = 0;
  let lastSeenBit = 0;
  let inBitfield = false;
  let preHole = 0;
  let preBitHole = 0;
  let nrHoles = 0;
  let nrBitHoles = 0;
  let last: MemberLayout | undefined;
  for (const pos of members) {
    const bitStart = pos.bitOffset;
    const bitEnd = bitStart + (pos.bitfieldSize !== 0 ? pos.bitfieldSize : pos.byteSize * 8);
    let bitHoles = 0;
    let byteHoles = 0;
    if (inBitfield) {
      const bitfieldEnd = Math.min(bitStart, curBitfieldEnd);
      bitHoles = bitfieldEnd - lastSeenBit;
      lastSeenBit = bitfieldEnd;
    }
    if (pos.bitfieldSize !== 0) {
      const alignedStart = pos.byteOffset * 8;
      // Alignment padding before a bitfield's unit is a byte hole; the rest is bits.
      if (lastSeenBit < alignedStart && alignedStart <= bitStart) {
        byteHoles = pos.byteOffset - Math.trunc(lastSeenBit / 8);
        lastSeenBit = alignedStart;
      }
      bitHoles += bitStart - lastSeenBit;
    } else {
      byteHoles = Math.trunc(bitStart / 8) - Math.trunc(lastSeenBit / 8);
    }
    lastSeenBit = bitEnd;
    if (pos.bitfieldSize !== 0) {
      inBitfield = true;
      const unitBits = pos.byteSize * 8;
      if (bitEnd > curBitfieldEnd || unitBits > curBitfieldSize) {
        curBitfieldSize = unitBits;
        curBitfieldEnd = pos.byteOffset * 8 + curBitfieldSize;
        // A bitfield that borrowed bits from the previous unit ends in the next one.
        if (bitEnd > curBitfieldEnd) curBitfieldEnd += curBitfieldSize;
      }
    } else {
      inBitfield = false;
      curBitfieldSize = 0;
      curBitfieldEnd = bitEnd;
    }
    if (last) {
      last.hole = byteHoles;
      last.bitHole = bitHoles;
    } else {
      preHole = byteHoles;
      preBitHole = bitHoles;
    }
    if (bitHoles !== 0) nrBitHoles++;
    if (byteHoles !== 0) nrHoles++;
    last = pos;
  }
  let bitPadding = 0;
  if (inBitfield) {
    const bitfieldEnd = Math.min(size * 8, curBitfieldEnd);
    bitPadding = bitfieldEnd - lastSeenBit;
    lastSeenBit = bitfieldEnd;
  }
  const padding = size - Math.trunc(lastSeenBit / 8);
  return { preHole, preBitHole, padding, bitPadding, nrHoles, nrBitHoles };
}
