/**
 * The WebAssembly cores (every *-core.c under src/, e.g. format/raw-core.c; built by
 * scripts/build-wasm.mjs): each compiled once from the base64 its -wasm.ts module carries,
 * instantiated per call (fresh, zeroed memory, dropped afterwards), with the inputs copied
 * above its heap base. Callers fall back to their JavaScript where this gives undefined or
 * false: no WebAssembly (or a page that refuses to compile it), or more than a wasm32
 * memory holds.
 */

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

/**
 * The bytes of `base64`. atob and a plain loop: Uint8Array.from with a per-byte callback took
 * 1-4 ms of a one-shot command for a 26 KB core (Node 20 has no Uint8Array.fromBase64).
 */
function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
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
