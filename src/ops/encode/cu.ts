/**
 * One compilation unit's DIEs → BTF records, following pahole's mapping (see encode.ts).
 * The walk writes each record into a unit buffer as soon as its DIE (and its children) are
 * read, with type references held as DIE offsets and ids taken in pahole's order (a type
 * after the types nested in it). When the unit ends, references are resolved through a
 * per-unit DIE → record table, records identical to an earlier unit's are folded into it (see
 * assignIds), and the rest is appended to the builder. Which functions and variables are
 * encoded is the caller's policy (functions.ts, variables.ts).
 */

import { DW_AT, DW_ATE, DW_LANG_Rust, DW_OP, DW_TAG } from '../../dwarf/constants.js';
import { type DieCursor, type DwarfInfo, SlotMap, type UnitHeader, ValueClass } from '../../dwarf/reader.js';
import type { BtfBuilder } from '../../wire/builder.js';
import { fail } from '../../wire/errors.js';
import { forEachStrOffWord, forEachTypeIdWord } from '../../wire/fields.js';
import { ByteStringTable } from '../../wire/strings.js';
import { infoKind, isAnyEnum, isComposite, Kind, KIND_SHAPES, makeInfo } from '../../wire/kinds.js';
import type { FeatureSet } from './features.js';
import { parameterRegister } from './locations.js';
import type { VarSlot } from './variables.js';

// Attribute slots decoded for every DIE the encoder looks at.
const S = {
  name: 0,
  type: 1,
  byteSize: 2,
  bitSize: 3,
  dataBitOffset: 4,
  memberLocation: 5,
  bitOffset: 6,
  upperBound: 7,
  count: 8,
  encoding: 9,
  declaration: 10,
  external: 11,
  location: 12,
  constValue: 13,
  specification: 14,
  abstractOrigin: 15,
  artificial: 16,
  language: 17,
} as const;

const SLOT_ATTRS = [
  DW_AT.name,
  DW_AT.type,
  DW_AT.byte_size,
  DW_AT.bit_size,
  DW_AT.data_bit_offset,
  DW_AT.data_member_location,
  DW_AT.bit_offset,
  DW_AT.upper_bound,
  DW_AT.count,
  DW_AT.encoding,
  DW_AT.declaration,
  DW_AT.external,
  DW_AT.location,
  DW_AT.const_value,
  DW_AT.specification,
  DW_AT.abstract_origin,
  DW_AT.artificial,
  DW_AT.language,
  DW_AT.str_offsets_base,
  DW_AT.addr_base,
  DW_AT.loclists_base,
  DW_AT.rnglists_base,
];

const WANTED_TAGS = [
  DW_TAG.compile_unit,
  DW_TAG.partial_unit,
  DW_TAG.base_type,
  DW_TAG.pointer_type,
  DW_TAG.const_type,
  DW_TAG.volatile_type,
  DW_TAG.restrict_type,
  DW_TAG.atomic_type,
  DW_TAG.typedef,
  DW_TAG.structure_type,
  DW_TAG.union_type,
  DW_TAG.class_type,
  DW_TAG.enumeration_type,
  DW_TAG.enumerator,
  DW_TAG.member,
  DW_TAG.array_type,
  DW_TAG.subrange_type,
  DW_TAG.subroutine_type,
  DW_TAG.formal_parameter,
  DW_TAG.unspecified_parameters,
  DW_TAG.unspecified_type,
  DW_TAG.subprogram,
  DW_TAG.variable,
  DW_TAG.reference_type,
  DW_TAG.rvalue_reference_type,
  DW_TAG.ptr_to_member_type,
  DW_TAG.LLVM_annotation,
];

export function encoderSlotMap(): SlotMap {
  return new SlotMap(SLOT_ATTRS, WANTED_TAGS);
}

/** Decisions that span units (pahole's encoder-wide state), made by the caller. */
export interface EncodePolicy {
  /**
   * What to do with a function definition: encode it now, in this unit (pahole 1.24: the first
   * definition of a name wins), hand it back for a decision after every unit (`defer`:
   * consistent_func compares all definitions of a name), or leave it out.
   */
  acceptFunction(name: string, external: boolean): 'now' | 'defer' | 'skip';
  /**
   * For a top-level variable at `address`: its VAR name and DATASEC slot, or undefined to skip
   * it. `typeSize`: the byte size of its type (0 for an incomplete one such as `char x[]`).
   */
  acceptVariable(name: string, address: bigint, typeSize: () => number): VarSlot | undefined;
  /** Builder id of the array index type (an `int`), 0 until a unit with arrays found one. */
  indexType(): number;
  setIndexType(id: number): void;
}

export interface DeferredFunction {
  readonly name: string;
  readonly proto: Uint32Array;
  readonly tags: ReadonlyArray<readonly [number, number]>;
  /**
   * A parameter arrives in another register than the calling convention's (in this
   * definition or an out-of-line instance of it; see locations.ts). Only looked at when the
   * encoder was given argument registers.
   */
  readonly unexpectedRegister: boolean;
}

export interface UnitResult {
  /** The unit's FUNCs: name and builder id. */
  readonly functions: ReadonlyArray<{ name: string; id: number }>;
  /** Deferred definitions: FUNC_PROTO words with builder ids, and decl tags [value, component]. */
  readonly deferred: ReadonlyArray<DeferredFunction>;
  /** The unit's VARs (builder ids) with their DATASEC slot. */
  readonly variables: ReadonlyArray<{ id: number; slot: VarSlot }>;
}

const NO_PARENT = -1;
/** A unit left out (Rust) or with nothing encoded. */
export const EMPTY_RESULT: UnitResult = { functions: [], deferred: [], variables: [] };

/** One unit walked by a worker thread, finished by the main thread (structured-cloneable). */
export interface UnitDraft {
  readonly unit: UnitHeader;
  readonly words: Uint32Array;
  readonly recOff: Int32Array;
  readonly recLen: Int32Array;
  /**
   * (DIE offset − unit offset, local id + 1) pairs; with `denseDies`, the map itself (local id
   * + 1 at each DIE offset − unit offset, 0 for no record).
   */
  readonly dies: Int32Array;
  readonly denseDies?: boolean;
  /**
   * With `denseDies`, from the core: `dies` viewed again (a view of the core's memory detaches
   * when the memory grows; the map stays where it is). The encoder copies the map only when it
   * reads it, which a unit the core finishes does not need.
   */
  readonly diesAgain?: (() => Int32Array) | undefined;
  readonly aliasFrom: number[];
  readonly aliasTo: number[];
  readonly fns: FnInfo[];
  /** Declarations (no FUNC of their own): they lend a definition that names them its name and types. */
  readonly fnDecls: FnInfo[];
  readonly paramName: Int32Array;
  readonly paramType: Int32Array;
  readonly paramOrigin: Int32Array;
  readonly paramUnexpected: Uint8Array;
  /** The DIE offset of each parameter (its index in the param* arrays is its position here). */
  readonly paramDie: Int32Array;
  readonly vars: VarInfo[];
  readonly varDecl: Array<[number, { name: string; typeDie: number; external: boolean }]>;
  readonly declTags: number[];
  readonly varTags: Array<[number, number[]]>;
  readonly needIndex: boolean;
  readonly intLocal: number;
}

/** A top-level variable with an address, as the walk found it (resolved at unit end). */
export interface VarInfo {
  die: number;
  name: string;
  typeDie: number;
  address: bigint;
  external: boolean;
  specDie: number;
}

/** Per-unit function info gathered during the walk (resolved at unit end). */
export interface FnInfo {
  die: number;
  /**
   * The name: a .debug_str offset (decoded only for definitions that get as far as the
   * function policy; declarations repeat in every unit that calls them), or the string itself.
   */
  nameOffset: number;
  name: string | undefined;
  retDie: number;
  declaration: boolean;
  external: boolean;
  origin: number;
  paramStart: number;
  paramCount: number;
  varargs: boolean;
  /** btf_decl_tag annotations: [value string offset, component (-1 or parameter index)]. */
  tags: Array<[number, number]> | undefined;
}

/** A unit's records as finish() hands them to a UnitFinisher (after its own records are added). */
export interface UnitIdInput {
  /** Local records. */
  readonly n: number;
  readonly unitOffset: number;
  readonly span: number;
  /** Per record: the local FUNC_PROTO (or FUNC) its type word names, or -1. */
  readonly protoOf: Int32Array;
  readonly nextId: number;
  readonly globalIndex: number;
  readonly localIndex: number;
}

/**
 * What buildDeps, assignIds and appendNew compute, done elsewhere (walk-core.c): the ids of a
 * unit's records, and the new ones' words (references resolved) to append in order. It keeps
 * the closed records of every unit itself, so once used it is used for every unit of the
 * encoding. Undefined where it stopped (the JavaScript then gives the located error).
 */
