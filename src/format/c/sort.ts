/**
 * bpftool's sorted `format c` order (bpftool 7.8, the default since bpftool 7.5): every id
 * 0..N-1 gets a key (rank, sort name, own name, disambiguation hash, id) and the dump visits
 * ids in key order. The dumper still writes each type's dependencies first, so the order
 * only decides which independent type comes next (bpftool's btf_type_rank, btf_type_compare
 * and sort_btf_c in tools/bpf/bpftool/btf.c).
 */

import { isAnyEnum, isComposite, isRankedByTarget, Kind } from '../../wire/kinds.js';
import { MAX_WALK_DEPTH } from '../../wire/limits.js';
import { CoreLayout, type CoreMemory, instantiateCore } from '../../wasm/core.js';
import { SORT_CORE_WASM } from './sort-core-wasm.js';
import { type TypeTable, tooDeep, VOID_AT } from './table.js';

const MAX_RANK = 10;

/** The rank of `id` (enums first, then ints, named structs, named function types, the rest). */
export function typeRank(t: TypeTable, id: number): number {
  let hasName = false;
  for (let depth = 0; depth < 1000; depth++) {
    if (t.nameOff(id) !== 0) hasName = true;
    const k = t.kind(id);
    switch (k) {
      case Kind.ENUM:
      case Kind.ENUM64:
        return hasName ? 1 : 0;
      case Kind.INT:
      case Kind.FLOAT:
        return 2;
      case Kind.STRUCT:
      case Kind.UNION:
        return hasName ? 3 : MAX_RANK;
      case Kind.FUNC_PROTO:
        return hasName ? 4 : MAX_RANK;
      case Kind.ARRAY:
        if (!hasName) return MAX_RANK;
        id = t.arrayElem(id);
        break;
      default:
        if (!isRankedByTarget(k) || !hasName) return MAX_RANK;
        id = t.type(id);
    }
  }
  return MAX_RANK;
}

/** The name `id` sorts under: its own, the referenced type's, or an anonymous enum's first value's. */
export function typeSortName(t: TypeTable, id: number): string {
  return t.str(typeSortNameOff(t, id));
}

/** String offset of typeSortName(id). */
export function typeSortNameOff(t: TypeTable, id: number): number {
  let fromRef = false;
  for (let depth = 0; depth < 1000; depth++) {
    const k = t.kind(id);
    if (isAnyEnum(k)) {
      let off = t.nameOff(id);
      if (!fromRef && off === 0 && t.vlen(id) > 0) off = t.words[t.elems(id)]!;
      return off;
    }
    if (k === Kind.ARRAY) {
      id = t.arrayElem(id);
    } else if (isRankedByTarget(k)) {
      id = t.type(id);
    } else {
      return t.nameOff(id);
    }
    fromRef = true;
  }
  return 0;
}

const TWO32 = 4294967296;

/**
 * 64-bit hash state as two 32-bit halves, so no BigInt in the hot path. The low half's
 * product stays exact in a double (below 2^38); `>>> 0` takes it mod 2^32 and the high half
 * uses Math.imul: integer operations, where a floating-point `%` cost a division each.
 */
class Hasher {
  private readonly memoHi: Uint32Array[];
  private readonly memoLo: Uint32Array[];
  private readonly done: Uint8Array[];
  hi = 0;
  lo = 0;

  constructor(private readonly t: TypeTable) {
    const n = t.n;
    this.memoHi = [new Uint32Array(n), new Uint32Array(n)];
    this.memoLo = [new Uint32Array(n), new Uint32Array(n)];
    this.done = [new Uint8Array(n), new Uint8Array(n)];
  }

  /** libbpf str_hash of the string at `off` (h = h*31 + signed char), into hi / lo. */
  private strHash(off: number): void {
    const sb = this.t.strBytes;
    let hi = 0;
    let lo = 0;
    for (let i = off; ; i++) {
      const b = sb[i]!;
      if (b === 0) break;
      // signed char: a byte >= 0x80 adds 2^64 - (256 - b)
      const l = lo * 31 + (b < 0x80 ? b : b + 0xffffff00);
      const nlo = l >>> 0;
      hi = (Math.imul(hi, 31) + (b < 0x80 ? 0 : 0xffffffff) + (l - nlo) / TWO32) >>> 0;
      lo = nlo;
    }
    this.hi = hi;
    this.lo = lo;
  }

