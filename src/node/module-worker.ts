/**
 * Worker thread for `btfkit check-module` with many modules: loads the kernel's BTF once, then
 * checks the module files it is sent, one message per module.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { checkModule, type ModuleCheck, type ModuleCheckOptions } from '../ops/module-check.js';
import { loadBase, readInput } from './files.js';

export interface WorkerInit {
  readonly kernel: string;
  readonly opts: ModuleCheckOptions;
}

export type WorkerReply = { readonly index: number; readonly result: ModuleCheck } | { readonly index: number; readonly error: string };

const init = workerData as WorkerInit;
const port = parentPort!;
const kernelP = loadBase(init.kernel);

let pending = 0;
let closing = false;
port.on('message', (msg: { index: number; file: string } | null) => {
  if (msg === null) {
    closing = true;
    if (pending === 0) port.close();
    return;
  }
  pending++;
  void (async () => {
    try {
      const kernel = await kernelP;
      const bytes = await readInput(msg.file);
      port.postMessage({ index: msg.index, result: checkModule(bytes, kernel, msg.file, init.opts) } satisfies WorkerReply);
    } catch (e) {
      port.postMessage({ index: msg.index, error: (e as Error).message } satisfies WorkerReply);
    }
    if (--pending === 0 && closing) port.close();
  })();
});
