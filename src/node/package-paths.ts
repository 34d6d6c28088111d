/**
 * Where the package's own files are, from code that runs either compiled (dist/src/node/,
 * this module) or inside the one-file CLI (dist/cli/btfkit.js, scripts/bundle.mjs, which
 * defines BTFKIT_BUNDLED and emits the worker entries beside the bundle).
 */

declare const BTFKIT_BUNDLED: boolean | undefined;

const BUNDLED = typeof BTFKIT_BUNDLED === 'boolean' && BTFKIT_BUNDLED;

export type WorkerEntry = 'module-worker' | 'min-core-worker' | 'encode-worker';

/** A worker-thread entry: beside this module when compiled, beside the bundle when bundled. */
export function workerUrl(entry: WorkerEntry): URL {
  return new URL(`./${entry}.js`, import.meta.url);
}

/** The package root (the directory of package.json, dist/ and dist-web/). */
export function packageRootUrl(): URL {
  return new URL(BUNDLED ? '../../' : '../../../', import.meta.url);
}
