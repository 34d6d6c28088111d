/**
 * The vmlinux.h text by dump-core.c (see src/wasm/core.ts): bpftool's prologue, every type
 * through the compiled dumper (sorted by sort-core.c in the same instance), the kfunc
 * prototypes, the epilogue. In a one-shot `btfkit dump --format c` of vmlinux the
 * JavaScript dumper ran mostly as cold code; the JavaScript stays the reference (tested
 * byte for byte against this) and the path for whatever the core gives back.
 */

import { KIND_SHAPES } from '../../wire/kinds.js';
import { outputBudget } from '../../wire/limits.js';
import { CoreLayout, instantiateCore } from '../../wasm/core.js';
import type { ByteSink } from '../byte-writer.js';
import { DUMP_CORE_WASM } from './dump-core-wasm.js';
import { placeTable, sortedTypeOrderJs, sortScratchBytes } from './sort.js';
import type { TypeTable } from './table.js';

interface DumpCoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  sort_types(words: number, off: number, n: number, strs: number, strLen: number, infoWords: number, scratch: number): number;
  dump_check(words: number, off: number, n: number, strs: number, strLen: number, infoWords: number, heap: number, ptrSize: number): number;
  dump_c(ids: number, count: number, kfuncs: number): void;
  dump_out(): number;
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

/** The text of `req` for `t` through dump-core.c, handed to `sink` in chunks. */
export function dumpCWasm(t: TypeTable, sink: ByteSink, req: CoreDumpRequest): CoreDumpOutcome {
  if (!Number.isInteger(req.ptrSize) || req.ptrSize < 1 || req.ptrSize > 0xffff || !defaultShapes(t)) return 'declined';
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
  let core: DumpCoreExports | undefined;
  const flush = (length: number): void => append(new Uint8Array(core!.memory.buffer, core!.dump_out(), length));
  core = instantiateCore(DUMP_CORE_WASM, { env: { flush } }) as DumpCoreExports | undefined;
  if (!core) return 'declined';
  const n = t.n;
  const roots = req.roots !== undefined && req.roots.length > 0 ? req.roots : undefined;
  const sortInCore = roots === undefined && req.sorted;
  const layout = new CoreLayout(core.memory, core.heap_base());
  const table = placeTable(layout, t);
  const idsAt = roots !== undefined ? layout.copy(Uint32Array.from(roots)) : sortInCore ? layout.place(sortScratchBytes(n, t.strBytes.length)) : 0;
  const heap = layout.place(0);
  if (!layout.commit()) return 'declined';
  table.addVoid(core.memory);
  try {
    // (dump_check lays out the dumper's state, growing the memory: a trap there where it cannot)
    if (core.dump_check(table.words, table.off, n, table.strs, t.strBytes.length, table.infoWords, heap, req.ptrSize) !== 0) return 'declined';
    if (sortInCore && core.sort_types(table.words, table.off, n, table.strs, t.strBytes.length, table.infoWords, idsAt) !== 0) {
      // An input sort-core.c gives back: the JavaScript sort's order (or its error) at idsAt.
      new Uint32Array(core.memory.buffer, idsAt, n).set(sortedTypeOrderJs(t));
    }
    append(req.prologue);
    if (roots !== undefined) core.dump_c(idsAt, roots.length, 0);
    // bpftool starts its loop at position 1 of the sorted array, whatever sorted first.
    else if (req.sorted) core.dump_c(idsAt + 4, n - 1, 1);
    else core.dump_c(0, 0, 1);
    append(req.epilogue);
    send();
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError || e instanceof OverBudget)) throw e;
    return sent ? 'failed' : 'declined';
  }
  return 'done';
}
