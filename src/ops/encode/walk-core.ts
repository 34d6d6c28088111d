/**
 * The per-unit DWARF walk by walk-core.c (see src/wasm/core.ts): the same UnitDraft the
 * JavaScript walk exports (UnitEncoder.walkUnit + exportDraft), with names already interned
 * in the core's string table, which is the encoder's builder's (`strings`, its StringStore),
 * so the encoder imports the draft and finishes the unit as usual, or (finisher().walked and
 * finishWalked) has the core finish it where it lies, the draft never made.
 * A module's encode is one pass in a fresh process, where the JavaScript walk ran mostly as
 * cold code; the core needs no warming up.
 *
 * The core reads the sections where they lie when the file was read into its memory and
 * relocated there (walkCoreInput: the CLI's modules); else they are copied into a fresh core's
 * memory once per file (encodeBtf on bytes of its own, vmlinux). A unit the core stops on
 * (bad DWARF, or a value the draft could not carry exactly) is walked by the JavaScript
 * instead, which gives the located error or the result: `walk` returns 'fallback'.
 */

import type { DwarfInfo, UnitHeader } from '../../dwarf/reader.js';
import { claimInputRoom, inputCoreOf, relocatingCoreInput, relocationCoreInput } from '../../dwarf/sections.js';
import { CoreLayout, instantiateCore } from '../../wasm/core.js';
import type { Btf } from '../../wire/btf.js';
import type { StringIndexTable } from '../../wire/btf-core.js';
import { coreKindTable, infoVlen, KIND_SHAPES } from '../../wire/kinds.js';
import { baseStringBytes, decodeCString, offerBaseStringIndex, type StringStore } from '../../wire/strings.js';
import type { FnInfo, UnitDraft, UnitFinisher, UnitIdInput, VarInfo, WalkedCandidates, WalkedOutcome } from './cu.js';
import type { FeatureSet } from './features.js';
import { WALK_CORE_WASM } from './walk-core-wasm.js';

interface WalkCoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  init(desc: number): void;
  strings_init(start: number, all: number, allLength: number): void;
  strings_scratch(n: number): number;
  strings_add(n: number, mode: number): number;
  strings_bytes(): number;
  strings_len(): number;
  strings_base_index(): number;
  walk_unit(offset: number, end: number, version: number, addressSize: number, offsetSize: number, abbrevOffset: number, dieOffset: number): number;
  result(): number;
  finish_init(): number;
  finish_input(wlen: number, n: number, span: number, unitOffset: number): number;
  finish_unit(n: number, unitOffset: number, span: number, nextId: number, globalIndex: number, localIndex: number): number;
  room_exhausted(): number;
  relocate(bytes: number, len: number, rela: number, relaLen: number, symtab: number, symtabLen: number, machine: number): number;
  walked_candidates(unitOffset: number): number;
  walked_function_names(n: number): void;
  finish_walked(unitOffset: number, nextId: number, globalIndex: number): number;
}

// String sections (walk-core.c SEC_*).
const SEC_NONE = 0;
const SEC_STR = 1;
const SEC_LINE_STR = 2;
/** walk-core.c's string of a name that is not a C string attribute (undefined in a FnInfo). */
const SEC_UNDEFINED = -1;

const FN_STRIDE = 9;
const FN_DECLARATION = 1;
const FN_EXTERNAL = 2;
const FN_VARARGS = 4;
const VAR_STRIDE = 8;
const DECL_STRIDE = 5;
// walk-core.c walked_candidates' rows.
const CAND_STRIDE = 9;
const CAND_NAME_SEC = 1;
const CAND_NAME_OFF = 2;
const CAND_EXTERNAL = 5;
const CAND_UNEXPECTED = 6;
const WVAR_STRIDE = 10;
const WVAR_NAME_SEC = 0;
const WVAR_NAME_OFF = 1;
const WVAR_ADDR_LO = 6;
const WVAR_ADDR_HI = 7;
const WVAR_SIZE = 8;

/**
 * Largest .debug_info walked by the core (the largest module, amdgpu with 94 MB, takes
 * 4.2-6.9 s and 1.18 GB with its sections copied into the core's memory, 3.7 s and 1.0 GB
 * read there by the CLI (walkCoreInput), 6.1-8.5 s and 1.0 GB with the JavaScript walk). Past it (vmlinux: 173 MB, whose memory has a budget), the
 * JavaScript walk is warm for most of the file anyway.
 */
