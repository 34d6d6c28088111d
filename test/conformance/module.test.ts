/**
 * Module BTF across kernel builds, on the Debian corpus (6.1.0-47 and 6.1.0-50):
 *
 *  - every module of -47 distilled against -47's vmlinux and relocated onto -50's: the split
 *    libbpf 1.7 reports (2,226 relocate, 1,796 rejected, 1,695 of those on `struct device`,
 *    744 → 752 bytes), with a diagnosis for every failure;
 *  - every relocated module is semantically equal to -50's own BTF of that module wherever the
 *    module's types did not change between the builds;
 *  - btf_testmod fails onto the 6.18 vmlinux fixture with a diagnosis;
 *  - the standalone form of relocated modules is accepted by the running kernel;
 *  - `btfkit distill` on .ko files: `readelf -S` shows every original section unchanged, the
 *    input is not touched, and `check-module` (worker threads) agrees with the library.
 *
 * Debian's libbpf is 1.1 (no btf__relocate), so the libbpf figures are the issue's, measured
 * with libbpf 1.7; btfkit implements the same rules (src/ops/relocate.ts) and must reproduce them.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseElf } from '../../src/elf/index.js';
import { distillBase } from '../../src/ops/distill.js';
import { diffBtf } from '../../src/ops/abi-diff.js';
import type { ModuleCheck } from '../../src/ops/module-check.js';
import { baseDiff, explainBaseType, explainRelocation } from '../../src/ops/module-explain.js';
import { tryRelocate } from '../../src/ops/relocate.js';
import { toStandalone } from '../../src/ops/standalone.js';
import { Btf } from '../../src/wire/btf.js';
import { writeBtf } from '../../src/wire/write.js';
import { readFixture } from '../helpers.js';
import { btfkit, CORPUS, hasTool, need, sharedPath } from './env.js';

const OLD = '6.1.0-47-amd64';
const NEW = '6.1.0-50-amd64';
const have = (b: string): boolean => existsSync(join(CORPUS, b, 'vmlinux.btf')) && existsSync(join(CORPUS, b, 'mods'));

interface CorpusRun {
  names: string[];
  ok: Map<string, Btf>;
  failed: Map<string, ReturnType<typeof tryRelocate> & { ok: false }>;
  oldBase: Btf;
  newBase: Btf;
}

let cached: CorpusRun | undefined;
function corpusRun(): CorpusRun {
  if (cached) return cached;
  const oldBase = Btf.parse(readFileSync(join(CORPUS, OLD, 'vmlinux.btf')));
  const newBase = Btf.parse(readFileSync(join(CORPUS, NEW, 'vmlinux.btf')));
  const names = readdirSync(join(CORPUS, OLD, 'mods'))
    .filter((f) => f.endsWith('.btf'))
    .sort();
  const ok = new Map<string, Btf>();
  const failed = new Map<string, ReturnType<typeof tryRelocate> & { ok: false }>();
  for (const f of names) {
    const mod = Btf.parse(readFileSync(join(CORPUS, OLD, 'mods', f)), { base: oldBase, file: f });
    const d = distillBase(mod);
    const r = tryRelocate(d.split, newBase);
    if (r.ok) ok.set(f, r.btf);
    else failed.set(f, r);
  }
  cached = { names, ok, failed, oldBase, newBase };
  return cached;
}

test('corpus: distill every 6.1.0-47 module and relocate onto 6.1.0-50 — libbpf 1.7 split (2,226 / 1,796, 1,695 on struct device)', (t) => {
  if (!need(t, have(OLD) && have(NEW), `corpus builds ${OLD} and ${NEW} under ${CORPUS}`)) return;
  const run = corpusRun();
  assert.equal(run.names.length, 4022);
  assert.equal(run.ok.size, 2226, 'relocated');
  assert.equal(run.failed.size, 1796, 'rejected');
  let onDevice = 0;
  for (const [name, r] of run.failed) {
    const d = r.diagnosis;
    assert.ok(d.problems.length > 0, `${name}: a diagnosis names the unmapped types`);
    for (const p of d.problems) {
      assert.ok(p.summary.length > 0 && p.users.length > 0, `${name}: ${p.name} has a reason and the module types that use it`);
    }
    if (/^distilled base BTF type 'device' \[\d+\] is not mapped to base BTF id$/.test(d.libbpfMessage)) {
      onDevice++;
      const dev = d.problems.find((p) => p.name === 'device')!;
      assert.equal(dev.embedded, true);
      assert.deepEqual(
        dev.candidates.map((c) => c.why),
        ['embedded in a module struct/union: size 744 → 752'],
        `${name}: struct device is rejected for its size`,
      );
    }
  }
  assert.equal(onDevice, 1695, "rejections on struct device (libbpf's first message)");
});

test('corpus: every 6.1.0-47 → -50 relocation failure is explained by a leaf change the vmlinux diff reports', (t) => {
  if (!need(t, have(OLD) && have(NEW), `corpus builds ${OLD} and ${NEW}`)) return;
  const run = corpusRun();
  const diff = baseDiff(run.oldBase, run.newBase);
  const leaves = new Set(diff.changes.filter((c) => (c.status === 'changed' && !c.cause) || c.status === 'removed').map((c) => `${c.kind} ${c.name}`));
  const modulesPerLeaf = new Map<string, number>();
  for (const [name, r] of run.failed) {
    const causes = explainRelocation(r.diagnosis, diff);
    assert.equal(causes.length, r.diagnosis.problems.length, `${name}: every unmapped type explained`);
    for (const c of causes) {
      assert.ok(leaves.has(c.leaf), `${name}: ${c.chain} ends at a leaf change of the vmlinux diff`);
      assert.ok(c.chain.startsWith(c.type.split(' ')[1]!), `${name}: the chain starts at the unmapped type (${c.chain})`);
    }
    for (const l of new Set(causes.map((c) => c.leaf))) modulesPerLeaf.set(l, (modulesPerLeaf.get(l) ?? 0) + 1);
  }
  // 1,695 fail first on struct device itself; 69 more on a type that embeds it (i2c_adapter, ...).
  assert.deepEqual(Object.fromEntries(modulesPerLeaf), { 'struct device': 1764, 'struct tc_action': 21, 'struct fb_info': 14, 'struct kvm_mmio_fragment': 2 });
  const adapter = explainBaseType(diff, 'struct', 'i2c_adapter');
  assert.equal(adapter.chain, "i2c_adapter 1,056 → 1,064 ← member dev: struct device 744 → 752 ← member 'flags' added at offset 744");
});

test('check-module --built-against: plain split -47 modules on -50 say why first, then the root causes, grouped', (t) => {
  if (!need(t, have(OLD) && have(NEW) && existsSync(join(CORPUS, OLD, 'modules')), `corpus builds ${OLD} and ${NEW} with modules/`)) return;
  const files = readdirSync(join(CORPUS, OLD, 'modules'))
    .filter((f) => /^i2c-.*\.ko$/.test(f))
    .map((f) => join(CORPUS, OLD, 'modules', f));
  const r = btfkit(['check-module', ...files, '--kernel', join(CORPUS, NEW, 'vmlinux.btf'), '--built-against', join(CORPUS, OLD, 'vmlinux.btf')]);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, new RegExp(`^${files.length} modules rejected \\(.*\\): built against a vmlinux with 100,628 types / 1,789,996 string bytes; this kernel's has 100,642 / 1,790,375: every type id and name the module borrows from vmlinux is shifted$`));
  assert.ok(lines.some((l) => /^ +\d+ modules ← struct device 744 → 752: member 'flags' added at offset 744$/.test(l)), r.stdout);
  assert.ok(lines.length < 20, 'a few lines, not one per module');
});

test('corpus: each relocated module equals 6.1.0-50’s own BTF of it wherever its types did not change', (t) => {
  if (!need(t, have(OLD) && have(NEW), `corpus builds ${OLD} and ${NEW}`)) return;
  const run = corpusRun();
  let compared = 0;
  let unchanged = 0;
  const mismatched: string[] = [];
  for (const [name, relocated] of run.ok) {
    const p50 = join(CORPUS, NEW, 'mods', name);
    if (!existsSync(p50)) continue;
    compared++;
    const mod47 = Btf.parse(readFileSync(join(CORPUS, OLD, 'mods', name)), { base: run.oldBase });
    const mod50 = Btf.parse(readFileSync(p50), { base: run.newBase });
    // The module's own types changed between the builds (or moved in or out of vmlinux: a
    // FUNC identical to one in -47's vmlinux is deduplicated out of -47's module BTF).
    if (diffBtf(mod47, mod50, { matchBase: false, impact: false }).changes.length > 0) continue;
    unchanged++;
    const d = diffBtf(relocated, mod50, { impact: false }).summary;
    if (d.added + d.removed + d.changed > 0) mismatched.push(`${name}: ${d.removed} only relocated, ${d.added} only in -50, ${d.changed} changed`);
  }
  t.diagnostic(`${compared} relocated modules compared, ${unchanged} with unchanged types`);
  assert.ok(unchanged > 1000, `enough unchanged modules to mean something (${unchanged})`);
  assert.deepEqual(mismatched, []);
});

test('btf_testmod: relocation onto the 6.18 vmlinux fixture fails with a diagnosis', (t) => {
  const v618 = sharedPath('fixtures', 'vmlinux-6.18.btf.gz');
  if (!need(t, existsSync(v618), v618)) return;
  const dist = Btf.parse(readFixture('third-party', 'btf_testmod.btf.base'));
  const split = Btf.parse(readFixture('third-party', 'btf_testmod.btf'), { base: dist });
  const base = Btf.parse(new Uint8Array(gunzipSync(readFileSync(v618))));
  const r = tryRelocate(split, base);
  assert.equal(r.ok, false);
  if (r.ok) return;
  const byName = new Map(r.diagnosis.problems.map((p) => [p.name, p]));
  assert.equal(r.diagnosis.libbpfMessage, "distilled base BTF type 'mutex' [76] is not mapped to base BTF id");
  assert.match(byName.get('mutex')!.summary, /embedded.*size 24 → 32/);
  assert.match(byName.get('rw_semaphore')!.summary, /size 32 → 40/);
  assert.match(byName.get('rwlock')!.summary, /no type named 'rwlock'/);
  for (const p of r.diagnosis.problems) assert.ok(p.users.length > 0, `${p.name}: users listed`);
});

test('the standalone form of relocated modules is accepted by the running kernel', (t) => {
  if (!need(t, have(OLD) && have(NEW), 'corpus')) return;
  if (!need(t, hasTool('cc'), 'a C compiler for the kernel oracle')) return;
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-module-'));
  try {
    const kbl = join(dir, 'kbl');
    const cc = spawnSync('cc', ['-O2', '-o', kbl, sharedPath('oracles', 'kernel-btf-load.c')], { encoding: 'utf8' });
    if (!need(t, cc.status === 0, `kernel oracle builds (${cc.stderr})`)) return;
    const run = corpusRun();
    const sample = [...run.ok.keys()].filter((_, i) => i % 111 === 0).slice(0, 20);
    let asked = 0;
    for (const name of sample) {
      const alone = toStandalone(run.ok.get(name)!).btf;
      const f = join(dir, `${name}.alone`);
      writeFileSync(f, writeBtf(alone));
      const r = spawnSync(kbl, [f], { encoding: 'utf8' });
      if (r.status === 2) {
        if (!need(t, false, `the kernel's BTF loader (root, CAP_BPF): ${r.stderr.trim()}`)) return;
      }
      assert.equal(r.status, 0, `${name}: kernel rejected the standalone form: ${r.stderr.slice(0, 2000)}`);
      asked++;
    }
    t.diagnostic(`${asked} standalone modules accepted by the running kernel`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** readelf -SW section rows as [name, type, address, size, es, flg, lk, inf, al] (offset left out). */
