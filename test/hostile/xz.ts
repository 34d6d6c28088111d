/** xz-compress bytes with the xz command (tests only; the library only decompresses). */

import { execFileSync } from 'node:child_process';

export function xzSync(data: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync('xz', ['-c', '-1'], { input: data, maxBuffer: 1 << 28 }));
}