export const WALK_CORE_MAX_INFO = 128 * 1024 * 1024;

/**
 * Thrown by a walker whose core walks a module in the memory it was read into
 * (walkCoreInput) when that memory's room is used up: it cannot grow (that would detach the
 * views of the file), so the encode starts over with the sections copied into a core of
 * their own (encodeUndeduplicated), which gives the same output.
 * @internal
 */
export class WalkRoomExhausted extends Error {
  constructor() {
    super('internal: the walk core used up the room beside the module it was read into');
  }
}

/** Walk cores holding a module read in place (walkCoreInput) that no walker has taken yet. */
const unusedInputCores = new WeakSet<object>();

/**
 * Room for the walk beside a module of `byteLength` bytes read into a walk core, on top of the
 * room InputCores.reserve leaves (a third of the file) and the file's size again for relocated
 * copies: everything placed behind the file (relocated sections, the base's strings and their
 * index, the walk's arrays, names and records) took under 1.9 times (file + 4 MB) over 254 of
 * Debian 6.1's modules (amdgpu, nouveau, i915 and mlx5_core among them: under 1.0 times the
 * file). Only the pages used are backed; past it the encode starts over (WalkRoomExhausted).
 */
function walkRoom(byteLength: number): number {
  return byteLength + 32 * 1024 * 1024;
}

/**
 * Room for an object file of `byteLength` bytes in the memory of a fresh walk core, with room
 * behind it for relocated copies of its sections and for the walk (`walkBytes`; default
 * walkRoom): a reader's `allocate` (readInput; the CLI's encode of a module). A module read
 * there is relocated where it lies (loadDwarfSections) and walked where it was relocated:
 * nothing is copied into another core's fresh memory (ext4: 10 MB of sections and the base's
 * strings). A relocation core's room (relocationCoreInput) where the walk core's is not to be
 * had; undefined where neither is.
 */
export function walkCoreInput(byteLength: number, walkBytes = walkRoom(byteLength)): Uint8Array | undefined {
  const core = instantiateCore(WALK_CORE_WASM) as WalkCoreExports | undefined;
  const room = core && relocatingCoreInput(core, byteLength, byteLength + walkBytes);
  if (!room) return relocationCoreInput(byteLength);
  unusedInputCores.add(core);
  return room;
}

/** One file's units walked by walk-core.c. */
export class WasmUnitWalker {
  private constructor(
    private readonly core: WalkCoreExports,
    private readonly dwarf: DwarfInfo,
    /** The core's string table: give it to the encoder's builder (BuilderOptions.stringStore). */
    readonly strings: CoreStringStore,
    /**
     * The core walks the sections in the memory the file was read into (walkCoreInput).
     * @internal
     */
    readonly inPlace: boolean,
  ) {}

  /**
   * A walker for `dwarf`'s units, its string table continuing `base`'s strings as a builder
   * on that base does; undefined where WebAssembly is not available or the sections do not
   * fit its memory. The sections are walked where they lie when they are in the memory of a
   * walk core the file was read into (walkCoreInput) that no walker took yet; else copied.
   */
  static create(dwarf: DwarfInfo, features: FeatureSet, base: Btf | undefined, argumentRegisters: readonly number[]): WasmUnitWalker | undefined {
    const sections = dwarf.sections;
    const parts = [sections.info, sections.abbrev, sections.str, sections.lineStr, sections.strOffsets, sections.addr, sections.loclists, sections.loc];
    // (Any section may lie in the file: .debug_info is a copy of its own where the JavaScript relocated it.)
    const host = parts.map((p) => inputCoreOf(p.buffer)).find((core) => core !== undefined);
    if (host && unusedInputCores.has(host)) {
      // One walker per core: its tables are the walker's.
      unusedInputCores.delete(host);
      const walker = WasmUnitWalker.createInPlace(host as WalkCoreExports, dwarf, parts, features, base, argumentRegisters);
      if (walker) return walker;
    }
    const core = instantiateCore(WALK_CORE_WASM) as WalkCoreExports | undefined;
    if (!core) return undefined;
    const layout = new CoreLayout(core.memory, core.heap_base());
    const desc: number[] = [];
    for (const p of parts) desc.push(layout.copy(p), p.length);
    // The base chain's strings (index = string offset), for names the base has.
    const baseStrings = base ? baseStringBytes(base) : new Uint8Array(0);
    const baseAt = layout.copy(baseStrings);
    desc.push(...walkParameters(dwarf, features, argumentRegisters));
    const descAt = layout.place(4 * (desc.length + 2));
    if (!layout.commit()) return undefined;
    // The core's own arrays start above everything placed (the descriptor is the last); the memory grows as they need.
    desc.push(descAt + 4 * (desc.length + 2), 0);
    return WasmUnitWalker.init(core, dwarf, desc, descAt, base, baseAt, baseStrings.length, false);
  }

