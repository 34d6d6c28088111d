/**
 * `btfkit dump --format c` against the real thing:
 *  - byte-identical to bpftool 7.8's goldens (../shared/golden/bpftool-7.8) for the 6.18 and
 *    7.1 vmlinux fixtures, sorted (default) and `--unsorted`, through the CLI;
 *  - on the Debian corpus, `--unsorted` equals Debian's bpftool 7.1 for each vmlinux and 100
 *    modules per build (on their vmlinux), after undoing exactly what bpftool 7.8 adds
 *    (test/format-c/bpftool71.ts: the __ksym/__weak/__bpf_fastcall macro block, the kfunc
 *    section, mode(byte)/mode(word) after enums, kind_flag type tags as plain attributes);
 *  - round trip: the header compiles with `clang -target bpf -g -c`, and clang's BTF gives
 *    every checkable struct, union, enum and typedef the input's size and member offsets.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CDumper, formatVmlinuxHBytes, mergeSplitBtfs } from '../../src/format/c/index.js';
import { loadBase, loadBtf } from '../../src/node/files.js';
import { openBtf } from '../../src/open.js';
import type { Btf } from '../../src/wire/btf.js';
import { kflagTypeTagNames, toBpftool71 } from '../format-c/bpftool71.js';
import { BTFKIT_BIN, CORPUS, corpusBuilds, hasTool, need, sharedPath } from './env.js';
import { compareRoundTrip, layoutCaveat, roundTripSource, roundTripTypes } from './format-c-roundtrip.js';

/** First differing line, for a readable failure. */
function firstDiff(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ours ${JSON.stringify(la[i])} / theirs ${JSON.stringify(lb[i])}`;
  }
  return 'equal';
}

const FIXTURES: Array<[string, string]> = [
  ['6.18', sharedPath('fixtures', 'vmlinux-6.18.btf.gz')],
  ['7.1', sharedPath('fixtures', 'third-party', 'vmlinux-7.1.btf.gz')],
];

describe('format c: byte-identical to bpftool 7.8 goldens', () => {
  for (const [ver, input] of FIXTURES) {
    for (const unsorted of [false, true]) {
      const golden = sharedPath('golden', 'bpftool-7.8', `vmlinux-${ver}${unsorted ? '.unsorted' : ''}.h.gz`);
      it(`vmlinux ${ver}${unsorted ? ' --unsorted' : ' (sorted)'} equals ${golden.split('/').pop()}`, (t) => {
        if (!need(t, existsSync(input) && existsSync(golden), `${input} and ${golden}`)) return;
        const r = spawnSync(process.execPath, [BTFKIT_BIN, 'dump', input, '--format', 'c', ...(unsorted ? ['--unsorted'] : [])], { maxBuffer: 1 << 28 });
        assert.equal(r.status, 0, r.stderr?.toString());
        const want = gunzipSync(readFileSync(golden));
        if (Buffer.compare(r.stdout, want) !== 0) assert.fail(firstDiff(r.stdout.toString('utf8'), want.toString('utf8')));
      });
    }
  }
});

function bpftool71(file: string, base?: string): string {
  return execFileSync('bpftool', [...(base ? ['-B', base] : []), 'btf', 'dump', 'file', file, 'format', 'c'], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

function ours71(btf: Btf): string {
  const text = new TextDecoder().decode(formatVmlinuxHBytes(btf, { sorted: false }));
  return toBpftool71(text, kflagTypeTagNames(btf)).text;
}

/** `n` module names spread evenly over the sorted list (deterministic). */
function sampleModules(build: string, n: number): string[] {
  const dir = join(CORPUS, build, 'mods');
  if (!existsSync(dir)) return [];
  const all = readdirSync(dir).filter((f) => f.endsWith('.btf')).sort();
  if (all.length <= n) return all;
  return Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)]!);
}

describe('format c --unsorted equals Debian bpftool 7.1 on the corpus (minus the 7.8 additions)', () => {
  const builds = corpusBuilds();
  it('has corpus builds and bpftool', (t) => {
    need(t, builds.length > 0 && hasTool('bpftool'), `corpus under ${CORPUS} and bpftool`);
  });
  for (const build of builds) {
    const vmlinux = join(CORPUS, build, 'vmlinux.btf');
    it(`${build}: vmlinux`, async (t) => {
      if (!need(t, hasTool('bpftool') && existsSync(vmlinux), `bpftool and ${vmlinux}`)) return;
      const base = await loadBase(vmlinux);
      const ours = ours71(base);
      const theirs = bpftool71(vmlinux);
      if (ours !== theirs) assert.fail(firstDiff(ours, theirs));
    });
    it(`${build}: 100 modules on their vmlinux`, async (t) => {
      if (!need(t, hasTool('bpftool') && existsSync(vmlinux), `bpftool and ${vmlinux}`)) return;
      const base = await loadBase(vmlinux);
      const mods = sampleModules(build, 100);
      assert.equal(mods.length, 100);
      const bad: string[] = [];
      for (const m of mods) {
        const file = join(CORPUS, build, 'mods', m);
        const { btf } = await loadBtf(file, { base });
        const ours = ours71(btf);
        const theirs = bpftool71(file, vmlinux);
        if (ours !== theirs) bad.push(`${m}: ${firstDiff(ours, theirs)}`);
      }
      assert.deepEqual(bad, []);
    });
  }
});

/** Compile `header` with the checked types in chunks (clang's BTF time grows faster than linearly). */
function roundTrip(btf: Btf, ids: number[], extraFlags: string[] = [], chunk = 1500): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-c-rt-'));
  try {
    writeFileSync(join(dir, 'vmlinux.h'), formatVmlinuxHBytes(btf));
    const problems: string[] = [];
    for (let i = 0; i < ids.length; i += chunk) {
      const part = ids.slice(i, i + chunk);
      const src = join(dir, `rt${i}.c`);
      const obj = join(dir, `rt${i}.o`);
      writeFileSync(src, roundTripSource(btf, 'vmlinux.h', part));
      const r = spawnSync('clang', ['-target', 'bpf', '-g', '-c', '-w', ...extraFlags, src, '-o', obj], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) {
        problems.push(`clang failed: ${r.stderr.split('\n').filter((l) => l.includes('error')).slice(0, 5).join(' | ')}`);
        continue;
      }
      const compiled = loadBtfSync(obj);
      problems.push(...compareRoundTrip(btf, compiled, part));
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function loadBtfSync(path: string): Btf {
  return openBtf(new Uint8Array(readFileSync(path)), { file: path }).btf;
}

describe('format c round trip: the header compiles and keeps every layout', () => {
  const check = async (btf: Btf, fromId: number, extraFlags: string[] = []): Promise<{ problems: string[]; checked: number; caveats: Map<string, number> }> => {
    const memo = new Map<number, string | null>();
    const dumper = new CDumper(btf);
    const caveats = new Map<string, number>();
    const ids = roundTripTypes(btf).filter((id) => {
      if (id < fromId) return false;
      const c = layoutCaveat(btf, id, memo, dumper);
      if (c) caveats.set(c, (caveats.get(c) ?? 0) + 1);
      return !c;
    });
    return { problems: roundTrip(btf, ids, extraFlags), checked: ids.length, caveats };
  };

  for (const [ver, input] of FIXTURES) {
    it(`vmlinux ${ver}: every struct, union, enum and typedef with a unique name`, async (t) => {
      if (!need(t, hasTool('clang') && existsSync(input), `clang and ${input}`)) return;
      const { btf } = await loadBtf(input);
      // Linux 7.x embeds tagged structs anonymously (`struct aes_enckey;` as a member, built
      // with -fms-extensions); bpftool writes them so, and only -fms-extensions compiles it.
      const { problems, checked, caveats } = await check(btf, 1, ver === '7.1' ? ['-fms-extensions'] : []);
      assert.ok(checked > 10000, `checked ${checked}`);
      assert.deepEqual(problems, []);
      // what is excluded, and why (see layoutCaveat): a handful of types, not whole areas
      for (const n of caveats.values()) assert.ok(n < 50, `caveats ${[...caveats]}`);
    });
  }

  const builds = corpusBuilds();
  for (const build of builds.slice(0, 1)) {
    const vmlinux = join(CORPUS, build, 'vmlinux.btf');
    it(`${build}: vmlinux and 10 modules (module types) round-trip`, async (t) => {
      if (!need(t, hasTool('clang') && existsSync(vmlinux), `clang and ${vmlinux}`)) return;
      const base = await loadBase(vmlinux);
      const v = await check(base, 1);
      assert.ok(v.checked > 5000, `checked ${v.checked}`);
      assert.deepEqual(v.problems, []);
      for (const m of sampleModules(build, 10)) {
        const { btf } = await loadBtf(join(CORPUS, build, 'mods', m), { base });
        const r = await check(btf, btf.startId);
        assert.deepEqual(r.problems, [], m);
      }
    });
    it(`${build}: one header for three related modules (types they share written once) round-trips`, async (t) => {
      const names = ['nf_conntrack', 'nf_tables', 'nft_ct'];
      const files = names.map((n) => join(CORPUS, build, 'mods', `${n}.btf`));
      if (!need(t, hasTool('clang') && existsSync(vmlinux) && files.every((f) => existsSync(f)), `clang, ${vmlinux} and ${names.join(', ')}`)) return;
      const base = await loadBase(vmlinux);
      const mods = await Promise.all(files.map(async (f) => (await loadBtf(f, { base })).btf));
      const merged = mergeSplitBtfs(mods, base);
      assert.ok(merged.typeCount < mods.reduce((n, m) => n + m.typeCount, 0), 'shared module types deduplicated');
      const r = await check(merged, merged.startId);
      assert.ok(r.checked > 100, `checked ${r.checked}`);
      assert.deepEqual(r.problems, []);
    });
  }
});
