/**
 * BTF deduplication (libbpf's btf__dedup algorithm, tools/lib/bpf/btf.c), for standalone and split
 * BTF, with an optional `.BTF.ext` whose type ids and strings are remapped along.
 *
 * Passes: strings → primitive types (INT, ENUM, ENUM64, FWD, FLOAT; enum forward declarations
 * resolve to full enums) → STRUCT/UNION/TYPEDEF by type-graph equivalence with a hypothetical
 * map (FWD resolved on the canonical side, compiler-duplicated identical types accepted) →
 * unambiguous FWD resolution → reference types (hashed after their targets are canonical) →
 * compaction → remap. Base types are never changed; split types may fold into them.
 *
 * Everything works on one flat Uint32Array of the words of all types (base chain + own copy)
 * indexed by an Int32Array of record offsets, with Int32Array maps and a chained hash table
 * over ids; names are compared by string offset after the string pass. dedup-core.c does the
 * same, step for step, in WebAssembly (dedupByCore): `dedup` runs it first, and this
 * JavaScript (dedupJs) where it cannot run or gives the input back.
 */

import { Btf } from '../wire/btf.js';
import { fail } from '../wire/errors.js';
import type { BtfExt, CoreRelo, ExtSection, FuncInfo, LineInfo } from '../wire/ext.js';
import { forEachStrOffWord, forEachTypeIdWord } from '../wire/fields.js';
import { coreKindTable, infoKflag, infoKind, infoVlen, isAnyEnum, isComposite, Kind, type KindShape } from '../wire/kinds.js';
import { serializeBtf } from '../wire/write.js';
import { CoreLayout, instantiateCore } from '../wasm/core.js';
import { DEDUP_CORE_WASM } from './dedup-core-wasm.js';
import { baseStringIndex, ByteStringTable, hashBytes } from '../wire/strings.js';
import type { IdMap } from './id-map.js';

/** The phases of dedup, as reported by `onProgress`. */
export type DedupPhase = 'strings' | 'primitives' | 'structs' | 'fwds' | 'refs' | 'compact';

/** Options of `dedup` and `merge`. */
export interface DedupOptions {
  /** `.BTF.ext` of the same object: its strings are kept and its type ids remapped. */
  readonly ext?: BtfExt | undefined;
  /** Make every hash 0 (libbpf's force_collisions, for tests). */
  readonly forceCollisions?: boolean | undefined;
  /**
   * Behave like libbpf before 2025 (Debian's libbpf 1.1), for conformance checks against
   * it: when the hypothetical map contradicts, accept only compiler-duplicated arrays and
   * structs (same member type ids or again such duplicates), not the generalized identical-
   * types check; and deduplicate TYPEDEF as a reference type (hash of name, info and
   * canonical target) instead of by graph equivalence in the struct phase.
   */
  readonly legacy?: boolean | undefined;
  /**
   * Graph-check pairs visited before type signatures are computed to skip candidates that
   * cannot match (default 4 × types + 64K; 0 = from the start). Results never depend on it.
   */
  readonly signatureBudget?: number | undefined;
  /** Called now and then with the phase and progress over the own types. */
  readonly onProgress?: ((phase: DedupPhase, done: number, total: number) => void) | undefined;
  /** Parse-check the output like any input (default false: it is built consistent). */
  readonly sanityCheck?: boolean | undefined;
  /** File name for error messages. */
  readonly file?: string | undefined;
  /**
   * Strings (offsets into the input's own strings) to take into the string table before the
   * strings of type `before`, in order, used or not: a producer that interned them earlier
   * than the types that use them (pahole ≥ 1.29 adds a unit's parameter names when it saves
   * its functions and writes the prototypes at the end) gets its string order back.
   * Ascending `before`; one at or past the last type goes at the end.
   * @internal
   */
  readonly stringsBefore?: ReadonlyArray<{ readonly before: number; readonly offsets: ArrayLike<number> }> | undefined;
  /**
   * No own string of the input is one its base has (the DWARF encoder looked each name up in
   * the base before adding it): the core's string pass then looks none up there, and its
   * memory takes no copy of the base's strings and their index. The output is the same.
   * @internal
   */
  readonly ownStringsNotInBase?: boolean | undefined;
}

/** The result of `dedup` and `merge`. */
export interface DedupResult {
  /** The deduplicated BTF (split on the same base as the input, when it was split). */
  readonly btf: Btf;
  /** The `.BTF.ext`, remapped, when one was given. */
  readonly ext?: BtfExt | undefined;
  /**
   * For every input id (index), the output id that references to it now use (`IdMap`). Base
   * ids map to themselves except base FWDs resolved to a split struct.
   */
  readonly idMap: IdMap;
  /** Pairs of types the graph checks visited (the work of the struct phase). */
  readonly graphPairs: number;
}

const UNPROCESSED = -1;
const IN_PROGRESS = -2;
const IDENTICAL_DEPTH = 16;
/** Kinds the reference pass deduplicates (TYPEDEF only in legacy mode: else the struct pass maps it). */
const REF_KINDS = new Set<number>([Kind.CONST, Kind.VOLATILE, Kind.RESTRICT, Kind.PTR, Kind.FUNC, Kind.TYPE_TAG, Kind.TYPEDEF, Kind.DECL_TAG, Kind.ARRAY, Kind.FUNC_PROTO]);

const hc = (h: number, v: number): number => (Math.imul(h, 31) + v) | 0;
/** A stronger combiner for type signatures: a chain of them must not repeat or collide early. */
const mix = (h: number, v: number): number => {
  let x = Math.imul(h ^ v, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca6b);
  return x ^ (x >>> 13);
};
/** Unfolding depth of the signatures of types that reach a cycle (any depth is a necessary condition). */
const CYCLIC_SIG_DEPTH = 4;

/**
 * Deduplicate `btf` (own types only; its base is read, never changed): by the WebAssembly core
 * (dedup-core.c) where it runs and takes the input, else by the JavaScript passes here.
 */
export function dedup(btf: Btf, opts: DedupOptions = {}): DedupResult {
  return dedupByCore(btf, opts) ?? dedupJs(btf, opts);
}

/** dedup in JavaScript only (the fallback, and the reference the core is tested against). */
export function dedupJs(btf: Btf, opts: DedupOptions = {}): DedupResult {
  return new Deduper(btf, opts).run();
}

/** The blobs of a split chain, the first base first. */
function baseChain(btf: Btf): Btf[] {
  const chain: Btf[] = [];
  for (let b: Btf | undefined = btf; b; b = b.base) chain.unshift(b);
  return chain;
}

/** Words of every type of the chain in id order, then void's three zero words. */
function chainWords(chain: readonly Btf[]): number {
  let total = 3;
  for (const b of chain) total += b.words.length;
  return total;
}

/** Ids start..end-1 whose record offsets fillWords left relative to their blob: add `add`. */
interface OffsetRebase {
  readonly start: number;
  readonly end: number;
  readonly add: number;
}

/**
 * Copy the chain's type words into W (chainWords long) and their record offsets into OFF
 * (indexed by id; OFF[0] is void's zero words after the last type): the end of the types, and
 * the ids whose offsets are still relative to their blob (all but the first blob's: a native
 * copy each, vmlinux's 100,000 included; the caller adds the blob's position).
 */
function fillWords(chain: readonly Btf[], W: Uint32Array, OFF: Int32Array): { typesEnd: number; rebase: OffsetRebase[] } {
  let pos = 0;
  const rebase: OffsetRebase[] = [];
  for (const b of chain) {
    W.set(b.words, pos);
    OFF.set(b.offsets, b.startId);
    if (pos !== 0) rebase.push({ start: b.startId, end: b.nextId, add: pos });
    pos += b.words.length;
  }
  OFF[0] = pos;
  return { typesEnd: pos, rebase };
}

