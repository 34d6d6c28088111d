/**
 * The self-contained executable (`npm run build:exe`: `bun build --compile` of the CLI
 * bundle) built here and run as a user without Node would: same output as bpftool and as
 * the Node CLI, commands loaded lazily inside it, worker threads included.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { fixturePath, REPO_ROOT } from '../helpers.js';
import { btfkit, CORPUS, corpusBuilds, hasTool, need, run, sharedPath } from './env.js';

const tmp = mkdtempSync(join(tmpdir(), 'btfkit-exe-'));
const exe = join(tmp, 'btfkit');
const hasBun = existsSync(join(REPO_ROOT, 'node_modules', '.bin', 'bun')) || hasTool('bun');

/** Run the executable with no Node reachable on PATH. */
const runExe = (args: string[]) => {
  const r = spawnSync(exe, args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, PATH: '/usr/bin:/bin' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
};

describe('the bun --compile executable', () => {
  before(() => {
    if (!hasBun) return;
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-exe.mjs'), exe], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build-exe failed: ${r.stderr}`);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('answers --version and --help', (t) => {
    if (!need(t, hasBun, 'bun (devDependency: npm ci)')) return;
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(runExe(['--version']).stdout, `${pkg.version}\n`);
    const help = runExe(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.equal(help.stdout, btfkit(['--help']).stdout);
  });

  it('dumps the running kernel as bpftool does (raw)', (t) => {
    if (!need(t, hasBun, 'bun')) return;
    if (!need(t, existsSync('/sys/kernel/btf/vmlinux'), '/sys/kernel/btf/vmlinux')) return;
    if (!need(t, hasTool('bpftool'), 'bpftool')) return;
    const ours = runExe(['dump']);
    assert.equal(ours.status, 0, ours.stderr);
    assert.ok(ours.stdout === run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw']), 'raw dump differs from bpftool');
  });

  it("writes the 6.18 fixture's vmlinux.h as bpftool 7.8 does, sorted and unsorted", (t) => {
    if (!need(t, hasBun, 'bun')) return;
    const fixture = sharedPath('fixtures', 'vmlinux-6.18.btf.gz');
    if (!need(t, existsSync(fixture), fixture)) return;
    for (const [flags, golden] of [[[], 'vmlinux-6.18.h.gz'], [['--unsorted'], 'vmlinux-6.18.unsorted.h.gz']] as const) {
      const ours = runExe(['dump', fixture, '--format', 'c', ...flags]);
      assert.equal(ours.status, 0, ours.stderr);
      assert.ok(ours.stdout === gunzipSync(readFileSync(sharedPath('golden', 'bpftool-7.8', golden))).toString('utf8'), `${golden} differs`);
    }
  });

  it('runs min-core over a kernel directory in worker threads, as the Node CLI does', (t) => {
    if (!need(t, hasBun, 'bun')) return;
    const builds = corpusBuilds();
    if (!need(t, builds.length > 1, `two kernels in ${CORPUS} (one worker each)`)) return;
    const obj = fixturePath('core', 'vmlinux_relocs.o');
    // A BTFHub-style directory of just the corpus kernels (one worker thread each).
    const kernels = join(tmp, 'kernels');
    mkdirSync(kernels);
    for (const b of builds) copyFileSync(join(CORPUS, b, 'vmlinux.btf'), join(kernels, `${b}.btf`));
    const outs = ['exe', 'node'].map((who) => join(tmp, `min-core-${who}`));
    const ours = runExe(['min-core', obj, '--kernel', kernels, '-o', outs[0]!]);
    assert.equal(ours.status, 0, ours.stderr);
    const node = btfkit(['min-core', obj, '--kernel', kernels, '-o', outs[1]!]);
    assert.equal(node.status, 0, node.stderr);
    const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length)).sort();
    assert.deepEqual(files(outs[0]!), files(outs[1]!));
    assert.ok(files(outs[0]!).length >= builds.length);
    for (const f of files(outs[0]!)) assert.deepEqual(readFileSync(outs[0]! + f), readFileSync(outs[1]! + f), f);
  });

  it('reports bad input as one line and exit 1, like the Node CLI', (t) => {
    if (!need(t, hasBun, 'bun')) return;
    const r = runExe(['dump', join(tmp, 'missing.btf')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^btfkit: .*missing\.btf.*\n$/);
  });
});
