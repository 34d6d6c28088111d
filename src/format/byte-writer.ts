/**
 * Text output written straight as bytes. Dumping vmlinux prints ~300k lines; building them
 * as JS strings and encoding them again costs several times what bpftool takes, so numbers
 * are written as ASCII digits and names are copied byte for byte from the string table
 * (which is also exactly what bpftool prints for non-ASCII names).
 */

const encoder = new TextEncoder();

/** Where a ByteWriter's chunks go; true = the sink kept the chunk (see ByteWriter). */
// biome-ignore lint/suspicious/noConfusingVoidType: a sink that keeps nothing may return nothing (a plain callback)
export type ByteSink = (chunk: Uint8Array) => boolean | void;

/** Bytes written in reused chunks handed to a sink (or kept for `take()`): every formatter writes through one. */
export class ByteWriter {
  /**
   * The current chunk and the write position in it. Hot formatters (format/raw.ts) write
   * into `buf` through local copies of both after `reserve()`, and store `pos` back: a
   * method call and two field updates per number or word cost more than the digits.
   */
  buf: Uint8Array;
  pos = 0;
  private readonly sink: ByteSink;
  private readonly chunkSize: number;

  /**
   * `sink` receives filled chunks. A chunk is reused once the call returns, unless the sink
   * returns true: it keeps the chunk (a stream that queued it), and the writer goes on in a
   * new one. Reusing what the sink is done with keeps a dump's memory at one chunk.
   */
  constructor(sink: ByteSink, chunkSize = 1 << 18) {
    this.sink = sink;
    this.chunkSize = chunkSize;
    this.buf = new Uint8Array(chunkSize);
  }

  /** Make room for `n` more bytes in `buf` at `pos` (flushing, or a bigger chunk). */
  reserve(n: number): void {
    this.room(n);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.chunkSize));
  }

  flush(): void {
    if (this.pos > 0 && this.sink(this.buf.subarray(0, this.pos)) === true) this.buf = new Uint8Array(this.chunkSize);
    this.pos = 0;
  }

  /** Pre-encoded literal. */
  lit(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    // Literals are a few bytes; a loop beats TypedArray.set's call overhead here.
    for (let i = 0; i < n; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.flush();
    this.buf[this.pos++] = c;
  }

  /**
   * Any JS string (UTF-8). For hot paths prefer `lit` with a pre-encoded constant. Room for
   * three bytes per UTF-16 unit (the most one takes) is made first; ASCII is copied by a
   * loop (most text: short names and punctuation), the rest from the first non-ASCII
   * character on, and long strings, by the native encoder.
   */
  text(s: string): void {
    const n = s.length;
    this.room(n * 3);
    const buf = this.buf;
    let p = this.pos;
    if (n > 32) {
      this.pos = p + encoder.encodeInto(s, buf.subarray(p)).written;
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        p += encoder.encodeInto(s.slice(i), buf.subarray(p)).written;
        break;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Unsigned integer below 2^53, in decimal. */
  uint(n: number): void {
    this.room(16);
    this.pos = putUint(this.buf, this.pos, n);
  }

  int(n: number): void {
    if (n < 0) {
      this.byte(45);
      this.uint(-n);
    } else this.uint(n);
  }

  bigint(n: bigint): void {
    this.text(n.toString());
  }

  /** Copy the NUL-terminated string at `start` of `table`. */
  cstr(table: Uint8Array, start: number): void {
    // Byte loop: names are short, and subarray()+set() allocates per name.
    const end = table.length;
    let i = start;
    for (;;) {
      const room = this.buf.length - this.pos;
      const buf = this.buf;
      let p = this.pos;
      const stop = Math.min(end, i + room);
      while (i < stop) {
        const c = table[i]!;
        if (c === 0) {
          this.pos = p;
          return;
        }
        buf[p++] = c;
        i++;
      }
      this.pos = p;
      if (i >= end) return;
      this.flush();
    }
  }
}

export const lit = (s: string): Uint8Array => encoder.encode(s);

/** Copy `b` to buf[p..]; the new position. The caller has reserved the room. */
export function putLit(buf: Uint8Array, p: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
  return p;
}

/**
 * Decimal digits of `n` (an unsigned integer below 2^53, at most 16 bytes) at buf[p..]; the
 * new position. The caller has reserved the room. Below 2^31 the division stays in int32.
 */
export function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n < 0x80000000) {
    const end =
      n < 10 ? p + 1 : n < 100 ? p + 2 : n < 1000 ? p + 3 : n < 10000 ? p + 4 : n < 100000 ? p + 5 :
      n < 1000000 ? p + 6 : n < 10000000 ? p + 7 : n < 100000000 ? p + 8 : n < 1000000000 ? p + 9 : p + 10;
    let q = end;
    while (n >= 10) {
      const t = (n / 10) | 0;
      buf[--q] = 48 + n - t * 10;
      n = t;
    }
    buf[--q] = 48 + n;
    return end;
  }
  let digits = 0;
  for (let t = n; t >= 1; t = Math.floor(t / 10)) digits++;
  const end = p + digits;
  let q = end;
  while (n >= 1) {
    const t = Math.floor(n / 10);
    buf[--q] = 48 + (n - t * 10);
    n = t;
  }
  return end;
}