/** Refuse kinds whose type-id and string words are unknown (libbpf fails the same way). */
function requireDedupableKinds(btf: Btf, W: Uint32Array, OFF: Int32Array, file: string | undefined): void {
  // A parsed base holds only kinds with a shape; those a layout section describes are the
  // only ones to refuse there (a vmlinux base has none: its 100,000 types need no look).
  const baseMayHaveLayoutKinds = btf.base?.shapes.some((s) => s?.fromLayout === true) === true;
  for (let id = baseMayHaveLayoutKinds ? 1 : btf.startId; id < btf.nextId; id++) {
    const k = infoKind(W[OFF[id]! + 1]!);
    const shape = btf.shapes[k];
    if (!shape || shape.fromLayout) {
      fail('unsupported', `dedup cannot handle kind ${k}: which of its words are type ids or strings is unknown`, { typeId: id, ...(file !== undefined ? { file } : {}) });
    }
  }
}

interface DedupCoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  dedup_run(kinds: number, words: number, typeWords: number, offs: number, n: number, s: number, startStrOff: number, stringsEnd: number, flags: number, budget: number, heap: number): number;
  dedup_out(): number;
  dedup_out_words(): number;
  dedup_id_map(): number;
  dedup_graph_pairs(): number;
  dedup_strings(
    kinds: number,
    words: number,
    offs: number,
    n: number,
    s: number,
    own: number,
    ownBytes: number,
    base: number,
    baseBytes: number,
    baseSlots: number,
    baseHashes: number,
    baseMask: number,
    startStrOff: number,
    withEmpty: number,
    groups: number,
    groupsLen: number,
    heap: number,
  ): number;
  dedup_strings_out(): number;
  dedup_strings_len(): number;
  dedup_string_map(): number;
  dedup_heap(): number;
  dedup_rebase(offs: number, start: number, end: number, add: number): void;
}

const CORE_OK = 0;
/**
 * dedup by dedup-core.c (see src/wasm/core.ts): every pass in the core, over a copy of the
 * words in its memory. Undefined when the core cannot run or gives the input back (a kind it
 * cannot rewrite, a type id out of range, a loop of reference types: dedupJs reports those as
 * it always did).
 * @internal
 */
export function dedupByCore(btf: Btf, opts: DedupOptions = {}): DedupResult | undefined {
  const kinds = coreKindTable(btf.shapes);
  if (!kinds) return undefined;
  const core = instantiateCore(DEDUP_CORE_WASM) as DedupCoreExports | undefined;
  if (!core) return undefined;
  const chain = baseChain(btf);
  const total = chainWords(chain);
  const N = btf.nextId;
  const S = btf.startId;
  const so = btf.startStrOff;
  const groups = stringGroups(opts);
  const layout = new CoreLayout(core.memory, core.heap_base());
  const kindsAt = layout.copy(kinds);
  const wordsAt = layout.place(total * 4);
  const offAt = layout.place(N * 4);
  const ownAt = layout.copy(btf.strings);
  // The base chain's strings (index = string offset) and their index, made once per base.
  const baseIdx = btf.base && opts.ownStringsNotInBase !== true ? baseStringIndex(btf.base) : undefined;
  const baseAt = baseIdx ? layout.copy(baseIdx.all) : 0;
  const slotsAt = baseIdx ? layout.copy(baseIdx.slots) : 0;
  const hashesAt = baseIdx ? layout.copy(baseIdx.hashes) : 0;
  const groupsAt = layout.copy(groups);
  const heapAt = layout.place(0);
  if (!layout.commit()) return undefined;
  const W = new Uint32Array(core.memory.buffer, wordsAt, total);
  const OFF = new Int32Array(core.memory.buffer, offAt, N);
  const { typesEnd, rebase } = fillWords(chain, W, OFF);
  for (const r of rebase) core.dedup_rebase(offAt, r.start, r.end, r.add);
  // The core checks the kinds first: given one it cannot rewrite, it gives the input back and
  // dedupJs names the type.
  opts.onProgress?.('strings', 0, N - S);
  if (core.dedup_strings(kindsAt, wordsAt, offAt, N, S, ownAt, btf.strings.length, baseAt, so, slotsAt, hashesAt, baseIdx?.mask ?? 0, so, btf.base ? 0 : 1, groupsAt, groups.length, heapAt) !== CORE_OK) return undefined;
  const flags = (opts.forceCollisions === true ? 1 : 0) | (opts.legacy === true ? 2 : 0);
  const budget = opts.signatureBudget ?? defaultSignatureBudget(N);
  const stringsLen = core.dedup_strings_len();
  if (core.dedup_run(kindsAt, wordsAt, typesEnd, offAt, N, S, so, so + stringsLen, flags, budget, core.dedup_heap()) !== CORE_OK) return undefined;
  const memory = core.memory.buffer;
  const out = new Uint32Array(memory, core.dedup_out(), core.dedup_out_words()).slice();
  const idMap: IdMap = new Uint32Array(memory, core.dedup_id_map(), N).slice();
  const strings = new Uint8Array(memory, core.dedup_strings_out(), stringsLen).slice();
  // Every string of the .BTF.ext went through the string pass: its new offset + 1 is here.
  const strMap = opts.ext ? new Uint32Array(memory, core.dedup_string_map(), btf.strings.length).slice() : new Uint32Array(0);
  opts.onProgress?.('compact', 0, N - S);
  return finishDedup(btf, opts, out, strings, idMap, core.dedup_graph_pairs(), (off) => (off === 0 || off < so ? off : strMap[off - so]! - 1));
}

/**
 * DedupOptions.stringsBefore and the .BTF.ext's strings as dedup_strings takes them: groups
 * of (before type, count, offsets), the .BTF.ext's last, before 0xffffffff (after the types).
 */
function stringGroups(opts: DedupOptions): Uint32Array {
  const out: number[] = [];
  for (const g of opts.stringsBefore ?? []) {
    out.push(Math.min(g.before, 0xfffffffe), g.offsets.length);
    for (let i = 0; i < g.offsets.length; i++) out.push(g.offsets[i]!);
  }
  const ext = opts.ext;
  if (ext) {
    const offsets = extStrings(ext);
    out.push(0xffffffff, offsets.length);
    for (const off of offsets) out.push(off);
  }
  return Uint32Array.from(out);
}

/** The string offsets of a .BTF.ext in the order libbpf's dedup meets them (its string table comes out the same). */
function extStrings(ext: BtfExt): number[] {
  const out: number[] = [];
  for (const s of ext.funcInfo) out.push(s.secNameOff);
  for (const s of ext.lineInfo) {
    out.push(s.secNameOff);
    for (const r of s.records) out.push(r.fileNameOff, r.lineOff);
  }
  for (const s of ext.coreRelos) {
    out.push(s.secNameOff);
    for (const r of s.records) out.push(r.accessStrOff);
  }
  return out;
}

/** Graph-check pairs before the struct pass computes type signatures (see DedupOptions.signatureBudget). */
function defaultSignatureBudget(n: number): number {
  return 4 * n + (1 << 16);
}

/** The output BTF of a dedup (own words out, strings), its .BTF.ext remapped, as a DedupResult. */
function finishDedup(btf: Btf, opts: DedupOptions, out: Uint32Array, strings: Uint8Array, idMap: IdMap, graphPairs: number, strMap: (off: number) => number): DedupResult {
  const bytes = serializeBtf({
    words: out,
    strings,
    layout: btf.layout,
    endian: btf.endian,
    hdrLen: btf.header.hdrLen >= 32 ? 32 : 24,
    version: btf.header.version,
    flags: btf.header.flags,
  });
  const result = Btf.parse(bytes, { base: btf.base, file: opts.file, section: btf.section, sanityCheck: opts.sanityCheck ?? false });
  const ext = opts.ext ? remapExt(opts.ext, idMap, strMap) : undefined;
  return ext ? { btf: result, ext, idMap, graphPairs } : { btf: result, idMap, graphPairs };
}