function readelfSections(file: string): Map<string, string[]> {
  const txt = spawnSync('readelf', ['-SW', file], { encoding: 'utf8' }).stdout;
  const rows = new Map<string, string[]>();
  for (const line of txt.split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+(\S*)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (m && m[1] !== '0') rows.set(`${m[1]} ${m[2]}`, [m[3]!, m[4]!, m[5]!, m[6]!, m[7]!, m[8]!, m[9]!, m[10]!]);
  }
  return rows;
}

test('btfkit distill on .ko files: original sections unchanged (readelf -S), inputs untouched, check-module agrees', (t) => {
  if (!need(t, have(OLD) && have(NEW) && existsSync(join(CORPUS, OLD, 'modules')), 'corpus with .ko files')) return;
  if (!need(t, hasTool('readelf'), 'readelf')) return;
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-ko-'));
  try {
    const oldVmlinux = join(CORPUS, OLD, 'vmlinux.btf');
    const newVmlinux = join(CORPUS, NEW, 'vmlinux.btf');
    const mods = ['e1000e', 'nf_tables', '3c59x', 'ext4', 'snd-hda-codec', 'xfs'].filter((m) => existsSync(join(CORPUS, OLD, 'modules', `${m}.ko`)));
    const outs: string[] = [];
    const expected = new Map<string, boolean>();
    const run = corpusRun();
    for (const m of mods) {
      const input = join(CORPUS, OLD, 'modules', `${m}.ko`);
      const hash = createHash('sha256').update(readFileSync(input)).digest('hex');
      const output = join(dir, `${m}.ko`);
      const r = btfkit(['distill', input, '-B', oldVmlinux, '-o', output]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(createHash('sha256').update(readFileSync(input)).digest('hex'), hash, `${m}: input untouched`);
      assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');
      const before = readelfSections(input);
      const after = readelfSections(output);
      assert.equal(after.size, before.size + 1, `${m}: one section added`);
      for (const [key, row] of before) {
        const now = after.get(key);
        assert.ok(now, `${m}: section ${key} still there at the same index`);
        const name = key.split(' ')[1];
        // .BTF has new contents; the section name table grows by ".BTF.base".
        const cmp = name === '.BTF' || name === '.shstrtab' ? [row[0], row[1], row[3], row[4], row[5], row[6], row[7]] : row;
        const cmpNow = name === '.BTF' || name === '.shstrtab' ? [now[0], now[1], now[3], now[4], now[5], now[6], now[7]] : now;
        assert.deepEqual(cmpNow, cmp, `${m}: readelf -S row of ${key}`);
      }
      assert.ok([...after.keys()].some((k) => k.endsWith(' .BTF.base')), `${m}: .BTF.base added`);
      // Section bytes: every section other than .BTF and the name table, byte for byte.
      const inElf = parseElf(new Uint8Array(readFileSync(input)));
      const outElf = parseElf(new Uint8Array(readFileSync(output)));
      for (const sec of inElf.sections) {
        if (sec.index === 0 || sec.name === '.BTF') continue;
        const o = outElf.sections[sec.index]!;
        const want = inElf.sectionData(sec);
        const got = outElf.sectionData(o);
        if (sec.index === inElf.shstrndx) assert.ok(Buffer.from(got.subarray(0, want.length)).equals(want), `${m}: old section names kept`);
        else assert.ok(Buffer.from(got).equals(want), `${m}: ${sec.name} bytes unchanged`);
      }
      outs.push(output);
      expected.set(m.replace(/-/g, '_'), run.ok.has(`${m}.btf`));
    }
    const r = btfkit(['check-module', ...outs, '--kernel', newVmlinux, '--json', '--jobs', '2']);
    const results = JSON.parse(r.stdout) as ModuleCheck[];
    assert.equal(results.length, outs.length);
    for (const c of results) {
      assert.equal(c.btf, 'distilled');
      assert.equal(c.verdict === 'loads', expected.get(c.module), `${c.module}: check-module agrees with the corpus run`);
    }
    assert.equal(r.status, results.every((c) => c.verdict === 'loads') ? 0 : 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check-module over many modules (worker threads): every 6.1.0-47 module loads on its own vmlinux, and on -50 only without BTF', (t) => {
  if (!need(t, have(OLD) && have(NEW) && existsSync(join(CORPUS, OLD, 'modules')), 'corpus with .ko files')) return;
  const kos = readdirSync(join(CORPUS, OLD, 'modules'))
    .filter((f) => f.endsWith('.ko'))
    .sort()
    .filter((_, i) => i % 10 === 0)
    .map((f) => join(CORPUS, OLD, 'modules', f));
  const same = btfkit(['check-module', ...kos, '--kernel', join(CORPUS, OLD, 'vmlinux.btf'), '--json']);
  assert.equal(same.status, 0, same.stderr.slice(0, 500));
  const a = JSON.parse(same.stdout) as ModuleCheck[];
  assert.equal(a.length, kos.length);
  assert.ok(a.every((c) => c.verdict === 'loads' && c.btf === 'split' && c.sysfs!.firstId === 100629));
  const other = btfkit(['check-module', ...kos, '--kernel', join(CORPUS, NEW, 'vmlinux.btf'), '--json', '--allow-mismatch']);
  const b = JSON.parse(other.stdout) as ModuleCheck[];
  const counts = new Map<string, number>();
  for (const c of b) counts.set(c.verdict, (counts.get(c.verdict) ?? 0) + 1);
  t.diagnostic(`on ${NEW}: ${JSON.stringify(Object.fromEntries(counts))}`);
  assert.ok(b.every((c) => c.verdict !== 'rejected'), 'with --allow-mismatch nothing is rejected');
  assert.ok((counts.get('loads-without-btf') ?? 0) > kos.length * 0.9, 'split BTF of another build does not validate');
});
