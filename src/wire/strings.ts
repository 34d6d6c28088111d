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