  /**
   * A walker on the sections where they lie in `core`'s memory (walkCoreInput), whatever is
   * elsewhere (an inflated section, the base's strings) copied into the room behind them;
   * undefined when that room is too small (the caller copies all into a fresh core).
   */
  private static createInPlace(core: WalkCoreExports, dwarf: DwarfInfo, parts: readonly Uint8Array[], features: FeatureSet, base: Btf | undefined, argumentRegisters: readonly number[]): WasmUnitWalker | undefined {
    const buffer = core.memory.buffer;
    const place = (bytes: Uint8Array): number | undefined => {
      if (bytes.buffer === buffer) return bytes.byteOffset;
      const at = claimInputRoom(buffer, bytes.length);
      if (at !== undefined) new Uint8Array(buffer, at, bytes.length).set(bytes);
      return at;
    };
    const desc: number[] = [];
    for (const p of parts) {
      const at = place(p);
      if (at === undefined) return undefined;
      desc.push(at, p.length);
    }
    const baseStrings = base ? baseStringBytes(base) : new Uint8Array(0);
    const baseAt = place(baseStrings);
    desc.push(...walkParameters(dwarf, features, argumentRegisters));
    const descAt = claimInputRoom(buffer, 4 * (desc.length + 2));
    if (baseAt === undefined || descAt === undefined) return undefined;
    // The rest of the room is the core's, up to the end of the memory, which must not grow:
    // that would detach the file's views (the encoder reads and rewrites it).
    const heapAt = claimInputRoom(buffer, 0)!;
    claimInputRoom(buffer, buffer.byteLength - heapAt);
    desc.push(heapAt, Math.min(buffer.byteLength, 0xffff_ffff));
    return WasmUnitWalker.init(core, dwarf, desc, descAt, base, baseAt, baseStrings.length, true);
  }

  /** The core set up from `desc` (walk-core.c init) placed at `descAt`, then its string table; undefined when it traps. */
  private static init(core: WalkCoreExports, dwarf: DwarfInfo, desc: readonly number[], descAt: number, base: Btf | undefined, baseAt: number, baseLength: number, inPlace: boolean): WasmUnitWalker | undefined {
    new Uint32Array(core.memory.buffer, descAt, desc.length).set(desc);
    try {
      core.init(descAt);
      const start = base ? base.startStrOff + base.strings.length : 0;
      core.strings_init(start, baseAt, baseLength);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return undefined;
      throw e;
    }
    return new WasmUnitWalker(core, dwarf, new CoreStringStore(core), inPlace);
  }

  /**
   * Offer a copy of the base string index the core made (strings_init) to baseStringIndex for
   * `base` (a distilled base looks the same strings up after the encode). A copy, taken when
   * asked: a weak reference to the core kept every encode's core alive through a long chain of
   * promises (V8 keeps a WeakRef's target until the microtask queue drains).
   */
  offerBaseStringIndex(base: Btf): void {
    const table = baseIndexTable(this.core);
    if (table) offerBaseStringIndex(base, table);
  }

  /**
   * Walk one unit: its draft, undefined for a unit left out (Rust), or 'fallback' when the
   * JavaScript walk must take it (see the file comment). The draft's typed arrays are views of
   * the core's memory, valid until the walker is used again (UnitEncoder.importDraft copies).
   */
  walk(unit: UnitHeader): UnitDraft | undefined | 'fallback' {
    const core = this.core;
    let status: number;
    try {
      status = core.walk_unit(unit.offset, unit.end, unit.version, unit.addressSize, unit.offsetSize, unit.abbrevOffset, unit.dieOffset);
    } catch (e) {
      if (trapped(core, e)) return 'fallback';
      throw e;
    }
    if (status !== 0) return undefined;
    return this.draft(unit);
  }

