/**
 * BTF from DWARF, as `pahole -J` does: every unit's types appended in unit order (header types
 * repeat per unit), functions and per-CPU variables added by pahole's rules, then one dedup
 * (btfkit's, split-aware when a base is given) folds the copies together.
 *
 * Mapping (pahole): base type → INT (BOOL/SIGNED encodings; sizes that are not a power of two
 * or exceed 16 bytes → 4-byte `__SANITIZED_FAKE_INT__`), or FLOAT with the `float` feature;
 * pointer/const/volatile/restrict/typedef → the same kinds; struct/union (declaration → FWD,
 * kind_flag = union); array → one ARRAY, element count the product of all dimensions, index
 * type `int`; enumeration → ENUM (size ≤ 4) or ENUM64 (`enum64`), kind_flag when a value is
 * negative; subroutine type → FUNC_PROTO (varargs: a last parameter of type 0); unspecified
 * type → void.
 *
 * Functions: see functions.ts (pahole 1.24's first-definition rule, or consistent_func).
 * Variables: see variables.ts (per-CPU, or every data section with global_var). kfuncs
 * (decl_tag_kfuncs): DECL_TAGs from `.BTF_ids` set8 ranges.
 */

import { ET_REL, parseElf, type ElfFile } from '../../elf/elf.js';
import { readSymbols, type ElfSymbols } from '../../elf/symbols.js';
import { DieCursor, DwarfInfo } from '../../dwarf/reader.js';
import { loadDwarfSections } from '../../dwarf/sections.js';
import type { Btf } from '../../wire/btf.js';
import { BtfBuilder } from '../../wire/builder.js';
import { BtfError } from '../../wire/errors.js';
import { infoVlen, Kind, makeInfo } from '../../wire/kinds.js';
import { dedup } from '../dedup.js';
import { EMPTY_RESULT, type EncodePolicy, encoderSlotMap, UnitEncoder, type UnitResult } from './cu.js';
import { type DraftSource, WalkerNames } from './draft.js';
import { beyondPahole124, DEFAULT_FEATURES, type FeatureSet } from './features.js';
import { FunctionTable } from './functions.js';
import { parameterLocationInputs } from './locations.js';
import { VariableTable } from './variables.js';
import { WALK_CORE_MAX_INFO, WalkRoomExhausted, WasmUnitWalker } from './walk-core.js';

