// `npm pack` of the package as it is built (dist/ from `npm run build` or `npm test`), into a
// fresh temporary directory: what `npm publish` would upload. `--ignore-scripts`: the build
// has run already, and `prepare` would redo it (and the web app) for nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Pack into a temporary directory; returns the tarball's path. */
export function packToTemp() {
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-pack-'));
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  return join(dir, JSON.parse(r.stdout)[0].filename);
}
