/** Shared test helpers: fixture paths (tests run from dist/test/**), and a tiny independent BTF encoder. */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The repository root, found from this compiled file (dist/test/helpers.js). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function fixturePath(...parts: string[]): string {
  return join(REPO_ROOT, 'fixtures', ...parts);
}

export function readFixture(...parts: string[]): Uint8Array {
  const p = fixturePath(...parts);
  const b = readFileSync(p);
  return p.endsWith('.gz') ? new Uint8Array(gunzipSync(b)) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function readFixtureText(...parts: string[]): string {
  const p = fixturePath(...parts);
  const b = readFileSync(p);
  return (p.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
}

/**
 * A deliberately separate, minimal BTF encoder for tests (not the library's builder), so
 * reader tests do not only check the writer against itself.
 */
export interface RawBlob {
  /** Type records as arrays of u32 words. */
  types: number[][];
  /** String table contents (joined with NULs; the first must be '' for base BTF). */
  strings: string[];
  littleEndian?: boolean;
  hdrLen?: 24 | 32;
  /** Layout entries [info_sz, elem_sz, flags] per kind, placed between types and strings. */
  layout?: Array<[number, number, number]>;
}

export function encodeBlob(b: RawBlob): Uint8Array {
  const le = b.littleEndian ?? true;
  const hdrLen = b.layout ? 32 : (b.hdrLen ?? 24);
  const words = b.types.flat();
  const strBytes = Buffer.from(b.strings.map((s) => s + '\0').join(''), 'utf8');
  const typeLen = words.length * 4;
  const layoutLen = b.layout ? b.layout.length * 4 : 0;
  const buf = new Uint8Array(hdrLen + typeLen + layoutLen + strBytes.length);
  const v = new DataView(buf.buffer);
  v.setUint16(0, 0xeb9f, le);
  v.setUint8(2, 1);
  v.setUint32(4, hdrLen, le);
  v.setUint32(8, 0, le);
  v.setUint32(12, typeLen, le);
  v.setUint32(16, typeLen + layoutLen, le);
  v.setUint32(20, strBytes.length, le);
  if (hdrLen === 32) {
    v.setUint32(24, b.layout ? typeLen : 0, le);
    v.setUint32(28, layoutLen, le);
  }
  words.forEach((w, i) => v.setUint32(hdrLen + i * 4, w >>> 0, le));
  b.layout?.forEach(([info, elem, flags], k) => {
    const p = hdrLen + typeLen + k * 4;
    buf[p] = info;
    buf[p + 1] = elem;
    v.setUint16(p + 2, flags, le);
  });
  buf.set(strBytes, hdrLen + typeLen + layoutLen);
  return buf;
}

/** Offset of string `s` in a RawBlob string list (+ a start offset for split BTF). */
export function strOff(strings: string[], s: string, start = 0): number {
  let off = 0;
  for (const x of strings) {
    if (x === s) return start + off;
    off += Buffer.byteLength(x) + 1;
  }
  throw new Error(`string ${s} not in table`);
}

export const info = (kind: number, vlen = 0, kflag = false): number => ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
