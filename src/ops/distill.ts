/**
 * Distilled base BTF (libbpf's btf__distill_base, spec §3.1): split BTF on a full base becomes
 * split BTF on a small "distilled" base holding only what relocation needs to find the
 * referenced base types again in another build of the base:
 *
 *   - named INT / FLOAT / FWD:           copied to the distilled base
 *   - named STRUCT / UNION:              memberless, same name and size, in the distilled base
 *   - named ENUM / ENUM64:               memberless ENUM of the same name and size
 *   - everything else the split needs (PTR, ARRAY, TYPEDEF, modifiers, FUNC_PROTO, anonymous
 *     struct/union/enum): copied in full to the end of the new split BTF.
 *
 * Type ids are rewritten with the field visitor; output is built with BtfBuilder so that
 * string offsets come out exactly as libbpf's (split strings found in the distilled base reuse
 * its offsets).
 */

import { Btf } from '../wire/btf.js';
import { BtfBuilder } from '../wire/builder.js';
import { fail } from '../wire/errors.js';
import { forEachStrOffWord, forEachTypeIdWord, requireKnownShape } from '../wire/fields.js';
import { infoKind, infoVlen, isAnyEnum, isComposite, Kind, kindName } from '../wire/kinds.js';
import { layoutTableFor, serializeBtf } from '../wire/write.js';
import { type BaseStringIndex, baseStringIndex, ByteStringTable } from '../wire/strings.js';
import type { IdMap } from './id-map.js';

/** The result of `distillBase`: the distilled base and the split BTF on it. */
export interface DistillResult {
  /** The distilled base (standalone BTF, `.BTF.base`). */
  readonly base: Btf;
  /** The module's types on the distilled base (`.BTF`). */
  readonly split: Btf;
  /**
   * Where each type of the input went (`IdMap`, indexed by the input's ids, base included): a
   * base type the module needs to an id in the distilled base or, appended in full, in the new
   * split; a module type to its id in the new split; 0 for base types it does not need. Made
   * on first read (a batch that only wants the BTF does not pay for a map over all of vmlinux).
   */
  readonly idMap: IdMap;
}

/** Options of `distillBase`. */
export interface DistillOptions {
  /** Write layout sections in the outputs (default: only when the input split BTF has one). */
  readonly layout?: boolean | undefined;
}

/** Kinds a split type may reference in its base (libbpf rejects the rest with EINVAL). */
const REFERENCEABLE = new Set<number>([
  Kind.INT,
  Kind.FLOAT,
  Kind.FWD,
  Kind.ARRAY,
  Kind.STRUCT,
  Kind.UNION,
  Kind.TYPEDEF,
  Kind.ENUM,
  Kind.ENUM64,
  Kind.PTR,
  Kind.CONST,
  Kind.RESTRICT,
  Kind.VOLATILE,
  Kind.FUNC_PROTO,
  Kind.TYPE_TAG,
]);

/** Kinds appended in full to the new split BTF (besides anonymous struct/union/enum). */
const TO_SPLIT = new Set<number>([Kind.ARRAY, Kind.TYPEDEF, Kind.PTR, Kind.CONST, Kind.RESTRICT, Kind.VOLATILE, Kind.FUNC_PROTO, Kind.TYPE_TAG]);

/** Split BTF on its full base → split BTF on a distilled base (btf__distill_base). */
export function distillBase(split: Btf, opts: DistillOptions = {}): DistillResult {
  if (!split.base) fail('invalid-argument', 'distilling needs split BTF (module BTF on its vmlinux base); this BTF has no base', { section: split.section, ...(split.file !== undefined ? { file: split.file } : {}) });
  const splitStart = split.startId;
  const used = markUsedBaseTypes(split);
  const layout = opts.layout ?? split.layout !== undefined;

  const idMap = scratchIds(splitStart);
  try {
    return distillWith(split, used, idMap, layout);
  } finally {
    for (let i = 0; i < used.length; i++) idMap[used[i]!] = 0; // leave the scratch map clean
  }
}

