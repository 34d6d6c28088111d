/**
 * The vmlinux.h text by dump-core.c (see src/wasm/core.ts): bpftool's prologue, every type
 * through the compiled dumper (sorted by sort-core.c in the same instance), the kfunc
 * prototypes, the epilogue. In a one-shot `btfkit dump --format c` of vmlinux the
 * JavaScript dumper ran mostly as cold code; the JavaScript stays the reference (tested
 * byte for byte against this) and the path for whatever the core gives back.
 */

import { coreKindTable, KIND_SHAPES, type KindShape } from '../../wire/kinds.js';
import { outputBudget } from '../../wire/limits.js';
import { CoreLayout, InputCores, instantiateCore } from '../../wasm/core.js';
import type { ByteSink } from '../byte-writer.js';
import { DUMP_CORE_WASM } from './dump-core-wasm.js';
import { placeTable, sortedTypeOrderJs, sortScratchBytes } from './sort.js';
import type { TypeTable } from './table.js';

interface DumpCoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  sort_types(words: number, off: number, n: number, strs: number, strLen: number, infoWords: number, scratch: number): number;
  dump_check(words: number, off: number, n: number, strs: number, strLen: number, infoWords: number, heap: number, ptrSize: number, limit: number): number;
  dump_c(ids: number, count: number, kfuncs: number): void;
  dump_out(): number;
  dump_index(kinds: number, words: number, nWords: number, offsets: number): number;
}

/** A dump core and where its flushes go (set per dump). */
interface DumpCore {
  readonly exports: DumpCoreExports;
  /** Takes each chunk of text (`length` bytes at dump_out()). */
  onFlush: (length: number) => void;
  /** A dump ran (or began) in it: the dumper's state counts on fresh, zeroed memory, so one dump per core. */
  used: boolean;
}

function newDumpCore(): DumpCore | undefined {
  const core: { exports?: DumpCoreExports; onFlush: (length: number) => void; used: boolean } = { onFlush: () => undefined, used: false };
  const exports = instantiateCore(DUMP_CORE_WASM, { env: { flush: (length: number) => core.onFlush(length) } }) as DumpCoreExports | undefined;
  if (!exports) return undefined;
  core.exports = exports;
  return core as DumpCore;
}

/** Dump cores whose memory holds an input read in place (dumpCoreInput). */
const inputCores = new InputCores<DumpCore>((core) => core.exports);

/**
 * Room behind an input of `byteLength` bytes for what a dump of it places there: the id
 * offsets, the sort's scratch and the dumper's state, ~2x the input for vmlinux. Where a
 * dump needs more, dump_check stops before any text and the table is copied into a fresh
 * core instead.
 */
function dumpRoom(byteLength: number): number {
  return 3 * byteLength + (4 << 20);
}

/**
 * Room for an input of `byteLength` bytes in the memory of a fresh dump-core.c (InputCores),
 * for loadBtf's `allocate` (`dump --format c` of one base BTF): dumpCoreIndex indexes it
 * where it lies and dumpCWasm dumps it there, without copying the records and strings into
 * the core (for vmlinux ~3 ms of a one-shot dump: 5 MB copied, its pages faulted in twice).
 * `room`: what to leave behind it (default dumpRoom). Undefined where no core runs.
 */
export function dumpCoreInput(byteLength: number, room = dumpRoom(byteLength)): Uint8Array | undefined {
  const core = newDumpCore();
  return core && inputCores.reserve(core, byteLength, room);
}

/** The record index of `words` read by dumpCoreInput, made where they lie (Btf.parse's `indexRecords`); undefined for words elsewhere or a record the core refuses. */
export function dumpCoreIndex(words: Uint32Array, shapes: readonly (KindShape | undefined)[]): Uint32Array | undefined {
  return inputCores.index(words, coreKindTable(shapes), (core) => core.exports.dump_index);
}

/** What the core is asked to write between the prologue and the epilogue. */
export interface CoreDumpRequest {
  readonly prologue: Uint8Array;
  readonly epilogue: Uint8Array;
  /** bpftool's sorted order (true), id order (false); ignored with roots. */
  readonly sorted: boolean;
  /** Only these ids (checked by the caller) and what they need, no kfunc section. */
  readonly roots: readonly number[] | undefined;
  readonly ptrSize: number;
}

/**
 * What became of a core dump: 'done'; 'declined' (nothing reached the sink: the caller
 * dumps in JavaScript); 'failed' (the core stopped where the JavaScript dumper throws,
 * after some text reached the sink: the caller has the JavaScript dumper name the error).
 */
export type CoreDumpOutcome = 'done' | 'declined' | 'failed';

/** Chunks handed to the sink (as the JavaScript dumper's). */
const CHUNK = 1 << 16;

/** The core was asked to write more than the output budget: the JavaScript dumper reports it. */
class OverBudget extends Error {}