/** What `encodeBtf` encodes and how: pahole's feature set, the base for split BTF, the file named in errors, progress. */
export interface EncodeOptions {
  /** Encode split BTF on this base (a module against its vmlinux). */
  readonly base?: Btf | undefined;
  readonly features?: FeatureSet | undefined;
  readonly file?: string | undefined;
  /** Deduplicate as libbpf 1.1 did (pahole 1.24's dedup; see wantsLegacyDedup). */
  readonly legacyDedup?: boolean | undefined;
  /**
   * Units walked elsewhere (worker threads, see btfkit/node): finished here in order. The
   * output is the same as without.
   * @internal
   */
  readonly drafts?: DraftSource | undefined;
  /**
   * Which walk reads the units: 'wasm' (walk-core.c) or 'js' (cu.ts). Default: the core for
   * files up to WALK_CORE_MAX_INFO bytes of .debug_info, where it is available. The output
   * is the same.
   * @internal
   */
  readonly walker?: 'js' | 'wasm' | undefined;
  /**
   * Keep a copy of the base's string index the walk made, for a distilled base made next
   * (baseStringIndex takes it instead of indexing the base's strings again).
   * @internal
   */
  readonly offerBaseStringIndex?: boolean | undefined;
  /** Called after each unit with (units done, units total). */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Counts from one encode: DWARF units walked, types before dedup, functions and variables kept. */
export interface EncodeStats {
  readonly units: number;
  readonly typesBeforeDedup: number;
  readonly functions: number;
  readonly variables: number;
}

/** The deduplicated BTF an encode made (split on the base when one was given), with its counts. */
export interface EncodeResult {
  readonly btf: Btf;
  readonly stats: EncodeStats;
}

/** Every unit's records in a builder, before dedup (see encodeUndeduplicated). */
export interface UndeduplicatedEncoding {
  readonly builder: BtfBuilder;
  readonly stats: EncodeStats;
}


/** Encode the DWARF of an ELF file (vmlinux, module, object) as BTF. */
export async function encodeBtf(elfBytes: Uint8Array, opts: EncodeOptions = {}): Promise<EncodeResult> {
  const raw = await encodeUndeduplicated(elfBytes, opts);
  return { btf: dedupEncoded(raw.builder, opts), stats: raw.stats };
}

/**
 * The first half of encodeBtf: every unit's records, not yet deduplicated. Holds no reference
 * to `elfBytes` afterwards, so a caller that drops the file can let it go before the dedup
 * (vmlinux: 250 MB of DWARF freed before the dedup's own tables are allocated).
 */
export async function encodeUndeduplicated(elfBytes: Uint8Array, opts: EncodeOptions = {}): Promise<UndeduplicatedEncoding> {
  try {
    const elf = parseElf(elfBytes);
    try {
      return await encodeInner(elf, opts);
    } catch (error) {
      // The walk used up the room beside a module read into its core (walkCoreInput): again,
      // with the sections copied into a core of their own (the same output).
      if (error instanceof WalkRoomExhausted) return await encodeInner(elf, opts);
      throw error;
    }
  } catch (error) {
    if (error instanceof BtfError && opts.file !== undefined) error.withFile(opts.file);
    throw error;
  }
}

/**
 * The second half: btfkit's dedup (split-aware) over what encodeUndeduplicated produced. The
 * builder is emptied on the way (its records are the dedup's input, not needed beside it).
 */
export function dedupEncoded(builder: BtfBuilder, opts: Pick<EncodeOptions, 'file' | 'legacyDedup'> = {}): Btf {
  try {
    const where = opts.file !== undefined ? { file: opts.file } : {};
    const stringsBefore = paholeStringOrder.get(builder);
    const ownStringsNotInBase = stringsLookedUpInBase.has(builder);
    return dedup(builder.buildAndRelease(where), { ...where, legacy: opts.legacyDedup === true, stringsBefore, ownStringsNotInBase }).btf;
  } catch (error) {
    if (error instanceof BtfError && opts.file !== undefined) error.withFile(opts.file);
    throw error;
  }
}

/**
 * Where pahole (≥ 1.29, which saves functions during the unit walk and writes them at the end)
 * interned each unit's parameter names and function decl tag values: before the unit's VARs,
 * after its types. Its libbpf keeps that insertion order, so the dedup is told; kept beside
 * the builder until dedupEncoded runs (the two halves may run apart, see the CLI).
 */
const paholeStringOrder = new WeakMap<BtfBuilder, Array<{ before: number; offsets: number[] }>>();

/** Builders on a base whose every own string the walk core's table looked up there first (DedupOptions.ownStringsNotInBase). */
const stringsLookedUpInBase = new WeakSet<BtfBuilder>();

async function encodeInner(elf: ElfFile, opts: EncodeOptions): Promise<UndeduplicatedEncoding> {
  const features = opts.features ?? DEFAULT_FEATURES;
  const locations = parameterLocationInputs(elf.machine, features);
  const sections = await loadDwarfSections(elf, { file: opts.file, lists: locations.lists });
  const dwarf = new DwarfInfo(sections);
  const symbols = readSymbols(elf);
  // Undeduplicated BTF takes about 0.8 bytes per byte of .debug_info (vmlinux: 134 MB).
  const capacityWords = Math.ceil((sections.info.length * 0.82) / 4);
  const useCore = opts.drafts === undefined && (opts.walker === 'wasm' || (opts.walker === undefined && sections.info.length <= WALK_CORE_MAX_INFO));
  const coreWalker = useCore ? WasmUnitWalker.create(dwarf, features, opts.base, locations.registers) : undefined;
  // The core's string table is the builder's: the names it walks need no call out.
  const builder = new BtfBuilder({ base: opts.base, endian: elf.endian === 'big' ? 'big' : 'little', capacityWords, stringStore: coreWalker?.strings });
  const newerPahole = beyondPahole124(features);
  const functionTable = new FunctionTable(symbols, { consistent: features.has('consistent_func'), optimized: features.has('optimized_func'), sorted: newerPahole });
  const variables = features.has('var') ? new VariableTable(elf, symbols, features.has('global_var'), newerPahole) : undefined;
  let indexType = 0;
  const policy: EncodePolicy = {
    acceptFunction: (name, external) => functionTable.accept(name, external),
    acceptVariable: (name, address, typeSize) => variables?.accept(name, address, typeSize),
    indexType: () => indexType,
    setIndexType(id) {
      indexType = id;
    },
  };
  const encoder = new UnitEncoder(dwarf, new DieCursor(dwarf, encoderSlotMap()), features, builder, { builder, policy }, locations.registers);
  // (The core leaves out the functions the policy would skip by name: ext4 defines 4,900 for 1,200 FUNCs.)
  if (coreWalker) encoder.finisher = coreWalker.finisher(functionTable.candidateNames());
  const functionIds = new Map<string, number>();
  const total = dwarf.units.length;
  const walkerNames = new WalkerNames(builder);
  const stringOrder: Array<{ before: number; offsets: number[] }> = [];
  paholeStringOrder.set(builder, stringOrder);
  for (let u = 0; u < total; u++) {
    const unitStart = builder.nextId;
    let result: UnitResult;
    if (opts.drafts) {
      const walked = await opts.drafts.unit(u, total);
      const name = walkerNames.mapperFor(walked);
      if (walked.draft) {
        encoder.importDraft(walked.draft, name);
        result = encoder.finishUnit();
      } else result = EMPTY_RESULT;
    } else if (coreWalker) {
      const unit = dwarf.units[u]!;
      const draft = coreWalker.walk(unit);
      if (draft === 'fallback') result = encoder.encodeUnit(unit);
      else if (draft) {
        // Finished in the core where it can (no draft read); else from the draft.
        const walked = encoder.finishWalked(unit);
        if (walked) result = walked;
        else {
          encoder.importDraft(draft);
          result = encoder.finishUnit();
        }
      } else result = EMPTY_RESULT;
    } else result = encoder.encodeUnit(dwarf.units[u]!);
    for (const f of result.functions) functionIds.set(f.name, f.id);
    if (result.deferred.length > 0) {
      // Before the unit's first VAR (pahole adds them after saving the functions), else at its end.
      let before = builder.nextId;
      for (const v of result.variables) if (v.id >= unitStart && v.id < before) before = v.id;
      const offsets: number[] = [];
      for (const f of result.deferred) {
        for (let i = 0; i < infoVlen(f.proto[1]!); i++) offsets.push(f.proto[3 + i * 2]!);
        for (const [value] of f.tags) offsets.push(value);
      }
      stringOrder.push({ before, offsets });
    }
    for (const f of result.deferred) functionTable.add(f, builder, opts.base);
    for (const v of result.variables) variables?.record(v.slot, v.id);
    opts.onProgress?.(u + 1, total);
  }
  if (!newerPahole) variables?.addDatasecs(builder);
  const typesBeforeDedup = builder.typeCount;
  const kfuncTags = features.has('decl_tag_kfuncs') && symbols ? kfuncs(elf, symbols) : [];
  const flushed = functionTable.flush(builder, new Map(kfuncTags.map((k) => [k.name, k.tags])));
  for (const [name, id] of flushed) functionIds.set(name, id);
  // Functions encoded in their units (pahole 1.24's order): the tags come after everything.
  for (const k of kfuncTags) {
    const func = functionIds.get(k.name);
    if (func === undefined || flushed.has(k.name)) continue;
    for (const tag of k.tags) builder.addRecord([builder.addString(tag), makeInfo(Kind.DECL_TAG, 0, false), func, -1 >>> 0]);
  }
  if (newerPahole) variables?.addDatasecs(builder);
  if (opts.base && coreWalker?.strings.disjointFromBase) stringsLookedUpInBase.add(builder);
  if (opts.base && opts.offerBaseStringIndex) coreWalker?.offerBaseStringIndex(opts.base);
  return { builder, stats: { units: total, typesBeforeDedup, functions: functionIds.size, variables: variables?.count ?? 0 } };
}

const BTF_SET8_KFUNCS = 1 << 0;
const KF_FASTCALL = 1 << 12;
const SET8_PREFIX = '__BTF_ID__set8__';
const FUNC_ID = /^__BTF_ID__func__(.+)__\d+$/;

/**
 * kfuncs from `.BTF_ids`: a `__BTF_ID__set8__NAME` symbol spans a set (u32 count, u32 flags,
 * then {u32 id, u32 flags} pairs); when its flags have BTF_SET8_KFUNCS, every
 * `__BTF_ID__func__FN__N` symbol inside names a kfunc FN, tagged `bpf_kfunc`, and `bpf_fastcall`
 * too when its pair's flags have KF_FASTCALL. In set order, each name once.
 */
function kfuncs(elf: ElfFile, symbols: ElfSymbols): Array<{ name: string; tags: string[] }> {
  const sec = elf.section('.BTF_ids');
  if (!sec) return [];
  const data = elf.sectionData(sec);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = elf.endian === 'little';
  const base = elf.type === ET_REL ? 0n : sec.addr;
  const sets: Array<{ start: number; end: number }> = [];
  const funcs: Array<{ at: number; name: string }> = [];
  for (let i = 0; i < symbols.count; i++) {
    if (symbols.shndx[i] !== sec.index) continue;
    const name = symbols.name(i);
    const at = Number(symbols.value[i]! - base);
    if (at < 0 || at + 8 > data.length) continue;
    if (name.startsWith(SET8_PREFIX)) {
      if ((view.getUint32(at + 4, le) & BTF_SET8_KFUNCS) !== 0) sets.push({ start: at + 8, end: at + symbols.size[i]! });
      continue;
    }
    const m = FUNC_ID.exec(name);
    if (m) funcs.push({ at, name: m[1]! });
  }
  sets.sort((a, b) => a.start - b.start);
  funcs.sort((a, b) => a.at - b.at);
  const out = new Map<string, Set<string>>();
  for (const set of sets) {
    for (const f of funcs) {
      if (f.at < set.start || f.at >= set.end) continue;
      const tags = out.get(f.name) ?? new Set<string>();
      tags.add('bpf_kfunc');
      if ((view.getUint32(f.at + 4, le) & KF_FASTCALL) !== 0) tags.add('bpf_fastcall');
      out.set(f.name, tags);
    }
  }
  return [...out].map(([name, tags]) => ({ name, tags: [...tags] }));
}