  /**
   * The walked unit's draft, made when first read: a unit the encoder finishes in the core
   * (UnitEncoder.finishWalked) never reads it, so builds no object per function or variable.
   * Read it before the walker is used again (a unit the core finishes is changed in place).
   */
  private draft(unit: UnitHeader): UnitDraft {
    let made: UnitDraft | undefined;
    const d = (): UnitDraft => (made ??= this.makeDraft(unit));
    return {
      unit,
      get words() { return d().words; },
      get recOff() { return d().recOff; },
      get recLen() { return d().recLen; },
      get dies() { return d().dies; },
      denseDies: true,
      get diesAgain() { return d().diesAgain; },
      get aliasFrom() { return d().aliasFrom; },
      get aliasTo() { return d().aliasTo; },
      get fns() { return d().fns; },
      get fnDecls() { return d().fnDecls; },
      get paramName() { return d().paramName; },
      get paramType() { return d().paramType; },
      get paramOrigin() { return d().paramOrigin; },
      get paramUnexpected() { return d().paramUnexpected; },
      get paramDie() { return d().paramDie; },
      get vars() { return d().vars; },
      get varDecl() { return d().varDecl; },
      get declTags() { return d().declTags; },
      get varTags() { return d().varTags; },
      get needIndex() { return d().needIndex; },
      get intLocal() { return d().intLocal; },
    };
  }

  private makeDraft(unit: UnitHeader): UnitDraft {
    const buffer = this.core.memory.buffer;
    const r = new Uint32Array(buffer, this.core.result(), 36);
    let k = 0;
    const next = (): [number, number] => {
      const at = r[k]!;
      const bytes = r[k + 1]!;
      k += 2;
      return [at, bytes];
    };
    const u32 = (): Uint32Array => {
      const [at, bytes] = next();
      return new Uint32Array(buffer, at, bytes / 4);
    };
    const i32 = (): Int32Array => {
      const [at, bytes] = next();
      return new Int32Array(buffer, at, bytes / 4);
    };
    const f64 = (): Float64Array => {
      const [at, bytes] = next();
      return new Float64Array(buffer, at, bytes / 8);
    };
    const words = u32();
    const recOff = i32();
    const recLen = i32();
    const [diesAt, diesBytes] = [r[k]!, r[k + 1]!];
    const dies = i32();
    const aliasFrom = Array.from(f64());
    const aliasTo = Array.from(f64());
    const fnRows = f64();
    const fnTags = f64();
    const paramName = i32();
    const paramType = i32();
    const paramOrigin = i32();
    const paramUnexpected = Uint8Array.from(i32());
    const paramDie = i32();
    const varRows = f64();
    const declRows = f64();
    const declTags = Array.from(f64());
    const varTagRows = f64();
    const needIndex = r[k++] !== 0;
    const intLocal = r[k++]! | 0;

    const all: FnInfo[] = [];
    const fns: FnInfo[] = [];
    const fnDecls: FnInfo[] = [];
    for (let at = 0; at < fnRows.length; at += FN_STRIDE) {
      const flags = fnRows[at + 6]!;
      const fn: FnInfo = {
        die: fnRows[at]!,
        nameOffset: fnRows[at + 1]!,
        name: fnRows[at + 2] === SEC_UNDEFINED ? undefined : this.string(fnRows[at + 2]!, fnRows[at + 3]!),
        retDie: fnRows[at + 4]!,
        declaration: (flags & FN_DECLARATION) !== 0,
        external: (flags & FN_EXTERNAL) !== 0,
        origin: fnRows[at + 5]!,
        paramStart: fnRows[at + 7]!,
        paramCount: fnRows[at + 8]!,
        varargs: (flags & FN_VARARGS) !== 0,
        tags: undefined,
      };
      all.push(fn);
      (fn.declaration ? fnDecls : fns).push(fn);
    }
    for (let at = 0; at < fnTags.length; at += 3) (all[fnTags[at]!]!.tags ??= []).push([fnTags[at + 1]!, fnTags[at + 2]!]);
    const vars: VarInfo[] = [];
    for (let at = 0; at < varRows.length; at += VAR_STRIDE) {
      vars.push({
        die: varRows[at]!,
        name: this.string(varRows[at + 1]!, varRows[at + 2]!),
        typeDie: varRows[at + 3]!,
        address: (BigInt(varRows[at + 5]!) << 32n) | BigInt(varRows[at + 4]!),
        external: varRows[at + 6] === 1,
        specDie: varRows[at + 7]!,
      });
    }
    const varDecl: UnitDraft['varDecl'] = [];
    for (let at = 0; at < declRows.length; at += DECL_STRIDE) {
      varDecl.push([declRows[at]!, { name: this.string(declRows[at + 1]!, declRows[at + 2]!), typeDie: declRows[at + 3]!, external: declRows[at + 4] === 1 }]);
    }
    const varTags = new Map<number, number[]>();
    for (let at = 0; at < varTagRows.length; at += 2) {
      const die = varTagRows[at]!;
      const list = varTags.get(die) ?? [];
      list.push(varTagRows[at + 1]!);
      varTags.set(die, list);
    }
    return {
      unit,
      words,
      recOff,
      recLen,
      dies,
      denseDies: true,
      diesAgain: () => new Int32Array(this.core.memory.buffer, diesAt, diesBytes / 4),
      aliasFrom,
      aliasTo,
      fns,
      fnDecls,
      paramName,
      paramType,
      paramOrigin,
      paramUnexpected,
      paramDie,
      vars,
      varDecl,
      declTags,
      varTags: [...varTags],
      needIndex,
      intLocal,
    };
  }