function remapExt(ext: BtfExt, idMap: IdMap, str: (off: number) => number): BtfExt {
  const id = (t: number): number => {
    const r = idMap[t];
    if (r === undefined) fail('bad-ext', `.BTF.ext refers to type id ${t}, which does not exist`, { section: '.BTF.ext' });
    return r;
  };
  const funcInfo: ExtSection<FuncInfo>[] = ext.funcInfo.map((s) => ({ secNameOff: str(s.secNameOff), records: s.records.map((r) => ({ insnOff: r.insnOff, typeId: id(r.typeId) })) }));
  const lineInfo: ExtSection<LineInfo>[] = ext.lineInfo.map((s) => ({
    secNameOff: str(s.secNameOff),
    records: s.records.map((r) => ({ insnOff: r.insnOff, fileNameOff: str(r.fileNameOff), lineOff: str(r.lineOff), line: r.line, column: r.column })),
  }));
  const coreRelos: ExtSection<CoreRelo>[] = ext.coreRelos.map((s) => ({
    secNameOff: str(s.secNameOff),
    records: s.records.map((r) => ({ insnOff: r.insnOff, typeId: id(r.typeId), accessStrOff: str(r.accessStrOff), kind: r.kind })),
  }));
  return { ...ext, funcInfo, lineInfo, coreRelos };
}

/**
 * The string pass: keep only strings referenced by own types (and the .BTF.ext), in the order
 * libbpf meets them; split strings the base has are rewritten to the base's offset. Rewrites
 * the own types' string words in W; gives the new own string table and the offset map.
 */
function remapStrings(btf: Btf, W: Uint32Array, OFF: Int32Array, opts: DedupOptions): { table: ByteStringTable; remap: (off: number) => number } {
  const S = btf.startId;
  const N = btf.nextId;
  const shapes = btf.shapes;
  const own = btf.strings;
  const so = btf.startStrOff;
  const memo = new Int32Array(own.length).fill(-1);
  const baseIdx = btf.base ? baseStringIndex(btf.base) : undefined;
  const table = new ByteStringTable(so, !btf.base, Math.min(own.length + 64, 1 << 24));
  const remap = (off: number): number => {
    if (off === 0 || off < so) return off;
    const local = off - so;
    if (local >= own.length) fail('bad-string', `string offset ${off} is outside the string section(s)`, { section: btf.section });
    const m = memo[local]!;
    if (m >= 0) return m;
    let r: number;
    if (baseIdx) {
      const h = hashBytes(own, local);
      const inBase = baseIdx.find(own, local, h);
      r = inBase >= 0 ? inBase : table.intern(own, local);
    } else {
      r = table.intern(own, local);
    }
    memo[local] = r;
    return r;
  };
  const visit = (w: number): void => {
    W[w] = remap(W[w]!);
  };
  const total = N - S;
  const early = opts.stringsBefore ?? [];
  let nextEarly = 0;
  const takeEarly = (upTo: number): void => {
    for (; nextEarly < early.length && early[nextEarly]!.before <= upTo; nextEarly++) {
      const offsets = early[nextEarly]!.offsets;
      for (let i = 0; i < offsets.length; i++) remap(offsets[i]!);
    }
  };
  for (let id = S; id < N; id++) {
    takeEarly(id);
    const o = OFF[id]!;
    W[o] = remap(W[o]!);
    // Only kinds whose elements hold strings need the visitor (names are done above).
    const info = W[o + 1]!;
    if (infoVlen(info) !== 0) {
      const shape = shapes[infoKind(info)]!;
      if (shape.elemStrWords.length !== 0) forEachStrOffWord(W, o, shape, visit, false);
    }
    if (((id - S) & 0xffff) === 0) opts.onProgress?.('strings', id - S, total);
  }
  takeEarly(Number.POSITIVE_INFINITY);
  if (opts.ext) for (const off of extStrings(opts.ext)) remap(off);
  return { table, remap };
}

class Deduper {
  private readonly W: Uint32Array;
  private readonly OFF: Int32Array;
  /** One past the last type word in W (void's words follow). */
  private readonly typesEnd: number;
  private readonly N: number;
  private readonly S: number;
  private readonly shapes: readonly (KindShape | undefined)[];
  private readonly map: Int32Array;
  private readonly hypot: Int32Array;
  private hlist: Int32Array;
  private hcnt = 0;
  private adjustCanon = false;
  /** Pairs the graph checks have visited so far; past a budget the signatures are computed. */
  private equivWork = 0;
  /** Per-type signatures (see computeSigs), once the graph checks have cost enough to need them. */
  private sig: Int32Array | undefined;
  // Dedup table: chains of ids per hash bucket, newest first (as libbpf's multimap).
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly hv: Int32Array;
  private readonly mask: number;
  private readonly force: boolean;
  private readonly legacy: boolean;
  private stack: Int32Array = new Int32Array(1024);
  private newStrings: ByteStringTable | undefined;
  /** Base reference types not yet in the table, grouped by first referenced id (see prep). */
  private baseGroupStart: Int32Array = new Int32Array(1);
  private baseGroupMembers: Int32Array = new Int32Array(0);
  private baseGroupAdded: Uint8Array = new Uint8Array(0);
  /** Base structs and unions named like a split type, ascending (see prep, resolveFwds). */
  private baseComposites: Int32Array = new Int32Array(0);
  private nBaseComposites = 0;
  private extStrMap: ((off: number) => number) | undefined;

  constructor(
    private readonly btf: Btf,
    private readonly opts: DedupOptions,
  ) {
    const chain = baseChain(btf);
    const W = new Uint32Array(chainWords(chain));
    const N = btf.nextId;
    const OFF = new Int32Array(N);
    const filled = fillWords(chain, W, OFF);
    for (const r of filled.rebase) for (let id = r.start; id < r.end; id++) OFF[id]! += r.add;
    this.typesEnd = filled.typesEnd;
    this.W = W;
    this.OFF = OFF;
    this.N = N;
    this.S = btf.startId;
    this.shapes = btf.shapes;
    requireDedupableKinds(btf, W, OFF, opts.file);
    this.map = new Int32Array(N).fill(UNPROCESSED);
    this.map[0] = 0;
    this.hypot = new Int32Array(N).fill(UNPROCESSED);
    this.hlist = new Int32Array(256);
    let cap = 1024;
    while (cap < N) cap *= 2;
    this.head = new Int32Array(cap).fill(-1);
    this.next = new Int32Array(N);
    this.hv = new Int32Array(N);
    this.mask = cap - 1;
    this.force = opts.forceCollisions === true;
    this.legacy = opts.legacy === true;
    // (base types are all their own canonical: see prep)
    for (let id = this.S; id < N; id++) {
      const k = this.kind(id);
      if (k === Kind.VAR || k === Kind.DATASEC) this.map[id] = id;
    }
  }

  run(): DedupResult {
    this.strings();
    this.prep();
    this.primitives();
    this.structs();
    this.resolveFwds();
    this.refs();
    return this.compact();
  }

  // ---- helpers ----

  private kind(id: number): number {
    return infoKind(this.W[this.OFF[id]! + 1]!);
  }

  private resolve(id: number): number {
    const map = this.map;
    let m = map[id]!;
    while (m >= 0 && m !== id) {
      id = m;
      m = map[id]!;
    }
    return id;
  }

  private tableAdd(h: number, id: number): void {
    const b = h & this.mask;
    this.next[id] = this.head[b]!;
    this.head[b] = id;
    this.hv[id] = h;
  }

  private progress(phase: DedupPhase, done: number, total: number): void {
    this.opts.onProgress?.(phase, done, total);
  }

  // ---- hashes (libbpf's btf_hash_common, btf_hash_int_decl, btf_hash_struct, ...) ----

