/**
 * The reader's whole-blob passes by btf-core.c (see src/wasm/core.ts): the record index and
 * libbpf's sanity check of a big blob (a vmlinux given with -B is read by every one-shot
 * command that takes one), and the base string index. Each gives undefined (or says it did
 * not check) where the JavaScript must run: no WebAssembly, or input it refuses, which the
 * JavaScript then reports, located, as it always did.
 */

import { CoreLayout, InputCores, instantiateCore } from '../wasm/core.js';
import { BTF_CORE_WASM } from './btf-core-wasm.js';
import { CORE_KIND_TABLE_BYTES, coreKindTable, Kind, type KindShape } from './kinds.js';

interface BtfCoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  btf_index(kinds: number, words: number, nWords: number, offs: number): number;
  btf_check(kinds: number, words: number, offs: number, n: number, startId: number, strEnd: number, baseFuncs: number, baseFuncCount: number): number;
  btf_index_strings(all: number, total: number, slots: number, hashes: number, mask: number): void;
  btf_count_strings(all: number, total: number): number;
}

/** Below this many words the JavaScript passes finish before a core is instantiated. */
const CORE_MIN_WORDS = 1 << 15;

/** What indexByCore found: the record offsets, and whether the sanity check passed. */
export interface CoreIndex {
  readonly offsets: Uint32Array;
  readonly checked: boolean;
}

/** What indexByCore checks: string offsets below strEnd, type ids below startId + count, the base's kinds by baseKind. */
export interface CoreCheck {
  readonly startId: number;
  readonly strEnd: number;
  readonly baseKind: (id: number) => number;
}

/** Btf cores whose memory holds a blob read in place (btfCoreInput). */
const inputCores = new InputCores<BtfCoreExports>((core) => core);

/** Larger inputs are not read into a core (a vmlinux ELF given as a base: its .BTF is a sliver of it). */
const CORE_INPUT_MAX_BYTES = 64 << 20;

/**
 * Room for an input of `byteLength` bytes in the memory of a fresh btf core (InputCores), for
 * loadBtf's `allocate` (loadBase: the vmlinux of `encode -B`, `dedup -B`): a raw blob read
 * there is indexed and checked by indexByCore where it lies, not copied into a core first
 * (~2 ms of a one-shot command's 5 MB base), and its record index stays in that memory.
 * Undefined for small or very large inputs, or where no core runs.
 */
export function btfCoreInput(byteLength: number): Uint8Array | undefined {
  if (byteLength < CORE_MIN_WORDS * 4 || byteLength > CORE_INPUT_MAX_BYTES) return undefined;
  const core = instantiateCore(BTF_CORE_WASM) as BtfCoreExports | undefined;
  // Behind the record index (InputCores.reserve): the kind table again, btf_check's list of
  // FUNCs on the base (as long as the index) and its count.
  return core && inputCores.reserve(core, byteLength, CORE_KIND_TABLE_BYTES + Math.ceil(byteLength / 3) + 16);
}

/**
 * The word offset of each record of `words` and libbpf's sanity check over them (string
 * offsets below `check.strEnd`, type ids below the last, FUNC on a FUNC_PROTO, those in the
 * base by `check.baseKind`). Undefined when the index must be made by indexTypes (small input,
 * no core, a record it refuses); `checked` false when Btf.sanityCheck must run. Words read
 * into a core's memory (btfCoreInput) are indexed and checked there, their offsets left
 * there; others are copied into a fresh core, and without `check` left to indexTypes (the
 * index alone of words copied in, as for the kernel's own files, is no faster here than in
 * JavaScript: dump raw, dump c and min-core read those into their own core and index them
 * there).
 */
export function indexByCore(words: Uint32Array, shapes: readonly (KindShape | undefined)[], check: CoreCheck | undefined): CoreIndex | undefined {
  if (words.length < CORE_MIN_WORDS) return undefined;
  const kinds = coreKindTable(shapes);
  if (!kinds) return undefined;
  if (inputCores.host(words.buffer)) return indexInPlace(words, kinds, check);
  if (!check) return undefined;
  const core = instantiateCore(BTF_CORE_WASM) as BtfCoreExports | undefined;
  if (!core) return undefined;
  const maxRecords = Math.floor(words.length / 3);
  const layout = new CoreLayout(core.memory, core.heap_base());
  const kindsAt = layout.copy(kinds);
  const wordsAt = layout.copy(words);
  const offsAt = layout.place(maxRecords * 4);
  const baseFuncsAt = layout.place(maxRecords * 4);
  const countAt = layout.place(4);
  if (!layout.commit()) return undefined;
  const n = core.btf_index(kindsAt, wordsAt, words.length, offsAt);
  if (n < 0) return undefined;
  const offsets = new Uint32Array(core.memory.buffer, offsAt, n).slice();
  return { offsets, checked: checkByCore(core, words, offsets, { kindsAt, wordsAt, offsAt, baseFuncsAt, countAt }, check) };
}