  /** x = x*31 + v (mod 2^64). */
  private static mix(xHi: number, xLo: number, vHi: number, vLo: number, out: Hasher): void {
    const l = xLo * 31 + vLo;
    const lo = l >>> 0;
    out.lo = lo;
    out.hi = (Math.imul(xHi, 31) + vHi + (l - lo) / TWO32) >>> 0;
  }

  private mixName(xHi: number, xLo: number, off: number): void {
    if (off === 0) {
      this.hi = xHi;
      this.lo = xLo;
      return;
    }
    this.strHash(off);
    Hasher.mix(xHi, xLo, this.hi, this.lo, this);
  }

  private depth = 0;

  /** Disambiguation hash of `id`; result in this.hi / this.lo. Bounded by MAX_WALK_DEPTH (loops, hostile chains). */
  hash(id: number, members: boolean): void {
    if (++this.depth > MAX_WALK_DEPTH) {
      this.depth = 0;
      throw tooDeep(this.t, id);
    }
    this.hashAt(id, members);
    this.depth--;
  }

  private hashAt(id: number, members: boolean): void {
    const m = members ? 1 : 0;
    const done = this.done[m]!;
    if (done[id]) {
      this.hi = this.memoHi[m]![id]!;
      this.lo = this.memoLo[m]![id]!;
      return;
    }
    const t = this.t;
    this.mixName(0, 0, t.nameOff(id));
    let hi = this.hi;
    let lo = this.lo;
    const k = t.kind(id);
    if (isAnyEnum(k)) {
      const n = t.vlen(id);
      const e0 = t.elems(id);
      const stride = k === Kind.ENUM ? 2 : 3;
      for (let i = 0; i < n; i++) {
        this.mixName(hi, lo, t.words[e0 + i * stride]!);
        hi = this.hi;
        lo = this.lo;
      }
    } else if (isComposite(k)) {
      if (members) {
        const n = t.vlen(id);
        const e0 = t.elems(id);
        for (let i = 0; i < n; i++) {
          this.mixName(hi, lo, t.words[e0 + i * 3]!);
          hi = this.hi;
          lo = this.lo;
          this.hash(t.words[e0 + i * 3 + 1]!, false);
          Hasher.mix(hi, lo, this.hi, this.lo, this);
          hi = this.hi;
          lo = this.lo;
        }
      }
    } else if (isRankedByTarget(k)) {
      this.hash(t.type(id), members);
      Hasher.mix(hi, lo, this.hi, this.lo, this);
      hi = this.hi;
      lo = this.lo;
    } else if (k === Kind.ARRAY) {
      Hasher.mix(hi, lo, 0, t.arrayNelems(id), this);
      hi = this.hi;
      lo = this.lo;
      this.hash(t.arrayElem(id), members);
      Hasher.mix(hi, lo, this.hi, this.lo, this);
      hi = this.hi;
      lo = this.lo;
    }
    done[id] = 1;
    this.memoHi[m]![id] = hi;
    this.memoLo[m]![id] = lo;
    this.hi = hi;
    this.lo = lo;
  }
}

/** bpftool's disambiguation hash of one type as a BigInt (for tests and tools). */
export function disambiguationHash(t: TypeTable, id: number): bigint {
  const h = new Hasher(t);
  h.hash(id, true);
  return (BigInt(h.hi) << 32n) | BigInt(h.lo);
}

/**
 * For string offsets `a` and `b` (two arrays of n offsets), the strcmp order position of
 * each string, equal strings sharing a position. Sorting is done on the distinct offsets,
 * comparing bytes in the string table (unsigned, as glibc strcmp). Which offsets occur is a
 * bitmap over the string table, and an offset's index among them a prefix count plus a
 * popcount: a 4-byte slot per string byte cost 10 MB on vmlinux.
 */
