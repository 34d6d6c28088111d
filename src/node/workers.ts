/**
 * Where the worker-thread entries are: beside this module in the compiled tree
 * (dist/src/node/), and beside the one-file CLI bundle (dist/cli/, scripts/bundle.mjs emits
 * each entry there under the same name), so one relative URL serves both.
 */
export type WorkerEntry = 'module-worker' | 'min-core-worker';

export function workerUrl(entry: WorkerEntry): URL {
  return new URL(`./${entry}.js`, import.meta.url);
}
