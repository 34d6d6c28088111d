/**
 * The builder: adds types and strings, standalone or split on a base, and produces bytes or
 * a parsed Btf. Every operation that writes BTF (dedup, distill, relocate, minimize, merge,
 * sanitize) builds its output with it.
 *
 * Records are stored as host-order words exactly as they will be written, so a builder's
 * records can be rewritten in place with the field visitor.
 */

import { Btf, type LayoutEntry } from './btf.js';
import { btfCoreInput } from './btf-core.js';
import { fail } from './errors.js';
import type { Endian } from './header.js';
import { HEADER_LEN_CLASSIC, HEADER_LEN_LAYOUT } from './header.js';
import { forEachStrOffWord, forEachTypeIdWord, requireKnownShape } from './fields.js';
import { infoKind, infoVlen, Kind, KIND_SHAPES, type KindShape, makeInfo, MAX_VLEN } from './kinds.js';
import { baseStringIndex, encodeString, type StringStore, StringTableBuilder } from './strings.js';
import { layoutTableFor, type SerializeParts, serializeBtf } from './write.js';
import { decodeCString } from './strings.js';

/** Options of `BtfBuilder`. */
export interface BuilderOptions {
  /** Build split BTF on this base. */
  readonly base?: Btf | undefined;
  /** Output byte order (default: the base's, else little). */
  readonly endian?: Endian | undefined;
  /** Write a layout section (and a 32-byte header). */
  readonly layout?: boolean | undefined;
  /** Header length when no layout is written: 24 (default) or 32. */
  readonly hdrLen?: number | undefined;
  /**
   * For split BTF, reuse a base string's offset when the same string is added (libbpf
   * does). Default true.
   */
  readonly reuseBaseStrings?: boolean | undefined;
  /** Initial room for type words (a producer that knows its volume avoids regrowing). */
  readonly capacityWords?: number | undefined;
  /**
   * Keep the own strings there instead of `strings` (it answers for base reuse too).
   * @internal
   */
  readonly stringStore?: StringStore | undefined;
}

/** A member for `addStruct`/`addUnion`. */
export interface MemberSpec {
  readonly name?: string | undefined;
  readonly type: number;
  /** Bit offset of the member. */
  readonly bitOffset: number;
  /** Bitfield size in bits (0 = not a bitfield). */
  readonly bitSize?: number | undefined;
}

/** An enumerator for `addEnum`/`addEnum64`. */
export interface EnumValueSpec {
  readonly name: string;
  readonly value: number | bigint;
}

/** A parameter for `addFuncProto`. */
export interface ParamSpec {
  readonly name?: string | undefined;
  readonly type: number;
}

/** A variable for `addDatasec`. */
export interface VarSecinfoSpec {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

/** Builds BTF type by type (standalone or split on a base) into bytes or a `Btf`. */
export class BtfBuilder {
  readonly base: Btf | undefined;
  readonly startId: number;
  readonly endian: Endian;
  /**
   * The string table being built (users add strings with `addString`; empty where
   * BuilderOptions.stringStore keeps them).
   * @internal
   */
  readonly strings: StringTableBuilder;
  layout: readonly LayoutEntry[] | undefined;
  hdrLen: number;
  private words: Uint32Array;
  private wordLen = 0;
  /** Word offset of each record (the first `count`). */
  private offs = new Int32Array(1024);
  private count = 0;
  private readonly reuseBaseStrings: boolean;
  private readonly store: StringStore | undefined;

  constructor(opts: BuilderOptions = {}) {
    this.base = opts.base;
    this.startId = opts.base ? opts.base.nextId : 1;
    this.endian = opts.endian ?? opts.base?.endian ?? 'little';
    this.strings = new StringTableBuilder(opts.base ? opts.base.startStrOff + opts.base.strings.length : 0);
    this.layout = opts.layout ? layoutTableFor(undefined) : undefined;
    this.hdrLen = opts.layout ? HEADER_LEN_LAYOUT : (opts.hdrLen ?? HEADER_LEN_CLASSIC);
    this.words = new Uint32Array(Math.max(1024, Math.floor(opts.capacityWords ?? 0)));
    this.reuseBaseStrings = opts.reuseBaseStrings ?? true;
    this.store = opts.stringStore;
  }

