/**
 * A full garbage collection on request. Commands that drop a very large input before a
 * memory-hungry phase (encode: 250 MB of vmlinux DWARF before the dedup) call this so the peak
 * is the larger of the two phases, not their sum: V8 otherwise frees big ArrayBuffers only when
 * its heap, which they are not part of, asks for a collection.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