function distillWith(split: Btf, used: Uint32Array, idMap: Uint32Array, layout: boolean): DistillResult {
  const splitStart = split.startId;
  // Pass A: the distilled base, in original base id order.
  const baseBuilder = new BtfBuilder({ endian: split.endian, layout });
  const copyToBase = copier(split, baseBuilder);
  for (let i = 0; i < used.length; i++) {
    const id = used[i]!;
    const kind = split.kind(id);
    const named = split.nameOff(id) !== 0;
    let newId = 0;
    if (kind === Kind.INT || kind === Kind.FLOAT || kind === Kind.FWD) {
      newId = copyToBase(id);
    } else if (isComposite(kind) && named) {
      newId = baseBuilder.addStruct(split.name(id), split.sizeOrType(id), [], kind === Kind.UNION);
    } else if (isAnyEnum(kind) && named) {
      newId = baseBuilder.addEnum(split.name(id), split.sizeOrType(id), [], false);
    }
    if (newId) idMap[id] = newId;
  }
  const base = Btf.parse(baseBuilder.toBytes(), { sanityCheck: false, ...(split.base!.file !== undefined ? { file: split.base!.file } : {}) });

  // The module's own types first (one block, as they were), then the base types the module
  // needs in full (pass B), record by record.
  const extra: Uint32Array[] = [];
  let extraLen = 0;
  let nextSplitId = base.nextId + split.typeCount;
  for (let i = 0; i < used.length; i++) {
    const id = used[i]!;
    if (idMap[id]) continue;
    const kind = split.kind(id);
    if (!TO_SPLIT.has(kind) && split.nameOff(id) !== 0) continue;
    const { words, offset } = split.record(id);
    const shape = split.shapeOf(id);
    const len = 3 + (shape.infoSize >>> 2) + infoVlen(words[offset + 1]!) * (shape.elemSize >>> 2);
    extra.push(words.subarray(offset, offset + len));
    extraLen += len;
    idMap[id] = nextSplitId++;
  }
  const own = split.words;
  const words = new Uint32Array(own.length + extraLen);
  words.set(own);
  const offs: number[] = Array.from(split.offsets);
  let at = own.length;
  for (const rec of extra) {
    words.set(rec, at);
    offs.push(at);
    at += rec.length;
  }

  // Strings in order of first use, found in the distilled base first (libbpf's btf__add_str),
  // else appended to the new split's table; ids: mapped base ids, then shifted split ids.
  const strings = new StringInterner(split, base);
  const diff = splitStart - base.nextId;
  const remapId = (w: number): void => {
    const v = words[w]!;
    if (v < splitStart) {
      const m = idMap[v]!;
      if (m) words[w] = m;
    } else {
      words[w] = v - diff;
    }
  };
  const remapStr = (w: number): void => {
    const v = words[w]!;
    if (v !== 0) words[w] = strings.intern(v);
  };
  for (let i = 0; i < offs.length; i++) {
    const off = offs[i]!;
    const shape = split.shapes[infoKind(words[off + 1]!)]!;
    requireKnownShape(shape, splitStart + i);
    forEachStrOffWord(words, off, shape, remapStr, true);
    forEachTypeIdWord(words, off, shape, remapId);
  }
  const bytes = serializeBtf({ words, strings: strings.bytes(), layout: layout ? layoutTableFor(split.layout) : undefined, endian: split.endian });
  const out = Btf.parse(bytes, { base, sanityCheck: false, ...(split.file !== undefined ? { file: split.file } : {}) });
  const usedNewIds = used.map((id) => idMap[id]!);
  let fullMap: IdMap | undefined;
  return {
    base,
    split: out,
    get idMap(): IdMap {
      if (fullMap) return fullMap;
      fullMap = new Uint32Array(split.nextId);
      for (let i = 0; i < used.length; i++) fullMap[used[i]!] = usedNewIds[i]!;
      for (let id = splitStart; id < split.nextId; id++) fullMap[id] = id - diff;
      return fullMap;
    },
  };
}

/**
 * Which base types the split needs: every base id a split type refers to, and what those
 * refer to, except through named structs/unions (their members are not needed).
 */