export interface UnitFinisher {
  finish(words: Uint32Array, recOff: Int32Array, recLen: Int32Array, dieMap: () => Int32Array, unit: UnitIdInput): { readonly id: Int32Array; readonly words: Uint32Array; readonly lengths: Int32Array; readonly nextId: number } | undefined;
  /**
   * The unit walked last by the finisher's own walk (walk-core.c), finished without a draft:
   * what the policy decides on, resolved as finish() resolves it (see UnitEncoder.finishWalked).
   * Undefined when the encoder must finish the unit from its draft (nothing was decided yet).
   */
  walked?(unitOffset: number): WalkedCandidates | undefined;
  /**
   * The records finish() adds for these decisions, ids assigned: `decisions` holds per
   * candidate function WALKED_SKIP, WALKED_NOW or WALKED_DEFER, then per variable 1 (taken) or 0.
   * Undefined where the core stopped (an internal error: the policy has decided).
   */
  finishWalked?(unitOffset: number, decisions: Int32Array, nextId: number, globalIndex: number): WalkedOutcome | undefined;
}

/** UnitFinisher.finishWalked's decisions per candidate function. */
export const WALKED_SKIP = 0;
export const WALKED_NOW = 1;
export const WALKED_DEFER = 2;

/**
 * A walked unit's function definitions that are encodable (named, every parameter named) and
 * its variables with an address, in finish()'s order, for the policy.
 */
export interface WalkedCandidates {
  readonly functions: number;
  functionName(i: number): string;
  functionExternal(i: number): boolean;
  /** A parameter arrives in an unexpected register (DeferredFunction.unexpectedRegister). */
  functionUnexpectedRegister(i: number): boolean;
  readonly variables: number;
  /** The name (the declaration's where the definition has none). */
  variableName(i: number): string;
  variableAddress(i: number): bigint;
  /** Byte size of its (declared) type, as typeSize. */
  variableTypeSize(i: number): number;
}

/** What UnitFinisher.finishWalked gives back. The typed arrays are views of the core's memory, valid until it is used again. */
export interface WalkedOutcome {
  /** The new records, end to end, and their word counts (BtfBuilder.addRecords). */
  readonly words: Uint32Array;
  readonly lengths: Int32Array;
  /** Builder id after the new records. */
  readonly nextId: number;
  /** FUNC id of each function encoded now, VAR id of each variable taken, in order. */
  readonly functionIds: Int32Array;
  readonly variableIds: Int32Array;
  /** Per deferred function, in order: FUNC_PROTO words with builder ids (a copy), decl tags [value, component]. */
  readonly deferred: ReadonlyArray<{ readonly proto: Uint32Array; readonly tags: ReadonlyArray<readonly [number, number]> }>;
  /** The builder id of the unit's array index type when it has to be the index type from now on, else -1. */
  readonly indexType: number;
}

/** Where the walk interns names (a BtfBuilder, or a worker's own table). */
export interface StringSink {
  addString(s: string): number;
  /** The NUL-terminated string at `at` in `src`, without decoding it where possible. */
  addStringAt?(src: Uint8Array, at: number): number;
}

export class UnitEncoder {
  private W = new Uint32Array(1 << 16);
  private wlen = 0;
  /** Per local record: word offset and length in W. */
  private recOff = new Int32Array(1024);
  private recLen = new Int32Array(1024);
  /** Local records so far in this unit (recOff/recLen keep their capacity across units). */
  private nRec = 0;
  /** DIE offset - unit offset → local id + 1 (0: not a type, i.e. void). */
  private dieMap: Int32Array;
  /** The imported unit's DIE map, not copied into dieMap yet (UnitDraft.diesAgain; see dies()). */
  private pendingDies: (() => Int32Array) | undefined;
  private aliasFrom: number[] = [];
  private aliasTo: number[] = [];
  // Open records with children, by DIE depth.
  private openDie: number[] = [];
  /** Per open record: an array record saw a subrange (else it has no dimension at all). */
  private sawDimension: boolean[] = [];
  private openElemStart: number[] = [];
  private openDepth: number[] = [];
  private elem = new Float64Array(1 << 12);
  private elemTop = 0;
  private tagAt: number[] = [];
  // Functions and their parameters.
  private fns: FnInfo[] = [];
  private fnByDie = new Map<number, FnInfo>();
  /** Builder string offsets of parameter names (0: unnamed). */
  private paramName: number[] = [];
  private paramType: number[] = [];
  private paramOrigin: number[] = [];
  /** 1: the parameter arrives in an unexpected register (see locations.ts). */
  private paramUnexpected: number[] = [];
  private paramByDie = new Map<number, number>();
  private openFn: FnInfo | undefined;
  private openFnDepth = -1;
  /** Abstract parameters (DIE offsets) an out-of-line instance keeps in an unexpected register. */
  private unexpectedOrigins: number[] = [];
  private vars: VarInfo[] = [];
  /** btf_decl_tag annotations of types and members: value, annotated DIE, component. */
  private declTags: number[] = [];
  /** btf_decl_tag annotations of variables, by variable DIE. */
  private varTags = new Map<number, number[]>();
  /** DIE offset at each depth of the walk. */
  private dieAt: number[] = [];
  private varDecl = new Map<number, { name: string; typeDie: number; external: boolean }>();
  /** Closed records added so far (see assignIds), for every unit of this encoding. */
  private readonly closedTable = new RecordTable();
  /** .debug_str strings by content, and their builder offsets (see nameOff). */
  private readonly strContent = new ByteStringTable(0, false);
  /** strContent offset → builder string offset + 1 (0: not added yet); grown with strContent. */
  private canonicalToBuilder = new Int32Array(1024);
  /** Short inline names (see DieCursor.inlineStringKey) → builder string offset. */
  private readonly inlineCache = new Map<number, number>();
  /**
   * .debug_str offset → builder string offset + 1 (0: not interned yet); made by the first
   * walkUnit (an encoder that only imports drafts never reads it: 4 bytes per byte of
   * .debug_str, whose allocation alone cost a garbage collection).
   */
  private strCache = new Int32Array(0);
  /** The largest unit's span: walkUnit's dieMap is made this size at once (see the constructor). */
  private readonly largestSpan: number;
  /** The unit has arrays; intLocal: its `int` base type (local id), -1 when none. */
  private needIndex = false;
  private intLocal = -1;
  private unit!: UnitHeader;

  private readonly builderOrUndefined: BtfBuilder | undefined;
  private readonly policyOrUndefined: EncodePolicy | undefined;
  /** Assigns the ids in finish() instead of buildDeps/assignIds (walk-core.c), when set. */
  finisher: UnitFinisher | undefined;

  /**
   * `sink` interns the names the walk meets: the builder itself, or in a worker thread a
   * table of its own whose keys the main thread maps (see exportDraft/importDraft). Only an
   * encoder with a builder and a policy finishes units.
   */
  constructor(
    private readonly dwarf: DwarfInfo,
    private readonly cur: DieCursor,
    private readonly features: FeatureSet,
    private readonly sink: StringSink,
    out?: { readonly builder: BtfBuilder; readonly policy: EncodePolicy },
    /** DW_OP_regN of each argument register (locations.ts); empty: parameters' locations are not read. */
    private readonly argumentRegisters: readonly number[] = [],
  ) {
    // walkUnit sizes dieMap for the largest unit at once: growing it mid-walk would deoptimize
    // the walk. Imported drafts size it as they need it (mostly not at all: see dies()).
    let span = 0;
    for (const u of dwarf.units) span = Math.max(span, u.end - u.offset);
    this.largestSpan = span;
    this.dieMap = new Int32Array(0);
    this.builderOrUndefined = out?.builder;
    this.policyOrUndefined = out?.policy;
  }

  private get builder(): BtfBuilder {
    return this.builderOrUndefined ?? fail('invalid-argument', 'internal: this unit encoder only walks units');
  }

  private get policy(): EncodePolicy {
    return this.policyOrUndefined ?? fail('invalid-argument', 'internal: this unit encoder only walks units');
  }

  private bad(rule: string, offset: number): never {
    const file = this.dwarf.sections.file;
    return fail('bad-dwarf', rule, { section: '.debug_info', offset, ...(file !== undefined ? { file } : {}) });
  }

  /** Builder string offset of the DIE's name (cached by .debug_str offset). */
  private nameOff(): number {
    const cur = this.cur;
    if (!cur.has(S.name)) return 0;
    const key = cur.stringKey(S.name);
    if (key >= 0 && key < this.strCache.length) {
      const have = this.strCache[key]!;
      if (have !== 0) return have - 1;
      // A relocatable object linked with `ld -r` repeats each string per unit: the same name
      // at another offset is found by its bytes, without decoding it again.
      const canonical = this.strContent.intern(this.dwarf.sections.str, key);
      let toBuilder = this.canonicalToBuilder;
      if (canonical >= toBuilder.length) {
        const grown = new Int32Array(Math.max(toBuilder.length * 2, this.strContent.len));
        grown.set(toBuilder);
        this.canonicalToBuilder = toBuilder = grown;
      }
      let off = toBuilder[canonical]! - 1;
      if (off < 0) {
        off = this.sink.addStringAt ? this.sink.addStringAt(this.dwarf.sections.str, key) : this.sink.addString(cur.string(S.name));
        toBuilder[canonical] = off + 1;
      }
      this.strCache[key] = off + 1;
      return off;
    }
    const inlineKey = cur.inlineStringKey(S.name);
    if (inlineKey >= 0) {
      const have = this.inlineCache.get(inlineKey);
      if (have !== undefined) return have;
      const off = this.sink.addString(cur.string(S.name));
      this.inlineCache.set(inlineKey, off);
      return off;
    }
    return this.sink.addString(cur.string(S.name));
  }