  /** One past the last id added so far. */
  get nextId(): number {
    return this.startId + this.count;
  }

  get typeCount(): number {
    return this.count;
  }

  /** Logical string offset of `s` (base offset when the base has it and reuse is on). */
  addString(s: string): number {
    if (s === '') return 0;
    if (this.store) return this.store.add(s);
    if (this.base && this.reuseBaseStrings) {
      const own = this.strings.find(s);
      if (own !== undefined) return own;
      const bytes = encodeString(s);
      // find() hashes up to a NUL; a name with an embedded NUL never matches a base string.
      const inBase = bytes.includes(0) ? -1 : baseStringIndex(this.base).find(withNul(bytes), 0);
      if (inBase >= 0) return inBase;
    }
    return this.strings.add(s);
  }

  /**
   * addString for the NUL-terminated string at `at` in `src` (a DWARF .debug_str, say): a
   * string the base has is found from its bytes, never decoded.
   */
  addStringAt(src: Uint8Array, at: number): number {
    if (src[at] === 0) return 0;
    if (this.store) return this.store.addAt(src, at);
    if (this.base && this.reuseBaseStrings) {
      const inBase = baseStringIndex(this.base).find(src, at);
      // An own string is never in the base (addString looks there first), so order is moot.
      if (inBase >= 0) return inBase;
      return this.strings.add(decodeCString(src, at));
    }
    return this.addString(decodeCString(src, at));
  }

  /** Append a raw record (host-order words). Returns its id. */
  addRecord(record: ArrayLike<number>): number {
    if (record.length < 3) fail('invalid-argument', 'a BTF record has at least 3 words');
    const info = record[1]!;
    const shape = KIND_SHAPES[infoKind(info)];
    const expected = shape ? 3 + (shape.infoSize >>> 2) + infoVlen(info) * (shape.elemSize >>> 2) : record.length;
    if (shape && expected !== record.length) fail('invalid-argument', `${shape.name} record with vlen ${infoVlen(info)} needs ${expected} words, got ${record.length}`);
    this.ensure(record.length);
    const off = this.wordLen;
    // The encoder's records are word views: one native copy each (a loop over them ran cold).
    if (record instanceof Uint32Array) this.words.set(record, off);
    else for (let i = 0; i < record.length; i++) this.words[off + i] = record[i]! >>> 0;
    this.wordLen += record.length;
    this.offsRoom(1)[this.count++] = off;
    return this.startId + this.count - 1;
  }