  private hashCommon(o: number): number {
    if (this.force) return 0;
    const W = this.W;
    return hc(hc(hc(0, W[o]!), W[o + 1]!), W[o + 2]!);
  }
  private hashIntTag(o: number): number {
    if (this.force) return 0;
    return hc(this.hashCommon(o), this.W[o + 3]!);
  }
  private hashEnum(o: number): number {
    return this.force ? 0 : hc(0, this.W[o]!);
  }
  /**
   * What every type equivalent to `id` under the graph check shares, whatever the state of
   * the maps: its name and kind class (FWD counts as the STRUCT or UNION it declares, ENUM64
   * as ENUM: forward declarations match those), plus `info` for kinds whose info the check
   * compares. Mapped types were equivalent when mapped and the identical-types check is
   * stricter, so mixing this into the struct/typedef hash never separates types that could
   * be merged; it only spares graph checks that must fail (in 6.18 vmlinux, 1,600
   * `union { event; handler; }` whose handler typedefs differ by name would otherwise be
   * compared pairwise). Failed checks leave no state behind, so results do not change.
   */
  private refSig(id: number): number {
    if (id === 0) return 0x3c6ef372;
    const W = this.W;
    const o = this.OFF[id]!;
    const info = W[o + 1]!;
    switch (infoKind(info)) {
      case Kind.STRUCT:
      case Kind.UNION:
        return hc(infoKind(info), W[o]!);
      case Kind.FWD:
        return hc(infoKflag(info) ? Kind.UNION : Kind.STRUCT, W[o]!);
      case Kind.ENUM:
      case Kind.ENUM64:
        return hc(Kind.ENUM, W[o]!);
      case Kind.VAR:
      case Kind.DATASEC:
      case Kind.DECL_TAG:
        return infoKind(info);
      default:
        return hc(info, W[o]!);
    }
  }
  private hashTypedef(o: number): number {
    return this.force ? 0 : hc(hc(hc(0, this.W[o]!), this.W[o + 1]!), this.refSig(this.W[o + 2]!));
  }
  private hashStruct(o: number): number {
    if (this.force) return 0;
    const W = this.W;
    let h = this.hashCommon(o);
    const vlen = infoVlen(W[o + 1]!);
    for (let i = 0, e = o + 3; i < vlen; i++, e += 3) h = hc(hc(hc(h, W[e]!), W[e + 2]!), this.refSig(W[e + 1]!));
    return h;
  }
  private hashArray(o: number): number {
    if (this.force) return 0;
    const W = this.W;
    return hc(hc(hc(this.hashCommon(o), W[o + 3]!), W[o + 4]!), W[o + 5]!);
  }
  private hashFnproto(o: number): number {
    if (this.force) return 0;
    const W = this.W;
    let h = this.hashCommon(o);
    const vlen = infoVlen(W[o + 1]!);
    for (let i = 0, e = o + 3; i < vlen; i++, e += 2) h = hc(hc(h, W[e]!), W[e + 1]!);
    return h;
  }

  // ---- equality (on record word offsets) ----

  private equalCommon(a: number, b: number): boolean {
    const W = this.W;
    return W[a] === W[b] && W[a + 1] === W[b + 1] && W[a + 2] === W[b + 2];
  }
  private equalIntTag(a: number, b: number): boolean {
    return this.equalCommon(a, b) && this.W[a + 3] === this.W[b + 3];
  }
  private equalEnum(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const W = this.W;
    const vlen = infoVlen(W[a + 1]!);
    const n = vlen * (infoKind(W[a + 1]!) === Kind.ENUM64 ? 3 : 2);
    for (let i = 3; i < 3 + n; i++) if (W[a + i] !== W[b + i]) return false;
    return true;
  }
  private isEnumFwd(o: number): boolean {
    const info = this.W[o + 1]!;
    const k = infoKind(info);
    return isAnyEnum(k) && infoVlen(info) === 0;
  }
  private compatEnum(a: number, b: number): boolean {
    if (!this.isEnumFwd(a) && !this.isEnumFwd(b)) return this.equalEnum(a, b);
    const W = this.W;
    const ka = infoKind(W[a + 1]!);
    const kb = infoKind(W[b + 1]!);
    return W[a] === W[b] && isAnyEnum(ka) && isAnyEnum(kb);
  }
  private shallowEqualStruct(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const W = this.W;
    const vlen = infoVlen(W[a + 1]!);
    for (let i = 0, ea = a + 3, eb = b + 3; i < vlen; i++, ea += 3, eb += 3) {
      if (W[ea] !== W[eb] || W[ea + 2] !== W[eb + 2]) return false;
    }
    return true;
  }
  private equalArray(a: number, b: number): boolean {
    const W = this.W;
    return this.equalCommon(a, b) && W[a + 3] === W[b + 3] && W[a + 4] === W[b + 4] && W[a + 5] === W[b + 5];
  }
  private compatArray(a: number, b: number): boolean {
    return this.equalCommon(a, b) && this.W[a + 5] === this.W[b + 5];
  }
  private equalFnproto(a: number, b: number): boolean {
    if (!this.equalCommon(a, b)) return false;
    const W = this.W;
    const n = infoVlen(W[a + 1]!) * 2;
    for (let i = 3; i < 3 + n; i++) if (W[a + i] !== W[b + i]) return false;
    return true;
  }
  private compatFnproto(a: number, b: number): boolean {
    const W = this.W;
    if (W[a] !== W[b] || W[a + 1] !== W[b + 1]) return false;
    const vlen = infoVlen(W[a + 1]!);
    for (let i = 0, e = 3; i < vlen; i++, e += 2) if (W[a + e] !== W[b + e]) return false;
    return true;
  }
  private equalTypedef(a: number, b: number): boolean {
    return this.W[a] === this.W[b] && this.W[a + 1] === this.W[b + 1];
  }

  // ---- passes ----

  /**
   * Base types are self-canonical and hashed so split types can fold into them. Every check
   * that lets a split type fold into a table entry compares the two names first, so a named
   * base type whose name no split type has (after the string pass: a base string's offset)
   * can never be found and is left out of the table. Unnamed reference types (pointers,
   * prototypes, arrays: 40,000 in vmlinux) are only looked up by the reference pass, with
   * their first referenced id canonical and compared: they are grouped by that id here and
   * hashed into the table only when a split type with the same first id is looked up (see
   * addBaseRefs). A module's split dedup thus hashes the few thousand base types it could
   * match, not the 100,000 of vmlinux, and finds the same ones: within a hash chain, equal
   * candidates keep their order (base types in id order, below the split types that could
   * equal them, which are only added by the reference pass after their group).
   */
  private prep(): void {
    const { W, OFF, S, N } = this;
    const so = this.btf.startStrOff;
    const ownName = new Uint8Array(so);
    for (let id = S; id < N; id++) {
      const name = W[OFF[id]!]!;
      if (name < so) ownName[name] = 1;
    }
    const map = this.map;
    this.baseComposites = new Int32Array(S);
    // Grouped reference types (ascending), their first referenced ids, and counts per id.
    const grouped = new Int32Array(S);
    let nGrouped = 0;
    const groupCount = new Int32Array(S + 1);
    for (let id = 1; id < S; id++) {
      map[id] = id;
      const o = OFF[id]!;
      const k = infoKind(W[o + 1]!);
      if (k === Kind.VAR || k === Kind.DATASEC) continue;
      if (k === Kind.UNKN || k > Kind.ENUM64) fail('unsupported', `dedup cannot handle kind ${k} in the base`, { typeId: id });
      if (W[o]! !== 0 && ownName[W[o]!] === 0) continue;
      let h: number;
      switch (k) {
        case Kind.CONST:
        case Kind.VOLATILE:
        case Kind.RESTRICT:
        case Kind.PTR:
        case Kind.TYPE_TAG:
        case Kind.ARRAY:
        case Kind.FUNC_PROTO: {
          const first = W[o + (k === Kind.ARRAY ? 3 : 2)]!;
          if (first < S) {
            grouped[nGrouped++] = id;
            groupCount[first + 1]!++;
            continue;
          }
          h = this.baseRefHash(k, o);
          break;
        }
        case Kind.FWD:
        case Kind.FUNC:
        case Kind.FLOAT:
          h = this.hashCommon(o);
          break;
        case Kind.TYPEDEF:
          h = this.legacy ? this.hashCommon(o) : this.hashTypedef(o);
          break;
        case Kind.INT:
        case Kind.DECL_TAG:
          h = this.hashIntTag(o);
          break;
        case Kind.ENUM:
        case Kind.ENUM64:
          h = this.hashEnum(o);
          break;
        default: // STRUCT, UNION
          h = this.hashStruct(o);
          this.baseComposites[this.nBaseComposites++] = id;
      }
      this.tableAdd(h, id);
    }
    for (let i = 1; i <= S; i++) groupCount[i]! += groupCount[i - 1]!;
    const members = new Int32Array(nGrouped);
    const fill = groupCount.slice(0, S);
    for (let i = 0; i < nGrouped; i++) {
      const id = grouped[i]!;
      const o = OFF[id]!;
      members[fill[W[o + (infoKind(W[o + 1]!) === Kind.ARRAY ? 3 : 2)]!]!++] = id; // ascending within each group
    }
    this.baseGroupStart = groupCount;
    this.baseGroupMembers = members;
    this.baseGroupAdded = new Uint8Array(S);
  }

