/**
 * `npm run bench [-- NAME...]`: runs every bench/*.bench.ts (compiled), or the named ones,
 * printing btfkit's figure beside the peer's from the same run.
 */

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Bench, formatRows } from './harness.js';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .sort();
let failed = false;
for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default: Bench };
  const bench = mod.default;
  if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
  try {
    const rows = await bench.run();
    if (typeof rows === 'string') console.log(`${bench.name}: skipped: ${rows}`);
    else console.log(formatRows(bench.name, rows));
  } catch (e) {
    failed = true;
    console.log(`${bench.name}: failed: ${(e as Error).message}`);
  }
}
process.exitCode = failed ? 1 : 0;
