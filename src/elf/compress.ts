/**
 * Transparent decompression of inputs such as vmlinux.btf.gz, module.ko.xz or module.ko.zst.
 *
 * Browser-safe: gzip uses the web-standard DecompressionStream, zstd the pure-JS fzstd, xz the
 * WebAssembly xz-decompress. Output is capped (maxBytes) because a few kilobytes of compressed
 * input can expand to gigabytes, and every library failure becomes a one-line BtfError.
 */

import { BtfError, fail } from '../wire/errors.js';
import { MAX_DECOMPRESSED_BYTES } from '../wire/limits.js';

export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

/** Options of `decompress`. */
export interface DecompressOptions {
  /** Largest decompressed size accepted, in bytes. Default MAX_DECOMPRESSED_BYTES (limits.ts). */
  maxBytes?: number | undefined;
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = MAX_DECOMPRESSED_BYTES;

/**
 * fzstd allocates the whole window up front, and the window size comes from the frame header, so
 * a forged header could ask for 2 GiB. 128 MiB is the largest window zstd picks without --long.
 */
const MAX_ZSTD_WINDOW = 128 * 1024 * 1024;

/** Identify the container by its magic bytes. */
export function detectCompression(bytes: Uint8Array): Compression {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  // A zstd stream may start with a skippable frame (magic 0x184D2A50..5F, little-endian).
  if ((b(0) & 0xf0) === 0x50 && b(1) === 0x2a && b(2) === 0x4d && b(3) === 0x18) return 'zstd';
  return 'none';
}

/**
 * Decompress gzip, xz or zstd data (detected by magic). Uncompressed input is returned as is
 * (the same object, not a copy).
 */
export async function decompress(bytes: Uint8Array, options: DecompressOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    return fail('invalid-argument', `maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  switch (detectCompression(bytes)) {
    case 'gzip':
      return decompressGzip(bytes, maxBytes);
    case 'xz':
      return decompressXz(bytes, maxBytes);
    case 'zstd':
      return decompressZstd(bytes, maxBytes);
    case 'none':
      return bytes;
  }
}

function tooBig(format: string, maxBytes: number): never {
  return fail('unsupported', `decompressed ${format} data exceed the limit of ${maxBytes} bytes`);
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Keep the report on one line whatever the library put in its message.
  return text.replace(/\s+/g, ' ').trim();
}

function singleChunkStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * Drain a stream into one array, stopping (and cancelling the producer) as soon as the total
 * passes maxBytes so the cap bounds memory, not just the result.
 */
async function collect(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  format: string,
  wrap: (error: unknown) => BtfError,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      throw wrap(error);
    }
    if (result.done) break;
    total += result.value.length;
    if (total > maxBytes) {
      // Cancelling releases the decoder (xz-decompress holds a global lock until then).
      await reader.cancel().catch(() => undefined);
      tooBig(format, maxBytes);
    }
    chunks.push(result.value);
  }
  return concat(chunks, total);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined && chunks[0].length === total) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Inflate the payload of an ELF SHF_COMPRESSED section (ELFCOMPRESS_ZLIB: a zlib stream,
 * ELFCOMPRESS_ZSTD: a zstd frame), capped at maxBytes like every other input.
 */
export async function decompressElfPayload(bytes: Uint8Array, format: 'zlib' | 'zstd', maxBytes: number): Promise<Uint8Array> {
  return format === 'zstd' ? decompressZstd(bytes, maxBytes) : decompressDeflate(bytes, maxBytes, 'deflate');
}

async function decompressGzip(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return decompressDeflate(bytes, maxBytes, 'gzip');
}

async function decompressDeflate(bytes: Uint8Array, maxBytes: number, wrapper: 'gzip' | 'deflate'): Promise<Uint8Array> {
  const label = wrapper === 'gzip' ? 'gzip' : 'zlib';
  // The DOM typings declare the writable side as taking BufferSource, which (since TS 5.7) an
  // ArrayBufferLike-backed Uint8Array is not; the chunks we write are plain Uint8Arrays.
  const inflater = new DecompressionStream(wrapper) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  const stream = singleChunkStream(bytes).pipeThrough(inflater);
  return collect(stream, maxBytes, label, (error) => {
    const message = messageOf(error);
    // Node (zlib) reports a short stream as "unexpected end of file"; browsers word it otherwise.
    if (/unexpected end/i.test(message)) return new BtfError('truncated', `${label} stream ends early (${message})`);
    return new BtfError('io', `corrupt ${label} stream (${message})`);
  });
}

// xz-embedded's enum xz_ret, as reported by xz-decompress in "failed with error code N".
const XZ_ERRORS: Record<number, [code: 'truncated' | 'io' | 'unsupported', rule: string]> = {
  2: ['unsupported', 'xz stream uses an unsupported integrity check'],
  3: ['unsupported', 'xz decoder ran out of memory'],
  4: ['unsupported', 'xz stream needs more memory than the decoder allows'],
  5: ['io', 'not an xz stream (bad header)'],
  6: ['unsupported', 'xz stream uses unsupported options'],
  7: ['io', 'corrupt xz stream (data error)'],
  8: ['truncated', 'xz stream ends early'],
};

async function decompressXz(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  // Loaded on first use: the module embeds its WebAssembly as a large base64 string.
  const xz = await import('xz-decompress');
  const stream = new xz.default.XzReadableStream(singleChunkStream(bytes));
  return collect(stream, maxBytes, 'xz', (error) => {
    const message = messageOf(error);
    const known = XZ_ERRORS[Number(/error code (\d+)/.exec(message)?.[1] ?? -1)];
    if (known !== undefined) return new BtfError(known[0], known[1]);
    return new BtfError('io', `corrupt xz stream (${message})`);
  });
}

async function decompressZstd(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  checkZstdFrames(bytes, maxBytes);
  // Loaded when needed, as xz is: fzstd builds its tables when its module is evaluated.
  const { Decompress: ZstdDecompress } = await import('fzstd');
  const chunks: Uint8Array[] = [];
  let total = 0;
  const decoder = new ZstdDecompress((chunk) => {
    total += chunk.length;
    // Throwing from the callback aborts push() before the next block is decoded.
    if (total > maxBytes) tooBig('zstd', maxBytes);
    // Without an output buffer fzstd hands every block over in a fresh array, so no copy is needed.
    if (chunk.length > 0) chunks.push(chunk);
  });
  try {
    decoder.push(bytes, true);
  } catch (error) {
    if (error instanceof BtfError) throw error;
    const message = messageOf(error);
    if (/unexpected EOF/i.test(message)) throw new BtfError('truncated', `zstd stream ends early (${message})`);
    throw new BtfError('io', `corrupt zstd stream (${message})`);
  }
  return concat(chunks, total);
}

/**
 * Walk the frame and block headers (no decoding) to reject truncated streams, dictionary frames,
 * oversized windows and declared sizes beyond maxBytes before fzstd allocates anything.
 */
function checkZstdFrames(bytes: Uint8Array, maxBytes: number): void {
  const len = bytes.length;
  let pos = 0;
  let declared = 0;
  const need = (n: number): void => {
    if (len - pos < n) fail('truncated', 'zstd stream ends early', { offset: pos });
  };
  const u8 = (i: number): number => bytes[i] ?? 0;
  const u32 = (i: number): number => (u8(i) | (u8(i + 1) << 8) | (u8(i + 2) << 16) | (u8(i + 3) << 24)) >>> 0;

  while (pos < len) {
    need(4);
    const magic = u32(pos);
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      need(8);
      const size = u32(pos + 4);
      pos += 8;
      need(size);
      pos += size;
      continue;
    }
    if (magic !== 0xfd2fb528) fail('io', 'corrupt zstd stream (bad frame magic)', { offset: pos });
    const frameStart = pos;
    pos += 4;
    need(1);
    const descriptor = u8(pos++);
    const fcsFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    const hasChecksum = (descriptor >> 2) & 1;
    const dictFlag = descriptor & 3;
    if (descriptor & 0x08) fail('io', 'corrupt zstd stream (reserved frame header bit set)', { offset: pos - 1 });
    let window = 0;
    if (!singleSegment) {
      need(1);
      const wd = u8(pos++);
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    const dictBytes = [0, 1, 2, 4][dictFlag] ?? 0;
    need(dictBytes);
    let dictId = 0;
    for (let i = dictBytes - 1; i >= 0; i--) dictId = dictId * 256 + u8(pos + i);
    pos += dictBytes;
    if (dictId !== 0) fail('unsupported', `zstd frame needs dictionary ${dictId}`, { offset: frameStart });
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    need(fcsBytes);
    let contentSize = 0;
    for (let i = fcsBytes - 1; i >= 0; i--) contentSize = contentSize * 256 + u8(pos + i);
    if (fcsBytes === 2) contentSize += 256;
    pos += fcsBytes;
    if (singleSegment) window = contentSize;
    if (window > MAX_ZSTD_WINDOW) {
      fail('unsupported', `zstd window of ${window} bytes exceeds ${MAX_ZSTD_WINDOW}`, { offset: frameStart });
    }
    if (fcsBytes > 0) {
      declared += contentSize;
      if (declared > maxBytes) tooBig('zstd', maxBytes);
    }
    for (;;) {
      need(3);
      const header = u8(pos) | (u8(pos + 1) << 8) | (u8(pos + 2) << 16);
      const blockType = (header >> 1) & 3;
      if (blockType === 3) fail('io', 'corrupt zstd stream (reserved block type)', { offset: pos });
      pos += 3;
      // An RLE block stores one byte however long its output is.
      const payload = blockType === 1 ? 1 : header >>> 3;
      need(payload);
      pos += payload;
      if (header & 1) break;
    }
    if (hasChecksum) {
      need(4);
      pos += 4;
    }
  }
}
