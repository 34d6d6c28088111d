import type { Btf } from './btf.js';
import { indexStringsByCore, type StringIndexTable, stringTableMask } from './btf-core.js';

/**
 * String-section helpers. Names are decoded only when asked for; comparisons against a
 * wanted name are done on bytes, so lookups never decode the whole table.
 */

const utf8 = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

/** Decode the NUL-terminated string starting at `start` (the table always ends with NUL). */
export function decodeCString(bytes: Uint8Array, start: number): string {
  let end = start;
  let ascii = true;
  const len = bytes.length;
  while (end < len) {
    const c = bytes[end]!;
    if (c === 0) break;
    if (c >= 0x80) ascii = false;
    end++;
  }
  if (end === start) return '';
  if (ascii && end - start < 256) {
    // Short ASCII names dominate BTF; fromCharCode avoids the TextDecoder call overhead.
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return utf8.decode(bytes.subarray(start, end));
}

export function encodeString(s: string): Uint8Array {
  return encoder.encode(s);
}

/** strcmp of the C string at `start` against `want` (no NUL inside): <0, 0, >0. */
export function compareCString(bytes: Uint8Array, start: number, want: Uint8Array): number {
  const n = want.length;
  for (let i = 0; i < n; i++) {
    const c = start + i < bytes.length ? bytes[start + i]! : 0;
    const w = want[i]!;
    if (c !== w) return c - w;
  }
  const next = start + n < bytes.length ? bytes[start + n]! : 0;
  return next; // 0 when the stored string ends here too
}

/** strcmp of two C strings in (possibly different) tables. */
export function compareCStrings(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  for (;;) {
    const ca = ai < a.length ? a[ai]! : 0;
    const cb = bi < b.length ? b[bi]! : 0;
    if (ca !== cb) return ca - cb;
    if (ca === 0) return 0;
    ai++;
    bi++;
  }
}

/**
 * A growable, deduplicating string table for writers. Offset 0 is the empty string unless
 * the table continues a base (split BTF), where it starts empty and offsets are logical
 * (`startOffset + local`).
 */
export class StringTableBuilder {
  private buf: Uint8Array;
  private len: number;
  private readonly index = new Map<string, number>();
  readonly startOffset: number;

  constructor(startOffset = 0, withEmpty = startOffset === 0) {
    this.startOffset = startOffset;
    this.buf = new Uint8Array(1024);
    this.len = 0;
    if (withEmpty) {
      this.buf[0] = 0;
      this.len = 1;
      this.index.set('', startOffset);
    }
  }

  /** Logical offset of `s`, adding it if new. */
  add(s: string): number {
    const have = this.index.get(s);
    if (have !== undefined) return have;
    const bytes = encoder.encode(s);
    this.ensure(bytes.length + 1);
    const off = this.len;
    this.buf.set(bytes, off);
    this.buf[off + bytes.length] = 0;
    this.len += bytes.length + 1;
    const logical = this.startOffset + off;
    this.index.set(s, logical);
    return logical;
  }

  /** Logical offset of `s` if present. */
  find(s: string): number | undefined {
    return this.index.get(s);
  }

  get size(): number {
    return this.len;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/**
 * Where a BtfBuilder keeps its own strings instead of its StringTableBuilder
 * (BuilderOptions.stringStore): the DWARF encoder's WebAssembly core interns the names it walks there without a
 * call out per name. It gives the offsets the builder's own table would (base reuse
 * included): addString's for `add`, addStringAt's for `addAt`. Neither is asked for ''.
 */
export interface StringStore {
  add(s: string): number;
  addAt(src: Uint8Array, at: number): number;
  /** The own strings, as StringTableBuilder.bytes(). */
  bytes(): Uint8Array;
}

// ---- byte-level interning: strings hashed and compared in their tables, never decoded ----

/**
 * The string hash of the string at `start` (ending at a NUL or the table's end), as the cores'
 * string_hash (src/wasm/string-index.h) makes it: four bytes a step as a little-endian word,
 * the last zero-padded, then the length and murmur3's finalizer. A signed 32-bit number.
 */
export function hashBytes(t: Uint8Array, start: number): number {
  let h = 0x811c9dc5 | 0;
  let w = 0;
  let i = start;
  for (; ; i++) {
    const c = t[i];
    if (c === 0 || c === undefined) break;
    const k = (i - start) & 3;
    w |= c << (8 * k);
    if (k === 3) {
      h = Math.imul(((h << 5) | (h >>> 27)) ^ w, 0x9e3779b1 | 0);
      w = 0;
    }
  }
  const n = i - start;
  if ((n & 3) !== 0) h = Math.imul(((h << 5) | (h >>> 27)) ^ w, 0x9e3779b1 | 0);
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b | 0);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35 | 0);
  return h ^ (h >>> 16);
}

/** Equality of the C strings at `a[ai]` and `b[bi]`. */
export function sameBytes(a: Uint8Array, ai: number, b: Uint8Array, bi: number): boolean {
  for (;;) {
    const ca = a[ai++] ?? 0;
    const cb = b[bi++] ?? 0;
    if (ca !== cb) return false;
    if (ca === 0) return true;
  }
}

/**
 * A growable deduplicating string table over bytes: `intern(src, at)` adds the C string at
 * `src[at]` (if new) and returns its logical offset (`startOffset + local`).
 */
export class ByteStringTable {
  buf: Uint8Array;
  len = 0;
  private slots: Int32Array; // local offset + 1, 0 = empty
  private hashes: Int32Array;
  private count = 0;
  private mask: number;

  constructor(
    readonly startOffset: number,
    withEmpty: boolean,
    sizeHint = 1024,
  ) {
    this.buf = new Uint8Array(Math.max(64, sizeHint));
    let cap = 1024;
    while (cap < sizeHint / 8) cap *= 2;
    this.slots = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.mask = cap - 1;
    if (withEmpty) {
      this.buf[0] = 0;
      this.len = 1;
      this.insertSlot(hashBytes(this.buf, 0), 0);
    }
  }

  intern(src: Uint8Array, at: number): number {
    const h = hashBytes(src, at);
    const slots = this.slots;
    const hashes = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) break;
      if (hashes[i] === h && sameBytes(this.buf, s - 1, src, at)) return this.startOffset + s - 1;
      i = (i + 1) & mask;
    }
    // Append.
    let end = at;
    while ((src[end] ?? 0) !== 0) end++;
    const n = end - at + 1;
    if (this.len + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    const local = this.len;
    const buf = this.buf;
    for (let i = 0; i < n - 1; i++) buf[local + i] = src[at + i]!;
    buf[local + n - 1] = 0;
    this.len += n;
    slots[i] = local + 1;
    hashes[i] = h;
    if (++this.count * 2 > mask) this.grow();
    return this.startOffset + local;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private insertSlot(h: number, local: number): void {
    let i = h & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = local + 1;
    this.hashes[i] = h;
    this.count++;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    const cap = oldSlots.length * 2;
    this.slots = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldSlots.length; i++) {
      const s = oldSlots[i]!;
      if (s !== 0) this.insertSlot(oldHashes[i]!, s - 1);
    }
  }
}