  /** Hash of a base reference type of kind `k` at `o` (its ids are canonical: base types are). */
  private baseRefHash(k: number, o: number): number {
    return k === Kind.ARRAY ? this.hashArray(o) : k === Kind.FUNC_PROTO ? this.hashFnproto(o) : this.hashCommon(o);
  }

  /** Put the grouped base reference types whose first referenced id is `first` in the table. */
  private addBaseRefs(first: number): void {
    const start = this.baseGroupStart;
    if (first >= this.S || start[first] === start[first + 1] || this.baseGroupAdded[first] === 1) return;
    this.baseGroupAdded[first] = 1;
    const { W, OFF } = this;
    const members = this.baseGroupMembers;
    for (let i = start[first]!; i < start[first + 1]!; i++) {
      const id = members[i]!;
      const o = OFF[id]!;
      this.tableAdd(this.baseRefHash(infoKind(W[o + 1]!), o), id);
    }
  }

  private strings(): void {
    const { table, remap } = remapStrings(this.btf, this.W, this.OFF, this.opts);
    this.newStrings = table;
    this.extStrMap = remap;
  }

  private primitives(): void {
    const { W, OFF, S, N, map, head, next, hv, mask } = this;
    for (let id = S; id < N; id++) {
      const o = OFF[id]!;
      const k = infoKind(W[o + 1]!);
      let newId = id;
      let h: number;
      switch (k) {
        case Kind.INT:
          h = this.hashIntTag(o);
          newId = this.findEqual(h, o, id, this.equalIntTagFn);
          break;
        case Kind.ENUM:
        case Kind.ENUM64: {
          h = this.hashEnum(o);
          const fwd = this.isEnumFwd(o);
          for (let c = head[h & mask]!; c >= 0; c = next[c]!) {
            if (hv[c] !== h) continue;
            const co = OFF[c]!;
            if (this.equalEnum(o, co)) {
              newId = c;
              break;
            }
            if (this.compatEnum(o, co)) {
              if (fwd) {
                newId = c;
                break;
              }
              // The candidate is a forward declaration: point it at this full enum.
              map[c] = id;
            }
          }
          break;
        }
        case Kind.FWD:
        case Kind.FLOAT:
          h = this.hashCommon(o);
          newId = this.findEqual(h, o, id, this.equalCommonFn);
          break;
        default:
          continue;
      }
      map[id] = newId;
      if (newId === id) this.tableAdd(h, id);
    }
  }

  /** Hash of a STRUCT/UNION (and, outside legacy mode, TYPEDEF) in the struct phase; undefined: other kinds. */
  private structHash(id: number): number | undefined {
    const o = this.OFF[id]!;
    const k = infoKind(this.W[o + 1]!);
    let h: number;
    if (k === Kind.TYPEDEF && !this.legacy) h = this.hashTypedef(o);
    else if (isComposite(k)) h = this.hashStruct(o);
    else return undefined;
    return this.sig && !this.force ? hc(h, this.sig[id]!) : h;
  }

  private structs(): void {
    const { W, OFF, S, N, map, head, next, hv, mask } = this;
    const total = N - S;
    // Graph checks that fail deep (chains of same-named typedefs or structs) would cost cubic
    // time; past this many visited pairs the signatures sort such candidates out.
    const budget = this.opts.signatureBudget ?? defaultSignatureBudget(N);
    for (let id = S; id < N; id++) {
      if (map[id]! >= 0) continue;
      if (!this.sig && this.equivWork >= budget) this.useSignatures();
      const h = this.structHash(id);
      if (h === undefined) continue;
      const o = OFF[id]!;
      const isTypedef = infoKind(W[o + 1]!) === Kind.TYPEDEF;
      const sig = this.sig;
      const own = sig ? sig[id]! : 0;
      let newId = id;
      for (let c = head[h & mask]!; c >= 0; c = next[c]!) {
        // Another signature: the graph check would fail (see computeSigs).
        if (hv[c] !== h || (sig && sig[c] !== own)) continue;
        const co = OFF[c]!;
        // Guard against FWD/STRUCT hash collisions before the graph check.
        if (isTypedef ? !this.equalTypedef(o, co) : !this.shallowEqualStruct(o, co)) continue;
        this.clearHypot();
        if (!this.isEquiv(id, c)) continue;
        this.mergeHypot();
        if (this.adjustCanon) continue; // would need a base FWD resolved: not equivalent
        newId = c;
        break;
      }
      map[id] = newId;
      if (newId === id) this.tableAdd(h, id);
      if (((id - S) & 0xffff) === 0) this.progress('structs', id - S, total);
    }
  }

