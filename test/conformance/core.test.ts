/**
 * CO-RE conformance: `min-core` against `bpftool gen min_core_btf` on every corpus vmlinux
 * and the shared fixtures (same raw text), the defining property of minimal BTF (each
 * relocation resolves to the same value against it as against the full BTF, modules too),
 * batch mode, and `vmlinux-split` round trips with their sizes.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { formatRawString } from '../../src/format/raw.js';
import { openBtf } from '../../src/open.js';
import { resolveCoreRelos } from '../../src/ops/core/resolve.js';
import { minCore } from '../../src/ops/min-core.js';
import { vmlinuxSplit } from '../../src/ops/vmlinux-split.js';
import { Btf } from '../../src/wire/btf.js';
import { canonicalType, comparableValue } from '../core/core-helpers.js';
import { fixturePath } from '../helpers.js';
import { btfkit, CORPUS, corpusBuilds, hasTool, need, run, sharedPath } from './env.js';

const tmp = mkdtempSync(join(tmpdir(), 'btfkit-core-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const OBJECTS = [
  fixturePath('core', 'vmlinux_relocs.o'),
  fixturePath('core', 'module_relocs.o'),
  fixturePath('third-party', 'relocs-el.elf'),
  fixturePath('third-party', 'relocs_read-el.elf'),
  fixturePath('third-party', 'relocs_enum-el.elf'),
];
const objects = OBJECTS.map((f) => {
  const o = openBtf(new Uint8Array(readFileSync(f)), { file: f });
  return { btf: o.btf, ext: o.ext, file: f };
});

/** Every kernel to test: corpus builds, then the shared 6.18 and the committed 7.1 fixtures (gunzipped for bpftool). */
function kernels(): Array<{ name: string; path: string; mods?: string }> {
  const out: Array<{ name: string; path: string; mods?: string }> = corpusBuilds().map((b) => ({ name: b, path: join(CORPUS, b, 'vmlinux.btf'), mods: join(CORPUS, b, 'mods') }));
  for (const [name, gz] of [
    ['vmlinux-6.18', sharedPath('fixtures', 'vmlinux-6.18.btf.gz')],
    ['vmlinux-7.1', fixturePath('third-party', 'vmlinux-7.1.btf.gz')],
  ] as const) {
    if (!existsSync(gz)) continue;
    const p = join(tmp, `${name}.btf`);
    writeFileSync(p, gunzipSync(readFileSync(gz)));
    out.push({ name, path: p });
  }
  return out;
}
const KERNELS = kernels();
const load = (p: string): Btf => Btf.parse(new Uint8Array(readFileSync(p)), { sanityCheck: false });

