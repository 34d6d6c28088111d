/**
 * Batch min-core over a directory of kernels (BTFHub layout: any depth of directories with
 * one raw BTF per kernel, `*.btf` optionally compressed): one minimal BTF per kernel, written
 * under the output directory at the same relative path, in worker threads.
 */

import { readdir, mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openBtf } from '../open.js';
import { minCore, type MinCoreObject } from '../ops/min-core.js';
import { BtfError } from '../wire/errors.js';
import { errorLine } from './error-line.js';
import { readInput, writeFileAtomic } from './files.js';
import { workerUrl } from './package-paths.js';

/** Raw kernel BTF, compressed or not, or a BTFHub archive (`<kernel>.btf.tar.xz`). */
const KERNEL_RE = /\.btf(\.tar)?(\.gz|\.xz|\.zst)?$/;

/** Kernel BTF files (`*.btf`, optionally compressed) under `dir`, not descending into module directories. */
export async function findKernels(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name === 'mods' || e.name === 'modules') continue;
        await walk(p);
      } else if (e.isFile() && KERNEL_RE.test(e.name) && !e.name.startsWith('.')) {
        out.push(p);
      }
    }
  };
  await walk(dir);
  return out;
}

/** Output path for a kernel file: same relative path, compression suffix dropped, `.btf` kept. */
export function batchOutputPath(kernelDir: string, outDir: string, kernel: string): string {
  let rel = relative(kernelDir, kernel).replace(/\.(gz|xz|zst)$/, '').replace(/\.tar$/, '');
  if (!rel.endsWith('.btf')) rel += '.btf';
  return join(outDir, rel);
}

export interface BatchJob {
  readonly kernel: string;
  readonly output: string;
  readonly objects: readonly string[];
  readonly force: boolean;
}

export interface BatchResult {
  readonly kernel: string;
  readonly output: string;
  readonly ok: boolean;
  readonly bytes?: number | undefined;
  readonly types?: number | undefined;
  readonly error?: string | undefined;
}

/** One kernel, in this thread: the work a batch worker does per job. */
export async function runBatchJob(job: BatchJob, objects?: readonly MinCoreObject[]): Promise<BatchResult> {
  try {
    const objs = objects ?? (await loadObjects(job.objects));
    let bytes = await readInput(job.kernel);
    if (/\.tar(\.(gz|xz|zst))?$/.test(job.kernel)) bytes = firstTarFile(bytes, job.kernel);
    const vmlinux = openBtf(bytes, { file: job.kernel }).btf;
    const res = minCore(objs, vmlinux);
    await mkdir(dirname(job.output), { recursive: true });
    await writeFileAtomic(job.output, res.baseBytes, { force: job.force, inputs: [job.kernel, ...job.objects] });
    return { kernel: job.kernel, output: job.output, ok: true, bytes: res.baseBytes.length, types: res.base.typeCount };
  } catch (e) {
    return { kernel: job.kernel, output: job.output, ok: false, error: e instanceof BtfError && e.file !== undefined && e.file !== job.kernel ? `${job.kernel}: ${errorLine(e)}` : errorLine(e, job.kernel) };
  }
}

/** The first regular file of a (ustar) tar archive: BTFHub archives hold one `<kernel>.btf`. */
export function firstTarFile(tar: Uint8Array, file: string): Uint8Array {
  for (let p = 0; p + 512 <= tar.length; ) {
    if (tar[p] === 0) break;
    const sizeText = new TextDecoder().decode(tar.subarray(p + 124, p + 136)).replace(/[\0 ]+$/, '').trim();
    const size = parseInt(sizeText || '0', 8);
    const type = tar[p + 156];
    if (!Number.isFinite(size)) break;
    if (type === 0x30 || type === 0) return tar.subarray(p + 512, p + 512 + size);
    p += 512 + Math.ceil(size / 512) * 512;
  }
  throw new BtfError('invalid-argument', 'tar archive has no regular file', { file });
}

export async function loadObjects(paths: readonly string[]): Promise<MinCoreObject[]> {
  const out: MinCoreObject[] = [];
  for (const p of paths) {
    const o = openBtf(await readInput(p), { file: p });
    out.push({ btf: o.btf, ext: o.ext, file: p });
  }
  return out;
}

/** Run jobs on a pool of worker threads; `onDone` after each. */
export async function runBatch(jobs: readonly BatchJob[], opts: { threads?: number | undefined; onDone?: ((r: BatchResult) => void) | undefined } = {}): Promise<BatchResult[]> {
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), jobs.length));
  const results: BatchResult[] = [];
  if (threads === 1) {
    const objs = jobs.length > 0 ? await loadObjects(jobs[0]!.objects) : [];
    for (const j of jobs) {
      const r = await runBatchJob(j, objs);
      results.push(r);
      opts.onDone?.(r);
    }
    return results;
  }
  const url = workerUrl('min-core-worker');
  let next = 0;
  await Promise.all(
    Array.from({ length: threads }, () =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(url);
        const feed = (): void => {
          if (next >= jobs.length) {
            void w.terminate().then(() => resolve());
            return;
          }
          w.postMessage(jobs[next++]);
        };
        w.on('message', (r: BatchResult) => {
          results.push(r);
          opts.onDone?.(r);
          feed();
        });
        w.on('error', reject);
        feed();
      }),
    ),
  );
  return results;
}
