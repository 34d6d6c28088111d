/**
 * How many times each name was taken, for the C dumper's `___N` suffixes, keyed by the name's
 * bytes in the string table: a name is looked up as a string offset, hashed and compared
 * byte by byte, with no JS string made. Keyed by JS strings (a Map), vmlinux's ~100k
 * lookups made as many string slices and hashes, most of the dumper's cold time in
 * `--unsorted`. Two offsets with the same bytes are the same name (a split chain, or a
 * string table that is not deduplicated, may hold a name twice).
 */

import { hashBytes, sameBytes } from '../../wire/strings.js';

export class NameCounts {
  /** Per slot: string offset + 1 of the name (0 = empty), its hash and its count. */
  private offs: Int32Array;
  private hashes: Int32Array;
  private counts: Int32Array;
  private used = 0;

  constructor(
    private readonly strBytes: Uint8Array,
    sizeHint = 1024,
  ) {
    let cap = 1024;
    while (cap < sizeHint * 2) cap *= 2;
    this.offs = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.counts = new Int32Array(cap);
  }

  /** Count one more use of the name at string offset `off`; the count including it (1 the first time). */
  take(off: number): number {
    const sb = this.strBytes;
    const h = hashBytes(sb, off);
    const offs = this.offs;
    const mask = offs.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = offs[i]!;
      if (s === 0) {
        offs[i] = off + 1;
        this.hashes[i] = h;
        this.counts[i] = 1;
        if (++this.used * 2 > offs.length) this.grow();
        return 1;
      }
      if (this.hashes[i] === h && (s === off + 1 || sameBytes(sb, s - 1, sb, off))) return ++this.counts[i]!;
    }
  }

  private grow(): void {
    const { offs, hashes, counts } = this;
    const cap = offs.length * 2;
    const mask = cap - 1;
    this.offs = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.counts = new Int32Array(cap);
    for (let j = 0; j < offs.length; j++) {
      if (offs[j] === 0) continue;
      let i = hashes[j]! & mask;
      while (this.offs[i] !== 0) i = (i + 1) & mask;
      this.offs[i] = offs[j]!;
      this.hashes[i] = hashes[j]!;
      this.counts[i] = counts[j]!;
    }
  }
}