describe('min-core vs bpftool gen min_core_btf', () => {
  it('has kernels and bpftool', (t) => {
    need(t, corpusBuilds().length > 0, `corpus under ${CORPUS}`);
    need(t, hasTool('bpftool'), 'bpftool');
  });
  for (const k of KERNELS) {
    it(`${k.name}: same raw text as bpftool for ${OBJECTS.length} objects`, (t) => {
      if (!need(t, hasTool('bpftool'), 'bpftool')) return;
      const ref = join(tmp, `${k.name}.bpftool.btf`);
      run('bpftool', ['gen', 'min_core_btf', k.path, ref, ...OBJECTS]);
      const expected = formatRawString(load(ref));
      const res = minCore(objects, load(k.path));
      assert.equal(formatRawString(res.base), expected);
      t.diagnostic(`${k.name}: ${res.base.typeCount} types, ${res.baseBytes.length} bytes`);
    });
  }
  it('the CLI writes the same BTF (first corpus kernel)', (t) => {
    const k = KERNELS[0];
    if (!need(t, k !== undefined && hasTool('bpftool'), 'corpus and bpftool')) return;
    const ref = join(tmp, 'cli.bpftool.btf');
    run('bpftool', ['gen', 'min_core_btf', k!.path, ref, ...OBJECTS]);
    const ours = join(tmp, 'cli.btfkit.btf');
    const r = btfkit(['min-core', ...OBJECTS, '--kernel', k!.path, '-o', ours]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(formatRawString(load(ours)), formatRawString(load(ref)));
    assert.equal(btfkit(['min-core', ...OBJECTS, '--kernel', k!.path, '-o', ours]).status, 1, 'refuses to overwrite without --force');
  });
  it('the CLI on /sys/kernel/btf/vmlinux (read without a second sanity check) writes the bytes bpftool writes', (t) => {
    const sys = '/sys/kernel/btf/vmlinux';
    if (!need(t, existsSync(sys) && hasTool('bpftool'), `${sys} and bpftool`)) return;
    const ref = join(tmp, 'sys.bpftool.btf');
    run('bpftool', ['gen', 'min_core_btf', sys, ref, ...OBJECTS]);
    const ours = join(tmp, 'sys.btfkit.btf');
    const r = btfkit(['min-core', ...OBJECTS, '--kernel', sys, '-o', ours]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(ours), readFileSync(ref));
  });
});

describe('min-core: each relocation resolves the same against minimal and full BTF', () => {
  for (const k of KERNELS) {
    it(`${k.name}${k.mods ? ' (and with nf_tables module BTF)' : ''}`, (t) => {
      const vm = load(k.path);
      const res = minCore(objects, vm);
      let n = 0;
      for (const obj of objects) {
        const full = resolveCoreRelos(obj, vm, { explain: false });
        const min = resolveCoreRelos(obj, res.base, { explain: false });
        full.forEach((r, i) => assert.equal(comparableValue(min[i]!), comparableValue(r, (id) => res.baseIdMap[id]!), `${obj.file} ${r.section}#${r.index} ${r.kindName}`));
        n += full.length;
      }
      if (!k.mods) return void t.diagnostic(`${n} relocations`);
      const modPath = join(k.mods, 'nf_tables.btf');
      if (!need(t, existsSync(modPath), modPath)) return;
      const mod = Btf.parse(new Uint8Array(readFileSync(modPath)), { base: vm, sanityCheck: false });
      const modules = [{ name: 'nf_tables', btf: mod }];
      const mres = minCore(objects, vm, { modules });
      assert.equal(mres.modules.length, 1, 'nf_tables contributes a split BTF');
      const m = mres.modules[0]!;
      const mapId = (id: number): number => m.idMap[id]!;
      let viaModule = 0;
      for (const obj of objects) {
        const full = resolveCoreRelos(obj, vm, { modules, explain: false });
        const min = resolveCoreRelos(obj, mres.base, { modules: [{ name: 'nf_tables', btf: m.btf }], explain: false });
        full.forEach((r, i) => {
          if (r.targetBtf?.name === 'nf_tables') viaModule++;
          assert.equal(comparableValue(min[i]!), comparableValue(r, mapId), `${obj.file} ${r.section}#${r.index} ${r.kindName}`);
        });
      }
      assert.ok(viaModule >= 8, `relocations resolved in the module: ${viaModule}`);
      t.diagnostic(`${n} relocations; with nf_tables: base ${mres.base.typeCount} types ${mres.baseBytes.length} bytes, split ${m.btf.typeCount} types ${m.bytes.length} bytes`);
    });
  }
});

describe('min-core batch over a directory of kernels', () => {
  it('one output per kernel, equal to the single runs', (t) => {
    if (!need(t, corpusBuilds().length > 0, 'corpus')) return;
    const outDir = join(tmp, 'batch');
    const r = btfkit(['min-core', ...OBJECTS, '--kernel', CORPUS, '-o', outDir, '--jobs', '2']);
    assert.equal(r.status, 0, r.stderr);
    for (const b of corpusBuilds()) {
      const p = join(outDir, b, 'vmlinux.btf');
      assert.ok(existsSync(p), p);
      assert.equal(formatRawString(load(p)), formatRawString(minCore(objects, load(join(CORPUS, b, 'vmlinux.btf'))).base));
    }
    assert.ok(!readdirSync(outDir).some((d) => d === 'mods'));
  });
});

describe('vmlinux-split', () => {
  for (const k of KERNELS) {
    it(`${k.name}: core + rest read back as split BTF equal the input`, (t) => {
      const vm = load(k.path);
      const res = vmlinuxSplit(vm, { kfuncs: true, roots: res0Roots(vm) });
      const core = Btf.parse(res.coreBytes);
      const rest = Btf.parse(res.restBytes, { base: core });
      assert.equal(core.typeCount + rest.typeCount, vm.typeCount);
      const map = (id: number): number => res.idMap[id]!;
      for (let id = 1; id < vm.nextId; id++) {
        if (canonicalType(vm, id, map) !== canonicalType(rest, map(id))) assert.fail(`[${id}] ${vm.name(id)} differs`);
      }
      t.diagnostic(`${k.name}: input ${vm.bytes.length} bytes; kfuncs ${res.kfuncCount}; core ${res.coreTypes} types ${res.coreBytes.length} bytes; rest ${res.restTypes} types ${res.restBytes.length} bytes`);
    });
  }
});

/** Kernels without kfunc tags (before 6.5): root the core at task_struct so it is not empty. */
function res0Roots(vm: Btf): string[] {
  return vm.findByName('bpf_kfunc').length === 0 ? ['task_struct'] : [];
}