function nameRanks(t: TypeTable, a: Uint32Array, b: Uint32Array): { ra: Int32Array; rb: Int32Array; distinct: number } {
  const sb = t.strBytes;
  const nWords = (sb.length >>> 5) + 1;
  const bits = new Uint32Array(nWords);
  const offs: number[] = [];
  markOffsets(bits, a, offs);
  markOffsets(bits, b, offs);
  const before = new Uint32Array(nWords);
  for (let w = 0, c = 0; w < nWords; w++) {
    before[w] = c;
    c += popcount32(bits[w]!);
  }
  offs.sort((x, y) => {
    for (;;) {
      const c = sb[x++]!;
      const d = sb[y++]!;
      if (c !== d) return c - d;
      if (c === 0) return 0;
    }
  });
  // Loops in functions of their own, so each is compiled alone (see sortedTypeOrder).
  const rankOf = new Int32Array(offs.length);
  const distinct = rankSorted(sb, offs, bits, before, rankOf);
  return { ra: ranksOf(a, bits, before, rankOf), rb: ranksOf(b, bits, before, rankOf), distinct };
}

/** Add the offsets of `arr` not yet in the bitmap to it and to `offs`. */
function markOffsets(bits: Uint32Array, arr: Uint32Array, offs: number[]): void {
  for (let i = 0; i < arr.length; i++) {
    const o = arr[i]!;
    const w = o >>> 5;
    const m = 1 << (o & 31);
    if ((bits[w]! & m) === 0) {
      bits[w] = bits[w]! | m;
      offs.push(o);
    }
  }
}

/** Index of offset `o` among the marked offsets in numeric order. */
function markedIndex(bits: Uint32Array, before: Uint32Array, o: number): number {
  const r = o & 31;
  return before[o >>> 5]! + (r === 0 ? 0 : popcount32(bits[o >>> 5]! & (0xffffffff >>> (32 - r))));
}

/** Ranks of the byte-sorted `offs` (equal strings share one) into rankOf; how many ranks. */
function rankSorted(sb: Uint8Array, offs: number[], bits: Uint32Array, before: Uint32Array, rankOf: Int32Array): number {
  let rank = 0;
  for (let i = 0; i < offs.length; i++) {
    if (i > 0) {
      let x = offs[i - 1]!;
      let y = offs[i]!;
      for (;;) {
        const c = sb[x++]!;
        const d = sb[y++]!;
        if (c !== d) {
          rank++;
          break;
        }
        if (c === 0) break;
      }
    }
    rankOf[markedIndex(bits, before, offs[i]!)] = rank;
  }
  return rank + 1;
}

function ranksOf(arr: Uint32Array, bits: Uint32Array, before: Uint32Array, rankOf: Int32Array): Int32Array {
  const r = new Int32Array(arr.length);
  for (let i = 0; i < arr.length; i++) r[i] = rankOf[markedIndex(bits, before, arr[i]!)]!;
  return r;
}

/** Number of set bits in a 32-bit word. */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Ranks 0..4 and 10 packed to 0..5 for the numeric sort key. */
const RANK_SLOT = [0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5];

/**
 * All ids 0..N-1 in bpftool's sorted order: by the WebAssembly sort (sort-core.c) where it
 * runs and takes the input, else by sortedTypeOrderJs. In a one-shot dump of vmlinux the
 * JavaScript sort ran mostly as cold code, about twice as long as the compiled C.
 */
export function sortedTypeOrder(t: TypeTable): Uint32Array {
  return sortedTypeOrderWasm(t) ?? sortedTypeOrderJs(t);
}

interface SortCoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  sort_types(words: number, off: number, n: number, strs: number, strLen: number, infoWords: number, scratch: number): number;
}

/**
 * sort-core.c over a copy of the table (see src/wasm/core.ts); undefined when it cannot run or
 * gives the input back (an id out of range, a walk too deep: the JavaScript sort reports
 * those as it always did).
 */
