/**
 * Worker thread for `btfkit check-module` with many modules: loads the kernel's BTF once, then
 * checks the module files it is sent, one message per module.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { checkModule, type ModuleCheck, type ModuleCheckOptions } from '../ops/module-check.js';
import { errorLine } from './error-line.js';
import { loadBase, readInput } from './files.js';

export interface WorkerInit {
  readonly kernel: string;
  /** The vmlinux the modules were built against (check-module --built-against). */
  readonly builtAgainst?: string | undefined;
  readonly opts: Omit<ModuleCheckOptions, 'builtAgainst'>;
}

export type WorkerReply = { readonly index: number; readonly result: ModuleCheck } | { readonly index: number; readonly error: string };

const init = workerData as WorkerInit;
const port = parentPort!;
const kernelP = loadBase(init.kernel);
const builtAgainstP = init.builtAgainst !== undefined ? loadBase(init.builtAgainst) : undefined;

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
      const opts: ModuleCheckOptions = { ...init.opts, builtAgainst: await builtAgainstP };
      const bytes = await readInput(msg.file);
      port.postMessage({ index: msg.index, result: checkModule(bytes, msg.file, kernel, opts) } satisfies WorkerReply);
    } catch (e) {
      port.postMessage({ index: msg.index, error: errorLine(e, msg.file) } satisfies WorkerReply);
    }
    if (--pending === 0 && closing) port.close();
  })();
});