/** indexByCore of words in a core's memory (btfCoreInput): the index and the check where they lie. */
function indexInPlace(words: Uint32Array, kinds: Uint8Array, check: CoreCheck | undefined): CoreIndex | undefined {
  const offsets = inputCores.index(words, kinds, (core) => core.btf_index);
  if (!offsets) return undefined;
  if (!check) return { offsets, checked: false };
  const core = inputCores.host(words.buffer)!.core;
  // The kind table again (1 KB), then btf_check's list of FUNCs on the base and its count.
  const kindsAt = inputCores.claim(words.buffer, kinds.length + offsets.length * 4 + 8);
  if (kindsAt === undefined) return { offsets, checked: false };
  new Uint8Array(core.memory.buffer, kindsAt, kinds.length).set(kinds);
  const baseFuncsAt = kindsAt + kinds.length;
  const at = { kindsAt, wordsAt: words.byteOffset, offsAt: offsets.byteOffset, baseFuncsAt, countAt: baseFuncsAt + offsets.length * 4 };
  return { offsets, checked: checkByCore(core, words, offsets, at, check) };
}

/** btf_check over the indexed words at `at` in `core`'s memory, then the FUNCs on a base; true when all hold. */
function checkByCore(
  core: BtfCoreExports,
  words: Uint32Array,
  offsets: Uint32Array,
  at: { readonly kindsAt: number; readonly wordsAt: number; readonly offsAt: number; readonly baseFuncsAt: number; readonly countAt: number },
  check: CoreCheck,
): boolean {
  if (core.btf_check(at.kindsAt, at.wordsAt, at.offsAt, offsets.length, check.startId, check.strEnd, at.baseFuncsAt, at.countAt) !== 0) return false;
  // FUNCs whose prototype is in the base: the base's kinds are not in the core's memory.
  const memory = core.memory.buffer;
  const baseFuncs = new Uint32Array(memory, at.baseFuncsAt, new Uint32Array(memory, at.countAt, 1)[0]!);
  for (let i = 0; i < baseFuncs.length; i++) {
    if (check.baseKind(words[offsets[baseFuncs[i]!]! + 2]!) !== Kind.FUNC_PROTO) return false;
  }
  return true;
}

/** BaseStringIndex's open addressing: offset + 1 (0 empty) and string hash (hashBytes) per slot, mask + 1 slots. */
export interface StringIndexTable {
  readonly slots: Int32Array;
  readonly hashes: Int32Array;
  readonly mask: number;
}

/** The mask of a StringIndexTable for `n` strings: a power of two of slots, at least 1,024 and twice n. */
export function stringTableMask(n: number): number {
  let cap = 1024;
  while (cap < n * 2) cap *= 2;
  return cap - 1;
}

/** BaseStringIndex's table (see indexStringsJs) for `all` by the core; undefined where the JavaScript must make it. */
export function indexStringsByCore(all: Uint8Array): StringIndexTable | undefined {
  if (all.length < CORE_MIN_WORDS) return undefined;
  const core = instantiateCore(BTF_CORE_WASM) as BtfCoreExports | undefined;
  if (!core) return undefined;
  const layout = new CoreLayout(core.memory, core.heap_base());
  const allAt = layout.copy(all);
  if (!layout.commit()) return undefined;
  const mask = stringTableMask(core.btf_count_strings(allAt, all.length));
  const slotsAt = layout.place((mask + 1) * 4);
  const hashesAt = layout.place((mask + 1) * 4);
  if (!layout.commit()) return undefined;
  core.btf_index_strings(allAt, all.length, slotsAt, hashesAt, mask);
  const memory = core.memory.buffer;
  return { slots: new Int32Array(memory, slotsAt, mask + 1).slice(), hashes: new Int32Array(memory, hashesAt, mask + 1).slice(), mask };
}
