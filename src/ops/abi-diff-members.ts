/**
 * Comparing two types of two BTFs without building objects: references are equal when C
 * would spell them the same (named types by kind and name, anonymous ones by structure),
 * and struct/union members are paired by name (anonymous members in order, renames by
 * offset and type) and compared by offset, bitfield size, C type and size.
 */

import { CDumper } from '../format/c/index.js';
import type { Btf } from '../wire/btf.js';
import { isAnyEnum, isComposite, Kind } from '../wire/kinds.js';
import { sameBytes } from '../wire/strings.js';
import type { AbiHole, AbiMemberAspect, AbiMemberChange, AbiMemberSide } from './abi-diff-types.js';
import { resolveSize } from '../model/sizes.js';
import { memberBitOffset, memberBitSize } from './core/types.js';

/** One BTF with the caches the comparison needs (names, sizes, C text by id). */
export class DiffSide {
  /** Byte size by id, -2 = not computed yet. */
  private readonly sizes: Float64Array;
  private readonly texts = new Map<number, string>();
  private dumper: CDumper | undefined;
  constructor(readonly btf: Btf) {
    this.sizes = new Float64Array(btf.nextId).fill(-2);
  }

  private readonly memos = new Map<DiffSide, Map<number, boolean>>();

  /**
   * Comparisons of anonymous structs, unions and prototypes with `other`, remembered: shared
   * or self-referencing anonymous types (hostile input) would otherwise be compared once per
   * path, exponentially. A pair met again while being compared counts as equal.
   */
  memo(other: DiffSide, ta: number, tb: number, compare: () => boolean): boolean {
    let m = this.memos.get(other);
    if (!m) this.memos.set(other, (m = new Map()));
    const key = ta * other.btf.nextId + tb; // exact up to 94 million types a side
    const have = m.get(key);
    if (have !== undefined) return have;
    m.set(key, true);
    const r = compare();
    m.set(key, r);
    return r;
  }

  private readonly memberMemos = new Map<DiffSide, Map<number, AbiMemberChange[]>>();

  /** Member diffs with `other`, remembered for the same reason (an anonymous body met again is unchanged). */
  memoMembers(other: DiffSide, ta: number, tb: number, compute: () => AbiMemberChange[]): AbiMemberChange[] {
    let m = this.memberMemos.get(other);
    if (!m) this.memberMemos.set(other, (m = new Map()));
    const key = ta * other.btf.nextId + tb; // exact up to 94 million types a side
    const have = m.get(key);
    if (have !== undefined) return have;
    m.set(key, []);
    const r = compute();
    m.set(key, r);
    return r;
  }

  /** C declaration of `id` named `fieldName`, on one line (one dumper per side, names as they are). */
  decl(id: number, fieldName = ''): string {
    const d = (this.dumper ??= new CDumper(this.btf, { keepNames: true }));
    d.emitTypeDecl(id, fieldName, 0);
    return d.take().replace(/\s+/g, ' ').trim();
  }

  str(off: number): string {
    return this.btf.strCached(off);
  }

  name(id: number): string {
    return id === 0 ? '' : this.str(this.btf.nameOff(id));
  }

  /** Byte size of a type (through typedefs, modifiers, arrays); -1 when it has none. */
  size(id: number): number {
    let s = this.sizes[id];
    if (s === undefined) return sizeOf(this.btf, id);
    if (s === -2) s = this.sizes[id] = sizeOf(this.btf, id);
    return s;
  }

  /** C text of a type as a declaration without a name; anonymous structs/unions as `struct {...}`. */
  text(id: number): string {
    let s = this.texts.get(id);
    if (s === undefined) {
      const btf = this.btf;
      const k = id === 0 ? 0 : btf.kind(id);
      const named = id !== 0 && btf.nameOff(id) !== 0;
      const tag = k === Kind.UNION || (k === Kind.FWD && btf.kflag(id)) ? 'union' : k === Kind.STRUCT || k === Kind.FWD ? 'struct' : isAnyEnum(k) ? 'enum' : '';
      if (tag !== '') s = named ? `${tag} ${this.name(id)}` : `${tag} {...}`;
      // A bare name is written as is; the dumper (and its table of the whole BTF) is needed
      // only for declarators: pointers, arrays, modifiers, function prototypes.
      else if (named && (k === Kind.INT || k === Kind.FLOAT || k === Kind.TYPEDEF)) s = this.name(id);
      else s = this.decl(id);
      this.texts.set(id, s);
    }
    return s;
  }

