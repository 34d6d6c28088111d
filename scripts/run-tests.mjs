#!/usr/bin/env node
// Runs the compiled tests with Node's test runner. `unit` = every *.test.js under dist/test
// except dist/test/conformance and dist/test/browser; `conformance` = only those (real
// kernels, bpftool, clang); `browser` = the explorer in headless Chromium.
// Node 20's --test takes no globs, so the file list is built here. With --bun the same
// files run under Bun's test runner (which runs node:test suites), and every CLI the
// tests start (process.execPath) is then Bun too.
import { existsSync, readdirSync, statSync } from 'node:fs';
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
const bun = process.argv.includes('--bun');
const extra = process.argv.slice(3).filter((a) => a !== '--bun');
let r;
if (bun) {
  const local = join('node_modules', '.bin', 'bun');
  const exe = existsSync(local) ? local : 'bun';
  // Bun gives each test 5 s unless told; Node's runner has no limit. Files run one by one.
  r = spawnSync(exe, ['test', '--timeout', '1800000', ...extra, ...selected.map((f) => `./${f}`)], { stdio: 'inherit' });
} else {
  const concurrency = suite === 'unit' ? [] : ['--test-concurrency=1'];
  r = spawnSync(process.execPath, ['--test', ...concurrency, ...extra, ...selected], { stdio: 'inherit' });
}
process.exit(r.status ?? 1);
