import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturePath, readFixture, readFixtureText, REPO_ROOT } from '../helpers.js';

const BIN = join(REPO_ROOT, 'bin', 'btfkit.js');
const BUNDLE_DIR = join(REPO_ROOT, 'dist', 'cli');
const UNBUNDLED = join(REPO_ROOT, 'dist', 'src', 'cli', 'btfkit.js');
const run = (script: string, ...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

describe('the one-file CLI bundle', () => {
  it('is what bin/btfkit.js runs, and prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.match(readFileSync(BIN, 'utf8'), /dist\/cli\/btfkit\.js/);
    for (const flag of ['--version', '-V']) {
      assert.equal(run(BIN, flag).stdout, `${pkg.version}\n`);
      assert.equal(run(UNBUNDLED, flag).stdout, `${pkg.version}\n`);
    }
  });

  it('prints the same top-level help as the unbundled CLI', () => {
    const bundled = run(BIN, '--help');
    assert.equal(bundled.status, 0, bundled.stderr);
    assert.match(bundled.stdout, /^Usage: btfkit/);
    assert.equal(bundled.stdout, run(UNBUNDLED, '--help').stdout);
    assert.equal(run(BIN, '-h').stdout, bundled.stdout);
  });

  it('imports nothing but Node built-ins (every module and dependency is inside)', () => {
    for (const entry of ['btfkit.js', 'module-worker.js', 'min-core-worker.js', 'encode-worker.js']) {
      const src = readFileSync(join(BUNDLE_DIR, entry), 'utf8');
      // esbuild writes module specifiers in double quotes (a message in commander quotes
      // `from '.command()'` in single ones).
      const specifiers = [...src.matchAll(/\bfrom\s*"([^"]+)"|\bimport\s*\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2]!);
      // (the specifiers were found at all: every entry imports some built-in)
      assert.ok(specifiers.some((s) => s.startsWith('node:')), entry);
      assert.deepEqual(specifiers.filter((s) => !s.startsWith('node:')), [], entry);
    }
  });

  it('runs a command whose module is loaded lazily, with the same output as unbundled', () => {
    const file = fixturePath('btf', 'kinds-el.btf');
    const bundled = run(BIN, 'dump', file, '--format', 'c');
    assert.equal(bundled.status, 0, bundled.stderr);
    assert.equal(bundled.stdout, run(UNBUNDLED, 'dump', file, '--format', 'c').stdout);
    assert.equal(run(BIN, 'dump', fixturePath('btf', 'kinds-el.o')).stdout, readFixtureText('btf', 'kinds-el.raw.txt'));
  });

  const underBun = (process.versions as { bun?: string }).bun !== undefined;
  it('runs under Node as a script compiled with the V8 code cache the build primed, with the output of the ES module', { skip: underBun ? 'Bun runs the ES module (the cache is V8\'s)' : false }, () => {
    // The whole CLI's script, and one per command group for the commands it maps (bin/btfkit.js).
    const groups = JSON.parse(readFileSync(join(BUNDLE_DIR, 'btfkit-groups.json'), 'utf8')) as Record<string, string>;
    assert.equal(groups['min-core'], 'core');
    assert.equal(groups.dump, 'dump');
    assert.equal(groups.encode, 'encode');
    for (const name of new Set(['btfkit-script.js', ...Object.values(groups).map((g) => `btfkit-script-${g}.js`)])) {
      const script = join(BUNDLE_DIR, name);
      // V8 takes the cache the build wrote (same Node, same flags): no compile of what it holds.
      const probe = spawnSync(
        process.execPath,
        ['-e', `const fs = require('node:fs'); const { Script } = require('node:vm'); const f = process.argv[1]; const s = new Script(fs.readFileSync(f, 'utf8'), { filename: f, cachedData: fs.readFileSync(f + '.v8cache') }); process.stdout.write(String(s.cachedDataRejected));`, script],
        { encoding: 'utf8' },
      );
      assert.equal(probe.stdout, 'false', `${name}: ${probe.stderr}`);
    }
    const file = fixturePath('btf', 'kinds-el.btf');
    const tmp = mkdtempSync(join(tmpdir(), 'btfkit-script-'));
    try {
      const minCore = (out: string) => ['min-core', fixturePath('core', 'vmlinux_relocs.o'), '--kernel', fixturePath('third-party', 'vmlinux-7.1.btf.gz'), '-o', join(tmp, out)];
      const runs = [['dump', file, '--format', 'c'], ['dump', file], ['dump', file, '--format', 'c', '--bogus'], ['info', file], ['min-core', '--help'], ['layout', file], ['--help']];
      for (const args of runs) {
        const cached = run(BIN, ...args);
        const esm = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, BTFKIT_CODE_CACHE: '0' } });
        assert.deepEqual([cached.status, cached.stdout, cached.stderr], [esm.status, esm.stdout, esm.stderr], args.join(' '));
      }
      const cached = run(BIN, ...minCore('cached.btf'));
      const esm = spawnSync(process.execPath, [BIN, ...minCore('esm.btf')], { encoding: 'utf8', env: { ...process.env, BTFKIT_CODE_CACHE: '0' } });
      assert.deepEqual([cached.status, cached.stderr, esm.status, esm.stderr], [0, '', 0, '']);
      assert.deepEqual(readFileSync(join(tmp, 'cached.btf')), readFileSync(join(tmp, 'esm.btf')));
      // encode's group script, on a base and with worker threads.
      const encode = (out: string, ...more: string[]) => ['encode', fixturePath('dwarf', 'gcc-two-units.o'), '-B', fixturePath('dwarf', 'gcc-dwarf5.pahole.btf'), '--features', 'pahole-1.24', '--detached', '-o', join(tmp, out), ...more];
      for (const more of [[], ['-j', '2']]) {
        const tag = more.join('');
        const cachedEncode = run(BIN, ...encode(`cached${tag}.split.btf`, ...more));
        const esmEncode = spawnSync(process.execPath, [BIN, ...encode(`esm${tag}.split.btf`, ...more)], { encoding: 'utf8', env: { ...process.env, BTFKIT_CODE_CACHE: '0' } });
        assert.deepEqual([cachedEncode.status, cachedEncode.stderr, esmEncode.status, esmEncode.stderr], [0, '', 0, '']);
        assert.deepEqual(readFileSync(join(tmp, `cached${tag}.split.btf`)), Buffer.from(readFixture('dwarf', 'gcc-two-units.split.pahole.btf')));
        assert.deepEqual(readFileSync(join(tmp, `esm${tag}.split.btf`)), Buffer.from(readFixture('dwarf', 'gcc-two-units.split.pahole.btf')));
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  // Under Node the tests spawn the Bun the package installs (npm run test:bun runs them under Bun).
  const bun = underBun ? process.execPath : [join(REPO_ROOT, 'node_modules', '.bin', 'bun')].find(existsSync);
  const bunForm = join(BUNDLE_DIR, 'btfkit-bun.cjs');
  it('runs under Bun from the bytecode the build compiled, with the output of the ES module', { skip: bun === undefined || !existsSync(bunForm) ? 'no Bun, or built without it' : false }, () => {
    assert.ok(existsSync(`${bunForm}.jsc`));
    // The URL it finds the package and worker entries from is passed in at run time, not the build's path.
    assert.ok(!readFileSync(bunForm, 'utf8').includes(REPO_ROOT));
    const file = fixturePath('btf', 'kinds-el.btf');
    for (const args of [['dump', file, '--format', 'c'], ['dump', file], ['dump', file, '--format', 'c', '--bogus'], ['info', file]]) {
      const fromBytecode = spawnSync(bun!, [BIN, ...args], { encoding: 'utf8' });
      const esm = spawnSync(bun!, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, BTFKIT_CODE_CACHE: '0' } });
      assert.deepEqual([fromBytecode.status, fromBytecode.stdout, fromBytecode.stderr], [esm.status, esm.stdout, esm.stderr], args.join(' '));
    }
  });

  it('ends quietly with status 0 when the reader of its output goes away (btfkit dump | head -1)', async () => {
    const child = spawn(process.execPath, [BIN, 'dump', fixturePath('third-party', 'vmlinux-7.1.btf.gz')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    child.stdout.destroy();
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.match(first.toString(), /^\[1\] /);
    assert.deepEqual([code, signal, stderr], [0, null, '']);
  });

  it('finds the package files from inside the bundle (the explorer serves dist-web/ of this package)', async () => {
    const child = spawn(process.execPath, [BIN, 'explore', fixturePath('btf', 'kinds-el.btf'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const first = await new Promise<string>((resolve) => {
        let text = '';
        const done = (): void => resolve(text);
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('\n')) done();
        });
        child.stderr.on('data', (d: Buffer) => {
          text += d.toString();
        });
        child.on('exit', done);
      });
      if (existsSync(join(REPO_ROOT, 'dist-web', 'index.html'))) {
        const url = /http:\/\/\S+/.exec(first)?.[0];
        assert.ok(url, first);
        const page = await fetch(url);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<title>btfkit explorer/);
      } else {
        // Not built (npm run build:web): the error names this package's dist-web/.
        assert.ok(first.includes(join(REPO_ROOT, 'dist-web')), first);
      }
    } finally {
      child.kill();
    }
  });

  it('runs worker threads from the entries beside the bundle (min-core over two kernels, two threads)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'btfkit-bundle-'));
    try {
      const kernels = join(tmp, 'kernels');
      mkdirSync(kernels);
      const vm = fixturePath('third-party', 'vmlinux-7.1.btf.gz');
      copyFileSync(vm, join(kernels, 'a.btf.gz'));
      copyFileSync(vm, join(kernels, 'b.btf.gz'));
      const obj = fixturePath('core', 'vmlinux_relocs.o');
      const batch = run(BIN, 'min-core', obj, '--kernel', kernels, '-o', join(tmp, 'out'), '--jobs', '2');
      assert.equal(batch.status, 0, batch.stderr);
      const single = run(BIN, 'min-core', obj, '--kernel', vm, '-o', join(tmp, 'one.btf'));
      assert.equal(single.status, 0, single.stderr);
      for (const k of ['a.btf', 'b.btf']) assert.deepEqual(readFileSync(join(tmp, 'out', k)), readFileSync(join(tmp, 'one.btf')), k);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
