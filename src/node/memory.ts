/**
 * A full garbage collection on request. Commands that drop a very large input before a
 * memory-hungry phase (encode: 250 MB of vmlinux DWARF before the dedup) call this so the peak
 * is the larger of the two phases, not their sum: V8 otherwise frees big ArrayBuffers only when
 * its heap, which they are not part of, asks for a collection. Under Bun, `Bun.gc(true)` does
 * the same; where neither is available the request is dropped (it only lowers the peak).
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

function findGc(): (() => void) | null {
  const bun = (globalThis as { Bun?: { gc?: (sync: boolean) => void } }).Bun;
  if (bun?.gc) return () => bun.gc!(true);
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    return typeof f === 'function' ? (f as () => void) : null;
  } catch {
    return null;
  }
}

export function collectGarbage(): void {
  if (gc === undefined) gc = findGc();
  gc?.();
}
