/**
 * Files on Node: reading (with transparent .gz/.xz/.zst), the /sys/kernel/btf conventions,
 * and atomic writes that never clobber an input or an existing output unasked.
 */

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { decompress, detectCompression } from '../elf/compress.js';
import { openBtf, type OpenedBtf, type OpenOptions } from '../open.js';
import type { Btf } from '../wire/btf.js';
import { BtfError } from '../wire/errors.js';

export const SYS_BTF_DIR = '/sys/kernel/btf';
export const SYS_VMLINUX = `${SYS_BTF_DIR}/vmlinux`;

/** Read a file, decompressing gzip/xz/zstd by magic. */
export async function readInput(path: string): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    // Synchronous on purpose: BTF files are a few MB, and the thread-pool round trip of the
    // async read costs more than the read itself (measured on /sys/kernel/btf/vmlinux).
    raw = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new BtfError('io', `cannot read: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message}`, { file: path });
  }
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
