/**
 * `btfkit encode` on Debian's 6.1.0-50 build: DWARF from linux-image-6.1.0-50-amd64-dbg
 * (scripts/fetch-debian-dbg.sh), compared with the BTF Debian shipped for the same build
 * (pahole 1.24 `--btf_gen_floats -j`) and with `pahole -J -j1` run here on the same file.
 *
 *  - vmlinux, features `pahole-1.24` (var, float, enum64): `dump --format c` byte-identical to
 *    the shipped BTF's and to pahole's; the distinct FUNC names and the per-CPU VAR/DATASEC
 *    entries equal the shipped ones; the file is byte-identical to pahole -j1's, with one
 *    thread and with `--jobs 2`.
 *  - modules, `-B` the shipped vmlinux BTF: every type equal to the shipped module .BTF by
 *    kind, name and shape (duplicate FUNCs aside). A spread sample by default;
 *    BTFKIT_ENCODE_MODULES=all runs all 4,022 (about 30 minutes here).
 *  - `--distilled-base`: the rewritten .ko keeps every other section byte for byte, and its
 *    .BTF relocated onto the shipped base equals the shipped module BTF.
 */

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseElf } from '../../src/elf/index.js';
import { encodeBtf } from '../../src/ops/encode/encode.js';
import { parseFeatures } from '../../src/ops/encode/features.js';
import { tryRelocate } from '../../src/ops/relocate.js';
import { typeSignature } from './type-signature.js';
import { Btf } from '../../src/wire/btf.js';
import { Kind } from '../../src/wire/kinds.js';
import { baseSignatures, compareEncoded } from './encode-compare.js';
import { btfkit, CORPUS, hasTool, need, run } from './env.js';

const BUILD = '6.1.0-50-amd64';
const DBG = join(CORPUS, `${BUILD}-dbg`);
const SHIPPED = join(CORPUS, BUILD);
const FEATURES = 'pahole-1.24';
const haveDbg = (): boolean => existsSync(join(DBG, '.done')) && existsSync(join(SHIPPED, 'vmlinux.btf'));

/** Per-CPU variables as "name linkage type offset size" lines, in DATASEC order. */
function percpuEntries(btf: Btf): string[] {
  const out: string[] = [];
  for (let id = btf.startId; id < btf.nextId; id++) {
    if (btf.kind(id) !== Kind.DATASEC) continue;
    const { words, offset } = btf.record(id);
    const vlen = words[offset + 1]! & 0xffffff;
    for (let i = 0; i < vlen; i++) {
      const v = words[offset + 3 + i * 3]!;
      const vr = btf.record(v);
      out.push(`${btf.name(id)} ${btf.name(v)} linkage=${vr.words[vr.offset + 3]} ${typeSignature(btf, vr.words[vr.offset + 2]!)} ${words[offset + 4 + i * 3]} ${words[offset + 5 + i * 3]}`);
    }
  }
  return out;
}

function functionNames(btf: Btf): Set<string> {
  const names = new Set<string>();
  for (let id = btf.startId; id < btf.nextId; id++) if (btf.kind(id) === Kind.FUNC) names.add(btf.name(id));
  return names;
}

