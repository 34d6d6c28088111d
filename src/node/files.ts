/**
 * Files on Node: reading (with transparent .gz/.xz/.zst), the /sys/kernel/btf conventions,
 * and atomic writes that never clobber an input or an existing output unasked.
 */

import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { decompress, detectCompression } from '../elf/compress.js';
import { openBtf, type OpenedBtf, type OpenOptions } from '../open.js';
import type { Btf } from '../wire/btf.js';
import { btfCoreInput } from '../wire/btf-core.js';
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
 * Where a reader puts an input of `byteLength` bytes (at most: the result is a prefix of
 * it); undefined for a buffer of its own. A file read in one piece (a regular file, or a
 * /sys/kernel/btf file) stays in it: WebAssembly cores (format/raw.ts rawCoreInput, the CO-RE
 * candidate scan's candidateScanInput) read vmlinux where it was read to.
 */
export type Allocate = (byteLength: number) => Uint8Array | undefined;

/**
 * Read at most `limit` bytes of `path` (`-`: stdin), whatever it is: a regular file, a
 * device (/dev/zero never ends), a FIFO or a pipe (limits.ts: MAX_INPUT_BYTES for files,
 * MAX_STREAM_BYTES for the rest). More than the limit is an error, not a truncated read.
 * The first chunk goes where `allocate` says.
 */
export function readBounded(path: string, fileLimit = MAX_INPUT_BYTES, streamLimit = MAX_STREAM_BYTES, allocate?: Allocate): Uint8Array {
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
    const chunks: Uint8Array[] = [];
    let len = 0;
    const chunkSize = st.isFile() && st.size > 0 ? Math.min(st.size + 1, limit + 1) : 1 << 20;
    for (;;) {
      const chunk = (chunks.length === 0 ? allocate?.(chunkSize) : undefined) ?? Buffer.allocUnsafeSlow(chunkSize);
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
export async function readInput(path: string, allocate?: Allocate): Promise<Uint8Array> {
  // Synchronous on purpose: BTF files are a few MB, and the thread-pool round trip of the
  // async read costs more than the read itself (measured on /sys/kernel/btf/vmlinux).
  const raw = readBounded(path, MAX_INPUT_BYTES, MAX_STREAM_BYTES, allocate);
  if (detectCompression(raw) === 'none') return raw;
  try {
    return await decompress(raw);
  } catch (e) {
    if (e instanceof BtfError) throw e.withFile(path);
    throw e;
  }
}

/**
 * True for the kernel's own BTF files (/sys/kernel/btf/*): the kernel verified them when it
 * booted or loaded the module (btf_parse_vmlinux/btf_parse_module check every type, far more
 * than libbpf's sanity check), so commands may parse them without repeating that check.
 */
export function isKernelVerifiedBtf(path: string): boolean {
  return dirname(resolve(path)) === SYS_BTF_DIR;
}

/** `/sys/kernel/btf/<module>` is split BTF on `/sys/kernel/btf/vmlinux`. */
export function defaultBaseFor(path: string): string | undefined {
  const abs = resolve(path);
  if (dirname(abs) === SYS_BTF_DIR && basename(abs) !== 'vmlinux') return SYS_VMLINUX;
  return undefined;
}

/** Options of `loadBtf` (those of `openBtf`, with the base given as a path or a Btf). */
export interface LoadOptions extends Omit<OpenOptions, 'base' | 'file'> {
  /** Base BTF (a path or a parsed Btf); defaults to vmlinux for /sys/kernel/btf modules. */
  readonly base?: string | Btf | undefined;
  /** Where the file is read to (see `Allocate`); default a buffer of its own. */
  readonly allocate?: Allocate | undefined;
}

const baseCache = new Map<string, Promise<Btf>>();

/**
 * Load a base BTF once per process (many modules share one vmlinux). Read into a btf core's
 * memory (btfCoreInput) unless `opts.allocate` says where: the reader's index and sanity
 * check run there, on the bytes where they lie.
 */
export function loadBase(path: string, opts: LoadOptions = {}): Promise<Btf> {
  const key = resolve(path);
  let p = baseCache.get(key);
  if (!p) {
    p = loadBtf(path, { ...opts, base: undefined, allocate: opts.allocate ?? btfCoreInput }).then((o) => o.btf);
    baseCache.set(key, p);
  }
  return p;
}

/** Read and open a BTF file of any kind, resolving its base as bpftool's -B does (the kernel's own /sys/kernel/btf files skip the sanity check unless `sanityCheck: true`). */
export async function loadBtf(path: string, opts: LoadOptions = {}): Promise<OpenedBtf> {
  const basePath = typeof opts.base === 'string' ? opts.base : opts.base === undefined ? defaultBaseFor(path) : undefined;
  const base = typeof opts.base === 'object' ? opts.base : basePath ? await loadBase(basePath) : undefined;
  const bytes = await readInput(path, opts.allocate);
  // The kernel verified its own /sys/kernel/btf files when it loaded them (more strictly than
  // libbpf's sanity check), so they are not checked a second time unless asked.
  return openBtf(bytes, { ...opts, base, file: path, sanityCheck: opts.sanityCheck ?? !isKernelVerifiedBtf(path) });
}

/** Options of `writeFileAtomic` and `writeOutputs`. */
export interface WriteFileOptions {
  /** Overwrite existing outputs. */
  readonly force?: boolean | undefined;
  /**
   * Every path the command reads (the inputs, -B/--base, --kernel, --module,
   * --distilled-base, MODULE.base, ...): never written, unless it is `inPlace`.
   */
  readonly inputs?: readonly string[] | undefined;
  /** The one input the command may replace (its --in-place target). */
  readonly inPlace?: string | undefined;
  /** The command has --in-place: say so when an output would overwrite its main input. */
  readonly inPlaceOption?: boolean | undefined;
}

/** One output of `writeOutputs`: a path and its bytes. */
export interface OutputFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/** Identity of an existing file (device + inode), so links and `./x` vs `x` compare equal. */
function fileId(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Check a set of outputs before anything is written: no two the same file, none an input
 * (unless it is the --in-place target), none existing without --force, every directory
 * present. Throws the first problem as a BtfError naming the output.
 */
export function validateOutputs(paths: readonly string[], opts: WriteFileOptions = {}): void {
  const inputs = opts.inputs ?? [];
  const inPlace = opts.inPlace !== undefined ? resolve(opts.inPlace) : undefined;
  const inPlaceId = opts.inPlace !== undefined ? fileId(opts.inPlace) : undefined;
  const inputIds = new Map<string, string>();
  for (const i of inputs) {
    if (i === STDIN) continue;
    inputIds.set(resolve(i), i);
    const id = fileId(i);
    if (id !== undefined) inputIds.set(id, i);
  }
  const seen = new Map<string, string>();
  for (const path of paths) {
    const target = resolve(path);
    const id = fileId(path);
    for (const key of [target, id]) {
      if (key === undefined) continue;
      const other = seen.get(key);
      if (other !== undefined) throw new BtfError('invalid-argument', `two outputs of this command are the same file (${other} and ${path})`, { file: path });
    }
    seen.set(target, path);
    if (id !== undefined) seen.set(id, path);
    const isInPlace = (inPlace !== undefined && target === inPlace) || (id !== undefined && id === inPlaceId);
    const input = inputIds.get(target) ?? (id !== undefined ? inputIds.get(id) : undefined);
    if (input !== undefined && !isInPlace) {
      const hint = opts.inPlaceOption && inputs[0] === input ? '; use --in-place to do that on purpose' : '';
      throw new BtfError('invalid-argument', `output would overwrite an input (${input})${hint}`, { file: path });
    }
    const dir = dirname(target);
    let dirOk = false;
    try {
      dirOk = statSync(dir).isDirectory();
    } catch {
      dirOk = false;
    }
    if (!dirOk) throw new BtfError('io', `cannot write: output directory ${dirname(path)} does not exist`, { file: path });
    if (id !== undefined && !opts.force && !isInPlace) throw new BtfError('invalid-argument', 'output exists; use --force to overwrite it', { file: path });
  }
}

/** Temp files not yet renamed into place: removed on SIGINT/SIGTERM/SIGHUP and on errors. */
const pendingTemps = new Set<string>();
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
let signalsHeld = false;

function onSignal(signal: keyof typeof SIGNAL_EXIT): void {
  for (const t of pendingTemps) {
    try {
      unlinkSync(t);
    } catch {
      // already gone
    }
  }
  pendingTemps.clear();
  process.exit(SIGNAL_EXIT[signal]);
}

/**
 * From the first write on, SIGINT/SIGTERM/SIGHUP run onSignal instead of killing the process
 * on the spot: the handler runs once the synchronous writes let it, removes the temp files
 * still pending and exits, so an interrupted command leaves either its whole set of outputs
 * or none of it, and no temp file. (Left in place after the set: a signal that came during
 * the last write is still honoured, with the set complete.)
 */
function holdSignals(): void {
  if (signalsHeld) return;
  signalsHeld = true;
  for (const sig of Object.keys(SIGNAL_EXIT) as Array<keyof typeof SIGNAL_EXIT>) process.on(sig, onSignal);
}

/**
 * Write several outputs as one set: all are validated first (validateOutputs), then each is
 * written to a temp file beside its target and fsynced; only when all are complete are they
 * renamed into place. An error or SIGINT/SIGTERM before that removes every temp file and
 * leaves every target as it was. A set of at most SYNC_WRITE_BYTES is written synchronously
 * (see there).
 */
export async function writeOutputs(outputs: readonly OutputFile[], opts: WriteFileOptions = {}): Promise<void> {
  validateOutputs(
    outputs.map((o) => o.path),
    opts,
  );
  holdSignals();
  const sync = outputs.reduce((n, o) => n + o.data.length, 0) <= SYNC_WRITE_BYTES;
  const temps: string[] = [];
  try {
    for (const o of outputs) {
      const target = resolve(o.path);
      // Created exclusively (writeTemp), so the name needs to be unlikely, not secret: Math.random
      // spares a one-shot command loading node:crypto (~3 ms).
      const tmp = join(dirname(target), `.${basename(target)}.${Math.random().toString(16).slice(2, 14)}.tmp`);
      pendingTemps.add(tmp);
      temps.push(tmp);
      if (sync) writeTempSync(tmp, o.data, o.path);
      else await writeTemp(tmp, o.data, o.path);
    }
    for (let i = 0; i < outputs.length; i++) {
      try {
        const target = resolve(outputs[i]!.path);
        if (sync) renameSync(temps[i]!, target);
        else await rename(temps[i]!, target);
      } catch (e) {
        throw new BtfError('io', `cannot write: ${(e as Error).message}`, { file: outputs[i]!.path });
      }
      pendingTemps.delete(temps[i]!);
    }
  } finally {
    for (const t of temps) {
      if (!pendingTemps.has(t)) continue;
      pendingTemps.delete(t);
      try {
        unlinkSync(t);
      } catch {
        // never created
      }
    }
  }
}

/**
 * Sets up to this size are written with synchronous calls: the five thread-pool round trips
 * of each file (open, write, fsync, close, rename) and loading node:fs/promises were most of
 * a small command's write (min-core's 1 KB: ~3 ms under Node, ~5 ms under Bun), while a
 * signal waits at most the few milliseconds such a write takes (then finds the set complete).
 */
const SYNC_WRITE_BYTES = 1 << 20;

/** writeTemp for small sets: the same steps, without leaving the thread. */
function writeTempSync(tmp: string, data: Uint8Array, path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
    fsyncSync(fd);
  } catch (e) {
    throw writeError(e, path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A write failure as a BtfError naming the output (the code, not the message: the message names the temp file). */
function writeError(e: unknown, path: string): BtfError {
  const code = (e as NodeJS.ErrnoException).code;
  return new BtfError('io', `cannot write: ${code === 'ENOSPC' ? 'no space left on device' : code === 'EACCES' ? 'permission denied' : (code ?? (e as Error).message)}`, { file: path });
}

/**
 * Asynchronous on purpose: a signal is handled while the data goes out, with the temp file
 * still pending. The file is created synchronously first: an open still under way in the
 * thread pool when onSignal runs would create it after the handler's unlink, and leave it.
 */
async function writeTemp(tmp: string, data: Uint8Array, path: string): Promise<void> {
  try {
    closeSync(openSync(tmp, 'wx', 0o644));
    const fh = await open(tmp, 'r+');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw writeError(e, path);
  }
}

/** Write one output atomically (writeOutputs with one file). */
export async function writeFileAtomic(path: string, data: Uint8Array, opts: WriteFileOptions = {}): Promise<void> {
  await writeOutputs([{ path, data }], opts);
}
