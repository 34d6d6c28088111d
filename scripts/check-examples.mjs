#!/usr/bin/env node
// The typed example project (examples/) against the package as published: packs btfkit,
// installs the tarball as examples/node_modules/btfkit, type-checks the Node example
// (NodeNext) and the browser example (bundler resolution, DOM, no Node typings), bundles the
// browser example with esbuild for platform=browser, and runs the Node example on committed
// fixtures (an ELF BPF object, and an xz-compressed one). Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { packToTemp, root } from './pack.mjs';

const examples = join(root, 'examples');
const run = (what, cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(`examples: ${what} failed (exit ${r.status})`);
  }
  return r.stdout ?? '';
};

const tarball = packToTemp();
const installed = join(examples, 'node_modules', 'btfkit');
try {
  rmSync(installed, { recursive: true, force: true });
  rmSync(join(examples, 'dist'), { recursive: true, force: true });
  mkdirSync(installed, { recursive: true });
  run('unpacking the tarball', 'tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
} finally {
  rmSync(dirname(tarball), { recursive: true, force: true });
}

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
run('tsc (Node example)', process.execPath, [tsc, '-p', join(examples, 'tsconfig.json')]);
run('tsc (browser example)', process.execPath, [tsc, '-p', join(examples, 'tsconfig.browser.json')]);
await build({
  absWorkingDir: examples,
  entryPoints: ['browser/main.ts'],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  outfile: join(examples, 'dist', 'browser.js'),
  logLevel: 'error',
});
console.log('examples: both compile against the packed package; the browser example bundles for the browser');

for (const fixture of ['fixtures/btf/kinds-el.o', 'fixtures/elf/bpf-el.o.xz']) {
  const out = run(`node example on ${fixture}`, process.execPath, [join(examples, 'dist', 'node', 'inspect.js'), fixture]);
  for (const expected of [/types \(elf, little-endian\)/, /ELF: BPF object/, /dedup: \d+ -> \d+ types/, /kernel [0-9.]+ verifier: (accepts|rejects: \d+ findings, first: \w+: \[\d+\] )/, /sanitized for 5\.4: \d+ types/, /kernel 5\.4 verifier: /]) {
    if (!expected.test(out)) throw new Error(`examples: output for ${fixture} lacks ${expected}:\n${out}`);
  }
  process.stdout.write(out);
}