/** Whether `t`'s records have the shapes the core's strides assume (a layout section may say otherwise). */
function defaultShapes(t: TypeTable): boolean {
  for (let k = 1; k < KIND_SHAPES.length; k++) {
    const s = t.btf.shapes[k];
    const d = KIND_SHAPES[k]!;
    if (s && (s.infoSize !== d.infoSize || s.elemSize !== d.elemSize)) return false;
  }
  return true;
}

/**
 * The text of `req` for `t` through dump-core.c, handed to `sink` in chunks: in the core
 * whose memory `t`'s records and strings were read into (dumpCoreInput), else in a fresh one
 * with a copy of the table.
 */
export function dumpCWasm(t: TypeTable, sink: ByteSink, req: CoreDumpRequest): CoreDumpOutcome {
  if (!Number.isInteger(req.ptrSize) || req.ptrSize < 1 || req.ptrSize > 0xffff || !defaultShapes(t)) return 'declined';
  const host = inputCores.host(t.words.buffer);
  if (host !== undefined && !host.core.used && t.strBytes.buffer === t.words.buffer) {
    const outcome = dumpInCore(host.core, host.freeAt, true, t, sink, req);
    if (outcome !== 'no room') return outcome;
  }
  const core = newDumpCore();
  if (!core) return 'declined';
  const outcome = dumpInCore(core, core.exports.heap_base(), false, t, sink, req);
  return outcome === 'no room' ? 'declined' : outcome;
}

/**
 * dumpCWasm in `core`, the table placed from `freeAt` on: with `inPlace`, only what is not
 * in its memory yet, and 'no room' (nothing written) where the rest does not fit below the
 * end of the memory, which may not grow (it would detach `t`'s views of the input).
 */
function dumpInCore(core: DumpCore, freeAt: number, inPlace: boolean, t: TypeTable, sink: ByteSink, req: CoreDumpRequest): CoreDumpOutcome | 'no room' {
  let chunk = new Uint8Array(CHUNK);
  let at = 0;
  let sent = false;
  let written = 0;
  const maxOutput = outputBudget(t.words.length * 4);
  const send = (): void => {
    if (at === 0) return;
    if (written + at > maxOutput) throw new OverBudget();
    written += at;
    sent = true;
    if (sink(chunk.subarray(0, at)) === true) chunk = new Uint8Array(CHUNK);
    at = 0;
  };
  const append = (bytes: Uint8Array): void => {
    for (let from = 0; from < bytes.length; ) {
      const n = Math.min(CHUNK - at, bytes.length - from);
      chunk.set(bytes.subarray(from, from + n), at);
      at += n;
      from += n;
      if (at === CHUNK) send();
    }
  };
  const exports = core.exports;
  const memory = exports.memory;
  core.used = true;
  core.onFlush = (length) => append(new Uint8Array(memory.buffer, exports.dump_out(), length));
  const n = t.n;
  const roots = req.roots !== undefined && req.roots.length > 0 ? req.roots : undefined;
  const sortInCore = roots === undefined && req.sorted;
  const layout = new CoreLayout(memory, freeAt);
  const table = placeTable(layout, t, inPlace);
  const idsAt = roots !== undefined ? layout.copy(Uint32Array.from(roots)) : sortInCore ? layout.place(sortScratchBytes(n, t.strBytes.length)) : 0;
  const heap = layout.place(0);
  const limit = inPlace ? memory.buffer.byteLength : 0;
  if (inPlace && heap > limit) return 'no room';
  if (!layout.commit()) return 'declined';
  table.addVoid(memory);
  try {
    // dump_check lays out the dumper's state, growing the memory (a trap where it cannot),
    // or in place below `limit` (a trap where it does not fit)
    let checked: number;
    try {
      checked = exports.dump_check(table.words, table.off, n, table.strs, t.strBytes.length, table.infoWords, heap, req.ptrSize, limit);
    } catch (e) {
      if (inPlace && e instanceof WebAssembly.RuntimeError) return 'no room';
      throw e;
    }
    if (checked !== 0) return 'declined';
    if (sortInCore && exports.sort_types(table.words, table.off, n, table.strs, t.strBytes.length, table.infoWords, idsAt) !== 0) {
      // An input sort-core.c gives back: the JavaScript sort's order (or its error) at idsAt.
      new Uint32Array(memory.buffer, idsAt, n).set(sortedTypeOrderJs(t));
    }
    append(req.prologue);
    if (roots !== undefined) exports.dump_c(idsAt, roots.length, 0);
    // bpftool starts its loop at position 1 of the sorted array, whatever sorted first.
    else if (req.sorted) exports.dump_c(idsAt + 4, n - 1, 1);
    else exports.dump_c(0, 0, 1);
    append(req.epilogue);
    send();
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError || e instanceof OverBudget)) throw e;
    return sent ? 'failed' : 'declined';
  }
  return 'done';
}