  private typeRef(): number {
    const cur = this.cur;
    if (!cur.has(S.type)) return 0;
    if (cur.cls[S.type] !== ValueClass.Ref) this.bad('DW_AT_type is not a reference', cur.offset);
    return cur.lo[S.type]!;
  }

  private ensureW(n: number): void {
    if (this.wlen + n <= this.W.length) return;
    const next = new Uint32Array(Math.max(this.W.length * 2, this.wlen + n));
    next.set(this.W.subarray(0, this.wlen));
    this.W = next;
  }

  /** Room for `n` more element words (members are pushed four numbers at a time). */
  private elemRoom(n: number): Float64Array {
    if (this.elemTop + n > this.elem.length) {
      const next = new Float64Array(this.elem.length * 2 + n);
      next.set(this.elem.subarray(0, this.elemTop));
      this.elem = next;
    }
    return this.elem;
  }

  private pushElem2(a: number, b: number): void {
    const e = this.elemRoom(2);
    e[this.elemTop] = a;
    e[this.elemTop + 1] = b;
    this.elemTop += 2;
  }

  private pushElem4(a: number, b: number, c: number, d: number): void {
    const e = this.elemRoom(4);
    const t = this.elemTop;
    e[t] = a;
    e[t + 1] = b;
    e[t + 2] = c;
    e[t + 3] = d;
    this.elemTop = t + 4;
  }

  /** Reserve a local id for a DIE (the current one by default). */
  private newLocal(die = this.cur.offset): number {
    const local = this.addLocal();
    this.dieMap[die - this.unit.offset] = local + 1;
    return local;
  }

  /** Reserve a local id (no DIE: functions, variables, tags). */
  private addLocal(): number {
    const local = this.nRec;
    if (local === this.recOff.length) this.reserveLocals(local * 2);
    this.recOff[local] = -1;
    this.recLen[local] = 0;
    this.nRec = local + 1;
    return local;
  }

  private reserveLocals(n: number): void {
    if (n <= this.recOff.length) return;
    // At least doubled: an imported unit asks for its exact count, a bigger one next time.
    const cap = Math.max(n, this.recOff.length * 2);
    const off = new Int32Array(cap);
    const len = new Int32Array(cap);
    off.set(this.recOff.subarray(0, this.nRec));
    len.set(this.recLen.subarray(0, this.nRec));
    this.recOff = off;
    this.recLen = len;
  }

  private emit(local: number, words: ArrayLike<number>): void {
    this.ensureW(words.length);
    const off = this.wlen;
    for (let i = 0; i < words.length; i++) this.W[off + i] = words[i]! >>> 0;
    this.wlen += words.length;
    this.recOff[local] = off;
    this.recLen[local] = words.length;
  }

  /** emit() of a 3-word record, or a 4-word one when `w3` is given (no array per record). */
  private emitWords(local: number, w0: number, w1: number, w2: number, w3?: number): void {
    const n = w3 === undefined ? 3 : 4;
    this.ensureW(n);
    const W = this.W;
    const off = this.wlen;
    W[off] = w0;
    W[off + 1] = w1;
    W[off + 2] = w2;
    if (w3 !== undefined) W[off + 3] = w3;
    this.wlen = off + n;
    this.recOff[local] = off;
    this.recLen[local] = n;
  }

  private emitSimple(kind: number, name: number, sizeOrType: number, kflag = false): void {
    this.emitWords(this.newLocal(), name, makeInfo(kind, 0, kflag), sizeOrType);
  }

  /** Walk and finish one unit (the single-threaded path). */
  encodeUnit(unit: UnitHeader): UnitResult {
    return this.walkUnit(unit) ? this.finish() : EMPTY_RESULT;
  }

  /** Read one unit's DIEs into records. False for a unit left out (Rust). */
  walkUnit(unit: UnitHeader): boolean {
    this.unit = unit;
    const cur = this.cur;
    const span = unit.end - unit.offset;
    if (this.dieMap.length < span) this.dieMap = new Int32Array(Math.max(span, this.largestSpan));
    else this.dieMap.fill(0, 0, span);
    if (this.strCache.length < this.dwarf.sections.str.length) this.strCache = new Int32Array(this.dwarf.sections.str.length);
    this.pendingDies = undefined;
    this.wlen = 0;
    this.nRec = 0;
    this.aliasFrom = [];
    this.aliasTo = [];
    this.openDie = [];
    this.openElemStart = [];
    this.openDepth = [];
    // (A unit left out mid-walk leaves its records open: their flags must not reach the next.)
    this.sawDimension = [];
    this.elemTop = 0;
    this.fns = [];
    this.fnByDie.clear();
    this.paramName = [];
    this.paramType = [];
    this.paramOrigin = [];
    this.paramUnexpected = [];
    this.paramByDie.clear();
    this.openFn = undefined;
    this.openFnDepth = -1;
    this.unexpectedOrigins = [];
    this.vars = [];
    this.declTags = [];
    this.varTags.clear();
    this.varDecl.clear();
    this.needIndex = false;
    this.intLocal = -1;
    cur.start(unit);
    while (cur.next()) {
      const d = cur.depth;
      // Kernel builds leave Rust units out (pahole --lang_exclude=rust): their types are not C.
      if (d === 0 && cur.has(S.language) && cur.num(S.language) === DW_LANG_Rust) return false;
      while (this.openDepth.length > 0 && this.openDepth[this.openDepth.length - 1]! >= d) this.closeRecord();
      if (this.openFn && this.openFnDepth >= d) {
        this.openFn = undefined;
        this.openFnDepth = -1;
      }
      this.tagAt[d] = cur.tag;
      this.dieAt[d] = cur.offset;
      this.visit(d);
    }
    while (this.openDepth.length > 0) this.closeRecord();
    // pahole shares an out-of-line instance's register findings with its abstract parameters.
    for (const die of this.unexpectedOrigins) {
      const i = this.paramByDie.get(die);
      if (i !== undefined) this.paramUnexpected[i] = 1;
    }
    return true;
  }

  /**
   * What walkUnit produced, for the main thread (worker threads walk, the main thread
   * finishes units in order). Names are the walking encoder's sink keys; function names are
   * decoded here, where the DWARF strings are.
   */
  exportDraft(): UnitDraft {
    const span = this.unit.end - this.unit.offset;
    const dies: number[] = [];
    for (let rel = 0; rel < span; rel++) if (this.dieMap[rel] !== 0) dies.push(rel, this.dieMap[rel]!);
    const fnDecls: FnInfo[] = [];
    for (const fn of this.fnByDie.values()) if (fn.declaration) fnDecls.push(fn);
    // (A declaration's name is decoded where a definition borrows it, as in the walk's own finish.)
    for (const fn of this.fns) if (fn.name === undefined && fn.nameOffset >= 0) fn.name = this.dwarf.str(fn.nameOffset);
    return {
      unit: this.unit,
      words: this.W.slice(0, this.wlen),
      recOff: this.recOff.slice(0, this.nRec),
      recLen: this.recLen.slice(0, this.nRec),
      dies: Int32Array.from(dies),
      aliasFrom: this.aliasFrom,
      aliasTo: this.aliasTo,
      fns: this.fns,
      fnDecls,
      paramName: Int32Array.from(this.paramName),
      paramType: Int32Array.from(this.paramType),
      paramOrigin: Int32Array.from(this.paramOrigin),
      paramUnexpected: Uint8Array.from(this.paramUnexpected),
      paramDie: Int32Array.from(this.paramByDie.keys()),
      vars: this.vars,
      varDecl: [...this.varDecl],
      declTags: this.declTags,
      varTags: [...this.varTags],
      needIndex: this.needIndex,
      intLocal: this.intLocal,
    };
  }