  /**
   * The core's id assignment for an encoder's units (cu.ts UnitFinisher), with the kind
   * shapes of kinds.ts. `functionNames`: the only names the encoder's policy may take a
   * function of (FunctionTable.candidateNames), when known: walked() leaves the others out.
   */
  finisher(functionNames?: readonly string[]): UnitFinisher | undefined {
    const core = this.core;
    const kinds = coreKindTable(KIND_SHAPES);
    if (!kinds) return undefined;
    let at: number;
    try {
      at = core.finish_init();
    } catch (e) {
      if (trapped(core, e)) return undefined;
      throw e;
    }
    new Uint8Array(core.memory.buffer, at, kinds.length).set(kinds);
    if (functionNames) {
      const bytes = utf8.encode(functionNames.map((n) => `${n}\0`).join(''));
      try {
        // (The room first: making it may grow the memory, detaching an earlier buffer.)
        const room = core.strings_scratch(bytes.length);
        new Uint8Array(core.memory.buffer, room, bytes.length).set(bytes);
        core.walked_function_names(bytes.length);
      } catch (e) {
        if (trapped(core, e)) return undefined;
        throw e;
      }
    }
    /** Where walked() found the core's decisions array for finishWalked. */
    let decisionsAt = 0;
    return {
      finish(words: Uint32Array, recOff: Int32Array, recLen: Int32Array, dieMap: () => Int32Array, unit: UnitIdInput) {
        const { n, span } = unit;
        try {
          // (Each call may grow the memory: its buffer is taken after.)
          const inputAt = core.finish_input(words.length, n, span, unit.unitOffset);
          const at = new Uint32Array(core.memory.buffer, inputAt, 7).slice();
          const memory = core.memory.buffer;
          // The unit the core walked keeps its arrays there: only the records added since go in.
          const fromWord = at[5]!;
          const fromRecord = at[6]!;
          new Uint32Array(memory, at[0]!, words.length - fromWord).set(words.subarray(fromWord));
          new Int32Array(memory, at[1]!, n - fromRecord).set(recOff.subarray(fromRecord, n));
          new Int32Array(memory, at[2]!, n - fromRecord).set(recLen.subarray(fromRecord, n));
          new Int32Array(memory, at[3]!, n).set(unit.protoOf);
          if (at[4] !== 0) new Int32Array(memory, at[4]!, span).set(dieMap().subarray(0, span));
          const resultAt = core.finish_unit(n, unit.unitOffset, span, unit.nextId, unit.globalIndex, unit.localIndex);
          const r = new Uint32Array(core.memory.buffer, resultAt, 5).slice();
          const buffer = core.memory.buffer;
          const lengths = new Int32Array(buffer, r[3]!, r[4]!).slice();
          let total = 0;
          for (let i = 0; i < lengths.length; i++) total += lengths[i]!;
          return { id: new Int32Array(buffer, r[0]!, n).slice(), words: new Uint32Array(buffer, r[2]!, total).slice(), lengths, nextId: unit.nextId + lengths.length };
        } catch (e) {
          if (trapped(core, e)) return undefined;
          throw e;
        }
      },
      walked: (unitOffset: number): WalkedCandidates | undefined => {
        let at: number;
        try {
          at = core.walked_candidates(unitOffset);
        } catch (e) {
          if (trapped(core, e)) return undefined;
          throw e;
        }
        if (at === 0) return undefined;
        const [rowsAt, functions, varsAt, variables, decisionsFrom] = new Uint32Array(core.memory.buffer, at, 5);
        decisionsAt = decisionsFrom!;
        // (Read before the policy runs, which leaves the core alone: the views stay valid.)
        const rows = new Uint32Array(core.memory.buffer, rowsAt!, functions! * CAND_STRIDE);
        const varRows = new Float64Array(core.memory.buffer, varsAt!, variables! * WVAR_STRIDE);
        return {
          functions: functions!,
          functionName: (i) => this.string(rows[i * CAND_STRIDE + CAND_NAME_SEC]!, rows[i * CAND_STRIDE + CAND_NAME_OFF]!),
          functionExternal: (i) => rows[i * CAND_STRIDE + CAND_EXTERNAL] !== 0,
          functionUnexpectedRegister: (i) => rows[i * CAND_STRIDE + CAND_UNEXPECTED] !== 0,
          variables: variables!,
          variableName: (i) => this.string(varRows[i * WVAR_STRIDE + WVAR_NAME_SEC]!, varRows[i * WVAR_STRIDE + WVAR_NAME_OFF]!),
          variableAddress: (i) => (BigInt(varRows[i * WVAR_STRIDE + WVAR_ADDR_HI]!) << 32n) | BigInt(varRows[i * WVAR_STRIDE + WVAR_ADDR_LO]!),
          variableTypeSize: (i) => varRows[i * WVAR_STRIDE + WVAR_SIZE]!,
        };
      },
      finishWalked: (unitOffset: number, decisions: Int32Array, nextId: number, globalIndex: number): WalkedOutcome | undefined => {
        let at: number;
        try {
          // The core's decisions array (the policy's, as walked() found them; the core checks the unit).
          new Int32Array(core.memory.buffer, decisionsAt, decisions.length).set(decisions);
          at = core.finish_walked(unitOffset, nextId, globalIndex);
        } catch (e) {
          if (trapped(core, e)) return undefined;
          throw e;
        }
        return at === 0 ? undefined : this.walkedOutcome(at, nextId);
      },
    };
  }

