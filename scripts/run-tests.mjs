#!/usr/bin/env node
// Runs the compiled tests with Node's test runner. `unit` = every *.test.js under dist/test
// except dist/test/conformance and dist/test/browser; `conformance` = only those (real
// kernels, bpftool, clang); `browser` = the explorer in headless Chromium.
// Node 20's --test takes no globs, so the file list is built here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suite = process.argv[2] ?? 'unit';
const root = 'dist/test';
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
walk(root);
const suiteOf = (f) => (f.startsWith(join(root, 'conformance')) ? 'conformance' : f.startsWith(join(root, 'browser')) ? 'browser' : 'unit');
const selected = files.filter((f) => suiteOf(f) === suite);
if (selected.length === 0) {
  console.error(`no ${suite} test files found under ${root}`);
  process.exit(1);
}
const extra = process.argv.slice(3);
const concurrency = suite === 'unit' ? [] : ['--test-concurrency=1'];
const r = spawnSync(process.execPath, ['--test', ...concurrency, ...extra, ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