  /**
   * Take over a draft walked elsewhere, its name keys mapped to builder strings by `name`
   * (none: they are builder strings already, as the WebAssembly walk makes them), so that
   * finish() can run here.
   */
  importDraft(d: UnitDraft, name?: (key: number) => number): void {
    this.unit = d.unit;
    const span = d.unit.end - d.unit.offset;
    // A map the core keeps is copied when read (dies()), into a dieMap made only then.
    this.pendingDies = d.denseDies ? d.diesAgain : undefined;
    if (!this.pendingDies) {
      if (this.dieMap.length < span) this.dieMap = new Int32Array(span);
      else if (!d.denseDies) this.dieMap.fill(0, 0, span);
    }
    if (!d.denseDies) for (let i = 0; i < d.dies.length; i += 2) this.dieMap[d.dies[i]!] = d.dies[i + 1]!;
    else if (!this.pendingDies) this.dieMap.set(d.dies.subarray(0, span));
    if (this.W.length < d.words.length) this.W = new Uint32Array(d.words.length * 2);
    this.W.set(d.words);
    this.wlen = d.words.length;
    this.nRec = 0;
    this.reserveLocals(d.recOff.length);
    this.recOff.set(d.recOff);
    this.recLen.set(d.recLen);
    this.nRec = d.recOff.length;
    const W = this.W;
    if (name) {
      const mapWord = (w: number): void => {
        W[w] = name(W[w]!);
      };
      for (let local = 0; local < this.nRec; local++) {
        const off = this.recOff[local]!;
        forEachStrOffWord(W, off, KIND_SHAPES[infoKind(W[off + 1]!)]!, mapWord, true);
      }
    }
    this.aliasFrom = d.aliasFrom;
    this.aliasTo = d.aliasTo;
    this.fns = d.fns;
    this.fnByDie.clear();
    for (const fn of this.fns) {
      this.fnByDie.set(fn.die, fn);
      if (fn.tags && name) for (const t of fn.tags) t[0] = name(t[0]);
    }
    // Declarations come after: in the walk, a definition's DIE is never a declaration's.
    for (const fn of d.fnDecls) this.fnByDie.set(fn.die, fn);
    this.paramName = name ? Array.from(d.paramName, name) : Array.from(d.paramName);
    this.paramType = Array.from(d.paramType);
    this.paramOrigin = Array.from(d.paramOrigin);
    this.paramUnexpected = Array.from(d.paramUnexpected);
    this.paramByDie.clear();
    for (let i = 0; i < d.paramDie.length; i++) this.paramByDie.set(d.paramDie[i]!, i);
    this.vars = d.vars;
    this.varDecl = new Map(d.varDecl);
    this.declTags = name ? d.declTags.map((v, i) => (i % 3 === 0 ? name(v) : v)) : d.declTags;
    this.varTags = new Map(name ? d.varTags.map(([die, tags]) => [die, tags.map(name)]) : d.varTags);
    this.needIndex = d.needIndex;
    this.intLocal = d.intLocal;
  }

  /** The unit's DIE map (local id + 1 by DIE offset − unit offset), the imported one copied in first. */
  private dies(): Int32Array {
    const pending = this.pendingDies;
    if (pending) {
      this.pendingDies = undefined;
      const span = this.unit.end - this.unit.offset;
      if (this.dieMap.length < span) this.dieMap = new Int32Array(span);
      this.dieMap.set(pending().subarray(0, span));
    }
    return this.dieMap;
  }

  /**
   * Finish the unit the finisher's core walked last without importing its draft: the core
   * resolves the functions and variables (UnitFinisher.walked), the policy decides on each in
   * finish()'s order, and the core adds finish()'s records and assigns their ids
   * (UnitFinisher.finishWalked), which go to the builder in one copy. The same result as
   * importDraft + finishUnit; undefined when the core gives the unit back before anything was
   * decided (the caller then imports the draft).
   */
  finishWalked(unit: UnitHeader): UnitResult | undefined {
    const finisher = this.finisher;
    const candidates = finisher?.finishWalked ? finisher.walked?.(unit.offset) : undefined;
    if (!finisher?.finishWalked || !candidates) return undefined;
    this.unit = unit;
    const policy = this.policy;
    const b = this.builder;
    const nf = candidates.functions;
    const decisions = new Int32Array(nf + candidates.variables);
    const now: string[] = [];
    const deferred: Array<{ name: string; unexpectedRegister: boolean }> = [];
    for (let i = 0; i < nf; i++) {
      const name = candidates.functionName(i);
      const decision = policy.acceptFunction(name, candidates.functionExternal(i));
      if (decision === 'now') {
        decisions[i] = WALKED_NOW;
        now.push(name);
      } else if (decision === 'defer') {
        decisions[i] = WALKED_DEFER;
        deferred.push({ name, unexpectedRegister: candidates.functionUnexpectedRegister(i) });
      }
    }
    const slots: VarSlot[] = [];
    for (let k = 0; k < candidates.variables; k++) {
      const name = candidates.variableName(k);
      const slot = policy.acceptVariable(name, candidates.variableAddress(k), () => candidates.variableTypeSize(k));
      if (!slot) continue;
      // The core names the VAR as the variable is named (the policy's slots are its symbols of that name).
      if (slot.name !== name) this.bad(`internal: variable ${name} taken as ${slot.name}`, unit.offset);
      decisions[nf + k] = 1;
      slots.push(slot);
    }
    const out = finisher.finishWalked(unit.offset, decisions, b.nextId, policy.indexType());
    if (!out) this.bad('internal: the core stopped finishing a unit it resolved', unit.offset);
    b.addRecords(out.words, out.lengths);
    if (b.nextId !== out.nextId) this.bad('internal: type id assignment out of step', unit.offset);
    if (out.indexType >= 0) policy.setIndexType(out.indexType);
    return {
      functions: now.map((name, i) => ({ name, id: out.functionIds[i]! })),
      deferred: deferred.map((f, i) => ({ name: f.name, proto: out.deferred[i]!.proto, tags: out.deferred[i]!.tags, unexpectedRegister: f.unexpectedRegister })),
      variables: slots.map((slot, i) => ({ id: out.variableIds[i]!, slot })),
    };
  }

  /** Finish the unit walked (or imported) last: see finish(). */
  finishUnit(): UnitResult {
    return this.finish();
  }

  private parentTag(d: number): number {
    return d > 0 ? (this.tagAt[d - 1] ?? NO_PARENT) : NO_PARENT;
  }

  /**
   * Start a record whose DIE has children. Its id is taken when it closes, after the types
   * nested in it (pahole adds a struct after the anonymous types declared inside it).
   */
  private openRecord(die: number, d: number, name: number, info: number, sizeOrType: number, elemType = -1): void {
    // Header words go to the element stack first; closeRecord writes header + elements. An
    // array's header is [name, info, 0, element type, index type, element count].
    this.openDie.push(die);
    this.openElemStart.push(this.elemTop);
    this.openDepth.push(d);
    const e = this.elemRoom(6);
    let top = this.elemTop;
    e[top++] = name;
    e[top++] = info;
    e[top++] = sizeOrType;
    if (elemType >= 0) {
      e[top++] = elemType;
      e[top++] = 0;
      e[top++] = 1;
    }
    this.elemTop = top;
    // Without children the record is complete now.
    if (!this.cur.hasChildren) this.closeRecord();
  }

  private visit(d: number): void {
    const cur = this.cur;
    switch (cur.tag) {
      case DW_TAG.base_type:
        return this.baseType();
      case DW_TAG.pointer_type:
        // Children are btf_type_tag annotations: the pointer then points at the last tag.
        if (cur.hasChildren) return this.openRecord(cur.offset, d, 0, makeInfo(Kind.PTR, 0, false), this.typeRef());
        return this.emitSimple(Kind.PTR, 0, this.typeRef());
      case DW_TAG.LLVM_annotation:
        return this.annotation(d);
      case DW_TAG.const_type:
        return this.emitSimple(Kind.CONST, 0, this.typeRef());
      case DW_TAG.volatile_type:
        return this.emitSimple(Kind.VOLATILE, 0, this.typeRef());
      case DW_TAG.restrict_type:
        return this.emitSimple(Kind.RESTRICT, 0, this.typeRef());
      case DW_TAG.typedef:
        return this.emitSimple(Kind.TYPEDEF, this.nameOff(), this.typeRef());
      case DW_TAG.atomic_type:
        // No BTF kind: users see the qualified type itself.
        this.aliasFrom.push(cur.offset);
        this.aliasTo.push(this.typeRef());
        return;
      case DW_TAG.structure_type:
      case DW_TAG.class_type:
      case DW_TAG.union_type:
        return this.aggregate(d);
      case DW_TAG.enumeration_type:
        return this.enumeration(d);
      case DW_TAG.array_type: {
        this.needIndex = true;
        this.openRecord(cur.offset, d, 0, makeInfo(Kind.ARRAY, 0, false), 0, this.typeRef());
        return;
      }
      case DW_TAG.subroutine_type: {
        this.openRecord(cur.offset, d, 0, makeInfo(Kind.FUNC_PROTO, 0, false), this.typeRef());
        return;
      }
      case DW_TAG.member:
        return this.member(d);
      case DW_TAG.enumerator:
        return this.enumerator(d);
      case DW_TAG.subrange_type:
        return this.subrange(d);
      case DW_TAG.formal_parameter:
      case DW_TAG.unspecified_parameters:
        return this.parameter(d);
      case DW_TAG.subprogram:
        return this.subprogram(d);
      case DW_TAG.variable:
        return this.variable(d);
      default:
        // unspecified_type and C++-only kinds stay void.
        return;
    }
  }