  memberSide(id: number, i: number): AbiMemberSide {
    const t = this.btf.elemWord(id, i, 1);
    return { offset_bits: memberBitOffset(this.btf, id, i), bitfield_size: memberBitSize(this.btf, id, i), type: this.text(t), size: this.size(t) };
  }
}

/** Byte size (libbpf's btf__resolve_size), -1 when it has none or does not fit in 32 bits. */
function sizeOf(btf: Btf, id: number): number {
  const size = resolveSize(btf, id);
  return size < 0 ? -1 : size;
}

/** The blob (this or a base) whose string section holds logical offset `off`. */
export function strOwner(btf: Btf, off: number): Btf {
  let b = btf;
  while (off < b.startStrOff && b.base) b = b.base;
  return b;
}

/** Equality of the names at two string offsets of two BTFs, on bytes (no allocation). */
export function sameName(a: Btf, offA: number, b: Btf, offB: number): boolean {
  if (offA === 0 || offB === 0) return offA === offB;
  const oa = strOwner(a, offA);
  const ob = strOwner(b, offB);
  return sameBytes(oa.strings, offA - oa.startStrOff, ob.strings, offB - ob.startStrOff);
}

/** The C tag namespace of a named type: FWD struct/union spell like the definitions. */
function tagOf(btf: Btf, id: number): number {
  const k = btf.kind(id);
  if (k === Kind.FWD) return btf.kflag(id) ? Kind.UNION : Kind.STRUCT;
  if (k === Kind.ENUM64) return Kind.ENUM;
  return k;
}

/**
 * Are type `ta` of `a` and `tb` of `b` the same as a reference (a member's, parameter's or
 * typedef's type)? Named types compare by kind and name (their own changes are reported on
 * them); anonymous ones by structure, member sizes included.
 */
export function sameRef(a: DiffSide, ta: number, b: DiffSide, tb: number, depth = 0): boolean {
  if (ta === 0 || tb === 0) return ta === tb;
  // Deeper than any C type; remembered pairs keep even this bound cheap.
  if (depth > 400) return true;
  const x = a.btf;
  const y = b.btf;
  const na = x.nameOff(ta);
  const nb = y.nameOff(tb);
  const ka = x.kind(ta);
  const kb = y.kind(tb);
  if (ka === Kind.TYPE_TAG || kb === Kind.TYPE_TAG) return ka === kb && sameName(x, na, y, nb) && sameRef(a, x.sizeOrType(ta), b, y.sizeOrType(tb), depth + 1);
  if (na !== 0 || nb !== 0) return na !== 0 && nb !== 0 && tagOf(x, ta) === tagOf(y, tb) && sameName(x, na, y, nb);
  if (ka !== kb) return false;
  switch (ka) {
    case Kind.PTR:
    case Kind.CONST:
    case Kind.VOLATILE:
    case Kind.RESTRICT:
      return sameRef(a, x.sizeOrType(ta), b, y.sizeOrType(tb), depth + 1);
    case Kind.ARRAY:
      return x.word(ta, 5) === y.word(tb, 5) && sameRef(a, x.word(ta, 3), b, y.word(tb, 3), depth + 1);
    case Kind.FUNC_PROTO:
    case Kind.STRUCT:
    case Kind.UNION: {
      const compare = (): boolean => {
        if (ka !== Kind.FUNC_PROTO) return sameBody(a, ta, b, tb, depth + 1);
        const n = x.vlen(ta);
        if (n !== y.vlen(tb) || !sameRef(a, x.sizeOrType(ta), b, y.sizeOrType(tb), depth + 1)) return false;
        for (let i = 0; i < n; i++) if (!sameRef(a, x.elemWord(ta, i, 1), b, y.elemWord(tb, i, 1), depth + 1)) return false;
        return true;
      };
      // Prototypes are shared by many functions: remembered at the top level too.
      return a.memo(b, ta, tb, compare);
    }
    case Kind.ENUM:
    case Kind.ENUM64:
      // An anonymous enum is its own report entry (named by its first enumerator); as a
      // member's type it reads `enum {...}` and only its size matters here.
      return x.sizeOrType(ta) === y.sizeOrType(tb);
    default:
      return false;
  }
}