function sortedTypeOrderWasm(t: TypeTable): Uint32Array | undefined {
  const core = instantiateCore(SORT_CORE_WASM) as SortCoreExports | undefined;
  if (!core) return undefined;
  const n = t.n;
  const layout = new CoreLayout(core.memory, core.heap_base());
  const table = placeTable(layout, t);
  const scratchAt = layout.place(sortScratchBytes(n, t.strBytes.length));
  if (!layout.commit()) return undefined;
  table.addVoid(core.memory);
  if (core.sort_types(table.words, table.off, n, table.strs, t.strBytes.length, table.infoWords, scratchAt) !== 0) return undefined;
  // Copied out so the instance and its memory (~10 MB for a vmlinux) can go as soon as the
  // collector runs, not only after the dump that walks this order.
  return new Uint32Array(core.memory.buffer, scratchAt, n).slice();
}

/** Where placeTable put a TypeTable in a core's memory (the arguments sort_types and dump_check take). */
export interface CoreTable {
  readonly words: number;
  readonly off: number;
  readonly strs: number;
  readonly infoWords: number;
  /** After the layout's commit: void's offset pointed at a record of three zero words, where the table has none (VOID_AT). */
  addVoid(memory: CoreMemory): void;
}

/**
 * `t`'s records, offsets, strings and trailing words per kind, placed for copying into a
 * core (sort-core.c, dump-core.c); with `inPlace`, the records and strings where they are
 * in the core's memory already (dumpCoreInput).
 */
export function placeTable(layout: CoreLayout, t: TypeTable, inPlace = false): CoreTable {
  const words = inPlace ? t.words.byteOffset : layout.copy(t.words);
  // The memory is zeroed: 12 bytes placed and not written are a record of void.
  const voidAt = t.off[0] === VOID_AT ? (layout.place(12) - words) >>> 2 : -1;
  const off = layout.copy(t.off);
  return {
    words,
    off,
    strs: inPlace ? t.strBytes.byteOffset : layout.copy(t.strBytes),
    infoWords: layout.copy(t.infoWords),
    addVoid(memory) {
      if (voidAt >= 0) new Int32Array(memory.buffer, off, 1)[0] = voidAt;
    },
  };
}

/**
 * Bytes of sort_types' scratch (sort-core.c) for n types and a string table of strLen bytes:
 * per type three 64-bit words (records, their sort buffer, the hash memo), the sort-name
 * offset, the memo flag and two names' ranks; two bits per string byte (which offsets are
 * names, and a count per 32).
 */
export function sortScratchBytes(n: number, strLen: number): number {
  return 37 * n + 8 * ((strLen >>> 5) + 1) + 8;
}

/** sortedTypeOrder in JavaScript (the fallback, and the reference the WebAssembly sort is tested against). */
export function sortedTypeOrderJs(t: TypeTable): Uint32Array {
  const n = t.n;
  const rank = new Uint8Array(n);
  const sortOff = new Uint32Array(n);
  const ownOff = new Uint32Array(n);
  typeKeys(t, rank, sortOff, ownOff);
  const { ra: sn, rb: on, distinct: D } = nameRanks(t, sortOff, ownOff);
  const hasher = new Hasher(t);
  const hashHi = new Uint32Array(n);
  const hashLo = new Uint32Array(n);
  const hashed = new Uint8Array(n);
  const ensure = (id: number): void => {
    if (hashed[id]) return;
    hasher.hash(id, true);
    hashHi[id] = hasher.hi;
    hashLo[id] = hasher.lo;
    hashed[id] = 1;
  };
  const tie = (a: number, b: number): number => {
    ensure(a);
    ensure(b);
    if (hashHi[a] !== hashHi[b]) return hashHi[a]! < hashHi[b]! ? -1 : 1;
    if (hashLo[a] !== hashLo[b]) return hashLo[a]! < hashLo[b]! ? -1 : 1;
    return a - b;
  };
  const key = (id: number): number => (rank[id]! * D + sn[id]!) * D + on[id]!;
  const out = new Uint32Array(n);
  if (6 * D * D * n < Number.MAX_SAFE_INTEGER) {
    // Native numeric sort of key*n+id, then the runs of equal keys by hash. Each loop is a
    // function of its own: in a one-shot process the JIT compiles a long loop while it runs
    // (on-stack replacement), and the loops after it, still without type feedback, used to
    // throw that code away (this function was compiled six times).
    const comp = packKeys(rank, sn, on, D);
    comp.sort();
    unpackIds(comp, out);
    orderRuns(out, comp, ensure, tie, hashHi, hashLo);
    return out;
  }
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  ids.sort((a, b) => key(a) - key(b) || tie(a, b));
  out.set(ids);
  return out;
}