  /**
   * clang's DW_TAG_LLVM_annotation: `btf_type_tag` under a pointer becomes a TYPE_TAG between
   * the pointer and its target (in source order, the pointer pointing at the last), and
   * `btf_decl_tag` a DECL_TAG on the annotated type, member (component = its index), function,
   * parameter or variable.
   */
  private annotation(d: number): void {
    const cur = this.cur;
    const kind = cur.string(S.name);
    const parentTag = this.parentTag(d);
    if (kind === 'btf_type_tag') {
      if (!this.features.has('type_tag') || parentTag !== DW_TAG.pointer_type) return;
      const p = this.openParent(d, Kind.PTR);
      if (p < 0) return;
      const start = this.openElemStart[p]!;
      // Points at the previous tag, or for the first one at the pointer's target.
      const inner = this.elemTop > start + 3 ? this.elem[this.elemTop - 1]! : this.elem[start + 2]!;
      this.emitWords(this.newLocal(), this.constValueOff(), makeInfo(Kind.TYPE_TAG, 0, false), inner);
      const e = this.elemRoom(1);
      e[this.elemTop++] = cur.offset;
      return;
    }
    if (kind !== 'btf_decl_tag' || !this.features.has('decl_tag')) return;
    const value = this.constValueOff();
    const parentDie = this.dieAt[d - 1]!;
    switch (parentTag) {
      case DW_TAG.member: {
        const p = this.openParent(d - 1, Kind.STRUCT, Kind.UNION);
        if (p < 0) return;
        const index = (this.elemTop - this.openElemStart[p]! - 3) / 4 - 1;
        this.declTags.push(value, this.dieAt[d - 2]!, index);
        return;
      }
      case DW_TAG.structure_type:
      case DW_TAG.union_type:
      case DW_TAG.class_type:
      case DW_TAG.typedef:
      case DW_TAG.enumeration_type:
        this.declTags.push(value, parentDie, -1);
        return;
      case DW_TAG.subprogram:
        if (this.openFn && this.openFnDepth === d - 1) (this.openFn.tags ??= []).push([value, -1]);
        return;
      case DW_TAG.formal_parameter:
        if (this.openFn && this.openFnDepth === d - 2) (this.openFn.tags ??= []).push([value, this.openFn.paramCount - 1]);
        return;
      case DW_TAG.variable: {
        const list = this.varTags.get(parentDie) ?? [];
        list.push(value);
        this.varTags.set(parentDie, list);
        return;
      }
      default:
        return;
    }
  }

  /** Builder string offset of a string DW_AT_const_value (annotation values). */
  private constValueOff(): number {
    const cur = this.cur;
    const cls = cur.cls[S.constValue];
    if (!cur.has(S.constValue) || (cls !== ValueClass.Strp && cls !== ValueClass.Strx && cls !== ValueClass.Inline && cls !== ValueClass.LineStr)) this.bad('annotation without a string value', cur.offset);
    return this.sink.addString(cur.string(S.constValue));
  }

  private baseType(): void {
    const cur = this.cur;
    const enc = cur.has(S.encoding) ? cur.num(S.encoding) : 0;
    const bits = cur.has(S.bitSize) ? cur.num(S.bitSize) : cur.has(S.byteSize) ? cur.num(S.byteSize) * 8 : 0;
    let size = Math.ceil(bits / 8);
    const isFloat = enc === DW_ATE.float || enc === DW_ATE.complex_float;
    if (isFloat && this.features.has('float')) {
      this.emitSimple(Kind.FLOAT, this.nameOff(), size);
      return;
    }
    let name = this.nameOff();
    if (size === 0 || (size & (size - 1)) !== 0 || size > 16) {
      name = this.sink.addString('__SANITIZED_FAKE_INT__');
      size = 4;
    }
    const encoding = enc === DW_ATE.boolean ? 4 : enc === DW_ATE.signed || enc === DW_ATE.signed_char ? 1 : 0;
    const local = this.newLocal();
    // pahole indexes arrays with the unit's `int`.
    if (this.intLocal < 0 && size === 4 && cur.string(S.name) === 'int') this.intLocal = local;
    this.emitWords(local, name, makeInfo(Kind.INT, 0, false), size, (encoding << 24) | (size * 8));
  }

  private aggregate(d: number): void {
    const cur = this.cur;
    const isUnion = cur.tag === DW_TAG.union_type;
    const name = this.nameOff();
    if (cur.has(S.declaration)) {
      this.emitWords(this.newLocal(), name, makeInfo(Kind.FWD, 0, isUnion), 0);
      return;
    }
    const size = cur.has(S.byteSize) ? cur.num(S.byteSize) : 0;
    this.openRecord(cur.offset, d, name, makeInfo(isUnion ? Kind.UNION : Kind.STRUCT, 0, false), size);
  }

  private enumeration(d: number): void {
    const cur = this.cur;
    const size = cur.has(S.byteSize) ? cur.num(S.byteSize) : 4;
    const kind = size > 4 && this.features.has('enum64') ? Kind.ENUM64 : Kind.ENUM;
    this.openRecord(cur.offset, d, this.nameOff(), makeInfo(kind, 0, false), size);
  }

  /** The open record whose DIE is the parent of a DIE at depth d, if any. */
  private openParent(d: number, kind: number, orKind = kind): number {
    const n = this.openDepth.length;
    if (n === 0 || this.openDepth[n - 1] !== d - 1) return -1;
    // Only children that belong to the parent's kind (a member of a struct, not of an enum).
    const k = infoKind(this.elem[this.openElemStart[n - 1]! + 1]!);
    return k === kind || k === orKind ? n - 1 : -1;
  }

  private member(d: number): void {
    const p = this.openParent(d, Kind.STRUCT, Kind.UNION);
    if (p < 0) return;
    const cur = this.cur;
    let bitOff = 0;
    const bitSize = cur.has(S.bitSize) ? cur.num(S.bitSize) : 0;
    if (cur.has(S.dataBitOffset)) bitOff = cur.num(S.dataBitOffset);
    else {
      if (cur.has(S.memberLocation)) bitOff = this.memberLocation() * 8;
      if (cur.has(S.bitOffset) && bitSize > 0) {
        const storage = cur.has(S.byteSize) ? cur.num(S.byteSize) * 8 : 0;
        const old = cur.num(S.bitOffset);
        bitOff += this.dwarf.sections.littleEndian ? storage - old - bitSize : old;
      }
    }
    this.pushElem4(this.nameOff(), this.typeRef(), bitOff, bitSize);
  }

  private memberLocation(): number {
    const cur = this.cur;
    const cls = cur.cls[S.memberLocation];
    if (cls !== ValueClass.Block) return cur.num(S.memberLocation);
    // DWARF 2 style: DW_OP_plus_uconst N (or DW_OP_constu N).
    const b = cur.block(S.memberLocation);
    if (b.length >= 2 && (b[0] === 0x23 || b[0] === 0x10)) {
      let v = 0;
      let mul = 1;
      for (let i = 1; i < b.length; i++) {
        v += (b[i]! & 0x7f) * mul;
        if (b[i]! < 0x80) break;
        mul *= 128;
      }
      return v;
    }
    this.bad('member location expression is not a constant offset', cur.offset);
  }

  private enumerator(d: number): void {
    const p = this.openParent(d, Kind.ENUM, Kind.ENUM64);
    if (p < 0) return;
    const cur = this.cur;
    const name = this.nameOff();
    let lo = 0;
    let hi = 0;
    let negative = false;
    if (cur.has(S.constValue)) {
      lo = cur.lo[S.constValue]!;
      hi = cur.hi[S.constValue]!;
      negative = cur.cls[S.constValue] === ValueClass.Signed && hi >= 0x80000000;
    }
    this.pushElem4(name, lo, hi, negative ? 1 : 0);
  }

  private subrange(d: number): void {
    const p = this.openParent(d, Kind.ARRAY);
    if (p < 0) return;
    const cur = this.cur;
    let n = 0;
    if (cur.has(S.count)) n = cur.cls[S.count] === ValueClass.Signed && cur.hi[S.count]! >= 0x80000000 ? 0 : cur.num(S.count);
    else if (cur.has(S.upperBound)) {
      const cls = cur.cls[S.upperBound];
      if (cls === ValueClass.Unsigned || cls === ValueClass.Signed) {
        const ub = cur.big(S.upperBound, cls === ValueClass.Signed);
        // A bound of -1 (or all ones) is a zero-length array.
        n = ub < 0n || ub >= 0xffffffffn ? 0 : Number(ub) + 1;
      }
    }
    const start = this.openElemStart[p]!;
    // The array header is [name, info, 0, elem, index, nelems]: multiply the dimensions.
    this.elem[start + 5] = this.elem[start + 5]! * n;
    this.sawDimension[p] = true;
  }

  private parameter(d: number): void {
    const cur = this.cur;
    const p = this.openParent(d, Kind.FUNC_PROTO);
    if (p >= 0) {
      // Parameter of a subroutine type.
      const varargs = cur.tag === DW_TAG.unspecified_parameters;
      this.pushElem2(varargs ? 0 : this.nameOff(), varargs ? 0 : this.typeRef());
      return;
    }
    const fn = this.openFn;
    if (!fn || this.openFnDepth !== d - 1) return;
    if (cur.tag === DW_TAG.unspecified_parameters) {
      fn.varargs = true;
      return;
    }
    const i = this.paramType.length;
    this.paramByDie.set(cur.offset, i);
    this.paramName.push(this.nameOff());
    this.paramType.push(cur.has(S.type) ? this.typeRef() : -1);
    this.paramOrigin.push(cur.has(S.abstractOrigin) ? cur.lo[S.abstractOrigin]! : 0);
    const unexpected = this.unexpectedRegister(fn.paramCount);
    this.paramUnexpected.push(unexpected ? 1 : 0);
    // pahole shares an out-of-line instance's register findings with its abstract parameters.
    if (unexpected && cur.has(S.abstractOrigin)) this.unexpectedOrigins.push(cur.lo[S.abstractOrigin]!);
    fn.paramCount++;
  }