test('vmlinux 6.1.0-50 from -dbg: format c byte-identical to the shipped BTF, same functions and per-CPU variables, byte-identical to pahole -J -j1', async (t) => {
  if (!need(t, haveDbg(), `${DBG} (scripts/fetch-debian-dbg.sh) and ${SHIPPED}`) || !need(t, hasTool('pahole'), 'pahole')) return;
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-encode-'));
  try {
    const ours = join(dir, 'vmlinux.btf');
    const r = btfkit(['encode', join(DBG, 'vmlinux'), '--features', FEATURES, '-o', ours]);
    assert.equal(r.status, 0, r.stderr);
    const shippedPath = join(SHIPPED, 'vmlinux.btf');
    const dumpOurs = btfkit(['dump', '--format', 'c', ours]);
    const dumpShipped = btfkit(['dump', '--format', 'c', shippedPath]);
    assert.equal(dumpOurs.status, 0, dumpOurs.stderr);
    assert.ok(dumpOurs.stdout === dumpShipped.stdout, 'format c of the encoded vmlinux differs from the shipped one');
    const a = Btf.parse(readFileSync(ours));
    const shipped = Btf.parse(readFileSync(shippedPath));
    const fa = functionNames(a);
    const fs = functionNames(shipped);
    assert.deepEqual([...fa].sort(), [...fs].sort());
    assert.deepEqual(percpuEntries(a), percpuEntries(shipped));
    const vsShipped = compareEncoded(a, shipped);
    assert.ok(vsShipped.equal, vsShipped.problems.join('\n'));

    // pahole 1.24 -j1 on a copy of the same file, detached output.
    const copy = join(dir, 'vmlinux');
    copyFileSync(join(DBG, 'vmlinux'), copy);
    const paholeOut = join(dir, 'pahole.btf');
    run('pahole', ['-J', '-j1', '--btf_gen_floats', '--btf_encode_detached', paholeOut, copy]);
    rmSync(copy);
    // pahole 1.24 -j1 is deterministic, and so is btfkit: the same bytes.
    assert.ok(readFileSync(ours).equals(readFileSync(paholeOut)), 'encoded vmlinux differs from pahole -J -j1 byte for byte');
    // Worker threads walking the units give the same bytes.
    const ours2 = join(dir, 'vmlinux-jobs2.btf');
    const r2 = btfkit(['encode', join(DBG, 'vmlinux'), '--features', FEATURES, '--jobs', '2', '-o', ours2]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.ok(readFileSync(ours2).equals(readFileSync(ours)), '--jobs 2 output differs from --jobs 1');
    const p = Btf.parse(readFileSync(paholeOut));
    const vsPahole = compareEncoded(a, p);
    assert.ok(vsPahole.equal, vsPahole.problems.join('\n'));
    assert.deepEqual(vsPahole.kindsOurs, vsPahole.kindsRef, 'kind counts differ from pahole -j1');
    assert.equal(a.typeCount, p.typeCount);
    assert.ok(btfkit(['dump', '--format', 'c', paholeOut]).stdout === dumpOurs.stdout, 'format c differs from pahole -j1');
    t.diagnostic(`vmlinux: ${a.typeCount} types (pahole -j1: ${p.typeCount}, shipped: ${shipped.typeCount}), ${fa.size} distinct functions (shipped ${fs.size} distinct of ${vsShipped.kindsRef.FUNC}), ${percpuEntries(a).length} per-CPU variables`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Module names present both as -dbg .ko and as shipped BTF, sorted. */
function moduleNames(): string[] {
  const shipped = new Set(readdirSync(join(SHIPPED, 'mods')).map((f) => f.replace(/\.btf$/, '')));
  return readdirSync(join(DBG, 'modules'))
    .filter((f) => f.endsWith('.ko') && shipped.has(f.slice(0, -3)))
    .map((f) => f.slice(0, -3))
    .sort();
}

function sampleModules(all: string[]): string[] {
  const want = process.env.BTFKIT_ENCODE_MODULES ?? '120';
  if (want === 'all') return all;
  const n = Math.max(1, Number(want));
  const step = Math.max(1, Math.floor(all.length / n));
  const picked = new Set(all.filter((_, i) => i % step === 0).slice(0, n));
  for (const m of ['ext4', 'kvm', 'xfs', 'btrfs']) if (all.includes(m)) picked.add(m);
  return [...picked].sort();
}

test('modules of 6.1.0-50 encoded with -B the shipped vmlinux BTF equal the shipped module .BTF (or, where pahole -j made it differ, pahole -j1 on the same file)', async (t) => {
  if (!need(t, haveDbg(), `${DBG} and ${SHIPPED}`)) return;
  const base = Btf.parse(readFileSync(join(SHIPPED, 'vmlinux.btf')));
  const features = parseFeatures(FEATURES);
  const names = sampleModules(moduleNames());
  const failures: string[] = [];
  const viaPahole: string[] = [];
  let types = 0;
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-encode-mods-'));
  try {
    for (const name of names) {
      const file = join(DBG, 'modules', `${name}.ko`);
      const { btf } = await encodeBtf(readFileSync(file), { base, features, file, legacyDedup: true });
      types += btf.typeCount;
      const shipped = Btf.parse(readFileSync(join(SHIPPED, 'mods', `${name}.btf`)), { base, file: name });
      const c = compareEncoded(btf, shipped, 3);
      if (c.equal) continue;
      // pahole 1.24 with -j is not deterministic: the same pahole with -j1 is the reference then.
      if (hasTool('pahole')) {
        const out = join(dir, `${name}.btf`);
        run('pahole', ['-J', '-j1', '--btf_gen_floats', '--btf_base', join(SHIPPED, 'vmlinux'), '--btf_encode_detached', out, file]);
        const p = compareEncoded(btf, Btf.parse(readFileSync(out), { base, file: out }), 3);
        if (p.equal) {
          viaPahole.push(name);
          continue;
        }
      }
      failures.push(`${name}: ${c.problems.join('; ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`${names.length - failures.length - viaPahole.length} of ${names.length} modules equal to the shipped BTF; ${viaPahole.length} differ from it but equal pahole -j1 on the same file (${viaPahole.join(', ')}); ${failures.length} differ (${types} types encoded)`);
  assert.deepEqual(failures, []);
});

test('--distilled-base: the .ko keeps every other section, and its BTF relocated onto the shipped base equals the shipped module BTF', async (t) => {
  if (!need(t, haveDbg(), `${DBG} and ${SHIPPED}`)) return;
  const base = Btf.parse(readFileSync(join(SHIPPED, 'vmlinux.btf')));
  const inBase = baseSignatures(base);
  const dir = mkdtempSync(join(tmpdir(), 'btfkit-encode-ko-'));
  try {
    for (const name of ['ext4', 'kvm', 'nf_tables', 'snd-hda-codec'].filter((n) => existsSync(join(DBG, 'modules', `${n}.ko`)))) {
      const input = join(DBG, 'modules', `${name}.ko`);
      const output = join(dir, `${name}.ko`);
      const r = btfkit(['encode', input, '-B', join(SHIPPED, 'vmlinux.btf'), '--features', FEATURES, '--distilled-base', '-o', output]);
      assert.equal(r.status, 0, r.stderr);
      const before = parseElf(readFileSync(input));
      const after = parseElf(readFileSync(output));
      const kept = (s: { name: string }): boolean => s.name !== '.BTF' && s.name !== '.BTF.base' && s.name !== '.shstrtab';
      const sectionsBefore = before.sections.filter(kept);
      const sectionsAfter = after.sections.filter(kept);
      assert.deepEqual(sectionsAfter.map((s) => s.name), sectionsBefore.map((s) => s.name));
      for (let i = 0; i < sectionsBefore.length; i++) {
        assert.ok(Buffer.from(before.sectionData(sectionsBefore[i]!)).equals(after.sectionData(sectionsAfter[i]!)), `${name}: section ${sectionsBefore[i]!.name} changed`);
      }
      const distilled = Btf.parse(after.sectionData(after.section('.BTF.base')!), { section: '.BTF.base' });
      const split = Btf.parse(after.sectionData(after.section('.BTF')!), { base: distilled });
      const rel = tryRelocate(split, base, { file: name });
      assert.ok(rel.ok, `${name}: relocation failed`);
      if (!rel.ok) continue;
      const shipped = Btf.parse(readFileSync(join(SHIPPED, 'mods', `${name}.btf`)), { base });
      const c = compareEncoded(rel.btf, shipped, 20, inBase);
      assert.ok(c.equal, `${name}: ${c.problems.join('\n')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
