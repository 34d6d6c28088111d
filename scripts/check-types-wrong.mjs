#!/usr/bin/env node
// Are the types wrong? `attw` (@arethetypeswrong/cli) on the packed package, every entry of
// "exports". Profile esm-only: btfkit is an ES module package for Node >= 20.16 and bundlers
// ("type": "module", no CommonJS build), so the two resolutions that profile leaves out do
// not apply: `node10` (TypeScript's pre-"exports" resolution, which cannot see subpaths; it
// would need a typesVersions map repeating every subpath, for resolvers that cannot load the
// package at run time anyway) and `node16` from CommonJS (a require() of an ES module:
// dynamic import only, as for every ESM-only package). Everything else must be green.
// Run after `npm run build` (or `npm test`).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packToTemp, root } from './pack.mjs';

const tarball = packToTemp();
try {
  const attw = join(root, 'node_modules', '.bin', 'attw');
  const r = spawnSync(attw, ['--profile', 'esm-only', '--format', 'table-flipped', tarball], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dirname(tarball), { recursive: true, force: true });
}
