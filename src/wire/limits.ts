/**
 * Resource limits, as policy in one place. Every bound btfkit puts on hostile input lives
 * here so that the CLI, the library and the tests agree on it: how much input is read, how
 * much output or work an input may cause, and how deep any walk over the type graph goes.
 * Library code reads these (no Node imports); src/node applies the input limits to files.
 */

/** Largest regular file read as input (BTF of the largest kernels is ~10 MiB; an unstripped vmlinux a few hundred MiB). */
export const MAX_INPUT_BYTES = 1024 * 1024 * 1024;

/**
 * Largest input read from something without a size: stdin, a pipe, a FIFO, a device
 * (/dev/zero never ends). Lower than for files because the buffer grows as it reads; reading
 * up to it stays under 512 MiB of memory.
 */
export const MAX_STREAM_BYTES = 256 * 1024 * 1024;

/**
 * Largest decompressed size of a .gz/.xz/.zst input: the largest module (.ko) is ~20 MiB, a
 * kernel's BTF ~10 MiB. A few kilobytes of compressed input can expand to gigabytes; stopping
 * here keeps a compression bomb under 512 MiB of memory.
 */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/**
 * Output a text format may produce per byte of BTF, plus a fixed allowance. vmlinux.h is
 * about 3× its BTF; padding of a huge struct, or an array of a huge struct, is what could
 * grow without bound (a 68-byte BTF would make gigabytes of `long: 64;`).
 */
export const OUTPUT_BYTES_PER_INPUT_BYTE = 64;
export const OUTPUT_BYTES_ALLOWANCE = 64 * 1024 * 1024;

/** The output budget for an input of `inputBytes`. */
export function outputBudget(inputBytes: number): number {
  return OUTPUT_BYTES_ALLOWANCE + OUTPUT_BYTES_PER_INPUT_BYTE * inputBytes;
}

/**
 * Padding lines the C dumper writes for one gap in a struct before it writes one line that
 * names the gap instead (bpftool writes every one of them; a gap of gigabytes is hostile).
 */
export const MAX_PADDING_LINES = 1 << 16;

/**
 * Deepest nesting a recursive walk over types follows (modifiers, typedefs, arrays, nested
 * structs, function prototypes) before it stops with a BtfError naming the type. Real BTF
 * nests a few dozen levels (the kernel's resolver gives up at 32); 100,000-deep chains the
 * kernel accepts would overflow the stack. Walks that are iterative need no such bound.
 */
export const MAX_WALK_DEPTH = 1000;
