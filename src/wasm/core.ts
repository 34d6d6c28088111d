/**
 * The WebAssembly cores (every *-core.c under src/, e.g. format/raw-core.c; built by
 * scripts/build-wasm.mjs): each compiled once from the base64 its -wasm.ts module carries,
 * instantiated per call (fresh, zeroed memory, dropped afterwards), with the inputs copied
 * above its heap base. Callers fall back to their JavaScript where this gives undefined or
 * false: no WebAssembly (or a page that refuses to compile it), or more than a wasm32
 * memory holds.
 */

import { CORE_KIND_TABLE_BYTES } from '../wire/kinds.js';

/**
 * A core's memory as callers use it (a WebAssembly.Memory). The signatures exported here and
 * by the cores' drivers name these shapes, not the WebAssembly namespace: the published
 * typings are compiled by projects with neither the DOM library nor typings that declare it
 * (@types/node 20 does not).
 */
export interface CoreMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** What a core imports, by module and name (WebAssembly.Imports). */
export type CoreImports = Record<string, Record<string, unknown>>;

/** What a core exports: functions, its memory, globals (WebAssembly.Exports). */
export type CoreExports = Record<string, unknown>;

const modules = new Map<string, WebAssembly.Module | null>();

/** A fresh instance of the core in `base64`; undefined where it cannot be compiled. */
export function instantiateCore(base64: string, imports: CoreImports = {}): CoreExports | undefined {
  let module = modules.get(base64);
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(decodeBase64(base64));
    } catch {
      module = null;
    }
    modules.set(base64, module);
  }
  return module === null ? undefined : new WebAssembly.Instance(module, imports as WebAssembly.Imports).exports;
}

/** A native base64 decoder where the runtime has one: Uint8Array.fromBase64 (ES2026), else Node's and Bun's Buffer (a global there: no import). */
/** @internal */
export type Base64Decoder = (base64: string) => Uint8Array<ArrayBuffer>;
const nativeBase64: Base64Decoder | undefined = (() => {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: Base64Decoder }).fromBase64;
  if (typeof fromBase64 === 'function') return (s) => fromBase64.call(Uint8Array, s);
  const buffer = (globalThis as { Buffer?: { from(s: string, encoding: 'base64'): Uint8Array<ArrayBuffer> } }).Buffer;
  return typeof buffer?.from === 'function' ? (s) => buffer.from(s, 'base64') : undefined;
})();

/**
 * The bytes of `base64`: natively where the runtime can (walk and dedup cores of an encode: ~1 ms,
 * 4-8 ms with atob and a loop in a cold process), else atob and a plain loop (Uint8Array.from
 * with a per-byte callback took 1-4 ms of a one-shot command for a 26 KB core). `native`: for
 * the tests (null: the fallback).
 * @internal
 */
