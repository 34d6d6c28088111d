/**
 * `btfkit dump` raw/JSON against bpftool on real kernels: the running kernel, the two
 * vmlinux fixtures (bpftool 7.8 goldens), both corpus builds' vmlinux, and every module of
 * one corpus build dumped on its base.
 */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { formatRawString } from '../../src/format/raw.js';
import { loadBtf } from '../../src/node/files.js';
import { Btf } from '../../src/wire/btf.js';
import { btfkit, CORPUS, corpusBuilds, hasTool, need, run, sharedPath } from './env.js';

describe('dump raw is byte-identical to bpftool', () => {
  it('the running kernel, through the CLI with no file argument', (t) => {
    if (!need(t, existsSync('/sys/kernel/btf/vmlinux'), '/sys/kernel/btf/vmlinux')) return;
    if (!need(t, hasTool('bpftool'), 'bpftool (Debian package bpftool)')) return;
    const ours = btfkit(['dump']);
    assert.equal(ours.status, 0, ours.stderr);
    const peer = run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw']);
    assert.ok(ours.stdout === peer, 'btfkit dump differs from bpftool btf dump ... format raw');
    const json = btfkit(['dump', '--format', 'json']);
    assert.ok(json.stdout === run('bpftool', ['-j', 'btf', 'dump', 'file', '/sys/kernel/btf/vmlinux']), 'JSON differs from bpftool -j');
  });

  for (const v of ['vmlinux-6.18', 'vmlinux-7.1']) {
    it(`${v} fixture equals bpftool 7.8's golden output`, async (t) => {
      const fixture = v === 'vmlinux-7.1' ? sharedPath('fixtures', 'third-party', `${v}.btf.gz`) : sharedPath('fixtures', `${v}.btf.gz`);
      const golden = sharedPath('golden', 'bpftool-7.8', `${v}.raw.txt.gz`);
      if (!need(t, existsSync(fixture) && existsSync(golden), `${fixture} and ${golden}`)) return;
      const { btf } = await loadBtf(fixture);
      assert.ok(formatRawString(btf) === gunzipSync(readFileSync(golden)).toString('utf8'), `${v} differs from the golden dump`);
    });
  }

  it('each corpus vmlinux (raw .BTF file and vmlinux ELF) equals Debian bpftool', async (t) => {
    const builds = corpusBuilds();
    if (!need(t, builds.length > 0, `kernel corpus in ${CORPUS} (../shared/corpus/fetch-debian-kernels.sh)`)) return;
    if (!need(t, hasTool('bpftool'), 'bpftool')) return;
    for (const b of builds) {
      const peer = run('bpftool', ['btf', 'dump', 'file', join(CORPUS, b, 'vmlinux.btf'), 'format', 'raw']);
      for (const f of ['vmlinux.btf', 'vmlinux']) {
        const { btf } = await loadBtf(join(CORPUS, b, f));
        assert.ok(formatRawString(btf) === peer, `${b}/${f} differs from bpftool`);
      }
    }
  });

  it('every module of one corpus build, dumped on its base, equals bpftool -B', async (t) => {
    const builds = corpusBuilds();
    if (!need(t, builds.length > 0, `kernel corpus in ${CORPUS}`)) return;
    if (!need(t, hasTool('bpftool'), 'bpftool')) return;
    const build = builds[builds.length - 1]!;
    const dir = join(CORPUS, build);
    const basePath = join(dir, 'vmlinux.btf');
    const base = Btf.parse(new Uint8Array(readFileSync(basePath)));
    const mods = readdirSync(join(dir, 'modules')).filter((m) => m.endsWith('.ko')).sort();
    assert.ok(mods.length > 4000, `expected ~4,022 modules, found ${mods.length}`);
    // bpftool runs once per module; batch its output through one shell to keep this to ~a minute.
    const script = mods.map((m) => `echo "@@@ ${m}"; bpftool btf dump -B ${basePath} file ${join(dir, 'modules', m)} format raw`).join('\n');
    const peerAll = run('sh', ['-s'], { input: script });
    const peer = new Map<string, string>();
    for (const chunk of peerAll.split('@@@ ').slice(1)) {
      const nl = chunk.indexOf('\n');
      peer.set(chunk.slice(0, nl), chunk.slice(nl + 1));
    }
    let compared = 0;
    const mismatches: string[] = [];
    for (const m of mods) {
      const { btf } = await loadBtf(join(dir, 'modules', m), { base });
      if (formatRawString(btf) !== peer.get(m)) mismatches.push(m);
      compared++;
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${compared} modules differ`);
    assert.equal(compared, mods.length);
    t.diagnostic(`${compared} modules of ${build} byte-identical to bpftool`);
  });
});
