/**
 * `btfkit encode --jobs N`: N worker threads walk the units of a file held in shared memory
 * (each worker takes every Nth unit, asked for a few units ahead of the main thread), and the
 * main thread finishes the drafts in unit order. The output does not depend on N.
 */

import { Worker } from 'node:worker_threads';
import type { DraftSource, WalkedUnit } from '../ops/encode/draft.js';
import { BtfError } from '../wire/errors.js';
import type { EncodeWorkerInit, EncodeWorkerReply } from './encode-worker.js';
import { workerUrl } from './package-paths.js';

/** Units asked for ahead of the one the main thread waits for, per worker. */
const AHEAD = 4;

export class WorkerDraftSource implements DraftSource {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (u: WalkedUnit) => void; reject: (e: unknown) => void }>();
  private readonly done = new Map<number, WalkedUnit | Error>();
  private requested = 0;
  private failure: Error | undefined;

  /** `bytes` must live in a SharedArrayBuffer (see readElfForDebugInfo's `shared`). */
  constructor(
    bytes: Uint8Array,
    jobs: number,
    file: string | undefined,
    features: string | undefined,
  ) {
    if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new BtfError('invalid-argument', 'internal: worker encoding needs the file in shared memory');
    for (let walker = 0; walker < jobs; walker++) {
      const init: EncodeWorkerInit = { bytes, file, features, walker };
      const w = new Worker(workerUrl('encode-worker'), { workerData: init });
      w.on('message', (m: EncodeWorkerReply) => this.receive(m));
      w.on('error', (e) => this.fail(e));
      this.workers.push(w);
    }
  }

  private receive(m: EncodeWorkerReply): void {
    const result: WalkedUnit | Error =
      'error' in m
        ? 'code' in m.error
          ? new BtfError(m.error.code, m.error.rule, { ...(m.error.file !== undefined ? { file: m.error.file } : {}), ...(m.error.offset !== undefined ? { offset: m.error.offset } : {}), ...(m.error.section !== undefined ? { section: m.error.section } : {}) })
          : new Error(m.error.message)
        : { draft: m.draft, walker: m.walker, newNames: m.newNames };
    const w = this.waiting.get(m.index);
    if (w) {
      this.waiting.delete(m.index);
      if (result instanceof Error) w.reject(result);
      else w.resolve(result);
    } else this.done.set(m.index, result);
  }

  private fail(e: unknown): void {
    this.failure = e instanceof Error ? e : new Error(String(e));
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  unit(index: number, total: number): Promise<WalkedUnit> {
    // Keep every worker a few units ahead; each walks its units in order.
    const want = Math.min(total, index + 1 + AHEAD * this.workers.length);
    for (; this.requested < want; this.requested++) this.workers[this.requested % this.workers.length]!.postMessage(this.requested);
    if (this.failure) return Promise.reject(this.failure);
    const have = this.done.get(index);
    if (have !== undefined) {
      this.done.delete(index);
      return have instanceof Error ? Promise.reject(have) : Promise.resolve(have);
    }
    return new Promise((resolve, reject) => this.waiting.set(index, { resolve, reject }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