export function decodeBase64(base64: string, native: Base64Decoder | null = nativeBase64 ?? null): Uint8Array<ArrayBuffer> {
  if (native) return native(base64);
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Arrays laid out 8-aligned above a core's heap base, then its memory grown to hold them. */
export class CoreLayout {
  private at: number;

  constructor(
    private readonly memory: CoreMemory,
    heapBase: number,
  ) {
    this.at = heapBase;
  }

  /** Room for `bytes`; its address. */
  place(bytes: number): number {
    const start = (this.at + 7) & ~7;
    this.at = start + bytes;
    return start;
  }

  /** `data` at a new place; its address (call grow() before). */
  copy(data: Uint8Array | Uint32Array | Int32Array): number {
    const at = this.place(data.byteLength);
    this.pending.push([at, data]);
    return at;
  }

  private pending: [number, Uint8Array | Uint32Array | Int32Array][] = [];

  /** Grow the memory to hold everything placed and copy the data in; false when it cannot grow so far. */
  commit(): boolean {
    try {
      const grow = Math.ceil((this.at - this.memory.buffer.byteLength) / 65536);
      if (grow > 0) this.memory.grow(grow);
    } catch {
      return false;
    }
    for (const [at, data] of this.pending) new Uint8Array(this.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.pending = [];
    return true;
  }
}

/**
 * Room for an input of `byteLength` bytes in a core's memory, at its heap base, the memory
 * grown once so that `after` more bytes fit behind it: a reader (loadBtf's `allocate`) puts
 * the input there and the core reads it where it lies, with no copy into fresh memory
 * (~3.5 ms for vmlinux: its pages faulted in twice, 6 MB copied). The view, and the first
 * address after it for a CoreLayout; undefined when the memory cannot grow so far. Whatever
 * is placed later must fit in the room: growing the memory again detaches the view.
 */
export function reserveInput(memory: CoreMemory, heapBase: number, byteLength: number, after: number): { input: Uint8Array; freeAt: number } | undefined {
  const at = (heapBase + 7) & ~7;
  try {
    const grow = Math.ceil((at + byteLength + after - memory.buffer.byteLength) / 65536);
    if (grow > 0) memory.grow(grow);
  } catch {
    return undefined;
  }
  return { input: new Uint8Array(memory.buffer, at, byteLength), freeAt: at + byteLength };
}

/** What InputCores needs of a core's exports. */
interface MemoryExports {
  readonly memory: CoreMemory;
  heap_base(): number;
}

/** A core's index_records export (btf-index.h): kind table, words, word count, offsets; the count or -1. */
type IndexRecords = (kinds: number, words: number, nWords: number, offsets: number) => number;

/**
 * Cores (T: a core's exports, or an object holding them) whose memory holds an input read in
 * place (reserveInput), by that memory's buffer, each with the first free address after what
 * is placed there: the input's readers find the core from the buffer of the input's views.
 */
export class InputCores<T> {
  private readonly hosts = new WeakMap<ArrayBufferLike, { readonly core: T; freeAt: number }>();

  constructor(private readonly exportsOf: (core: T) => MemoryExports) {}

  /**
   * Room for an input of `byteLength` bytes in `core`'s memory (reserveInput), with room
   * behind it for its kind table and record index (index: at most a third of the input, as
   * records are 12 bytes or more) and `after` more bytes; undefined where it cannot grow so far.
   */
  reserve(core: T, byteLength: number, after: number): Uint8Array | undefined {
    const { memory, heap_base } = this.exportsOf(core);
    const room = reserveInput(memory, heap_base(), byteLength, CORE_KIND_TABLE_BYTES + Math.ceil(byteLength / 3) + after);
    if (!room) return undefined;
    this.hosts.set(memory.buffer, { core, freeAt: room.freeAt });
    return room.input;
  }

  /** The core whose memory `buffer` is, and the first free address in it. */
  host(buffer: ArrayBufferLike): { readonly core: T; readonly freeAt: number } | undefined {
    return this.hosts.get(buffer);
  }

  /**
   * Room for `bytes` more (8-aligned) in the memory whose buffer is `buffer`, after whatever
   * is placed there: its address, the free address moved past it; undefined for a buffer no
   * core here holds, or when the room reserve() left is used up (growing would detach the input).
   */
  claim(buffer: ArrayBufferLike, bytes: number): number | undefined {
    const host = this.hosts.get(buffer);
    if (!host) return undefined;
    const at = (host.freeAt + 7) & ~7;
    if (at + bytes > buffer.byteLength) return undefined;
    host.freeAt = at + bytes;
    return at;
  }

  /**
   * The record index of `words`, read by reserve(), made where they lie by the core's
   * `index` with `kinds` (kinds.ts coreKindTable) placed beside: a view of the memory, the
   * free address moved past it. Undefined for words elsewhere, no kind table, or a record
   * the core refuses (indexTypes then makes the index and reports what is wrong).
   */
  index(words: Uint32Array, kinds: Uint8Array | undefined, index: (core: T) => IndexRecords): Uint32Array | undefined {
    const host = this.hosts.get(words.buffer);
    if (!host || !kinds) return undefined;
    const { memory } = this.exportsOf(host.core);
    const layout = new CoreLayout(memory, host.freeAt);
    const kindsAt = layout.copy(kinds);
    const offsetsAt = layout.place(Math.floor(words.length / 3) * 4);
    // Growing would detach the words: reserve() left room for the kinds and the offsets.
    if (layout.place(0) > memory.buffer.byteLength || !layout.commit()) return undefined;
    const n = index(host.core)(kindsAt, words.byteOffset, words.length, offsetsAt);
    if (n < 0) return undefined;
    host.freeAt = offsetsAt + n * 4;
    return new Uint32Array(memory.buffer, offsetsAt, n);
  }
}