/** Same size and the same members (names, offsets, bitfield sizes, types, type sizes). */
export function sameBody(a: DiffSide, ta: number, b: DiffSide, tb: number, depth = 0): boolean {
  const x = a.btf;
  const y = b.btf;
  const n = x.vlen(ta);
  if (n !== y.vlen(tb) || x.sizeOrType(ta) !== y.sizeOrType(tb) || x.kind(ta) !== y.kind(tb)) return false;
  for (let i = 0; i < n; i++) {
    if (memberBitOffset(x, ta, i) !== memberBitOffset(y, tb, i) || memberBitSize(x, ta, i) !== memberBitSize(y, tb, i)) return false;
    if (!sameName(x, x.elemWord(ta, i, 0), y, y.elemWord(tb, i, 0))) return false;
    const ma = x.elemWord(ta, i, 1);
    const mb = y.elemWord(tb, i, 1);
    if (!sameRef(a, ma, b, mb, depth + 1)) return false;
    // Same C spelling: only a struct/union/enum (or typedef of one) can differ in size.
    if (x.kind(ma) !== Kind.PTR && a.size(ma) !== b.size(mb)) return false;
  }
  return true;
}

/** Same size, signedness and enumerators (names and values, in order). */
export function sameEnum(x: Btf, ta: number, y: Btf, tb: number): boolean {
  const n = x.vlen(ta);
  if (n !== y.vlen(tb) || x.sizeOrType(ta) !== y.sizeOrType(tb) || x.kind(ta) !== y.kind(tb) || x.kflag(ta) !== y.kflag(tb)) return false;
  const words = x.kind(ta) === Kind.ENUM64 ? 3 : 2;
  for (let i = 0; i < n; i++) {
    if (!sameName(x, x.elemWord(ta, i, 0), y, y.elemWord(tb, i, 0))) return false;
    for (let w = 1; w < words; w++) if (x.elemWord(ta, i, w) !== y.elemWord(tb, i, w)) return false;
  }
  return true;
}

/** An anonymous struct/union a member's type is (directly, as C writes it inline), else 0. */
function inlineBody(btf: Btf, t: number): number {
  return t !== 0 && isComposite(btf.kind(t)) && btf.nameOff(t) === 0 ? t : 0;
}

/**
 * Member-by-member changes between struct/union `ta` of A and `tb` of B. Named members pair
 * by name; anonymous members in order of appearance; an unpaired member of A and one of B
 * at the same offset with the same type are a rename.
 */
export function diffMembers(a: DiffSide, ta: number, b: DiffSide, tb: number, depth = 0): AbiMemberChange[] {
  return a.memoMembers(b, ta, tb, () => memberChanges(a, ta, b, tb, depth));
}

function memberChanges(a: DiffSide, ta: number, b: DiffSide, tb: number, depth: number): AbiMemberChange[] {
  const x = a.btf;
  const y = b.btf;
  const na = x.vlen(ta);
  const nb = y.vlen(tb);
  const byName = new Map<string, number>();
  const anonB: number[] = [];
  for (let j = 0; j < nb; j++) {
    const off = y.elemWord(tb, j, 0);
    if (off === 0) anonB.push(j);
    else byName.set(b.str(off), j);
  }
  const pairOfB = new Int32Array(nb).fill(-1);
  const removed: number[] = [];
  let anonSeen = 0;
  for (let i = 0; i < na; i++) {
    const off = x.elemWord(ta, i, 0);
    const j = off === 0 ? anonB[anonSeen++] : byName.get(a.str(off));
    if (j === undefined || pairOfB[j]! >= 0) removed.push(i);
    else pairOfB[j] = i;
  }
  const out: Array<AbiMemberChange & { readonly sortKey: number }> = [];
  const addedB: number[] = [];
  for (let j = 0; j < nb; j++) {
    const i = pairOfB[j]!;
    if (i < 0) {
      addedB.push(j);
      continue;
    }
    const c = compareMember(a, ta, i, b, tb, j, depth);
    if (c) out.push(c);
  }
  // Renames: same offset, bitfield size and type, another name.
  const renamedA = new Set<number>();
  const stillAdded: number[] = [];
  for (const j of addedB) {
    const jn = y.elemWord(tb, j, 0);
    const i = jn === 0 ? undefined : removed.find((r) => !renamedA.has(r) && x.elemWord(ta, r, 0) !== 0 && memberBitOffset(x, ta, r) === memberBitOffset(y, tb, j) && memberBitSize(x, ta, r) === memberBitSize(y, tb, j) && sameRef(a, x.elemWord(ta, r, 1), b, y.elemWord(tb, j, 1)));
    if (i === undefined) {
      stillAdded.push(j);
      continue;
    }
    renamedA.add(i);
    out.push({ name: b.str(jn), index: j, status: 'renamed', old_name: a.str(x.elemWord(ta, i, 0)), a: a.memberSide(ta, i), b: b.memberSide(tb, j), sortKey: memberBitOffset(y, tb, j) });
  }
  for (const j of stillAdded) out.push({ name: b.str(y.elemWord(tb, j, 0)), index: j, status: 'added', b: b.memberSide(tb, j), sortKey: memberBitOffset(y, tb, j) });
  for (const i of removed) {
    if (renamedA.has(i)) continue;
    out.push({ name: a.str(x.elemWord(ta, i, 0)), index: i, status: 'removed', a: a.memberSide(ta, i), sortKey: memberBitOffset(x, ta, i) });
  }
  out.sort((p, q) => p.sortKey - q.sortKey || p.index - q.index);
  return out.map(({ sortKey: _s, ...m }) => m);
}