  /** Byte size of the type at DIE `die` of this unit, as pahole's tag__size (0: void or incomplete). */
  private typeSize(die: number): number {
    let count = 1;
    const span = this.unit.end - this.unit.offset;
    for (let hops = 0; die > 0 && hops < 64; hops++) {
      const rel = die - this.unit.offset;
      if (rel <= 0 || rel >= span) return 0;
      const local = this.dies()[rel]! - 1;
      if (local < 0) {
        // An alias (atomic): the type it stands for.
        const i = this.aliasFrom.indexOf(die);
        if (i < 0) return 0;
        die = this.aliasTo[i]!;
        continue;
      }
      const w = this.W;
      const off = this.recOff[local]!;
      if (off < 0) return 0;
      switch (infoKind(w[off + 1]!)) {
        case Kind.PTR:
          return count * this.unit.addressSize;
        case Kind.ARRAY:
          count *= w[off + 5]!;
          die = w[off + 3]!;
          continue;
        case Kind.TYPEDEF:
        case Kind.CONST:
        case Kind.VOLATILE:
        case Kind.RESTRICT:
        case Kind.TYPE_TAG:
          die = w[off + 2]!;
          continue;
        case Kind.INT:
        case Kind.FLOAT:
        case Kind.STRUCT:
        case Kind.UNION:
        case Kind.ENUM:
        case Kind.ENUM64:
          return count * w[off + 2]!;
        default:
          return 0;
      }
    }
    return 0;
  }

  /** Parameter `index` (the current DIE) is located in another register than its argument register. */
  private unexpectedRegister(index: number): boolean {
    const expected = this.argumentRegisters[index];
    if (expected === undefined || !this.cur.has(S.location)) return false;
    const reg = parameterRegister(this.cur, S.location, expected);
    return reg >= 0 && reg !== expected;
  }

  private subprogram(d: number): void {
    const cur = this.cur;
    // A concrete out-of-line instance (abstract_origin) repeats its abstract instance, which is
    // the one pahole 1.24 encodes. Where parameters' locations are read (consistent_func), it
    // is a definition of its own, as in pahole ≥ 1.25: its parameters in the order the
    // compiler left them (a reordered clone is then an inconsistent prototype) and in the
    // registers they arrive in.
    const instance = cur.has(S.abstractOrigin);
    if (instance && this.argumentRegisters.length === 0) return;
    const fn: FnInfo = {
      die: cur.offset,
      nameOffset: cur.has(S.name) ? cur.stringKey(S.name) : -1,
      name: cur.has(S.name) && cur.stringKey(S.name) < 0 ? cur.string(S.name) : undefined,
      retDie: cur.has(S.type) ? this.typeRef() : -1,
      declaration: cur.has(S.declaration),
      external: cur.has(S.external),
      origin: instance ? cur.lo[S.abstractOrigin]! : cur.has(S.specification) ? cur.lo[S.specification]! : 0,
      paramStart: this.paramType.length,
      paramCount: 0,
      varargs: false,
      tags: undefined,
    };
    this.fnByDie.set(fn.die, fn);
    // A declaration only lends its name and type to a definition that names it (specification).
    if (fn.declaration) return;
    this.fns.push(fn);
    if (cur.hasChildren) {
      this.openFn = fn;
      this.openFnDepth = d;
    }
  }

  private variable(d: number): void {
    const cur = this.cur;
    if (this.parentTag(d) !== DW_TAG.compile_unit && this.parentTag(d) !== DW_TAG.partial_unit) return;
    if (cur.has(S.artificial)) return;
    const name = cur.has(S.name) ? cur.string(S.name) : '';
    if (cur.has(S.declaration)) {
      this.varDecl.set(cur.offset, { name, typeDie: this.typeRef(), external: cur.has(S.external) });
      return;
    }
    if (!cur.has(S.location) || cur.cls[S.location] !== ValueClass.Block) return;
    const expr = cur.block(S.location);
    let address: bigint;
    const size = this.unit.addressSize;
    if (expr[0] === DW_OP.addr && expr.length === 1 + size) {
      let v = 0n;
      for (let i = 0; i < size; i++) {
        const byte = BigInt(expr[this.dwarf.sections.littleEndian ? 1 + i : size - i]!);
        v |= byte << BigInt(8 * i);
      }
      address = v;
    } else if (expr[0] === DW_OP.addrx) {
      let idx = 0;
      let mul = 1;
      for (let i = 1; i < expr.length; i++) {
        idx += (expr[i]! & 0x7f) * mul;
        if (expr[i]! < 0x80) break;
        mul *= 128;
      }
      address = cur.addrx(idx);
    } else return;
    this.vars.push({
      die: cur.offset,
      name,
      typeDie: cur.has(S.type) ? this.typeRef() : -1,
      address,
      external: cur.has(S.external),
      specDie: cur.has(S.specification) ? cur.lo[S.specification]! : 0,
    });
  }

  private closeRecord(): void {
    const p = this.openDie.length - 1;
    const local = this.newLocal(this.openDie.pop()!);
    const start = this.openElemStart.pop()!;
    this.openDepth.pop();
    const e = this.elem;
    const info = e[start + 1]!;
    const kind = infoKind(info);
    const nElems = this.elemTop - start - 3;
    // Records are written straight into W (no intermediate array).
    this.ensureW(6 + nElems);
    const W = this.W;
    const off = this.wlen;
    let len: number;
    if (kind === Kind.PTR) {
      // Elements are the DIE offsets of its type tags, innermost first.
      W[off] = 0;
      W[off + 1] = info;
      W[off + 2] = nElems > 0 ? e[this.elemTop - 1]! : e[start + 2]!;
      len = 3;
    } else if (kind === Kind.ARRAY) {
      // No subrange at all: an array of unknown size.
      const dims = this.sawDimension[p] === true;
      this.sawDimension[p] = false;
      W[off] = 0;
      W[off + 1] = info;
      W[off + 2] = 0;
      W[off + 3] = e[start + 3]!;
      W[off + 4] = 0;
      W[off + 5] = dims ? e[start + 5]! : 0;
      len = 6;
    } else if (isComposite(kind)) {
      const n = nElems / 4;
      let kflag = false;
      for (let at = start + 3; at < this.elemTop; at += 4) if (e[at + 3]! !== 0 || e[at + 2]! % 8 !== 0) kflag = true;
      W[off] = e[start]!;
      W[off + 1] = makeInfo(kind, n, kflag);
      W[off + 2] = e[start + 2]!;
      let w = off + 3;
      for (let at = start + 3; at < this.elemTop; at += 4, w += 3) {
        W[w] = e[at]!;
        W[w + 1] = e[at + 1]!;
        W[w + 2] = kflag ? e[at + 3]! * 0x1000000 + e[at + 2]! : e[at + 2]!;
      }
      len = w - off;
    } else if (isAnyEnum(kind)) {
      const n = nElems / 4;
      let signed = false;
      for (let at = start + 3; at < this.elemTop; at += 4) if (e[at + 3] === 1) signed = true;
      W[off] = e[start]!;
      W[off + 1] = makeInfo(kind, n, signed);
      W[off + 2] = e[start + 2]!;
      let w = off + 3;
      for (let at = start + 3; at < this.elemTop; at += 4) {
        W[w++] = e[at]!;
        W[w++] = e[at + 1]!;
        if (kind === Kind.ENUM64) W[w++] = e[at + 2]!;
      }
      len = w - off;
    } else {
      // FUNC_PROTO: return type then (name, type) pairs.
      W[off] = 0;
      W[off + 1] = makeInfo(kind, nElems / 2, false);
      W[off + 2] = e[start + 2]!;
      for (let i = 0; i < nElems; i++) W[off + 3 + i] = e[start + 3 + i]!;
      len = 3 + nElems;
    }
    this.elemTop = start;
    this.wlen += len;
    this.recOff[local] = off;
    this.recLen[local] = len;
  }

