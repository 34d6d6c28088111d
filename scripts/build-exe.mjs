#!/usr/bin/env node
// A self-contained `btfkit` executable (no Node needed to run it): Bun compiles the one-file
// CLI bundle (dist/cli, `npm run build`) and its worker entries into one binary with Bun's
// runtime inside. Usage: node scripts/build-exe.mjs [OUT] (default dist/btfkit).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist', 'btfkit'));
const local = join(root, 'node_modules', '.bin', 'bun');
const bun = existsSync(local) ? local : 'bun';
const cli = join(root, 'dist', 'cli');
if (!existsSync(join(cli, 'btfkit.js'))) throw new Error(`no ${cli}/btfkit.js: run npm run build first`);
// The workers are entries of their own, so `new Worker(new URL('./module-worker.js', ...))`
// finds them inside the executable as it does beside the bundle.
const args = ['build', '--compile', '--minify', '--bytecode', join(cli, 'btfkit.js'), join(cli, 'module-worker.js'), join(cli, 'min-core-worker.js'), join(cli, 'encode-worker.js'), '--outfile', out];
const r = spawnSync(bun, args, { stdio: ['ignore', 'inherit', 'inherit'] });
process.exit(r.status ?? 1);