  /**
   * A signature per type that every pair the graph check can accept shares. Types the check
   * compares by shape (STRUCT/UNION without a FWD namesake, TYPEDEF, PTR, ARRAY, FUNC_PROTO,
   * INT, ...) get a hash of the words it compares and of the signatures of the types they
   * reference; those a forward declaration may stand in for (FWD, enums, structs/unions
   * named like a FWD) get only what refSig gives. The check accepts only types whose
   * unfoldings (cut at those) are equal, compiler-duplicated identical types and earlier
   * merges included, so equal unfoldings must give equal signatures: a type whose unfolding
   * is finite gets the hash of all of it (in dependency order, Tarjan's SCCs iteratively), one
   * that reaches a cycle the hash of its first CYCLIC_SIG_DEPTH levels, the same for every
   * such type wherever its cycle is. A candidate with another signature is skipped without
   * changing any result; a chain of same-named typedefs or structs no longer costs a deep
   * graph check per pair of links.
   */
  private computeSigs(): Int32Array {
    const { W, OFF, N, shapes } = this;
    const sig = new Int32Array(N);
    const fwdNames = new Set<number>();
    for (let id = 1; id < N; id++) if (this.kind(id) === Kind.FWD) fwdNames.add(this.refSig(id));
    // Referenced ids of shape-compared types (CSR); coarse types are leaves.
    const start = new Int32Array(N + 1);
    const label = new Int32Array(N);
    const coarse = new Uint8Array(N);
    let edges = new Int32Array(Math.max(16, N * 2));
    let ne = 0;
    const pushEdge = (w: number): void => {
      if (ne === edges.length) {
        const e = new Int32Array(edges.length * 2);
        e.set(edges);
        edges = e;
      }
      edges[ne++] = w;
    };
    coarse[0] = 1;
    sig[0] = mix(0x3c6ef372, 0);
    for (let id = 1; id < N; id++) {
      start[id] = ne;
      const o = OFF[id]!;
      const k = infoKind(W[o + 1]!);
      if (k === Kind.FWD || isAnyEnum(k) || k === Kind.VAR || k === Kind.DATASEC || k === Kind.DECL_TAG || (isComposite(k) && fwdNames.has(this.refSig(id)))) {
        coarse[id] = 1;
        sig[id] = mix(this.refSig(id), 1);
        continue;
      }
      const first = ne;
      forEachTypeIdWord(W, o, shapes[k]!, pushEdge); // word positions, ascending
      const end = id + 1 < N ? OFF[id + 1]! : this.typesEnd;
      let h = 0x2545f491;
      for (let w = o, e = first; w < end; w++) {
        if (e < ne && edges[e] === w) e++;
        else h = mix(h, W[w]!);
      }
      label[id] = h;
      for (let e = first; e < ne; e++) {
        const t = W[edges[e]!]!;
        edges[e] = t < N ? t : 0; // out of range (the parser rejects it): a leaf
      }
    }
    start[N] = ne;
    // Tarjan's SCCs, iteratively; an SCC is complete only after everything it reaches, so
    // finite unfoldings are hashed exactly as SCCs complete.
    const infinite = new Uint8Array(N);
    const index = new Int32Array(N).fill(-1);
    const low = new Int32Array(N);
    const cursor = new Int32Array(N);
    const onStack = new Uint8Array(N);
    const sccStack = new Int32Array(N);
    const callStack = new Int32Array(N);
    let sp = 0;
    let cp = 0;
    let counter = 0;
    let anyInfinite = false;
    for (let root = 1; root < N; root++) {
      if (coarse[root] || index[root]! >= 0) continue;
      index[root] = low[root] = counter++;
      cursor[root] = start[root]!;
      sccStack[sp++] = root;
      onStack[root] = 1;
      callStack[cp++] = root;
      while (cp > 0) {
        const v = callStack[cp - 1]!;
        const c = cursor[v]!;
        if (c < start[v + 1]!) {
          cursor[v] = c + 1;
          const t = edges[c]!;
          if (coarse[t]) continue;
          if (index[t]! < 0) {
            index[t] = low[t] = counter++;
            cursor[t] = start[t]!;
            sccStack[sp++] = t;
            onStack[t] = 1;
            callStack[cp++] = t;
          } else if (onStack[t] && index[t]! < low[v]!) low[v] = index[t]!;
          continue;
        }
        cp--;
        if (cp > 0) {
          const parent = callStack[cp - 1]!;
          if (low[v]! < low[parent]!) low[parent] = low[v]!;
        }
        if (low[v] !== index[v]) continue;
        let first = sp - 1;
        while (sccStack[first] !== v) first--;
        let cyclic = sp - first > 1;
        for (let i = first; i < sp; i++) {
          const u = sccStack[i]!;
          onStack[u] = 0;
          for (let e = start[u]!; e < start[u + 1]!; e++) {
            const t = edges[e]!;
            if (t === u || infinite[t]) cyclic = true;
          }
        }
        if (cyclic) {
          anyInfinite = true;
          for (let i = first; i < sp; i++) infinite[sccStack[i]!] = 1;
        } else {
          let h = label[v]!;
          for (let e = start[v]!; e < start[v + 1]!; e++) h = mix(h, sig[edges[e]!]!);
          sig[v] = h;
        }
        sp = first;
      }
    }
    if (!anyInfinite) return sig;
    // Types that reach a cycle: the first levels of their unfolding, the same way everywhere.
    let cur = new Int32Array(N);
    let nxt = new Int32Array(N);
    for (let id = 0; id < N; id++) cur[id] = coarse[id] ? sig[id]! : label[id]!;
    for (let d = 0; d < CYCLIC_SIG_DEPTH; d++) {
      for (let id = 0; id < N; id++) {
        if (coarse[id]) {
          nxt[id] = cur[id]!;
          continue;
        }
        let h = label[id]!;
        for (let e = start[id]!; e < start[id + 1]!; e++) h = mix(h, cur[edges[e]!]!);
        nxt[id] = h;
      }
      const t = cur;
      cur = nxt;
      nxt = t;
    }
    for (let id = 1; id < N; id++) if (infinite[id]) sig[id] = cur[id]!;
    return sig;
  }

  /** Compute the signatures and rehash the table with them (same order within each bucket). */
  private useSignatures(): void {
    this.sig = this.computeSigs();
    const { head, next, hv, mask, N } = this;
    const inTable = new Uint8Array(N);
    for (let b = 0; b <= mask; b++) for (let c = head[b]!; c >= 0; c = next[c]!) inTable[c] = 1;
    head.fill(-1);
    // Ids went in in ascending order within each kind class; kinds of different classes never match.
    for (let id = 1; id < N; id++) if (inTable[id]) this.tableAdd(this.structHash(id) ?? hv[id]!, id);
  }

  private clearHypot(): void {
    const { hypot, hlist } = this;
    for (let i = 0; i < this.hcnt; i++) hypot[hlist[i]!] = UNPROCESSED;
    this.hcnt = 0;
    this.adjustCanon = false;
  }

  private hypotAdd(canon: number, cand: number): void {
    if (this.hcnt === this.hlist.length) {
      const n = new Int32Array(this.hlist.length * 2);
      n.set(this.hlist);
      this.hlist = n;
    }
    this.hlist[this.hcnt++] = canon;
    this.hypot[canon] = cand;
  }

  private growStack(need: number): Int32Array {
    let cap = this.stack.length * 2;
    while (cap < need) cap *= 2;
    const n = new Int32Array(cap);
    n.set(this.stack);
    this.stack = n;
    return n;
  }

  /**
   * Type-graph equivalence (libbpf's btf_dedup_is_equiv). The recursive definition is a left-to-right
   * conjunction with nothing done after the recursive calls, so an explicit stack visiting
   * pairs in the same order gives the same hypothetical map without deep JS recursion.
   */
  private isEquiv(candRoot: number, canonRoot: number): boolean {
    const { W, OFF, hypot, map } = this;
    let stack = this.stack;
    let sp = 0;
    stack[sp++] = candRoot;
    stack[sp++] = canonRoot;
    while (sp > 0) {
      this.equivWork++;
      let canon = stack[--sp]!;
      const cand = stack[--sp]!;
      // resolve both (inline)
      let rc = cand;
      let m = map[rc]!;
      while (m >= 0 && m !== rc) {
        rc = m;
        m = map[rc]!;
      }
      let rk = canon;
      m = map[rk]!;
      while (m >= 0 && m !== rk) {
        rk = m;
        m = map[rk]!;
      }
      if (rc === rk) continue;
      let b = OFF[canon]!;
      let kb = infoKind(W[b + 1]!);
      if (kb === Kind.FWD && rk !== canon) {
        // FWD resolution on the canonical side only.
        const rb = OFF[rk]!;
        const krk = infoKind(W[rb + 1]!);
        if (krk !== Kind.FWD) {
          canon = rk;
          b = rb;
          kb = krk;
        }
      }
      const hyp = hypot[canon]!;
      if (hyp >= 0) {
        if (hyp === cand) continue;
        if (this.legacy ? this.legacyArrays(hyp, cand) || this.legacyStructs(hyp, cand) : this.identical(hyp, cand, IDENTICAL_DEPTH)) continue;
        return false;
      }
      this.hypotAdd(canon, cand);
      const a = OFF[cand]!;
      if (W[a] !== W[b]) return false;
      const ka = infoKind(W[a + 1]!);
      if ((ka === Kind.FWD || kb === Kind.FWD) && ka !== kb) {
        let real: number;
        let fwdKind: number;
        if (ka === Kind.FWD) {
          real = kb;
          fwdKind = infoKflag(W[a + 1]!) ? Kind.UNION : Kind.STRUCT;
        } else {
          real = ka;
          fwdKind = infoKflag(W[b + 1]!) ? Kind.UNION : Kind.STRUCT;
          // Resolving a base FWD into a struct would change the base.
          if (fwdKind === real && canon < this.S) this.adjustCanon = true;
        }
        if (fwdKind !== real) return false;
        continue;
      }
      if (ka !== kb) return false;
      switch (ka) {
        case Kind.INT:
          if (!this.equalIntTag(a, b)) return false;
          continue;
        case Kind.ENUM:
        case Kind.ENUM64:
          if (!this.compatEnum(a, b)) return false;
          continue;
        case Kind.FWD:
        case Kind.FLOAT:
          if (!this.equalCommon(a, b)) return false;
          continue;
        case Kind.CONST:
        case Kind.VOLATILE:
        case Kind.RESTRICT:
        case Kind.PTR:
        case Kind.TYPEDEF:
        case Kind.FUNC:
        case Kind.TYPE_TAG:
          if (W[a + 1] !== W[b + 1]) return false;
          if (sp + 2 > stack.length) stack = this.growStack(sp + 2);
          stack[sp++] = W[a + 2]!;
          stack[sp++] = W[b + 2]!;
          continue;
        case Kind.ARRAY:
          if (!this.compatArray(a, b)) return false;
          if (sp + 4 > stack.length) stack = this.growStack(sp + 4);
          stack[sp++] = W[a + 3]!; // element type, checked second
          stack[sp++] = W[b + 3]!;
          stack[sp++] = W[a + 4]!; // index type, checked first
          stack[sp++] = W[b + 4]!;
          continue;
        case Kind.STRUCT:
        case Kind.UNION: {
          if (!this.shallowEqualStruct(a, b)) return false;
          const vlen = infoVlen(W[a + 1]!);
          if (sp + 2 * vlen > stack.length) stack = this.growStack(sp + 2 * vlen);
          for (let i = vlen - 1; i >= 0; i--) {
            stack[sp++] = W[a + 4 + i * 3]!;
            stack[sp++] = W[b + 4 + i * 3]!;
          }
          continue;
        }
        case Kind.FUNC_PROTO: {
          if (!this.compatFnproto(a, b)) return false;
          const vlen = infoVlen(W[a + 1]!);
          if (sp + 2 * vlen + 2 > stack.length) stack = this.growStack(sp + 2 * vlen + 2);
          for (let i = vlen - 1; i >= 0; i--) {
            stack[sp++] = W[a + 4 + i * 2]!;
            stack[sp++] = W[b + 4 + i * 2]!;
          }
          stack[sp++] = W[a + 2]!; // return type first
          stack[sp++] = W[b + 2]!;
          continue;
        }
        default:
          fail('bad-type', `dedup: a type graph reaches a ${ka === 0 ? 'void' : `kind ${ka}`} type where only C types can be`, { typeId: cand });
      }
    }
    return true;
  }