  /**
   * Resolve DIE references and append the unit's records to the builder in pahole's order: the
   * types in DIE order, the array index type when the unit has no `int`, then each encoded
   * function's FUNC_PROTO followed by its FUNC, then the unit's accepted variables.
   */
  private finish(): UnitResult {
    const b = this.builder;
    const unitOff = this.unit.offset;
    const span = this.unit.end - unitOff;
    const local0 = (): number => this.addLocal();
    // Decl tags of types and members come after the unit's types.
    for (let i = 0; i < this.declTags.length; i += 3) {
      this.emit(local0(), [this.declTags[i]!, makeInfo(Kind.DECL_TAG, 0, false), this.declTags[i + 1]!, this.declTags[i + 2]! >>> 0]);
    }
    let indexLocal = -1;
    if (this.needIndex && this.policy.indexType() === 0 && this.intLocal < 0) {
      indexLocal = local0();
      this.emit(indexLocal, [b.addString('__ARRAY_SIZE_TYPE__'), makeInfo(Kind.INT, 0, false), 4, 32]);
    }
    /**
     * Records whose one type word names another record of this unit rather than a DIE (a FUNC
     * its FUNC_PROTO, a DECL_TAG its FUNC or VAR): [record, referenced record], local ids.
     */
    const funcProto: Array<[number, number]> = [];
    const funcLocals: Array<{ name: string; local: number }> = [];
    const deferredFns: Array<{ name: string; words: number[]; tags: ReadonlyArray<[number, number]>; unexpectedRegister: boolean }> = [];
    for (const fn of this.fns) {
      const resolved = this.resolveFunction(fn);
      if (!resolved) continue;
      if (resolved.decision === 'defer') {
        deferredFns.push(resolved);
        continue;
      }
      const proto = local0();
      this.emit(proto, resolved.words);
      const func = local0();
      this.emit(func, [b.addString(resolved.name), makeInfo(Kind.FUNC, 0, false), 0]);
      funcProto.push([func, proto]);
      for (const [value, component] of resolved.tags) {
        const tag = local0();
        this.emit(tag, [value, makeInfo(Kind.DECL_TAG, 0, false), 0, component >>> 0]);
        funcProto.push([tag, func]);
      }
      funcLocals.push({ name: resolved.name, local: func });
    }
    const varLocals: Array<{ local: number; slot: VarSlot }> = [];
    for (const v of this.vars) {
      let name = v.name;
      let typeDie = v.typeDie;
      let external = v.external;
      if (v.specDie !== 0) {
        const decl = this.varDecl.get(v.specDie);
        if (decl) {
          if (name === '') name = decl.name;
          // pahole encodes the declaration's type (DW_AT_specification): `extern char x[]`
          // even where the definition says `char x[2048]`.
          if (decl.typeDie > 0 || typeDie < 0) typeDie = decl.typeDie;
          external = external || decl.external;
        }
      }
      const slot = this.policy.acceptVariable(name, v.address, () => this.typeSize(typeDie));
      if (!slot) continue;
      const local = local0();
      this.emit(local, [b.addString(slot.name), makeInfo(Kind.VAR, 0, false), Math.max(typeDie, 0), external ? 1 : 0]);
      varLocals.push({ local, slot });
      for (const value of this.varTags.get(v.die) ?? []) {
        const tag = local0();
        this.emit(tag, [value, makeInfo(Kind.DECL_TAG, 0, false), 0, -1 >>> 0]);
        funcProto.push([tag, local]);
      }
    }
    // Aliases (atomic): point at their target's id (chains resolved by repetition).
    const dieMap = this.aliasFrom.length > 0 ? this.dies() : this.dieMap;
    for (let round = 0; round < 8 && this.aliasFrom.length > 0; round++) {
      for (let i = 0; i < this.aliasFrom.length; i++) {
        const to = this.aliasTo[i]!;
        const rel = to - unitOff;
        if (to !== 0 && rel > 0 && rel < span) dieMap[this.aliasFrom[i]! - unitOff] = dieMap[rel]!;
      }
    }
    /** Local id a type word refers to, -1 for void. */
    const target = (die: number): number => {
      if (die === 0) return -1;
      const rel = die - unitOff;
      if (rel <= 0 || rel >= span) this.bad(`type reference 0x${die.toString(16)} leaves its unit (cross-unit references are not supported)`, die);
      return this.dies()[rel]! - 1;
    };
    const n = this.nRec;
    const protoOf = new Int32Array(n).fill(-1);
    for (const [func, proto] of funcProto) protoOf[func] = proto;
    const globalIndex = this.policy.indexType();
    const localIndex = this.needIndex && globalIndex === 0 ? (indexLocal >= 0 ? indexLocal : this.intLocal) : -1;
    const unitIds = { n, unitOffset: unitOff, span, protoOf, nextId: b.nextId, globalIndex, localIndex };
    const finished = this.finisher?.finish(this.W.subarray(0, this.wlen), this.recOff, this.recLen, () => this.dies(), unitIds);
    let id: Int32Array;
    if (finished) {
      id = finished.id;
      b.addRecords(finished.words, finished.lengths);
      if (b.nextId !== finished.nextId) this.bad('internal: type id assignment out of step', unitOff);
    } else {
      const depStart = this.buildDeps(n, protoOf, localIndex, target);
      const ids = this.assignIds(n, depStart, this.deps, protoOf, globalIndex, localIndex, target);
      this.appendNew(n, ids, protoOf, globalIndex, localIndex, target);
      id = ids.id;
    }
    if (localIndex >= 0) this.policy.setIndexType(id[localIndex]!);
    const deferred = deferredFns.map((f) => {
      const proto = Uint32Array.from(f.words);
      forEachTypeIdWord(proto, 0, KIND_SHAPES[Kind.FUNC_PROTO]!, (w) => {
        const t = target(proto[w]!);
        proto[w] = t < 0 ? 0 : id[t]!;
      });
      return { name: f.name, proto, tags: f.tags, unexpectedRegister: f.unexpectedRegister };
    });
    return { deferred, functions: funcLocals.map((f) => ({ name: f.name, id: id[f.local]! })), variables: varLocals.map((v) => ({ id: id[v.local]!, slot: v.slot })) };
  }

  /**
   * Dependencies of every record, as local ids, in this.deps (CSR: returns where each record's
   * start). Each pass of finish() is a method of one loop: V8 optimizes each whole (a loop
   * optimized while it runs leaves the code after it without type feedback, to run slowly).
   */
  private buildDeps(n: number, protoOf: Int32Array, localIndex: number, target: (die: number) => number): Int32Array {
    const W = this.W;
    const depStart = new Int32Array(n + 1);
    // Upper bound: every word of every record a reference, plus an index type per record.
    if (this.deps.length < this.wlen + n) this.deps = new Int32Array((this.wlen + n) * 2);
    const deps = this.deps;
    let nDeps = 0;
    this.depSink = (w: number): void => {
      const t = target(W[w]!);
      if (t >= 0) deps[nDeps++] = t;
    };
    for (let local = 0; local < n; local++) {
      depStart[local] = nDeps;
      const off = this.recOff[local]!;
      const kind = infoKind(W[off + 1]!);
      const proto = protoOf[local]!;
      if (proto >= 0) deps[nDeps++] = proto;
      else {
        forEachTypeIdWord(W, off, KIND_SHAPES[kind]!, this.depSink);
        if (kind === Kind.ARRAY && localIndex >= 0) deps[nDeps++] = localIndex;
      }
    }
    depStart[n] = nDeps;
    return depStart;
  }
  private depSink: (w: number) => void = () => {};

  /** Append the unit's new records in local order, references resolved. */
  private appendNew(n: number, ids: { id: Int32Array; isNew: Uint8Array; closed: Uint8Array }, protoOf: Int32Array, globalIndex: number, localIndex: number, target: (die: number) => number): void {
    const b = this.builder;
    for (let local = 0; local < n; local++) {
      if (!ids.isNew[local]) continue;
      const id = ids.id[local]!;
      const len = this.canonicalWords(local, ids.id, protoOf, globalIndex, localIndex, target);
      const added = b.addRecord(this.scratchView(len));
      if (added !== id) this.bad('internal: type id assignment out of step', this.recOff[local]!);
      if (ids.closed[local]) this.closedTable.insert(this.scratch, len, id);
    }
  }

  /**
   * Ids for the unit's records. A record whose whole reference graph is acyclic and local
   * ("closed": base types, enums, pointers and typedefs to them, arrays, prototypes of such)
   * takes the id of an identical record of an earlier unit when there is one: the dedup that
   * follows would fold it into that earlier record anyway (the first occurrence is canonical),
   * and header types repeat in every unit, so this halves the dedup's input. Every other
   * record gets the next id, in local order, so the order pahole produces is kept.
   */
  private assignIds(
    n: number,
    depStart: Int32Array,
    deps: Int32Array,
    protoOf: Int32Array,
    globalIndex: number,
    localIndex: number,
    target: (die: number) => number,
  ): { id: Int32Array; isNew: Uint8Array; closed: Uint8Array } {
    const state = new Uint8Array(n);
    const post = new Int32Array(n);
    const nPost = this.closedOrder(n, depStart, deps, state, post);
    const found = this.findClosed(post, nPost, depStart, deps, protoOf, globalIndex, localIndex, target);
    const id = new Int32Array(n);
    const isNew = new Uint8Array(n);
    const closed = new Uint8Array(n);
    let nextId = this.builder.nextId;
    for (let local = 0; local < n; local++) {
      closed[local] = state[local] === 2 ? 1 : 0;
      if (found[local] !== 0) id[local] = found[local]!;
      else {
        id[local] = nextId++;
        isNew[local] = 1;
      }
    }
    return { id, isNew, closed };
  }

