/**
 * Worker for bench/module.bench.ts: distill + relocate a share of the corpus modules.
 * workerData: { oldBase, newBase, files }; replies { ok, failed }.
 */

import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { distillBase } from '../src/ops/distill.js';
import { tryRelocate } from '../src/ops/relocate.js';
import { Btf } from '../src/wire/btf.js';

const { oldBase, newBase, files } = workerData as { oldBase: string; newBase: string; files: string[] };
const b0 = Btf.parse(readFileSync(oldBase), { sanityCheck: false });
const b1 = Btf.parse(readFileSync(newBase), { sanityCheck: false });
let ok = 0;
let failed = 0;
for (const f of files) {
  const m = Btf.parse(readFileSync(f), { base: b0 });
  if (tryRelocate(distillBase(m).split, b1).ok) ok++;
  else failed++;
}
parentPort!.postMessage({ ok, failed });