/**
 * Lookup index over the strings of a base BTF chain (first occurrence wins, as libbpf's
 * btf__find_str): logical offset of a string given as bytes, or -1.
 */
export class BaseStringIndex {
  /** All string tables of the chain, concatenated: index = logical offset. */
  readonly all: Uint8Array;
  /**
   * Open addressing over the string starts: offset + 1 (0 empty) and the hashBytes of each,
   * mask + 1 slots; the dedup core reads them too.
   * @internal
   */
  readonly slots: Int32Array;
  /** @internal */
  readonly hashes: Int32Array;
  /** @internal */
  readonly mask: number;

  /** `made`: the table for these bytes where a core already made it (offerBaseStringIndex). */
  constructor(base: Btf, made?: StringIndexTable) {
    const all = baseStringBytes(base);
    this.all = all;
    // vmlinux's 1.8 MB by btf-core.c (cold JavaScript took tens of milliseconds per command).
    const table = made ?? indexStringsByCore(all) ?? indexStringsJs(all);
    this.slots = table.slots;
    this.hashes = table.hashes;
    this.mask = table.mask;
  }

  find(src: Uint8Array, at: number, h = hashBytes(src, at)): number {
    const slots = this.slots;
    let i = h & this.mask;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) return -1;
      if (this.hashes[i] === h && sameBytes(this.all, s - 1, src, at)) return s - 1;
      i = (i + 1) & this.mask;
    }
  }
}

/** All string tables of a base BTF chain, concatenated: index = logical string offset. */
export function baseStringBytes(base: Btf): Uint8Array {
  if (!base.base) return base.strings;
  const all = new Uint8Array(base.startStrOff + base.strings.length);
  for (let b: Btf | undefined = base; b; b = b.base) all.set(b.strings, b.startStrOff);
  return all;
}

/**
 * BaseStringIndex's table in JavaScript (the fallback, and the reference btf-core.c's
 * btf_index_strings is tested against): each string start of `all` by its hashBytes, first
 * occurrence kept.
 * @internal
 */
export function indexStringsJs(all: Uint8Array): StringIndexTable {
  // Count strings to size the table (indexOf is native).
  let n = 0;
  for (let p = all.indexOf(0); p >= 0; p = all.indexOf(0, p + 1)) n++;
  const mask = stringTableMask(n);
  const total = all.length;
  const slots = new Int32Array(mask + 1);
  const hashes = new Int32Array(mask + 1);
  let start = 0;
  while (start < total) {
    const h = hashBytes(all, start);
    let end = all.indexOf(0, start);
    if (end < 0) end = total;
    let i = h & mask;
    let dup = false;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) break;
      if (hashes[i] === h) {
        // Same bytes up to and including the NUL (the table ends with one).
        let a = s - 1;
        let b = start;
        for (;;) {
          const x = all[a++] ?? 0;
          if (x !== (all[b++] ?? 0)) break;
          if (x === 0) {
            dup = true;
            break;
          }
        }
        if (dup) break;
      }
      i = (i + 1) & mask;
    }
    if (!dup) {
      slots[i] = start + 1;
      hashes[i] = h;
    }
    start = end + 1;
  }
  return { slots, hashes, mask };
}

const baseIndexCache = new WeakMap<Btf, BaseStringIndex>();
/** Tables of base chains' strings that a core made already, to take before making one (offerBaseStringIndex). */
const offeredTables = new WeakMap<Btf, StringIndexTable>();

/** The (cached) string index of a base BTF chain. */
export function baseStringIndex(base: Btf): BaseStringIndex {
  let idx = baseIndexCache.get(base);
  if (!idx) {
    idx = new BaseStringIndex(base, offeredTables.get(base));
    offeredTables.delete(base);
    baseIndexCache.set(base, idx);
  }
  return idx;
}

/**
 * `table`, the index of `base`'s chain strings (indexStringsJs's, for baseStringBytes(base)),
 * for baseStringIndex to take instead of making it again: an encode's walk core made it
 * (vmlinux: ~18 ms cold), and a distilled base looks the same strings up after.
 * @internal
 */
export function offerBaseStringIndex(base: Btf, table: StringIndexTable): void {
  if (!baseIndexCache.has(base)) offeredTables.set(base, table);
}