  /**
   * Which records are closed (state 2; see assignIds), by an iterative DFS; the closed ones in
   * dependency order in `post`. Returns how many there are.
   */
  private closedOrder(n: number, depStart: Int32Array, deps: Int32Array, state: Uint8Array, post: Int32Array): number {
    const W = this.W;
    // 0 unvisited, 1 on the DFS stack, 4 on the stack and known open, 2 closed, 3 open
    // (reaches a cycle, or is a FUNC/VAR, which always stay).
    if (this.dfsStack.length < n) {
      this.dfsStack = new Int32Array(n * 2);
      this.dfsNext = new Int32Array(n * 2);
    }
    const stack = this.dfsStack;
    const next = this.dfsNext;
    let nPost = 0;
    for (let root = 0; root < n; root++) {
      if (state[root] !== 0) continue;
      let top = 0;
      stack[0] = root;
      next[0] = depStart[root]!;
      state[root] = 1;
      while (top >= 0) {
        const node = stack[top]!;
        const i = next[top]!;
        if (i < depStart[node + 1]!) {
          next[top] = i + 1;
          const child = deps[i]!;
          const st = state[child]!;
          if (st === 0) {
            state[child] = 1;
            top++;
            stack[top] = child;
            next[top] = depStart[child]!;
          } else if (st === 1 || st === 3 || st === 4) state[node] = 4; // reaches a cycle or an open record
          continue;
        }
        top--;
        const kind = infoKind(W[this.recOff[node]! + 1]!);
        let open = state[node] === 4 || kind === Kind.FUNC || kind === Kind.VAR;
        if (!open) for (let j = depStart[node]!; j < depStart[node + 1]!; j++) if (state[deps[j]!] !== 2) open = true;
        state[node] = open ? 3 : 2;
        if (!open) post[nPost++] = node;
      }
    }
    return nPost;
  }

  /** Closed records in dependency order, each looked up with its dependencies' found ids (0: none). */
  private findClosed(post: Int32Array, nPost: number, depStart: Int32Array, deps: Int32Array, protoOf: Int32Array, globalIndex: number, localIndex: number, target: (die: number) => number): Int32Array {
    const found = new Int32Array(protoOf.length);
    for (let k = 0; k < nPost; k++) {
      const local = post[k]!;
      let ok = true;
      for (let j = depStart[local]!; j < depStart[local + 1]!; j++) if (found[deps[j]!] === 0) ok = false;
      if (!ok) continue;
      const len = this.canonicalWords(local, found, protoOf, globalIndex, localIndex, target);
      found[local] = this.closedTable.find(this.scratch, len);
    }
    return found;
  }

  /**
   * The record's words with type references replaced by the ids in `ids` (local → global), in
   * this.scratch (reused by the next call); returns their count.
   */
  private canonicalWords(local: number, ids: Int32Array, protoOf: Int32Array, globalIndex: number, localIndex: number, target: (die: number) => number): number {
    const off = this.recOff[local]!;
    const len = this.recLen[local]!;
    if (this.scratch.length < len) {
      this.scratch = new Uint32Array(len * 2);
      this.scratchViews = [];
    }
    const rec = this.scratch;
    const W = this.W;
    for (let i = 0; i < len; i++) rec[i] = W[off + i]!;
    const kind = infoKind(rec[1]!);
    const proto = protoOf[local]!;
    if (proto >= 0) rec[2] = ids[proto]!;
    else {
      this.resolveRec = rec;
      this.resolveIds = ids;
      this.resolveTarget = target;
      forEachTypeIdWord(rec, 0, KIND_SHAPES[kind]!, this.resolveWord);
      if (kind === Kind.ARRAY) rec[4] = localIndex >= 0 ? ids[localIndex]! : globalIndex;
    }
    return len;
  }
  private scratch: Uint32Array = new Uint32Array(256);
  /** Views of the scratch buffer's first n words, by n (a record is appended from one). */
  private scratchViews: Uint32Array[] = [];

  private scratchView(len: number): Uint32Array {
    let view = this.scratchViews[len];
    if (view === undefined) {
      view = this.scratch.subarray(0, len);
      this.scratchViews[len] = view;
    }
    return view;
  }
  private deps = new Int32Array(1024);
  private dfsStack = new Int32Array(0);
  private dfsNext = new Int32Array(0);
  private resolveRec: Uint32Array = new Uint32Array(0);
  private resolveIds: Int32Array = new Int32Array(0);
  private resolveTarget: (die: number) => number = () => -1;
  /** The visitor callback of canonicalWords, created once. */
  private readonly resolveWord = (w: number): void => {
    const t = this.resolveTarget(this.resolveRec[w]!);
    this.resolveRec[w] = t < 0 ? 0 : this.resolveIds[t]!;
  };

  /**
   * The FUNC_PROTO words (type references as DIE offsets) and name of a definition, when it
   * is encodable (every parameter named) and the policy takes it; the policy is asked only
   * then, and the words are only built for what it takes.
   */
  private resolveFunction(fn: FnInfo): { name: string; decision: 'now' | 'defer'; words: number[]; tags: ReadonlyArray<[number, number]>; unexpectedRegister: boolean } | undefined {
    if (fn.declaration) return undefined;
    const nameOf = (f: FnInfo): string | undefined => f.name ?? (f.nameOffset >= 0 ? this.dwarf.str(f.nameOffset) : undefined);
    let name = nameOf(fn);
    let retDie = fn.retDie;
    let external = fn.external;
    let origin = fn.origin !== 0 ? this.fnByDie.get(fn.origin) : undefined;
    for (let hops = 0; origin && hops < 4; hops++) {
      name ??= nameOf(origin);
      if (retDie < 0) retDie = origin.retDie;
      external = external || origin.external;
      origin = origin.origin !== 0 ? this.fnByDie.get(origin.origin) : undefined;
    }
    if (name === undefined) return undefined;
    const params = this.fnParams;
    params.length = 0;
    let unexpectedRegister = false;
    for (let i = fn.paramStart; i < fn.paramStart + fn.paramCount; i++) {
      if (this.paramUnexpected[i] === 1) unexpectedRegister = true;
      let pname = this.paramName[i]!;
      let ptype = this.paramType[i]!;
      let o = this.paramOrigin[i]!;
      for (let hops = 0; o !== 0 && hops < 4; hops++) {
        const j = this.paramByDie.get(o);
        if (j === undefined) break;
        if (pname === 0) pname = this.paramName[j]!;
        if (ptype < 0) ptype = this.paramType[j]!;
        o = this.paramOrigin[j]!;
      }
      if (pname === 0) return undefined;
      params.push(pname, Math.max(ptype, 0));
    }
    const decision = this.policy.acceptFunction(name, external);
    if (decision === 'skip') return undefined;
    if (fn.varargs) params.push(0, 0);
    const words = [0, makeInfo(Kind.FUNC_PROTO, params.length / 2, false), Math.max(retDie, 0), ...params];
    return { name, decision, words, tags: fn.tags ?? [], unexpectedRegister };
  }
  private readonly fnParams: number[] = [];
}

/**
 * Records by content: an open-addressing table of builder ids keyed by a hash of the words,
 * the words themselves kept in one growing pool (no array per record).
 */
class RecordTable {
  private slots = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 12);
  /** Per slot: where its record's words start in the pool, and how many there are. */
  private starts = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  private pool = new Uint32Array(1 << 16);
  private poolLen = 0;
  private count = 0;

  private static hash(rec: Uint32Array, len: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ rec[i]!, 0x01000193);
    return h | 1;
  }

  /** Builder id of a record equal to the first `len` words of `rec`, or 0. */
  find(rec: Uint32Array, len: number): number {
    const h = RecordTable.hash(rec, len);
    const mask = this.slots.length - 1;
    const pool = this.pool;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = this.slots[i]!;
      if (id === 0) return 0;
      if (this.hashes[i] !== h || this.lengths[i] !== len) continue;
      const at = this.starts[i]!;
      let same = true;
      for (let k = 0; k < len; k++) {
        if (pool[at + k] !== rec[k]) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
  }

  /** Add the first `len` words of `rec` (copied) as record `id`. */
  insert(rec: Uint32Array, len: number, id: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    if (this.poolLen + len > this.pool.length) {
      const next = new Uint32Array(Math.max(this.pool.length * 2, this.poolLen + len));
      next.set(this.pool.subarray(0, this.poolLen));
      this.pool = next;
    }
    const at = this.poolLen;
    for (let k = 0; k < len; k++) this.pool[at + k] = rec[k]!;
    this.poolLen = at + len;
    const h = RecordTable.hash(rec, len);
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = id;
    this.hashes[i] = h;
    this.starts[i] = at;
    this.lengths[i] = len;
    this.count++;
  }

  private grow(): void {
    const { slots, hashes, starts, lengths } = this;
    const cap = slots.length * 2;
    this.slots = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.starts = new Int32Array(cap);
    this.lengths = new Int32Array(cap);
    const mask = cap - 1;
    for (let j = 0; j < slots.length; j++) {
      if (slots[j] === 0) continue;
      let i = hashes[j]! & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = slots[j]!;
      this.hashes[i] = hashes[j]!;
      this.starts[i] = starts[j]!;
      this.lengths[i] = lengths[j]!;
    }
  }
}