  /**
   * addRecord of each of `lengths.length` records laid end to end in `words` (`lengths[i]`
   * words each), in one copy: the encoder appends a unit's records so.
   * @internal
   */
  addRecords(words: Uint32Array, lengths: Int32Array): void {
    // Each record checked and its offset noted in one pass; the offsets count only once all are.
    const offs = this.offsRoom(lengths.length);
    const first = this.count;
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i]!;
      if (len < 3 || at + len > words.length) fail('invalid-argument', 'a BTF record has at least 3 words, within the words given');
      const info = words[at + 1]!;
      const shape = KIND_SHAPES[infoKind(info)];
      if (shape && 3 + (shape.infoSize >>> 2) + infoVlen(info) * (shape.elemSize >>> 2) !== len) fail('invalid-argument', `${shape.name} record with vlen ${infoVlen(info)} needs other than ${len} words`);
      offs[first + i] = this.wordLen + at;
      at += len;
    }
    this.ensure(at);
    this.words.set(words.subarray(0, at), this.wordLen);
    this.count += lengths.length;
    this.wordLen += at;
  }

  /** The offsets array with room for `n` more. */
  private offsRoom(n: number): Int32Array {
    if (this.count + n > this.offs.length) {
      const next = new Int32Array(Math.max(this.offs.length * 2, this.count + n));
      next.set(this.offs.subarray(0, this.count));
      this.offs = next;
    }
    return this.offs;
  }

  /**
   * Words of type `id` added to this builder (a live view: writes go into the builder).
   * @internal
   */
  recordWords(id: number): Uint32Array {
    const i = id - this.startId;
    const off = i >= 0 && i < this.count ? this.offs[i] : undefined;
    if (off === undefined) fail('bad-type-id', `type id ${id} is not in this builder`, { typeId: id });
    const end = i + 1 < this.count ? this.offs[i + 1]! : this.wordLen;
    return this.words.subarray(off, end);
  }

  /**
   * Builder words, for in-place rewriting with the field visitor.
   * @internal
   */
  get rawWords(): Uint32Array {
    return this.words.subarray(0, this.wordLen);
  }
  /**
   * Word offset of each record in `rawWords`.
   * @internal
   */
  get recordOffsets(): Int32Array {
    return this.offs.subarray(0, this.count);
  }

  /**
   * Copy type `id` of `src` into this builder: strings are re-interned, type ids passed
   * through `mapId` (identity by default). Returns the new id.
   */
  copyType(src: Btf, id: number, mapId: (id: number) => number = (x) => x): number {
    const { words, offset, owner } = src.record(id);
    const shape = src.shapeOf(id);
    requireKnownShape(shape, id);
    const len = 3 + (shape.infoSize >>> 2) + infoVlen(words[offset + 1]!) * (shape.elemSize >>> 2);
    const rec = words.slice(offset, offset + len);
    forEachStrOffWord(rec, 0, shape, (w) => {
      rec[w] = rec[w] === 0 ? 0 : this.addString(owner.str(rec[w]!));
    }, true);
    forEachTypeIdWord(rec, 0, shape, (w) => {
      rec[w] = mapId(rec[w]!);
    });
    return this.addRecord(rec);
  }

  // ---- one method per kind ----

  addInt(name: string, size: number, encoding = 0, bits = size * 8, bitOffset = 0): number {
    return this.addRecord([this.addString(name), makeInfo(Kind.INT, 0, false), size, ((encoding & 0xf) << 24) | ((bitOffset & 0xff) << 16) | (bits & 0xff)]);
  }
  addFloat(name: string, size: number): number {
    return this.addRecord([this.addString(name), makeInfo(Kind.FLOAT, 0, false), size]);
  }
  addPtr(type: number): number {
    return this.addRef(Kind.PTR, '', type);
  }
  addConst(type: number): number {
    return this.addRef(Kind.CONST, '', type);
  }
  addVolatile(type: number): number {
    return this.addRef(Kind.VOLATILE, '', type);
  }
  addRestrict(type: number): number {
    return this.addRef(Kind.RESTRICT, '', type);
  }
  addTypedef(name: string, type: number): number {
    return this.addRef(Kind.TYPEDEF, name, type);
  }
  addTypeTag(value: string, type: number, kflag = false): number {
    return this.addRecord([this.addString(value), makeInfo(Kind.TYPE_TAG, 0, kflag), type]);
  }
  addFunc(name: string, proto: number, linkage = 0): number {
    return this.addRecord([this.addString(name), makeInfo(Kind.FUNC, linkage, false), proto]);
  }
  addFwd(name: string, isUnion = false): number {
    return this.addRecord([this.addString(name), makeInfo(Kind.FWD, 0, isUnion), 0]);
  }
  addArray(elemType: number, indexType: number, nelems: number): number {
    return this.addRecord([0, makeInfo(Kind.ARRAY, 0, false), 0, elemType, indexType, nelems]);
  }
  addVar(name: string, type: number, linkage = 0): number {
    return this.addRecord([this.addString(name), makeInfo(Kind.VAR, 0, false), type, linkage]);
  }
  addDeclTag(value: string, type: number, componentIdx = -1, kflag = false): number {
    return this.addRecord([this.addString(value), makeInfo(Kind.DECL_TAG, 0, kflag), type, componentIdx >>> 0]);
  }
  addStruct(name: string, size: number, members: readonly MemberSpec[] = [], isUnion = false): number {
    checkVlen(members.length);
    // The kind flag is needed as soon as one member is a bitfield (libbpf sets it the same way).
    const kflag = members.some((m) => (m.bitSize ?? 0) !== 0);
    const rec = [this.addString(name), makeInfo(isUnion ? Kind.UNION : Kind.STRUCT, members.length, kflag), size];
    for (const m of members) {
      const bitSize = m.bitSize ?? 0;
      if (kflag && (m.bitOffset > 0xffffff || bitSize > 0xff)) fail('invalid-argument', `bitfield member ${m.name ?? ''} offset ${m.bitOffset} size ${bitSize} does not fit the kflag encoding`);
      rec.push(this.addString(m.name ?? ''), m.type, kflag ? ((bitSize << 24) | m.bitOffset) >>> 0 : m.bitOffset);
    }
    return this.addRecord(rec);
  }
  addUnion(name: string, size: number, members: readonly MemberSpec[] = []): number {
    return this.addStruct(name, size, members, true);
  }
  addEnum(name: string, size: number, values: readonly EnumValueSpec[] = [], signed?: boolean): number {
    checkVlen(values.length);
    const isSigned = signed ?? values.some((v) => BigInt(v.value) < 0n);
    const rec = [this.addString(name), makeInfo(Kind.ENUM, values.length, isSigned), size];
    for (const v of values) rec.push(this.addString(v.name), Number(BigInt.asUintN(32, BigInt(v.value))));
    return this.addRecord(rec);
  }
  addEnum64(name: string, size: number, values: readonly EnumValueSpec[] = [], signed?: boolean): number {
    checkVlen(values.length);
    const isSigned = signed ?? values.some((v) => BigInt(v.value) < 0n);
    const rec = [this.addString(name), makeInfo(Kind.ENUM64, values.length, isSigned), size];
    for (const v of values) {
      const u = BigInt.asUintN(64, BigInt(v.value));
      rec.push(this.addString(v.name), Number(u & 0xffffffffn), Number(u >> 32n));
    }
    return this.addRecord(rec);
  }
  addFuncProto(returnType: number, params: readonly ParamSpec[] = []): number {
    checkVlen(params.length);
    const rec = [0, makeInfo(Kind.FUNC_PROTO, params.length, false), returnType];
    for (const p of params) rec.push(this.addString(p.name ?? ''), p.type);
    return this.addRecord(rec);
  }
  addDatasec(name: string, size: number, vars: readonly VarSecinfoSpec[] = []): number {
    checkVlen(vars.length);
    const rec = [this.addString(name), makeInfo(Kind.DATASEC, vars.length, false), size];
    for (const v of vars) rec.push(v.type, v.offset, v.size);
    return this.addRecord(rec);
  }

  private addRef(kind: number, name: string, type: number): number {
    return this.addRecord([this.addString(name), makeInfo(kind, 0, false), type]);
  }

  /** Serialize what was added (own types and strings only, for split BTF); `into` as serializeBtf's. */
  toBytes(opts: { endian?: Endian | undefined; layout?: boolean | undefined; into?: SerializeParts['into'] } = {}): Uint8Array {
    const layout = opts.layout === undefined ? this.layout : opts.layout ? layoutTableFor(this.layout) : undefined;
    return serializeBtf({
      words: this.words.subarray(0, this.wordLen),
      strings: this.store ? this.store.bytes() : this.strings.bytes(),
      layout,
      endian: opts.endian ?? this.endian,
      hdrLen: this.hdrLen,
      into: opts.into,
    });
  }

  /**
   * A parsed Btf of what was added, on the builder's base. Written into a btf core's memory
   * where it is big (btfCoreInput): Btf.parse indexes and checks it there, not copying it in
   * (a module's encode: 2 MB of records before the dedup).
   */
  build(opts: { endian?: Endian | undefined; layout?: boolean | undefined; file?: string | undefined } = {}): Btf {
    return Btf.parse(this.toBytes({ ...opts, into: btfCoreInput }), { base: this.base, file: opts.file });
  }

  /**
   * build(), then drop the builder's own copy of the records: for producers of very large BTF
   * (the DWARF encoder's vmlinux input to dedup) that no longer need the builder.
   */
  buildAndRelease(opts: { file?: string | undefined } = {}): Btf {
    const btf = this.build(opts);
    this.words = new Uint32Array(0);
    this.wordLen = 0;
    this.offs = new Int32Array(0);
    this.count = 0;
    return btf;
  }

  private ensure(extra: number): void {
    if (this.wordLen + extra <= this.words.length) return;
    let cap = Math.max(1024, this.words.length * 2);
    while (cap < this.wordLen + extra) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.words.subarray(0, this.wordLen));
    this.words = next;
  }
}

function checkVlen(n: number): void {
  if (n > MAX_VLEN) fail('invalid-argument', `vlen ${n} exceeds the 24-bit maximum ${MAX_VLEN}`);
}


export type { KindShape };

/** `bytes` followed by a NUL, as the byte-level string functions expect. */
function withNul(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
