/**
 * Files on Node: reading (with transparent .gz/.xz/.zst), the /sys/kernel/btf conventions,
 * and atomic writes that never clobber an input or an existing output unasked.
 */

import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { decompress, detectCompression } from '../elf/compress.js';
import { openBtf, type OpenedBtf, type OpenOptions } from '../open.js';
import type { Btf } from '../wire/btf.js';
import { BtfError } from '../wire/errors.js';
import { MAX_INPUT_BYTES, MAX_STREAM_BYTES } from '../wire/limits.js';

export const SYS_BTF_DIR = '/sys/kernel/btf';
export const SYS_VMLINUX = `${SYS_BTF_DIR}/vmlinux`;

/** The name an input is given in errors: `-` is stdin. */
export const STDIN = '-';

function ioError(e: unknown, path: string): BtfError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message;
  return new BtfError('io', `cannot read: ${why}`, { file: path });
}

/**
 * Read at most `limit` bytes of `path` (`-`: stdin), whatever it is: a regular file, a
 * device (/dev/zero never ends), a FIFO or a pipe (limits.ts: MAX_INPUT_BYTES for files,
 * MAX_STREAM_BYTES for the rest). More than the limit is an error, not a truncated read.
 */
export function readBounded(path: string, fileLimit = MAX_INPUT_BYTES, streamLimit = MAX_STREAM_BYTES): Uint8Array {
  let fd: number;
  try {
    fd = path === STDIN ? 0 : openSync(path, 'r');
  } catch (e) {
    throw ioError(e, path);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw ioError(Object.assign(new Error('is a directory'), { code: 'EISDIR' }), path);
    const limit = st.isFile() ? fileLimit : streamLimit;
    if (st.isFile() && st.size > limit) throw new BtfError('unsupported', `input of ${st.size} bytes exceeds the limit of ${limit} bytes`, { file: path });
    // Read in chunks: nothing is copied until the end, so a stream that runs past the limit
    // costs the limit and no more. (sysfs files report a size of 4096 or 0: read to the end.)
    const chunks: Buffer[] = [];
    let len = 0;
    const chunkSize = st.isFile() && st.size > 0 ? Math.min(st.size + 1, limit + 1) : 1 << 20;
    for (;;) {
      const chunk = Buffer.allocUnsafeSlow(chunkSize);
      let filled = 0;
      while (filled < chunk.length) {
        let n: number;
        try {
          n = readSync(fd, chunk, filled, chunk.length - filled, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue; // non-blocking stdin: wait
          throw ioError(e, path);
        }
        if (n === 0) break;
        filled += n;
      }
      chunks.push(chunk.subarray(0, filled));
      len += filled;
      if (len > limit) throw new BtfError('unsupported', `input exceeds the limit of ${limit} bytes (a device or a stream that does not end?)`, { file: path });
      if (filled < chunk.length) break;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, len);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/** Read a file (`-`: stdin), decompressing gzip/xz/zstd by magic. */
export async function readInput(path: string): Promise<Uint8Array> {
  // Synchronous on purpose: BTF files are a few MB, and the thread-pool round trip of the
  // async read costs more than the read itself (measured on /sys/kernel/btf/vmlinux).
  const raw = readBounded(path);
  if (detectCompression(raw) === 'none') return raw;
  try {
    return await decompress(raw);
  } catch (e) {
    if (e instanceof BtfError) throw e.withFile(path);
    throw e;
  }
}

/** `/sys/kernel/btf/<module>` is split BTF on `/sys/kernel/btf/vmlinux`. */
export function defaultBaseFor(path: string): string | undefined {
  const abs = resolve(path);
  if (dirname(abs) === SYS_BTF_DIR && basename(abs) !== 'vmlinux') return SYS_VMLINUX;
  return undefined;
}

export interface LoadOptions extends Omit<OpenOptions, 'base' | 'file'> {
  /** Base BTF (a path or a parsed Btf); defaults to vmlinux for /sys/kernel/btf modules. */
  readonly base?: string | Btf | undefined;
}

const baseCache = new Map<string, Promise<Btf>>();

/** Load a base BTF once per process (many modules share one vmlinux). */
export function loadBase(path: string, opts: LoadOptions = {}): Promise<Btf> {
  const key = resolve(path);
  let p = baseCache.get(key);
  if (!p) {
    p = loadBtf(path, { ...opts, base: undefined }).then((o) => o.btf);
    baseCache.set(key, p);
  }
  return p;
}

/** Read and open a BTF file of any kind, resolving its base as bpftool's -B does. */
export async function loadBtf(path: string, opts: LoadOptions = {}): Promise<OpenedBtf> {
  const basePath = typeof opts.base === 'string' ? opts.base : opts.base === undefined ? defaultBaseFor(path) : undefined;
  const base = typeof opts.base === 'object' ? opts.base : basePath ? await loadBase(basePath) : undefined;
  const bytes = await readInput(path);
  return openBtf(bytes, { ...opts, base, file: path });
}

export interface WriteFileOptions {
  /** Overwrite an existing output. */
  readonly force?: boolean | undefined;
  /** Paths that must never be written (the inputs), unless inPlace is set. */
  readonly inputs?: readonly string[] | undefined;
  readonly inPlace?: boolean | undefined;
}

/**
 * Write atomically: a temp file in the same directory, fsync, then rename over the target,
 * so a crash leaves either the old file or the new one, never a partial output.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, opts: WriteFileOptions = {}): Promise<void> {
  const target = resolve(path);
  if (!opts.inPlace && opts.inputs?.some((i) => resolve(i) === target)) {
    throw new BtfError('invalid-argument', 'output would overwrite an input; use --in-place to do that on purpose', { file: path });
  }
  if (!opts.force && !(opts.inPlace && opts.inputs?.some((i) => resolve(i) === target))) {
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists) throw new BtfError('invalid-argument', 'output exists; use --force to overwrite it', { file: path });
  }
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (e instanceof BtfError) throw e;
    throw new BtfError('io', `cannot write: ${(e as Error).message}`, { file: path });
  }
}
