/**
 * Text output written straight as bytes. Dumping vmlinux prints ~300k lines; building them
 * as JS strings and encoding them again costs several times what bpftool takes, so numbers
 * are written as ASCII digits and names are copied byte for byte from the string table
 * (which is also exactly what bpftool prints for non-ASCII names).
 */

const encoder = new TextEncoder();

export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;
  private readonly sink: (chunk: Uint8Array) => void;
  private readonly chunkSize: number;

  /** `sink` receives filled chunks; a chunk is only valid during the call (it is reused). */
  constructor(sink: (chunk: Uint8Array) => void, chunkSize = 1 << 18) {
    this.sink = sink;
    this.chunkSize = chunkSize;
    this.buf = new Uint8Array(chunkSize);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.chunkSize));
  }

  flush(): void {
    if (this.pos > 0) this.sink(this.buf.subarray(0, this.pos));
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

  /** Any JS string (UTF-8). For hot paths prefer `lit` with a pre-encoded constant. */
  text(s: string): void {
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return this.lit(encoder.encode(s));
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** Unsigned integer below 2^53, in decimal. */
  uint(n: number): void {
    this.room(20);
    const buf = this.buf;
    if (n < 10) {
      buf[this.pos++] = 48 + n;
      return;
    }
    if (n < 0x80000000) {
      // 31-bit fast path: integer division by |0 instead of Math.floor on doubles.
      let digits = 1;
      for (let t = n; t >= 10; t = (t / 10) | 0) digits++;
      let p = this.pos + digits;
      this.pos = p;
      while (n > 0) {
        const q = (n / 10) | 0;
        buf[--p] = 48 + n - q * 10;
        n = q;
      }
      return;
    }
    let digits = 0;
    for (let t = n; t >= 1; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (n >= 1) {
      const q = Math.floor(n / 10);
      buf[--p] = 48 + (n - q * 10);
      n = q;
    }
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