function compareMember(a: DiffSide, ta: number, i: number, b: DiffSide, tb: number, j: number, depth: number): (AbiMemberChange & { sortKey: number }) | undefined {
  const x = a.btf;
  const y = b.btf;
  const aspects: AbiMemberAspect[] = [];
  if (memberBitOffset(x, ta, i) !== memberBitOffset(y, tb, j)) aspects.push('offset');
  if (memberBitSize(x, ta, i) !== memberBitSize(y, tb, j)) aspects.push('bitfield_size');
  const ma = x.elemWord(ta, i, 1);
  const mb = y.elemWord(tb, j, 1);
  let nested: AbiMemberChange[] | undefined;
  const ia = inlineBody(x, ma);
  const ib = inlineBody(y, mb);
  if (ia !== 0 && ib !== 0 && x.kind(ia) === y.kind(ib) && depth < 32) {
    nested = diffMembers(a, ia, b, ib, depth + 1);
    if (nested.length > 0) aspects.push('type');
    else nested = undefined;
  } else if (!sameRef(a, ma, b, mb)) aspects.push('type');
  if (a.size(ma) !== b.size(mb)) aspects.push('size');
  if (aspects.length === 0) return undefined;
  const name = b.str(y.elemWord(tb, j, 0));
  return { name, index: j, status: 'changed', a: a.memberSide(ta, i), b: b.memberSide(tb, j), changed: aspects, ...(nested ? { members: nested } : {}), sortKey: memberBitOffset(y, tb, j) };
}

/** Gaps in a struct's layout, keyed by the member they follow (unions have none). */
export function holesOf(s: DiffSide, id: number): AbiHole[] {
  const btf = s.btf;
  if (btf.kind(id) !== Kind.STRUCT) return [];
  const n = btf.vlen(id);
  const holes: AbiHole[] = [];
  let end = 0;
  let after = '';
  for (let i = 0; i < n; i++) {
    const off = memberBitOffset(btf, id, i);
    const bits = memberBitSize(btf, id, i);
    const t = btf.elemWord(id, i, 1);
    if (off > end) holes.push({ after, offset_bits: end, size_bits: off - end });
    const sz = bits > 0 ? bits : Math.max(0, s.size(t)) * 8;
    if (off + sz > end) {
      end = off + sz;
      after = s.str(btf.elemWord(id, i, 0));
    }
  }
  const total = btf.sizeOrType(id) * 8;
  if (total > end) holes.push({ after, offset_bits: end, size_bits: total - end });
  return holes;
}

/** Holes of B not in A (appeared) and of A not in B (closed), matched by position and size. */
export function diffHoles(a: DiffSide, ta: number, b: DiffSide, tb: number): { appeared: AbiHole[]; closed: AbiHole[] } | undefined {
  const ha = holesOf(a, ta);
  const hb = holesOf(b, tb);
  const key = (h: AbiHole): string => `${h.after}\0${h.size_bits}`;
  const ka = new Set(ha.map(key));
  const kb = new Set(hb.map(key));
  const appeared = hb.filter((h) => !ka.has(key(h)));
  const closed = ha.filter((h) => !kb.has(key(h)));
  return appeared.length > 0 || closed.length > 0 ? { appeared, closed } : undefined;
}