  /** finish_walked's outcome at `at` (see UnitFinisher.finishWalked); the deferred functions' words and tags copied out. */
  private walkedOutcome(at: number, nextId: number): WalkedOutcome {
    const buffer = this.core.memory.buffer;
    const r = new Uint32Array(buffer, at, 13);
    const n = r[2]!;
    const deferredCount = r[11]!;
    const deferred: Array<{ proto: Uint32Array; tags: Array<[number, number]> }> = [];
    if (deferredCount > 0) {
      const counts = new Int32Array(buffer, r[10]!, deferredCount);
      let tagCount = 0;
      for (let i = 0; i < deferredCount; i++) tagCount += counts[i]!;
      const tags = new Float64Array(buffer, r[9]!, 2 * tagCount);
      let word = r[8]!;
      let tag = 0;
      for (let i = 0; i < deferredCount; i++) {
        // A FUNC_PROTO of vlen v is 3 + 2v words.
        const proto = new Uint32Array(buffer, word, 3 + 2 * infoVlen(new Uint32Array(buffer, word, 2)[1]!)).slice();
        word += proto.byteLength;
        const list: Array<[number, number]> = [];
        for (let t = 0; t < counts[i]!; t++, tag += 2) list.push([tags[tag]!, tags[tag + 1]!]);
        deferred.push({ proto, tags: list });
      }
    }
    return {
      words: new Uint32Array(buffer, r[0]!, r[3]!),
      lengths: new Int32Array(buffer, r[1]!, n),
      nextId: nextId + n,
      functionIds: new Int32Array(buffer, r[4]!, r[5]!),
      variableIds: new Int32Array(buffer, r[6]!, r[7]!),
      deferred,
      indexType: r[12]! | 0,
    };
  }

  /**
   * A copy of the base string index the core made (what it offers baseStringIndex).
   * @internal
   */
  baseIndexTable(): StringIndexTable | undefined {
    return baseIndexTable(this.core);
  }

  /** A string the core located (SEC_NONE: the empty string), as the walk decodes it. */
  private string(sec: number, off: number): string {
    if (sec === SEC_NONE) return '';
    if (sec === SEC_STR) return this.dwarf.str(off);
    if (sec === SEC_LINE_STR) return this.dwarf.lineStr(off);
    return this.dwarf.infoString(off);
  }
}