function markUsedBaseTypes(split: Btf): Uint32Array {
  const splitStart = split.startId;
  const used = scratchMarks(splitStart);
  const stack: number[] = [];
  const list: number[] = [];
  const from = (referrer: number) => (w: number, words: Uint32Array): void => {
    const id = words[w]!;
    if (id === 0 || id >= splitStart || used[id]) return;
    const kind = split.kind(id);
    if (!REFERENCEABLE.has(kind)) {
      fail('unsupported', `type [${referrer}] refers to base type [${id}] of kind ${kindName(kind)}, which distilled base BTF cannot represent`, { typeId: referrer });
    }
    used[id] = 1;
    list.push(id);
    if (isComposite(kind) && split.nameOff(id) !== 0) return;
    stack.push(id);
  };
  try {
    for (let id = splitStart; id < split.nextId; id++) {
      const { words, offset } = split.record(id);
      const shape = split.shapeOf(id);
      requireKnownShape(shape, id);
      const visit = from(id);
      forEachTypeIdWord(words, offset, shape, (w) => visit(w, words));
      while (stack.length > 0) {
        const b = stack.pop()!;
        const r = split.record(b);
        const bs = split.shapeOf(b);
        requireKnownShape(bs, b);
        const bv = from(b);
        forEachTypeIdWord(r.words, r.offset, bs, (w) => bv(w, r.words));
      }
    }
  } finally {
    for (const id of list) used[id] = 0;
  }
  return Uint32Array.from(list).sort();
}

// Per-call scratch arrays indexed by base id, reused across calls (modules share a base, and
// allocating ~100k-entry arrays per module dominated distilling a whole kernel's modules).
// Every user clears exactly the entries it set before returning.
let markScratch = new Uint8Array(0);
let idScratch = new Uint32Array(0);
function scratchMarks(n: number): Uint8Array {
  if (markScratch.length < n) markScratch = new Uint8Array(n);
  return markScratch;
}
function scratchIds(n: number): Uint32Array {
  if (idScratch.length < n) idScratch = new Uint32Array(n);
  return idScratch;
}

/**
 * Copy records of `src` into a builder: string offsets re-interned once per distinct offset
 * (the builder reuses distilled-base strings as libbpf does), type ids left for the caller.
 */
function copier(src: Btf, b: BtfBuilder): (id: number) => number {
  const strCache = new Map<number, number>();
  return (id: number): number => {
    const { words, offset } = src.record(id);
    const shape = src.shapeOf(id);
    requireKnownShape(shape, id);
    const len = 3 + (shape.infoSize >>> 2) + infoVlen(words[offset + 1]!) * (shape.elemSize >>> 2);
    const rec = words.slice(offset, offset + len);
    forEachStrOffWord(
      rec,
      0,
      shape,
      (w) => {
        const o = rec[w]!;
        if (o === 0) return;
        let n = strCache.get(o);
        if (n === undefined) {
          n = b.addString(src.str(o));
          strCache.set(o, n);
        }
        rec[w] = n;
      },
      true,
    );
    return b.addRecord(rec);
  };
}

/**
 * The new split's string table, built on bytes: a source string offset maps to the distilled
 * base's offset of the same string when it has one, else to the first copy appended here.
 * Content-deduplicated (as libbpf's string set), without decoding or re-encoding names.
 */
class StringInterner {
  /** Strings that are not in the distilled base, appended after its table. */
  private readonly table: ByteStringTable;
  private readonly baseIndex: BaseStringIndex;
  /** New offset + 1 per own (split) string offset of the source, 0 = not seen yet. */
  private readonly ownCache: Int32Array;
  /** The same for offsets into the source's base strings (vmlinux names used by the module). */
  private readonly baseCache = new Map<number, number>();

  constructor(
    private readonly src: Btf,
    base: Btf,
  ) {
    this.baseIndex = baseStringIndex(base);
    this.table = new ByteStringTable(base.strings.length, false, src.strings.length);
    this.ownCache = new Int32Array(src.strings.length);
  }

  intern(srcOff: number): number {
    const local = srcOff - this.src.startStrOff;
    let t: Uint8Array;
    let at: number;
    if (local >= 0) {
      const have = this.ownCache[local];
      if (have === undefined) return srcOff; // unreachable for parsed input: offsets were checked
      if (have !== 0) return have - 1;
      t = this.src.strings;
      at = local;
    } else {
      const have = this.baseCache.get(srcOff);
      if (have !== undefined) return have;
      const loc = this.src.strLocation(srcOff);
      if (!loc) return srcOff;
      t = loc.table;
      at = loc.index;
    }
    let off = t[at] === 0 ? 0 : this.baseIndex.find(t, at);
    if (off < 0) off = this.table.intern(t, at);
    if (local >= 0) this.ownCache[local] = off + 1;
    else this.baseCache.set(srcOff, off);
    return off;
  }

  bytes(): Uint8Array {
    return this.table.bytes();
  }
}