  /**
   * Structural identity of two types of the candidate graph, for compilers that emit
   * duplicated identical types within one unit (libbpf's btf_dedup_identical_types). Unlike
   * that libbpf code, the second array's element and index types are the ones compared.
   */
  private identical(id1: number, id2: number, depth: number): boolean {
    const W = this.W;
    for (;;) {
      if (depth <= 0) return false;
      if (id1 === id2) return true;
      const a = this.OFF[id1]!;
      const b = this.OFF[id2]!;
      const k = infoKind(W[a + 1]!);
      if (k !== infoKind(W[b + 1]!)) return false;
      switch (k) {
        case Kind.UNKN:
          return true;
        case Kind.INT:
          return this.equalIntTag(a, b);
        case Kind.ENUM:
        case Kind.ENUM64:
          return this.compatEnum(a, b);
        case Kind.FWD:
        case Kind.FLOAT:
          return this.equalCommon(a, b);
        case Kind.CONST:
        case Kind.VOLATILE:
        case Kind.RESTRICT:
        case Kind.PTR:
        case Kind.TYPEDEF:
        case Kind.FUNC:
        case Kind.TYPE_TAG:
          if (W[a + 1] !== W[b + 1] || W[a] !== W[b]) return false;
          id1 = W[a + 2]!;
          id2 = W[b + 2]!;
          continue;
        case Kind.ARRAY:
          if (!this.compatArray(a, b)) return false;
          if (W[a + 4] !== W[b + 4] && !this.identical(W[a + 4]!, W[b + 4]!, depth - 1)) return false;
          if (W[a + 3] !== W[b + 3] && !this.identical(W[a + 3]!, W[b + 3]!, depth - 1)) return false;
          return true;
        case Kind.STRUCT:
        case Kind.UNION: {
          if (!this.shallowEqualStruct(a, b)) return false;
          const vlen = infoVlen(W[a + 1]!);
          for (let i = 0; i < vlen; i++) {
            const ta = W[a + 4 + i * 3]!;
            const tb = W[b + 4 + i * 3]!;
            if (ta !== tb && !this.identical(ta, tb, depth - 1)) return false;
          }
          return true;
        }
        case Kind.FUNC_PROTO: {
          if (!this.compatFnproto(a, b)) return false;
          if (W[a + 2] !== W[b + 2] && !this.identical(W[a + 2]!, W[b + 2]!, depth - 1)) return false;
          const vlen = infoVlen(W[a + 1]!);
          for (let i = 0; i < vlen; i++) {
            const ta = W[a + 4 + i * 2]!;
            const tb = W[b + 4 + i * 2]!;
            if (ta !== tb && !this.identical(ta, tb, depth - 1)) return false;
          }
          return true;
        }
        default:
          return false;
      }
    }
  }

  private legacyArrays(id1: number, id2: number): boolean {
    const W = this.W;
    const a = this.OFF[id1]!;
    const b = this.OFF[id2]!;
    if (infoKind(W[a + 1]!) !== Kind.ARRAY || infoKind(W[b + 1]!) !== Kind.ARRAY) return false;
    return W[a + 3] === W[b + 3] && W[a + 4] === W[b + 4] && W[a + 5] === W[b + 5];
  }

  private legacyStructs(id1: number, id2: number): boolean {
    const W = this.W;
    const a = this.OFF[id1]!;
    const b = this.OFF[id2]!;
    const k = infoKind(W[a + 1]!);
    if (!isComposite(k) || k !== infoKind(W[b + 1]!)) return false;
    if (!this.shallowEqualStruct(a, b)) return false;
    const vlen = infoVlen(W[a + 1]!);
    for (let i = 0; i < vlen; i++) {
      const ta = W[a + 4 + i * 3]!;
      const tb = W[b + 4 + i * 3]!;
      if (ta !== tb && !this.legacyArrays(ta, tb) && !this.legacyStructs(ta, tb)) return false;
    }
    return true;
  }

  private mergeHypot(): void {
    const { hypot, hlist, map } = this;
    for (let i = 0; i < this.hcnt; i++) {
      const canonId = hlist[i]!;
      const t = this.resolve(hypot[canonId]!);
      const c = this.resolve(canonId);
      const tk = this.kind(t);
      const ck = this.kind(c);
      // Base FWDs may point at split structs (references only; base data never changes).
      if (tk !== Kind.FWD && ck === Kind.FWD) map[c] = t;
      if (this.adjustCanon) continue;
      if (tk === Kind.FWD && ck !== Kind.FWD) map[t] = c;
      // Typedefs, deduplicated by graph equivalence here too, are merged the same way: else two
      // copies of a chain of them (ids pointing down the chain) cost a full walk per link.
      if ((isComposite(tk) || (tk === Kind.TYPEDEF && !this.legacy)) && ck !== Kind.FWD && map[c]! >= 0 && map[t]! < 0) map[t] = c;
    }
  }

  /** FWDs still canonical whose name belongs to exactly one canonical struct/union. */
  private resolveFwds(): void {
    const { W, OFF, S, N, map } = this;
    let any = false;
    for (let id = S; id < N && !any; id++) if (this.kind(id) === Kind.FWD && map[id] === id) any = true;
    if (!any) return;
    // Names of the unresolved FWDs → their one canonical struct or union (0: ambiguous). Only
    // those names are collected: a split module's FWDs need no map of the base's 10k structs.
    const names = new Map<number, number>();
    for (let id = S; id < N; id++) {
      const o = OFF[id]!;
      if (infoKind(W[o + 1]!) === Kind.FWD && map[id] === id) names.set(W[o]!, -1);
    }
    // Base structs and unions: only those prep kept can have a split type's name.
    const candidate = (id: number): void => {
      const o = OFF[id]!;
      if (!isComposite(infoKind(W[o + 1]!)) || map[id] !== id) return;
      const have = names.get(W[o]!);
      if (have !== undefined) names.set(W[o]!, have === -1 ? id : 0);
    };
    for (let i = 0; i < this.nBaseComposites; i++) candidate(this.baseComposites[i]!);
    for (let id = S; id < N; id++) candidate(id);
    for (let id = S; id < N; id++) {
      const o = OFF[id]!;
      if (infoKind(W[o + 1]!) !== Kind.FWD || map[id] !== id) continue;
      const c = names.get(W[o]!);
      if (c === undefined || c <= 0) continue;
      const ck = this.kind(c);
      const fwdKind = infoKflag(W[o + 1]!) ? Kind.UNION : Kind.STRUCT;
      if (ck !== fwdKind) continue;
      map[id] = c;
    }
  }