/** Rank slot, sort-name offset and own name offset of every id. */
function typeKeys(t: TypeTable, rank: Uint8Array, sortOff: Uint32Array, ownOff: Uint32Array): void {
  for (let id = 0; id < t.n; id++) {
    rank[id] = RANK_SLOT[typeRank(t, id)]!;
    sortOff[id] = typeSortNameOff(t, id);
    ownOff[id] = t.nameOff(id);
  }
}

/** key(id) * n + id for every id, as doubles (exact: the caller checked the range). */
function packKeys(rank: Uint8Array, sn: Int32Array, on: Int32Array, D: number): Float64Array {
  const n = rank.length;
  const comp = new Float64Array(n);
  for (let id = 0; id < n; id++) comp[id] = ((rank[id]! * D + sn[id]!) * D + on[id]!) * n + id;
  return comp;
}

/** Sorted packed keys → the ids into `out`, and `comp` left holding the keys alone. */
function unpackIds(comp: Float64Array, out: Uint32Array): void {
  const n = comp.length;
  for (let i = 0; i < n; i++) {
    const id = comp[i]! % n;
    out[i] = id;
    comp[i] = (comp[i]! - id) / n;
  }
}

/** Order each run of equal keys in `out` by disambiguation hash, then id. */
function orderRuns(
  out: Uint32Array,
  keys: Float64Array,
  ensure: (id: number) => void,
  tie: (a: number, b: number) => number,
  hashHi: Uint32Array,
  hashLo: Uint32Array,
): void {
  const n = out.length;
  let i = 0;
  while (i < n) {
    const k = keys[i]!;
    let j = i + 1;
    while (j < n && keys[j] === k) j++;
    if (j - i > 64) sortRunByHash(out, i, j, ensure, hashHi, hashLo);
    else if (j - i > 1) {
      const run = Array.from(out.subarray(i, j)).sort(tie);
      for (let r = 0; r < run.length; r++) out[i + r] = run[r]!;
    }
    i = j;
  }
}

/**
 * Order out[i..j) (ids ascending) by (hash, id) with a native numeric sort: the high hash
 * word times the run length plus the position, then groups with equal high words by
 * (low word, id). Large runs (36k anonymous types in a vmlinux) would otherwise cost
 * hundreds of thousands of comparator calls.
 */
function sortRunByHash(
  out: Uint32Array,
  i: number,
  j: number,
  ensure: (id: number) => void,
  hashHi: Uint32Array,
  hashLo: Uint32Array,
): void {
  const len = j - i;
  const ids = out.slice(i, j);
  const comp = new Float64Array(len);
  for (let r = 0; r < len; r++) {
    const id = ids[r]!;
    ensure(id);
    comp[r] = hashHi[id]! * len + r;
  }
  comp.sort();
  for (let r = 0; r < len; r++) out[i + r] = ids[comp[r]! % len]!;
  let a = i;
  while (a < j) {
    const h = hashHi[out[a]!]!;
    let b = a + 1;
    while (b < j && hashHi[out[b]!] === h) b++;
    if (b - a > 1) {
      const group = Array.from(out.subarray(a, b)).sort((x, y) => (hashLo[x] !== hashLo[y] ? (hashLo[x]! < hashLo[y]! ? -1 : 1) : x - y));
      for (let r = 0; r < group.length; r++) out[a + r] = group[r]!;
    }
    a = b;
  }
}