/** A copy of the base string index `core` made (undefined: no base). */
function baseIndexTable(core: WalkCoreExports): StringIndexTable | undefined {
  const buffer = core.memory.buffer;
  const [slots, hashes, mask] = new Uint32Array(buffer, core.strings_base_index(), 3);
  if (!mask) return undefined;
  return { slots: new Int32Array(buffer, slots!, mask + 1).slice(), hashes: new Int32Array(buffer, hashes!, mask + 1).slice(), mask };
}

/** The walk's parameters in init's descriptor: byte order, features, argument registers, the largest unit's span. */
function walkParameters(dwarf: DwarfInfo, features: FeatureSet, argumentRegisters: readonly number[]): number[] {
  let span = 0;
  for (const u of dwarf.units) span = Math.max(span, u.end - u.offset);
  const flags = (features.has('float') ? 1 : 0) | (features.has('enum64') ? 2 : 0) | (features.has('type_tag') ? 4 : 0) | (features.has('decl_tag') ? 8 : 0);
  return [dwarf.sections.littleEndian ? 1 : 0, flags, argumentRegisters.length, ...argumentRegisters, span];
}

/**
 * Whether `e` is the core's trap (bad DWARF, a value the draft cannot carry): the caller
 * falls back to the JavaScript. A trap for want of room in a memory that must not grow
 * throws WalkRoomExhausted instead: the core's tables are then not to be used again.
 */
function trapped(core: WalkCoreExports, e: unknown): boolean {
  if (!(e instanceof WebAssembly.RuntimeError)) return false;
  if (core.room_exhausted() !== 0) throw new WalkRoomExhausted();
  return true;
}

const utf8 = new TextEncoder();
// walk-core.c's table_intern modes.
const LOOKUP_ADD = 0;
const LOOKUP_RAW = 1;
const LOOKUP_OWN = 2;

/**
 * walk-core.c's string table as a BtfBuilder's StringStore: a string the builder is given is
 * copied into the core's scratch room and interned there, so the walk's names and the
 * encoder's (functions, sections, fallback units) share one table and one set of offsets.
 */
export class CoreStringStore implements StringStore {
  private scratch = new Uint8Array(0);
  private unlookedAdds = 0;

  constructor(private readonly core: WalkCoreExports) {}

  add(s: string): number {
    return this.intern(s, LOOKUP_ADD);
  }

  addAt(src: Uint8Array, at: number): number {
    let end = src.indexOf(0, at);
    if (end < 0) end = src.length;
    this.room(end - at).set(src.subarray(at, end));
    const off = this.coreAdd(end - at, LOOKUP_RAW);
    if (off >= 0) return off;
    // Bytes that decoding changes (not UTF-8, or a BOM first): the decoded string, added to
    // the own strings without a look at the base, as BtfBuilder.addStringAt does.
    this.unlookedAdds++;
    return this.intern(decodeCString(src, at), LOOKUP_OWN);
  }

  /** Every own string was looked up in the base first (so none is one the base has). */
  get disjointFromBase(): boolean {
    return this.unlookedAdds === 0;
  }

  bytes(): Uint8Array {
    const core = this.core;
    return new Uint8Array(core.memory.buffer, core.strings_bytes(), core.strings_len()).slice();
  }

  /** A view of `n` scratch bytes (the core's memory may have grown since the last). */
  private room(n: number): Uint8Array {
    const buffer = this.core.memory.buffer;
    if (n > this.scratch.length || this.scratch.buffer !== buffer) {
      const size = Math.max(n, 4096);
      let at: number;
      try {
        at = this.core.strings_scratch(size);
      } catch (e) {
        trapped(this.core, e);
        throw e;
      }
      this.scratch = new Uint8Array(this.core.memory.buffer, at, size);
    }
    return this.scratch.subarray(0, n);
  }

  private intern(s: string, mode: number): number {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const room = this.room(s.length * 3);
    return this.coreAdd(utf8.encodeInto(s, room).written, mode);
  }

  /** strings_add; its trap for want of room (WalkRoomExhausted) starts the encode over. */
  private coreAdd(n: number, mode: number): number {
    try {
      return this.core.strings_add(n, mode);
    } catch (e) {
      trapped(this.core, e);
      throw e;
    }
  }
}