  /** First canonical candidate with hash `h` whose record equals the one at `o`, else `self`. */
  private findEqual(h: number, o: number, self: number, equal: (a: number, b: number) => boolean): number {
    const { head, next, hv, mask, OFF } = this;
    for (let c = head[h & mask]!; c >= 0; c = next[c]!) if (hv[c] === h && equal(o, OFF[c]!)) return c;
    return self;
  }

  private readonly equalCommonFn = (a: number, b: number): boolean => this.equalCommon(a, b);
  private readonly equalIntTagFn = (a: number, b: number): boolean => this.equalIntTag(a, b);
  private readonly equalArrayFn = (a: number, b: number): boolean => this.equalArray(a, b);
  private readonly equalFnprotoFn = (a: number, b: number): boolean => this.equalFnproto(a, b);

  private refs(): void {
    const total = this.N - this.S;
    for (let id = this.S; id < this.N; id++) {
      this.refType(id);
      if (((id - this.S) & 0xffff) === 0) this.progress('refs', id - this.S, total);
    }
  }

  /**
   * Canonical id of reference type `root` (libbpf's btf_dedup_ref_type): its referenced types first, then
   * a hash of its record with canonical ids. Depth-first with an explicit stack (chains of
   * 100,000 modifiers must not overflow the call stack), visiting referenced types in the
   * order the field visitor gives them, as the recursive definition does.
   */
  private refType(root: number): number {
    const { W, map } = this;
    const m0 = map[root]!;
    if (m0 === IN_PROGRESS) fail('bad-type', 'reference types form a loop (only struct, union and typedef may be recursive)', { typeId: root });
    if (m0 >= 0) return this.resolve(root);
    // Frames (typed stacks, reused: refType runs once per type): the type, where its
    // referenced-id words start in wordSink, and how many are done.
    this.sinkLen = 0;
    this.refTop = -1;
    this.pushRefFrame(root);
    let result = root;
    while (this.refTop >= 0) {
      const top = this.refTop;
      const ids = this.refIds;
      const firstWord = this.refFirstWord;
      const done = this.refDone;
      const words = this.wordSink;
      const id = ids[top]!;
      const from = firstWord[top]!;
      // Words of deeper frames go after this frame's, and are dropped when they finish.
      const count = this.sinkLen - from;
      if (done[top]! < count) {
        const w = words[from + done[top]!]!;
        const m = map[W[w]!]!;
        if (m === IN_PROGRESS) fail('bad-type', 'reference types form a loop (only struct, union and typedef may be recursive)', { typeId: W[w]! });
        if (m === UNPROCESSED) {
          this.pushRefFrame(W[w]!);
          continue;
        }
        W[w] = this.resolve(W[w]!);
        done[top]!++;
        continue;
      }
      this.sinkLen = from;
      this.refTop = top - 1;
      result = this.finishRef(id);
      // The frame below was waiting on this type: its word now holds a canonical id.
      if (top > 0) {
        const bw = words[firstWord[top - 1]! + done[top - 1]!]!;
        W[bw] = result;
        done[top - 1]!++;
      }
    }
    return result;
  }

  /** Open a refType frame for `id`, its referenced-id words collected. */
  private pushRefFrame(id: number): void {
    const { W, OFF } = this;
    const k = infoKind(W[OFF[id]! + 1]!);
    if (!REF_KINDS.has(k)) fail('bad-type', `dedup: unexpected kind ${k} among reference types`, { typeId: id });
    this.map[id] = IN_PROGRESS;
    const top = ++this.refTop;
    if (top === this.refIds.length) this.growRefStack();
    this.refIds[top] = id;
    this.refFirstWord[top] = this.sinkLen;
    this.refDone[top] = 0;
    forEachTypeIdWord(W, OFF[id]!, this.shapes[k]!, this.collectWord);
  }

  // The reference pass's stacks (see refType).
  private refIds: Int32Array = new Int32Array(64);
  private refFirstWord: Int32Array = new Int32Array(64);
  private refDone: Int32Array = new Int32Array(64);
  private refTop = -1;
  private wordSink: Int32Array = new Int32Array(256);
  private sinkLen = 0;
  private readonly collectWord = (w: number): void => {
    if (this.sinkLen === this.wordSink.length) {
      const grown = new Int32Array(this.wordSink.length * 2);
      grown.set(this.wordSink);
      this.wordSink = grown;
    }
    this.wordSink[this.sinkLen++] = w;
  };

  private growRefStack(): void {
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.refIds = grow(this.refIds);
    this.refFirstWord = grow(this.refFirstWord);
    this.refDone = grow(this.refDone);
  }

  /** Hash a reference type whose referenced ids are canonical and map it to its first equal. */
  private finishRef(id: number): number {
    const o = this.OFF[id]!;
    const k = infoKind(this.W[o + 1]!);
    let h: number;
    let equal: (a: number, b: number) => boolean;
    switch (k) {
      case Kind.DECL_TAG:
        h = this.hashIntTag(o);
        equal = this.equalIntTagFn;
        break;
      case Kind.ARRAY:
        h = this.hashArray(o);
        equal = this.equalArrayFn;
        break;
      case Kind.FUNC_PROTO:
        h = this.hashFnproto(o);
        equal = this.equalFnprotoFn;
        break;
      default: // CONST, VOLATILE, RESTRICT, PTR, FUNC, TYPE_TAG, and TYPEDEF in legacy mode
        h = this.hashCommon(o);
        equal = this.equalCommonFn;
    }
    // The base types this one could equal, if not in the table yet (see prep).
    if (k !== Kind.DECL_TAG && k !== Kind.FUNC && k !== Kind.TYPEDEF) this.addBaseRefs(this.W[o + (k === Kind.ARRAY ? 3 : 2)]!);
    // The referenced ids are canonical now, so an exact match on the record is equivalence.
    const newId = this.findEqual(h, o, id, equal);
    this.map[id] = newId;
    if (newId === id) this.tableAdd(h, id);
    return newId;
  }

  private compact(): DedupResult {
    const { btf, W, OFF, S, N, map, shapes } = this;
    const newId = new Int32Array(N);
    for (let id = 0; id < S; id++) newId[id] = id;
    let words = 0;
    let next = S;
    for (let id = S; id < N; id++) {
      if (map[id] !== id) {
        newId[id] = -1;
        continue;
      }
      newId[id] = next++;
      const o = OFF[id]!;
      words += id + 1 < N ? OFF[id + 1]! - o : this.typesEnd - o;
    }
    this.progress('compact', 0, N - S);
    const out = new Uint32Array(words);
    let p = 0;
    const remapId = (w: number): void => {
      const r = newId[this.resolve(out[w]!)]!;
      if (r < 0) fail('bad-type', `dedup: type [${out[w]}] has no canonical representative`, {});
      out[w] = r;
    };
    for (let id = S; id < N; id++) {
      if (map[id] !== id) continue;
      const o = OFF[id]!;
      const len = id + 1 < N ? OFF[id + 1]! - o : this.typesEnd - o;
      for (let i = 0; i < len; i++) out[p + i] = W[o + i]!;
      forEachTypeIdWord(out, p, shapes[infoKind(out[p + 1]!)]!, remapId);
      p += len;
    }
    const idMap: IdMap = new Uint32Array(N);
    for (let id = 0; id < N; id++) idMap[id] = newId[this.resolve(id)]!;
    return finishDedup(btf, this.opts, out, this.newStrings!.bytes(), idMap, this.equivWork, this.extStrMap!);
  }
}
